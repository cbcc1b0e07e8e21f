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

// Thrown inside the evaluator only.
struct EvalError {
  absl::Status status;
};
[[noreturn]] void Fail(absl::Status s);
[[noreturn]] void Errorf(std::string msg);  // FailedPrecondition (execution error)

// Prometheus' labels.String(): {a="b", c="d"} with the name inside the braces.
std::string PromLabelsString(const tsdb::Labels& l);

// Go's math.Max / math.Min (NaN-propagating).
double GoMax(double a, double b);
double GoMin(double a, double b);
// Neumaier-compensated summation step, as Prometheus' kahanSumInc.
inline void KahanSumInc(double inc, double& sum, double& c);

// Shared by all (nested) evaluators of one query.
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
  int64_t current_samples = 0;
  QueryStats stats;
  std::vector<std::string> warnings, infos;
  uint32_t check_counter = 0;

  // Durations written as expressions of step()/range() (duration_expression), resolved once
  // per query; keyed by the address of the AST field they replace.
  absl::flat_hash_map<const int64_t*, int64_t> durations;
  int64_t Dur(const int64_t& field) const {
    if (durations.empty()) return field;
    auto it = durations.find(&field);
    return it == durations.end() ? field : it->second;
  }

  void CheckDone();  // cancel / timeout
  void AddSamples(int64_t n);
  void SubSamples(int64_t n) { current_samples -= n; }
  std::string Pos(const PositionRange& p) const;  // " (l:c)" or ""
  void Warn(const std::string& msg, const PositionRange& p);
  void Info(const std::string& msg, const PositionRange& p);
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

  // Per-step values of a scalar expression (NaN where absent).
  std::vector<double> EvalScalarSteps(const Expr& e);

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
  // its output series and must not touch the QueryContext (with `parallel` it runs on two
  // threads at once, for batches of series); `consume` then runs on the calling thread, once
  // per series with samples, in selector order. Results are therefore the same with or
  // without `parallel`.
  using ComputeFn = std::function<void(Decoded&, ESeries&)>;
  // Reads the samples of `it` in [mint, maxt] into d.t / d.v (cleared first).
  static absl::Status DecodeInto(tsdb::SampleIterator& it, int64_t mint, int64_t maxt,
                                 bool drop_stale, Decoded& d);
  void SelectEachSplit(const VectorSelector& vs, int64_t mint, int64_t maxt, bool drop_stale,
                       int64_t range, std::string_view func, bool parallel,
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
