// Internal to the engine: the aggregation operators' kernels (sum, avg, count, min, max, group,
// stddev, stdvar, quantile, topk, bottomk, limitk, limit_ratio, count_values), evaluated like
// Prometheus' rangeEvalAgg: the input series' groups are computed once, then every step folds
// the present samples. StreamedAggregation folds an input that arrives one series at a time
// (the evaluator streams selectors and range functions into it) without materialising it, and
// can hand its result over as dense StepRows (histogram_quantile reads them, no matrix built).
//
// Invariants: inputs come counted in the QueryContext (context.h); each kernel releases its
// input's points and counts its output. The same input folded streamed or materialised gives
// the same result (every (group, step) cell sees the same samples in the same order).
#ifndef PROMLET_PROMQL_ENGINE_AGGREGATION_H_
#define PROMLET_PROMQL_ENGINE_AGGREGATION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "promql/ast.h"
#include "promql/engine/context.h"
#include "promql/engine/value.h"

namespace promlet::promql::internal {

// Whether op takes a scalar parameter (topk's k, quantile's q, ...).
bool AggregateHasParam(AggregateOp op);

// a over a materialised input; `grouping` is a.grouping sorted; params holds the parameter's
// value at every step when AggregateHasParam(a.op).
EMatrix Aggregate(const AggregateExpr& a, const std::vector<std::string>& grouping,
                  EMatrix input, const std::vector<double>& params, const StepGrid& g,
                  QueryContext* ctx);

// count_values(label, ...): label is checked before eval_input is called.
EMatrix CountValues(const AggregateExpr& a, const std::string& label,
                    const std::function<EMatrix()>& eval_input, const StepGrid& g,
                    QueryContext* ctx);

// The running state of one (group, step) cell. It is all that the ops other than quantile
// need (the streamed tables of avg, stddev and stdvar hold millions of them).
struct AggregationCell {
  double value = 0;
  double mean = 0;
  double kahan_c = 0;
  double count = 0;
  bool seen = false;
  bool incremental_mean = false;
  bool drop_name = false;
};

// The running state of a (group, step) cell of sum, count, min, max, group and avg is a
// CompactCell (value.h): the value (avg's sum, or its mean once the sum overflowed) and its
// Kahan compensation; whether the cell was seen (and avg's mode and count) is kept beside it.
// A table of these is 2.5x smaller than one of AggregationCells, which decides whether every
// group fits in one pass.

// The histogram points of one input series of a streamed aggregation.
struct HistogramInput {
  size_t group;
  std::vector<HPoint> points;
  bool drop_name;
  std::string metric_name;
};

// Folds the histogram inputs (in input order) into the aggregation's float result rows (one
// per group): histogram sums and means, counts, the infos and warnings of mixed and ignored
// histograms (histogram_aggregation.cc). Does no sample accounting.
void MergeHistogramAggregation(const AggregateExpr& a, const StepGrid& g,
                               std::vector<HistogramInput>& inputs, EMatrix& rows,
                               QueryContext* ctx);

class StreamedAggregation {
 public:
  // The ops that can fold series as they come (no parameter, no per-step ranking).
  static bool Supports(AggregateOp op);
  StreamedAggregation(const AggregateExpr& a, const std::vector<std::string>& grouping,
                      const StepGrid& g, QueryContext* ctx);
  // One input series (counted); may move from it. A series without points adds nothing.
  // Its histogram points are kept aside and merged into the result by Finish.
  void Add(ESeries& s);
  // The result, once every input series was added.
  EMatrix Finish();
  // Instead of Finish: the same result as StepRows (rows in Finish's order, values equal
  // bit for bit; the table's cells handed over), counted as Finish counts its matrix, when groups x
  // steps <= kMaxDenseCells; otherwise nothing (and Finish must be called). Nothing either when
  // histograms came in.
  std::optional<StepRows> FinishRows();

 private:
  // Cells of the table at most: whole cells (20 MiB), compact cells (68 MiB, so that every
  // result FinishRows can give is folded in one pass), avg's compact cells with their counts
  // (50 MiB).
  static constexpr size_t kMaxCells = size_t{1} << 19;
  static constexpr size_t kMaxDenseCells = size_t{1} << 22;  // StepRows of 68 MiB at most
  static constexpr size_t kMaxCompactCells = kMaxDenseCells;
  static constexpr size_t kMaxAvgCells = kMaxCompactCells / 2;
  static size_t MaxCells(AggregateOp op);
  // One group's cells over the steps: compact ones and their seen flags for the ops that
  // UsesCompactCells (avg's counts too; its seen flag is its mode: AvgMode), whole ones for
  // the others.
  struct Row {
    std::vector<AggregationCell> cells;
    std::unique_ptr<CompactCell[]> compact;
    std::unique_ptr<double[]> counts;
    std::vector<uint8_t> seen;
  };
  Row NewRow() const;
  void Fold(Row& row, const ESeries& s) const;
  // Calls fn(g, row of group g) for every group, in group order; the rows of groups past the
  // table are folded from pending_ a table's worth at a time.
  void ForEachRow(const std::function<void(size_t, Row&)>& fn);
  // Calls emit(k, value) for every step k that has a value, in step order.
  template <typename Emit>
  void EmitRow(const Row& row, Emit emit) const;

  const AggregateExpr& a_;
  const std::vector<std::string>& grouping_;
  StepGrid g_;
  QueryContext* ctx_;
  size_t nsteps_;
  bool compact_;
  size_t max_rows_;
  absl::flat_hash_map<uint64_t, int> group_index_;
  EMatrix result_;                                // one row per group, in order of appearance
  std::vector<Row> rows_;                         // groups [0, max_rows_)
  EMatrix pending_;                               // series of groups >= max_rows_
  std::vector<size_t> pending_group_;
  int64_t in_points_ = 0;
  std::vector<HistogramInput> hist_inputs_;
};

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_AGGREGATION_H_
