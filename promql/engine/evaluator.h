// Internal to the engine: the evaluator that walks the AST for one query over a grid of steps
// [start, end] by interval, producing for every vector/scalar node a matrix of points at step
// timestamps (Prometheus' design). It owns the recursion (Eval and the Eval* that evaluate
// children) and the storage access; the kernels it hands evaluated values to (functions,
// operators, aggregations) live in files that do not include this header. Not a public header.
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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "promql/ast.h"
#include "promql/engine/context.h"
#include "promql/engine/engine.h"
#include "promql/engine/range_functions.h"
#include "promql/engine/value.h"
#include "model/labels.h"
#include "storage/interface.h"

namespace promlet::promql::internal {

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
  StepGrid grid() const { return {start_, end_, interval_}; }
  template <typename ValueFn>
  ESeries FillSteps(ValueFn value) {
    return internal::FillSteps(grid(), ctx_, value);
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
  // record_orig_t: each point holds its sample's time in seconds instead of its value, for
  // float samples and (unless info_series) histogram samples; info() keeps histograms as they
  // are so that it can refuse them, as Prometheus' evalSeries does.
  EMatrix EvalVectorSelector(const VectorSelector& vs, bool record_orig_t,
                             const SeriesSink* sink = nullptr, bool info_series = false);
  EMatrix EvalMatrixSelectorInstant(const MatrixSelector& ms);
  EMatrix EvalSubquery(const SubqueryExpr& sq);
  EMatrix EvalBinary(const BinaryExpr& b);
  // With `rows`, an aggregation folded into cells may give its result there instead (the
  // returned matrix is then empty).
  EMatrix EvalAggregate(const AggregateExpr& a, std::optional<StepRows>* rows = nullptr);
  // A call, through its row of the function table (function_table.h).
  EMatrix EvalCall(const Call& c);
  // info(v, [selector]): joins data labels of info series (info.cc).
  EMatrix EvalInfo(const Call& c);
  // start_timestamp(v): the start timestamp (seconds) of each selected sample, 0 when it has
  // none; empty for an expression or without use_start_timestamps (start_timestamps.cc).
  EMatrix EvalStartTimestamp(const Call& c);
  // A range function f whose range-vector argument is c.args[matrix_arg]. With a sink, output
  // series go to it (in order) and the returned EMatrix is empty.
  EMatrix EvalRangeFunction(const Call& c, const RangeFunction& f, size_t matrix_arg,
                            const SeriesSink* sink = nullptr);

  // Decodes the series matching vs in [mint, maxt] one at a time, calling fn once per series
  // with samples. One Decoded buffer is reused (fn may move the labels out), so only one
  // series' raw samples are held at a time, never the whole selection.
  storage::SelectHints Hints(int64_t mint, int64_t maxt, int64_t range, std::string_view func) const;
  void SelectEach(const VectorSelector& vs, int64_t mint, int64_t maxt, bool drop_stale,
                  int64_t range, std::string_view func,
                  const std::function<void(Decoded&)>& fn);
  // Like SelectEach, with the per-series work split: `compute` turns one series' samples into
  // its output series and must touch the QueryContext only through its thread-safe members
  // (with `parallel`, batches of series are shared with helper threads, as
  // EngineOptions::parallelism allows: helper_pool.h); `consume` then runs on the calling
  // thread, once per series with samples, in selector order. Results are therefore the same
  // with or without `parallel` and with any number of threads.
  using ComputeFn = std::function<void(Decoded&, ESeries&)>;
  // `compute` may count its output points (PointCounter) and check for interruption, both
  // thread-safe; `cap` bounds the raw samples decoded for one series (ResourceExhausted
  // beyond it). Reads the samples of `it` in [mint, maxt] into d.t / d.v (cleared first),
  // checking ctx for interruption every few tens of thousands of samples.
  // With stats_only, histograms keep only count, sum, schema and a reset hint (see
  // QueryContext::stats_only).
  static absl::Status DecodeInto(const QueryContext& ctx, storage::SampleIterator& it,
                                 int64_t mint, int64_t maxt, bool drop_stale, int64_t cap,
                                 Decoded& d, bool stats_only = false);
  // DecodeInto's path for a series with start timestamps (it is current at its first sample
  // in range): sample by sample, filling d.st / d.hst too (start_timestamp_select.cc).
  static absl::Status DecodeWithST(const QueryContext& ctx, storage::SampleIterator& it,
                                   int64_t maxt, bool drop_stale, int64_t cap, Decoded& d);
  void SelectEachSplit(const VectorSelector& vs, int64_t mint, int64_t maxt, bool drop_stale,
                       int64_t range, std::string_view func, int64_t cap, bool parallel,
                       const ComputeFn& compute, const ComputeFn& consume);

  QueryContext* ctx_;
  int64_t start_, end_, interval_;
};

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_EVALUATOR_H_
