// Scrape CPU for the same histograms as protobuf (native, or its classic buckets) and as text
// (classic buckets), issue 20 (c). Input: the pages exporter.py --dump writes (50 histograms of
// 10..160 native buckets, each also exposed as 11 classic buckets + +Inf, _sum, _count):
//
//   python3 bench/histograms/exporter.py --dump DIR --scrapes 100
//   HISTOGRAM_PAGES=DIR build/bench/histograms/histogram_parse_bench
//
// Parse*: the parser loop alone (what each entry costs to read). Scrape*: AppendScrapeBody into
// a tsdb::Head, committed, a new timestamp per iteration (the scrape's non-I/O CPU). Counter
// ns/histogram: CPU per exposed histogram (one native sample, or 14 classic series).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "model/protoparse.h"
#include "model/textparse.h"
#include "scrape/scrape_cache.h"
#include "scrape/scrape_loop.h"
#include "tsdb/head.h"

namespace {

using promlet::model::Entry;
using promlet::model::Format;

std::string Page(const char* name) {
  const char* dir = std::getenv("HISTOGRAM_PAGES");
  std::ifstream in(std::string(dir != nullptr ? dir : ".") + "/" + name, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "no %s: run exporter.py --dump DIR and set HISTOGRAM_PAGES=DIR\n", name);
    std::exit(1);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string& Text() {
  static const std::string* s = new std::string(Page("classic.txt"));
  return *s;
}
// native = true: native.pb, else classic.pb.
const std::string& Proto(bool native) {
  static const std::string* n = new std::string(Page("native.pb"));
  static const std::string* c = new std::string(Page("classic.pb"));
  return native ? *n : *c;
}

// Histograms in the text page: one _count line each.
int64_t Histograms() {
  static const int64_t n = [] {
    int64_t c = 0;
    for (size_t p = 0; (p = Text().find("_count{", p)) != std::string::npos; ++p) ++c;
    return c;
  }();
  return n;
}

void PerHistogram(benchmark::State& state) {
  state.counters["ns/histogram"] = benchmark::Counter(
      static_cast<double>(Histograms()),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

template <typename P>
int64_t Drain(P& p) {
  int64_t n = 0;
  while (true) {
    auto e = p.Next();
    if (!e.ok()) std::abort();
    if (*e == Entry::kEOF) return n;
    if (*e == Entry::kSeries) {
      benchmark::DoNotOptimize(p.RawSeries().data());
      benchmark::DoNotOptimize(p.Value());
      ++n;
    } else if (*e == Entry::kHistogram) {
      if constexpr (requires { p.IntHistogram(); }) benchmark::DoNotOptimize(p.IntHistogram());
      ++n;
    }
  }
}

void BM_ParseText(benchmark::State& state) {
  for (auto _ : state) {
    promlet::model::Parser p(Text(), Format::kText004);
    benchmark::DoNotOptimize(Drain(p));
  }
  PerHistogram(state);
}
BENCHMARK(BM_ParseText);

void BM_ParseProto(benchmark::State& state) {
  promlet::model::ProtoParserOptions o;
  for (auto _ : state) {
    promlet::model::ProtoParser p(Proto(state.range(0) != 0), o);
    benchmark::DoNotOptimize(Drain(p));
  }
  PerHistogram(state);
  state.SetLabel(state.range(0) == 0 ? "classic" : "native");
}
BENCHMARK(BM_ParseProto)->Arg(1)->Arg(0);

// Arg: 0 text, 1 protobuf native, 2 protobuf classic.
void BM_Scrape(benchmark::State& state) {
  const bool proto = state.range(0) != 0;
  promlet::tsdb::Head head;
  promlet::scrape::ScrapeCache cache;
  promlet::scrape::SampleOptions opts;
  opts.honor_timestamps = false;
  opts.scrape_native_histograms = true;
  opts.target_labels = promlet::model::Labels::FromSorted({{"instance", "a:1"}, {"job", "h"}});
  int64_t t = 0;
  for (auto _ : state) {
    auto app = head.NewAppender();
    auto r = promlet::scrape::AppendScrapeBody(
        *app, cache, opts, proto ? Proto(state.range(0) == 1) : Text(),
        proto ? Format::kProtobuf : Format::kText004, t += 15000);
    if (!r.error.ok() || !app->Commit().ok()) std::abort();
  }
  PerHistogram(state);
  state.SetLabel(state.range(0) == 0   ? "text"
                 : state.range(0) == 1 ? "proto native"
                                       : "proto classic");
}
BENCHMARK(BM_Scrape)->Arg(0)->Arg(1)->Arg(2);

}  // namespace

BENCHMARK_MAIN();
