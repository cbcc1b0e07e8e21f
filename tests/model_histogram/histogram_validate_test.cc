// Histogram: Validate (and the float version of every case) and ReduceResolution, with the case
// tables of Prometheus' model/histogram/histogram_test.go.
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/histogram/histogram.h"
#include "tests/model_histogram/histogram_test_util.h"

namespace promlet::model::histogram {
namespace {

using namespace testutil;  // NOLINT: the builders and Go-named constants of the tables

struct ValidationCase {
  std::string name;
  Histogram h;
  std::string errMsg;
  bool skipFloat = false;
};

TEST(Histogram, Validate) {
  const std::vector<ValidationCase> cases = {
      {.name = "valid histogram",
       .h = IH().Count(12)
                .ZeroCount(2)
                .ZeroThreshold(0.001)
                .Sum(19.4)
                .Schema(1)
                .PositiveSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0})
                .NegativeSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .NegativeBuckets(std::vector<int64_t>{1, 1, -1, 0})},
      {.name = "valid histogram with NaN observations that has its Count (4) higher than the "
               "actual total of buckets (2 + 1)",
       .h = IH().ZeroCount(2)
                .Count(4)
                .Sum(kNaN)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 1}})
                .PositiveBuckets(std::vector<int64_t>{1})},
      {.name = "rejects histogram without NaN observations that has its Count (4) higher than the "
               "actual total of buckets (2 + 1)",
       .h = IH().ZeroCount(2)
                .Count(4)
                .Sum(333)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 1}})
                .PositiveBuckets(std::vector<int64_t>{1}),
       .errMsg =
           "3 observations found in buckets, but the Count field is 4: histogram's observation "
           "count should equal the number of observations found in the buckets (in absence of NaN)",
       .skipFloat = true},
      {.name = "rejects histogram that has too few negative buckets",
       .h = IH().NegativeSpans(std::vector<Span>{{.offset = 0, .length = 1}})
                .NegativeBuckets(std::vector<int64_t>{}),
       .errMsg = "negative side: spans need 1 buckets, have 0 buckets: histogram spans specify "
                 "different number of buckets than provided"},
      {.name = "rejects histogram that has too few positive buckets",
       .h = IH().PositiveSpans(std::vector<Span>{{.offset = 0, .length = 1}})
                .PositiveBuckets(std::vector<int64_t>{}),
       .errMsg = "positive side: spans need 1 buckets, have 0 buckets: histogram spans specify "
                 "different number of buckets than provided"},
      {.name = "rejects histogram that has too many negative buckets",
       .h = IH().NegativeSpans(std::vector<Span>{{.offset = 0, .length = 1}})
                .NegativeBuckets(std::vector<int64_t>{1, 2}),
       .errMsg = "negative side: spans need 1 buckets, have 2 buckets: histogram spans specify "
                 "different number of buckets than provided"},
      {.name = "rejects histogram that has too many positive buckets",
       .h = IH().PositiveSpans(std::vector<Span>{{.offset = 0, .length = 1}})
                .PositiveBuckets(std::vector<int64_t>{1, 2}),
       .errMsg = "positive side: spans need 1 buckets, have 2 buckets: histogram spans specify "
                 "different number of buckets than provided"},
      {.name = "rejects a histogram that has a negative span with a negative offset",
       .h = IH().NegativeSpans(
                    std::vector<Span>{{.offset = -1, .length = 1}, {.offset = -1, .length = 1}})
                .NegativeBuckets(std::vector<int64_t>{1, 2}),
       .errMsg = "negative side: span number 2 with offset -1: histogram has a span whose offset "
                 "is negative"},
      {.name = "rejects a histogram which has a positive span with a negative offset",
       .h = IH().PositiveSpans(
                    std::vector<Span>{{.offset = -1, .length = 1}, {.offset = -1, .length = 1}})
                .PositiveBuckets(std::vector<int64_t>{1, 2}),
       .errMsg = "positive side: span number 2 with offset -1: histogram has a span whose offset "
                 "is negative"},
      {.name = "rejects a histogram that has a negative bucket with a negative count",
       .h = IH().NegativeSpans(std::vector<Span>{{.offset = -1, .length = 1}})
                .NegativeBuckets(std::vector<int64_t>{-1}),
       .errMsg = "negative side: bucket number 1 has observation count of -1: histogram has a "
                 "bucket whose observation count is negative"},
      {.name = "rejects a histogram that has a positive bucket with a negative count",
       .h = IH().PositiveSpans(std::vector<Span>{{.offset = -1, .length = 1}})
                .PositiveBuckets(std::vector<int64_t>{-1}),
       .errMsg = "positive side: bucket number 1 has observation count of -1: histogram has a "
                 "bucket whose observation count is negative"},
      {.name = "rejects a histogram that has a lower count than count in buckets",
       .h = IH().Count(0)
                .NegativeSpans(std::vector<Span>{{.offset = -1, .length = 1}})
                .PositiveSpans(std::vector<Span>{{.offset = -1, .length = 1}})
                .NegativeBuckets(std::vector<int64_t>{1})
                .PositiveBuckets(std::vector<int64_t>{1}),
       .errMsg =
           "2 observations found in buckets, but the Count field is 0: histogram's observation "
           "count should equal the number of observations found in the buckets (in absence of NaN)",
       .skipFloat = true},
      {.name = "rejects a histogram that doesn't count the zero bucket in its count",
       .h = IH().Count(2)
                .ZeroCount(1)
                .NegativeSpans(std::vector<Span>{{.offset = -1, .length = 1}})
                .PositiveSpans(std::vector<Span>{{.offset = -1, .length = 1}})
                .NegativeBuckets(std::vector<int64_t>{1})
                .PositiveBuckets(std::vector<int64_t>{1}),
       .errMsg =
           "3 observations found in buckets, but the Count field is 2: histogram's observation "
           "count should equal the number of observations found in the buckets (in absence of NaN)",
       .skipFloat = true},
      {.name = "rejects an exponential histogram with custom buckets schema",
       .h = IH().Count(12)
                .ZeroCount(2)
                .ZeroThreshold(0.001)
                .Sum(19.4)
                .Schema(CustomBucketsSchema)
                .PositiveSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0})
                .NegativeSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .NegativeBuckets(std::vector<int64_t>{1, 1, -1, 0}),
       .errMsg = "custom buckets: only 0 custom bounds defined which is insufficient to cover "
                 "total span length of 5: histogram custom bounds are too few"},
      {.name = "rejects a custom buckets histogram with exponential schema",
       .h = IH().Count(5)
                .Sum(19.4)
                .Schema(0)
                .PositiveSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0})
                .CustomValues(std::vector<double>{1, 2, 3, 4}),
       .errMsg = "histogram with exponential schema must not have custom bounds",
       .skipFloat = true},
      {.name = "rejects a custom buckets histogram with zero/negative buckets",
       .h = IH().Count(12)
                .ZeroCount(2)
                .ZeroThreshold(0.001)
                .Sum(19.4)
                .Schema(CustomBucketsSchema)
                .PositiveSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0})
                .NegativeSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .NegativeBuckets(std::vector<int64_t>{1, 1, -1, 0})
                .CustomValues(std::vector<double>{1, 2, 3, 4}),
       .errMsg = "custom buckets: must have zero count of 0",
       .skipFloat = true},
      {.name = "rejects a custom buckets histogram with negative offset in first span",
       .h = IH().Count(5)
                .Sum(19.4)
                .Schema(CustomBucketsSchema)
                .PositiveSpans(
                    std::vector<Span>{{.offset = -1, .length = 2}, {.offset = 1, .length = 2}})
                .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0})
                .CustomValues(std::vector<double>{1, 2, 3, 4}),
       .errMsg = "custom buckets: span number 1 with offset -1: histogram has a span whose offset "
                 "is negative"},
      {.name = "rejects a custom buckets histogram with negative offset in subsequent spans",
       .h = IH().Count(5)
                .Sum(19.4)
                .Schema(CustomBucketsSchema)
                .PositiveSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = -1, .length = 2}})
                .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0})
                .CustomValues(std::vector<double>{1, 2, 3, 4}),
       .errMsg = "custom buckets: span number 2 with offset -1: histogram has a span whose offset "
                 "is negative"},
      {.name = "rejects a custom buckets histogram with non-matching bucket counts",
       .h = IH().Count(5)
                .Sum(19.4)
                .Schema(CustomBucketsSchema)
                .PositiveSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .PositiveBuckets(std::vector<int64_t>{1, 1, -1})
                .CustomValues(std::vector<double>{1, 2, 3, 4}),
       .errMsg = "custom buckets: spans need 4 buckets, have 3 buckets: histogram spans specify "
                 "different number of buckets than provided"},
      {.name = "rejects a custom buckets histogram with too few bounds",
       .h = IH().Count(5)
                .Sum(19.4)
                .Schema(CustomBucketsSchema)
                .PositiveSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0})
                .CustomValues(std::vector<double>{1, 2, 3}),
       .errMsg = "custom buckets: only 3 custom bounds defined which is insufficient to cover "
                 "total span length of 5: histogram custom bounds are too few"},
      {.name = "valid custom buckets histogram",
       .h = IH().Count(5)
                .Sum(19.4)
                .Schema(CustomBucketsSchema)
                .PositiveSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0})
                .CustomValues(std::vector<double>{1, 2, 3, 4})},
      {.name = "valid custom buckets histogram with extra bounds",
       .h = IH().Count(5)
                .Sum(19.4)
                .Schema(CustomBucketsSchema)
                .PositiveSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0})
                .CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8})},
      {.name = "reject custom buckets histogram with non-increasing bound",
       .h = IH().Schema(CustomBucketsSchema).CustomValues(std::vector<double>{0, 0}),
       .errMsg = "custom buckets: previous bound is 0.000000 and current is 0.000000: histogram "
                 "custom bounds must be in strictly increasing order"},
      {.name = "reject custom buckets histogram with explicit +Inf bound",
       .h = IH().Schema(CustomBucketsSchema).CustomValues(std::vector<double>{1, kInf}),
       .errMsg = "custom buckets: last +Inf bound must not be explicitly defined: histogram custom "
                 "bounds must be finite"},
      {.name = "valid custom buckets histogram with explicit -Inf bound",
       .h = IH().Schema(CustomBucketsSchema).CustomValues(std::vector<double>{(-kInf), 1})},
      {.name = "reject custom buckets histogram with NaN bound",
       .h = IH().Schema(CustomBucketsSchema).CustomValues(std::vector<double>{1, kNaN, 3}),
       .errMsg = "custom buckets: histogram custom bounds must not be NaN"},
      {.name = "schema too high",
       .h = IH().Schema(10),
       .errMsg = "histogram has an invalid schema, which must be between -4 and 8 for exponential "
                 "buckets, or -53 for custom buckets, got schema 10"},
      {.name = "schema too low",
       .h = IH().Schema(-10),
       .errMsg = "histogram has an invalid schema, which must be between -4 and 8 for exponential "
                 "buckets, or -53 for custom buckets, got schema -10"},
  };
  for (const ValidationCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::Status s = c.h.Validate();
    if (c.errMsg.empty()) {
      EXPECT_TRUE(s.ok()) << s;
    } else {
      EXPECT_EQ(c.errMsg, s.message());
    }
    if (c.skipFloat) continue;
    absl::Status fs = c.h.ToFloat().Validate();
    if (c.errMsg.empty()) {
      EXPECT_TRUE(fs.ok()) << fs;
    } else {
      EXPECT_EQ(c.errMsg, fs.message());
    }
  }
}

struct ReduceCase {
  std::string name;
  Histogram origin;
  int32_t targetSchema;
  std::optional<Histogram> target;
  std::string errorMsg;
};

TEST(Histogram, ReduceResolution) {
  std::vector<ReduceCase> cases = {
      {.name = "valid histogram",
       .origin = IH().Schema(0)
                     .PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4},
                                                      {.offset = 0, .length = 0},
                                                      {.offset = 3, .length = 2}})
                     .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0})
                     .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                      {.offset = 0, .length = 0},
                                                      {.offset = 3, .length = 2}})
                     .NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}),
       .targetSchema = -1,
       .target = IH().Schema(-1)
                     .PositiveSpans(
                         std::vector<Span>{{.offset = -1, .length = 3}, {.offset = 1, .length = 1}})
                     .PositiveBuckets(std::vector<int64_t>{1, 3, -2, 0})
                     .NegativeSpans(
                         std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 1}})
                     .NegativeBuckets(std::vector<int64_t>{1, 3, -2, 0})},
      {.name = "not enough buckets",
       .origin = IH().Schema(0)
                     .PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4},
                                                      {.offset = 0, .length = 0},
                                                      {.offset = 3, .length = 2}})
                     .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1}),
       .targetSchema = -1,
       .errorMsg = "have 5 buckets but spans need more: histogram spans specify different number "
                   "of buckets than provided"},
      {.name = "too many buckets",
       .origin = IH().Schema(0)
                     .PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4},
                                                      {.offset = 0, .length = 0},
                                                      {.offset = 3, .length = 2}})
                     .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 3}),
       .targetSchema = -1,
       .errorMsg = "spans need 6 buckets, have 7 buckets: histogram spans specify different number "
                   "of buckets than provided"},
      {.name = "negative offset",
       .origin = IH().Schema(0)
                     .PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4},
                                                      {.offset = -1, .length = 0},
                                                      {.offset = 3, .length = 2}})
                     .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}),
       .targetSchema = -1,
       .errorMsg = "span number 2 with offset -1: histogram has a span whose offset is negative"},
  };
  for (ReduceCase& c : cases) {
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

}  // namespace
}  // namespace promlet::model::histogram
