// Float bucket iterators merged into a lower target schema, and over custom buckets, with the
// case tables of Prometheus' model/histogram/float_histogram_test.go.
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

struct TargetSchemaCase {
  std::string name;
  FloatHistogram h;
  std::vector<Bucket<double>> expPositiveBuckets, expNegativeBuckets;
};

TEST(FloatBucketIterator, TargetSchema) {
  const std::vector<TargetSchemaCase> cases = {
      {.name = "regular",
       .h = FH().Count(405)
                .Sum(1008.4)
                .Schema(1)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 3},
                                                 {.offset = 2, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 7, .length = 4},
                                                 {.offset = 1, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33}),
       .expPositiveBuckets =
           std::vector<Bucket<double>>{BF().Lower(0.25)
                                           .Upper(1)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(100)
                                           .Index(0),
                                       BF().Lower(1)
                                           .Upper(4)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(522)
                                           .Index(1),
                                       BF().Lower(4)
                                           .Upper(16)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(68)
                                           .Index(2),
                                       BF().Lower(16)
                                           .Upper(64)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(322)
                                           .Index(3)},
       .expNegativeBuckets =
           std::vector<Bucket<double>>{BF().Lower(-1)
                                           .Upper(-0.25)
                                           .LowerInclusive(true)
                                           .UpperInclusive(false)
                                           .Count(10)
                                           .Index(0),
                                       BF().Lower(-4)
                                           .Upper(-1)
                                           .LowerInclusive(true)
                                           .UpperInclusive(false)
                                           .Count(1264)
                                           .Index(1),
                                       BF().Lower(-64)
                                           .Upper(-16)
                                           .LowerInclusive(true)
                                           .UpperInclusive(false)
                                           .Count(184)
                                           .Index(3),
                                       BF().Lower(-256)
                                           .Upper(-64)
                                           .LowerInclusive(true)
                                           .UpperInclusive(false)
                                           .Count(791)
                                           .Index(4),
                                       BF().Lower(-1024)
                                           .Upper(-256)
                                           .LowerInclusive(true)
                                           .UpperInclusive(false)
                                           .Count(33)
                                           .Index(5)}},
      {.name = "missing buckets",
       .h = FH().Count(405)
                .Sum(1008.4)
                .Schema(1)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 3},
                                                 {.offset = 2, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 7, .length = 4},
                                                 {.offset = 1, .length = 3}})
                .NegativeBuckets(std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235}),
       .expPositiveBuckets =
           std::vector<Bucket<double>>{BF().Lower(0.25)
                                           .Upper(1)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(100)
                                           .Index(0),
                                       BF().Lower(1)
                                           .Upper(4)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(522)
                                           .Index(1),
                                       BF().Lower(4)
                                           .Upper(16)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(68)
                                           .Index(2),
                                       BF().Lower(16)
                                           .Upper(64)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(289)
                                           .Index(3)},
       .expNegativeBuckets = std::vector<Bucket<double>>{BF().Lower(-1)
                                                             .Upper(-0.25)
                                                             .LowerInclusive(true)
                                                             .UpperInclusive(false)
                                                             .Count(10)
                                                             .Index(0),
                                                         BF().Lower(-4)
                                                             .Upper(-1)
                                                             .LowerInclusive(true)
                                                             .UpperInclusive(false)
                                                             .Count(1264)
                                                             .Index(1),
                                                         BF().Lower(-64)
                                                             .Upper(-16)
                                                             .LowerInclusive(true)
                                                             .UpperInclusive(false)
                                                             .Count(184)
                                                             .Index(3),
                                                         BF().Lower(-256)
                                                             .Upper(-64)
                                                             .LowerInclusive(true)
                                                             .UpperInclusive(false)
                                                             .Count(791)
                                                             .Index(4)}},
      {.name = "spurious bucket",
       .h = FH().Count(405)
                .Sum(1008.4)
                .Schema(1)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                 {.offset = 1, .length = 3},
                                                 {.offset = 2, .length = 3}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55, 3, 63, 2, 54, 235, 33, 42})
                .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 3},
                                                 {.offset = 7, .length = 4},
                                                 {.offset = 1, .length = 3}})
                .NegativeBuckets(
                    std::vector<double>{10, 34, 1230, 54, 67, 63, 2, 554, 235, 33, 42}),
       .expPositiveBuckets =
           std::vector<Bucket<double>>{BF().Lower(0.25)
                                           .Upper(1)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(100)
                                           .Index(0),
                                       BF().Lower(1)
                                           .Upper(4)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(522)
                                           .Index(1),
                                       BF().Lower(4)
                                           .Upper(16)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(68)
                                           .Index(2),
                                       BF().Lower(16)
                                           .Upper(64)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(322)
                                           .Index(3)},
       .expNegativeBuckets =
           std::vector<Bucket<double>>{BF().Lower(-1)
                                           .Upper(-0.25)
                                           .LowerInclusive(true)
                                           .UpperInclusive(false)
                                           .Count(10)
                                           .Index(0),
                                       BF().Lower(-4)
                                           .Upper(-1)
                                           .LowerInclusive(true)
                                           .UpperInclusive(false)
                                           .Count(1264)
                                           .Index(1),
                                       BF().Lower(-64)
                                           .Upper(-16)
                                           .LowerInclusive(true)
                                           .UpperInclusive(false)
                                           .Count(184)
                                           .Index(3),
                                       BF().Lower(-256)
                                           .Upper(-64)
                                           .LowerInclusive(true)
                                           .UpperInclusive(false)
                                           .Count(791)
                                           .Index(4),
                                       BF().Lower(-1024)
                                           .Upper(-256)
                                           .LowerInclusive(true)
                                           .UpperInclusive(false)
                                           .Count(33)
                                           .Index(5)}},
      {.name = "no schema change",
       .h = FH().Count(405)
                .Sum(1008.4)
                .Schema(-1)
                .PositiveSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .PositiveBuckets(std::vector<double>{100, 522, 68, 322})
                .NegativeSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .NegativeBuckets(std::vector<double>{100, 522, 68, 322}),
       .expPositiveBuckets =
           std::vector<Bucket<double>>{BF().Lower(0.25)
                                           .Upper(1)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(100)
                                           .Index(0),
                                       BF().Lower(1)
                                           .Upper(4)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(522)
                                           .Index(1),
                                       BF().Lower(16)
                                           .Upper(64)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(68)
                                           .Index(3),
                                       BF().Lower(64)
                                           .Upper(256)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(322)
                                           .Index(4)},
       .expNegativeBuckets =
           std::vector<Bucket<double>>{
               BF().Lower(-1)
                   .Upper(-0.25)
                   .LowerInclusive(true)
                   .UpperInclusive(false)
                   .Count(100)
                   .Index(0),
               BF().Lower(-4).Upper(-1).LowerInclusive(true).UpperInclusive(false).Count(522).Index(
                   1),
               BF().Lower(-64)
                   .Upper(-16)
                   .LowerInclusive(true)
                   .UpperInclusive(false)
                   .Count(68)
                   .Index(3),
               BF().Lower(-256)
                   .Upper(-64)
                   .LowerInclusive(true)
                   .UpperInclusive(false)
                   .Count(322)
                   .Index(4)}},
      {.name = "no schema change, missing bucket",
       .h = FH().Count(405)
                .Sum(1008.4)
                .Schema(-1)
                .PositiveSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .PositiveBuckets(std::vector<double>{100, 522, 68})
                .NegativeSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .NegativeBuckets(std::vector<double>{100, 522, 68}),
       .expPositiveBuckets =
           std::vector<Bucket<double>>{BF().Lower(0.25)
                                           .Upper(1)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(100)
                                           .Index(0),
                                       BF().Lower(1)
                                           .Upper(4)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(522)
                                           .Index(1),
                                       BF().Lower(16)
                                           .Upper(64)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(68)
                                           .Index(3)},
       .expNegativeBuckets =
           std::vector<Bucket<double>>{
               BF().Lower(-1)
                   .Upper(-0.25)
                   .LowerInclusive(true)
                   .UpperInclusive(false)
                   .Count(100)
                   .Index(0),
               BF().Lower(-4).Upper(-1).LowerInclusive(true).UpperInclusive(false).Count(522).Index(
                   1),
               BF().Lower(-64)
                   .Upper(-16)
                   .LowerInclusive(true)
                   .UpperInclusive(false)
                   .Count(68)
                   .Index(3)}},
      {.name = "no schema change, spurious bucket",
       .h = FH().Count(405)
                .Sum(1008.4)
                .Schema(-1)
                .PositiveSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .PositiveBuckets(std::vector<double>{100, 522, 68, 322, 42})
                .NegativeSpans(
                    std::vector<Span>{{.offset = 0, .length = 2}, {.offset = 1, .length = 2}})
                .NegativeBuckets(std::vector<double>{100, 522, 68, 322, 42}),
       .expPositiveBuckets =
           std::vector<Bucket<double>>{BF().Lower(0.25)
                                           .Upper(1)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(100)
                                           .Index(0),
                                       BF().Lower(1)
                                           .Upper(4)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(522)
                                           .Index(1),
                                       BF().Lower(16)
                                           .Upper(64)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(68)
                                           .Index(3),
                                       BF().Lower(64)
                                           .Upper(256)
                                           .LowerInclusive(false)
                                           .UpperInclusive(true)
                                           .Count(322)
                                           .Index(4)},
       .expNegativeBuckets =
           std::vector<Bucket<double>>{
               BF().Lower(-1)
                   .Upper(-0.25)
                   .LowerInclusive(true)
                   .UpperInclusive(false)
                   .Count(100)
                   .Index(0),
               BF().Lower(-4).Upper(-1).LowerInclusive(true).UpperInclusive(false).Count(522).Index(
                   1),
               BF().Lower(-64)
                   .Upper(-16)
                   .LowerInclusive(true)
                   .UpperInclusive(false)
                   .Count(68)
                   .Index(3),
               BF().Lower(-256)
                   .Upper(-64)
                   .LowerInclusive(true)
                   .UpperInclusive(false)
                   .Count(322)
                   .Index(4)}},
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
      {.h = FH().Count(622)
                .Sum(10008.4)
                .Schema(CustomBucketsSchema)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2},
                                                 {.offset = 1, .length = 1},
                                                 {.offset = 1, .length = 1}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55})
                .CustomValues(std::vector<double>{10, 25, 50, 100, 500}),
       .expPositiveBuckets =
           std::vector<Bucket<double>>{
               BF().Lower((-kInf))
                   .Upper(10)
                   .LowerInclusive(true)
                   .UpperInclusive(true)
                   .Count(100)
                   .Index(0),
               BF().Lower(10).Upper(25).LowerInclusive(false).UpperInclusive(true).Count(344).Index(
                   1),
               BF().Lower(50)
                   .Upper(100)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Count(123)
                   .Index(3),
               BF().Lower(500)
                   .Upper(kInf)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Count(55)
                   .Index(5)}},
      {.h = FH().Count(622)
                .Sum(10008.4)
                .Schema(CustomBucketsSchema)
                .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2},
                                                 {.offset = 1, .length = 1},
                                                 {.offset = 1, .length = 1}})
                .PositiveBuckets(std::vector<double>{100, 344, 123, 55})
                .CustomValues(std::vector<double>{-10, -5, 0, 10, 25}),
       .expPositiveBuckets = std::vector<Bucket<double>>{BF().Lower((-kInf))
                                                             .Upper(-10)
                                                             .LowerInclusive(true)
                                                             .UpperInclusive(true)
                                                             .Count(100)
                                                             .Index(0),
                                                         BF().Lower(-10)
                                                             .Upper(-5)
                                                             .LowerInclusive(false)
                                                             .UpperInclusive(true)
                                                             .Count(344)
                                                             .Index(1),
                                                         BF().Lower(0)
                                                             .Upper(10)
                                                             .LowerInclusive(false)
                                                             .UpperInclusive(true)
                                                             .Count(123)
                                                             .Index(3),
                                                         BF().Lower(25)
                                                             .Upper(kInf)
                                                             .LowerInclusive(false)
                                                             .UpperInclusive(true)
                                                             .Count(55)
                                                             .Index(5)}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    const CustomIteratorCase& c = cases[i];
    const std::vector<Bucket<double>> reversed(c.expPositiveBuckets.rbegin(),
                                               c.expPositiveBuckets.rend());
    EXPECT_EQ(c.expPositiveBuckets, Drain(c.h.AllBucketIterator()));
    EXPECT_EQ(reversed, Drain(c.h.AllReverseBucketIterator()));
    EXPECT_EQ(c.expPositiveBuckets, Drain(c.h.PositiveBucketIterator()));
    EXPECT_EQ(reversed, Drain(c.h.PositiveReverseBucketIterator()));
    EXPECT_TRUE(Drain(c.h.NegativeBucketIterator()).empty());
    EXPECT_TRUE(Drain(c.h.NegativeReverseBucketIterator()).empty());
    EXPECT_EQ(c.expPositiveBuckets, Drain(c.h.BucketIteratorAt(true, 0, CustomBucketsSchema)));
  }
}

}  // namespace
}  // namespace promlet::model::histogram
