// Float bucket iterators: reverse, all and all-reverse (with the zero bucket), with the case
// tables of Prometheus' model/histogram/float_histogram_test.go.
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

TEST(FloatBucketIterator, Reverse) {
  const FloatHistogram h = FH().Count(405)
                               .ZeroCount(102)
                               .ZeroThreshold(0.001)
                               .Sum(1008.4)
                               .Schema(1)
                               .PositiveSpans({{0, 4}, {1, 0}, {3, 3}, {3, 0}, {2, 0}, {5, 3}})
                               .PositiveBuckets({100, 344, 123, 55, 3, 63, 2, 54, 235, 33})
                               .NegativeSpans({{0, 3}, {1, 0}, {3, 0}, {3, 4}, {2, 0}, {5, 3}})
                               .NegativeBuckets({10, 34, 1230, 54, 67, 63, 2, 554, 235, 33});
  for (bool positive : {true, false}) {
    std::vector<Bucket<double>> forward =
        positive ? Drain(h.PositiveBucketIterator()) : Drain(h.NegativeBucketIterator());
    std::vector<Bucket<double>> reverse = positive ? Drain(h.PositiveReverseBucketIterator())
                                                   : Drain(h.NegativeReverseBucketIterator());
    ASSERT_EQ(forward.size(), 10u);
    EXPECT_EQ(std::vector<Bucket<double>>(forward.rbegin(), forward.rend()), reverse);
  }
}

struct AllCase {
  FloatHistogram h;
  bool includeNeg, includeZero, includePos;
};

TEST(FloatBucketIterator, All) {
  const std::vector<AllCase> cases = {
      {.h = FH().Count(405)
                .ZeroCount(102)
                .ZeroThreshold(0.001)
                .Sum(1008.4)
                .Schema(1)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 3},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 3, .length = 4},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}),
       .includeNeg = true,
       .includeZero = true,
       .includePos = true},
      {.h = FH().Count(405)
                .ZeroCount(102)
                .ZeroThreshold(0.001)
                .Sum(1008.4)
                .Schema(1)
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 3, .length = 4},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}),
       .includeNeg = true,
       .includeZero = true,
       .includePos = false},
      {.h = FH().Count(405)
                .ZeroCount(102)
                .ZeroThreshold(0.001)
                .Sum(1008.4)
                .Schema(1)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 3},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}),
       .includeNeg = false,
       .includeZero = true,
       .includePos = true},
      {.h = FH().Count(405).ZeroCount(102).ZeroThreshold(0.001).Sum(1008.4).Schema(1),
       .includeNeg = false,
       .includeZero = true,
       .includePos = false},
      {.h = FH().Count(405)
                .ZeroCount(0)
                .ZeroThreshold(0.001)
                .Sum(1008.4)
                .Schema(1)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 3},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 3, .length = 4},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}),
       .includeNeg = true,
       .includeZero = false,
       .includePos = true},
      {.h = FH().Count(447)
                .ZeroCount(42)
                .ZeroThreshold(0.5)
                .Sum(1008.4)
                .Schema(0)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 3},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 3, .length = 4},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}),
       .includeNeg = true,
       .includeZero = true,
       .includePos = true},
      {.h = FH().Count(447)
                .ZeroCount(42)
                .ZeroThreshold(0.6)
                .Sum(1008.4)
                .Schema(0)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 3},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 3, .length = 4},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}),
       .includeNeg = true,
       .includeZero = true,
       .includePos = true},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    const AllCase& c = cases[i];
    std::vector<Bucket<double>> want;
    if (c.includeNeg) {
      for (Bucket<double> b : Drain(c.h.NegativeReverseBucketIterator())) {
        if (c.includeZero && b.upper > -c.h.zero_threshold) b.upper = -c.h.zero_threshold;
        want.push_back(b);
      }
    }
    if (c.includeZero)
      want.push_back({-c.h.zero_threshold, c.h.zero_threshold, true, true, c.h.zero_count, 0});
    if (c.includePos) {
      for (Bucket<double> b : Drain(c.h.PositiveBucketIterator())) {
        if (c.includeZero && b.lower < c.h.zero_threshold) b.lower = c.h.zero_threshold;
        want.push_back(b);
      }
    }
    EXPECT_EQ(want, Drain(c.h.AllBucketIterator()));
  }
}

TEST(FloatBucketIterator, AllReverse) {
  const std::vector<AllCase> cases = {
      {.h = FH().Count(405)
                .ZeroCount(102)
                .ZeroThreshold(0.001)
                .Sum(1008.4)
                .Schema(1)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 3},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 3, .length = 4},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}),
       .includeNeg = true,
       .includeZero = true,
       .includePos = true},
      {.h = FH().Count(405)
                .ZeroCount(102)
                .ZeroThreshold(0.001)
                .Sum(1008.4)
                .Schema(1)
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 3, .length = 4},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}),
       .includeNeg = true,
       .includeZero = true,
       .includePos = false},
      {.h = FH().Count(405)
                .ZeroCount(102)
                .ZeroThreshold(0.001)
                .Sum(1008.4)
                .Schema(1)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 3},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}),
       .includeNeg = false,
       .includeZero = true,
       .includePos = true},
      {.h = FH().Count(405).ZeroCount(102).ZeroThreshold(0.001).Sum(1008.4).Schema(1),
       .includeNeg = false,
       .includeZero = true,
       .includePos = false},
      {.h = FH().Count(405)
                .ZeroCount(0)
                .ZeroThreshold(0.001)
                .Sum(1008.4)
                .Schema(1)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 3},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 3, .length = 4},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}),
       .includeNeg = true,
       .includeZero = false,
       .includePos = true},
      {.h = FH().Count(447)
                .ZeroCount(42)
                .ZeroThreshold(0.5)
                .Sum(1008.4)
                .Schema(0)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 3},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 3, .length = 4},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}),
       .includeNeg = true,
       .includeZero = true,
       .includePos = true},
      {.h = FH().Count(447)
                .ZeroCount(42)
                .ZeroThreshold(0.6)
                .Sum(1008.4)
                .Schema(0)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 3},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 3, .length = 4},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}),
       .includeNeg = true,
       .includeZero = true,
       .includePos = true},
      {.h = FH().Count(405)
                .ZeroCount(102)
                .ZeroThreshold(0.001)
                .Sum(1008.4)
                .Schema(1)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 3},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 3, .length = 4},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235}),
       .includeNeg = true,
       .includeZero = true,
       .includePos = true},
      {.h = FH().Count(447)
                .ZeroCount(42)
                .ZeroThreshold(0.6)
                .Sum(1008.4)
                .Schema(0)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 3},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33, 42})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 1, .length = 0},
                                                 {.offset = 3, .length = 0},
                                                 {.offset = 3, .length = 4},
                                                 {.offset = 2, .length = 0},
                                                 {.offset = 5, .length = 3}})
                .NegativeBuckets(
                    std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33, 42}),
       .includeNeg = true,
       .includeZero = true,
       .includePos = true},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    const AllCase& c = cases[i];
    std::vector<Bucket<double>> want;
    if (c.includePos) {
      for (Bucket<double> b : Drain(c.h.PositiveReverseBucketIterator())) {
        if (c.includeZero && b.lower < c.h.zero_threshold) b.lower = c.h.zero_threshold;
        want.push_back(b);
      }
    }
    if (c.includeZero)
      want.push_back({-c.h.zero_threshold, c.h.zero_threshold, true, true, c.h.zero_count, 0});
    if (c.includeNeg) {
      for (Bucket<double> b : Drain(c.h.NegativeBucketIterator())) {
        if (c.includeZero && b.upper > -c.h.zero_threshold) b.upper = -c.h.zero_threshold;
        want.push_back(b);
      }
    }
    EXPECT_EQ(want, Drain(c.h.AllReverseBucketIterator()));
  }
}

}  // namespace
}  // namespace promlet::model::histogram
