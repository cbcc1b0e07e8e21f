// The PromQL function table: names, argument types and return types, as Prometheus 3 defines
// them. The parser type-checks calls against it; the engine keys its implementations by the
// FunctionId each entry carries (every id below kNumFunctions belongs to exactly one entry).
#ifndef PROMLET_PROMQL_FUNCTIONS_H_
#define PROMLET_PROMQL_FUNCTIONS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "promql/ast.h"

namespace promlet::promql {

// Identifies a function; the engine indexes its implementations by it (Prometheus' FunctionCalls).
enum class FunctionId : uint8_t {
  kAbs,
  kAbsent,
  kAbsentOverTime,
  kAcos,
  kAcosh,
  kAsin,
  kAsinh,
  kAtan,
  kAtanh,
  kAvgOverTime,
  kCeil,
  kChanges,
  kClamp,
  kClampMax,
  kClampMin,
  kCos,
  kCosh,
  kCountOverTime,
  kDayOfMonth,
  kDayOfWeek,
  kDayOfYear,
  kDaysInMonth,
  kDeg,
  kDelta,
  kDeriv,
  kDoubleExponentialSmoothing,
  kEnd,
  kExp,
  kFirstOverTime,
  kFloor,
  kHistogramAvg,
  kHistogramCount,
  kHistogramFraction,
  kHistogramQuantile,
  kHistogramQuantiles,
  kHistogramStddev,
  kHistogramStdvar,
  kHistogramSum,
  kHour,
  kIdelta,
  kIncrease,
  kInfo,
  kIntegral,
  kIrate,
  kLabelJoin,
  kLabelReplace,
  kLastOverTime,
  kLn,
  kLog10,
  kLog2,
  kMadOverTime,
  kMaxOf,
  kMaxOverTime,
  kMinOf,
  kMinOverTime,
  kMinute,
  kMonth,
  kPi,
  kPredictLinear,
  kPresentOverTime,
  kQuantileOverTime,
  kRad,
  kRange,
  kRate,
  kResets,
  kRound,
  kScalar,
  kSgn,
  kSin,
  kSinh,
  kSort,
  kSortByLabel,
  kSortByLabelDesc,
  kSortDesc,
  kSqrt,
  kStart,
  kStartTimestamp,
  kStddevOverTime,
  kStdvarOverTime,
  kStep,
  kSumOverTime,
  kTan,
  kTanh,
  kTime,
  kTimestamp,
  kTsOfFirstOverTime,
  kTsOfLastOverTime,
  kTsOfMaxOverTime,
  kTsOfMinOverTime,
  kVector,
  kYear,
  kNumFunctions,  // not a function: the number of ids
};

struct FunctionInfo {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // -1: the last argument type may repeat any number of times (label_join); otherwise the
  // number of trailing arguments that may be omitted (round's to_nearest, ...).
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  bool experimental = false;
  FunctionId id = FunctionId::kNumFunctions;
};

// nullptr when unknown.
const FunctionInfo* LookupFunction(std::string_view name);
const std::vector<FunctionInfo>& AllFunctions();

}  // namespace promlet::promql

#endif  // PROMLET_PROMQL_FUNCTIONS_H_
