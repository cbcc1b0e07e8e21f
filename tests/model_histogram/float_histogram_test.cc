// FloatHistogram: Mul, Div, Copy, CopyTo, CopyToSchema, String and Validate (invalid cases) with
// the case tables of Prometheus' model/histogram/float_histogram_test.go.
#include "model/histogram/float_histogram.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
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
      {"zero multiplier",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       0,
       FH().ZeroThreshold(0.01)
           .ZeroCount(0)
           .Count(0)
           .Sum(0)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{0, 0, 0, 0})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{0, 0, 0, 0})},
      {"no-op",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       1,
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000})},
      {"double",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       2,
       FH().ZeroThreshold(0.01)
           .ZeroCount(11)
           .Count(3493.3 * 2)
           .Sum(2349209.324 * 2)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{2, 6.6, 8.4, 0.2})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{6.2, 6, 1.234e5 * 2, 2000})},
      {"triple",
       FH().ZeroThreshold(0.01)
           .ZeroCount(11)
           .Count(30)
           .Sum(23)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       3,
       FH().ZeroThreshold(0.01)
           .ZeroCount(33)
           .Count(90)
           .Sum(69)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{3, 0, 9, 12, 21})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{9, 3, 15, 18})},
      {"negation",
       FH().ZeroThreshold(0.01)
           .ZeroCount(11)
           .Count(30)
           .Sum(23)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       -1,
       FH().ZeroThreshold(0.01)
           .ZeroCount(-11)
           .Count(-30)
           .Sum(-23)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{-1, 0, -3, -4, -7})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{-3, -1, -5, -6})
           .CounterResetHint(GaugeType)},
      {"negative multiplier",
       FH().ZeroThreshold(0.01)
           .ZeroCount(11)
           .Count(30)
           .Sum(23)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       -2,
       FH().ZeroThreshold(0.01)
           .ZeroCount(-22)
           .Count(-60)
           .Sum(-46)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{-2, 0, -6, -8, -14})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{-6, -2, -10, -12})
           .CounterResetHint(GaugeType)},
      {"no-op with custom buckets",
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3}),
       1,
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3})},
      {"triple with custom buckets",
       FH().Schema(CustomBucketsSchema)
           .Count(30)
           .Sum(23)
           .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       3,
       FH().Schema(CustomBucketsSchema)
           .Count(90)
           .Sum(69)
           .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{3, 0, 9, 12, 21})
           .CustomValues(std::vector<double>{1, 2, 3, 4})},
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
      {"zero divisor",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       0, FH().ZeroThreshold(0.01).Count(kInf).Sum(kInf).ZeroCount(kInf)},
      {"no-op",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       1,
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000})},
      {"half",
       FH().ZeroThreshold(0.01)
           .ZeroCount(11)
           .Count(30)
           .Sum(23)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       2,
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(15)
           .Sum(11.5)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{0.5, 0, 1.5, 2, 3.5})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{1.5, 0.5, 2.5, 3})},
      {"negation",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       -1,
       FH().ZeroThreshold(0.01)
           .ZeroCount(-5.5)
           .Count(-3493.3)
           .Sum(-2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{-1, -3.3, -4.2, -0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{-3.1, -3, -1.234e5, -1000})
           .CounterResetHint(GaugeType)},
      {"negative half",
       FH().ZeroThreshold(0.01)
           .ZeroCount(11)
           .Count(30)
           .Sum(23)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3, 1, 5, 6}),
       -2,
       FH().ZeroThreshold(0.01)
           .ZeroCount(-5.5)
           .Count(-15)
           .Sum(-11.5)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{-0.5, 0, -1.5, -2, -3.5})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{-1.5, -0.5, -2.5, -3})
           .CounterResetHint(GaugeType)},
      {"no-op with custom buckets",
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3}),
       1,
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3})},
      {"half with custom buckets",
       FH().Schema(CustomBucketsSchema)
           .Count(30)
           .Sum(23)
           .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       2,
       FH().Schema(CustomBucketsSchema)
           .Count(15)
           .Sum(11.5)
           .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{0.5, 0, 1.5, 2, 3.5})
           .CustomValues(std::vector<double>{1, 2, 3, 4})},
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
      {.name = "with buckets",
       .orig = FH().PositiveSpans(std::vector<Span>{{-2, 1}})
                   .PositiveBuckets(std::vector<double>{1, 3, -3, 42})
                   .NegativeSpans(std::vector<Span>{{3, 2}})
                   .NegativeBuckets(std::vector<double>{5, 3, 1.234e5, 1000}),
       .expected = FH().PositiveSpans(std::vector<Span>{{-2, 1}})
                       .PositiveBuckets(std::vector<double>{1, 3, -3, 42})
                       .NegativeSpans(std::vector<Span>{{3, 2}})
                       .NegativeBuckets(std::vector<double>{5, 3, 1.234e5, 1000})},
      {.name = "with empty buckets and non empty capacity",
       .orig = FH().PositiveSpans(std::vector<Span>(0))
                   .PositiveBuckets(std::vector<double>(0))
                   .NegativeSpans(std::vector<Span>(0))
                   .NegativeBuckets(std::vector<double>(0)),
       .expected = FH()},
      {.name = "with custom buckets",
       .orig = FH().Schema(CustomBucketsSchema)
                   .PositiveSpans(std::vector<Span>{{0, 1}})
                   .PositiveBuckets(std::vector<double>{1, 3, -3, 42})
                   .CustomValues(std::vector<double>{1, 2, 3}),
       .expected = FH().Schema(CustomBucketsSchema)
                       .PositiveSpans(std::vector<Span>{{0, 1}})
                       .PositiveBuckets(std::vector<double>{1, 3, -3, 42})
                       .CustomValues(std::vector<double>{1, 2, 3})},
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
      {.name = "with buckets",
       .orig = FH().PositiveSpans(std::vector<Span>{{-2, 1}})
                   .PositiveBuckets(std::vector<double>{1, 3, -3, 42})
                   .NegativeSpans(std::vector<Span>{{3, 2}})
                   .NegativeBuckets(std::vector<double>{5, 3, 1.234e5, 1000}),
       .expected = FH().PositiveSpans(std::vector<Span>{{-2, 1}})
                       .PositiveBuckets(std::vector<double>{1, 3, -3, 42})
                       .NegativeSpans(std::vector<Span>{{3, 2}})
                       .NegativeBuckets(std::vector<double>{5, 3, 1.234e5, 1000})},
      {.name = "with empty buckets and non empty capacity",
       .orig = FH().PositiveSpans(std::vector<Span>(0))
                   .PositiveBuckets(std::vector<double>(0))
                   .NegativeSpans(std::vector<Span>(0))
                   .NegativeBuckets(std::vector<double>(0)),
       .expected = FH()},
      {.name = "with custom buckets",
       .orig = FH().Schema(CustomBucketsSchema)
                   .PositiveSpans(std::vector<Span>{{0, 1}})
                   .PositiveBuckets(std::vector<double>{1, 3, -3, 42})
                   .CustomValues(std::vector<double>{1, 2, 3}),
       .expected = FH().Schema(CustomBucketsSchema)
                       .PositiveSpans(std::vector<Span>{{0, 1}})
                       .PositiveBuckets(std::vector<double>{1, 3, -3, 42})
                       .CustomValues(std::vector<double>{1, 2, 3})},
  };
  for (CopyCase c : cases) {
    SCOPED_TRACE(c.name);
    FloatHistogram to = FH().Schema(3)
                            .ZeroThreshold(7)
                            .ZeroCount(1)
                            .NegativeSpans({{1, 1}})
                            .NegativeBuckets({9})
                            .CustomValues({1, 2});
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
      {"no schema change", 1,
       FH().ZeroThreshold(0.01)
           .ZeroCount(11)
           .Count(30)
           .Sum(2.345)
           .Schema(1)
           .PositiveSpans(std::vector<Span>{{-4, 3}, {5, 5}})
           .PositiveBuckets(std::vector<double>{1, 0, 0, 3, 2, 2, 3, 4})
           .NegativeSpans(std::vector<Span>{{6, 3}, {6, 4}})
           .NegativeBuckets(std::vector<double>{3, 0.5, 0.5, 2, 3, 2, 4}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(11)
           .Count(30)
           .Sum(2.345)
           .Schema(1)
           .PositiveSpans(std::vector<Span>{{-4, 3}, {5, 5}})
           .PositiveBuckets(std::vector<double>{1, 0, 0, 3, 2, 2, 3, 4})
           .NegativeSpans(std::vector<Span>{{6, 3}, {6, 4}})
           .NegativeBuckets(std::vector<double>{3, 0.5, 0.5, 2, 3, 2, 4})},
      {"schema change", 0,
       FH().ZeroThreshold(0.01)
           .ZeroCount(11)
           .Count(30)
           .Sum(2.345)
           .Schema(1)
           .PositiveSpans(std::vector<Span>{{-4, 3}, {5, 5}})
           .PositiveBuckets(std::vector<double>{1, 0, 0, 3, 2, 2, 3, 4})
           .NegativeSpans(std::vector<Span>{{6, 3}, {6, 4}})
           .NegativeBuckets(std::vector<double>{3, 0.5, 0.5, 2, 3, 2, 4}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(11)
           .Count(30)
           .Sum(2.345)
           .Schema(0)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3, 4, 7})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3, 1, 5, 6})},
      {"no schema change for custom buckets", CustomBucketsSchema,
       FH().Count(30)
           .Sum(2.345)
           .Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{0, 3}, {5, 5}})
           .PositiveBuckets(std::vector<double>{1, 0, 0, 3, 2, 2, 3, 4})
           .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7}),
       FH().Count(30)
           .Sum(2.345)
           .Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{0, 3}, {5, 5}})
           .PositiveBuckets(std::vector<double>{1, 0, 0, 3, 2, 2, 3, 4})
           .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7})},
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

struct StringCase {
  std::string name;
  FloatHistogram fh;
  std::string expected;
};

TEST(FloatHistogram, String) {
  const std::vector<StringCase> cases = {
      {"exponential histogram",
       FH().Schema(1)
           .ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       "{count:3493.3, sum:2.349209324e+06, [-22.62741699796952,-16):1000, "
       "[-16,-11.31370849898476):123400, [-4,-2.82842712474619):3, [-2.82842712474619,-2):3.1, "
       "[-0.01,0.01]:5.5, (0.35355339059327373,0.5]:1, (1,1.414213562373095]:3.3, "
       "(1.414213562373095,2]:4.2, (2,2.82842712474619]:0.1}"},
      {"custom buckets histogram",
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 1}, {2, 4}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 5})
           .CustomValues(std::vector<double>{1, 2, 5, 10, 15, 20}),
       "{count:3493.3, sum:2.349209324e+06, [-Inf,1]:1, (5,10]:3.3, (10,15]:4.2, (15,20]:0.1, "
       "(20,+Inf]:5}"},
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
      {"positive bucket with negative population",
       FH().Schema(1)
           .ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, -4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000})},
      {"negative bucket with negative population",
       FH().Schema(1)
           .ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, -3, 1.234e5, 1000})},
      {"negative count", FH().Schema(1)
                             .ZeroThreshold(0.01)
                             .ZeroCount(5.5)
                             .Count(-3493.3)
                             .Sum(2349209.324)
                             .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
                             .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
                             .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
                             .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000})},
      {"zero bucket with negative population",
       FH().Schema(1)
           .ZeroThreshold(0.01)
           .ZeroCount(-5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000})},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_FALSE(c.fh.Validate().ok());
  }
}

}  // namespace
}  // namespace promlet::model::histogram
