// Bucket bounds, FractionBelow, resolution reduction and the float bucket iterators (reverse,
// all, all-reverse, merged into a target schema, custom buckets), FloatHistogram's
// ReduceResolution, Equals and TrimBuckets, with the case tables of Prometheus'
// model/histogram/generic_test.go and float_histogram_test.go.
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

struct BoundCase {
  int32_t idx;
  int32_t schema;
  double want;
};

TEST(Schema, GetBoundExponential) {
  const std::vector<BoundCase> cases = {
    {.idx = -1, .schema = -1, .want = 0.25},
    {.idx = 0, .schema = -1, .want = 1},
    {.idx = 1, .schema = -1, .want = 4},
    {.idx = 512, .schema = -1, .want = DBL_MAX},
    {.idx = 513, .schema = -1, .want = kInf},
    {.idx = -1, .schema = 0, .want = 0.5},
    {.idx = 0, .schema = 0, .want = 1},
    {.idx = 1, .schema = 0, .want = 2},
    {.idx = 1024, .schema = 0, .want = DBL_MAX},
    {.idx = 1025, .schema = 0, .want = kInf},
    {.idx = -1, .schema = 2, .want = 0.8408964152537144},
    {.idx = 0, .schema = 2, .want = 1},
    {.idx = 1, .schema = 2, .want = 1.189207115002721},
    {.idx = 4096, .schema = 2, .want = DBL_MAX},
    {.idx = 4097, .schema = 2, .want = kInf},
  };
  for (const BoundCase& c : cases) {
    EXPECT_EQ(c.want, GetBoundExponential(c.idx, c.schema)) << c.idx << " " << c.schema;
  }
  // Every table entry is the bound: 2^(i/2^s) for i in [0, 2^s) as 0.5 * 2^(i/2^s).
  for (int32_t schema = 0; schema <= 8; ++schema) {
    for (int32_t i = 0; i < (1 << schema); ++i) {
      EXPECT_NEAR(std::exp2(static_cast<double>(i) / (1 << schema)),
                  GetBoundExponential(i, schema), 1e-15);
    }
  }
}

struct FractionCase {
  std::string name;
  Bucket<double> bucket;
  double v;
  bool linear;
  double want;
};

TEST(Bucket, FractionBelow) {
  const std::vector<FractionCase> cases = {
    {.name = "linear, midpoint", .bucket = BF().Lower(0).Upper(10).Count(100), .v = 5, .linear = true, .want = 0.5},
    {.name = "linear, quarter", .bucket = BF().Lower(2).Upper(6).Count(100), .v = 3, .linear = true, .want = 0.25},
    {.name = "linear, negative bucket", .bucket = BF().Lower(-10).Upper(-5).Count(100), .v = -6, .linear = true, .want = 0.8},
    {.name = "exponential, positive bucket at geometric midpoint", .bucket = BF().Lower(2).Upper(8).Count(100), .v = 4, .linear = false, .want = 0.5},
    {.name = "exponential, positive bucket lower quarter of log scale", .bucket = BF().Lower(1).Upper(16).Count(100), .v = 2, .linear = false, .want = 0.25},
    {.name = "exponential, negative bucket at geometric midpoint", .bucket = BF().Lower(-8).Upper(-2).Count(100), .v = -4, .linear = false, .want = 0.5},
    {.name = "exponential, negative bucket", .bucket = BF().Lower(-4).Upper(-2).Count(100), .v = -3, .linear = false, .want = 0.41503749927884383},
  };
  for (const FractionCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_NEAR(c.want, c.bucket.FractionBelow(c.v, c.linear), 1e-12);
  }
}

template <typename T>
struct ReduceCase {
  std::vector<Span> spans;
  std::vector<T> buckets;
  int32_t schema;
  int32_t targetSchema;
  std::vector<Span> expectedSpans;
  std::vector<T> expectedBuckets;
};

TEST(Buckets, ReduceResolutionHistogram) {
  const std::vector<ReduceCase<int64_t>> cases = {
    {.spans = std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 0, .length = 0}, {.offset = 3, .length = 2}}, .buckets = std::vector<int64_t>{1, 2, -2, 1, -1, 0}, .schema = 0, .targetSchema = -1, .expectedSpans = std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 1}}, .expectedBuckets = std::vector<int64_t>{1, 3, -2, 0}},
  };
  for (const auto& c : cases) {
    std::vector<Span> spans;
    std::vector<int64_t> buckets;
    ASSERT_TRUE(ReduceResolution(c.spans, c.buckets, c.schema, c.targetSchema, true, &spans, &buckets).ok());
    EXPECT_EQ(c.expectedSpans, spans);
    EXPECT_EQ(c.expectedBuckets, buckets);
  }
}

TEST(Buckets, ReduceResolutionFloatHistogram) {
  const std::vector<ReduceCase<double>> cases = {
    {.spans = std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 0, .length = 0}, {.offset = 3, .length = 2}}, .buckets = std::vector<double>{1, 3, 1, 2, 1, 1}, .schema = 0, .targetSchema = -1, .expectedSpans = std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 1}}, .expectedBuckets = std::vector<double>{1, 4, 2, 2}},
  };
  for (const auto& c : cases) {
    std::vector<Span> spans;
    std::vector<double> buckets;
    ASSERT_TRUE(ReduceResolution(c.spans, c.buckets, c.schema, c.targetSchema, false, &spans, &buckets).ok());
    EXPECT_EQ(c.expectedSpans, spans);
    EXPECT_EQ(c.expectedBuckets, buckets);
  }
}

struct BoundsMatchCase {
  std::string name;
  std::optional<std::vector<double>> c1, c2;
  bool want;
};

TEST(Schema, CustomBucketBoundsMatch) {
  const std::vector<BoundsMatchCase> cases = {
    {.name = "both nil", .c1 = std::nullopt, .c2 = std::nullopt, .want = true},
    {.name = "both empty", .c1 = std::vector<double>{}, .c2 = std::vector<double>{}, .want = true},
    {.name = "one empty one non-empty", .c1 = std::vector<double>{}, .c2 = std::vector<double>{1.0}, .want = false},
    {.name = "different lengths", .c1 = std::vector<double>{1.0, 2.0}, .c2 = std::vector<double>{1.0, 2.0, 3.0}, .want = false},
    {.name = "same single value", .c1 = std::vector<double>{1.5}, .c2 = std::vector<double>{1.5}, .want = true},
    {.name = "different single value", .c1 = std::vector<double>{1.5}, .c2 = std::vector<double>{2.5}, .want = false},
    {.name = "same multiple values", .c1 = std::vector<double>{1.0, 2.0, 3.0, 4.0, 5.0}, .c2 = std::vector<double>{1.0, 2.0, 3.0, 4.0, 5.0}, .want = true},
    {.name = "different values", .c1 = std::vector<double>{1.0, 2.1, 3.0}, .c2 = std::vector<double>{1.0, 2.0, 3.0}, .want = false},
  };
  for (const BoundsMatchCase& c : cases) {
    SCOPED_TRACE(c.name);
    CustomValues a = c.c1 ? MakeCustomValues(*c.c1) : nullptr;
    CustomValues b = c.c2 ? MakeCustomValues(*c.c2) : nullptr;
    EXPECT_EQ(c.want, CustomBucketBoundsMatch(a, b));
    EXPECT_EQ(c.want, CustomBucketBoundsMatch(b, a));
  }
}

template <typename It>
std::vector<Bucket<double>> Drain(It it) {
  std::vector<Bucket<double>> out;
  while (it.Next()) out.push_back(it.At());
  return out;
}

TEST(FloatBucketIterator, Reverse) {
  const FloatHistogram h = FH().Count(405).ZeroCount(102).ZeroThreshold(0.001).Sum(1008.4).Schema(1)
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
    {.h = FH().Count(405).ZeroCount(102).ZeroThreshold(0.001).Sum(1008.4).Schema(1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 0}, {.offset = 3, .length = 3}, {.offset = 3, .length = 0}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 0}, {.offset = 3, .length = 0}, {.offset = 3, .length = 4}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}), .includeNeg = true, .includeZero = true, .includePos = true},
    {.h = FH().Count(405).ZeroCount(102).ZeroThreshold(0.001).Sum(1008.4).Schema(1).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 0}, {.offset = 3, .length = 0}, {.offset = 3, .length = 4}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}), .includeNeg = true, .includeZero = true, .includePos = false},
    {.h = FH().Count(405).ZeroCount(102).ZeroThreshold(0.001).Sum(1008.4).Schema(1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 0}, {.offset = 3, .length = 3}, {.offset = 3, .length = 0}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}), .includeNeg = false, .includeZero = true, .includePos = true},
    {.h = FH().Count(405).ZeroCount(102).ZeroThreshold(0.001).Sum(1008.4).Schema(1), .includeNeg = false, .includeZero = true, .includePos = false},
    {.h = FH().Count(405).ZeroCount(0).ZeroThreshold(0.001).Sum(1008.4).Schema(1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 0}, {.offset = 3, .length = 3}, {.offset = 3, .length = 0}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 0}, {.offset = 3, .length = 0}, {.offset = 3, .length = 4}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}), .includeNeg = true, .includeZero = false, .includePos = true},
    {.h = FH().Count(447).ZeroCount(42).ZeroThreshold(0.5).Sum(1008.4).Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 0}, {.offset = 3, .length = 3}, {.offset = 3, .length = 0}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 0}, {.offset = 3, .length = 0}, {.offset = 3, .length = 4}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}), .includeNeg = true, .includeZero = true, .includePos = true},
    {.h = FH().Count(447).ZeroCount(42).ZeroThreshold(0.6).Sum(1008.4).Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 0}, {.offset = 3, .length = 3}, {.offset = 3, .length = 0}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 0}, {.offset = 3, .length = 0}, {.offset = 3, .length = 4}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}), .includeNeg = true, .includeZero = true, .includePos = true},
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
    if (c.includeZero) want.push_back({-c.h.zero_threshold, c.h.zero_threshold, true, true, c.h.zero_count, 0});
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
    {.h = FH().Count(405).ZeroCount(102).ZeroThreshold(0.001).Sum(1008.4).Schema(1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 0}, {.offset = 3, .length = 3}, {.offset = 3, .length = 0}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 0}, {.offset = 3, .length = 0}, {.offset = 3, .length = 4}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}), .includeNeg = true, .includeZero = true, .includePos = true},
    {.h = FH().Count(405).ZeroCount(102).ZeroThreshold(0.001).Sum(1008.4).Schema(1).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 0}, {.offset = 3, .length = 0}, {.offset = 3, .length = 4}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}), .includeNeg = true, .includeZero = true, .includePos = false},
    {.h = FH().Count(405).ZeroCount(102).ZeroThreshold(0.001).Sum(1008.4).Schema(1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 0}, {.offset = 3, .length = 3}, {.offset = 3, .length = 0}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}), .includeNeg = false, .includeZero = true, .includePos = true},
    {.h = FH().Count(405).ZeroCount(102).ZeroThreshold(0.001).Sum(1008.4).Schema(1), .includeNeg = false, .includeZero = true, .includePos = false},
    {.h = FH().Count(405).ZeroCount(0).ZeroThreshold(0.001).Sum(1008.4).Schema(1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 0}, {.offset = 3, .length = 3}, {.offset = 3, .length = 0}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 0}, {.offset = 3, .length = 0}, {.offset = 3, .length = 4}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}), .includeNeg = true, .includeZero = false, .includePos = true},
    {.h = FH().Count(447).ZeroCount(42).ZeroThreshold(0.5).Sum(1008.4).Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 0}, {.offset = 3, .length = 3}, {.offset = 3, .length = 0}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 0}, {.offset = 3, .length = 0}, {.offset = 3, .length = 4}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}), .includeNeg = true, .includeZero = true, .includePos = true},
    {.h = FH().Count(447).ZeroCount(42).ZeroThreshold(0.6).Sum(1008.4).Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 0}, {.offset = 3, .length = 3}, {.offset = 3, .length = 0}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 0}, {.offset = 3, .length = 0}, {.offset = 3, .length = 4}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}), .includeNeg = true, .includeZero = true, .includePos = true},
    {.h = FH().Count(405).ZeroCount(102).ZeroThreshold(0.001).Sum(1008.4).Schema(1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 0}, {.offset = 3, .length = 3}, {.offset = 3, .length = 0}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 0}, {.offset = 3, .length = 0}, {.offset = 3, .length = 4}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235}), .includeNeg = true, .includeZero = true, .includePos = true},
    {.h = FH().Count(447).ZeroCount(42).ZeroThreshold(0.6).Sum(1008.4).Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 0}, {.offset = 3, .length = 3}, {.offset = 3, .length = 0}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33, 42}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 0}, {.offset = 3, .length = 0}, {.offset = 3, .length = 4}, {.offset = 2, .length = 0}, {.offset = 5, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33, 42}), .includeNeg = true, .includeZero = true, .includePos = true},
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
    if (c.includeZero) want.push_back({-c.h.zero_threshold, c.h.zero_threshold, true, true, c.h.zero_count, 0});
    if (c.includeNeg) {
      for (Bucket<double> b : Drain(c.h.NegativeBucketIterator())) {
        if (c.includeZero && b.upper > -c.h.zero_threshold) b.upper = -c.h.zero_threshold;
        want.push_back(b);
      }
    }
    EXPECT_EQ(want, Drain(c.h.AllReverseBucketIterator()));
  }
}

struct TargetSchemaCase {
  std::string name;
  FloatHistogram h;
  std::vector<Bucket<double>> expPositiveBuckets, expNegativeBuckets;
};

TEST(FloatBucketIterator, TargetSchema) {
  const std::vector<TargetSchemaCase> cases = {
    {.name = "regular", .h = FH().Count(405).Sum(1008.4).Schema(1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 3}, {.offset = 2, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 7, .length = 4}, {.offset = 1, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}), .expPositiveBuckets = std::vector<Bucket<double>>{BF().Lower(0.25).Upper(1).LowerInclusive(false).UpperInclusive(true).Count(100).Index(0), BF().Lower(1).Upper(4).LowerInclusive(false).UpperInclusive(true).Count(522).Index(1), BF().Lower(4).Upper(16).LowerInclusive(false).UpperInclusive(true).Count(68).Index(2), BF().Lower(16).Upper(64).LowerInclusive(false).UpperInclusive(true).Count(322).Index(3)}, .expNegativeBuckets = std::vector<Bucket<double>>{BF().Lower(-1).Upper(-0.25).LowerInclusive(true).UpperInclusive(false).Count(10).Index(0), BF().Lower(-4).Upper(-1).LowerInclusive(true).UpperInclusive(false).Count(1264).Index(1), BF().Lower(-64).Upper(-16).LowerInclusive(true).UpperInclusive(false).Count(184).Index(3), BF().Lower(-256).Upper(-64).LowerInclusive(true).UpperInclusive(false).Count(791).Index(4), BF().Lower(-1024).Upper(-256).LowerInclusive(true).UpperInclusive(false).Count(33).Index(5)}},
    {.name = "missing buckets", .h = FH().Count(405).Sum(1008.4).Schema(1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 3}, {.offset = 2, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 7, .length = 4}, {.offset = 1, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235}), .expPositiveBuckets = std::vector<Bucket<double>>{BF().Lower(0.25).Upper(1).LowerInclusive(false).UpperInclusive(true).Count(100).Index(0), BF().Lower(1).Upper(4).LowerInclusive(false).UpperInclusive(true).Count(522).Index(1), BF().Lower(4).Upper(16).LowerInclusive(false).UpperInclusive(true).Count(68).Index(2), BF().Lower(16).Upper(64).LowerInclusive(false).UpperInclusive(true).Count(289).Index(3)}, .expNegativeBuckets = std::vector<Bucket<double>>{BF().Lower(-1).Upper(-0.25).LowerInclusive(true).UpperInclusive(false).Count(10).Index(0), BF().Lower(-4).Upper(-1).LowerInclusive(true).UpperInclusive(false).Count(1264).Index(1), BF().Lower(-64).Upper(-16).LowerInclusive(true).UpperInclusive(false).Count(184).Index(3), BF().Lower(-256).Upper(-64).LowerInclusive(true).UpperInclusive(false).Count(791).Index(4)}},
    {.name = "spurious bucket", .h = FH().Count(405).Sum(1008.4).Schema(1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 1, .length = 3}, {.offset = 2, .length = 3}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33, 42}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 7, .length = 4}, {.offset = 1, .length = 3}}).NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33, 42}), .expPositiveBuckets = std::vector<Bucket<double>>{BF().Lower(0.25).Upper(1).LowerInclusive(false).UpperInclusive(true).Count(100).Index(0), BF().Lower(1).Upper(4).LowerInclusive(false).UpperInclusive(true).Count(522).Index(1), BF().Lower(4).Upper(16).LowerInclusive(false).UpperInclusive(true).Count(68).Index(2), BF().Lower(16).Upper(64).LowerInclusive(false).UpperInclusive(true).Count(322).Index(3)}, .expNegativeBuckets = std::vector<Bucket<double>>{BF().Lower(-1).Upper(-0.25).LowerInclusive(true).UpperInclusive(false).Count(10).Index(0), BF().Lower(-4).Upper(-1).LowerInclusive(true).UpperInclusive(false).Count(1264).Index(1), BF().Lower(-64).Upper(-16).LowerInclusive(true).UpperInclusive(false).Count(184).Index(3), BF().Lower(-256).Upper(-64).LowerInclusive(true).UpperInclusive(false).Count(791).Index(4), BF().Lower(-1024).Upper(-256).LowerInclusive(true).UpperInclusive(false).Count(33).Index(5)}},
    {.name = "no schema change", .h = FH().Count(405).Sum(1008.4).Schema(-1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<double>{100, 522, 68, 322}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).NegativeBuckets(std::vector<double>{100, 522, 68, 322}), .expPositiveBuckets = std::vector<Bucket<double>>{BF().Lower(0.25).Upper(1).LowerInclusive(false).UpperInclusive(true).Count(100).Index(0), BF().Lower(1).Upper(4).LowerInclusive(false).UpperInclusive(true).Count(522).Index(1), BF().Lower(16).Upper(64).LowerInclusive(false).UpperInclusive(true).Count(68).Index(3), BF().Lower(64).Upper(256).LowerInclusive(false).UpperInclusive(true).Count(322).Index(4)}, .expNegativeBuckets = std::vector<Bucket<double>>{BF().Lower(-1).Upper(-0.25).LowerInclusive(true).UpperInclusive(false).Count(100).Index(0), BF().Lower(-4).Upper(-1).LowerInclusive(true).UpperInclusive(false).Count(522).Index(1), BF().Lower(-64).Upper(-16).LowerInclusive(true).UpperInclusive(false).Count(68).Index(3), BF().Lower(-256).Upper(-64).LowerInclusive(true).UpperInclusive(false).Count(322).Index(4)}},
    {.name = "no schema change, missing bucket", .h = FH().Count(405).Sum(1008.4).Schema(-1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<double>{100, 522, 68}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).NegativeBuckets(std::vector<double>{100, 522, 68}), .expPositiveBuckets = std::vector<Bucket<double>>{BF().Lower(0.25).Upper(1).LowerInclusive(false).UpperInclusive(true).Count(100).Index(0), BF().Lower(1).Upper(4).LowerInclusive(false).UpperInclusive(true).Count(522).Index(1), BF().Lower(16).Upper(64).LowerInclusive(false).UpperInclusive(true).Count(68).Index(3)}, .expNegativeBuckets = std::vector<Bucket<double>>{BF().Lower(-1).Upper(-0.25).LowerInclusive(true).UpperInclusive(false).Count(100).Index(0), BF().Lower(-4).Upper(-1).LowerInclusive(true).UpperInclusive(false).Count(522).Index(1), BF().Lower(-64).Upper(-16).LowerInclusive(true).UpperInclusive(false).Count(68).Index(3)}},
    {.name = "no schema change, spurious bucket", .h = FH().Count(405).Sum(1008.4).Schema(-1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<double>{100, 522, 68, 322, 42}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).NegativeBuckets(std::vector<double>{100, 522, 68, 322, 42}), .expPositiveBuckets = std::vector<Bucket<double>>{BF().Lower(0.25).Upper(1).LowerInclusive(false).UpperInclusive(true).Count(100).Index(0), BF().Lower(1).Upper(4).LowerInclusive(false).UpperInclusive(true).Count(522).Index(1), BF().Lower(16).Upper(64).LowerInclusive(false).UpperInclusive(true).Count(68).Index(3), BF().Lower(64).Upper(256).LowerInclusive(false).UpperInclusive(true).Count(322).Index(4)}, .expNegativeBuckets = std::vector<Bucket<double>>{BF().Lower(-1).Upper(-0.25).LowerInclusive(true).UpperInclusive(false).Count(100).Index(0), BF().Lower(-4).Upper(-1).LowerInclusive(true).UpperInclusive(false).Count(522).Index(1), BF().Lower(-64).Upper(-16).LowerInclusive(true).UpperInclusive(false).Count(68).Index(3), BF().Lower(-256).Upper(-64).LowerInclusive(true).UpperInclusive(false).Count(322).Index(4)}},
  };
  for (const TargetSchemaCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.expPositiveBuckets, Drain(c.h.BucketIteratorAt(true, 0, -1)));
    EXPECT_EQ(c.expNegativeBuckets, Drain(c.h.BucketIteratorAt(false, 0, -1)));
  }
}

struct CustomIteratorCase {
  FloatHistogram h;
  std::vector<Bucket<double>> expPositiveBuckets;
};

TEST(FloatBucketIterator, CustomBuckets) {
  const std::vector<CustomIteratorCase> cases = {
    {.h = FH().Count(622).Sum(10008.4).Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 1}, {.offset = 1, .length = 1}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55}).CustomValues(std::vector<double>{10, 25, 50, 100, 500}), .expPositiveBuckets = std::vector<Bucket<double>>{BF().Lower((-kInf)).Upper(10).LowerInclusive(true).UpperInclusive(true).Count(100).Index(0), BF().Lower(10).Upper(25).LowerInclusive(false).UpperInclusive(true).Count(344).Index(1), BF().Lower(50).Upper(100).LowerInclusive(false).UpperInclusive(true).Count(123).Index(3), BF().Lower(500).Upper(kInf).LowerInclusive(false).UpperInclusive(true).Count(55).Index(5)}},
    {.h = FH().Count(622).Sum(10008.4).Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 1}, {.offset = 1, .length = 1}}).PositiveBuckets(std::vector<double>{100, 344, 123, 55}).CustomValues(std::vector<double>{-10, -5, 0, 10, 25}), .expPositiveBuckets = std::vector<Bucket<double>>{BF().Lower((-kInf)).Upper(-10).LowerInclusive(true).UpperInclusive(true).Count(100).Index(0), BF().Lower(-10).Upper(-5).LowerInclusive(false).UpperInclusive(true).Count(344).Index(1), BF().Lower(0).Upper(10).LowerInclusive(false).UpperInclusive(true).Count(123).Index(3), BF().Lower(25).Upper(kInf).LowerInclusive(false).UpperInclusive(true).Count(55).Index(5)}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    const CustomIteratorCase& c = cases[i];
    const std::vector<Bucket<double>> reversed(c.expPositiveBuckets.rbegin(), c.expPositiveBuckets.rend());
    EXPECT_EQ(c.expPositiveBuckets, Drain(c.h.AllBucketIterator()));
    EXPECT_EQ(reversed, Drain(c.h.AllReverseBucketIterator()));
    EXPECT_EQ(c.expPositiveBuckets, Drain(c.h.PositiveBucketIterator()));
    EXPECT_EQ(reversed, Drain(c.h.PositiveReverseBucketIterator()));
    EXPECT_TRUE(Drain(c.h.NegativeBucketIterator()).empty());
    EXPECT_TRUE(Drain(c.h.NegativeReverseBucketIterator()).empty());
    EXPECT_EQ(c.expPositiveBuckets, Drain(c.h.BucketIteratorAt(true, 0, CustomBucketsSchema)));
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
    {.name = "valid float histogram", .origin = FH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4}, {.offset = 0, .length = 0}, {.offset = 3, .length = 2}}).PositiveBuckets(std::vector<double>{1, 3, 1, 2, 1, 1}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 0, .length = 0}, {.offset = 3, .length = 2}}).NegativeBuckets(std::vector<double>{1, 3, 1, 2, 1, 1}), .targetSchema = -1, .target = FH().Schema(-1).PositiveSpans(std::vector<Span>{{.offset = -1, .length = 3}, {.offset = 1, .length = 1}}).PositiveBuckets(std::vector<double>{1, 4, 2, 2}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 1}}).NegativeBuckets(std::vector<double>{1, 4, 2, 2})},
    {.name = "not enough buckets", .origin = FH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4}, {.offset = 0, .length = 0}, {.offset = 3, .length = 2}}).PositiveBuckets(std::vector<double>{1, 3, 1, 2, 1}), .targetSchema = -1, .errorMsg = "have 5 buckets but spans need more: histogram spans specify different number of buckets than provided"},
    {.name = "too many buckets", .origin = FH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4}, {.offset = 0, .length = 0}, {.offset = 3, .length = 2}}).PositiveBuckets(std::vector<double>{1, 3, 1, 2, 1, 1, 5}), .targetSchema = -1, .errorMsg = "spans need 6 buckets, have 7 buckets: histogram spans specify different number of buckets than provided"},
    {.name = "negative offset", .origin = FH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4}, {.offset = -1, .length = 0}, {.offset = 3, .length = 2}}).PositiveBuckets(std::vector<double>{1, 3, 1, 2, 1, 1}), .targetSchema = -1, .errorMsg = "span number 2 with offset -1: histogram has a span whose offset is negative"},
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
  const FloatHistogram h1 = FH().Schema(3).Count(2.2).Sum(9.7).ZeroThreshold(0.1).ZeroCount(1.1)
      .PositiveSpans({{0, 1}}).PositiveBuckets({3}).NegativeSpans({{0, 1}}).NegativeBuckets({4});
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
  const FloatHistogram c1 = FH().Schema(CustomBucketsSchema).PositiveSpans({{0, 2}}).PositiveBuckets({1, 2}).CustomValues({1, 2});
  FloatHistogram c2 = c1;
  EXPECT_TRUE(c1.Equals(c2));
  c2.custom_values = MakeCustomValues({1, 3});
  EXPECT_FALSE(c1.Equals(c2));
}

TEST(FloatHistogram, TrimBuckets) {
  const FloatHistogram orig = FH().Count(30).Sum(100).PositiveSpans({{0, 4}}).PositiveBuckets({5, 5, 10, 10});
  FloatHistogram h = orig;
  FloatHistogram& got = h.TrimBuckets(4, true);
  EXPECT_EQ(&got, &h);  // in place
  // (4,8] is dropped; the rest is kept whole, the sum rebuilt from geometric midpoints.
  const FloatHistogram want = FH().Count(20).Sum(std::sqrt(0.5) * 5 + std::sqrt(2.0) * 5 + std::sqrt(8.0) * 10)
      .PositiveSpans({{0, 3}}).PositiveBuckets({5, 5, 10});
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
