// Histogram's bucket iterators (cumulative, positive, negative) with the case tables of
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

struct CumulativeCase {
  Histogram histogram;
  std::vector<Bucket<uint64_t>> expectedBuckets;
};

TEST(Histogram, CumulativeBucketIterator) {
  const std::vector<CumulativeCase> cases = {
      {.histogram = IH().Schema(0)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2},
                                                         {.offset = 1, .length = 2}})
                        .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}),
       .expectedBuckets =
           std::vector<Bucket<uint64_t>>{BU().Lower((-kInf))
                                             .Upper(1)
                                             .Count(1)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(0),
                                         BU().Lower((-kInf))
                                             .Upper(2)
                                             .Count(3)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(1),
                                         BU().Lower((-kInf))
                                             .Upper(4)
                                             .Count(3)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(2),
                                         BU().Lower((-kInf))
                                             .Upper(8)
                                             .Count(4)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(3),
                                         BU().Lower((-kInf))
                                             .Upper(16)
                                             .Count(5)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(4)}},
      {.histogram = IH().Schema(0)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 5},
                                                         {.offset = 1, .length = 1}})
                        .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}),
       .expectedBuckets =
           std::vector<Bucket<uint64_t>>{BU().Lower((-kInf))
                                             .Upper(1)
                                             .Count(1)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(0),
                                         BU().Lower((-kInf))
                                             .Upper(2)
                                             .Count(4)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(1),
                                         BU().Lower((-kInf))
                                             .Upper(4)
                                             .Count(5)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(2),
                                         BU().Lower((-kInf))
                                             .Upper(8)
                                             .Count(7)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(3),
                                         BU().Lower((-kInf))
                                             .Upper(16)
                                             .Count(8)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(4),
                                         BU().Lower((-kInf))
                                             .Upper(32)
                                             .Count(8)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(5),
                                         BU().Lower((-kInf))
                                             .Upper(64)
                                             .Count(9)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(6)}},
      {.histogram = IH().Schema(0)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 7}})
                        .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 0}),
       .expectedBuckets =
           std::vector<Bucket<uint64_t>>{BU().Lower((-kInf))
                                             .Upper(1)
                                             .Count(1)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(0),
                                         BU().Lower((-kInf))
                                             .Upper(2)
                                             .Count(4)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(1),
                                         BU().Lower((-kInf))
                                             .Upper(4)
                                             .Count(5)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(2),
                                         BU().Lower((-kInf))
                                             .Upper(8)
                                             .Count(7)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(3),
                                         BU().Lower((-kInf))
                                             .Upper(16)
                                             .Count(8)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(4),
                                         BU().Lower((-kInf))
                                             .Upper(32)
                                             .Count(9)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(5),
                                         BU().Lower((-kInf))
                                             .Upper(64)
                                             .Count(10)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(6)}},
      {.histogram = IH().Schema(3)
                        .PositiveSpans(std::vector<Span>{{.offset = -5, .length = 2},
                                                         {.offset = 2, .length = 3},
                                                         {.offset = 2, .length = 2}})
                        .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 3}),
       .expectedBuckets =
           std::vector<Bucket<uint64_t>>{BU().Lower((-kInf))
                                             .Upper(0.6484197773255048)
                                             .Count(1)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(-5),
                                         BU().Lower((-kInf))
                                             .Upper(0.7071067811865475)
                                             .Count(4)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(-4),
                                         BU().Lower((-kInf))
                                             .Upper(0.7711054127039704)
                                             .Count(4)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(-3),
                                         BU().Lower((-kInf))
                                             .Upper(0.8408964152537144)
                                             .Count(4)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(-2),
                                         BU().Lower((-kInf))
                                             .Upper(0.9170040432046711)
                                             .Count(5)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(-1),
                                         BU().Lower((-kInf))
                                             .Upper(1)
                                             .Count(7)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(0),
                                         BU().Lower((-kInf))
                                             .Upper(1.0905077326652577)
                                             .Count(8)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(1),
                                         BU().Lower((-kInf))
                                             .Upper(1.189207115002721)
                                             .Count(8)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(2),
                                         BU().Lower((-kInf))
                                             .Upper(1.2968395546510096)
                                             .Count(8)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(3),
                                         BU().Lower((-kInf))
                                             .Upper(1.414213562373095)
                                             .Count(9)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(4),
                                         BU().Lower((-kInf))
                                             .Upper(1.5422108254079407)
                                             .Count(13)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(5)}},
      {.histogram = IH().Schema(-2)
                        .PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4},
                                                         {.offset = 2, .length = 2}})
                        .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}),
       .expectedBuckets =
           std::vector<Bucket<uint64_t>>{
               BU().Lower((-kInf))
                   .Upper(0.00390625)
                   .Count(1)
                   .LowerInclusive(true)
                   .UpperInclusive(true)
                   .Index(-2),
               BU().Lower((-kInf))
                   .Upper(0.0625)
                   .Count(4)
                   .LowerInclusive(true)
                   .UpperInclusive(true)
                   .Index(-1),
               BU().Lower((-kInf))
                   .Upper(1)
                   .Count(5)
                   .LowerInclusive(true)
                   .UpperInclusive(true)
                   .Index(0),
               BU().Lower((-kInf))
                   .Upper(16)
                   .Count(7)
                   .LowerInclusive(true)
                   .UpperInclusive(true)
                   .Index(1),
               BU().Lower((-kInf))
                   .Upper(256)
                   .Count(7)
                   .LowerInclusive(true)
                   .UpperInclusive(true)
                   .Index(2),
               BU().Lower((-kInf))
                   .Upper(4096)
                   .Count(7)
                   .LowerInclusive(true)
                   .UpperInclusive(true)
                   .Index(3),
               BU().Lower((-kInf))
                   .Upper(65536)
                   .Count(8)
                   .LowerInclusive(true)
                   .UpperInclusive(true)
                   .Index(4),
               BU().Lower((-kInf))
                   .Upper(1048576)
                   .Count(9)
                   .LowerInclusive(true)
                   .UpperInclusive(true)
                   .Index(5)}},
      {.histogram = IH().Schema(-1)
                        .PositiveSpans(std::vector<Span>{{.offset = -2, .length = 5}})
                        .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1}),
       .expectedBuckets =
           std::vector<Bucket<uint64_t>>{BU().Lower((-kInf))
                                             .Upper(0.0625)
                                             .Count(1)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(-2),
                                         BU().Lower((-kInf))
                                             .Upper(0.25)
                                             .Count(4)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(-1),
                                         BU().Lower((-kInf))
                                             .Upper(1)
                                             .Count(5)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(0),
                                         BU().Lower((-kInf))
                                             .Upper(4)
                                             .Count(7)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(1),
                                         BU().Lower((-kInf))
                                             .Upper(16)
                                             .Count(8)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(2)}},
      {.histogram = IH().Schema(CustomBucketsSchema)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2},
                                                         {.offset = 1, .length = 2}})
                        .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0})
                        .CustomValues(std::vector<double>{5, 10, 20, 50}),
       .expectedBuckets =
           std::vector<Bucket<uint64_t>>{BU().Lower((-kInf))
                                             .Upper(5)
                                             .Count(1)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(0),
                                         BU().Lower((-kInf))
                                             .Upper(10)
                                             .Count(3)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(1),
                                         BU().Lower((-kInf))
                                             .Upper(20)
                                             .Count(3)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(2),
                                         BU().Lower((-kInf))
                                             .Upper(50)
                                             .Count(4)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(3),
                                         BU().Lower((-kInf))
                                             .Upper(kInf)
                                             .Count(5)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(4)}},
      {.histogram = IH().Schema(0)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2},
                                                         {.offset = 1, .length = 2}})
                        .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0, 2}),
       .expectedBuckets =
           std::vector<Bucket<uint64_t>>{BU().Lower((-kInf))
                                             .Upper(1)
                                             .Count(1)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(0),
                                         BU().Lower((-kInf))
                                             .Upper(2)
                                             .Count(3)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(1),
                                         BU().Lower((-kInf))
                                             .Upper(4)
                                             .Count(3)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(2),
                                         BU().Lower((-kInf))
                                             .Upper(8)
                                             .Count(4)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(3),
                                         BU().Lower((-kInf))
                                             .Upper(16)
                                             .Count(5)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(4)}},
      {.histogram = IH().Schema(0)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2},
                                                         {.offset = 1, .length = 3}})
                        .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}),
       .expectedBuckets =
           std::vector<Bucket<uint64_t>>{BU().Lower((-kInf))
                                             .Upper(1)
                                             .Count(1)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(0),
                                         BU().Lower((-kInf))
                                             .Upper(2)
                                             .Count(3)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(1),
                                         BU().Lower((-kInf))
                                             .Upper(4)
                                             .Count(3)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(2),
                                         BU().Lower((-kInf))
                                             .Upper(8)
                                             .Count(4)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(3),
                                         BU().Lower((-kInf))
                                             .Upper(16)
                                             .Count(5)
                                             .LowerInclusive(true)
                                             .UpperInclusive(true)
                                             .Index(4)}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    std::vector<Bucket<uint64_t>> got;
    for (auto it = cases[i].histogram.CumulativeBucketIterator(); it.Next();)
      got.push_back(it.At());
    EXPECT_EQ(cases[i].expectedBuckets, got);
  }
}

struct RegularCase {
  Histogram histogram;
  std::vector<Bucket<uint64_t>> expectedPositiveBuckets, expectedNegativeBuckets;
};

TEST(Histogram, RegularBucketIterator) {
  const std::vector<RegularCase> cases = {
      {.histogram = IH().Schema(0),
       .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{},
       .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
      {.histogram = IH().Schema(0)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2},
                                                         {.offset = 1, .length = 2}})
                        .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0}),
       .expectedPositiveBuckets =
           std::vector<Bucket<uint64_t>>{
               BU().Lower(0.5).Upper(1).Count(1).LowerInclusive(false).UpperInclusive(true).Index(
                   0),
               BU().Lower(1).Upper(2).Count(2).LowerInclusive(false).UpperInclusive(true).Index(1),
               BU().Lower(4).Upper(8).Count(1).LowerInclusive(false).UpperInclusive(true).Index(3),
               BU().Lower(8).Upper(16).Count(1).LowerInclusive(false).UpperInclusive(true).Index(
                   4)},
       .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
      {.histogram = IH().Schema(0)
                        .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 5},
                                                         {.offset = 1, .length = 1}})
                        .NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}),
       .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{},
       .expectedNegativeBuckets =
           std::vector<Bucket<uint64_t>>{
               BU().Lower(-1).Upper(-0.5).Count(1).LowerInclusive(true).UpperInclusive(false).Index(
                   0),
               BU().Lower(-2).Upper(-1).Count(3).LowerInclusive(true).UpperInclusive(false).Index(
                   1),
               BU().Lower(-4).Upper(-2).Count(1).LowerInclusive(true).UpperInclusive(false).Index(
                   2),
               BU().Lower(-8).Upper(-4).Count(2).LowerInclusive(true).UpperInclusive(false).Index(
                   3),
               BU().Lower(-16).Upper(-8).Count(1).LowerInclusive(true).UpperInclusive(false).Index(
                   4),
               BU().Lower(-64)
                   .Upper(-32)
                   .Count(1)
                   .LowerInclusive(true)
                   .UpperInclusive(false)
                   .Index(6)}},
      {.histogram = IH().Schema(0)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 4},
                                                         {.offset = 0, .length = 0},
                                                         {.offset = 0, .length = 3}})
                        .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 0})
                        .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 5},
                                                         {.offset = 1, .length = 0},
                                                         {.offset = 0, .length = 1}})
                        .NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}),
       .expectedPositiveBuckets =
           std::vector<Bucket<uint64_t>>{
               BU().Lower(0.5).Upper(1).Count(1).LowerInclusive(false).UpperInclusive(true).Index(
                   0),
               BU().Lower(1).Upper(2).Count(3).LowerInclusive(false).UpperInclusive(true).Index(1),
               BU().Lower(2).Upper(4).Count(1).LowerInclusive(false).UpperInclusive(true).Index(2),
               BU().Lower(4).Upper(8).Count(2).LowerInclusive(false).UpperInclusive(true).Index(3),
               BU().Lower(8).Upper(16).Count(1).LowerInclusive(false).UpperInclusive(true).Index(4),
               BU().Lower(16).Upper(32).Count(1).LowerInclusive(false).UpperInclusive(true).Index(
                   5),
               BU().Lower(32).Upper(64).Count(1).LowerInclusive(false).UpperInclusive(true).Index(
                   6)},
       .expectedNegativeBuckets =
           std::vector<Bucket<uint64_t>>{
               BU().Lower(-1).Upper(-0.5).Count(1).LowerInclusive(true).UpperInclusive(false).Index(
                   0),
               BU().Lower(-2).Upper(-1).Count(3).LowerInclusive(true).UpperInclusive(false).Index(
                   1),
               BU().Lower(-4).Upper(-2).Count(1).LowerInclusive(true).UpperInclusive(false).Index(
                   2),
               BU().Lower(-8).Upper(-4).Count(2).LowerInclusive(true).UpperInclusive(false).Index(
                   3),
               BU().Lower(-16).Upper(-8).Count(1).LowerInclusive(true).UpperInclusive(false).Index(
                   4),
               BU().Lower(-64)
                   .Upper(-32)
                   .Count(1)
                   .LowerInclusive(true)
                   .UpperInclusive(false)
                   .Index(6)}},
      {.histogram = IH().Schema(3)
                        .PositiveSpans(std::vector<Span>{{.offset = -5, .length = 2},
                                                         {.offset = 2, .length = 3},
                                                         {.offset = 2, .length = 2}})
                        .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 3}),
       .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{BU().Lower(0.5946035575013605)
                                                                    .Upper(0.6484197773255048)
                                                                    .Count(1)
                                                                    .LowerInclusive(false)
                                                                    .UpperInclusive(true)
                                                                    .Index(-5),
                                                                BU().Lower(0.6484197773255048)
                                                                    .Upper(0.7071067811865475)
                                                                    .Count(3)
                                                                    .LowerInclusive(false)
                                                                    .UpperInclusive(true)
                                                                    .Index(-4),
                                                                BU().Lower(0.8408964152537144)
                                                                    .Upper(0.9170040432046711)
                                                                    .Count(1)
                                                                    .LowerInclusive(false)
                                                                    .UpperInclusive(true)
                                                                    .Index(-1),
                                                                BU().Lower(0.9170040432046711)
                                                                    .Upper(1)
                                                                    .Count(2)
                                                                    .LowerInclusive(false)
                                                                    .UpperInclusive(true)
                                                                    .Index(0),
                                                                BU().Lower(1)
                                                                    .Upper(1.0905077326652577)
                                                                    .Count(1)
                                                                    .LowerInclusive(false)
                                                                    .UpperInclusive(true)
                                                                    .Index(1),
                                                                BU().Lower(1.2968395546510096)
                                                                    .Upper(1.414213562373095)
                                                                    .Count(1)
                                                                    .LowerInclusive(false)
                                                                    .UpperInclusive(true)
                                                                    .Index(4),
                                                                BU().Lower(1.414213562373095)
                                                                    .Upper(1.5422108254079407)
                                                                    .Count(4)
                                                                    .LowerInclusive(false)
                                                                    .UpperInclusive(true)
                                                                    .Index(5)},
       .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
      {.histogram = IH().Schema(-2)
                        .PositiveSpans(std::vector<Span>{{.offset = -2, .length = 4},
                                                         {.offset = 2, .length = 2}})
                        .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0}),
       .expectedPositiveBuckets =
           std::vector<Bucket<uint64_t>>{
               BU().Lower(0.000244140625)
                   .Upper(0.00390625)
                   .Count(1)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(-2),
               BU().Lower(0.00390625)
                   .Upper(0.0625)
                   .Count(3)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(-1),
               BU().Lower(0.0625)
                   .Upper(1)
                   .Count(1)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(0),
               BU().Lower(1).Upper(16).Count(2).LowerInclusive(false).UpperInclusive(true).Index(1),
               BU().Lower(4096)
                   .Upper(65536)
                   .Count(1)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(4),
               BU().Lower(65536)
                   .Upper(1048576)
                   .Count(1)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(5)},
       .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
      {.histogram = IH().Schema(-1)
                        .PositiveSpans(std::vector<Span>{{.offset = -2, .length = 5}})
                        .PositiveBuckets(std::vector<int64_t>{1, 2, -2, 1, -1}),
       .expectedPositiveBuckets =
           std::vector<Bucket<uint64_t>>{
               BU().Lower(0.015625)
                   .Upper(0.0625)
                   .Count(1)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(-2),
               BU().Lower(0.0625)
                   .Upper(0.25)
                   .Count(3)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(-1),
               BU().Lower(0.25).Upper(1).Count(1).LowerInclusive(false).UpperInclusive(true).Index(
                   0),
               BU().Lower(1).Upper(4).Count(2).LowerInclusive(false).UpperInclusive(true).Index(1),
               BU().Lower(4)
                   .Upper(16)
                   .Count(1)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(2)},
       .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
      {.histogram = IH().Schema(CustomBucketsSchema)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2},
                                                         {.offset = 1, .length = 2}})
                        .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0})
                        .CustomValues(std::vector<double>{5, 10, 20, 50}),
       .expectedPositiveBuckets =
           std::vector<Bucket<uint64_t>>{
               BU().Lower((-kInf))
                   .Upper(5)
                   .Count(1)
                   .LowerInclusive(true)
                   .UpperInclusive(true)
                   .Index(0),
               BU().Lower(5).Upper(10).Count(2).LowerInclusive(false).UpperInclusive(true).Index(1),
               BU().Lower(20)
                   .Upper(50)
                   .Count(1)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(3),
               BU().Lower(50)
                   .Upper(kInf)
                   .Count(1)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(4)},
       .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
      {.histogram = IH().Schema(CustomBucketsSchema)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2},
                                                         {.offset = 1, .length = 2}})
                        .PositiveBuckets(std::vector<int64_t>{1, 1, -1, 0})
                        .CustomValues(std::vector<double>{0, 10, 20, 50}),
       .expectedPositiveBuckets =
           std::vector<Bucket<uint64_t>>{
               BU().Lower((-kInf))
                   .Upper(0)
                   .Count(1)
                   .LowerInclusive(true)
                   .UpperInclusive(true)
                   .Index(0),
               BU().Lower(0).Upper(10).Count(2).LowerInclusive(false).UpperInclusive(true).Index(1),
               BU().Lower(20)
                   .Upper(50)
                   .Count(1)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(3),
               BU().Lower(50)
                   .Upper(kInf)
                   .Count(1)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(4)},
       .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
      {.histogram = IH().Schema(CustomBucketsSchema)
                        .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 5}})
                        .PositiveBuckets(std::vector<int64_t>{1, 1, 0, -1, 0})
                        .CustomValues(std::vector<double>{-5, 0, 20, 50}),
       .expectedPositiveBuckets =
           std::vector<Bucket<uint64_t>>{
               BU().Lower((-kInf))
                   .Upper(-5)
                   .Count(1)
                   .LowerInclusive(true)
                   .UpperInclusive(true)
                   .Index(0),
               BU().Lower(-5).Upper(0).Count(2).LowerInclusive(false).UpperInclusive(true).Index(1),
               BU().Lower(0).Upper(20).Count(2).LowerInclusive(false).UpperInclusive(true).Index(2),
               BU().Lower(20).Upper(50).Count(1).LowerInclusive(false).UpperInclusive(true).Index(
                   3),
               BU().Lower(50)
                   .Upper(kInf)
                   .Count(1)
                   .LowerInclusive(false)
                   .UpperInclusive(true)
                   .Index(4)},
       .expectedNegativeBuckets = std::vector<Bucket<uint64_t>>{}},
      {.histogram = IH().Schema(0)
                        .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 5},
                                                         {.offset = 1, .length = 1}})
                        .NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1, 0, 3}),
       .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{},
       .expectedNegativeBuckets =
           std::vector<Bucket<uint64_t>>{
               BU().Lower(-1).Upper(-0.5).Count(1).LowerInclusive(true).UpperInclusive(false).Index(
                   0),
               BU().Lower(-2).Upper(-1).Count(3).LowerInclusive(true).UpperInclusive(false).Index(
                   1),
               BU().Lower(-4).Upper(-2).Count(1).LowerInclusive(true).UpperInclusive(false).Index(
                   2),
               BU().Lower(-8).Upper(-4).Count(2).LowerInclusive(true).UpperInclusive(false).Index(
                   3),
               BU().Lower(-16).Upper(-8).Count(1).LowerInclusive(true).UpperInclusive(false).Index(
                   4),
               BU().Lower(-64)
                   .Upper(-32)
                   .Count(1)
                   .LowerInclusive(true)
                   .UpperInclusive(false)
                   .Index(6)}},
      {.histogram = IH().Schema(0)
                        .NegativeSpans(std::vector<Span>{{.offset = 0, .length = 5},
                                                         {.offset = 1, .length = 1}})
                        .NegativeBuckets(std::vector<int64_t>{1, 2, -2, 1, -1}),
       .expectedPositiveBuckets = std::vector<Bucket<uint64_t>>{},
       .expectedNegativeBuckets =
           std::vector<Bucket<uint64_t>>{
               BU().Lower(-1).Upper(-0.5).Count(1).LowerInclusive(true).UpperInclusive(false).Index(
                   0),
               BU().Lower(-2).Upper(-1).Count(3).LowerInclusive(true).UpperInclusive(false).Index(
                   1),
               BU().Lower(-4).Upper(-2).Count(1).LowerInclusive(true).UpperInclusive(false).Index(
                   2),
               BU().Lower(-8).Upper(-4).Count(2).LowerInclusive(true).UpperInclusive(false).Index(
                   3),
               BU().Lower(-16).Upper(-8).Count(1).LowerInclusive(true).UpperInclusive(false).Index(
                   4)}},
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

}  // namespace
}  // namespace promlet::model::histogram
