// Histogram (integer, delta-encoded): String, bucket iterators, Copy, CopyTo, Compact, Validate
// (with the float version of every case too), ReduceResolution, with the case tables of
// Prometheus' model/histogram/histogram_test.go.
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/histogram/histogram.h"
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
    {.histogram = IH().Schema(0).Count(9).Sum(-3.1415).ZeroCount(12).ZeroThreshold(0.001).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 5}, {.offset = 1, .length = 1}}).NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}), .expectedString = "{count:9, sum:-3.1415, [-64,-32):1, [-16,-8):1, [-8,-4):2, [-4,-2):1, [-2,-1):3, [-1,-0.5):1, [-0.001,0.001]:12}"},
    {.histogram = IH().Schema(0).Count(19).Sum(2.7).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 0, .length = 0}, {.offset = 0, .length = 3}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 0}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 5}, {.offset = 1, .length = 0}, {.offset = 0, .length = 1}}).NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}), .expectedString = "{count:19, sum:2.7, [-64,-32):1, [-16,-8):1, [-8,-4):2, [-4,-2):1, [-2,-1):3, [-1,-0.5):1, (0.5,1]:1, (1,2]:3, (2,4]:1, (4,8]:2, (8,16]:1, (16,32]:1, (32,64]:1}"},
    {.histogram = IH().Schema(CustomBucketsSchema).Count(19).Sum(2.7).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 0, .length = 0}, {.offset = 0, .length = 3}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 0}).CustomValues(std::vector<double>{1, 2, 5, 10, 15, 20, 25, 50}), .expectedString = "{count:19, sum:2.7, [-Inf,1]:1, (1,2]:3, (2,5]:1, (5,10]:2, (10,15]:1, (15,20]:1, (20,25]:1}"},
  };
  for (const StringCase& c : cases) EXPECT_EQ(c.expectedString, c.histogram.String());
}

struct CumulativeCase {
  Histogram histogram;
  std::vector<Bucket<uint64_t>> expectedBuckets;
};

TEST(Histogram, CumulativeBucketIterator) {
  const std::vector<CumulativeCase> cases = {
    {.histogram = IH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}), .expectedBuckets = std::vector<Bucket<uint64_t>>{BU().Lower((-kInf)).Upper(1).Count(1).LowerInclusive(true).UpperInclusive(true).Index(0), BU().Lower((-kInf)).Upper(2).Count(3).LowerInclusive(true).UpperInclusive(true).Index(1), BU().Lower((-kInf)).Upper(4).Count(3).LowerInclusive(true).UpperInclusive(true).Index(2), BU().Lower((-kInf)).Upper(8).Count(4).LowerInclusive(true).UpperInclusive(true).Index(3), BU().Lower((-kInf)).Upper(16).Count(5).LowerInclusive(true).UpperInclusive(true).Index(4)}},
    {.histogram = IH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 5}, {.offset = 1, .length = 1}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}), .expectedBuckets = std::vector<Bucket<uint64_t>>{BU().Lower((-kInf)).Upper(1).Count(1).LowerInclusive(true).UpperInclusive(true).Index(0), BU().Lower((-kInf)).Upper(2).Count(4).LowerInclusive(true).UpperInclusive(true).Index(1), BU().Lower((-kInf)).Upper(4).Count(5).LowerInclusive(true).UpperInclusive(true).Index(2), BU().Lower((-kInf)).Upper(8).Count(7).LowerInclusive(true).UpperInclusive(true).Index(3), BU().Lower((-kInf)).Upper(16).Count(8).LowerInclusive(true).UpperInclusive(true).Index(4), BU().Lower((-kInf)).Upper(32).Count(8).LowerInclusive(true).UpperInclusive(true).Index(5), BU().Lower((-kInf)).Upper(64).Count(9).LowerInclusive(true).UpperInclusive(true).Index(6)}},
    {.histogram = IH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 7}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 0}), .expectedBuckets = std::vector<Bucket<uint64_t>>{BU().Lower((-kInf)).Upper(1).Count(1).LowerInclusive(true).UpperInclusive(true).Index(0), BU().Lower((-kInf)).Upper(2).Count(4).LowerInclusive(true).UpperInclusive(true).Index(1), BU().Lower((-kInf)).Upper(4).Count(5).LowerInclusive(true).UpperInclusive(true).Index(2), BU().Lower((-kInf)).Upper(8).Count(7).LowerInclusive(true).UpperInclusive(true).Index(3), BU().Lower((-kInf)).Upper(16).Count(8).LowerInclusive(true).UpperInclusive(true).Index(4), BU().Lower((-kInf)).Upper(32).Count(9).LowerInclusive(true).UpperInclusive(true).Index(5), BU().Lower((-kInf)).Upper(64).Count(10).LowerInclusive(true).UpperInclusive(true).Index(6)}},
    {.histogram = IH().Schema(3).PositiveSpans(std::vector<Span>{{.offset = -5, .length = 2}, {.offset = 2, .length = 3}, {.offset = 2, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 3}), .expectedBuckets = std::vector<Bucket<uint64_t>>{BU().Lower((-kInf)).Upper(0.6484197773255048).Count(1).LowerInclusive(true).UpperInclusive(true).Index(-5), BU().Lower((-kInf)).Upper(0.7071067811865475).Count(4).LowerInclusive(true).UpperInclusive(true).Index(-4), BU().Lower((-kInf)).Upper(0.7711054127039704).Count(4).LowerInclusive(true).UpperInclusive(true).Index(-3), BU().Lower((-kInf)).Upper(0.8408964152537144).Count(4).LowerInclusive(true).UpperInclusive(true).Index(-2), BU().Lower((-kInf)).Upper(0.9170040432046711).Count(5).LowerInclusive(true).UpperInclusive(true).Index(-1), BU().Lower((-kInf)).Upper(1).Count(7).LowerInclusive(true).UpperInclusive(true).Index(0), BU().Lower((-kInf)).Upper(1.0905077326652577).Count(8).LowerInclusive(true).UpperInclusive(true).Index(1), BU().Lower((-kInf)).Upper(1.189207115002721).Count(8).LowerInclusive(true).UpperInclusive(true).Index(2), BU().Lower((-kInf)).Upper(1.2968395546510096).Count(8).LowerInclusive(true).UpperInclusive(true).Index(3), BU().Lower((-kInf)).Upper(1.414213562373095).Count(9).LowerInclusive(true).UpperInclusive(true).Index(4), BU().Lower((-kInf)).Upper(1.5422108254079407).Count(13).LowerInclusive(true).UpperInclusive(true).Index(5)}},
    {.histogram = IH().Schema(-2).PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4}, {.offset = 2, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}), .expectedBuckets = std::vector<Bucket<uint64_t>>{BU().Lower((-kInf)).Upper(0.00390625).Count(1).LowerInclusive(true).UpperInclusive(true).Index(-2), BU().Lower((-kInf)).Upper(0.0625).Count(4).LowerInclusive(true).UpperInclusive(true).Index(-1), BU().Lower((-kInf)).Upper(1).Count(5).LowerInclusive(true).UpperInclusive(true).Index(0), BU().Lower((-kInf)).Upper(16).Count(7).LowerInclusive(true).UpperInclusive(true).Index(1), BU().Lower((-kInf)).Upper(256).Count(7).LowerInclusive(true).UpperInclusive(true).Index(2), BU().Lower((-kInf)).Upper(4096).Count(7).LowerInclusive(true).UpperInclusive(true).Index(3), BU().Lower((-kInf)).Upper(65536).Count(8).LowerInclusive(true).UpperInclusive(true).Index(4), BU().Lower((-kInf)).Upper(1048576).Count(9).LowerInclusive(true).UpperInclusive(true).Index(5)}},
    {.histogram = IH().Schema(-1).PositiveSpans(std::vector<Span>{{.offset = -2, .length = 5}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1}), .expectedBuckets = std::vector<Bucket<uint64_t>>{BU().Lower((-kInf)).Upper(0.0625).Count(1).LowerInclusive(true).UpperInclusive(true).Index(-2), BU().Lower((-kInf)).Upper(0.25).Count(4).LowerInclusive(true).UpperInclusive(true).Index(-1), BU().Lower((-kInf)).Upper(1).Count(5).LowerInclusive(true).UpperInclusive(true).Index(0), BU().Lower((-kInf)).Upper(4).Count(7).LowerInclusive(true).UpperInclusive(true).Index(1), BU().Lower((-kInf)).Upper(16).Count(8).LowerInclusive(true).UpperInclusive(true).Index(2)}},
    {.histogram = IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}).CustomValues(std::vector<double>{5, 10, 20, 50}), .expectedBuckets = std::vector<Bucket<uint64_t>>{BU().Lower((-kInf)).Upper(5).Count(1).LowerInclusive(true).UpperInclusive(true).Index(0), BU().Lower((-kInf)).Upper(10).Count(3).LowerInclusive(true).UpperInclusive(true).Index(1), BU().Lower((-kInf)).Upper(20).Count(3).LowerInclusive(true).UpperInclusive(true).Index(2), BU().Lower((-kInf)).Upper(50).Count(4).LowerInclusive(true).UpperInclusive(true).Index(3), BU().Lower((-kInf)).Upper(kInf).Count(5).LowerInclusive(true).UpperInclusive(true).Index(4)}},
    {.histogram = IH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0, 2}), .expectedBuckets = std::vector<Bucket<uint64_t>>{BU().Lower((-kInf)).Upper(1).Count(1).LowerInclusive(true).UpperInclusive(true).Index(0), BU().Lower((-kInf)).Upper(2).Count(3).LowerInclusive(true).UpperInclusive(true).Index(1), BU().Lower((-kInf)).Upper(4).Count(3).LowerInclusive(true).UpperInclusive(true).Index(2), BU().Lower((-kInf)).Upper(8).Count(4).LowerInclusive(true).UpperInclusive(true).Index(3), BU().Lower((-kInf)).Upper(16).Count(5).LowerInclusive(true).UpperInclusive(true).Index(4)}},
    {.histogram = IH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 3}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}), .expectedBuckets = std::vector<Bucket<uint64_t>>{BU().Lower((-kInf)).Upper(1).Count(1).LowerInclusive(true).UpperInclusive(true).Index(0), BU().Lower((-kInf)).Upper(2).Count(3).LowerInclusive(true).UpperInclusive(true).Index(1), BU().Lower((-kInf)).Upper(4).Count(3).LowerInclusive(true).UpperInclusive(true).Index(2), BU().Lower((-kInf)).Upper(8).Count(4).LowerInclusive(true).UpperInclusive(true).Index(3), BU().Lower((-kInf)).Upper(16).Count(5).LowerInclusive(true).UpperInclusive(true).Index(4)}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    std::vector<Bucket<uint64_t>> got;
    for (auto it = cases[i].histogram.CumulativeBucketIterator(); it.Next();) got.push_back(it.At());
    EXPECT_EQ(cases[i].expectedBuckets, got);
  }
}

struct RegularCase {
  Histogram histogram;
  std::vector<Bucket<uint64_t>> expectedPositiveBuckets, expectedNegativeBuckets;
};

TEST(Histogram, RegularBucketIterator) {
  const std::vector<RegularCase> cases = {
    {.histogram = IH().Schema(0), .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{}, .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
    {.histogram = IH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}), .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{BU().Lower(0.5).Upper(1).Count(1).LowerInclusive(false).UpperInclusive(true).Index(0), BU().Lower(1).Upper(2).Count(2).LowerInclusive(false).UpperInclusive(true).Index(1), BU().Lower(4).Upper(8).Count(1).LowerInclusive(false).UpperInclusive(true).Index(3), BU().Lower(8).Upper(16).Count(1).LowerInclusive(false).UpperInclusive(true).Index(4)}, .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
    {.histogram = IH().Schema(0).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 5}, {.offset = 1, .length = 1}}).NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}), .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{}, .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{BU().Lower(-1).Upper(-0.5).Count(1).LowerInclusive(true).UpperInclusive(false).Index(0), BU().Lower(-2).Upper(-1).Count(3).LowerInclusive(true).UpperInclusive(false).Index(1), BU().Lower(-4).Upper(-2).Count(1).LowerInclusive(true).UpperInclusive(false).Index(2), BU().Lower(-8).Upper(-4).Count(2).LowerInclusive(true).UpperInclusive(false).Index(3), BU().Lower(-16).Upper(-8).Count(1).LowerInclusive(true).UpperInclusive(false).Index(4), BU().Lower(-64).Upper(-32).Count(1).LowerInclusive(true).UpperInclusive(false).Index(6)}},
    {.histogram = IH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 0, .length = 0}, {.offset = 0, .length = 3}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 0}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 5}, {.offset = 1, .length = 0}, {.offset = 0, .length = 1}}).NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}), .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{BU().Lower(0.5).Upper(1).Count(1).LowerInclusive(false).UpperInclusive(true).Index(0), BU().Lower(1).Upper(2).Count(3).LowerInclusive(false).UpperInclusive(true).Index(1), BU().Lower(2).Upper(4).Count(1).LowerInclusive(false).UpperInclusive(true).Index(2), BU().Lower(4).Upper(8).Count(2).LowerInclusive(false).UpperInclusive(true).Index(3), BU().Lower(8).Upper(16).Count(1).LowerInclusive(false).UpperInclusive(true).Index(4), BU().Lower(16).Upper(32).Count(1).LowerInclusive(false).UpperInclusive(true).Index(5), BU().Lower(32).Upper(64).Count(1).LowerInclusive(false).UpperInclusive(true).Index(6)}, .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{BU().Lower(-1).Upper(-0.5).Count(1).LowerInclusive(true).UpperInclusive(false).Index(0), BU().Lower(-2).Upper(-1).Count(3).LowerInclusive(true).UpperInclusive(false).Index(1), BU().Lower(-4).Upper(-2).Count(1).LowerInclusive(true).UpperInclusive(false).Index(2), BU().Lower(-8).Upper(-4).Count(2).LowerInclusive(true).UpperInclusive(false).Index(3), BU().Lower(-16).Upper(-8).Count(1).LowerInclusive(true).UpperInclusive(false).Index(4), BU().Lower(-64).Upper(-32).Count(1).LowerInclusive(true).UpperInclusive(false).Index(6)}},
    {.histogram = IH().Schema(3).PositiveSpans(std::vector<Span>{{.offset = -5, .length = 2}, {.offset = 2, .length = 3}, {.offset = 2, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 3}), .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{BU().Lower(0.5946035575013605).Upper(0.6484197773255048).Count(1).LowerInclusive(false).UpperInclusive(true).Index(-5), BU().Lower(0.6484197773255048).Upper(0.7071067811865475).Count(3).LowerInclusive(false).UpperInclusive(true).Index(-4), BU().Lower(0.8408964152537144).Upper(0.9170040432046711).Count(1).LowerInclusive(false).UpperInclusive(true).Index(-1), BU().Lower(0.9170040432046711).Upper(1).Count(2).LowerInclusive(false).UpperInclusive(true).Index(0), BU().Lower(1).Upper(1.0905077326652577).Count(1).LowerInclusive(false).UpperInclusive(true).Index(1), BU().Lower(1.2968395546510096).Upper(1.414213562373095).Count(1).LowerInclusive(false).UpperInclusive(true).Index(4), BU().Lower(1.414213562373095).Upper(1.5422108254079407).Count(4).LowerInclusive(false).UpperInclusive(true).Index(5)}, .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
    {.histogram = IH().Schema(-2).PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4}, {.offset = 2, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}), .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{BU().Lower(0.000244140625).Upper(0.00390625).Count(1).LowerInclusive(false).UpperInclusive(true).Index(-2), BU().Lower(0.00390625).Upper(0.0625).Count(3).LowerInclusive(false).UpperInclusive(true).Index(-1), BU().Lower(0.0625).Upper(1).Count(1).LowerInclusive(false).UpperInclusive(true).Index(0), BU().Lower(1).Upper(16).Count(2).LowerInclusive(false).UpperInclusive(true).Index(1), BU().Lower(4096).Upper(65536).Count(1).LowerInclusive(false).UpperInclusive(true).Index(4), BU().Lower(65536).Upper(1048576).Count(1).LowerInclusive(false).UpperInclusive(true).Index(5)}, .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
    {.histogram = IH().Schema(-1).PositiveSpans(std::vector<Span>{{.offset = -2, .length = 5}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1}), .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{BU().Lower(0.015625).Upper(0.0625).Count(1).LowerInclusive(false).UpperInclusive(true).Index(-2), BU().Lower(0.0625).Upper(0.25).Count(3).LowerInclusive(false).UpperInclusive(true).Index(-1), BU().Lower(0.25).Upper(1).Count(1).LowerInclusive(false).UpperInclusive(true).Index(0), BU().Lower(1).Upper(4).Count(2).LowerInclusive(false).UpperInclusive(true).Index(1), BU().Lower(4).Upper(16).Count(1).LowerInclusive(false).UpperInclusive(true).Index(2)}, .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
    {.histogram = IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}).CustomValues(std::vector<double>{5, 10, 20, 50}), .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{BU().Lower((-kInf)).Upper(5).Count(1).LowerInclusive(true).UpperInclusive(true).Index(0), BU().Lower(5).Upper(10).Count(2).LowerInclusive(false).UpperInclusive(true).Index(1), BU().Lower(20).Upper(50).Count(1).LowerInclusive(false).UpperInclusive(true).Index(3), BU().Lower(50).Upper(kInf).Count(1).LowerInclusive(false).UpperInclusive(true).Index(4)}, .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
    {.histogram = IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}).CustomValues(std::vector<double>{0, 10, 20, 50}), .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{BU().Lower((-kInf)).Upper(0).Count(1).LowerInclusive(true).UpperInclusive(true).Index(0), BU().Lower(0).Upper(10).Count(2).LowerInclusive(false).UpperInclusive(true).Index(1), BU().Lower(20).Upper(50).Count(1).LowerInclusive(false).UpperInclusive(true).Index(3), BU().Lower(50).Upper(kInf).Count(1).LowerInclusive(false).UpperInclusive(true).Index(4)}, .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
    {.histogram = IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 5}}).PositiveBuckets(std::vector<int64_t>{1, 1, 0, -1, 0}).CustomValues(std::vector<double>{-5, 0, 20, 50}), .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{BU().Lower((-kInf)).Upper(-5).Count(1).LowerInclusive(true).UpperInclusive(true).Index(0), BU().Lower(-5).Upper(0).Count(2).LowerInclusive(false).UpperInclusive(true).Index(1), BU().Lower(0).Upper(20).Count(2).LowerInclusive(false).UpperInclusive(true).Index(2), BU().Lower(20).Upper(50).Count(1).LowerInclusive(false).UpperInclusive(true).Index(3), BU().Lower(50).Upper(kInf).Count(1).LowerInclusive(false).UpperInclusive(true).Index(4)}, .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
    {.histogram = IH().Schema(0).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 5}, {.offset = 1, .length = 1}}).NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 3}), .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{}, .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{BU().Lower(-1).Upper(-0.5).Count(1).LowerInclusive(true).UpperInclusive(false).Index(0), BU().Lower(-2).Upper(-1).Count(3).LowerInclusive(true).UpperInclusive(false).Index(1), BU().Lower(-4).Upper(-2).Count(1).LowerInclusive(true).UpperInclusive(false).Index(2), BU().Lower(-8).Upper(-4).Count(2).LowerInclusive(true).UpperInclusive(false).Index(3), BU().Lower(-16).Upper(-8).Count(1).LowerInclusive(true).UpperInclusive(false).Index(4), BU().Lower(-64).Upper(-32).Count(1).LowerInclusive(true).UpperInclusive(false).Index(6)}},
    {.histogram = IH().Schema(0).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 5}, {.offset = 1, .length = 1}}).NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1}), .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{}, .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{BU().Lower(-1).Upper(-0.5).Count(1).LowerInclusive(true).UpperInclusive(false).Index(0), BU().Lower(-2).Upper(-1).Count(3).LowerInclusive(true).UpperInclusive(false).Index(1), BU().Lower(-4).Upper(-2).Count(1).LowerInclusive(true).UpperInclusive(false).Index(2), BU().Lower(-8).Upper(-4).Count(2).LowerInclusive(true).UpperInclusive(false).Index(3), BU().Lower(-16).Upper(-8).Count(1).LowerInclusive(true).UpperInclusive(false).Index(4)}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    std::vector<Bucket<uint64_t>> pos, neg;
    for (auto it = cases[i].histogram.PositiveBucketIterator(); it.Next();) pos.push_back(it.At());
    for (auto it = cases[i].histogram.NegativeBucketIterator(); it.Next();) neg.push_back(it.At());
    EXPECT_EQ(cases[i].expectedPositiveBuckets, pos);
    EXPECT_EQ(cases[i].expectedNegativeBuckets, neg);
  }
}

TEST(Histogram, ToFloat) {
  const Histogram h = IH().Schema(3).Count(61).Sum(2.7).ZeroThreshold(0.1).ZeroCount(42)
      .PositiveSpans({{0, 4}, {0, 0}, {0, 3}}).PositiveBuckets({1, 2, -2, 1, -1, 0, 0})
      .NegativeSpans({{0, 4}, {0, 0}, {0, 3}}).NegativeBuckets({1, 2, -2, 1, -1, 0, 0});
  const FloatHistogram want = FH().Schema(3).Count(61).Sum(2.7).ZeroThreshold(0.1).ZeroCount(42)
      .PositiveSpans({{0, 4}, {0, 0}, {0, 3}}).PositiveBuckets({1, 3, 1, 2, 1, 1, 1})
      .NegativeSpans({{0, 4}, {0, 0}, {0, 3}}).NegativeBuckets({1, 3, 1, 2, 1, 1, 1});
  EXPECT_TRUE(Same(want, h.ToFloat()));
  // Reusing a float histogram with other contents gives the same.
  FloatHistogram reused = FH().Schema(CustomBucketsSchema).CustomValues({1, 2}).PositiveBuckets({9, 9, 9, 9, 9, 9, 9, 9, 9});
  h.ToFloat(&reused);
  EXPECT_TRUE(Same(want, reused));
  EXPECT_EQ(h.String(), reused.String());

  const Histogram custom = IH().Schema(CustomBucketsSchema).Count(10).Sum(2.7)
      .PositiveSpans({{0, 4}, {0, 0}, {0, 3}}).PositiveBuckets({1, 2, -2, 1, -1, 0, 0})
      .CustomValues({5, 10, 20, 50, 100, 500});
  const FloatHistogram custom_want = FH().Schema(CustomBucketsSchema).Count(10).Sum(2.7)
      .PositiveSpans({{0, 4}, {0, 0}, {0, 3}}).PositiveBuckets({1, 3, 1, 2, 1, 1, 1})
      .CustomValues({5, 10, 20, 50, 100, 500});
  FloatHistogram with_negatives = FH().ZeroThreshold(1).ZeroCount(3).NegativeSpans({{0, 1}}).NegativeBuckets({1});
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
    {.name = "with buckets", .orig = IH().PositiveSpans(std::vector<Span>{{-2, 1}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42}).NegativeSpans(std::vector<Span>{{3, 2}}).NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000}), .expected = IH().PositiveSpans(std::vector<Span>{{-2, 1}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42}).NegativeSpans(std::vector<Span>{{3, 2}}).NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000})},
    {.name = "with empty buckets and non empty capacity", .orig = IH().PositiveSpans(std::vector<Span>(0)).PositiveBuckets(std::vector<int64_t>(0)).NegativeSpans(std::vector<Span>(0)).NegativeBuckets(std::vector<int64_t>(0)), .expected = IH()},
    {.name = "with custom buckets", .orig = IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 1}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42}).CustomValues(std::vector<double>{5, 10, 15}), .expected = IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 1}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42}).CustomValues(std::vector<double>{5, 10, 15})},
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
    {.name = "with buckets", .orig = IH().PositiveSpans(std::vector<Span>{{-2, 1}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42}).NegativeSpans(std::vector<Span>{{3, 2}}).NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000}), .expected = IH().PositiveSpans(std::vector<Span>{{-2, 1}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42}).NegativeSpans(std::vector<Span>{{3, 2}}).NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000})},
    {.name = "with empty buckets and non empty capacity", .orig = IH().PositiveSpans(std::vector<Span>(0)).PositiveBuckets(std::vector<int64_t>(0)).NegativeSpans(std::vector<Span>(0)).NegativeBuckets(std::vector<int64_t>(0)), .expected = IH()},
    {.name = "with custom buckets", .orig = IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 1}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42}).CustomValues(std::vector<double>{5, 10, 15}), .expected = IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 1}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42}).CustomValues(std::vector<double>{5, 10, 15})},
  };
  for (CopyCase c : cases) {
    SCOPED_TRACE(c.name);
    Histogram to = IH().Schema(2).ZeroThreshold(3).ZeroCount(4).NegativeSpans({{1, 1}}).NegativeBuckets({5}).CustomValues({1});
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
    {"nothing should happen", IH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000}), 0, IH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42}).NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}}).NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000})},
    {"eliminate zero offsets", IH().PositiveSpans(std::vector<Span>{{-2, 1}, {0, 3}, {0, 1}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {0, 2}, {2, 1}, {0, 1}}).NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000, 3, 4}), 0, IH().PositiveSpans(std::vector<Span>{{-2, 5}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).NegativeSpans(std::vector<Span>{{0, 4}, {2, 2}}).NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000, 3, 4})},
    {"eliminate zero length", IH().PositiveSpans(std::vector<Span>{{-2, 2}, {2, 0}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {0, 0}, {2, 0}, {1, 4}}).NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000, 3, 4}), 0, IH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}}).NegativeBuckets(std::vector<int64_t>{5, 3, static_cast<int64_t>(1.234e5), 1000, 3, 4})},
    {"eliminate multiple zero length spans", IH().PositiveSpans(std::vector<Span>{{-2, 2}, {2, 0}, {2, 0}, {2, 0}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}), 0, IH().PositiveSpans(std::vector<Span>{{-2, 2}, {9, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3})},
    {"cut empty buckets at start or end", IH().PositiveSpans(std::vector<Span>{{-4, 4}, {5, 3}}).PositiveBuckets(std::vector<int64_t>{0, 0, 1, 3, -3, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, 3, 4, -9}), 0, IH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}}).NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, 3, 4})},
    {"cut empty buckets at start and end", IH().PositiveSpans(std::vector<Span>{{-4, 4}, {5, 6}}).PositiveBuckets(std::vector<int64_t>{0, 0, 1, 3, -3, 42, 3, -46, 0, 0}).NegativeSpans(std::vector<Span>{{-2, 4}, {3, 5}}).NegativeBuckets(std::vector<int64_t>{0, 0, 5, 3, -4, -2, 3, 4, -9}), 0, IH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}}).NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, 3, 4})},
    {"cut empty buckets at start or end of spans, even in the middle", IH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 6}}).PositiveBuckets(std::vector<int64_t>{0, 0, 1, 3, -4, 0, 1, 42, 3, -46, 0, 0}).NegativeSpans(std::vector<Span>{{0, 2}, {2, 6}}).NegativeBuckets(std::vector<int64_t>{5, 3, -8, 4, -2, 3, 4, -9}), 0, IH().PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 4}}).NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, 3, 4})},
    {"cut empty buckets at start or end but merge spans due to maxEmptyBuckets", IH().PositiveSpans(std::vector<Span>{{-4, 4}, {5, 3}}).PositiveBuckets(std::vector<int64_t>{0, 0, 1, 3, -3, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, 3, 4, -9}), 10, IH().PositiveSpans(std::vector<Span>{{-2, 10}}).PositiveBuckets(std::vector<int64_t>{1, 3, -4, 0, 0, 0, 0, 1, 42, 3}).NegativeSpans(std::vector<Span>{{0, 9}}).NegativeBuckets(std::vector<int64_t>{5, 3, -8, 0, 0, 4, -2, 3, 4})},
    {"cut empty buckets from the middle of a span", IH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{0, 0, 1, -1, 0, 3, -2, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, -2, 3, 4}), 0, IH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 1}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 2}, {1, 2}}).NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, 1, 4})},
    {"cut out a span containing only empty buckets", IH().PositiveSpans(std::vector<Span>{{-4, 3}, {2, 2}, {3, 4}}).PositiveBuckets(std::vector<int64_t>{0, 0, 1, -1, 0, 3, -2, 42, 3}), 0, IH().PositiveSpans(std::vector<Span>{{-2, 1}, {7, 4}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 42, 3})},
    {"cut empty buckets from the middle of a span, avoiding some due to maxEmptyBuckets", IH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{0, 0, 1, -1, 0, 3, -2, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, -2, 3, 4}), 1, IH().PositiveSpans(std::vector<Span>{{-2, 1}, {2, 1}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, -2, 3, 4})},
    {"avoiding all cutting of empty buckets from the middle of a chunk due to maxEmptyBuckets", IH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{0, 0, 1, -1, 0, 3, -2, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, -2, 3, 4}), 2, IH().PositiveSpans(std::vector<Span>{{-2, 4}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{1, -1, 0, 3, -2, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, -2, 3, 4})},
    {"everything merged into one span due to maxEmptyBuckets", IH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{0, 0, 1, -1, 0, 3, -2, 42, 3}).NegativeSpans(std::vector<Span>{{0, 2}, {3, 5}}).NegativeBuckets(std::vector<int64_t>{5, 3, -4, -2, -2, 3, 4}), 3, IH().PositiveSpans(std::vector<Span>{{-2, 10}}).PositiveBuckets(std::vector<int64_t>{1, -1, 0, 3, -3, 0, 0, 1, 42, 3}).NegativeSpans(std::vector<Span>{{0, 10}}).NegativeBuckets(std::vector<int64_t>{5, 3, -8, 0, 0, 4, -2, -2, 3, 4})},
    {"more than one span merged in the same pass", IH().Count(30).PositiveSpans(std::vector<Span>{{0, 2}, {2, 2}, {2, 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, 1, 1, 1, 1}).NegativeSpans(std::vector<Span>{{0, 1}, {1, 1}, {1, 1}}).NegativeBuckets(std::vector<int64_t>{2, 1, 1}), 3, IH().Count(30).PositiveSpans(std::vector<Span>{{0, 10}}).PositiveBuckets(std::vector<int64_t>{1, 1, -2, 0, 3, 1, -4, 0, 5, 1}).NegativeSpans(std::vector<Span>{{0, 5}}).NegativeBuckets(std::vector<int64_t>{2, -2, 3, -3, 4})},
    {"only empty buckets and maxEmptyBuckets greater zero", IH().PositiveSpans(std::vector<Span>{{-4, 6}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 0, 0}).NegativeSpans(std::vector<Span>{{0, 7}}).NegativeBuckets(std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0}), 3, IH().PositiveSpans(std::vector<Span>{}).PositiveBuckets(std::vector<int64_t>{}).NegativeSpans(std::vector<Span>{}).NegativeBuckets(std::vector<int64_t>{})},
    {"multiple spans of only empty buckets", IH().PositiveSpans(std::vector<Span>{{-10, 2}, {2, 1}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{0, 0, 0, 0, 2, 3}).NegativeSpans(std::vector<Span>{{-10, 2}, {2, 1}, {3, 3}}).NegativeBuckets(std::vector<int64_t>{2, 3, -5, 0, 0, 0}), 0, IH().PositiveSpans(std::vector<Span>{{-1, 2}}).PositiveBuckets(std::vector<int64_t>{2, 3}).NegativeSpans(std::vector<Span>{{-10, 2}}).NegativeBuckets(std::vector<int64_t>{2, 3})},
    {"nothing should happen with custom buckets", IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42}).CustomValues(std::vector<double>{5, 10, 15}), 0, IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42}).CustomValues(std::vector<double>{5, 10, 15})},
    {"eliminate zero offsets with custom buckets", IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 1}, {0, 3}, {0, 1}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).CustomValues(std::vector<double>{5, 10, 15, 20}), 0, IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 5}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).CustomValues(std::vector<double>{5, 10, 15, 20})},
    {"eliminate zero length with custom buckets", IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 2}, {2, 0}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).CustomValues(std::vector<double>{5, 10, 15, 20}), 0, IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).CustomValues(std::vector<double>{5, 10, 15, 20})},
    {"all zero-length spans with non-empty buckets", IH().PositiveSpans(std::vector<Span>{{0, 0}, {2, 0}}).PositiveBuckets(std::vector<int64_t>{1, 3}).NegativeSpans(std::vector<Span>{{1, 0}}).NegativeBuckets(std::vector<int64_t>{2}), 0, IH().PositiveSpans(std::vector<Span>{}).PositiveBuckets(std::vector<int64_t>{}).NegativeSpans(std::vector<Span>{}).NegativeBuckets(std::vector<int64_t>{})},
    {"more buckets than spans account for", IH().PositiveSpans(std::vector<Span>{{0, 1}, {2, 1}}).PositiveBuckets(std::vector<int64_t>{1, 2, 3, 4}).NegativeSpans(std::vector<Span>{{0, 1}}).NegativeBuckets(std::vector<int64_t>{5, 6}), 0, IH().PositiveSpans(std::vector<Span>{{0, 1}, {2, 1}}).PositiveBuckets(std::vector<int64_t>{1, 2, 3, 4}).NegativeSpans(std::vector<Span>{{0, 1}}).NegativeBuckets(std::vector<int64_t>{5, 6})},
    {"eliminate multiple zero length spans with custom buckets", IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 2}, {2, 0}, {2, 0}, {2, 0}, {3, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).CustomValues(std::vector<double>{5, 10, 15, 20}), 0, IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 2}, {9, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).CustomValues(std::vector<double>{5, 10, 15, 20})},
    {"cut empty buckets at start or end of spans, even in the middle, with custom buckets", IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-4, 6}, {3, 6}}).PositiveBuckets(std::vector<int64_t>{0, 0, 1, 3, -4, 0, 1, 42, 3, -46, 0, 0}).CustomValues(std::vector<double>{5, 10, 15, 20}), 0, IH().Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{-2, 2}, {5, 3}}).PositiveBuckets(std::vector<int64_t>{1, 3, -3, 42, 3}).CustomValues(std::vector<double>{5, 10, 15, 20})},
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

struct ValidationCase {
  std::string name;
  Histogram h;
  std::string errMsg;
  bool skipFloat = false;
};

TEST(Histogram, Validate) {
  const std::vector<ValidationCase> cases = {
    {.name = "valid histogram", .h = IH().Count(12).ZeroCount(2).ZeroThreshold(0.001).Sum(19.4).Schema(1).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).NegativeBuckets(std::vector<int64_t>{1, 1, -1, 0})},
    {.name = "valid histogram with NaN observations that has its Count (4) higher than the actual total of buckets (2 + 1)", .h = IH().ZeroCount(2).Count(4).Sum(kNaN).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 1}}).PositiveBuckets(std::vector<int64_t>{1})},
    {.name = "rejects histogram without NaN observations that has its Count (4) higher than the actual total of buckets (2 + 1)", .h = IH().ZeroCount(2).Count(4).Sum(333).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 1}}).PositiveBuckets(std::vector<int64_t>{1}), .errMsg = "3 observations found in buckets, but the Count field is 4: histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)", .skipFloat = true},
    {.name = "rejects histogram that has too few negative buckets", .h = IH().NegativeSpans(std::vector<Span>{{.offset = 0, .length = 1}}).NegativeBuckets(std::vector<int64_t>{}), .errMsg = "negative side: spans need 1 buckets, have 0 buckets: histogram spans specify different number of buckets than provided"},
    {.name = "rejects histogram that has too few positive buckets", .h = IH().PositiveSpans(std::vector<Span>{{.offset = 0, .length = 1}}).PositiveBuckets(std::vector<int64_t>{}), .errMsg = "positive side: spans need 1 buckets, have 0 buckets: histogram spans specify different number of buckets than provided"},
    {.name = "rejects histogram that has too many negative buckets", .h = IH().NegativeSpans(std::vector<Span>{{.offset = 0, .length = 1}}).NegativeBuckets(std::vector<int64_t>{1, 2}), .errMsg = "negative side: spans need 1 buckets, have 2 buckets: histogram spans specify different number of buckets than provided"},
    {.name = "rejects histogram that has too many positive buckets", .h = IH().PositiveSpans(std::vector<Span>{{.offset = 0, .length = 1}}).PositiveBuckets(std::vector<int64_t>{1, 2}), .errMsg = "positive side: spans need 1 buckets, have 2 buckets: histogram spans specify different number of buckets than provided"},
    {.name = "rejects a histogram that has a negative span with a negative offset", .h = IH().NegativeSpans(std::vector<Span>{{.offset = -1, .length = 1}, {.offset = -1, .length = 1}}).NegativeBuckets(std::vector<int64_t>{1, 2}), .errMsg = "negative side: span number 2 with offset -1: histogram has a span whose offset is negative"},
    {.name = "rejects a histogram which has a positive span with a negative offset", .h = IH().PositiveSpans(std::vector<Span>{{.offset = -1, .length = 1}, {.offset = -1, .length = 1}}).PositiveBuckets(std::vector<int64_t>{1, 2}), .errMsg = "positive side: span number 2 with offset -1: histogram has a span whose offset is negative"},
    {.name = "rejects a histogram that has a negative bucket with a negative count", .h = IH().NegativeSpans(std::vector<Span>{{.offset = -1, .length = 1}}).NegativeBuckets(std::vector<int64_t>{-1}), .errMsg = "negative side: bucket number 1 has observation count of -1: histogram has a bucket whose observation count is negative"},
    {.name = "rejects a histogram that has a positive bucket with a negative count", .h = IH().PositiveSpans(std::vector<Span>{{.offset = -1, .length = 1}}).PositiveBuckets(std::vector<int64_t>{-1}), .errMsg = "positive side: bucket number 1 has observation count of -1: histogram has a bucket whose observation count is negative"},
    {.name = "rejects a histogram that has a lower count than count in buckets", .h = IH().Count(0).NegativeSpans(std::vector<Span>{{.offset = -1, .length = 1}}).PositiveSpans(std::vector<Span>{{.offset = -1, .length = 1}}).NegativeBuckets(std::vector<int64_t>{1}).PositiveBuckets(std::vector<int64_t>{1}), .errMsg = "2 observations found in buckets, but the Count field is 0: histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)", .skipFloat = true},
    {.name = "rejects a histogram that doesn't count the zero bucket in its count", .h = IH().Count(2).ZeroCount(1).NegativeSpans(std::vector<Span>{{.offset = -1, .length = 1}}).PositiveSpans(std::vector<Span>{{.offset = -1, .length = 1}}).NegativeBuckets(std::vector<int64_t>{1}).PositiveBuckets(std::vector<int64_t>{1}), .errMsg = "3 observations found in buckets, but the Count field is 2: histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)", .skipFloat = true},
    {.name = "rejects an exponential histogram with custom buckets schema", .h = IH().Count(12).ZeroCount(2).ZeroThreshold(0.001).Sum(19.4).Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).NegativeBuckets(std::vector<int64_t>{1, 1, -1, 0}), .errMsg = "custom buckets: only 0 custom bounds defined which is insufficient to cover total span length of 5: histogram custom bounds are too few"},
    {.name = "rejects a custom buckets histogram with exponential schema", .h = IH().Count(5).Sum(19.4).Schema(0).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}).CustomValues(std::vector<double>{1, 2, 3, 4}), .errMsg = "histogram with exponential schema must not have custom bounds", .skipFloat = true},
    {.name = "rejects a custom buckets histogram with zero/negative buckets", .h = IH().Count(12).ZeroCount(2).ZeroThreshold(0.001).Sum(19.4).Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).NegativeBuckets(std::vector<int64_t>{1, 1, -1, 0}).CustomValues(std::vector<double>{1, 2, 3, 4}), .errMsg = "custom buckets: must have zero count of 0", .skipFloat = true},
    {.name = "rejects a custom buckets histogram with negative offset in first span", .h = IH().Count(5).Sum(19.4).Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = -1, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}).CustomValues(std::vector<double>{1, 2, 3, 4}), .errMsg = "custom buckets: span number 1 with offset -1: histogram has a span whose offset is negative"},
    {.name = "rejects a custom buckets histogram with negative offset in subsequent spans", .h = IH().Count(5).Sum(19.4).Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = -1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}).CustomValues(std::vector<double>{1, 2, 3, 4}), .errMsg = "custom buckets: span number 2 with offset -1: histogram has a span whose offset is negative"},
    {.name = "rejects a custom buckets histogram with non-matching bucket counts", .h = IH().Count(5).Sum(19.4).Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1}).CustomValues(std::vector<double>{1, 2, 3, 4}), .errMsg = "custom buckets: spans need 4 buckets, have 3 buckets: histogram spans specify different number of buckets than provided"},
    {.name = "rejects a custom buckets histogram with too few bounds", .h = IH().Count(5).Sum(19.4).Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}).CustomValues(std::vector<double>{1, 2, 3}), .errMsg = "custom buckets: only 3 custom bounds defined which is insufficient to cover total span length of 5: histogram custom bounds are too few"},
    {.name = "valid custom buckets histogram", .h = IH().Count(5).Sum(19.4).Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}).CustomValues(std::vector<double>{1, 2, 3, 4})},
    {.name = "valid custom buckets histogram with extra bounds", .h = IH().Count(5).Sum(19.4).Schema(CustomBucketsSchema).PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}).CustomValues(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8})},
    {.name = "reject custom buckets histogram with non-increasing bound", .h = IH().Schema(CustomBucketsSchema).CustomValues(std::vector<double>{0, 0}), .errMsg = "custom buckets: previous bound is 0.000000 and current is 0.000000: histogram custom bounds must be in strictly increasing order"},
    {.name = "reject custom buckets histogram with explicit +Inf bound", .h = IH().Schema(CustomBucketsSchema).CustomValues(std::vector<double>{1, kInf}), .errMsg = "custom buckets: last +Inf bound must not be explicitly defined: histogram custom bounds must be finite"},
    {.name = "valid custom buckets histogram with explicit -Inf bound", .h = IH().Schema(CustomBucketsSchema).CustomValues(std::vector<double>{(-kInf), 1})},
    {.name = "reject custom buckets histogram with NaN bound", .h = IH().Schema(CustomBucketsSchema).CustomValues(std::vector<double>{1, kNaN, 3}), .errMsg = "custom buckets: histogram custom bounds must not be NaN"},
    {.name = "schema too high", .h = IH().Schema(10), .errMsg = "histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or -53 for custom buckets, got schema 10"},
    {.name = "schema too low", .h = IH().Schema(-10), .errMsg = "histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or -53 for custom buckets, got schema -10"},
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
    {.name = "valid histogram", .origin = IH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4}, {.offset = 0, .length = 0}, {.offset = 3, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 4}, {.offset = 0, .length = 0}, {.offset = 3, .length = 2}}).NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}), .targetSchema = -1, .target = IH().Schema(-1).PositiveSpans(std::vector<Span>{{.offset = -1, .length = 3}, {.offset = 1, .length = 1}}).PositiveBuckets(std::vector<int64_t>{1, 3, -2, 0}).NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3}, {.offset = 1, .length = 1}}).NegativeBuckets(std::vector<int64_t>{1, 3, -2, 0})},
    {.name = "not enough buckets", .origin = IH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4}, {.offset = 0, .length = 0}, {.offset = 3, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1}), .targetSchema = -1, .errorMsg = "have 5 buckets but spans need more: histogram spans specify different number of buckets than provided"},
    {.name = "too many buckets", .origin = IH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4}, {.offset = 0, .length = 0}, {.offset = 3, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 3}), .targetSchema = -1, .errorMsg = "spans need 6 buckets, have 7 buckets: histogram spans specify different number of buckets than provided"},
    {.name = "negative offset", .origin = IH().Schema(0).PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4}, {.offset = -1, .length = 0}, {.offset = 3, .length = 2}}).PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}), .targetSchema = -1, .errorMsg = "span number 2 with offset -1: histogram has a span whose offset is negative"},
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
