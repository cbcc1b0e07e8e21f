// Native-histogram chunk benchmarks (issue 20). One realistic series: schema 3 (8 buckets per
// power of two), a log-normal latency distribution populating ~30 buckets, a counter growing by
// Poisson(100) observations per 15 s scrape, 1200 samples. Figures (benchmark counters):
//   bytes/sample   chunk bytes per histogram sample (header and layout included)
//   ns/sample      CPU time per appended / decoded sample
// Arg = samples per chunk: 120 (as float chunks) or 0 = Prometheus' head rule for histograms
// approximated (cut once a chunk reaches 1024 bytes and holds >= 10 samples).
// Reproduce: cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DPROMLET_BUILD_TESTS=OFF
//            ninja -C build-rel tsdb_histogram_chunk_bench &&
//            build-rel/bench/tsdb/tsdb_histogram_chunk_bench
#include <benchmark/benchmark.h>

#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/histogram/histogram.h"
#include "tsdb/chunkenc/float_histogram_chunk.h"
#include "tsdb/chunkenc/histogram_chunk.h"

namespace {

namespace mh = promlet::model::histogram;
using promlet::tsdb::chunkenc::FloatHistogramAppender;
using promlet::tsdb::chunkenc::FloatHistogramIterator;
using promlet::tsdb::chunkenc::HistogramAppender;
using promlet::tsdb::chunkenc::HistogramIterator;

constexpr int kSamples = 1200;
constexpr int64_t kInterval = 15000;

const std::vector<mh::Histogram>& Series() {
  static const std::vector<mh::Histogram>* series = [] {
    auto* out = new std::vector<mh::Histogram>();
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> latency(std::log(0.1), 0.35);  // seconds
    std::poisson_distribution<int> per_scrape(100);
    std::map<int32_t, int64_t> counts;
    uint64_t count = 0;
    double sum = 0;
    for (int i = 0; i < kSamples; ++i) {
      for (int n = per_scrape(rng); n > 0; --n) {
        double v = latency(rng);
        ++counts[static_cast<int32_t>(std::ceil(std::log2(v) * 8))];  // schema 3
        ++count;
        sum += v;
      }
      mh::Histogram h;
      h.schema = 3;
      h.zero_threshold = std::ldexp(1.0, -128);
      h.count = count;
      h.sum = sum;
      int32_t next = 0;
      int64_t prev = 0;
      for (const auto& [idx, c] : counts) {
        if (h.positive_spans.empty() || idx != next) {
          h.positive_spans.push_back({h.positive_spans.empty() ? idx : idx - next, 0});
        }
        ++h.positive_spans.back().length;
        h.positive_buckets.push_back(c - prev);
        prev = c;
        next = idx + 1;
      }
      out->push_back(std::move(h));
    }
    return out;
  }();
  return *series;
}

// Appends the whole series, cutting chunks per the Arg rule; returns the finished chunks' bytes.
template <typename Appender, typename Append>
std::vector<std::string> Encode(int per_chunk, Append append) {
  std::vector<std::string> chunks;
  auto app = std::make_unique<Appender>();
  std::unique_ptr<Appender> prev;
  const auto& series = Series();
  for (int i = 0; i < kSamples; ++i) {
    const bool full = per_chunk > 0 ? app->num_samples() >= per_chunk
                                    : app->bytes().size() >= 1024 && app->num_samples() >= 10;
    if (full) {
      chunks.emplace_back(app->bytes());
      prev = std::move(app);
      app = std::make_unique<Appender>();
    }
    auto r = append(*app, prev.get(), kInterval * i, series[static_cast<size_t>(i)]);
    if (!r.ok()) std::abort();
    if (r->new_chunk != nullptr) {
      if (!r->recoded) {
        chunks.emplace_back(app->bytes());
        prev = std::move(app);
      }
      app = std::move(r->new_chunk);
    }
  }
  chunks.emplace_back(app->bytes());
  return chunks;
}

std::vector<std::string> EncodeInt(int per_chunk) {
  return Encode<HistogramAppender>(
      per_chunk, [](HistogramAppender& a, const HistogramAppender* p, int64_t t,
                    const mh::Histogram& h) { return a.AppendHistogram(p, t, h, false); });
}

std::vector<std::string> EncodeFloat(int per_chunk) {
  static const std::vector<mh::FloatHistogram>* floats = [] {
    auto* out = new std::vector<mh::FloatHistogram>();
    for (const mh::Histogram& h : Series()) out->push_back(h.ToFloat());
    return out;
  }();
  return Encode<FloatHistogramAppender>(
      per_chunk, [](FloatHistogramAppender& a, const FloatHistogramAppender* p, int64_t t,
                    const mh::Histogram&) {
        return a.AppendFloatHistogram(p, t, (*floats)[static_cast<size_t>(t / kInterval)], false);
      });
}

void Report(benchmark::State& state, const std::vector<std::string>& chunks) {
  size_t bytes = 0;
  for (const auto& c : chunks) bytes += c.size();
  state.counters["bytes/sample"] = static_cast<double>(bytes) / kSamples;
  state.counters["chunks"] = static_cast<double>(chunks.size());
  size_t buckets = 0;
  for (const auto& h : Series()) buckets += h.positive_buckets.size();
  state.counters["buckets/sample"] = static_cast<double>(buckets) / kSamples;
  state.counters["ns/sample"] = benchmark::Counter(
      static_cast<double>(kSamples),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_HistogramAppend(benchmark::State& state) {
  Series();
  std::vector<std::string> chunks;
  for (auto _ : state) {
    chunks = EncodeInt(static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(chunks.data());
  }
  Report(state, chunks);
}
BENCHMARK(BM_HistogramAppend)->Arg(120)->Arg(0);

void BM_HistogramIterate(benchmark::State& state) {
  const auto chunks = EncodeInt(static_cast<int>(state.range(0)));
  mh::Histogram h;
  for (auto _ : state) {
    for (const auto& c : chunks) {
      HistogramIterator it(c);
      while (it.Next()) {
        it.AtHistogram(&h);
        benchmark::DoNotOptimize(h.count);
      }
    }
  }
  Report(state, chunks);
}
BENCHMARK(BM_HistogramIterate)->Arg(120)->Arg(0);

void BM_HistogramIterateAsFloat(benchmark::State& state) {
  const auto chunks = EncodeInt(static_cast<int>(state.range(0)));
  mh::FloatHistogram h;
  for (auto _ : state) {
    for (const auto& c : chunks) {
      HistogramIterator it(c);
      while (it.Next()) {
        it.AtFloatHistogram(&h);
        benchmark::DoNotOptimize(h.count);
      }
    }
  }
  Report(state, chunks);
}
BENCHMARK(BM_HistogramIterateAsFloat)->Arg(120)->Arg(0);

void BM_FloatHistogramAppend(benchmark::State& state) {
  EncodeFloat(1);
  std::vector<std::string> chunks;
  for (auto _ : state) {
    chunks = EncodeFloat(static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(chunks.data());
  }
  Report(state, chunks);
}
BENCHMARK(BM_FloatHistogramAppend)->Arg(120)->Arg(0);

void BM_FloatHistogramIterate(benchmark::State& state) {
  const auto chunks = EncodeFloat(static_cast<int>(state.range(0)));
  mh::FloatHistogram h;
  for (auto _ : state) {
    for (const auto& c : chunks) {
      FloatHistogramIterator it(c);
      while (it.Next()) {
        it.AtFloatHistogram(&h);
        benchmark::DoNotOptimize(h.count);
      }
    }
  }
  Report(state, chunks);
}
BENCHMARK(BM_FloatHistogramIterate)->Arg(120)->Arg(0);

}  // namespace

BENCHMARK_MAIN();
