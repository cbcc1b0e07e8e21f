// Evaluator::SelectEachSplit: a selector's series decoded and computed in batches, shared with
// helper threads when the work is large (helper_pool.h), and consumed on the query's thread in
// the selector's order, so that answers, errors and the sample accounting are those of one
// series at a time with any number of threads. A batch is bounded by series and by points,
// and its buffers are reused batch to batch and kept per thread between queries.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "promql/engine/context.h"
#include "promql/engine/evaluator.h"
#include "promql/engine/helper_pool.h"

namespace promlet::promql::internal {

namespace {

// One series of a SelectEachSplit batch: its raw samples, its output and its decoding status.
struct SplitItem {
  Decoded d;
  ESeries out;
  std::unique_ptr<storage::SampleIterator> it;
  absl::Status status;
  int64_t samples = 0;  // counted by compute, committed when consumed (DeferSamples)
};

// Batches of SplitItems kept per thread between queries, so that a small query allocates (and
// page-faults) no sample buffers: the first kKeptItems items keep buffers of up to kKeptPoints
// points each (at most ~1 MiB per query thread); the rest are freed.
class SplitItemCache {
 public:
  static std::vector<SplitItem> Take(size_t n) {
    auto& free = Free();
    std::vector<SplitItem> items;
    if (!free.empty()) {
      items = std::move(free.back());
      free.pop_back();
    }
    items.resize(n);
    return items;
  }
  static void Give(std::vector<SplitItem>&& items) {
    if (items.size() > kKeptItems) items.resize(kKeptItems);
    for (auto& x : items) {
      x.it.reset();
      x.status = absl::OkStatus();
      x.d.labels = model::Labels();
      x.out = ESeries();
      x.d.ht.clear();
      x.d.hv.clear();
      if (x.d.t.capacity() > kKeptPoints) {
        std::vector<int64_t>().swap(x.d.t);
        std::vector<double>().swap(x.d.v);
      }
    }
    auto& free = Free();
    if (free.size() < 2) free.push_back(std::move(items));
  }

 private:
  static constexpr size_t kKeptItems = 64;
  static constexpr size_t kKeptPoints = 1024;
  static std::vector<std::vector<SplitItem>>& Free() {
    thread_local std::vector<std::vector<SplitItem>> free;
    return free;
  }
};

}  // namespace

void Evaluator::SelectEachSplit(const VectorSelector& vs, int64_t mint, int64_t maxt,
                                bool drop_stale, int64_t range, std::string_view func, int64_t cap,
                                bool parallel, const ComputeFn& compute, const ComputeFn& consume) {
  if (maxt < mint) return;
  storage::SelectHints hints = Hints(mint, maxt, range, func);
  auto set = ctx_->querier->Select(vs.matchers, &hints);
  // Series are taken from the set in batches; each batch is decoded and computed (shared with
  // helper threads when it is large and cores are idle: RunShared) and consumed here in order,
  // each series as soon as it and those before it are computed. Iterators are independent of
  // the set's position, so they outlive Next(). Compute counts its samples aside, and they
  // are committed as the series is consumed, so the sample accounting (and so every result
  // and error) is that of one series at a time with any number of threads.
  // A batch holds its series' raw samples and outputs at once, and its buffers are reused by
  // the next batch: long series (a day at a 15 s step is ~6,000 points in and out) get fewer
  // series a batch, so that the batch stays within kBatchPoints points (~8 MiB) instead of
  // 256 series' worth (~47 MiB that the heap then keeps). The first batch is sized from the
  // output's steps; later ones from the points the batches so far held.
  constexpr size_t kBatch = 256;
  constexpr size_t kMinBatch = 32;
  constexpr size_t kBatchPoints = size_t{1} << 19;
  auto batch_for = [&](size_t points_per_series) {
    return std::clamp(kBatchPoints / std::max<size_t>(points_per_series, 1), kMinBatch, kBatch);
  };
  // Without `parallel`, one series per batch: exactly the order of SelectEach.
  size_t batch = parallel ? batch_for(2 * NumSteps()) : 1;
  std::vector<SplitItem> items = SplitItemCache::Take(parallel ? kBatch : 1);
  struct GiveBack {
    std::vector<SplitItem>& items;
    ~GiveBack() { SplitItemCache::Give(std::move(items)); }
  } give_back{items};
  const QueryParallelism mode = parallel ? ctx_->options->parallelism : QueryParallelism::kOff;
  WorkEstimate estimate;
  const bool stats_only = !ctx_->stats_only.empty() && ctx_->stats_only.contains(&vs);
  auto work = [&](size_t i) {
    SplitItem& x = items[i];
    x.status = DecodeInto(*ctx_, *x.it, mint, maxt, drop_stale, cap, x.d, stats_only);
    x.out.floats.clear();
    x.out.histograms.clear();
    x.out.drop_name = false;
    x.samples = 0;
    const DeferSamples deferred(&x.samples);
    if (x.status.ok() && !x.d.Empty()) compute(x.d, x.out);
  };
  int64_t total = 0;
  size_t series_taken = 0;
  size_t points_held = 0;  // raw samples and outputs of the series taken
  auto take = [&](size_t i) {
    SplitItem& x = items[i];
    if (!x.status.ok()) Fail(x.status);
    ctx_->AddSamples(x.samples);
    total += static_cast<int64_t>(x.d.Size());
    ++series_taken;
    points_held += x.d.Size() + x.out.floats.size() + x.out.histograms.size();
    if (!x.d.Empty()) consume(x.d, x.out);
    // The iterator and the labels were made on this thread: freeing them here keeps the
    // helpers out of this thread's malloc arena (its lock was contended on every series).
    x.it.reset();
    x.out.metric = model::Labels();
  };
  bool more = true;
  while (more) {
    size_t n = 0;
    while (n < batch) {
      if (!set->Next()) {
        more = false;
        break;
      }
      ctx_->CheckDone();
      const storage::Series& s = set->At();
      items[n].d.labels = s.labels();
      items[n].it = s.Iterator();
      ++n;
    }
    RunShared(n, mode, ctx_->options->max_threads, estimate, work, take);
    if (parallel && series_taken > 0) batch = batch_for(points_held / series_taken);
  }
  if (!set->status().ok()) Fail(set->status());
  ctx_->stats.samples_decoded += total;
}

}  // namespace promlet::promql::internal
