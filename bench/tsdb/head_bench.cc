// Head benchmarks (issue 3). Figures are printed as benchmark counters:
//   XorEncode/XorDecode <class>: ns per sample (and bytes/sample) on counters, gauges, histogram
//     buckets, constants taken from a gen_dataset.py file (PROMLET_BENCH_DATASET) or synthesised.
//   HeadBytesPerSample: chunk bytes per sample of the whole dataset loaded into a Head.
//   HeadMemory/N: live heap bytes (counting allocator) and RSS delta per series, N series with
//     node_exporter labels and 120 samples each.
//   Append/threads: ref-cached appends, 100k series, scrape-sized batches.
//   Select/<matchers>: Select + iterate labels on the 1M-series head.
//   Replay/threads: ReplaySamples throughput.
// The counting operator new/delete below pair malloc/free on purpose.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <malloc.h>

#include <atomic>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <new>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>

#include <benchmark/benchmark.h>

#include "tsdb/chunkenc/xor.h"
#include "tsdb/head.h"

// ---- counting allocator: live heap bytes of this process ----
namespace {
std::atomic<int64_t> g_live_bytes{0};
}
void* operator new(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  g_live_bytes.fetch_add(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, std::align_val_t a) {
  void* p = std::aligned_alloc(static_cast<size_t>(a), (n + static_cast<size_t>(a) - 1) /
                                                           static_cast<size_t>(a) *
                                                           static_cast<size_t>(a));
  if (!p) throw std::bad_alloc();
  g_live_bytes.fetch_add(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}
void* operator new[](size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept {
  if (!p) return;
  g_live_bytes.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, size_t) noexcept { operator delete(p); }
void operator delete[](void* p, size_t) noexcept { operator delete(p); }
void operator delete(void* p, std::align_val_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::align_val_t) noexcept { operator delete(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { operator delete(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { operator delete(p); }

namespace promlet::tsdb {
namespace {

enum Class { kCounter, kGauge, kHistogram, kConstant, kNumClasses };
const char* kClassNames[] = {"counter", "gauge", "histogram_bucket", "constant"};

struct DataSeries {
  model::Labels labels;
  std::vector<storage::Sample> samples;
  Class cls;
};

// ---- dataset ----

model::Labels ParseLabels(const std::string& name, std::string_view body) {
  std::vector<model::Label> out{{"__name__", name}};
  size_t i = 0;
  while (i < body.size()) {
    size_t eq = body.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string n(body.substr(i, eq - i));
    std::string v;
    size_t j = eq + 2;  // skip ="
    while (j < body.size() && body[j] != '"') {
      if (body[j] == '\\' && j + 1 < body.size()) {
        ++j;
        v.push_back(body[j] == 'n' ? '\n' : body[j]);
      } else {
        v.push_back(body[j]);
      }
      ++j;
    }
    out.push_back({n, v});
    i = j + 1;
    if (i < body.size() && body[i] == ',') ++i;
  }
  return model::Labels::FromUnsorted(std::move(out));
}

std::vector<DataSeries> LoadDataset(const char* path) {
  std::ifstream in(path);
  std::vector<DataSeries> out;
  if (!in) return out;
  std::unordered_map<std::string, size_t> idx;
  std::map<std::string, std::string> types;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (line.rfind("# TYPE ", 0) == 0) {
        size_t sp = line.find(' ', 7);
        types[line.substr(7, sp - 7)] = line.substr(sp + 1);
      }
      continue;
    }
    size_t s2 = line.rfind(' ');
    size_t s1 = line.rfind(' ', s2 - 1);
    if (s1 == std::string::npos) continue;
    std::string key = line.substr(0, s1);
    double v = std::strtod(line.c_str() + s1 + 1, nullptr);
    int64_t t = std::llround(std::strtod(line.c_str() + s2 + 1, nullptr) * 1000);
    auto [it, fresh] = idx.emplace(key, out.size());
    if (fresh) {
      size_t br = key.find('{');
      std::string name = key.substr(0, br);
      std::string_view body;
      if (br != std::string::npos) body = std::string_view(key).substr(br + 1, key.size() - br - 2);
      DataSeries ds{ParseLabels(name, body), {}, kGauge};
      std::string family = name;
      for (const char* suf : {"_bucket", "_sum", "_count", "_total", "_created"}) {
        size_t n = std::strlen(suf);
        if (family.size() > n && family.compare(family.size() - n, n, suf) == 0 &&
            types.count(family.substr(0, family.size() - n))) {
          family = family.substr(0, family.size() - n);
          break;
        }
      }
      const std::string& type = types[family];
      if (name.size() > 7 && name.compare(name.size() - 7, 7, "_bucket") == 0) {
        ds.cls = kHistogram;
      } else if (type == "counter" || type == "summary" || type == "histogram" ||
                 name.find("_total") != std::string::npos) {
        ds.cls = kCounter;
      }
      out.push_back(std::move(ds));
    }
    out[it->second].samples.push_back({t, v});
  }
  for (auto& ds : out) {
    bool constant = true;
    for (const storage::Sample& s : ds.samples) {
      constant = constant && std::bit_cast<uint64_t>(s.v) == std::bit_cast<uint64_t>(ds.samples[0].v);
    }
    if (constant && ds.cls != kHistogram) ds.cls = kConstant;
  }
  return out;
}

// Synthetic fallback: 568 node-like series, 480 samples at 15s with a few ms jitter.
std::vector<DataSeries> Synthesize() {
  std::vector<DataSeries> out;
  std::mt19937_64 rng(1);
  int64_t t0 = 1699999200000;
  for (int i = 0; i < 568; ++i) {
    DataSeries ds;
    ds.cls = static_cast<Class>(i % kNumClasses);
    std::string name = std::string("node_synth_") + kClassNames[ds.cls];
    ds.labels = model::Labels{{"__name__", name}, {"i", std::to_string(i)}, {"instance", "host-001:9100"},
                       {"job", "node"}};
    double v = ds.cls == kGauge ? 1000.0 * (rng() % 100) / 7 : 0;
    for (int k = 0; k < 480; ++k) {
      int64_t t = t0 + k * 15000 + static_cast<int64_t>(rng() % 10);
      switch (ds.cls) {
        case kCounter: v += static_cast<double>(rng() % 5000); break;
        case kGauge: v += (static_cast<double>(rng() % 2001) - 1000) / 100.0; break;
        case kHistogram: v += static_cast<double>(rng() % 3); break;
        default: v = 42;
      }
      ds.samples.push_back({t, v});
    }
    out.push_back(std::move(ds));
  }
  return out;
}

const std::vector<DataSeries>& Dataset() {
  static std::vector<DataSeries>* ds = [] {
    const char* path = std::getenv("PROMLET_BENCH_DATASET");
    auto* v = new std::vector<DataSeries>(path ? LoadDataset(path) : std::vector<DataSeries>{});
    if (v->empty()) {
      std::fprintf(stderr, "dataset: synthetic (set PROMLET_BENCH_DATASET to a gen_dataset.py file)\n");
      *v = Synthesize();
    } else {
      std::fprintf(stderr, "dataset: %s, %zu series\n", path, v->size());
    }
    return v;
  }();
  return *ds;
}

// ---- XOR encode / decode ----

struct Encoded {
  std::vector<std::string> chunks;
  size_t samples = 0;
  size_t bytes = 0;
};

Encoded EncodeClass(Class cls) {
  Encoded e;
  for (const DataSeries& ds : Dataset()) {
    if (ds.cls != cls) continue;
    chunkenc::XorEncoder enc;
    for (const storage::Sample& s : ds.samples) {
      if (enc.num_samples() == 120) {
        e.bytes += enc.bytes().size();
        e.chunks.push_back(enc.Finish());
      }
      enc.Append(s.t, s.v);
      ++e.samples;
    }
    if (!enc.empty()) {
      e.bytes += enc.bytes().size();
      e.chunks.push_back(enc.Finish());
    }
  }
  return e;
}

void BM_XorEncode(benchmark::State& state) {
  Class cls = static_cast<Class>(state.range(0));
  Encoded e = EncodeClass(cls);
  for (auto _ : state) {
    for (const DataSeries& ds : Dataset()) {
      if (ds.cls != cls) continue;
      chunkenc::XorEncoder enc;
      for (const storage::Sample& s : ds.samples) {
        if (enc.num_samples() == 120) benchmark::DoNotOptimize(enc.Finish());
        enc.Append(s.t, s.v);
      }
      benchmark::DoNotOptimize(enc.bytes().data());
    }
  }
  state.SetLabel(kClassNames[cls]);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * e.samples));
  state.counters["ns/sample"] = benchmark::Counter(
      static_cast<double>(e.samples) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["bytes/sample"] = static_cast<double>(e.bytes) / static_cast<double>(e.samples);
}

void BM_XorDecode(benchmark::State& state) {
  Class cls = static_cast<Class>(state.range(0));
  Encoded e = EncodeClass(cls);
  std::vector<int64_t> ts(256);
  std::vector<double> vs(256);
  chunkenc::XorIterator it;
  for (auto _ : state) {
    double sum = 0;
    for (const std::string& c : e.chunks) {
      it.Reset(absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(c.data()), c.size()));
      size_t n = it.NextBatch(ts.data(), vs.data(), ts.size());
      sum += vs[n - 1];
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetLabel(kClassNames[cls]);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * e.samples));
  state.counters["ns/sample"] = benchmark::Counter(
      static_cast<double>(e.samples) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_XorDecodeNext(benchmark::State& state) {  // one virtual Next() per sample
  Encoded e = EncodeClass(static_cast<Class>(state.range(0)));
  for (auto _ : state) {
    double sum = 0;
    for (const std::string& c : e.chunks) {
      auto it = chunkenc::NewChunkIterator(
          chunkenc::Encoding::kXOR,
          absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(c.data()), c.size()));
      while ((*it)->Next()) sum += (*it)->V();
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetLabel(kClassNames[state.range(0)]);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * e.samples));
  state.counters["ns/sample"] = benchmark::Counter(
      static_cast<double>(e.samples) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// ---- whole dataset in a head ----

void BM_HeadBytesPerSample(benchmark::State& state) {
  for (auto _ : state) {
    Head h;
    const auto& ds = Dataset();
    size_t max_len = 0;
    for (const auto& s : ds) max_len = std::max(max_len, s.samples.size());
    std::vector<storage::SeriesRef> refs(ds.size(), 0);
    size_t samples = 0;
    for (size_t k = 0; k < max_len; ++k) {
      auto app = h.NewAppender();
      for (size_t i = 0; i < ds.size(); ++i) {
        if (k >= ds[i].samples.size()) continue;
        auto r = app->Append(refs[i], ds[i].labels, ds[i].samples[k].t, ds[i].samples[k].v);
        if (r.ok()) {
          refs[i] = *r;
          ++samples;
        }
      }
      (void)app->Commit();
    }
    size_t bytes = 0, chunks = 0;
    auto cs = h.ChunkSeries(INT64_MIN, INT64_MAX, true);
    while (cs->Next()) {
      for (const auto& c : cs->chunks()) {
        bytes += c->bytes.size();
        ++chunks;
      }
    }
    state.counters["bytes/sample"] = static_cast<double>(bytes) / static_cast<double>(samples);
    state.counters["samples"] = static_cast<double>(samples);
    state.counters["chunks"] = static_cast<double>(chunks);
    state.counters["samples/chunk"] = static_cast<double>(samples) / static_cast<double>(chunks);
  }
}

// ---- big heads ----

// One instance's worth of the dataset (its label sets are replicated over instances).
const std::vector<DataSeries>& Template() {
  static std::vector<DataSeries>* t = [] {
    auto* v = new std::vector<DataSeries>();
    std::string_view first = Dataset()[0].labels.Get("instance");
    for (const DataSeries& d : Dataset()) {
      if (d.labels.Get("instance") == first) v->push_back(d);
    }
    return v;
  }();
  return *t;
}

// The dataset's label sets replicated over instances "host-<i>:9100", job="a".
model::Labels InstanceLabels(const model::Labels& tmpl, int instance) {
  model::LabelsBuilder b(tmpl);
  b.Set("instance", "host-" + std::to_string(instance) + ":9100");
  b.Set("job", "a");
  return b.Build();
}

double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int64_t RssBytes() {
  std::ifstream f("/proc/self/statm");
  int64_t size = 0, rss = 0;
  f >> size >> rss;
  return rss * 4096;
}

struct BigHead {
  std::unique_ptr<Head> head;
  size_t series = 0;
  double heap_per_series = 0;
  double rss_per_series = 0;
};

// N series, 120 samples each, appended scrape by scrape (one appender per instance).
BigHead BuildHead(size_t n_series, int samples_per_series) {
  const auto& ds = Template();
  const size_t per_instance = ds.size();
  const size_t instances = (n_series + per_instance - 1) / per_instance;
  malloc_trim(0);
  int64_t heap0 = g_live_bytes.load();
  int64_t rss0 = RssBytes();
  BigHead bh;
  bh.head = std::make_unique<Head>();
  std::vector<std::vector<storage::SeriesRef>> refs(instances, std::vector<storage::SeriesRef>(per_instance, 0));
  for (int k = 0; k < samples_per_series; ++k) {
    size_t made = 0;
    for (size_t inst = 0; inst < instances && made < n_series; ++inst) {
      auto app = bh.head->NewAppender();
      for (size_t i = 0; i < per_instance && made < n_series; ++i, ++made) {
        const DataSeries& d = ds[i];
        const storage::Sample& s = d.samples[k % d.samples.size()];
        int64_t t = d.samples[0].t + int64_t{k} * 15000 + (s.t - d.samples[0].t) % 15000;
        if (refs[inst][i] == 0) {
          auto r = app->Append(0, InstanceLabels(d.labels, static_cast<int>(inst + 1)), t, s.v);
          if (!r.ok()) {
            std::fprintf(stderr, "append: %s\n", std::string(r.status().message()).c_str());
            std::abort();
          }
          refs[inst][i] = *r;
        } else {
          (void)app->Append(refs[inst][i], model::Labels(), t, s.v);
        }
      }
      (void)app->Commit();
    }
  }
  refs.clear();
  refs.shrink_to_fit();
  bh.series = bh.head->NumSeries();
  bh.heap_per_series = static_cast<double>(g_live_bytes.load() - heap0) / static_cast<double>(bh.series);
  bh.rss_per_series = static_cast<double>(RssBytes() - rss0) / static_cast<double>(bh.series);
  return bh;
}

// PROMLET_BENCH_BIG_SERIES overrides the 1M (for quick profiling).
BigHead& Head1M() {
  static BigHead* h = [] {
    const char* n = std::getenv("PROMLET_BENCH_BIG_SERIES");
    return new BigHead(BuildHead(n ? std::strtoull(n, nullptr, 10) : 1000000, 120));
  }();
  return *h;
}

void BM_HeadMemory(benchmark::State& state) {
  for (auto _ : state) {
    if (state.range(0) == 1000000) {
      BigHead& bh = Head1M();
      state.counters["heap_bytes/series"] = bh.heap_per_series;
      state.counters["rss_bytes/series"] = bh.rss_per_series;
      HeadStats st = bh.head->Stats();
      state.counters["chunk_bytes/series"] = double(st.chunk_bytes) / double(st.num_series);
      state.counters["series"] = static_cast<double>(bh.series);
    } else {
      BigHead bh = BuildHead(static_cast<size_t>(state.range(0)), 120);
      state.counters["heap_bytes/series"] = bh.heap_per_series;
      state.counters["rss_bytes/series"] = bh.rss_per_series;
      HeadStats st = bh.head->Stats();
      state.counters["chunk_bytes/series"] = double(st.chunk_bytes) / double(st.num_series);
      state.counters["series"] = static_cast<double>(bh.series);
    }
  }
}

// Ref-cached appends: 100k series split over `threads`, one appender per instance per scrape.
void BM_Append(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const auto& ds = Template();
  const size_t per_instance = ds.size();
  const size_t instances = (100000 + per_instance - 1) / per_instance;
  Head h;
  std::vector<std::vector<storage::SeriesRef>> refs(instances, std::vector<storage::SeriesRef>(per_instance, 0));
  int64_t t0 = 1700000000000;
  for (size_t inst = 0; inst < instances; ++inst) {
    auto app = h.NewAppender();
    for (size_t i = 0; i < per_instance; ++i) {
      auto r = app->Append(0, InstanceLabels(ds[i].labels, int(inst + 1)), t0, 0);
      if (!r.ok()) std::abort();
      refs[inst][i] = *r;
    }
    (void)app->Commit();
  }
  int64_t round = 0;
  size_t samples = 0;
  double cpu = 0;
  for (auto _ : state) {
    ++round;
    double cpu0 = ProcessCpuSeconds();
    std::vector<std::thread> ts;
    for (int th = 0; th < threads; ++th) {
      ts.emplace_back([&, th] {
        for (size_t inst = th; inst < instances; inst += threads) {
          auto app = h.NewAppender();
          for (size_t i = 0; i < per_instance; ++i) {
            const auto& ss = ds[i].samples;
            (void)app->Append(refs[inst][i], model::Labels(), t0 + round * 15000,
                              ss[static_cast<size_t>(round) % ss.size()].v);
          }
          (void)app->Commit();
        }
      });
    }
    for (auto& t : ts) t.join();
    cpu += ProcessCpuSeconds() - cpu0;
    samples += instances * per_instance;
  }
  // Per CPU-second of this process: the machine is shared, wall-clock rates undercount.
  state.counters["samples/cpu_s"] = static_cast<double>(samples) / cpu;
  state.SetItemsProcessed(static_cast<int64_t>(samples));
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  state.counters["samples/s/thread"] = benchmark::Counter(
      static_cast<double>(samples) / threads, benchmark::Counter::kIsRate);
}

void BM_Replay(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  constexpr int kSeries = 100000;
  int64_t round = 0;
  size_t total = 0;
  double cpu = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Head h;
    for (int i = 1; i <= kSeries; ++i) {
      (void)h.ReplaySeries(i, model::Labels{{"__name__", "m"}, {"i", std::to_string(i)}});
    }
    // WAL-like record batches: one scrape of a shard's series per record.
    std::vector<std::vector<RefSample>> recs(threads);
    state.ResumeTiming();
    double cpu0 = ProcessCpuSeconds();
    std::vector<std::thread> ts;
    for (int th = 0; th < threads; ++th) {
      ts.emplace_back([&, th] {
        std::vector<RefSample> rec;
        for (int k = 0; k < 120; ++k) {
          rec.clear();
          for (int i = 1 + th; i <= kSeries; i += threads) {
            rec.push_back({static_cast<storage::SeriesRef>(i), int64_t{k} * 15000 + round, double(k * i)});
          }
          h.ReplaySamples(rec);
        }
      });
    }
    for (auto& t : ts) t.join();
    cpu += ProcessCpuSeconds() - cpu0;
    total += size_t{kSeries} * 120;
    ++round;
  }
  state.counters["samples/cpu_s"] = static_cast<double>(total) / cpu;
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
}

void BM_Select(benchmark::State& state) {
  BigHead& bh = Head1M();
  std::vector<model::Matcher> ms;
  switch (state.range(0)) {
    case 0: ms = {model::Matcher::MustMake(model::MatchType::kEqual, "__name__", "node_load1")}; break;
    case 1:
      ms = {model::Matcher::MustMake(model::MatchType::kEqual, "job", "a"),
            model::Matcher::MustMake(model::MatchType::kRegexMatch, "instance", "host-1.*")};
      break;
    default: ms = {model::Matcher::MustMake(model::MatchType::kRegexMatch, "__name__", "node_.*")};
  }
  std::string desc;
  for (const auto& m : ms) desc += m.ToString() + " ";
  size_t n = 0;
  for (auto _ : state) {
    auto q = bh.head->NewQuerier(INT64_MIN, INT64_MAX);
    auto set = (*q)->Select(ms);
    n = 0;
    while (set->Next()) {
      benchmark::DoNotOptimize(set->At().labels().size());
      ++n;
    }
  }
  state.SetLabel(desc);
  state.counters["series"] = static_cast<double>(n);
}

BENCHMARK(BM_XorEncode)->DenseRange(0, kNumClasses - 1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_XorDecode)->DenseRange(0, kNumClasses - 1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_XorDecodeNext)->DenseRange(0, kNumClasses - 1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HeadBytesPerSample)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Append)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Replay)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HeadMemory)->Arg(100000)->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Select)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace promlet::tsdb

BENCHMARK_MAIN();
