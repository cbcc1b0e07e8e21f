// Scale figure for issue 7: the scrape manager scraping N loopback targets (~500 series each)
// every 15 s into a tsdb::Head, for a while; prints CPU used by the scraping process, missed
// scrapes and RSS. The target server runs in a forked child so its CPU is not counted.
//
//   scrape_scale [targets=1000] [seconds=90] [interval_s=15] [series=500]
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "config/config.h"
#include "scrape/manager.h"
#include "tests/scrape_loop/test_server.h"
#include "tsdb/head.h"

namespace {

using promlet::scrape::testing::Reply;
using promlet::scrape::testing::SeenRequest;
using promlet::scrape::testing::TestServer;

// ~`series` series in 25 families, counters that move on every request.
std::string Page(int series, uint64_t n) {
  std::string out;
  out.reserve(series * 64);
  int families = 25;
  int per = std::max(1, series / families);
  for (int f = 0; f < families; ++f) {
    absl::StrAppend(&out, "# HELP bench_metric_", f, "_total A benchmark counter.\n");
    absl::StrAppend(&out, "# TYPE bench_metric_", f, "_total counter\n");
    for (int i = 0; i < per; ++i) {
      absl::StrAppend(&out, "bench_metric_", f, "_total{handler=\"/api/v", i,
                      "\",code=\"200\",method=\"GET\"} ", n * (i + 1) + f, "\n");
    }
  }
  return out;
}

long RssKb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::string(field).size());
  }
  return -1;
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const int targets = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 90;
  const int interval_s = argc > 3 ? std::atoi(argv[3]) : 15;
  const int series = argc > 4 ? std::atoi(argv[4]) : 500;

  // Child: the loopback target server. Parent learns its port through a pipe.
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    std::atomic<uint64_t> n{0};
    TestServer srv([&](const SeenRequest&) {
      return Reply{.body = Page(series, n++), .gzip = true};
    });
    uint16_t port = srv.port();
    if (write(fds[1], &port, sizeof(port)) != sizeof(port)) _exit(1);
    close(fds[1]);
    pause();  // until SIGTERM
    _exit(0);
  }
  close(fds[1]);
  uint16_t port = 0;
  if (read(fds[0], &port, sizeof(port)) != sizeof(port)) return 1;

  std::string yaml = absl::StrCat("global:\n  scrape_interval: ", interval_s,
                                  "s\n  scrape_timeout: 10s\nscrape_configs:\n"
                                  "  - job_name: bench\n    static_configs:\n");
  for (int i = 0; i < targets; ++i) {
    absl::StrAppend(&yaml, "      - targets: ['127.0.0.1:", port, "']\n        labels: {target: '", i,
                    "', __metrics_path__: '/metrics/", i, "'}\n");
  }
  auto cfg = promlet::config::LoadConfigString(yaml, "bench.yml");
  if (!cfg.ok()) {
    std::fprintf(stderr, "config: %s\n", std::string(cfg.status().message()).c_str());
    return 1;
  }

  promlet::tsdb::Head head;
  const long rss_before = RssKb("VmRSS:");
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  {
    promlet::scrape::Manager m(&head, {.threads = 2});
    if (auto s = m.ApplyConfig(*cfg); !s.ok()) {
      std::fprintf(stderr, "apply: %s\n", std::string(s.message()).c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    const double cpu = CpuSeconds() - cpu0;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    uint64_t scrapes = 0, missed = 0, up = 0, samples = 0;
    double max_dur = 0, sum_dur = 0;
    for (const auto& t : m.ActiveTargets()) {
      scrapes += t.scrapes;
      missed += t.missed_scrapes;
      up += t.health == promlet::scrape::TargetHealth::kUp;
      samples += t.last_samples_scraped;
      max_dur = std::max(max_dur, t.last_scrape_duration_seconds);
      sum_dur += t.last_scrape_duration_seconds;
    }
    const auto st = head.Stats();
    std::printf("targets=%d series_per_target=%d interval=%ds run=%.0fs\n", targets, series,
                interval_s, wall);
    std::printf("targets_up=%llu scrapes=%llu (expected ~%d) missed_scrapes=%llu\n",
                (unsigned long long)up, (unsigned long long)scrapes,
                targets * (seconds / interval_s), (unsigned long long)missed);
    std::printf("samples_per_scrape_total=%llu head_series=%llu head_samples=%llu\n",
                (unsigned long long)samples, (unsigned long long)st.num_series,
                (unsigned long long)st.samples_appended);
    std::printf("cpu_seconds=%.2f cpu_cores_avg=%.3f (%.1f%% of one core) cpu_us_per_sample=%.3f\n",
                cpu, cpu / wall, 100 * cpu / wall,
                st.samples_appended ? cpu * 1e6 / st.samples_appended : 0.0);
    std::printf("scrape_duration_avg_ms=%.2f max_ms=%.2f\n",
                targets ? 1000 * sum_dur / targets : 0.0, 1000 * max_dur);
    std::printf("rss_mb=%.1f (before start %.1f) peak_rss_mb=%.1f\n", RssKb("VmRSS:") / 1024.0,
                rss_before / 1024.0, RssKb("VmHWM:") / 1024.0);
    m.Stop();
  }
  kill(child, SIGTERM);
  int status;
  waitpid(child, &status, 0);
  return 0;
}
