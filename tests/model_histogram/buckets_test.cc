// Schema bounds (GetBoundExponential), Bucket::FractionBelow, resolution reduction of layouts and
// custom-bound matching, with the case tables of Prometheus' model/histogram/generic_test.go.
#include "model/histogram/buckets.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
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
      EXPECT_NEAR(std::exp2(static_cast<double>(i) / (1 << schema)), GetBoundExponential(i, schema),
                  1e-15);
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
      {.name = "linear, midpoint",
       .bucket = BF().Lower(0).Upper(10).Count(100),
       .v = 5,
       .linear = true,
       .want = 0.5},
      {.name = "linear, quarter",
       .bucket = BF().Lower(2).Upper(6).Count(100),
       .v = 3,
       .linear = true,
       .want = 0.25},
      {.name = "linear, negative bucket",
       .bucket = BF().Lower(-10).Upper(-5).Count(100),
       .v = -6,
       .linear = true,
       .want = 0.8},
      {.name = "exponential, positive bucket at geometric midpoint",
       .bucket = BF().Lower(2).Upper(8).Count(100),
       .v = 4,
       .linear = false,
       .want = 0.5},
      {.name = "exponential, positive bucket lower quarter of log scale",
       .bucket = BF().Lower(1).Upper(16).Count(100),
       .v = 2,
       .linear = false,
       .want = 0.25},
      {.name = "exponential, negative bucket at geometric midpoint",
       .bucket = BF().Lower(-8).Upper(-2).Count(100),
       .v = -4,
       .linear = false,
       .want = 0.5},
      {.name = "exponential, negative bucket",
       .bucket = BF().Lower(-4).Upper(-2).Count(100),
       .v = -3,
       .linear = false,
       .want = 0.41503749927884383},
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
      {.spans =
           std::vector<Span>{
               {.offset = 0, .length = 4}, {.offset = 0, .length = 0}, {.offset = 3, .length = 2}},
       .buckets = std::vector<int64_t>{1, 2, -2, 1, -1, 0},
       .schema = 0,
       .targetSchema = -1,
       .expectedSpans = std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 1}},
       .expectedBuckets = std::vector<int64_t>{1, 3, -2, 0}},
  };
  for (const auto& c : cases) {
    std::vector<Span> spans;
    std::vector<int64_t> buckets;
    ASSERT_TRUE(
        ReduceResolution(c.spans, c.buckets, c.schema, c.targetSchema, true, &spans, &buckets)
            .ok());
    EXPECT_EQ(c.expectedSpans, spans);
    EXPECT_EQ(c.expectedBuckets, buckets);
  }
}

TEST(Buckets, ReduceResolutionFloatHistogram) {
  const std::vector<ReduceCase<double>> cases = {
      {.spans =
           std::vector<Span>{
               {.offset = 0, .length = 4}, {.offset = 0, .length = 0}, {.offset = 3, .length = 2}},
       .buckets = std::vector<double>{1, 3, 1, 2, 1, 1},
       .schema = 0,
       .targetSchema = -1,
       .expectedSpans = std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 1}},
       .expectedBuckets = std::vector<double>{1, 4, 2, 2}},
  };
  for (const auto& c : cases) {
    std::vector<Span> spans;
    std::vector<double> buckets;
    ASSERT_TRUE(
        ReduceResolution(c.spans, c.buckets, c.schema, c.targetSchema, false, &spans, &buckets)
            .ok());
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
      {.name = "both empty",
       .c1 = std::vector<double>{},
       .c2 = std::vector<double>{},
       .want = true},
      {.name = "one empty one non-empty",
       .c1 = std::vector<double>{},
       .c2 = std::vector<double>{1.0},
       .want = false},
      {.name = "different lengths",
       .c1 = std::vector<double>{1.0, 2.0},
       .c2 = std::vector<double>{1.0, 2.0, 3.0},
       .want = false},
      {.name = "same single value",
       .c1 = std::vector<double>{1.5},
       .c2 = std::vector<double>{1.5},
       .want = true},
      {.name = "different single value",
       .c1 = std::vector<double>{1.5},
       .c2 = std::vector<double>{2.5},
       .want = false},
      {.name = "same multiple values",
       .c1 = std::vector<double>{1.0, 2.0, 3.0, 4.0, 5.0},
       .c2 = std::vector<double>{1.0, 2.0, 3.0, 4.0, 5.0},
       .want = true},
      {.name = "different values",
       .c1 = std::vector<double>{1.0, 2.1, 3.0},
       .c2 = std::vector<double>{1.0, 2.0, 3.0},
       .want = false},
  };
  for (const BoundsMatchCase& c : cases) {
    SCOPED_TRACE(c.name);
    CustomValues a = c.c1 ? MakeCustomValues(*c.c1) : nullptr;
    CustomValues b = c.c2 ? MakeCustomValues(*c.c2) : nullptr;
    EXPECT_EQ(c.want, CustomBucketBoundsMatch(a, b));
    EXPECT_EQ(c.want, CustomBucketBoundsMatch(b, a));
  }
}

}  // namespace
}  // namespace promlet::model::histogram
