// Internal to the engine: the value types every part of the evaluation shares (a series of
// float points and native-histogram points at step timestamps, the raw samples of one selected series, the step grid),
// how evaluation fails (EvalError), and the small numeric helpers of Prometheus' Go code.
// Kernel files (functions, operators, aggregations) include this and context.h, never
// evaluator.h.
//
// Invariants: an ESeries' floats and its histograms are each in strictly increasing time and
// never share a timestamp (a point is a float or a histogram); histograms are shared and
// immutable (copy before changing one), and float-only work never touches them. A Decoded's t
// is strictly increasing and as long as its v, the same for ht and hv. EvalError is thrown inside the engine only (Engine turns it
// into absl::Status; no exception leaves the engine).
#ifndef PROMLET_PROMQL_ENGINE_VALUE_H_
#define PROMLET_PROMQL_ENGINE_VALUE_H_

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "common/kahansum.h"
#include "model/histogram/float_histogram.h"
#include "model/labels.h"
#include "promql/ast.h"

namespace promlet::promql::internal {

struct FPoint {
  int64_t t;
  double f;
};

using HistPtr = std::shared_ptr<const model::histogram::FloatHistogram>;

struct HPoint {
  int64_t t;
  HistPtr h;
};

struct ESeries {
  model::Labels metric;
  std::vector<FPoint> floats;
  std::vector<HPoint> histograms;  // native-histogram points (empty for float-only data)
  // Delayed __name__ removal: the name is still present but must go when evaluation ends.
  bool drop_name = false;
};
using EMatrix = std::vector<ESeries>;

inline size_t PointCount(const EMatrix& m) {
  size_t n = 0;
  for (const auto& s : m) n += s.floats.size() + s.histograms.size();
  return n;
}

// Thrown inside the evaluator only.
struct EvalError {
  absl::Status status;
};
[[noreturn]] void Fail(absl::Status s);
[[noreturn]] void Errorf(std::string msg);  // FailedPrecondition (execution error)

// Prometheus' labels.String(): {a="b", c="d"} with the name inside the braces.
std::string PromLabelsString(const model::Labels& l);

// Go's math.Max / math.Min (NaN-propagating).
double GoMax(double a, double b);
double GoMin(double a, double b);
using common::KahanSumInc;  // Prometheus' util/kahansum (common/kahansum.h)

// The samples of one series matching a selector in [mint, maxt].
struct Decoded {
  model::Labels labels;
  std::vector<int64_t> t;
  std::vector<double> v;
  std::vector<int64_t> ht;  // histogram samples
  std::vector<HistPtr> hv;
  // Start timestamps (ms, 0: none) parallel to t and ht. Both empty unless the engine uses
  // STs and the series has some (subqueries and expressions never carry them).
  std::vector<int64_t> st;
  std::vector<int64_t> hst;
  bool HasST() const { return !st.empty() || !hst.empty(); }
  bool Empty() const { return t.empty() && ht.empty(); }
  size_t Size() const { return t.size() + ht.size(); }
};

// Removes the stale markers of d (with their STs, when d has them).
void DropStale(Decoded& d);

// The steps an evaluator produces points for: start, start + interval, ... <= end.
struct StepGrid {
  int64_t start, end, interval;
  size_t NumSteps() const { return static_cast<size_t>((end - start) / interval) + 1; }
  size_t StepIndex(int64_t ts) const { return static_cast<size_t>((ts - start) / interval); }
};

// A value and its Kahan compensation: the running state of a compact aggregation cell
// (aggregation.h), and a StepRows cell once finished (the value final, kahan_c unused).
struct CompactCell {
  double value;
  double kahan_c;
};

// A vector node's result as dense rows over the step grid: an aggregation's cells, handed over
// as they are (no matrix built, nothing copied). Row r has a point at step k iff
// present[r][k] != 0, with value cells[r][k].value.
struct StepRows {
  std::vector<model::Labels> labels;  // per row
  size_t nsteps = 0;
  std::vector<std::unique_ptr<CompactCell[]>> cells;  // per row, nsteps each
  std::vector<std::vector<uint8_t>> present;          // per row, nsteps each
  size_t points = 0;  // rows' points in all (they are counted like an EMatrix's)
};

// Merges series whose label sets are equal (after relabelling or name removal) into one,
// failing with "vector cannot contain metrics with the same labelset" on a shared timestamp.
void MergeSameLabels(EMatrix& m);

// Joins the results of a range query run in windows of steps (engine.cc), added in time order:
// a series of a later window continues the earlier series with the same labels and the same
// delayed name removal, or is added. The k-th such series of a window continues the k-th of
// the earlier ones, so that series one window holds twice (until name removal merges or
// refuses them) stay apart as they would in a single window. Points stay in time order, since
// a window's steps all follow the previous window's; they stay counted as held samples.
class WindowJoin {
 public:
  void Add(EMatrix&& window);
  EMatrix Take() { return std::move(joined_); }

 private:
  EMatrix joined_;
  absl::flat_hash_map<uint64_t, std::vector<size_t>> by_key_;  // into joined_
};

// AST helpers.
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

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_VALUE_H_
