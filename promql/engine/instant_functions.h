// Internal to the engine: the instant-vector and scalar functions (math on every point, date
// parts, sort, histogram_quantile, absent, scalar, vector, time, label_replace, ...). Kernels
// get their call's arguments through FunctionArgs, evaluated on demand, so they never see the
// evaluator; function_table.h chooses them by FunctionId.
//
// Invariants: a kernel returns a matrix whose points are counted in the QueryContext (the
// accounting of context.h) and releases the points of the arguments it consumed; every
// FunctionArgs::vector result is counted when it is returned.
#ifndef PROMLET_PROMQL_ENGINE_INSTANT_FUNCTIONS_H_
#define PROMLET_PROMQL_ENGINE_INSTANT_FUNCTIONS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "promql/ast.h"
#include "promql/engine/context.h"
#include "promql/engine/value.h"

namespace promlet::promql::internal {

// One call of an instant function, its arguments evaluated when the kernel asks for them (so
// that, as in Prometheus, a kernel can reject a bad string argument before evaluating the
// vector it applies to).
struct FunctionArgs {
  const Call& call;
  StepGrid grid;
  QueryContext* ctx;
  std::function<EMatrix(size_t)> vector;              // argument i, an instant vector
  std::function<std::vector<double>(size_t)> scalar;  // argument i's value at every step
  // Argument i like `vector`, except that an aggregation folded into cells may give its
  // result as *rows instead (the matrix is then empty; rows counted the same way).
  std::function<EMatrix(size_t, std::optional<StepRows>*)> vector_or_rows;
};

// Where one point of a point-wise function lies.
struct PointAt {
  const std::vector<std::vector<double>>& scalar_args;  // by argument index; [0] is empty
  size_t step;
  int64_t t;
};

// Maps one point's value to the output value, or nothing to drop the point.
using PointKernel = std::optional<double> (*)(double x, const PointAt& at);
// Computes the whole result of a call.
using VectorKernel = EMatrix (*)(FunctionArgs& args);

// Applies k to every point of argument 0 (scalar arguments 1.. evaluated first), dropping
// __name__; without arguments, to every step's time in seconds (hour() is hour(time())).
EMatrix ApplyPointwise(PointKernel k, FunctionArgs& args);

// absent() / absent_over_time(): 1 at the steps where `present` (released) has no point,
// labelled from arg's equality matchers when arg is a vector selector.
EMatrix Absent(const EMatrix& present, const Expr& arg, const StepGrid& g, QueryContext* ctx);

// Prometheus' HistogramQuantile / HistogramFraction of one native histogram
// (histogram_functions.cc); the flags report the NaN-observation infos.
double NativeHistogramQuantile(double q, const model::histogram::FloatHistogram& h,
                               bool* nan_result, bool* nan_skew);
double NativeHistogramFraction(double lower, double upper,
                               const model::histogram::FloatHistogram& h, bool* nans);

namespace instant_fn {
// Point-wise.
std::optional<double> Abs(double x, const PointAt& at);
std::optional<double> Ceil(double x, const PointAt& at);
std::optional<double> Floor(double x, const PointAt& at);
std::optional<double> Exp(double x, const PointAt& at);
std::optional<double> Sqrt(double x, const PointAt& at);
std::optional<double> Ln(double x, const PointAt& at);
std::optional<double> Log2(double x, const PointAt& at);
std::optional<double> Log10(double x, const PointAt& at);
std::optional<double> Sgn(double x, const PointAt& at);
std::optional<double> Sin(double x, const PointAt& at);
std::optional<double> Cos(double x, const PointAt& at);
std::optional<double> Tan(double x, const PointAt& at);
std::optional<double> Asin(double x, const PointAt& at);
std::optional<double> Acos(double x, const PointAt& at);
std::optional<double> Atan(double x, const PointAt& at);
std::optional<double> Sinh(double x, const PointAt& at);
std::optional<double> Cosh(double x, const PointAt& at);
std::optional<double> Tanh(double x, const PointAt& at);
std::optional<double> Asinh(double x, const PointAt& at);
std::optional<double> Acosh(double x, const PointAt& at);
std::optional<double> Atanh(double x, const PointAt& at);
std::optional<double> Deg(double x, const PointAt& at);
std::optional<double> Rad(double x, const PointAt& at);
std::optional<double> Timestamp(double x, const PointAt& at);
std::optional<double> Round(double x, const PointAt& at);
std::optional<double> Clamp(double x, const PointAt& at);
std::optional<double> ClampMin(double x, const PointAt& at);
std::optional<double> ClampMax(double x, const PointAt& at);
std::optional<double> Minute(double x, const PointAt& at);
std::optional<double> Hour(double x, const PointAt& at);
std::optional<double> DayOfMonth(double x, const PointAt& at);
std::optional<double> DayOfWeek(double x, const PointAt& at);
std::optional<double> DayOfYear(double x, const PointAt& at);
std::optional<double> DaysInMonth(double x, const PointAt& at);
std::optional<double> Month(double x, const PointAt& at);
std::optional<double> Year(double x, const PointAt& at);
// Whole calls.
EMatrix Time(FunctionArgs& a);
EMatrix Pi(FunctionArgs& a);
EMatrix Step(FunctionArgs& a);
EMatrix Range(FunctionArgs& a);
EMatrix Start(FunctionArgs& a);
EMatrix End(FunctionArgs& a);
EMatrix MinOf(FunctionArgs& a);
EMatrix MaxOf(FunctionArgs& a);
EMatrix Vector(FunctionArgs& a);
EMatrix Scalar(FunctionArgs& a);
EMatrix AbsentFn(FunctionArgs& a);
EMatrix Sort(FunctionArgs& a);
EMatrix SortDesc(FunctionArgs& a);
EMatrix SortByLabel(FunctionArgs& a);
EMatrix SortByLabelDesc(FunctionArgs& a);
EMatrix HistogramQuantile(FunctionArgs& a);
EMatrix HistogramQuantiles(FunctionArgs& a);  // histogram_quantiles(v, "label", φ...)
EMatrix HistogramFraction(FunctionArgs& a);
EMatrix HistogramCount(FunctionArgs& a);   // histogram_functions.cc
EMatrix HistogramSum(FunctionArgs& a);     // histogram_functions.cc
EMatrix HistogramAvg(FunctionArgs& a);     // histogram_functions.cc
EMatrix HistogramStddev(FunctionArgs& a);  // histogram_functions.cc
EMatrix HistogramStdvar(FunctionArgs& a);  // histogram_functions.cc
EMatrix LabelReplace(FunctionArgs& a);  // label_functions.cc
EMatrix LabelJoin(FunctionArgs& a);     // label_functions.cc
}  // namespace instant_fn

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_INSTANT_FUNCTIONS_H_
