// Internal to the engine: the state one query's evaluation shares across all its nested
// evaluators and kernels (storage, limits, deadline, cancellation, sample accounting,
// annotations) and the one place `@ start()` / `@ end()` are resolved.
//
// Invariants: see QueryContext's comment (sample accounting and thread-safety).
#ifndef PROMLET_PROMQL_ENGINE_CONTEXT_H_
#define PROMLET_PROMQL_ENGINE_CONTEXT_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "promql/ast.h"
#include "promql/engine/engine.h"
#include "promql/engine/value.h"
#include "storage/interface.h"

namespace promlet::promql::internal {

// The time an `@` modifier stands for: the query's start or end, or its literal time.
// Meaningless for AtModifier::kNone (callers use their step time then).
inline int64_t ResolveAt(AtModifier at, int64_t at_ms, int64_t query_start, int64_t query_end) {
  switch (at) {
    case AtModifier::kStart: return query_start;
    case AtModifier::kEnd: return query_end;
    default: return at_ms;
  }
}

// Shared by all (nested) evaluators of one query.
//
// Sample accounting (Prometheus' currentSamples): every EMatrix that Eval() returns has its
// points counted in current_samples; whoever drops or shrinks such a matrix releases the
// points it dropped (SubSamples), whoever creates points counts them before or while it
// materialises them (AddSamples), so memory stays bounded by max_samples. AddSamples fails
// with ResourceExhausted instead of counting past the limit, so peak_samples never exceeds
// max_samples. AddSamples, SubSamples and CheckInterrupt are thread-safe (the per-series work
// of SelectEachSplit calls them from a helper thread); everything else is for the evaluating
// thread only.
struct QueryContext {
  storage::Querier* querier = nullptr;
  const EngineOptions* options = nullptr;
  int64_t lookback_ms = 300000;
  int64_t query_start = 0;  // for @ start()
  int64_t query_end = 0;    // for @ end()
  int64_t query_step = 0;   // step() in ms; 0 for instant queries
  std::string_view query_text;
  absl::Time deadline;
  std::atomic<bool>* cancel = nullptr;
  std::atomic<int64_t> current_samples{0};
  std::atomic<int64_t> peak_samples{0};
  QueryStats stats;  // samples_decoded; peak_samples is copied from above at the end
  std::vector<std::string> warnings, infos;

  // Vector selectors whose histograms only feed histogram_count/sum/avg (Prometheus'
  // detectHistogramStatsDecoding): their histograms are read as count and sum only, with
  // counter-reset hints detected against the previous sample (HistogramStatsIterator).
  absl::flat_hash_set<const VectorSelector*> stats_only;

  // Durations written as expressions of step()/range() (duration_expression), resolved once
  // per query; keyed by the address of the AST field they replace.
  absl::flat_hash_map<const int64_t*, int64_t> durations;
  int64_t Dur(const int64_t& field) const {
    if (durations.empty()) return field;
    auto it = durations.find(&field);
    return it == durations.end() ? field : it->second;
  }

  // Fails with Cancelled once *cancel is set, with DeadlineExceeded once the deadline passed.
  // Costs one atomic load and one clock read: call it per series, per step or per batch of
  // ~1,000 cheap iterations (kCheckEvery), never per sample.
  void CheckInterrupt() const;
  // The reference time of a selector or subquery with modifier `at` (ResolveAt).
  int64_t At(AtModifier at, int64_t at_ms) const {
    return ResolveAt(at, at_ms, query_start, query_end);
  }
  void CheckDone() { CheckInterrupt(); }
  void AddSamples(int64_t n);
  void SubSamples(int64_t n);
  // Samples that may still be added before the limit is reached (>= 0).
  int64_t SampleBudget() const;
  QueryStats Stats() const {
    QueryStats s = stats;
    s.peak_samples = peak_samples.load(std::memory_order_relaxed);
    return s;
  }
  std::string Pos(const PositionRange& p) const;  // " (l:c)" or ""
  void Warn(const std::string& msg, const PositionRange& p);
  void Info(const std::string& msg, const PositionRange& p);
};

// While one lives on a thread, that thread's AddSamples and SubSamples (of any QueryContext) go
// to *count instead of current_samples. SelectEachSplit computes each series under one and
// commits the count in selector order on the evaluating thread, so the accounting (and so
// every result and error) is that of one series at a time, however far helper threads ran
// ahead. A count past max_samples on its own fails at once (its commit would fail too).
class DeferSamples {
 public:
  explicit DeferSamples(int64_t* count);
  ~DeferSamples();
  DeferSamples(const DeferSamples&) = delete;
  DeferSamples& operator=(const DeferSamples&) = delete;

 private:
  int64_t* prev_;
};

// How many cheap loop iterations may run between two CheckInterrupt calls.
inline constexpr int64_t kCheckEvery = 1024;

// Counts the points appended to one series while a loop produces them, and checks for
// interruption, once per kCheckEvery units of work, so that neither a long series nor a slow
// loop runs far past the sample limit or the deadline. Uses only the thread-safe members of
// QueryContext.
class PointCounter {
 public:
  explicit PointCounter(QueryContext* ctx) : ctx_(ctx) {}
  // Call once per loop iteration with the series' current number of points and the work the
  // iteration did (1 for a cheap step; the window size for a sort).
  void Tick(size_t size, int64_t work = 1) {
    work_ += work;
    if (work_ >= kCheckEvery) Flush(size);
  }
  // Checks for interruption and counts whatever was not counted yet.
  void Flush(size_t size) {
    work_ = 0;
    ctx_->CheckInterrupt();
    ctx_->AddSamples(static_cast<int64_t>(size) - counted_);
    counted_ = static_cast<int64_t>(size);
  }

 private:
  QueryContext* ctx_;
  int64_t counted_ = 0;
  int64_t work_ = 0;
};

// A series with a point at every step of g, value(ts, step index); counted before it is
// allocated, so a grid finer than the sample limit fails at once.
template <typename ValueFn>
ESeries FillSteps(const StepGrid& g, QueryContext* ctx, ValueFn value) {
  const size_t n = g.NumSteps();
  ctx->AddSamples(static_cast<int64_t>(n));
  ESeries s;
  s.floats.resize(n);
  size_t i = 0;
  for (int64_t ts = g.start; ts <= g.end; ts += g.interval, ++i) {
    if ((i & (kCheckEvery * 64 - 1)) == 0) ctx->CheckInterrupt();
    s.floats[i] = {ts, value(ts, i)};
  }
  return s;
}

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_CONTEXT_H_
