// Parser throughput. Headline: bytes_per_second (MB/s) and ns_per_sample for the text format
// on a real node_exporter page and a 10 MB synthetic page ("Scan": what a scrape with a warm
// cache does per line: Next, RawSeries, Value, TimestampMs), plus the cost with full label
// materialisation ("Labels": a cold cache), and OpenMetrics with timestamps (backfill input).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "model/textparse.h"

namespace promlet::scrape {
namespace {

std::string NodeExporterPage() {
  std::ifstream in(std::string(PROMLET_SHARED_DIR) + "/bench/node_exporter_template.prom");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ~10 MB of typical application metrics: families with HELP/TYPE, 3-5 labels, mixed values.
std::string SyntheticPage(model::Format f, size_t target_bytes) {
  std::string out;
  out.reserve(target_bytes + 4096);
  const char* methods[] = {"GET", "POST", "PUT", "DELETE"};
  const char* codes[] = {"200", "201", "400", "404", "500"};
  int fam = 0;
  char buf[512];
  while (out.size() < target_bytes) {
    std::snprintf(buf, sizeof buf,
                  "# HELP app_http_requests_%d Requests handled, by method, handler and code.\n"
                  "# TYPE app_http_requests_%d counter\n",
                  fam, fam);
    out += buf;
    for (int h = 0; h < 25; ++h) {
      for (int m = 0; m < 4; ++m) {
        for (int c = 0; c < 5; ++c) {
          double v = (fam * 7919 + h * 104729 + m * 31 + c) * 1.25;
          if (f == model::Format::kText004) {
            std::snprintf(buf, sizeof buf,
                          "app_http_requests_%d_total{method=\"%s\",handler=\"/api/v1/"
                          "handler_%d\",code=\"%s\",instance=\"host-%d:9100\"} %.6g\n",
                          fam, methods[m], h, codes[c], fam % 50, v);
          } else {
            std::snprintf(buf, sizeof buf,
                          "app_http_requests_%d_total{method=\"%s\",handler=\"/api/v1/"
                          "handler_%d\",code=\"%s\",instance=\"host-%d:9100\"} %.6g "
                          "1700000%03d.%03d\n",
                          fam, methods[m], h, codes[c], fam % 50, v, h, (m * 5 + c) * 7);
          }
          out += buf;
        }
      }
    }
    ++fam;
  }
  if (f == model::Format::kOpenMetrics) out += "# EOF\n";
  return out;
}

void Run(benchmark::State& state, std::string_view body, model::Format f, bool labels) {
  int64_t samples = 0;
  model::Labels l;
  for (auto _ : state) {
    model::Parser p(body, f);
    for (;;) {
      absl::StatusOr<model::Entry> e = p.Next();
      if (!e.ok()) {
        state.SkipWithError(std::string(e.status().message()).c_str());
        return;
      }
      if (*e == model::Entry::kEOF) break;
      if (*e != model::Entry::kSeries) continue;
      ++samples;
      benchmark::DoNotOptimize(p.RawSeries());
      benchmark::DoNotOptimize(p.Value());
      benchmark::DoNotOptimize(p.TimestampMs());
      if (labels) {
        (void)p.ParseLabels(&l);
        benchmark::DoNotOptimize(l);
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * body.size());
  state.counters["ns_per_sample"] = benchmark::Counter(
      static_cast<double>(samples), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["samples_per_page"] =
      static_cast<double>(samples) / static_cast<double>(state.iterations());
}

void BM_Text_NodeExporter_Scan(benchmark::State& s) {
  static const std::string body = NodeExporterPage();
  Run(s, body, model::Format::kText004, false);
}
void BM_Text_NodeExporter_Labels(benchmark::State& s) {
  static const std::string body = NodeExporterPage();
  Run(s, body, model::Format::kText004, true);
}
void BM_Text_Synthetic10MB_Scan(benchmark::State& s) {
  static const std::string body = SyntheticPage(model::Format::kText004, 10 << 20);
  Run(s, body, model::Format::kText004, false);
}
void BM_Text_Synthetic10MB_Labels(benchmark::State& s) {
  static const std::string body = SyntheticPage(model::Format::kText004, 10 << 20);
  Run(s, body, model::Format::kText004, true);
}
void BM_OpenMetrics_Synthetic10MB_Scan(benchmark::State& s) {
  static const std::string body = SyntheticPage(model::Format::kOpenMetrics, 10 << 20);
  Run(s, body, model::Format::kOpenMetrics, false);
}
void BM_OpenMetrics_Synthetic10MB_Labels(benchmark::State& s) {
  static const std::string body = SyntheticPage(model::Format::kOpenMetrics, 10 << 20);
  Run(s, body, model::Format::kOpenMetrics, true);
}

// Backfill input: PROMLET_OM_FILE=<gen_dataset.py output> parses a whole mmapped file.
void BM_OpenMetrics_File_Scan(benchmark::State& s) {
  const char* path = std::getenv("PROMLET_OM_FILE");
  if (path == nullptr) {
    s.SkipWithError("set PROMLET_OM_FILE to an OpenMetrics file (gen_dataset.py output)");
    return;
  }
  int fd = ::open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || st.st_size == 0) {
    s.SkipWithError("cannot open PROMLET_OM_FILE");
    return;
  }
  void* m = ::mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) {
    s.SkipWithError("mmap failed");
    return;
  }
  ::madvise(m, st.st_size, MADV_SEQUENTIAL);
  std::string_view body(static_cast<const char*>(m), st.st_size);
  Run(s, body, model::Format::kOpenMetrics, false);
  ::munmap(m, st.st_size);
}

BENCHMARK(BM_Text_NodeExporter_Scan);
BENCHMARK(BM_Text_NodeExporter_Labels);
BENCHMARK(BM_Text_Synthetic10MB_Scan)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Text_Synthetic10MB_Labels)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OpenMetrics_Synthetic10MB_Scan)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OpenMetrics_Synthetic10MB_Labels)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OpenMetrics_File_Scan)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace promlet::scrape

BENCHMARK_MAIN();
