// FloatHistogram: Sub (both operand orders) with the case table of Prometheus'
// float_histogram_test.go, and the Kahan terms' alignment when compaction merges spans.
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/histogram/buckets.h"
#include "model/histogram/float_histogram.h"
#include "tests/model_histogram/histogram_test_util.h"

namespace promlet::model::histogram {
namespace {

using namespace testutil;  // NOLINT: the builders and Go-named constants of the tables

struct SubCase {
  std::string name;
  std::optional<FloatHistogram> in1, in2, expected;
  std::string expErrMsg;
  bool expCounterResetCollision = false;
  bool expNHCBBoundsReconciled = false;
};

void CheckSub(const FloatHistogram& a, const FloatHistogram& b,
              const std::optional<FloatHistogram>& expected, const std::string& err, bool collision,
              bool reconciled) {
  ASSERT_TRUE(a.Validate().ok()) << a.Validate();
  ASSERT_TRUE(b.Validate().ok()) << b.Validate();
  FloatHistogram a_copy = a.Copy();
  const FloatHistogram b_copy = b.Copy();
  absl::StatusOr<ArithResult> r = a_copy.Sub(b_copy);
  if (!err.empty()) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(err, r.status().message());
    return;
  }
  ASSERT_TRUE(r.ok()) << r.status();
  if (expected) {
    FloatHistogram want = expected->Copy();
    want.Compact(0);
    a_copy.Compact(0);
    EXPECT_TRUE(Same(want, a_copy));
    EXPECT_TRUE(Same(b.Copy(), b_copy));
    EXPECT_EQ(collision, r->counter_reset_collision);
    EXPECT_EQ(reconciled, r->nhcb_bounds_reconciled);
  }
}

TEST(FloatHistogram, Sub) {
  const std::vector<SubCase> cases = {
      {.name = "same bucket layout",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(23)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .in2 = FH().ZeroThreshold(0.01)
                  .ZeroCount(8)
                  .Count(21)
                  .Sum(12)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
                  .PositiveBuckets(std::vector<double>{0, 0, 2, 3, 6})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .expected = FH().ZeroThreshold(0.01)
                       .ZeroCount(3)
                       .Count(9)
                       .Sum(11)
                       .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
                       .PositiveBuckets(std::vector<double>{1, 0, 1, 1, 1})
                       .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                       .NegativeBuckets(std::vector<double>{2, 0, 1, 2})},
      {.name = "schema change",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(8)
                  .Count(59)
                  .Sum(1.234)
                  .Schema(0)
                  .PositiveSpans(std::vector<Span>{{-2, 5}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{2, 5, 4, 2, 3, 6, 7, 5})
                  .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                  .NegativeBuckets(std::vector<double>{4, 10, 1, 4, 14, 7}),
       .in2 = FH().ZeroThreshold(0.01)
                  .ZeroCount(2)
                  .Count(19)
                  .Sum(0.345)
                  .Schema(1)
                  .PositiveSpans(std::vector<Span>{{-4, 3}, {5, 5}})
                  .PositiveBuckets(std::vector<double>{1, 0, 0, 1, 2, 2, 3, 4})
                  .NegativeSpans(std::vector<Span>{{6, 3}, {6, 4}})
                  .NegativeBuckets(std::vector<double>{3, 0.5, 0.5, 2, 3, 2, 4}),
       .expected = FH().ZeroThreshold(0.01)
                       .ZeroCount(6)
                       .Count(40)
                       .Sum(0.889)
                       .PositiveSpans(std::vector<Span>{{-2, 5}, {0, 3}})
                       .PositiveBuckets(std::vector<double>{1, 5, 4, 2, 2, 2, 0, 5})
                       .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                       .NegativeBuckets(std::vector<double>{1, 9, 1, 4, 9, 1})},
      {.name = "same custom bucket layout",
       .in1 = FH().Schema(CustomBucketsSchema)
                  .Count(15)
                  .Sum(23)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5}),
       .in2 = FH().Schema(CustomBucketsSchema)
                  .Count(11)
                  .Sum(12)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
                  .PositiveBuckets(std::vector<double>{0, 0, 2, 3, 6})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5}),
       .expected = FH().Schema(CustomBucketsSchema)
                       .Count(4)
                       .Sum(11)
                       .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
                       .PositiveBuckets(std::vector<double>{1, 0, 1, 1, 1})
                       .CustomValues(std::vector<double>{1, 2, 3, 4, 5})},
      {.name = "different custom bucket layout - with intersection and rollup",
       .in1 = FH().Schema(CustomBucketsSchema)
                  .Count(220)
                  .Sum(9.9)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {1, 1}, {0, 2}})
                  .PositiveBuckets(std::vector<double>{10, 20, 40, 50, 100})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5})
                  .CounterResetHint(GaugeType),
       .in2 = FH().Schema(CustomBucketsSchema)
                  .Count(6)
                  .Sum(4.4)
                  .PositiveSpans(std::vector<Span>{{0, 1}, {1, 1}})
                  .PositiveBuckets(std::vector<double>{1, 5})
                  .CustomValues(std::vector<double>{2, 4})
                  .CounterResetHint(GaugeType),
       .expected = FH().Schema(CustomBucketsSchema)
                       .Count(214)
                       .Sum(5.5)
                       .PositiveSpans(std::vector<Span>{{0, 3}})
                       .PositiveBuckets(std::vector<double>{10 + 20 - 1, 40, 50 + 100 - 5})
                       .CustomValues(std::vector<double>{2, 4})
                       .CounterResetHint(GaugeType),
       .expNHCBBoundsReconciled = true},
      {.name = "mix exponential and custom buckets histograms",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(8)
                  .Count(59)
                  .Sum(1.234)
                  .Schema(0)
                  .PositiveSpans(std::vector<Span>{{-2, 5}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{2, 5, 4, 2, 3, 6, 7, 5})
                  .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                  .NegativeBuckets(std::vector<double>{4, 10, 1, 4, 14, 7}),
       .in2 = FH().Schema(CustomBucketsSchema)
                  .Count(11)
                  .Sum(12)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
                  .PositiveBuckets(std::vector<double>{0, 0, 2, 3, 6})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6}),
       .expErrMsg = "cannot apply this operation on histograms with a mix of exponential and "
                    "custom bucket schemas"},
      {.name = "warn on counter reset hint collision",
       .in1 = FH().Schema(CustomBucketsSchema).CounterResetHint(CounterReset),
       .in2 = FH().Schema(CustomBucketsSchema).CounterResetHint(NotCounterReset),
       .expErrMsg = "",
       .expCounterResetCollision = true},
  };
  for (const SubCase& c : cases) {
    SCOPED_TRACE(c.name);
    const bool col = c.expCounterResetCollision, rec = c.expNHCBBoundsReconciled;
    CheckSub(*c.in1, *c.in2, c.expected, c.expErrMsg, col, rec);
    std::optional<FloatHistogram> negative;
    if (c.expected) {
      negative = c.expected->Copy();
      negative->Mul(-1);
      negative->counter_reset_hint = c.expected->counter_reset_hint;
    }
    CheckSub(*c.in2, *c.in1, negative, c.expErrMsg, col, rec);
  }
}

TEST(FloatHistogram, KahanCompactSpanMerge) {
  // Kahan terms stay aligned with their buckets when several spans merge in one pass.
  FloatHistogram h = FH().PositiveSpans({{0, 1}, {1, 1}, {1, 1}}).PositiveBuckets({1, 2, 3});
  FloatHistogram c = FH().PositiveSpans({{0, 1}, {1, 1}, {1, 1}}).PositiveBuckets({0.1, 0.2, 0.3});
  // Prometheus' kahanCompact is CompactBuckets with the compensation buckets alongside.
  CompactBuckets(h.positive_buckets, &c.positive_buckets, h.positive_spans, 3, false);
  EXPECT_EQ((std::vector<Span>{{0, 5}}), h.positive_spans);
  EXPECT_EQ((std::vector<double>{1, 0, 2, 0, 3}), h.positive_buckets);
  EXPECT_EQ((std::vector<double>{0.1, 0, 0.2, 0, 0.3}), c.positive_buckets);
}

TEST(FloatHistogram, KahanAddRefusesMismatchedCompensation) {
  FloatHistogram h = FH().Count(1).PositiveSpans({{0, 2}}).PositiveBuckets({1, 0});
  const FloatHistogram before = h;
  std::optional<FloatHistogram> c = FloatHistogram(FH().PositiveBuckets({0.5}));
  absl::StatusOr<ArithResult> r = h.KahanAdd(FH().Count(1).CounterResetHint(GaugeType), &c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ("compensation histogram's buckets do not match the histogram's bucket layout",
            r.status().message());
  EXPECT_TRUE(Same(before, h));
}

}  // namespace
}  // namespace promlet::model::histogram
