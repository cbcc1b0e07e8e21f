// FloatHistogram: Mul, Div, Copy, CopyTo, CopyToSchema, DetectReset, Compact, String, Validate
// (negative cases) with the case tables of Prometheus' model/histogram/float_histogram_test.go.
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/histogram/float_histogram.h"
#include "tests/model_histogram/histogram_test_util.h"

namespace promlet::model::histogram {
namespace {

using namespace testutil;  // NOLINT: the builders and Go-named constants of the tables

struct ScaleCase {
  std::string name;
  FloatHistogram in;
  double scale;
  FloatHistogram expected;
};

TEST(FloatHistogram, Mul) {
  const std::vector<ScaleCase> cases = {
    {"zero value", FH(), 3.1415, FH()},
    {"zero multiplier", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), 0, FH().ZeroThreshold(0.01).ZeroCount(0).Count(0).Sum(0).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{0, 0, 0, 0}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{0, 0, 0, 0})},
    {"no-op", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), 1, FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000})},
    {"double", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), 2, FH().ZeroThreshold(0.01).ZeroCount(11).Count(3493.3 * 2).Sum(2349209.324 * 2).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{2, 6.6, 8.4, 0.2}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{6.2, 6, 1.234e5 * 2, 2000})},
    {"triple", FH().ZeroThreshold(0.01).ZeroCount(11).Count(30).Sum(23).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3, 1, 5, 6}), 3, FH().ZeroThreshold(0.01).ZeroCount(33).Count(90).Sum(69).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{3, 0, 9, 12, 21}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{9, 3, 15, 18})},
    {"negation", FH().ZeroThreshold(0.01).ZeroCount(11).Count(30).Sum(23).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3, 1, 5, 6}), -1, FH().ZeroThreshold(0.01).ZeroCount(-11).Count(-30).Sum(-23).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{-1, 0, -3, -4, -7}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{-3, -1, -5, -6}).CounterResetHint(GaugeType)},
    {"negative multiplier", FH().ZeroThreshold(0.01).ZeroCount(11).Count(30).Sum(23).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3, 1, 5, 6}), -2, FH().ZeroThreshold(0.01).ZeroCount(-22).Count(-60).Sum(-46).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{-2, 0, -6, -8, -14}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{-6, -2, -10, -12}).CounterResetHint(GaugeType)},
    {"no-op with custom buckets", FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3}), 1, FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3})},
    {"triple with custom buckets", FH().Schema(CustomBucketsSchema).Count(30).Sum(23).PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7}).CustomValues(std::vector<double>{1, 2, 3, 4}), 3, FH().Schema(CustomBucketsSchema).Count(90).Sum(69).PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{3, 0, 9, 12, 21}).CustomValues(std::vector<double>{1, 2, 3, 4})},
  };
  for (ScaleCase c : cases) {
    SCOPED_TRACE(c.name);
    FloatHistogram& res = c.in.Mul(c.scale);
    EXPECT_TRUE(Same(c.expected, res));
    EXPECT_EQ(&res, &c.in);  // in place
  }
}

TEST(FloatHistogram, Div) {
  const std::vector<ScaleCase> cases = {
    {"zero value", FH(), 3.1415, FH()},
    {"zero divisor", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), 0, FH().ZeroThreshold(0.01).Count(kInf).Sum(kInf).ZeroCount(kInf)},
    {"no-op", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), 1, FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000})},
    {"half", FH().ZeroThreshold(0.01).ZeroCount(11).Count(30).Sum(23).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3, 1, 5, 6}), 2, FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(15).Sum(11.5).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{0.5, 0, 1.5, 2, 3.5}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{1.5, 0.5, 2.5, 3})},
    {"negation", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), -1, FH().ZeroThreshold(0.01).ZeroCount(-5.5).Count(-3493.3).Sum(-2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{-1, -3.3, -4.2, -0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{-3.1, -3, -1.234e5, -1000}).CounterResetHint(GaugeType)},
    {"negative half", FH().ZeroThreshold(0.01).ZeroCount(11).Count(30).Sum(23).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3, 1, 5, 6}), -2, FH().ZeroThreshold(0.01).ZeroCount(-5.5).Count(-15).Sum(-11.5).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{-0.5, 0, -1.5, -2, -3.5}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{-1.5, -0.5, -2.5, -3}).CounterResetHint(GaugeType)},
    {"no-op with custom buckets", FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3}), 1, FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3})},
    {"half with custom buckets", FH().Schema(CustomBucketsSchema).Count(30).Sum(23).PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7}).CustomValues(std::vector<double>{1, 2, 3, 4}), 2, FH().Schema(CustomBucketsSchema).Count(15).Sum(11.5).PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{0.5, 0, 1.5, 2, 3.5}).CustomValues(std::vector<double>{1, 2, 3, 4})},
  };
  for (ScaleCase c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(Same(c.expected, c.in.Div(c.scale)));
  }
}

struct CopyCase {
  std::string name;
  FloatHistogram orig;
  FloatHistogram expected;
};

TEST(FloatHistogram, Copy) {
  const std::vector<CopyCase> cases = {
    {.name = "without buckets", .orig = FH(), .expected = FH()},
    {.name = "with buckets", .orig = FH().PositiveSpans(std::vector<Span>{{-2, 1}}).PositiveBuckets(std::vector<double>{1, 3, -3, 42}).NegativeSpans(std::vector<Span>{{3, 2}}).NegativeBuckets(std::vector<double>{5, 3, 1.234e5, 1000}), .expected = FH().PositiveSpans(std::vector<Span>{{-2, 1}}).PositiveBuckets(std::vector<double>{1, 3, -3, 42}).NegativeSpans(std::vector<Span>{{3, 2}}).NegativeBuckets(std::vector<double>{5, 3, 1.234e5, 1000})},
    {.name = "with empty buckets and non empty capacity", .orig = FH().PositiveSpans(std::vector<Span>(0)).PositiveBuckets(std::vector<double>(0)).NegativeSpans(std::vector<Span>(0)).NegativeBuckets(std::vector<double>(0)), .expected = FH()},
    {.name = "with custom buckets", .orig = FH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 1}}).PositiveBuckets(std::vector<double>{1, 3, -3, 42}).CustomValues(std::vector<double>{1, 2, 3}), .expected = FH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 1}}).PositiveBuckets(std::vector<double>{1, 3, -3, 42}).CustomValues(std::vector<double>{1, 2, 3})},
  };
  for (CopyCase c : cases) {
    SCOPED_TRACE(c.name);
    FloatHistogram copy = c.orig.Copy();
    c.orig.sum++;
    if (!c.orig.positive_buckets.empty()) c.orig.positive_buckets[0]++;
    EXPECT_TRUE(Same(c.expected, copy));  // a deep copy: changing the original does not show
  }
}

TEST(FloatHistogram, CopyTo) {
  const std::vector<CopyCase> cases = {
    {.name = "without buckets", .orig = FH(), .expected = FH()},
    {.name = "with buckets", .orig = FH().PositiveSpans(std::vector<Span>{{-2, 1}}).PositiveBuckets(std::vector<double>{1, 3, -3, 42}).NegativeSpans(std::vector<Span>{{3, 2}}).NegativeBuckets(std::vector<double>{5, 3, 1.234e5, 1000}), .expected = FH().PositiveSpans(std::vector<Span>{{-2, 1}}).PositiveBuckets(std::vector<double>{1, 3, -3, 42}).NegativeSpans(std::vector<Span>{{3, 2}}).NegativeBuckets(std::vector<double>{5, 3, 1.234e5, 1000})},
    {.name = "with empty buckets and non empty capacity", .orig = FH().PositiveSpans(std::vector<Span>(0)).PositiveBuckets(std::vector<double>(0)).NegativeSpans(std::vector<Span>(0)).NegativeBuckets(std::vector<double>(0)), .expected = FH()},
    {.name = "with custom buckets", .orig = FH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 1}}).PositiveBuckets(std::vector<double>{1, 3, -3, 42}).CustomValues(std::vector<double>{1, 2, 3}), .expected = FH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 1}}).PositiveBuckets(std::vector<double>{1, 3, -3, 42}).CustomValues(std::vector<double>{1, 2, 3})},
  };
  for (CopyCase c : cases) {
    SCOPED_TRACE(c.name);
    FloatHistogram to = FH().Schema(3).ZeroThreshold(7).ZeroCount(1).NegativeSpans({{1, 1}}).NegativeBuckets({9}).CustomValues({1, 2});
    c.orig.CopyTo(&to);
    c.orig.sum++;
    EXPECT_TRUE(Same(c.expected, to));
  }
}

struct CopyToSchemaCase {
  std::string name;
  int32_t targetSchema;
  FloatHistogram in, expected;
};

TEST(FloatHistogram, CopyToSchema) {
  const std::vector<CopyToSchemaCase> cases = {
    {"no schema change", 1, FH().ZeroThreshold(0.01).ZeroCount(11).Count(30).Sum(2.345).Schema(1).PositiveSpans(std::vector<Span>{{-4, 3}, {5, 5}}).PositiveBuckets(std::vector<double>{1, 0, 0, 3, 2, 2, 3, 4}).NegativeSpans(std::vector<Span>{{6, 3}, {6, 4}}).NegativeBuckets(std::vector<double>{3, 0.5, 0.5, 2, 3, 2, 4}), FH().ZeroThreshold(0.01).ZeroCount(11).Count(30).Sum(2.345).Schema(1).PositiveSpans(std::vector<Span>{{-4, 3}, {5, 5}}).PositiveBuckets(std::vector<double>{1, 0, 0, 3, 2, 2, 3, 4}).NegativeSpans(std::vector<Span>{{6, 3}, {6, 4}}).NegativeBuckets(std::vector<double>{3, 0.5, 0.5, 2, 3, 2, 4})},
    {"schema change", 0, FH().ZeroThreshold(0.01).ZeroCount(11).Count(30).Sum(2.345).Schema(1).PositiveSpans(std::vector<Span>{{-4, 3}, {5, 5}}).PositiveBuckets(std::vector<double>{1, 0, 0, 3, 2, 2, 3, 4}).NegativeSpans(std::vector<Span>{{6, 3}, {6, 4}}).NegativeBuckets(std::vector<double>{3, 0.5, 0.5, 2, 3, 2, 4}), FH().ZeroThreshold(0.01).ZeroCount(11).Count(30).Sum(2.345).Schema(0).PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3, 1, 5, 6})},
    {"no schema change for custom buckets", CustomBucketsSchema, FH().Count(30).Sum(2.345).Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 3}, {5, 5}}).PositiveBuckets(std::vector<double>{1, 0, 0, 3, 2, 2, 3, 4}).CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7}), FH().Count(30).Sum(2.345).Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 3}, {5, 5}}).PositiveBuckets(std::vector<double>{1, 0, 0, 3, 2, 2, 3, 4}).CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7})},
  };
  for (const CopyToSchemaCase& c : cases) {
    SCOPED_TRACE(c.name);
    FloatHistogram before = c.in;
    absl::StatusOr<FloatHistogram> got = c.in.CopyToSchema(c.targetSchema);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(Same(c.expected, *got));
    EXPECT_TRUE(Same(before, c.in));
  }
  EXPECT_EQ(FloatHistogram(FH().Schema(1)).CopyToSchema(2).status().message(),
            "cannot copy from schema 1 to 2");
  EXPECT_EQ(FloatHistogram(FH().Schema(CustomBucketsSchema)).CopyToSchema(0).status().message(),
            "cannot reduce resolution to 0 when there are custom buckets");
}

struct DetectResetCase {
  std::string name;
  FloatHistogram previous, current;
  bool resetExpected;
};

TEST(FloatHistogram, DetectReset) {
  const std::vector<DetectResetCase> cases = {
    {"zero values", FH(), FH(), false},
    {"no buckets to some buckets", FH(), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"some buckets to no buckets", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH(), true},
    {"one bucket appears, nothing else changes", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"one bucket disappears, nothing else changes", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), true},
    {"an unpopulated bucket disappears, nothing else changes", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"an unpopulated bucket at the end disappears, nothing else changes", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {1, 2}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"an unpopulated bucket disappears in a histogram with nothing else", FH().PositiveSpans(std::vector<Span>{{23, 1}}).PositiveBuckets(std::vector<double>{0}), FH(), false},
    {"zero count goes up", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.6).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"zero count goes down", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.4).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), true},
    {"count goes up", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.4).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"count goes down", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.2).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), true},
    {"sum goes up", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349210).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"sum goes down", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349200).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"one positive bucket goes up", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.3, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"one positive bucket goes down", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.1, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), true},
    {"one negative bucket goes up", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3.1, 1.234e5, 1000}), false},
    {"one negative bucket goes down", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 2.9, 1.234e5, 1000}), true},
    {"zero threshold decreases", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.009).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), true},
    {"zero threshold increases without touching any existing buckets", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.011).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"zero threshold increases enough to cover existing buckets", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(1).ZeroCount(7.73).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{1, 3}}).PositiveBuckets(std::vector<double>{3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"zero threshold increases into the middle of an existing buckets", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.3).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), true},
    {"schema increases without any other changes", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).Schema(0).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).Schema(1).PositiveSpans(std::vector<Span>{{-5, 4}, {2, 6}}).PositiveBuckets(std::vector<double>{0.4, 0.6, 1, 0.23, 2, 1.3, 1.2, 3, 0.05, 0.05}).NegativeSpans(std::vector<Span>{{5, 4}, {6, 4}}).NegativeBuckets(std::vector<double>{2, 1.1, 2, 1, 0.234e5, 1e5, 500, 500}), true},
    {"schema decreases without any other changes", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).Schema(1).PositiveSpans(std::vector<Span>{{-5, 4}, {2, 6}}).PositiveBuckets(std::vector<double>{0.4, 0.6, 1, 0.23, 2, 1.3, 1.2, 3, 0.05, 0.05}).NegativeSpans(std::vector<Span>{{5, 4}, {6, 4}}).NegativeBuckets(std::vector<double>{2, 1.1, 2, 1, 0.234e5, 1e5, 500, 500}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).Schema(0).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"schema decreases and a bucket goes up", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).Schema(1).PositiveSpans(std::vector<Span>{{-5, 4}, {2, 6}}).PositiveBuckets(std::vector<double>{0.4, 0.6, 1, 0.23, 2, 1.3, 1.2, 3, 0.05, 0.05}).NegativeSpans(std::vector<Span>{{5, 4}, {6, 4}}).NegativeBuckets(std::vector<double>{2, 1.1, 2, 1, 0.234e5, 1e5, 500, 500}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).Schema(0).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 4.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), false},
    {"schema decreases and a bucket goes down", FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).Schema(1).PositiveSpans(std::vector<Span>{{-5, 4}, {2, 6}}).PositiveBuckets(std::vector<double>{0.4, 0.6, 1, 0.23, 2, 1.3, 1.2, 3, 0.05, 0.05}).NegativeSpans(std::vector<Span>{{5, 4}, {6, 4}}).NegativeBuckets(std::vector<double>{2, 1.1, 2, 1, 0.234e5, 1e5, 500, 500}), FH().ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).Schema(0).PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 2.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), true},
    {"no buckets to some buckets with custom bounds", FH().Schema(CustomBucketsSchema).CustomValues(std::vector<double>{1, 2, 3}), FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3}), false},
    {"some buckets to no buckets with custom bounds", FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3}), FH().Schema(CustomBucketsSchema).CustomValues(std::vector<double>{1, 2, 3}), true},
    {"one bucket appears, nothing else changes with custom bounds", FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3, 4}), FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3, 4}), false},
    {"one bucket disappears, nothing else changes with custom bounds", FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3, 4}), FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3, 4}), true},
    {"an unpopulated bucket disappears, nothing else changes with custom bounds", FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3, 4}), FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3, 4}), false},
    {"one positive bucket goes up with custom bounds", FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3, 4}), FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.3, 0.1}).CustomValues(std::vector<double>{1, 2, 3, 4}), false},
    {"one positive bucket goes down with custom bounds", FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3, 4}), FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.1, 0.1}).CustomValues(std::vector<double>{1, 2, 3, 4}), true},
    {"mismatched custom bounds - no reset when all buckets increase", FH().Schema(CustomBucketsSchema).Count(200).Sum(1000).PositiveSpans(std::vector<Span>{{0, 4}}).PositiveBuckets(std::vector<double>{20, 35, 40, 50}).CustomValues(std::vector<double>{0, 1, 2, 3}), FH().Schema(CustomBucketsSchema).Count(200).Sum(1000).PositiveSpans(std::vector<Span>{{0, 5}}).PositiveBuckets(std::vector<double>{25, 15, 40, 50, 70}).CustomValues(std::vector<double>{0, 0.5, 1, 2, 3}), false},
    {"mismatched custom bounds - reset in middle bucket", FH().Schema(CustomBucketsSchema).Count(100).Sum(500).PositiveSpans(std::vector<Span>{{1, 4}}).PositiveBuckets(std::vector<double>{10, 15, 20, 25}).CustomValues(std::vector<double>{0, 1, 3, 5}), FH().Schema(CustomBucketsSchema).Count(100).Sum(500).PositiveSpans(std::vector<Span>{{1, 5}}).PositiveBuckets(std::vector<double>{10, 16, 10, 5, 25}).CustomValues(std::vector<double>{0, 1, 2, 3, 5}), true},
    {"mismatched custom bounds - reset in last bucket", FH().Schema(CustomBucketsSchema).Count(100).Sum(500).PositiveSpans(std::vector<Span>{{1, 3}}).PositiveBuckets(std::vector<double>{10, 20, 20}).CustomValues(std::vector<double>{0, 1, 2}), FH().Schema(CustomBucketsSchema).Count(100).Sum(500).PositiveSpans(std::vector<Span>{{1, 4}}).PositiveBuckets(std::vector<double>{100, 200, 8, 7}).CustomValues(std::vector<double>{0, 1, 2, 3}), true},
    {"mismatched custom bounds - no common bounds", FH().Schema(CustomBucketsSchema).Count(100).Sum(500).PositiveSpans(std::vector<Span>{{1, 3}}).PositiveBuckets(std::vector<double>{10, 20, 30}).CustomValues(std::vector<double>{4, 5, 6}), FH().Schema(CustomBucketsSchema).Count(100).Sum(500).PositiveSpans(std::vector<Span>{{1, 3}}).PositiveBuckets(std::vector<double>{15, 25, 35}).CustomValues(std::vector<double>{1, 2, 3}), false},
    {"mismatched custom bounds - sparse common bounds", FH().Schema(CustomBucketsSchema).Count(200).Sum(1000).PositiveSpans(std::vector<Span>{{0, 4}}).PositiveBuckets(std::vector<double>{10, 20, 30, 40}).CustomValues(std::vector<double>{0, 1, 3, 5}), FH().Schema(CustomBucketsSchema).Count(200).Sum(1000).PositiveSpans(std::vector<Span>{{0, 5}}).PositiveBuckets(std::vector<double>{15, 25, 70, 50, 100}).CustomValues(std::vector<double>{0, 2, 3, 4, 5}), false},
    {"reset detected with mismatched custom bounds and split bucket spans", FH().Schema(CustomBucketsSchema).Count(200).Sum(1000).PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}}).PositiveBuckets(std::vector<double>{10, 20, 30, 40, 50}).CustomValues(std::vector<double>{0, 1, 2, 3, 4, 5}), FH().Schema(CustomBucketsSchema).Count(200).Sum(1000).PositiveSpans(std::vector<Span>{{0, 3}, {1, 2}}).PositiveBuckets(std::vector<double>{15, 25, 35, 25, 60}).CustomValues(std::vector<double>{0, 1, 3, 4, 5, 7}), true},
    {"no reset with mismatched custom bounds and split bucket spans", FH().Schema(CustomBucketsSchema).Count(300).Sum(1500).PositiveSpans(std::vector<Span>{{0, 2}, {2, 3}}).PositiveBuckets(std::vector<double>{10, 20, 30, 40, 50}).CustomValues(std::vector<double>{0, 1, 2, 3, 4, 5, 6}), FH().Schema(CustomBucketsSchema).Count(300).Sum(1500).PositiveSpans(std::vector<Span>{{0, 3}, {1, 2}}).PositiveBuckets(std::vector<double>{12, 25, 45, 75, 95}).CustomValues(std::vector<double>{0, 0.5, 1, 3, 5, 7}), false},
    {"reset when a populated bucket following an empty one disappears", FH().ZeroThreshold(0.001).Count(10).PositiveSpans(std::vector<Span>{{0, 1}}).PositiveBuckets(std::vector<double>{5}).NegativeSpans(std::vector<Span>{{1, 2}}).NegativeBuckets(std::vector<double>{0, 5}), FH().ZeroThreshold(0.001).Count(20).PositiveSpans(std::vector<Span>{{0, 1}}).PositiveBuckets(std::vector<double>{20}), true},
    {"reset when current ends before a later populated previous bucket", FH().ZeroThreshold(0.001).Count(7).PositiveSpans(std::vector<Span>{{0, 3}}).PositiveBuckets(std::vector<double>{2, 0, 5}), FH().ZeroThreshold(0.001).Count(100).PositiveSpans(std::vector<Span>{{0, 1}}).PositiveBuckets(std::vector<double>{100}), true},
  };
  for (const DetectResetCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.resetExpected, c.current.DetectReset(c.previous));
  }
}

struct CompactCase {
  std::string name;
  FloatHistogram in;
  int maxEmptyBuckets;
  FloatHistogram expected;
};

TEST(FloatHistogram, Compact) {
  const std::vector<CompactCase> cases = {
    {"empty histogram", FH(), 0, FH()},
    {"nothing should happen", FH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), 0, FH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000})},
    {"eliminate zero offsets", FH().PositiveSpans(std::vector<Span>{{-2, 1}, {0, 3}, {0, 1}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {0, 2}, {2, 1}, {0, 1}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4}), 0, FH().PositiveSpans(std::vector<Span>{{-2, 5}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 4}, {2, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4})},
    {"eliminate zero length", FH().PositiveSpans(std::vector<Span>{{-2, 2}, {2, 0}, {3, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {0, 0}, {2, 0}, {1, 4}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4}), 0, FH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4})},
    {"eliminate multiple zero length spans", FH().PositiveSpans(std::vector<Span>{{-2, 2}, {2, 0}, {2, 0}, {2, 0}, {3, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}), 0, FH().PositiveSpans(std::vector<Span>{{-2, 2}, {9, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})},
    {"cut empty buckets at start or end", FH().PositiveSpans(std::vector<Span>{{-4, 4}, {5, 3}}).PositiveBuckets(std::vector<double>{0, 0, 1, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4, 0}), 0, FH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4})},
    {"cut empty buckets at start and end", FH().PositiveSpans(std::vector<Span>{{-4, 4}, {5, 6}}).PositiveBuckets(std::vector<double>{0, 0, 1, 3.3, 4.2, 0.1, 3.3, 0, 0, 0}).NegativeSpans(std::vector<Span>{{-2, 4}, {3, 5}}).NegativeBuckets(std::vector<double>{0, 0, 3.1, 3, 1.234e5, 1000, 3, 4, 0}), 0, FH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4})},
    {"cut empty buckets in the middle", FH().PositiveSpans(std::vector<Span>{{5, 4}}).PositiveBuckets(std::vector<double>{1, 3, 0, 2}), 0, FH().PositiveSpans(std::vector<Span>{{.offset = 5, .length = 2}, {.offset = 1, .length = 1}}).PositiveBuckets(std::vector<double>{1, 3, 2})},
    {"cut empty buckets at start or end of spans, even in the middle", FH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 6}}).PositiveBuckets(std::vector<double>{0, 0, 1, 3.3, 0, 0, 4.2, 0.1, 3.3, 0, 0, 0}).NegativeSpans(std::vector<Span>{{0, 2}, {2, 6}}).NegativeBuckets(std::vector<double>{3.1, 3, 0, 1.234e5, 1000, 3, 4, 0}), 0, FH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4})},
    {"cut empty buckets at start and end - also merge spans due to maxEmptyBuckets", FH().PositiveSpans(std::vector<Span>{{-4, 4}, {5, 3}}).PositiveBuckets(std::vector<double>{0, 0, 1, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4, 0}), 10, FH().PositiveSpans(std::vector<Span>{{-2, 10}}).PositiveBuckets(std::vector<double>{1, 3.3, 0, 0, 0, 0, 0, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 9}}).NegativeBuckets(std::vector<double>{3.1, 3, 0, 0, 0, 1.234e5, 1000, 3, 4})},
    {"cut empty buckets from the middle of a span", FH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}}).PositiveBuckets(std::vector<double>{0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 0, 3, 4}), 0, FH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 1}, {3, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 2}, {1, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4})},
    {"cut out a span containing only empty buckets", FH().PositiveSpans(std::vector<Span>{{-4, 3}, {2, 2}, {3, 4}}).PositiveBuckets(std::vector<double>{0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3}), 0, FH().PositiveSpans(std::vector<Span>{{-2, 1}, {7, 4}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})},
    {"cut empty buckets from the middle of a span, avoiding none due to maxEmptyBuckets", FH().PositiveSpans(std::vector<Span>{{-2, 4}}).PositiveBuckets(std::vector<double>{1, 0, 0, 3.3}), 1, FH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 1}}).PositiveBuckets(std::vector<double>{1, 3.3})},
    {"cut empty buckets and merge spans due to maxEmptyBuckets", FH().PositiveSpans(std::vector<Span>{{-2, 4}, {3, 1}}).PositiveBuckets(std::vector<double>{1, 0, 0, 3.3, 4.2}), 1, FH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 1}, {3, 1}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2})},
    {"cut empty buckets from the middle of a span, avoiding some due to maxEmptyBuckets", FH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}, {10, 2}}).PositiveBuckets(std::vector<double>{0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3, 2, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 0, 3, 4}), 1, FH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 1}, {3, 3}, {10, 2}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3, 2, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 0, 3, 4})},
    {"avoiding all cutting of empty buckets from the middle of a chunk due to maxEmptyBuckets", FH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}}).PositiveBuckets(std::vector<double>{0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 0, 3, 4}), 2, FH().PositiveSpans(std::vector<Span>{{-2, 4}, {3, 3}}).PositiveBuckets(std::vector<double>{1, 0, 0, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 0, 3, 4})},
    {"everything merged into one span due to maxEmptyBuckets", FH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}}).PositiveBuckets(std::vector<double>{0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 0, 3, 4}), 3, FH().PositiveSpans(std::vector<Span>{{-2, 10}}).PositiveBuckets(std::vector<double>{1, 0, 0, 3.3, 0, 0, 0, 4.2, 0.1, 3.3}).NegativeSpans(std::vector<Span>{{0, 10}}).NegativeBuckets(std::vector<double>{3.1, 3, 0, 0, 0, 1.234e5, 1000, 0, 3, 4})},
    {"more than one span merged in the same pass", FH().PositiveSpans(std::vector<Span>{{-2, 2}, {2, 2}, {2, 2}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3, 2}).NegativeSpans(std::vector<Span>{{0, 1}, {1, 1}, {1, 1}}).NegativeBuckets(std::vector<double>{3.1, 1000, 4}), 3, FH().PositiveSpans(std::vector<Span>{{-2, 10}}).PositiveBuckets(std::vector<double>{1, 3.3, 0, 0, 4.2, 0.1, 0, 0, 3.3, 2}).NegativeSpans(std::vector<Span>{{0, 5}}).NegativeBuckets(std::vector<double>{3.1, 0, 1000, 0, 4})},
    {"only empty buckets and maxEmptyBuckets greater zero", FH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}}).PositiveBuckets(std::vector<double>{0, 0, 0, 0, 0, 0, 0, 0, 0}).NegativeSpans(std::vector<Span>{{0, 7}}).NegativeBuckets(std::vector<double>{0, 0, 0, 0, 0, 0, 0}), 3, FH().PositiveSpans(std::vector<Span>{}).PositiveBuckets(std::vector<double>{}).NegativeSpans(std::vector<Span>{}).NegativeBuckets(std::vector<double>{})},
    {"multiple spans of only empty buckets", FH().PositiveSpans(std::vector<Span>{{-10, 2}, {2, 1}, {3, 3}}).PositiveBuckets(std::vector<double>{0, 0, 0, 0, 2, 3}).NegativeSpans(std::vector<Span>{{-10, 2}, {2, 1}, {3, 3}}).NegativeBuckets(std::vector<double>{2, 3, 0, 0, 0, 0}), 0, FH().PositiveSpans(std::vector<Span>{{-1, 2}}).PositiveBuckets(std::vector<double>{2, 3}).NegativeSpans(std::vector<Span>{{-10, 2}}).NegativeBuckets(std::vector<double>{2, 3})},
    {"nothing should happen with custom buckets", FH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3}), 0, FH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).CustomValues(std::vector<double>{1, 2, 3})},
    {"eliminate zero offsets with custom buckets", FH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 1}, {0, 3}, {0, 1}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).CustomValues(std::vector<double>{1, 2, 3, 4}), 0, FH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 5}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).CustomValues(std::vector<double>{1, 2, 3, 4})},
    {"eliminate multiple zero length spans with custom buckets", FH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 2}, {2, 0}, {2, 0}, {2, 0}, {3, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).CustomValues(std::vector<double>{1, 2, 3, 4}), 0, FH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 2}, {9, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).CustomValues(std::vector<double>{1, 2, 3, 4})},
    {"cut empty buckets at start and end with custom buckets", FH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{0, 4}, {5, 6}}).PositiveBuckets(std::vector<double>{0, 0, 1, 3.3, 4.2, 0.1, 3.3, 0, 0, 0}).CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}), 0, FH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{2, 2}, {5, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}).CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9})},
  };
  for (CompactCase c : cases) {
    SCOPED_TRACE(c.name);
    const bool was_valid = c.in.Validate().ok();
    EXPECT_TRUE(Same(c.expected, c.in.Compact(c.maxEmptyBuckets)));
    if (was_valid) {
      EXPECT_TRUE(c.in.Validate().ok()) << "Compact made a valid histogram invalid";
    }
  }
}

struct StringCase {
  std::string name;
  FloatHistogram fh;
  std::string expected;
};

TEST(FloatHistogram, String) {
  const std::vector<StringCase> cases = {
    {"exponential histogram", FH().Schema(1).ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}), "{count:3493.3, sum:2.349209324e+06, [-22.62741699796952,-16):1000, [-16,-11.31370849898476):123400, [-4,-2.82842712474619):3, [-2.82842712474619,-2):3.1, [-0.01,0.01]:5.5, (0.35355339059327373,0.5]:1, (1,1.414213562373095]:3.3, (1.414213562373095,2]:4.2, (2,2.82842712474619]:0.1}"},
    {"custom buckets histogram", FH().Schema(CustomBucketsSchema).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{0, 1}, {2, 4}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 5}).CustomValues(std::vector<double>{1, 2, 5, 10, 15, 20}), "{count:3493.3, sum:2.349209324e+06, [-Inf,1]:1, (5,10]:3.3, (10,15]:4.2, (15,20]:0.1, (20,+Inf]:5}"},
  };
  for (const StringCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(c.fh.Validate().ok()) << c.fh.Validate();
    EXPECT_EQ(c.expected, c.fh.String());
  }
}

struct InvalidCase {
  std::string name;
  FloatHistogram fh;
};

TEST(FloatHistogram, ValidateNegativeHistogram) {
  const std::vector<InvalidCase> cases = {
    {"positive bucket with negative population", FH().Schema(1).ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, -4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000})},
    {"negative bucket with negative population", FH().Schema(1).ZeroThreshold(0.01).ZeroCount(5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, -3, 1.234e5, 1000})},
    {"negative count", FH().Schema(1).ZeroThreshold(0.01).ZeroCount(5.5).Count(-3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000})},
    {"zero bucket with negative population", FH().Schema(1).ZeroThreshold(0.01).ZeroCount(-5.5).Count(3493.3).Sum(2349209.324).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000})},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_FALSE(c.fh.Validate().ok());
  }
}

}  // namespace
}  // namespace promlet::model::histogram
