// PromQL engine benchmarks (issue 9 targets): range queries over an in-memory head.
//   sum by (job) (rate(http_requests_total[5m]))     10k series x 1h at 15s step
//   histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))  1k histograms x 12 buckets
//   topk(10, rate(http_requests_total[5m]))           10k series x 1h at 15s step
// and the range functions and histogram shapes of bench/compare's dashboard queries.
// Each reports wall time and CPU time of the whole process (the engine's helper thread
// included) per query, and raw samples decoded per second. For A/B comparisons on a busy
// machine compare the CPU column.
#include <cstdio>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "promql/engine/engine.h"
#include "tsdb/head.h"

namespace promlet::promql {
namespace {

constexpr int64_t kScrape = 15000;
constexpr int64_t kStart = 3600 * 1000;       // query start: 1h (data from 0)
constexpr int64_t kEnd = kStart + 3600 * 1000;  // 1h range

tsdb::Head* CounterHead() {
  static tsdb::Head* head = [] {
    auto* h = new tsdb::Head();
    std::vector<model::Labels> ls;
    for (int i = 0; i < 10000; ++i) {
      ls.push_back(model::Labels{{"__name__", "http_requests_total"},
                                {"job", "job" + std::to_string(i % 10)},
                                {"instance", "host" + std::to_string(i)}});
    }
    std::vector<storage::SeriesRef> refs(ls.size(), 0);
    for (int64_t t = 0; t <= kEnd; t += kScrape) {
      auto app = h->NewAppender();
      for (size_t i = 0; i < ls.size(); ++i) {
        auto r = app->Append(refs[i], ls[i], t, static_cast<double>(t / kScrape * (i % 7 + 1)));
        if (r.ok()) refs[i] = *r;
      }
      (void)app->Commit();
    }
    return h;
  }();
  return head;
}

tsdb::Head* HistogramHead() {
  static tsdb::Head* head = [] {
    auto* h = new tsdb::Head();
    static const char* kLe[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
    std::vector<model::Labels> ls;
    for (int i = 0; i < 1000; ++i) {
      for (const char* le : kLe) {
        ls.push_back(model::Labels{{"__name__", "x_bucket"},
                                  {"instance", "host" + std::to_string(i)},
                                  {"le", le}});
      }
    }
    std::vector<storage::SeriesRef> refs(ls.size(), 0);
    for (int64_t t = 0; t <= kEnd; t += kScrape) {
      auto app = h->NewAppender();
      for (size_t i = 0; i < ls.size(); ++i) {
        const double cum = static_cast<double>((i % 12 + 1) * (t / kScrape));
        auto r = app->Append(refs[i], ls[i], t, cum);
        if (r.ok()) refs[i] = *r;
      }
      (void)app->Commit();
    }
    return h;
  }();
  return head;
}

// Gauges scraped every 15 s, each target 0-10 ms after the step grid (as bench/compare's
// datasets are), or with jitter: each scrape -10..10 ms off the grid, so that a window's ends
// move 0, 1 or 2 samples from one step to the next.
tsdb::Head* GaugeHead(bool jitter) {
  static tsdb::Head* heads[2] = {nullptr, nullptr};
  tsdb::Head*& head = heads[jitter ? 1 : 0];
  if (head != nullptr) return head;
  head = [jitter] {
    auto* h = new tsdb::Head();
    std::vector<model::Labels> ls;
    for (int i = 0; i < 2000; ++i) {
      ls.push_back(model::Labels{{"__name__", "collector_seconds"},
                                 {"collector", "collector" + std::to_string(i % 40)},
                                 {"instance", "host" + std::to_string(i / 40)}});
    }
    std::vector<storage::SeriesRef> refs(ls.size(), 0);
    uint64_t x = 88172645463325252ull;  // xorshift64
    auto next = [&x] {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return x;
    };
    for (int64_t t = 0; t <= kEnd; t += kScrape) {
      auto app = h->NewAppender();
      for (size_t i = 0; i < ls.size(); ++i) {
        const auto offset = jitter ? static_cast<int64_t>(next() % 21) - 10
                                   : static_cast<int64_t>(i / 40 * 7919 % 11);
        const double v = static_cast<double>(next() % 1000000) * 1e-9 + 0.001;
        auto r = app->Append(refs[i], ls[i], std::max<int64_t>(0, t + offset), v);
        if (r.ok()) refs[i] = *r;
      }
      (void)app->Commit();
    }
    return h;
  }();
  return head;
}

void RunRange(benchmark::State& state, tsdb::Head* head, const char* query) {
  Engine engine;
  int64_t decoded = 0;
  for (auto _ : state) {
    auto r = engine.RangeQuery(*head, query, kStart, kEnd, kScrape);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    decoded += r->stats.samples_decoded;
    benchmark::DoNotOptimize(r->value);
  }
  state.counters["samples_decoded/s"] =
      benchmark::Counter(static_cast<double>(decoded), benchmark::Counter::kIsRate);
  state.counters["samples_decoded/query"] =
      static_cast<double>(decoded) / static_cast<double>(state.iterations());
}

void BM_SumByJobRate(benchmark::State& state) {
  RunRange(state, CounterHead(), "sum by (job) (rate(http_requests_total[5m]))");
}
BENCHMARK(BM_SumByJobRate)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_HistogramQuantile(benchmark::State& state) {
  RunRange(state, HistogramHead(), "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))");
}
BENCHMARK(BM_HistogramQuantile)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_HistogramQuantileByInstance(benchmark::State& state) {
  RunRange(state, HistogramHead(),
           "histogram_quantile(0.99, sum by (instance, le) (rate(x_bucket[5m])))");
}
BENCHMARK(BM_HistogramQuantileByInstance)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_SumByJobAvgOverTime(benchmark::State& state) {
  RunRange(state, CounterHead(), "sum by (job) (avg_over_time(http_requests_total[5m]))");
}
BENCHMARK(BM_SumByJobAvgOverTime)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_AvgByCollectorAvgOverTime(benchmark::State& state) {
  RunRange(state, GaugeHead(false), "avg by (collector) (avg_over_time(collector_seconds[5m]))");
}
BENCHMARK(BM_AvgByCollectorAvgOverTime)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

void BM_AvgByCollectorAvgOverTimeJittered(benchmark::State& state) {
  RunRange(state, GaugeHead(true), "avg by (collector) (avg_over_time(collector_seconds[5m]))");
}
BENCHMARK(BM_AvgByCollectorAvgOverTimeJittered)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

void BM_SumCountOverTime(benchmark::State& state) {
  RunRange(state, HistogramHead(), "sum(count_over_time(x_bucket[5m]))");
}
BENCHMARK(BM_SumCountOverTime)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_MaxOverTime(benchmark::State& state) {
  RunRange(state, CounterHead(), "max by (job) (max_over_time(http_requests_total[10m]))");
}
BENCHMARK(BM_MaxOverTime)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_TopkRate(benchmark::State& state) {
  RunRange(state, CounterHead(), "topk(10, rate(http_requests_total[5m]))");
}
BENCHMARK(BM_TopkRate)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_InstantSumRate(benchmark::State& state) {
  Engine engine;
  tsdb::Head* head = CounterHead();
  for (auto _ : state) {
    auto r = engine.InstantQuery(*head, "sum by (job) (rate(http_requests_total[5m]))", kEnd);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_InstantSumRate)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

}  // namespace
}  // namespace promlet::promql

BENCHMARK_MAIN();
