// Internal to the engine: the evaluator that walks the AST for one query over a grid of steps
// [start, end] by interval, producing for every vector/scalar node a matrix of points at step
// timestamps (Prometheus' design). Not a public header.
//
// Invariants: every EMatrix produced for a vector node holds at most one point per step and
// per series, in increasing time; a scalar node yields exactly one series with empty labels
// and a point at every step. Errors are raised as EvalError (caught at the Engine boundary and
// turned into absl::Status; no exception leaves the engine).
#ifndef PROMLET_PROMQL_ENGINE_EVALUATOR_H_
#define PROMLET_PROMQL_ENGINE_EVALUATOR_H_

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "promql/ast.h"
#include "promql/engine/engine.h"
#include "tsdb/labels.h"
#include "tsdb/storage.h"

namespace promlet::promql::internal {

struct FPoint {
  int64_t t;
  double f;
};

struct ESeries {
  tsdb::Labels metric;
  std::vector<FPoint> floats;
  // Delayed __name__ removal: the name is still present but must go when evaluation ends.
  bool drop_name = false;
};
using EMatrix = std::vector<ESeries>;

inline size_t PointCount(const EMatrix& m) {
  size_t n = 0;
  for (const auto& s : m) n += s.floats.size();
  return n;
}

// Thrown inside the evaluator only.
struct EvalError {
  absl::Status status;
};
[[noreturn]] void Fail(absl::Status s);
[[noreturn]] void Errorf(std::string msg);  // FailedPrecondition (execution error)

// Prometheus' labels.String(): {a="b", c="d"} with the name inside the braces.
std::string PromLabelsString(const tsdb::Labels& l);
// Go's strconv.FormatFloat(f, 'f', -1, 64) and %g-ish shortest form.
std::string FormatFloatShortest(double f);
std::string FormatFloatG(double f);

// Go's math.Max / math.Min (NaN-propagating).
double GoMax(double a, double b);
double GoMin(double a, double b);
// Neumaier-compensated summation step, as Prometheus' kahanSumInc.
inline void KahanSumInc(double inc, double& sum, double& c);

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
  tsdb::Querier* querier = nullptr;
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
  void CheckDone() { CheckInterrupt(); }
  void AddSamples(int64_t n);
  void SubSamples(int64_t n) { current_samples.fetch_sub(n, std::memory_order_relaxed); }
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

class Evaluator {
 public:
  Evaluator(QueryContext* ctx, int64_t start, int64_t end, int64_t interval)
      : ctx_(ctx), start_(start), end_(end), interval_(interval) {}

  // Evaluates a scalar/vector/matrix node. For matrix nodes only valid when start == end
  // (instant query of a range vector) or for subqueries.
  EMatrix Eval(const Expr& e);

  int64_t start() const { return start_; }
  int64_t end() const { return end_; }
  int64_t interval() const { return interval_; }
  size_t NumSteps() const { return static_cast<size_t>((end_ - start_) / interval_) + 1; }
  size_t StepIndex(int64_t ts) const { return static_cast<size_t>((ts - start_) / interval_); }
  QueryContext* ctx() const { return ctx_; }
  // What to reserve for a series of up to n points: no more than the sample limit allows.
  size_t ReserveHint(size_t n) const {
    return std::min<size_t>(n, static_cast<size_t>(ctx_->SampleBudget()));
  }

  // Per-step values of a scalar expression (NaN where absent). Not counted as samples: the
  // scalar's points were counted (and fit) when Eval() made them.
  std::vector<double> EvalScalarSteps(const Expr& e);
  // A series with a point at every step, value(ts, step index); counted before it is
  // allocated.
  template <typename ValueFn>
  ESeries FillSteps(ValueFn value) {
    const size_t n = NumSteps();
    ctx_->AddSamples(static_cast<int64_t>(n));  // before allocating: fails at once if too many
    ESeries s;
    s.floats.resize(n);
    size_t i = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_, ++i) {
      if ((i & (kCheckEvery * 64 - 1)) == 0) ctx_->CheckInterrupt();
      s.floats[i] = {ts, value(ts, i)};
    }
    return s;
  }

  // Applies delayed name removal and merges series whose label sets became equal; errors on
  // overlapping timestamps.
  static void CleanupMetricLabels(EMatrix& m);

  // Receives the output series of a streamed node one at a time, in selector order, instead
  // of collecting them into an EMatrix (aggregations fold them directly). May move from it.
  using SeriesSink = std::function<void(ESeries&)>;
  // When EvalCall(c) would evaluate a range function that can stream into a SeriesSink: the
  // index of its range-vector argument; otherwise -1.
  static int StreamableRangeArg(const Call& c);
  // Evaluates e (an aggregation's input) into sink when it streams (a vector selector or a
  // StreamableRangeArg call) and returns true; false (nothing evaluated) otherwise.
  bool EvalInto(const Expr& e, const SeriesSink& sink);

 private:
  EMatrix EvalVectorSelector(const VectorSelector& vs, bool record_orig_t,
                             const SeriesSink* sink = nullptr);
  EMatrix EvalMatrixSelectorInstant(const MatrixSelector& ms);
  EMatrix EvalSubquery(const SubqueryExpr& sq);
  EMatrix EvalBinary(const BinaryExpr& b);
  EMatrix EvalVectorVector(const BinaryExpr& b, EMatrix lhs, EMatrix rhs);
  EMatrix EvalSetOp(const BinaryExpr& b, EMatrix lhs, EMatrix rhs);
  EMatrix EvalAggregate(const AggregateExpr& a);
  // sum/avg/count/min/max/group/stddev/stdvar over an input that streams (EvalInto): folds
  // it without materialising it. False (nothing evaluated) when not applicable.
  bool EvalAggregateStreamed(const AggregateExpr& a, const std::vector<std::string>& grouping,
                             EMatrix* out);
  EMatrix EvalCountValues(const AggregateExpr& a, const std::string& label);
  EMatrix EvalCall(const Call& c);
  // With a sink, output series go to it (in order) and the returned EMatrix is empty.
  EMatrix EvalRangeFunction(const Call& c, size_t matrix_arg, const SeriesSink* sink = nullptr);
  EMatrix EvalInstantFunction(const Call& c);
  // absent() / absent_over_time(): 1 at the steps where `present` (released) has no point,
  // labelled from arg's equality matchers when arg is a vector selector.
  EMatrix Absent(const EMatrix& present, const Expr& arg);
  EMatrix EvalLabelReplace(const Call& c);
  EMatrix EvalLabelJoin(const Call& c);

  // The samples of one series matching a selector in [mint, maxt].
  struct Decoded {
    tsdb::Labels labels;
    std::vector<int64_t> t;
    std::vector<double> v;
  };
  // Decodes the series matching vs in [mint, maxt] one at a time, calling fn once per series
  // with samples. One Decoded buffer is reused (fn may move the labels out), so only one
  // series' raw samples are held at a time, never the whole selection.
  tsdb::SelectHints Hints(int64_t mint, int64_t maxt, int64_t range, std::string_view func) const;
  void SelectEach(const VectorSelector& vs, int64_t mint, int64_t maxt, bool drop_stale,
                  int64_t range, std::string_view func,
                  const std::function<void(Decoded&)>& fn);
  // Like SelectEach, with the per-series work split: `compute` turns one series' samples into
  // its output series and must touch the QueryContext only through its thread-safe members
  // (with `parallel` it runs on two threads at once, for batches of series); `consume` then
  // runs on the calling thread, once per series with samples, in selector order. Results are
  // therefore the same with or without `parallel`.
  using ComputeFn = std::function<void(Decoded&, ESeries&)>;
  // `compute` may count its output points (PointCounter) and check for interruption, both
  // thread-safe; `cap` bounds the raw samples decoded for one series (ResourceExhausted
  // beyond it). Reads the samples of `it` in [mint, maxt] into d.t / d.v (cleared first),
  // checking ctx for interruption every few tens of thousands of samples.
  static absl::Status DecodeInto(const QueryContext& ctx, tsdb::SampleIterator& it,
                                 int64_t mint, int64_t maxt, bool drop_stale, int64_t cap,
                                 Decoded& d);
  void SelectEachSplit(const VectorSelector& vs, int64_t mint, int64_t maxt, bool drop_stale,
                       int64_t range, std::string_view func, int64_t cap, bool parallel,
                       const ComputeFn& compute, const ComputeFn& consume);

  QueryContext* ctx_;
  int64_t start_, end_, interval_;
};

// Helpers shared by the evaluator's files.
const Expr& UnwrapParens(const Expr& e);
std::string StringArg(const Expr& e);  // a string literal argument (after parens)

// Quantile helpers (quantile.cc).
struct Bucket {
  double upper_bound;
  double count;
};
// Returns the quantile; sets *forced_monotonic when the bucket counts had to be fixed.
double BucketQuantile(double q, std::vector<Bucket>& buckets, bool* forced_monotonic);
double BucketFraction(double lower, double upper, std::vector<Bucket>& buckets);
// q-quantile of values (sorted in place), Prometheus' quantile().
double Quantile(double q, std::vector<double>& values);

inline void KahanSumInc(double inc, double& sum, double& c) {
  double t = sum + inc;
  if (std::isinf(t)) {
    c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_EVALUATOR_H_
