// The PromQL engine: evaluates a parsed (or textual) PromQL expression against a
// tsdb::Queryable, as an instant query at one time or a range query over [start, end] by step,
// with Prometheus 3 semantics (lookback delta, staleness, left-open range windows, @/offset,
// subqueries, delayed __name__ removal, annotations).
//
// Error classification (what the HTTP API maps to status codes):
//   - InvalidArgument     parse errors, bad parameters (step <= 0, end < start, a range
//                         query over a range vector or string)            -> 400 bad_data
//   - FailedPrecondition  evaluation errors ("found duplicate series for the match group ...",
//                         "vector cannot contain metrics with the same labelset", "Parameter
//                         value is NaN", ...), message exactly as Prometheus -> 422 execution
//   - ResourceExhausted   "query processing would load too many samples into memory in query
//                         execution"                                        -> 422 execution
//   - DeadlineExceeded    the EngineOptions::timeout elapsed                 -> 503 timeout
//   - Cancelled           QueryOptions::cancel was set                       -> 499 canceled
// Both are checked inside every evaluation loop (per series, per step, and every ~1,000
// samples of a slow kernel), so a query stops within milliseconds of work after either.
//   - other codes         storage errors, passed through                     -> 500 internal
//
// Invariants: the engine is stateless between queries and thread-safe (each query builds its
// own evaluators); results own their labels. A long range query runs in windows of steps
// (EngineOptions::max_steps_per_window) whose queriers are all opened before the first runs,
// so that every window reads the blocks that existed when the query started. Matrix results are
// sorted by labels; vector results of instant queries keep the order the expression produced
// (sort(), topk(), ...).
#ifndef PROMLET_PROMQL_ENGINE_ENGINE_H_
#define PROMLET_PROMQL_ENGINE_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "model/histogram/float_histogram.h"
#include "model/labels.h"
#include "promql/ast.h"
#include "storage/interface.h"

namespace promlet::promql {

// Whether one query's per-series work may be split over threads. Results are bit-identical in
// every mode; only the time differs.
enum class QueryParallelism {
  kAuto,   // split when the work is large and cores are idle (the default)
  kOff,    // always on the query's own thread
  kForce,  // always offered to max_threads - 1 helpers (tests of the parallel path)
};

struct EngineOptions {
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  // Upper bound on samples held in memory at once by one query (Prometheus' max_samples).
  int64_t max_samples = 50000000;
  absl::Duration timeout = absl::Minutes(2);
  // Step of subqueries written without one (`x[5m:]`), Prometheus' global evaluation interval.
  int64_t default_eval_interval_ms = 60000;
  QueryParallelism parallelism = QueryParallelism::kAuto;
  int max_threads = 0;  // threads one query may use, its own included; <= 0: every usable core
  // Prometheus' use-start-timestamps feature: rate, increase, irate and resets read samples'
  // start timestamps (resets and left extrapolation), start_timestamp() answers.
  bool use_start_timestamps = false;
  // A range query of more steps than this runs as consecutive windows of at most this many
  // steps, each with a querier over its own time range, and the windows' series are joined:
  // what a query holds while it evaluates (aggregation cells, sample batches, operands of
  // binary operators) then grows with the window, not with the range. Answers are the same
  // bits, since every step is evaluated on its own. <= 0: one window.
  int64_t max_steps_per_window = 2880;
};

struct QueryStats {
  int64_t samples_decoded = 0;  // raw samples read from storage
  // Highest in-memory sample count reached (max_samples accounting); never above max_samples:
  // samples that would exceed it are refused before they are materialised.
  int64_t peak_samples = 0;
};

struct QueryOptions {
  // Polled during evaluation; when it becomes true the query fails with Cancelled.
  std::atomic<bool>* cancel = nullptr;
  // Overrides EngineOptions::lookback_delta_ms for this query when set and > 0.
  std::optional<int64_t> lookback_delta_ms;
  // When set, receives the query's statistics whether it succeeds or fails (a failed query
  // has no Result to carry them).
  QueryStats* stats = nullptr;
};

struct Point {
  int64_t t;  // ms
  double v;
};

struct Scalar {
  int64_t t;
  double v;
};

struct String {
  int64_t t;
  std::string v;
};

// A native-histogram value (shared and immutable).
using HistogramPtr = std::shared_ptr<const model::histogram::FloatHistogram>;

struct HistogramPoint {
  int64_t t;  // ms
  HistogramPtr h;
};

// A float sample (h null) or a native-histogram sample (h set; v is then 0).
struct Sample {
  model::Labels labels;
  int64_t t;
  double v;
  HistogramPtr h = nullptr;
};
using Vector = std::vector<Sample>;

struct Series {
  model::Labels labels;
  std::vector<Point> points;  // strictly increasing t
  // Native-histogram points, strictly increasing t, never at a time of `points`.
  std::vector<HistogramPoint> histograms;
};
using Matrix = std::vector<Series>;

using Value = std::variant<Scalar, String, Vector, Matrix>;


struct Result {
  Value value;
  // Fully formatted annotations as the API shows them, e.g.
  // `PromQL info: metric might not be a counter, name does not end in ...: "foo" (1:6)`.
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
  QueryStats stats;

  ValueType type() const;  // kScalar, kString, kVector or kMatrix
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});

  // Parses and evaluates `query` at t_ms.
  absl::StatusOr<Result> InstantQuery(storage::Queryable& storage, std::string_view query,
                                      int64_t t_ms, const QueryOptions& opts = {}) const;
  // Parses and evaluates `query` at start, start+step, ... <= end. The expression must be of
  // scalar or instant-vector type; the result is always a Matrix.
  absl::StatusOr<Result> RangeQuery(storage::Queryable& storage, std::string_view query,
                                    int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                    const QueryOptions& opts = {}) const;

  // The same for an already parsed expression. `query_text` (optional) is only used to give
  // annotations their (line:col) position.
  absl::StatusOr<Result> InstantQuery(storage::Queryable& storage, const Expr& expr, int64_t t_ms,
                                      const QueryOptions& opts = {},
                                      std::string_view query_text = {}) const;
  absl::StatusOr<Result> RangeQuery(storage::Queryable& storage, const Expr& expr,
                                    int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                    const QueryOptions& opts = {},
                                    std::string_view query_text = {}) const;

  // Runs work(i) for every i in [0, n) as a query's selection runs its series: on the calling
  // thread, joined by the engine's helper threads once the work proves large and cores are
  // free (EngineOptions::parallelism and max_threads). consume(i) runs on the calling thread,
  // in increasing order, once work(0..i) have finished. For work that follows an evaluation
  // and splits as well as it does: the API encodes a large answer's series this way.
  void ShareWork(size_t n, const std::function<void(size_t)>& work,
                 const std::function<void(size_t)>& consume) const;

  const EngineOptions& options() const { return options_; }

 private:
  EngineOptions options_;
};

}  // namespace promlet::promql

#endif  // PROMLET_PROMQL_ENGINE_ENGINE_H_
