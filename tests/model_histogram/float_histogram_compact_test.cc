// FloatHistogram: Compact, ReduceResolution, Equals and TrimBuckets, with the case tables of
// Prometheus' model/histogram/float_histogram_test.go.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/histogram/buckets.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/schema.h"
#include "tests/model_histogram/histogram_test_util.h"

namespace promlet::model::histogram {
namespace {

using namespace testutil;  // NOLINT: the builders and Go-named constants of the tables

struct CompactCase {
  std::string name;
  FloatHistogram in;
  int maxEmptyBuckets;
  FloatHistogram expected;
};

TEST(FloatHistogram, Compact) {
  const std::vector<CompactCase> cases = {
      {"empty histogram", FH(), 0, FH()},
      {"nothing should happen",
       FH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       0,
       FH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000})},
      {"eliminate zero offsets",
       FH().PositiveSpans(std::vector<Span>{{-2, 1}, {0, 3}, {0, 1}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {0, 2}, {2, 1}, {0, 1}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4}),
       0,
       FH().PositiveSpans(std::vector<Span>{{-2, 5}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 4}, {2, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4})},
      {"eliminate zero length",
       FH().PositiveSpans(std::vector<Span>{{-2, 2}, {2, 0}, {3, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {0, 0}, {2, 0}, {1, 4}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4}),
       0,
       FH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4})},
      {"eliminate multiple zero length spans",
       FH().PositiveSpans(std::vector<Span>{{-2, 2}, {2, 0}, {2, 0}, {2, 0}, {3, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3}),
       0,
       FH().PositiveSpans(std::vector<Span>{{-2, 2}, {9, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})},
      {"cut empty buckets at start or end",
       FH().PositiveSpans(std::vector<Span>{{-4, 4}, {5, 3}})
           .PositiveBuckets(std::vector<double>{0, 0, 1, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4, 0}),
       0,
       FH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4})},
      {"cut empty buckets at start and end",
       FH().PositiveSpans(std::vector<Span>{{-4, 4}, {5, 6}})
           .PositiveBuckets(std::vector<double>{0, 0, 1, 3.3, 4.2, 0.1, 3.3, 0, 0, 0})
           .NegativeSpans(std::vector<Span>{{-2, 4}, {3, 5}})
           .NegativeBuckets(std::vector<double>{0, 0, 3.1, 3, 1.234e5, 1000, 3, 4, 0}),
       0,
       FH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4})},
      {"cut empty buckets in the middle",
       FH().PositiveSpans(std::vector<Span>{{5, 4}})
           .PositiveBuckets(std::vector<double>{1, 3, 0, 2}),
       0,
       FH().PositiveSpans(std::vector<Span>{{.offset = 5, .length = 2}, {.offset = 1, .length = 1}})
           .PositiveBuckets(std::vector<double>{1, 3, 2})},
      {"cut empty buckets at start or end of spans, even in the middle",
       FH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 6}})
           .PositiveBuckets(std::vector<double>{0, 0, 1, 3.3, 0, 0, 4.2, 0.1, 3.3, 0, 0, 0})
           .NegativeSpans(std::vector<Span>{{0, 2}, {2, 6}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 0, 1.234e5, 1000, 3, 4, 0}),
       0,
       FH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4})},
      {"cut empty buckets at start and end - also merge spans due to maxEmptyBuckets",
       FH().PositiveSpans(std::vector<Span>{{-4, 4}, {5, 3}})
           .PositiveBuckets(std::vector<double>{0, 0, 1, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4, 0}),
       10,
       FH().PositiveSpans(std::vector<Span>{{-2, 10}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 0, 0, 0, 0, 0, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 9}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 0, 0, 0, 1.234e5, 1000, 3, 4})},
      {"cut empty buckets from the middle of a span",
       FH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}})
           .PositiveBuckets(std::vector<double>{0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 0, 3, 4}),
       0,
       FH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 1}, {3, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 2}, {1, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 3, 4})},
      {"cut out a span containing only empty buckets",
       FH().PositiveSpans(std::vector<Span>{{-4, 3}, {2, 2}, {3, 4}})
           .PositiveBuckets(std::vector<double>{0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3}),
       0,
       FH().PositiveSpans(std::vector<Span>{{-2, 1}, {7, 4}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})},
      {"cut empty buckets from the middle of a span, avoiding none due to maxEmptyBuckets",
       FH().PositiveSpans(std::vector<Span>{{-2, 4}})
           .PositiveBuckets(std::vector<double>{1, 0, 0, 3.3}),
       1,
       FH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 1}})
           .PositiveBuckets(std::vector<double>{1, 3.3})},
      {"cut empty buckets and merge spans due to maxEmptyBuckets",
       FH().PositiveSpans(std::vector<Span>{{-2, 4}, {3, 1}})
           .PositiveBuckets(std::vector<double>{1, 0, 0, 3.3, 4.2}),
       1,
       FH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 1}, {3, 1}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2})},
      {"cut empty buckets from the middle of a span, avoiding some due to maxEmptyBuckets",
       FH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}, {10, 2}})
           .PositiveBuckets(std::vector<double>{0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3, 2, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 0, 3, 4}),
       1,
       FH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 1}, {3, 3}, {10, 2}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3, 2, 3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 0, 3, 4})},
      {"avoiding all cutting of empty buckets from the middle of a chunk due to maxEmptyBuckets",
       FH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}})
           .PositiveBuckets(std::vector<double>{0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 0, 3, 4}),
       2,
       FH().PositiveSpans(std::vector<Span>{{-2, 4}, {3, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 0, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 0, 3, 4})},
      {"everything merged into one span due to maxEmptyBuckets",
       FH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}})
           .PositiveBuckets(std::vector<double>{0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000, 0, 3, 4}),
       3,
       FH().PositiveSpans(std::vector<Span>{{-2, 10}})
           .PositiveBuckets(std::vector<double>{1, 0, 0, 3.3, 0, 0, 0, 4.2, 0.1, 3.3})
           .NegativeSpans(std::vector<Span>{{0, 10}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 0, 0, 0, 1.234e5, 1000, 0, 3, 4})},
      {"more than one span merged in the same pass",
       FH().PositiveSpans(std::vector<Span>{{-2, 2}, {2, 2}, {2, 2}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3, 2})
           .NegativeSpans(std::vector<Span>{{0, 1}, {1, 1}, {1, 1}})
           .NegativeBuckets(std::vector<double>{3.1, 1000, 4}),
       3,
       FH().PositiveSpans(std::vector<Span>{{-2, 10}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 0, 0, 4.2, 0.1, 0, 0, 3.3, 2})
           .NegativeSpans(std::vector<Span>{{0, 5}})
           .NegativeBuckets(std::vector<double>{3.1, 0, 1000, 0, 4})},
      {"only empty buckets and maxEmptyBuckets greater zero",
       FH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}})
           .PositiveBuckets(std::vector<double>{0, 0, 0, 0, 0, 0, 0, 0, 0})
           .NegativeSpans(std::vector<Span>{{0, 7}})
           .NegativeBuckets(std::vector<double>{0, 0, 0, 0, 0, 0, 0}),
       3,
       FH().PositiveSpans(std::vector<Span>{})
           .PositiveBuckets(std::vector<double>{})
           .NegativeSpans(std::vector<Span>{})
           .NegativeBuckets(std::vector<double>{})},
      {"multiple spans of only empty buckets",
       FH().PositiveSpans(std::vector<Span>{{-10, 2}, {2, 1}, {3, 3}})
           .PositiveBuckets(std::vector<double>{0, 0, 0, 0, 2, 3})
           .NegativeSpans(std::vector<Span>{{-10, 2}, {2, 1}, {3, 3}})
           .NegativeBuckets(std::vector<double>{2, 3, 0, 0, 0, 0}),
       0,
       FH().PositiveSpans(std::vector<Span>{{-1, 2}})
           .PositiveBuckets(std::vector<double>{2, 3})
           .NegativeSpans(std::vector<Span>{{-10, 2}})
           .NegativeBuckets(std::vector<double>{2, 3})},
      {"nothing should happen with custom buckets",
       FH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3}),
       0,
       FH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3})},
      {"eliminate zero offsets with custom buckets",
       FH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{0, 1}, {0, 3}, {0, 1}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       0,
       FH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{0, 5}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .CustomValues(std::vector<double>{1, 2, 3, 4})},
      {"eliminate multiple zero length spans with custom buckets",
       FH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{0, 2}, {2, 0}, {2, 0}, {2, 0}, {3, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       0,
       FH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{0, 2}, {9, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .CustomValues(std::vector<double>{1, 2, 3, 4})},
      {"cut empty buckets at start and end with custom buckets",
       FH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{0, 4}, {5, 6}})
           .PositiveBuckets(std::vector<double>{0, 0, 1, 3.3, 4.2, 0.1, 3.3, 0, 0, 0})
           .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}),
       0,
       FH().Schema(CustomBucketsSchema)
           .PositiveSpans(std::vector<Span>{{2, 2}, {5, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1, 3.3})
           .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9})},
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

struct FloatReduceCase {
  std::string name;
  FloatHistogram origin;
  int32_t targetSchema;
  std::optional<FloatHistogram> target;
  std::string errorMsg;
};

TEST(FloatHistogram, ReduceResolution) {
  std::vector<FloatReduceCase> cases = {
      {.name = "valid float histogram",
       .origin = FH().Schema(0)
                     .PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4},
                                                      {.offset = 0, .length = 0},
                                                      {.offset = 3, .length = 2}})
                     .PositiveBuckets(std::vector<double>{1, 3, 1, 2, 1, 1})
                     .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                      {.offset = 0, .length = 0},
                                                      {.offset = 3, .length = 2}})
                     .NegativeBuckets(std::vector<double>{1, 3, 1, 2, 1, 1}),
       .targetSchema = -1,
       .target = FH().Schema(-1)
                     .PositiveSpans(
                         std::vector<Span>{{.offset = -1, .length = 3}, {.offset = 1, .length = 1}})
                     .PositiveBuckets(std::vector<double>{1, 4, 2, 2})
                     .NegativeSpans(
                         std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 1}})
                     .NegativeBuckets(std::vector<double>{1, 4, 2, 2})},
      {.name = "not enough buckets",
       .origin = FH().Schema(0)
                     .PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4},
                                                      {.offset = 0, .length = 0},
                                                      {.offset = 3, .length = 2}})
                     .PositiveBuckets(std::vector<double>{1, 3, 1, 2, 1}),
       .targetSchema = -1,
       .errorMsg = "have 5 buckets but spans need more: histogram spans specify different number "
                   "of buckets than provided"},
      {.name = "too many buckets",
       .origin = FH().Schema(0)
                     .PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4},
                                                      {.offset = 0, .length = 0},
                                                      {.offset = 3, .length = 2}})
                     .PositiveBuckets(std::vector<double>{1, 3, 1, 2, 1, 1, 5}),
       .targetSchema = -1,
       .errorMsg = "spans need 6 buckets, have 7 buckets: histogram spans specify different number "
                   "of buckets than provided"},
      {.name = "negative offset",
       .origin = FH().Schema(0)
                     .PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4},
                                                      {.offset = -1, .length = 0},
                                                      {.offset = 3, .length = 2}})
                     .PositiveBuckets(std::vector<double>{1, 3, 1, 2, 1, 1}),
       .targetSchema = -1,
       .errorMsg = "span number 2 with offset -1: histogram has a span whose offset is negative"},
  };
  for (FloatReduceCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::Status s = c.origin.ReduceResolution(c.targetSchema);
    if (!c.errorMsg.empty()) {
      EXPECT_EQ(c.errorMsg, s.message());
      continue;
    }
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_TRUE(Same(*c.target, c.origin));
  }
}

TEST(FloatHistogram, Equals) {
  const FloatHistogram h1 = FH().Schema(3)
                                .Count(2.2)
                                .Sum(9.7)
                                .ZeroThreshold(0.1)
                                .ZeroCount(1.1)
                                .PositiveSpans({{0, 1}})
                                .PositiveBuckets({3})
                                .NegativeSpans({{0, 1}})
                                .NegativeBuckets({4});
  EXPECT_TRUE(h1.Equals(h1));
  FloatHistogram h2 = h1;
  h2.count = 2.3;
  EXPECT_FALSE(h1.Equals(h2));
  h2 = h1;
  h2.sum = kNaN;
  FloatHistogram h3 = h2;
  EXPECT_TRUE(h2.Equals(h3));  // NaN sums with the same bits are equal
  h3.sum = -kNaN;
  EXPECT_FALSE(h2.Equals(h3));
  h2 = h1;
  h2.positive_buckets[0] = kNaN;
  h3 = h2;
  EXPECT_TRUE(h2.Equals(h3));
  h2 = h1;  // zero-length spans do not change the layout
  h2.positive_spans = {{0, 1}, {2, 0}};
  EXPECT_TRUE(h1.Equals(h2));
  h2.positive_spans = {{0, 0}, {0, 1}};
  EXPECT_TRUE(h1.Equals(h2));
  h2.positive_spans = {{1, 1}};
  EXPECT_FALSE(h1.Equals(h2));
  const FloatHistogram c1 = FH().Schema(CustomBucketsSchema)
                                .PositiveSpans({{0, 2}})
                                .PositiveBuckets({1, 2})
                                .CustomValues({1, 2});
  FloatHistogram c2 = c1;
  EXPECT_TRUE(c1.Equals(c2));
  c2.custom_values = MakeCustomValues({1, 3});
  EXPECT_FALSE(c1.Equals(c2));
}

TEST(FloatHistogram, TrimBuckets) {
  const FloatHistogram orig =
      FH().Count(30).Sum(100).PositiveSpans({{0, 4}}).PositiveBuckets({5, 5, 10, 10});
  FloatHistogram h = orig;
  FloatHistogram& got = h.TrimBuckets(4, true);
  EXPECT_EQ(&got, &h);  // in place
  // (4,8] is dropped; the rest is kept whole, the sum rebuilt from geometric midpoints.
  const FloatHistogram want =
      FH().Count(20)
          .Sum(std::sqrt(0.5) * 5 + std::sqrt(2.0) * 5 + std::sqrt(8.0) * 10)
          .PositiveSpans({{0, 3}})
          .PositiveBuckets({5, 5, 10});
  EXPECT_TRUE(Same(want, h));
  // >/ 1.5: (0.5,1] goes, (1,2] is split on the log scale, the rest stays.
  h = orig;
  h.TrimBuckets(1.5, false);
  const double kept = 5 * (1 - std::log2(1.5));
  EXPECT_DOUBLE_EQ(kept + 20, h.count);
  EXPECT_EQ((std::vector<Span>{{1, 3}}), h.positive_spans);
  EXPECT_DOUBLE_EQ(kept, h.positive_buckets[0]);
  // Nothing to trim: count and sum stay as they were.
  h = orig;
  h.TrimBuckets(100, true);
  EXPECT_TRUE(Same(orig, h));
}

}  // namespace
}  // namespace promlet::model::histogram
