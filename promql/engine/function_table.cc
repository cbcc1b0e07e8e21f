// The function table. Functions of the catalogue that have no row here (start_timestamp)
// answer "function X not supported"; info() is the evaluator's
// own (info.cc), because it selects series itself.
#include "promql/engine/function_table.h"

#include <array>
#include <cstddef>
#include <utility>

namespace promlet::promql::internal {

namespace {

FunctionImpl Range(RangeFunction f) {
  FunctionImpl impl;
  impl.range = f;
  return impl;
}
FunctionImpl Point(PointKernel k) {
  FunctionImpl impl;
  impl.point = k;
  return impl;
}
FunctionImpl Whole(VectorKernel k) {
  FunctionImpl impl;
  impl.whole = k;
  return impl;
}
FunctionImpl SampleTimes(PointKernel k) {
  FunctionImpl impl = Point(k);
  impl.sample_times = true;
  return impl;
}

constexpr size_t kNumIds = static_cast<size_t>(FunctionId::kNumFunctions);

std::array<FunctionImpl, kNumIds> BuildTable() {
  // One row per function, on one line each: the table reads as a list.
  // clang-format off
  const std::pair<FunctionId, FunctionImpl> rows[] = {
    {FunctionId::kAbs, Point(&instant_fn::Abs)},
    {FunctionId::kAbsent, Whole(&instant_fn::AbsentFn)},
    {FunctionId::kAbsentOverTime, Range({.kernel = &range_fn::PresentOverTime, .absent = true, .counts_only = true})},
    {FunctionId::kAcos, Point(&instant_fn::Acos)},
    {FunctionId::kAcosh, Point(&instant_fn::Acosh)},
    {FunctionId::kAsin, Point(&instant_fn::Asin)},
    {FunctionId::kAsinh, Point(&instant_fn::Asinh)},
    {FunctionId::kAtan, Point(&instant_fn::Atan)},
    {FunctionId::kAtanh, Point(&instant_fn::Atanh)},
    {FunctionId::kAvgOverTime, Range({.kernel = &range_fn::AvgOverTime, .batch = WindowBatch::kAvg})},
    {FunctionId::kCeil, Point(&instant_fn::Ceil)},
    {FunctionId::kChanges, Range({.kernel = &range_fn::Changes, .extended = ExtendedKind::kChanges})},
    {FunctionId::kClamp, Point(&instant_fn::Clamp)},
    {FunctionId::kClampMax, Point(&instant_fn::ClampMax)},
    {FunctionId::kClampMin, Point(&instant_fn::ClampMin)},
    {FunctionId::kCos, Point(&instant_fn::Cos)},
    {FunctionId::kCosh, Point(&instant_fn::Cosh)},
    {FunctionId::kCountOverTime, Range({.kernel = &range_fn::CountOverTime, .counts_only = true})},
    {FunctionId::kDayOfMonth, Point(&instant_fn::DayOfMonth)},
    {FunctionId::kDayOfWeek, Point(&instant_fn::DayOfWeek)},
    {FunctionId::kDayOfYear, Point(&instant_fn::DayOfYear)},
    {FunctionId::kDaysInMonth, Point(&instant_fn::DaysInMonth)},
    {FunctionId::kDeg, Point(&instant_fn::Deg)},
    {FunctionId::kDelta, Range({.kernel = &range_fn::Delta, .batch = WindowBatch::kDelta, .extended = ExtendedKind::kDelta})},
    {FunctionId::kDeriv, Range({.kernel = &range_fn::Deriv})},
    {FunctionId::kDoubleExponentialSmoothing, Range({.kernel = &range_fn::DoubleExponentialSmoothing, .parallel = false})},
    {FunctionId::kEnd, Whole(&instant_fn::End)},
    {FunctionId::kExp, Point(&instant_fn::Exp)},
    {FunctionId::kFirstOverTime, Range({.kernel = &range_fn::FirstOverTime, .keeps_name = true})},
    {FunctionId::kFloor, Point(&instant_fn::Floor)},
    {FunctionId::kHistogramAvg, Whole(&instant_fn::HistogramAvg)},
    {FunctionId::kHistogramCount, Whole(&instant_fn::HistogramCount)},
    {FunctionId::kHistogramStddev, Whole(&instant_fn::HistogramStddev)},
    {FunctionId::kHistogramStdvar, Whole(&instant_fn::HistogramStdvar)},
    {FunctionId::kHistogramSum, Whole(&instant_fn::HistogramSum)},
    {FunctionId::kHistogramFraction, Whole(&instant_fn::HistogramFraction)},
    {FunctionId::kHistogramQuantile, Whole(&instant_fn::HistogramQuantile)},
    {FunctionId::kHistogramQuantiles, Whole(&instant_fn::HistogramQuantiles)},
    {FunctionId::kHour, Point(&instant_fn::Hour)},
    {FunctionId::kIdelta, Range({.kernel = &range_fn::Idelta})},
    {FunctionId::kIncrease, Range({.kernel = &range_fn::Increase, .batch = WindowBatch::kIncrease, .extended = ExtendedKind::kIncrease, .counter = true})},
    {FunctionId::kIrate, Range({.kernel = &range_fn::Irate})},
    {FunctionId::kLabelJoin, Whole(&instant_fn::LabelJoin)},
    {FunctionId::kLabelReplace, Whole(&instant_fn::LabelReplace)},
    {FunctionId::kLastOverTime, Range({.kernel = &range_fn::LastOverTime, .keeps_name = true})},
    {FunctionId::kLn, Point(&instant_fn::Ln)},
    {FunctionId::kLog10, Point(&instant_fn::Log10)},
    {FunctionId::kLog2, Point(&instant_fn::Log2)},
    {FunctionId::kMadOverTime, Range({.kernel = &range_fn::MadOverTime, .sorts = true})},
    {FunctionId::kMaxOf, Whole(&instant_fn::MaxOf)},
    {FunctionId::kMaxOverTime, Range({.kernel = &range_fn::MaxOverTime, .batch = WindowBatch::kMax})},
    {FunctionId::kMinOf, Whole(&instant_fn::MinOf)},
    {FunctionId::kMinOverTime, Range({.kernel = &range_fn::MinOverTime, .batch = WindowBatch::kMin})},
    {FunctionId::kMinute, Point(&instant_fn::Minute)},
    {FunctionId::kMonth, Point(&instant_fn::Month)},
    {FunctionId::kPi, Whole(&instant_fn::Pi)},
    {FunctionId::kPredictLinear, Range({.kernel = &range_fn::PredictLinear})},
    {FunctionId::kPresentOverTime, Range({.kernel = &range_fn::PresentOverTime, .counts_only = true})},
    {FunctionId::kQuantileOverTime, Range({.kernel = &range_fn::QuantileOverTime, .sorts = true, .parallel = false})},
    {FunctionId::kRad, Point(&instant_fn::Rad)},
    {FunctionId::kRange, Whole(&instant_fn::Range)},
    {FunctionId::kRate, Range({.kernel = &range_fn::Rate, .batch = WindowBatch::kRate, .extended = ExtendedKind::kRate, .counter = true})},
    {FunctionId::kResets, Range({.kernel = &range_fn::Resets, .extended = ExtendedKind::kResets})},
    {FunctionId::kRound, Point(&instant_fn::Round)},
    {FunctionId::kScalar, Whole(&instant_fn::Scalar)},
    {FunctionId::kSgn, Point(&instant_fn::Sgn)},
    {FunctionId::kSin, Point(&instant_fn::Sin)},
    {FunctionId::kSinh, Point(&instant_fn::Sinh)},
    {FunctionId::kSort, Whole(&instant_fn::Sort)},
    {FunctionId::kSortByLabel, Whole(&instant_fn::SortByLabel)},
    {FunctionId::kSortByLabelDesc, Whole(&instant_fn::SortByLabelDesc)},
    {FunctionId::kSortDesc, Whole(&instant_fn::SortDesc)},
    {FunctionId::kSqrt, Point(&instant_fn::Sqrt)},
    {FunctionId::kStart, Whole(&instant_fn::Start)},
    {FunctionId::kStddevOverTime, Range({.kernel = &range_fn::StddevOverTime})},
    {FunctionId::kStdvarOverTime, Range({.kernel = &range_fn::StdvarOverTime})},
    {FunctionId::kStep, Whole(&instant_fn::Step)},
    {FunctionId::kSumOverTime, Range({.kernel = &range_fn::SumOverTime, .batch = WindowBatch::kSum})},
    {FunctionId::kTan, Point(&instant_fn::Tan)},
    {FunctionId::kTanh, Point(&instant_fn::Tanh)},
    {FunctionId::kTime, Whole(&instant_fn::Time)},
    {FunctionId::kTimestamp, SampleTimes(&instant_fn::Timestamp)},
    {FunctionId::kTsOfFirstOverTime, Range({.kernel = &range_fn::TsOfFirstOverTime})},
    {FunctionId::kTsOfLastOverTime, Range({.kernel = &range_fn::TsOfLastOverTime})},
    {FunctionId::kTsOfMaxOverTime, Range({.kernel = &range_fn::TsOfMaxOverTime})},
    {FunctionId::kTsOfMinOverTime, Range({.kernel = &range_fn::TsOfMinOverTime})},
    {FunctionId::kVector, Whole(&instant_fn::Vector)},
    {FunctionId::kYear, Point(&instant_fn::Year)},
  };
  // clang-format on
  std::array<FunctionImpl, kNumIds> table{};
  for (const auto& [id, impl] : rows) table[static_cast<size_t>(id)] = impl;
  return table;
}

}  // namespace

const FunctionImpl& FunctionImplOf(FunctionId id) {
  static const std::array<FunctionImpl, kNumIds> table = BuildTable();
  return table[static_cast<size_t>(id)];
}

}  // namespace promlet::promql::internal
