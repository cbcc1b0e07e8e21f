// The PromQL function table, transcribed from Prometheus 3's promql/parser/functions.go (plus
// the experimental functions the shared PromQL test corpus uses). Variadic follows Prometheus:
// 0 = exactly arg_types.size() arguments; n > 0 = the last argument may be omitted and up to
// n further arguments of the last type may follow; -1 = the last type repeats without bound
// (at least arg_types.size() - 1 arguments).
#include "promql/functions.h"

#include <algorithm>

namespace promlet::promql {
namespace {

constexpr ValueType S = ValueType::kScalar;
constexpr ValueType V = ValueType::kVector;
constexpr ValueType M = ValueType::kMatrix;
constexpr ValueType Str = ValueType::kString;

std::vector<FunctionInfo> BuildTable() {
  std::vector<FunctionInfo> t = {
      {"abs", {V}, 0, V, false, FunctionId::kAbs},
      {"absent", {V}, 0, V, false, FunctionId::kAbsent},
      {"absent_over_time", {M}, 0, V, false, FunctionId::kAbsentOverTime},
      {"acos", {V}, 0, V, false, FunctionId::kAcos},
      {"acosh", {V}, 0, V, false, FunctionId::kAcosh},
      {"asin", {V}, 0, V, false, FunctionId::kAsin},
      {"asinh", {V}, 0, V, false, FunctionId::kAsinh},
      {"atan", {V}, 0, V, false, FunctionId::kAtan},
      {"atanh", {V}, 0, V, false, FunctionId::kAtanh},
      {"avg_over_time", {M}, 0, V, false, FunctionId::kAvgOverTime},
      {"ceil", {V}, 0, V, false, FunctionId::kCeil},
      {"changes", {M}, 0, V, false, FunctionId::kChanges},
      {"clamp", {V, S, S}, 0, V, false, FunctionId::kClamp},
      {"clamp_max", {V, S}, 0, V, false, FunctionId::kClampMax},
      {"clamp_min", {V, S}, 0, V, false, FunctionId::kClampMin},
      {"cos", {V}, 0, V, false, FunctionId::kCos},
      {"cosh", {V}, 0, V, false, FunctionId::kCosh},
      {"count_over_time", {M}, 0, V, false, FunctionId::kCountOverTime},
      {"days_in_month", {V}, 1, V, false, FunctionId::kDaysInMonth},
      {"day_of_month", {V}, 1, V, false, FunctionId::kDayOfMonth},
      {"day_of_week", {V}, 1, V, false, FunctionId::kDayOfWeek},
      {"day_of_year", {V}, 1, V, false, FunctionId::kDayOfYear},
      {"deg", {V}, 0, V, false, FunctionId::kDeg},
      {"delta", {M}, 0, V, false, FunctionId::kDelta},
      {"deriv", {M}, 0, V, false, FunctionId::kDeriv},
      {"double_exponential_smoothing", {M, S, S}, 0, V, true, FunctionId::kDoubleExponentialSmoothing},
      {"end", {}, 0, S, true, FunctionId::kEnd},
      {"exp", {V}, 0, V, false, FunctionId::kExp},
      {"first_over_time", {M}, 0, V, true, FunctionId::kFirstOverTime},
      {"floor", {V}, 0, V, false, FunctionId::kFloor},
      {"histogram_avg", {V}, 0, V, false, FunctionId::kHistogramAvg},
      {"histogram_count", {V}, 0, V, false, FunctionId::kHistogramCount},
      {"histogram_fraction", {S, S, V}, 0, V, false, FunctionId::kHistogramFraction},
      {"histogram_quantile", {S, V}, 0, V, false, FunctionId::kHistogramQuantile},
      {"histogram_quantiles", {V, Str, S, S}, 9, V, true, FunctionId::kHistogramQuantiles},
      {"histogram_stddev", {V}, 0, V, false, FunctionId::kHistogramStddev},
      {"histogram_stdvar", {V}, 0, V, false, FunctionId::kHistogramStdvar},
      {"histogram_sum", {V}, 0, V, false, FunctionId::kHistogramSum},
      {"hour", {V}, 1, V, false, FunctionId::kHour},
      {"idelta", {M}, 0, V, false, FunctionId::kIdelta},
      {"increase", {M}, 0, V, false, FunctionId::kIncrease},
      {"info", {V, V}, 1, V, true, FunctionId::kInfo},
      {"integral", {M, S}, 1, V, true, FunctionId::kIntegral},
      {"irate", {M}, 0, V, false, FunctionId::kIrate},
      {"label_join", {V, Str, Str, Str}, -1, V, false, FunctionId::kLabelJoin},
      {"label_replace", {V, Str, Str, Str, Str}, 0, V, false, FunctionId::kLabelReplace},
      {"last_over_time", {M}, 0, V, false, FunctionId::kLastOverTime},
      {"ln", {V}, 0, V, false, FunctionId::kLn},
      {"log10", {V}, 0, V, false, FunctionId::kLog10},
      {"log2", {V}, 0, V, false, FunctionId::kLog2},
      {"mad_over_time", {M}, 0, V, true, FunctionId::kMadOverTime},
      {"max_over_time", {M}, 0, V, false, FunctionId::kMaxOverTime},
      {"max_of", {S, S}, 0, S, true, FunctionId::kMaxOf},
      {"min_of", {S, S}, 0, S, true, FunctionId::kMinOf},
      {"min_over_time", {M}, 0, V, false, FunctionId::kMinOverTime},
      {"minute", {V}, 1, V, false, FunctionId::kMinute},
      {"month", {V}, 1, V, false, FunctionId::kMonth},
      {"pi", {}, 0, S, false, FunctionId::kPi},
      {"predict_linear", {M, S}, 0, V, false, FunctionId::kPredictLinear},
      {"present_over_time", {M}, 0, V, false, FunctionId::kPresentOverTime},
      {"quantile_over_time", {S, M}, 0, V, false, FunctionId::kQuantileOverTime},
      {"rad", {V}, 0, V, false, FunctionId::kRad},
      {"range", {}, 0, S, true, FunctionId::kRange},
      {"rate", {M}, 0, V, false, FunctionId::kRate},
      {"resets", {M}, 0, V, false, FunctionId::kResets},
      {"round", {V, S}, 1, V, false, FunctionId::kRound},
      {"scalar", {V}, 0, S, false, FunctionId::kScalar},
      {"sgn", {V}, 0, V, false, FunctionId::kSgn},
      {"sin", {V}, 0, V, false, FunctionId::kSin},
      {"sinh", {V}, 0, V, false, FunctionId::kSinh},
      {"sort", {V}, 0, V, false, FunctionId::kSort},
      {"sort_by_label", {V, Str}, -1, V, true, FunctionId::kSortByLabel},
      {"sort_by_label_desc", {V, Str}, -1, V, true, FunctionId::kSortByLabelDesc},
      {"sort_desc", {V}, 0, V, false, FunctionId::kSortDesc},
      {"sqrt", {V}, 0, V, false, FunctionId::kSqrt},
      {"start", {}, 0, S, true, FunctionId::kStart},
      {"start_timestamp", {V}, 0, V, true, FunctionId::kStartTimestamp},
      {"stddev_over_time", {M}, 0, V, false, FunctionId::kStddevOverTime},
      {"stdvar_over_time", {M}, 0, V, false, FunctionId::kStdvarOverTime},
      {"step", {}, 0, S, true, FunctionId::kStep},
      {"sum_over_time", {M}, 0, V, false, FunctionId::kSumOverTime},
      {"tan", {V}, 0, V, false, FunctionId::kTan},
      {"tanh", {V}, 0, V, false, FunctionId::kTanh},
      {"time", {}, 0, S, false, FunctionId::kTime},
      {"timestamp", {V}, 0, V, false, FunctionId::kTimestamp},
      {"ts_of_first_over_time", {M}, 0, V, true, FunctionId::kTsOfFirstOverTime},
      {"ts_of_last_over_time", {M}, 0, V, true, FunctionId::kTsOfLastOverTime},
      {"ts_of_max_over_time", {M}, 0, V, true, FunctionId::kTsOfMaxOverTime},
      {"ts_of_min_over_time", {M}, 0, V, true, FunctionId::kTsOfMinOverTime},
      {"vector", {S}, 0, V, false, FunctionId::kVector},
      {"year", {V}, 1, V, false, FunctionId::kYear},
  };
  std::sort(t.begin(), t.end(),
            [](const FunctionInfo& a, const FunctionInfo& b) { return a.name < b.name; });
  return t;
}

}  // namespace

const std::vector<FunctionInfo>& AllFunctions() {
  static const std::vector<FunctionInfo>* table = new std::vector<FunctionInfo>(BuildTable());
  return *table;
}

const FunctionInfo* LookupFunction(std::string_view name) {
  const auto& t = AllFunctions();
  auto it = std::lower_bound(t.begin(), t.end(), name,
                             [](const FunctionInfo& f, std::string_view n) { return f.name < n; });
  if (it == t.end() || it->name != name) return nullptr;
  return &*it;
}

}  // namespace promlet::promql
