// FloatHistogram: Add and KahanAdd (schema and zero-threshold reconciliation, custom bounds,
// counter-reset collisions, NHCB bound reconciliation) with the case tables of Prometheus'
// model/histogram/float_histogram_test.go, run in both operand orders as Prometheus does.
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

struct AddCase {
  std::string name;
  std::optional<FloatHistogram> in1, in2, expected;
  std::string expErrMsg;
  bool expCounterResetCollision = false;
  bool expNHCBBoundsReconciled = false;
};

void CheckAdd(const FloatHistogram& a, const FloatHistogram& b,
              const std::optional<FloatHistogram>& expected, const std::string& err, bool collision,
              bool reconciled) {
  ASSERT_TRUE(a.Validate().ok()) << a.Validate();
  ASSERT_TRUE(b.Validate().ok()) << b.Validate();
  FloatHistogram a_copy = a.Copy();
  const FloatHistogram b_copy = b.Copy();
  absl::StatusOr<ArithResult> r = a_copy.Add(b_copy);
  if (!err.empty()) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(err, r.status().message());
    return;
  }
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(collision, r->counter_reset_collision);
  EXPECT_EQ(reconciled, r->nhcb_bounds_reconciled);
  if (expected) {
    FloatHistogram want = expected->Copy();
    want.Compact(0);
    a_copy.Compact(0);
    EXPECT_TRUE(Same(want, a_copy));
    EXPECT_TRUE(Same(b.Copy(), b_copy));
  }
}

void CheckKahanAdd(const FloatHistogram& a, const std::optional<FloatHistogram>& comp,
                   const FloatHistogram& b, const std::optional<FloatHistogram>& expected,
                   const std::string& err, bool collision, bool reconciled) {
  FloatHistogram a_copy = a.Copy();
  const FloatHistogram b_copy = b.Copy();
  std::optional<FloatHistogram> c;
  if (comp) c = comp->Copy();
  absl::StatusOr<ArithResult> r = a_copy.KahanAdd(b_copy, &c);
  if (!err.empty()) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(err, r.status().message());
    return;
  }
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(c.has_value());
  // The compensation histogram has the sum's layout.
  EXPECT_EQ(a_copy.schema, c->schema);
  EXPECT_EQ(a_copy.zero_threshold, c->zero_threshold);
  EXPECT_EQ(a_copy.positive_spans, c->positive_spans);
  EXPECT_EQ(a_copy.negative_spans, c->negative_spans);
  EXPECT_EQ(Bounds(a_copy.custom_values).size(), Bounds(c->custom_values).size());
  EXPECT_EQ(a_copy.positive_buckets.size(), c->positive_buckets.size());
  EXPECT_EQ(a_copy.negative_buckets.size(), c->negative_buckets.size());
  EXPECT_EQ(collision, r->counter_reset_collision);
  EXPECT_EQ(reconciled, r->nhcb_bounds_reconciled);
  absl::StatusOr<ArithResult> r2 = a_copy.Add(*c);
  ASSERT_TRUE(r2.ok()) << r2.status();
  if (expected) {
    FloatHistogram want = expected->Copy();
    want.Compact(0);
    a_copy.Compact(0);
    EXPECT_TRUE(Same(want, a_copy));
    EXPECT_TRUE(Same(b.Copy(), b_copy));
  }
}

TEST(FloatHistogram, Add) {
  const std::vector<AddCase> cases = {
      {.name = "same bucket layout",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .in2 = FH().ZeroThreshold(0.01)
                  .ZeroCount(8)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
                  .PositiveBuckets(std::vector<double>{0, 0, 2, 3, 6})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .expected = FH().ZeroThreshold(0.01)
                       .ZeroCount(19)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
                       .PositiveBuckets(std::vector<double>{1, 0, 5, 7, 13})
                       .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                       .NegativeBuckets(std::vector<double>{4, 2, 9, 10})},
      {.name = "same bucket layout, defined differently",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 1}, {0, 2}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .in2 = FH().ZeroThreshold(0.01)
                  .ZeroCount(8)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 2}, {0, 1}})
                  .PositiveBuckets(std::vector<double>{0, 0, 2, 3, 6})
                  .NegativeSpans(std::vector<Span>{{3, 7}})
                  .NegativeBuckets(std::vector<double>{1, 1, 0, 0, 0, 4, 4}),
       .expected = FH().ZeroThreshold(0.01)
                       .ZeroCount(19)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 1}, {0, 2}})
                       .PositiveBuckets(std::vector<double>{1, 0, 5, 7, 13})
                       .NegativeSpans(std::vector<Span>{{3, 5}, {0, 2}})
                       .NegativeBuckets(std::vector<double>{4, 2, 0, 0, 0, 9, 10})},
      {.name = "non-overlapping spans",
       .in1 = FH().ZeroThreshold(0.001)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .in2 = FH().ZeroThreshold(0.001)
                  .ZeroCount(8)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {3, 3}})
                  .PositiveBuckets(std::vector<double>{5, 4, 2, 3, 6})
                  .NegativeSpans(std::vector<Span>{{-9, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .expected = FH().ZeroThreshold(0.001)
                       .ZeroCount(19)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{-2, 4}, {0, 6}})
                       .PositiveBuckets(std::vector<double>{1, 0, 5, 4, 3, 4, 7, 2, 3, 6})
                       .NegativeSpans(std::vector<Span>{{-9, 2}, {3, 2}, {5, 2}, {3, 2}})
                       .NegativeBuckets(std::vector<double>{1, 1, 4, 4, 3, 1, 5, 6})},
      {.name = "non-overlapping spans inverted order",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(8)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {3, 3}})
                  .PositiveBuckets(std::vector<double>{5, 4, 2, 3, 6})
                  .NegativeSpans(std::vector<Span>{{-6, 2}, {1, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .in2 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .expected = FH().ZeroThreshold(0.01)
                       .ZeroCount(19)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{-2, 2}, {0, 5}, {0, 3}})
                       .PositiveBuckets(std::vector<double>{1, 0, 5, 4, 3, 4, 7, 2, 3, 6})
                       .NegativeSpans(std::vector<Span>{{-6, 2}, {1, 2}, {4, 2}, {3, 2}})
                       .NegativeBuckets(std::vector<double>{1, 1, 4, 4, 3, 1, 5, 6})},
      {.name = "overlapping spans",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .in2 = FH().ZeroThreshold(0.01)
                  .ZeroCount(8)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{-1, 4}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{5, 4, 2, 3, 6, 2, 5})
                  .NegativeSpans(std::vector<Span>{{4, 2}, {1, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .expected = FH().ZeroThreshold(0.01)
                       .ZeroCount(19)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{-2, 4}, {0, 4}})
                       .PositiveBuckets(std::vector<double>{1, 5, 4, 2, 6, 10, 9, 5})
                       .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                       .NegativeBuckets(std::vector<double>{3, 2, 1, 4, 9, 6})},
      {.name = "overlapping spans inverted order",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(8)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{-1, 4}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{5, 4, 2, 3, 6, 2, 5})
                  .NegativeSpans(std::vector<Span>{{4, 2}, {1, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .in2 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .expected = FH().ZeroThreshold(0.01)
                       .ZeroCount(19)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{-2, 5}, {0, 3}})
                       .PositiveBuckets(std::vector<double>{1, 5, 4, 2, 6, 10, 9, 5})
                       .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                       .NegativeBuckets(std::vector<double>{3, 2, 1, 4, 9, 6})},
      {.name = "schema change",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(8)
                  .Count(21)
                  .Sum(1.234)
                  .Schema(0)
                  .PositiveSpans(std::vector<Span>{{-1, 4}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{5, 4, 2, 3, 6, 2, 5})
                  .NegativeSpans(std::vector<Span>{{4, 2}, {1, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .in2 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .Schema(1)
                  .PositiveSpans(std::vector<Span>{{-4, 3}, {5, 5}})
                  .PositiveBuckets(std::vector<double>{1, 0, 0, 3, 2, 2, 3, 4})
                  .NegativeSpans(std::vector<Span>{{6, 3}, {6, 4}})
                  .NegativeBuckets(std::vector<double>{3, 0.5, 0.5, 2, 3, 2, 4}),
       .expected = FH().ZeroThreshold(0.01)
                       .ZeroCount(19)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{-2, 5}, {0, 3}})
                       .PositiveBuckets(std::vector<double>{1, 5, 4, 2, 6, 10, 9, 5})
                       .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                       .NegativeBuckets(std::vector<double>{3, 2, 1, 4, 9, 6})},
      {.name = "larger zero bucket in first histogram",
       .in1 = FH().ZeroThreshold(1)
                  .ZeroCount(17)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{1, 2}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{2, 3, 6, 2, 5})
                  .NegativeSpans(std::vector<Span>{{4, 2}, {1, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .in2 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .expected = FH().ZeroThreshold(1)
                       .ZeroCount(29)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{1, 2}, {0, 3}})
                       .PositiveBuckets(std::vector<double>{2, 6, 10, 9, 5})
                       .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                       .NegativeBuckets(std::vector<double>{3, 2, 1, 4, 9, 6})},
      {.name = "larger zero bucket in second histogram",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .in2 = FH().ZeroThreshold(1)
                  .ZeroCount(17)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{1, 2}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{2, 3, 6, 2, 5})
                  .NegativeSpans(std::vector<Span>{{4, 2}, {1, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .expected = FH().ZeroThreshold(1)
                       .ZeroCount(29)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{1, 5}})
                       .PositiveBuckets(std::vector<double>{2, 6, 10, 9, 5})
                       .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                       .NegativeBuckets(std::vector<double>{3, 2, 1, 4, 9, 6})},
      {.name = "larger zero threshold in first histogram ends up inside a populated bucket of "
               "second histogram",
       .in1 = FH().ZeroThreshold(0.2)
                  .ZeroCount(17)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{1, 2}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{2, 3, 6, 2, 5})
                  .NegativeSpans(std::vector<Span>{{4, 2}, {1, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .in2 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .expected = FH().ZeroThreshold(0.25)
                       .ZeroCount(29)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{-1, 1}, {1, 5}})
                       .PositiveBuckets(std::vector<double>{0, 2, 6, 10, 9, 5})
                       .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                       .NegativeBuckets(std::vector<double>{3, 2, 1, 4, 9, 6})},
      {.name = "larger zero threshold in second histogram ends up inside a populated bucket of "
               "first histogram",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .in2 = FH().ZeroThreshold(0.2)
                  .ZeroCount(17)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{1, 2}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{2, 3, 6, 2, 5})
                  .NegativeSpans(std::vector<Span>{{4, 2}, {1, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .expected = FH().ZeroThreshold(0.25)
                       .ZeroCount(29)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{1, 5}})
                       .PositiveBuckets(std::vector<double>{2, 6, 10, 9, 5})
                       .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                       .NegativeBuckets(std::vector<double>{3, 2, 1, 4, 9, 6})},
      {.name = "schema change combined with larger zero bucket in second histogram",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(8)
                  .Count(21)
                  .Sum(1.234)
                  .Schema(0)
                  .PositiveSpans(std::vector<Span>{{-2, 5}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{2, 5, 4, 2, 3, 6, 2, 5})
                  .NegativeSpans(std::vector<Span>{{4, 2}, {1, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .in2 = FH().ZeroThreshold(0.25)
                  .ZeroCount(12)
                  .Count(30)
                  .Sum(2.345)
                  .Schema(1)
                  .PositiveSpans(std::vector<Span>{{-3, 2}, {5, 5}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 2, 2, 3, 4})
                  .NegativeSpans(std::vector<Span>{{6, 3}, {6, 4}})
                  .NegativeBuckets(std::vector<double>{3, 0.5, 0.5, 2, 3, 2, 4}),
       .expected = FH().ZeroThreshold(0.25)
                       .ZeroCount(22)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{-1, 7}})
                       .PositiveBuckets(std::vector<double>{6, 4, 2, 6, 10, 9, 5})
                       .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                       .NegativeBuckets(std::vector<double>{3, 2, 1, 4, 9, 6})},
      {.name = "schema change combined with larger zero bucket in first histogram",
       .in1 = FH().ZeroThreshold(0.25)
                  .ZeroCount(8)
                  .Count(21)
                  .Sum(1.234)
                  .Schema(0)
                  .PositiveSpans(std::vector<Span>{{-1, 4}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{5, 4, 2, 3, 6, 2, 5})
                  .NegativeSpans(std::vector<Span>{{4, 2}, {1, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .in2 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .Schema(1)
                  .PositiveSpans(std::vector<Span>{{-4, 3}, {5, 5}})
                  .PositiveBuckets(std::vector<double>{1, 0, 0, 3, 2, 2, 3, 4})
                  .NegativeSpans(std::vector<Span>{{6, 3}, {6, 4}})
                  .NegativeBuckets(std::vector<double>{3, 0.5, 0.5, 2, 3, 2, 4}),
       .expected = FH().ZeroThreshold(0.25)
                       .ZeroCount(20)
                       .Count(51)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{-1, 4}, {0, 3}})
                       .PositiveBuckets(std::vector<double>{5, 4, 2, 6, 10, 9, 5})
                       .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                       .NegativeBuckets(std::vector<double>{3, 2, 1, 4, 9, 6})},
      {.name = "same custom bucket layout",
       .in1 = FH().Schema(CustomBucketsSchema)
                  .Count(15)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5}),
       .in2 = FH().Schema(CustomBucketsSchema)
                  .Count(11)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
                  .PositiveBuckets(std::vector<double>{0, 0, 2, 3, 6})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5}),
       .expected = FH().Schema(CustomBucketsSchema)
                       .Count(26)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
                       .PositiveBuckets(std::vector<double>{1, 0, 5, 7, 13})
                       .CustomValues(std::vector<double>{1, 2, 3, 4, 5})},
      {.name = "same custom bucket layout, defined differently",
       .in1 = FH().Schema(CustomBucketsSchema)
                  .Count(15)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {1, 1}, {0, 2}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5}),
       .in2 = FH().Schema(CustomBucketsSchema)
                  .Count(11)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {1, 2}, {0, 1}})
                  .PositiveBuckets(std::vector<double>{0, 0, 2, 3, 6})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5}),
       .expected = FH().Schema(CustomBucketsSchema)
                       .Count(26)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{0, 2}, {1, 1}, {0, 2}})
                       .PositiveBuckets(std::vector<double>{1, 0, 5, 7, 13})
                       .CustomValues(std::vector<double>{1, 2, 3, 4, 5})},
      {.name = "non-overlapping spans with custom buckets",
       .in1 = FH().Schema(CustomBucketsSchema)
                  .Count(15)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}),
       .in2 = FH().Schema(CustomBucketsSchema)
                  .Count(20)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{2, 2}, {3, 3}})
                  .PositiveBuckets(std::vector<double>{5, 4, 2, 3, 6})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}),
       .expected = FH().Schema(CustomBucketsSchema)
                       .Count(35)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{0, 4}, {0, 6}})
                       .PositiveBuckets(std::vector<double>{1, 0, 5, 4, 3, 4, 7, 2, 3, 6})
                       .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9})},
      {.name = "non-overlapping spans inverted order with custom buckets",
       .in1 = FH().Schema(CustomBucketsSchema)
                  .Count(20)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{2, 2}, {3, 3}})
                  .PositiveBuckets(std::vector<double>{5, 4, 2, 3, 6})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}),
       .in2 = FH().Schema(CustomBucketsSchema)
                  .Count(15)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}),
       .expected = FH().Schema(CustomBucketsSchema)
                       .Count(35)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{0, 4}, {0, 6}})
                       .PositiveBuckets(std::vector<double>{1, 0, 5, 4, 3, 4, 7, 2, 3, 6})
                       .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9})},
      {.name = "overlapping spans with custom buckets",
       .in1 = FH().Schema(CustomBucketsSchema)
                  .Count(15)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7}),
       .in2 = FH().Schema(CustomBucketsSchema)
                  .Count(27)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{1, 4}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{5, 4, 2, 3, 6, 2, 5})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7}),
       .expected = FH().Schema(CustomBucketsSchema)
                       .Count(42)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{0, 4}, {0, 4}})
                       .PositiveBuckets(std::vector<double>{1, 5, 4, 2, 6, 10, 9, 5})
                       .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7})},
      {.name = "overlapping spans inverted order with custom buckets",
       .in1 = FH().Schema(CustomBucketsSchema)
                  .Count(27)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{1, 4}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{5, 4, 2, 3, 6, 2, 5})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7}),
       .in2 = FH().Schema(CustomBucketsSchema)
                  .Count(15)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7}),
       .expected = FH().Schema(CustomBucketsSchema)
                       .Count(42)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{0, 4}, {0, 4}})
                       .PositiveBuckets(std::vector<double>{1, 5, 4, 2, 6, 10, 9, 5})
                       .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7})},
      {.name = "custom buckets with partial intersection",
       .in1 = FH().Schema(CustomBucketsSchema)
                  .Count(10)
                  .Sum(100)
                  .PositiveSpans(std::vector<Span>{{0, 3}})
                  .PositiveBuckets(std::vector<double>{2, 3, 5})
                  .CustomValues(std::vector<double>{1, 2.5}),
       .in2 = FH().Schema(CustomBucketsSchema)
                  .Count(8)
                  .Sum(80)
                  .PositiveSpans(std::vector<Span>{{0, 4}})
                  .PositiveBuckets(std::vector<double>{1, 2, 3, 2})
                  .CustomValues(std::vector<double>{1, 2, 3}),
       .expected = FH().Schema(CustomBucketsSchema)
                       .Count(18)
                       .Sum(180)
                       .PositiveSpans(std::vector<Span>{{0, 2}})
                       .PositiveBuckets(std::vector<double>{3, 15})
                       .CustomValues(std::vector<double>{1}),
       .expNHCBBoundsReconciled = true},
      {.name = "different custom bucket layout - intersection and rollup",
       .in1 = FH().Schema(CustomBucketsSchema)
                  .Count(6)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{0, 1}, {1, 1}})
                  .PositiveBuckets(std::vector<double>{1, 5})
                  .CustomValues(std::vector<double>{2, 4}),
       .in2 = FH().Schema(CustomBucketsSchema)
                  .Count(220)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{0, 2}, {1, 1}, {0, 2}})
                  .PositiveBuckets(std::vector<double>{10, 20, 40, 50, 100})
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5}),
       .expected = FH().Schema(CustomBucketsSchema)
                       .Count(226)
                       .Sum(3.579)
                       .PositiveSpans(std::vector<Span>{{0, 3}})
                       .PositiveBuckets(std::vector<double>{1 + 10 + 20, 40, 5 + 50 + 100})
                       .CustomValues(std::vector<double>{2, 4}),
       .expNHCBBoundsReconciled = true},
      {.name = "custom buckets with no common boundaries except +Inf",
       .in1 = FH().Schema(CustomBucketsSchema)
                  .Count(3)
                  .Sum(50)
                  .PositiveSpans(std::vector<Span>{{0, 2}})
                  .PositiveBuckets(std::vector<double>{1, 2})
                  .CustomValues(std::vector<double>{1.5}),
       .in2 = FH().Schema(CustomBucketsSchema)
                  .Count(30)
                  .Sum(40)
                  .PositiveSpans(std::vector<Span>{{0, 2}})
                  .PositiveBuckets(std::vector<double>{10, 20})
                  .CustomValues(std::vector<double>{2.5}),
       .expected = FH().Schema(CustomBucketsSchema)
                       .Count(33)
                       .Sum(90)
                       .PositiveSpans(std::vector<Span>{{0, 1}})
                       .PositiveBuckets(std::vector<double>{1 + 2 + 10 + 20})
                       .CustomValues(std::nullopt),
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
                  .CustomValues(std::vector<double>{1, 2, 3, 4, 5}),
       .expErrMsg = "cannot apply this operation on histograms with a mix of exponential and "
                    "custom bucket schemas"},
      {.name = "warn on counter reset hint collision",
       .in1 = FH().Schema(CustomBucketsSchema).CounterResetHint(CounterReset),
       .in2 = FH().Schema(CustomBucketsSchema).CounterResetHint(NotCounterReset),
       .expErrMsg = "",
       .expCounterResetCollision = true},
  };
  for (const AddCase& c : cases) {
    SCOPED_TRACE(c.name);
    const bool col = c.expCounterResetCollision, rec = c.expNHCBBoundsReconciled;
    CheckAdd(*c.in1, *c.in2, c.expected, c.expErrMsg, col, rec);
    CheckAdd(*c.in2, *c.in1, c.expected, c.expErrMsg, col, rec);
    CheckKahanAdd(*c.in1, std::nullopt, *c.in2, c.expected, c.expErrMsg, col, rec);
    CheckKahanAdd(*c.in2, std::nullopt, *c.in1, c.expected, c.expErrMsg, col, rec);
  }
}

struct KahanCase {
  std::string name;
  std::optional<FloatHistogram> in1, comp, in2, expectedSum;
  std::string expErrMsg;
  bool expCounterResetCollision = false;
  bool expNHCBBoundsReconciled = false;
};

TEST(FloatHistogram, KahanAddWithCompHistogram) {
  const std::vector<KahanCase> cases = {
      {.name = "larger zero bucket in first histogram",
       .in1 = FH().ZeroThreshold(1)
                  .ZeroCount(17)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{1, 2}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{2, 3, 6, 2, 5})
                  .NegativeSpans(std::vector<Span>{{4, 2}, {1, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .comp = FH().ZeroThreshold(1)
                   .PositiveSpans(std::vector<Span>{{1, 2}, {0, 3}})
                   .PositiveBuckets(std::vector<double>{0.02, 0.03, 0.06, 0.02, 0.05})
                   .NegativeSpans(std::vector<Span>{{4, 2}, {1, 2}})
                   .NegativeBuckets(std::vector<double>{0.01, 0.01, 0.04, 0.04}),
       .in2 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .expectedSum = FH().ZeroThreshold(1)
                          .ZeroCount(29)
                          .Count(51)
                          .Sum(3.579)
                          .PositiveSpans(std::vector<Span>{{1, 2}, {0, 3}})
                          .PositiveBuckets(std::vector<double>{2.02, 6.03, 10.06, 9.02, 5.05})
                          .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                          .NegativeBuckets(std::vector<double>{3, 2.01, 1.01, 4.04, 9.04, 6}),
       .expErrMsg = "",
       .expCounterResetCollision = false,
       .expNHCBBoundsReconciled = false},
      {.name = "smaller zero bucket in first histogram",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(40)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}})
                  .PositiveBuckets(std::vector<double>{1, 2, 3, 4, 7})
                  .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                  .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       .comp = FH().ZeroThreshold(0.01)
                   .ZeroCount(0)
                   .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}})
                   .PositiveBuckets(std::vector<double>{0.02, 0.03, 0.06, 0.07, 0.05})
                   .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                   .NegativeBuckets(std::vector<double>{0.01, 0.01, 0.04, 0.04}),
       .in2 = FH().ZeroThreshold(1)
                  .ZeroCount(17)
                  .Count(11)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{1, 2}, {0, 3}})
                  .PositiveBuckets(std::vector<double>{2, 3, 6, 2, 5})
                  .NegativeSpans(std::vector<Span>{{4, 2}, {1, 2}})
                  .NegativeBuckets(std::vector<double>{1, 1, 4, 4}),
       .expectedSum = FH().ZeroThreshold(1)
                          .ZeroCount(31.05)
                          .Count(51)
                          .Sum(3.579)
                          .PositiveSpans(std::vector<Span>{{1, 5}})
                          .PositiveBuckets(std::vector<double>{2, 6.06, 10.07, 9.05, 5})
                          .NegativeSpans(std::vector<Span>{{3, 3}, {1, 3}})
                          .NegativeBuckets(std::vector<double>{3.01, 2.01, 1, 4, 9.04, 6.04}),
       .expErrMsg = "",
       .expCounterResetCollision = false,
       .expNHCBBoundsReconciled = false},
      {.name = "first histogram contains zero buckets and Compact is called",
       .in1 = FH().ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 1}, {1, 3}})
                  .PositiveBuckets(std::vector<double>{1, 3, 3, 0, 7, -6}),
       .comp = FH().ZeroThreshold(0.01)
                   .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 1}, {1, 3}})
                   .PositiveBuckets(std::vector<double>{7, 2, 0.03, 0, 0.05, 0.06}),
       .in2 = FH().ZeroThreshold(1)
                  .ZeroCount(17)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{1, 2}, {1, 2}})
                  .PositiveBuckets(std::vector<double>{2, 3, 2, 5}),
       .expectedSum = FH().ZeroThreshold(1)
                          .ZeroCount(41)
                          .Count(51)
                          .Sum(3.579)
                          .PositiveSpans(std::vector<Span>{{1, 2}, {1, 2}})
                          .PositiveBuckets(std::vector<double>{5.03, 3, 9.05, -0.94}),
       .expErrMsg = "",
       .expCounterResetCollision = false,
       .expNHCBBoundsReconciled = false},
      {.name = "reduce resolution",
       .in1 = FH().Schema(2)
                  .ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 1}, {1, 3}})
                  .PositiveBuckets(std::vector<double>{1, 3, 1e100, 0, 7, -6}),
       .comp = FH().Schema(2)
                   .ZeroThreshold(0.01)
                   .ZeroCount(1)
                   .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 1}, {1, 3}})
                   .PositiveBuckets(std::vector<double>{7, 2, 0.03, 0, 0.05, 0.06}),
       .in2 = FH().Schema(1)
                  .ZeroThreshold(1)
                  .ZeroCount(17)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{1, 2}, {1, 2}})
                  .PositiveBuckets(std::vector<double>{-1e100, 3, 2, 5}),
       .expectedSum = FH().Schema(1)
                          .ZeroThreshold(1)
                          .ZeroCount(42)
                          .Count(51)
                          .Sum(3.579)
                          .PositiveSpans(std::vector<Span>{{1, 5}})
                          .PositiveBuckets(std::vector<double>{0.03, 10.05, -5.94, 2, 5}),
       .expErrMsg = "",
       .expCounterResetCollision = false,
       .expNHCBBoundsReconciled = false},
      {.name = "reduce resolution of 'other' histogram",
       .in1 = FH().Schema(0)
                  .ZeroThreshold(1)
                  .ZeroCount(17)
                  .Count(21)
                  .Sum(1.234)
                  .PositiveSpans(std::vector<Span>{{1, 2}, {1, 2}})
                  .PositiveBuckets(std::vector<double>{2, 3, 2, 5}),
       .comp = FH().Schema(0)
                   .ZeroThreshold(1)
                   .ZeroCount(1)
                   .PositiveSpans(std::vector<Span>{{1, 2}, {1, 2}})
                   .PositiveBuckets(std::vector<double>{17, 2, 0.03, 0}),
       .in2 = FH().Schema(2)
                  .ZeroThreshold(0.01)
                  .ZeroCount(11)
                  .Count(30)
                  .Sum(2.345)
                  .PositiveSpans(std::vector<Span>{{-2, 3}, {1, 1}, {1, 3}})
                  .PositiveBuckets(std::vector<double>{1e100, 4.1, -1e100, 2.1, 0, 7, -6}),
       .expectedSum = FH().Schema(0)
                          .ZeroThreshold(1)
                          .ZeroCount(33.1)
                          .Count(51)
                          .Sum(3.579)
                          .PositiveSpans(std::vector<Span>{{1, 2}, {1, 2}})
                          .PositiveBuckets(std::vector<double>{21.1, 6, 2.03, 5}),
       .expErrMsg = "",
       .expCounterResetCollision = false,
       .expNHCBBoundsReconciled = false},
      {.name = "warn on counter reset hint collision",
       .in1 = FH().Schema(CustomBucketsSchema).CounterResetHint(CounterReset),
       .in2 = FH().Schema(CustomBucketsSchema).CounterResetHint(NotCounterReset),
       .expErrMsg = "",
       .expCounterResetCollision = true,
       .expNHCBBoundsReconciled = false},
  };
  for (const KahanCase& c : cases) {
    SCOPED_TRACE(c.name);
    CheckKahanAdd(*c.in1, c.comp, *c.in2, c.expectedSum, c.expErrMsg, c.expCounterResetCollision,
                  c.expNHCBBoundsReconciled);
  }
}

}  // namespace
}  // namespace promlet::model::histogram
