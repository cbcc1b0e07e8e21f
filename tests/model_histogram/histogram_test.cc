// Histogram (integer, delta-encoded): String, ToFloat, Copy, CopyTo and Compact with the case
// tables of Prometheus' model/histogram/histogram_test.go.
#include "model/histogram/histogram.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/model_histogram/histogram_test_util.h"

namespace promlet::model::histogram {
namespace {

using namespace testutil;  // NOLINT: the builders and Go-named constants of the tables

struct StringCase {
  Histogram histogram;
  std::string expectedString;
};

TEST(Histogram, String) {
  const std::vector<StringCase> cases = {
      {.histogram = IH().Schema(0), .expectedString = "{count:0, sum:0}"},
      {.histogram = IH().Schema(0)
                        .Count(9)
                        .Sum(-3.1415)
                        .ZeroCount(12)
                        .ZeroThreshold(0.001)
                        .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 5},
                                                         {.offset = 1, .length = 1}})
                        .NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}),
       .expectedString = "{count:9, sum:-3.1415, [-64,-32):1, [-16,-8):1, [-8,-4):2, [-4,-2):1, "
                         "[-2,-1):3, [-1,-0.5):1, [-0.001,0.001]:12}"},
      {.histogram = IH().Schema(0)
                        .Count(19)
                        .Sum(2.7)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                         {.offset = 0, .length = 0},
                                                         {.offset = 0, .length = 3}})
                        .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 0})
                        .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 5},
                                                         {.offset = 1, .length = 0},
                                                         {.offset = 0, .length = 1}})
                        .NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}),
       .expectedString =
           "{count:19, sum:2.7, [-64,-32):1, [-16,-8):1, [-8,-4):2, [-4,-2):1, [-2,-1):3, "
           "[-1,-0.5):1, (0.5,1]:1, (1,2]:3, (2,4]:1, (4,8]:2, (8,16]:1, (16,32]:1, (32,64]:1}"},
      {.histogram = IH().Schema(CustomBucketsSchema)
                        .Count(19)
                        .Sum(2.7)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                         {.offset = 0, .length = 0},
                                                         {.offset = 0, .length = 3}})
                        .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 0})
                        .CustomValues(std::vector<double>{1, 2, 5, 10, 15, 20, 25, 50}),
       .expectedString = "{count:19, sum:2.7, [-Inf,1]:1, (1,2]:3, (2,5]:1, (5,10]:2, (10,15]:1, "
                         "(15,20]:1, (20,25]:1}"},
  };
  for (const StringCase& c : cases) EXPECT_EQ(c.expectedString, c.histogram.String());
}

TEST(Histogram, ToFloat) {
  const Histogram h = IH().Schema(3)
                          .Count(61)
                          .Sum(2.7)
                          .ZeroThreshold(0.1)
                          .ZeroCount(42)
                          .PositiveSpans({{0, 4}, {0, 0}, {0, 3}})
                          .PositiveBuckets({1, 2, -2, 1, -1, 0, 0})
                          .NegativeSpans({{0, 4}, {0, 0}, {0, 3}})
                          .NegativeBuckets({1, 2, -2, 1, -1, 0, 0});
  const FloatHistogram want = FH().Schema(3)
                                  .Count(61)
                                  .Sum(2.7)
                                  .ZeroThreshold(0.1)
                                  .ZeroCount(42)
                                  .PositiveSpans({{0, 4}, {0, 0}, {0, 3}})
                                  .PositiveBuckets({1, 3, 1, 2, 1, 1, 1})
                                  .NegativeSpans({{0, 4}, {0, 0}, {0, 3}})
                                  .NegativeBuckets({1, 3, 1, 2, 1, 1, 1});
  EXPECT_TRUE(Same(want, h.ToFloat()));
  // Reusing a float histogram with other contents gives the same.
  FloatHistogram reused = FH().Schema(CustomBucketsSchema)
                              .CustomValues({1, 2})
                              .PositiveBuckets({9, 9, 9, 9, 9, 9, 9, 9, 9});
  h.ToFloat(&reused);
  EXPECT_TRUE(Same(want, reused));
  EXPECT_EQ(h.String(), reused.String());

  const Histogram custom = IH().Schema(CustomBucketsSchema)
                               .Count(10)
                               .Sum(2.7)
                               .PositiveSpans({{0, 4}, {0, 0}, {0, 3}})
                               .PositiveBuckets({1, 2, -2, 1, -1, 0, 0})
                               .CustomValues({5, 10, 20, 50, 100, 500});
  const FloatHistogram custom_want = FH().Schema(CustomBucketsSchema)
                                         .Count(10)
                                         .Sum(2.7)
                                         .PositiveSpans({{0, 4}, {0, 0}, {0, 3}})
                                         .PositiveBuckets({1, 3, 1, 2, 1, 1, 1})
                                         .CustomValues({5, 10, 20, 50, 100, 500});
  FloatHistogram with_negatives =
      FH().ZeroThreshold(1).ZeroCount(3).NegativeSpans({{0, 1}}).NegativeBuckets({1});
  custom.ToFloat(&with_negatives);
  EXPECT_TRUE(Same(custom_want, with_negatives));
  EXPECT_EQ(custom.String(), with_negatives.String());
}

struct CopyCase {
  std::string name;
  Histogram orig;
  Histogram expected;
};

TEST(Histogram, Copy) {
  const std::vector<CopyCase> cases = {
      {.name = "without buckets", .orig = IH(), .expected = IH()},
      {.name = "with buckets",
       .orig =
           IH().PositiveSpans(std::vector<Span>{{-2, 1}})
               .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42})
               .NegativeSpans(std::vector<Span>{{3, 2}})
               .NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000}),
       .expected =
           IH().PositiveSpans(std::vector<Span>{{-2, 1}})
               .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42})
               .NegativeSpans(std::vector<Span>{{3, 2}})
               .NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000})},
      {.name = "with empty buckets and non empty capacity",
       .orig = IH().PositiveSpans(std::vector<Span>(0))
                   .PositiveBuckets(std::vector<int64_t>(0))
                   .NegativeSpans(std::vector<Span>(0))
                   .NegativeBuckets(std::vector<int64_t>(0)),
       .expected = IH()},
      {.name = "with custom buckets",
       .orig = IH().Schema(CustomBucketsSchema)
                   .PositiveSpans(std::vector<Span>{{-2, 1}})
                   .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42})
                   .CustomValues(std::vector<double>{5, 10, 15}),
       .expected = IH().Schema(CustomBucketsSchema)
                       .PositiveSpans(std::vector<Span>{{-2, 1}})
                       .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42})
                       .CustomValues(std::vector<double>{5, 10, 15})},
  };
  for (CopyCase c : cases) {
    SCOPED_TRACE(c.name);
    Histogram copy = c.orig.Copy();
    c.orig.sum++;
    if (!c.orig.positive_buckets.empty()) c.orig.positive_buckets[0]++;
    EXPECT_TRUE(Same(c.expected, copy));
  }
}

TEST(Histogram, CopyTo) {
  const std::vector<CopyCase> cases = {
      {.name = "without buckets", .orig = IH(), .expected = IH()},
      {.name = "with buckets",
       .orig =
           IH().PositiveSpans(std::vector<Span>{{-2, 1}})
               .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42})
               .NegativeSpans(std::vector<Span>{{3, 2}})
               .NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000}),
       .expected =
           IH().PositiveSpans(std::vector<Span>{{-2, 1}})
               .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42})
               .NegativeSpans(std::vector<Span>{{3, 2}})
               .NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000})},
      {.name = "with empty buckets and non empty capacity",
       .orig = IH().PositiveSpans(std::vector<Span>(0))
                   .PositiveBuckets(std::vector<int64_t>(0))
                   .NegativeSpans(std::vector<Span>(0))
                   .NegativeBuckets(std::vector<int64_t>(0)),
       .expected = IH()},
      {.name = "with custom buckets",
       .orig = IH().Schema(CustomBucketsSchema)
                   .PositiveSpans(std::vector<Span>{{-2, 1}})
                   .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42})
                   .CustomValues(std::vector<double>{5, 10, 15}),
       .expected = IH().Schema(CustomBucketsSchema)
                       .PositiveSpans(std::vector<Span>{{-2, 1}})
                       .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42})
                       .CustomValues(std::vector<double>{5, 10, 15})},
  };
  for (CopyCase c : cases) {
    SCOPED_TRACE(c.name);
    Histogram to = IH().Schema(2)
                       .ZeroThreshold(3)
                       .ZeroCount(4)
                       .NegativeSpans({{1, 1}})
                       .NegativeBuckets({5})
                       .CustomValues({1});
    c.orig.CopyTo(&to);
    c.orig.sum++;
    EXPECT_TRUE(Same(c.expected, to));
  }
}

struct CompactCase {
  std::string name;
  Histogram in;
  int maxEmptyBuckets;
  Histogram expected;
};

TEST(Histogram, Compact) {
  const std::vector<CompactCase> cases = {
      {"empty histogram", IH(), 0, IH()},
      {"nothing should happen",
       IH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000}),
       0,
       IH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000})},
      {"eliminate zero offsets",
       IH().PositiveSpans(std::vector<Span>{{-2, 1}, {0, 3}, {0, 1}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {0, 2}, {2, 1}, {0, 1}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000, 3, 4}),
       0,
       IH().PositiveSpans(std::vector<Span>{{-2, 5}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 4}, {2, 2}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000, 3, 4})},
      {"eliminate zero length",
       IH().PositiveSpans(std::vector<Span>{{-2, 2}, {2, 0}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {0, 0}, {2, 0}, {1, 4}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000, 3, 4}),
       0,
       IH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000, 3, 4})},
      {"eliminate multiple zero length spans",
       IH().PositiveSpans(std::vector<Span>{{-2, 2}, {2, 0}, {2, 0}, {2, 0}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}),
       0,
       IH().PositiveSpans(std::vector<Span>{{-2, 2}, {9, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})},
      {"cut empty buckets at start or end",
       IH().PositiveSpans(std::vector<Span>{{-4, 4}, {5, 3}})
           .PositiveBuckets(std::vector<int64_t>{0, 0, 1, 3, -3, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, 3, 4, -9}),
       0,
       IH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, 3, 4})},
      {"cut empty buckets at start and end",
       IH().PositiveSpans(std::vector<Span>{{-4, 4}, {5, 6}})
           .PositiveBuckets(std::vector<int64_t>{0, 0, 1, 3, -3, 42, 3, -46, 0, 0})
           .NegativeSpans(std::vector<Span>{{-2, 4}, {3, 5}})
           .NegativeBuckets(std::vector<int64_t>{0, 0, 5, 3, -4, -2, 3, 4, -9}),
       0,
       IH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, 3, 4})},
      {"cut empty buckets at start or end of spans, even in the middle",
       IH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 6}})
           .PositiveBuckets(std::vector<int64_t>{0, 0, 1, 3, -4, 0, 1, 42, 3, -46, 0, 0})
           .NegativeSpans(std::vector<Span>{{0, 2}, {2, 6}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -8, 4, -2, 3, 4, -9}),
       0,
       IH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, 3, 4})},
      {"cut empty buckets at start or end but merge spans due to maxEmptyBuckets",
       IH().PositiveSpans(std::vector<Span>{{-4, 4}, {5, 3}})
           .PositiveBuckets(std::vector<int64_t>{0, 0, 1, 3, -3, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, 3, 4, -9}),
       10,
       IH().PositiveSpans(std::vector<Span>{{-2, 10}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -4, 0, 0, 0, 0, 1, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 9}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -8, 0, 0, 4, -2, 3, 4})},
      {"cut empty buckets from the middle of a span",
       IH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{0, 0, 1, -1, 0, 3, -2, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, -2, 3, 4}),
       0,
       IH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 1}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 2}, {1, 2}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, 1, 4})},
      {"cut out a span containing only empty buckets",
       IH().PositiveSpans(std::vector<Span>{{-4, 3}, {2, 2}, {3, 4}})
           .PositiveBuckets(std::vector<int64_t>{0, 0, 1, -1, 0, 3, -2, 42, 3}),
       0,
       IH().PositiveSpans(std::vector<Span>{{-2, 1}, {7, 4}})
           .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 42, 3})},
      {"cut empty buckets from the middle of a span, avoiding some due to maxEmptyBuckets",
       IH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{0, 0, 1, -1, 0, 3, -2, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, -2, 3, 4}),
       1,
       IH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 1}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, -2, 3, 4})},
      {"avoiding all cutting of empty buckets from the middle of a chunk due to maxEmptyBuckets",
       IH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{0, 0, 1, -1, 0, 3, -2, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, -2, 3, 4}),
       2,
       IH().PositiveSpans(std::vector<Span>{{-2, 4}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, -1, 0, 3, -2, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, -2, 3, 4})},
      {"everything merged into one span due to maxEmptyBuckets",
       IH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{0, 0, 1, -1, 0, 3, -2, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, -2, 3, 4}),
       3,
       IH().PositiveSpans(std::vector<Span>{{-2, 10}})
           .PositiveBuckets(std::vector<int64_t>{1, -1, 0, 3, -3, 0, 0, 1, 42, 3})
           .NegativeSpans(std::vector<Span>{{0, 10}})
           .NegativeBuckets(std::vector<int64_t>{5, 3, -8, 0, 0, 4, -2, -2, 3, 4})},
      {"more than one span merged in the same pass",
       IH().Count(30)
           .PositiveSpans(std::vector<Span>{{0, 2}, {2, 2}, {2, 2}})
           .PositiveBuckets(std::vector<int64_t>{1, 1, 1, 1, 1, 1})
           .NegativeSpans(std::vector<Span>{{0, 1}, {1, 1}, {1, 1}})
           .NegativeBuckets(std::vector<int64_t>{2, 1, 1}),
       3,
       IH().Count(30)
           .PositiveSpans(std::vector<Span>{{0, 10}})
           .PositiveBuckets(std::vector<int64_t>{1, 1, -2, 0, 3, 1, -4, 0, 5, 1})
           .NegativeSpans(std::vector<Span>{{0, 5}})
           .NegativeBuckets(std::vector<int64_t>{2, -2, 3, -3, 4})},
      {"only empty buckets and maxEmptyBuckets greater zero",
       IH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 0, 0})
           .NegativeSpans(std::vector<Span>{{0, 7}})
           .NegativeBuckets(std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0}),
       3,
       IH().PositiveSpans(std::vector<Span>{})
           .PositiveBuckets(std::vector<int64_t>{})
           .NegativeSpans(std::vector<Span>{})
           .NegativeBuckets(std::vector<int64_t>{})},
      {"multiple spans of only empty buckets",
       IH().PositiveSpans(std::vector<Span>{{-10, 2}, {2, 1}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{0, 0, 0, 0, 2, 3})
           .NegativeSpans(std::vector<Span>{{-10, 2}, {2, 1}, {3, 3}})
           .NegativeBuckets(std::vector<int64_t>{2, 3, -5, 0, 0, 0}),
       0,
       IH().PositiveSpans(std::vector<Span>{{-1, 2}})
           .PositiveBuckets(std::vector<int64_t>{2, 3})
           .NegativeSpans(std::vector<Span>{{-10, 2}})
           .NegativeBuckets(std::vector<int64_t>{2, 3})},
      {"nothing should happen with custom buckets",
       IH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42})
           .CustomValues(std::vector<double>{5, 10, 15}),
       0,
       IH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42})
           .CustomValues(std::vector<double>{5, 10, 15})},
      {"eliminate zero offsets with custom buckets",
       IH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {0, 3}, {0, 1}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .CustomValues(std::vector<double>{5, 10, 15, 20}),
       0,
       IH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{-2, 5}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .CustomValues(std::vector<double>{5, 10, 15, 20})},
      {"eliminate zero length with custom buckets",
       IH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 0}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .CustomValues(std::vector<double>{5, 10, 15, 20}),
       0,
       IH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .CustomValues(std::vector<double>{5, 10, 15, 20})},
      {"all zero-length spans with non-empty buckets",
       IH().PositiveSpans(std::vector<Span>{{0, 0}, {2, 0}})
           .PositiveBuckets(std::vector<int64_t>{1, 3})
           .NegativeSpans(std::vector<Span>{{1, 0}})
           .NegativeBuckets(std::vector<int64_t>{2}),
       0,
       IH().PositiveSpans(std::vector<Span>{})
           .PositiveBuckets(std::vector<int64_t>{})
           .NegativeSpans(std::vector<Span>{})
           .NegativeBuckets(std::vector<int64_t>{})},
      {"more buckets than spans account for",
       IH().PositiveSpans(std::vector<Span>{{0, 1}, {2, 1}})
           .PositiveBuckets(std::vector<int64_t>{1, 2, 3, 4})
           .NegativeSpans(std::vector<Span>{{0, 1}})
           .NegativeBuckets(std::vector<int64_t>{5, 6}),
       0,
       IH().PositiveSpans(std::vector<Span>{{0, 1}, {2, 1}})
           .PositiveBuckets(std::vector<int64_t>{1, 2, 3, 4})
           .NegativeSpans(std::vector<Span>{{0, 1}})
           .NegativeBuckets(std::vector<int64_t>{5, 6})},
      {"eliminate multiple zero length spans with custom buckets",
       IH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {2, 0}, {2, 0}, {2, 0}, {3, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .CustomValues(std::vector<double>{5, 10, 15, 20}),
       0,
       IH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {9, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .CustomValues(std::vector<double>{5, 10, 15, 20})},
      {"cut empty buckets at start or end of spans, even in the middle, with custom buckets",
       IH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{-4, 6}, {3, 6}})
           .PositiveBuckets(std::vector<int64_t>{0, 0, 1, 3, -4, 0, 1, 42, 3, -46, 0, 0})
           .CustomValues(std::vector<double>{5, 10, 15, 20}),
       0,
       IH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}})
           .PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})
           .CustomValues(std::vector<double>{5, 10, 15, 20})},
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

TEST(Histogram, Equals) {
  const Histogram h1 = IH().Schema(3)
                           .Count(62)
                           .Sum(2.7)
                           .ZeroThreshold(0.1)
                           .ZeroCount(42)
                           .PositiveSpans({{0, 4}, {10, 3}})
                           .PositiveBuckets({1, 2, -2, 1, -1, 0, 0})
                           .NegativeSpans({{0, 4}, {10, 3}})
                           .NegativeBuckets({1, 2, -2, 1, -1, 0, 0});
  EXPECT_TRUE(h1.Equals(h1.Copy()));
  Histogram h2 = h1;
  h2.count = 63;
  EXPECT_FALSE(h1.Equals(h2));
  h2 = h1;
  h2.sum = kNaN;
  EXPECT_FALSE(h1.Equals(h2));
  EXPECT_TRUE(h2.Equals(h2));  // the same NaN bits
  h2 = h1;
  h2.zero_threshold = 0.2;
  EXPECT_FALSE(h1.Equals(h2));
  h2 = h1;
  h2.positive_spans = {{0, 2}, {0, 2}, {10, 3}};  // an offset-0 split is a different layout
  EXPECT_FALSE(h1.Equals(h2));
  h2.positive_spans = {{0, 4}, {3, 0}, {7, 3}};  // a zero-length span in the gap is not
  EXPECT_TRUE(h1.Equals(h2));
  h2 = h1;
  h2.negative_buckets[6] = 1;
  EXPECT_FALSE(h1.Equals(h2));
  const Histogram c1 = IH().Schema(CustomBucketsSchema)
                           .Count(3)
                           .PositiveSpans({{0, 2}})
                           .PositiveBuckets({1, 1})
                           .CustomValues({1, 2});
  Histogram c2 = c1;
  EXPECT_TRUE(c1.Equals(c2));
  c2.custom_values = MakeCustomValues({1, 2, 3});
  EXPECT_FALSE(c1.Equals(c2));
}

TEST(FloatHistogram, HasOverflow) {
  FloatHistogram h = FH().Count(3)
                         .Sum(1)
                         .ZeroCount(1)
                         .PositiveSpans({{0, 1}})
                         .PositiveBuckets({1})
                         .NegativeSpans({{0, 1}})
                         .NegativeBuckets({1});
  EXPECT_FALSE(h.HasOverflow());
  for (double* field :
       {&h.count, &h.sum, &h.zero_count, &h.positive_buckets[0], &h.negative_buckets[0]}) {
    const double saved = *field;
    *field = -kInf;
    EXPECT_TRUE(h.HasOverflow());
    *field = saved;
  }
  h.sum = kNaN;  // NaN is not an overflow
  EXPECT_FALSE(h.HasOverflow());
  FloatHistogram c = FH().Schema(CustomBucketsSchema).CustomValues({1, kInf});
  EXPECT_TRUE(c.HasOverflow());
}

}  // namespace
}  // namespace promlet::model::histogram
