// FloatHistogram::DetectReset with the case table of Prometheus' float_histogram_test.go.
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/histogram/float_histogram.h"
#include "tests/model_histogram/histogram_test_util.h"

namespace promlet::model::histogram {
namespace {

using namespace testutil;  // NOLINT: the builders and Go-named constants of the tables

struct DetectResetCase {
  std::string name;
  FloatHistogram previous, current;
  bool resetExpected;
};

TEST(FloatHistogram, DetectReset) {
  const std::vector<DetectResetCase> cases = {
      {"zero values", FH(), FH(), false},
      {"no buckets to some buckets", FH(),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"some buckets to no buckets",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH(), true},
      {"one bucket appears, nothing else changes",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"one bucket disappears, nothing else changes",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       true},
      {"an unpopulated bucket disappears, nothing else changes",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"an unpopulated bucket at the end disappears, nothing else changes",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 1}, {1, 2}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"an unpopulated bucket disappears in a histogram with nothing else",
       FH().PositiveSpans(std::vector<Span>{{23, 1}}).PositiveBuckets(std::vector<double>{0}), FH(),
       false},
      {"zero count goes up",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.6)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"zero count goes down",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.4)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       true},
      {"count goes up",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.4)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"count goes down",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.2)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       true},
      {"sum goes up",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349210)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"sum goes down",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349200)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"one positive bucket goes up",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.3, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"one positive bucket goes down",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.1, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       true},
      {"one negative bucket goes up",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3.1, 1.234e5, 1000}),
       false},
      {"one negative bucket goes down",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 2.9, 1.234e5, 1000}),
       true},
      {"zero threshold decreases",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.009)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       true},
      {"zero threshold increases without touching any existing buckets",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.011)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"zero threshold increases enough to cover existing buckets",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(1)
           .ZeroCount(7.73)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{1, 3}})
           .PositiveBuckets(std::vector<double>{3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"zero threshold increases into the middle of an existing buckets",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.3)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       true},
      {"schema increases without any other changes",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .Schema(0)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .Schema(1)
           .PositiveSpans(std::vector<Span>{{-5, 4}, {2, 6}})
           .PositiveBuckets(std::vector<double>{0.4, 0.6, 1, 0.23, 2, 1.3, 1.2, 3, 0.05, 0.05})
           .NegativeSpans(std::vector<Span>{{5, 4}, {6, 4}})
           .NegativeBuckets(std::vector<double>{2, 1.1, 2, 1, 0.234e5, 1e5, 500, 500}),
       true},
      {"schema decreases without any other changes",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .Schema(1)
           .PositiveSpans(std::vector<Span>{{-5, 4}, {2, 6}})
           .PositiveBuckets(std::vector<double>{0.4, 0.6, 1, 0.23, 2, 1.3, 1.2, 3, 0.05, 0.05})
           .NegativeSpans(std::vector<Span>{{5, 4}, {6, 4}})
           .NegativeBuckets(std::vector<double>{2, 1.1, 2, 1, 0.234e5, 1e5, 500, 500}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .Schema(0)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"schema decreases and a bucket goes up",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .Schema(1)
           .PositiveSpans(std::vector<Span>{{-5, 4}, {2, 6}})
           .PositiveBuckets(std::vector<double>{0.4, 0.6, 1, 0.23, 2, 1.3, 1.2, 3, 0.05, 0.05})
           .NegativeSpans(std::vector<Span>{{5, 4}, {6, 4}})
           .NegativeBuckets(std::vector<double>{2, 1.1, 2, 1, 0.234e5, 1e5, 500, 500}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .Schema(0)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 4.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       false},
      {"schema decreases and a bucket goes down",
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .Schema(1)
           .PositiveSpans(std::vector<Span>{{-5, 4}, {2, 6}})
           .PositiveBuckets(std::vector<double>{0.4, 0.6, 1, 0.23, 2, 1.3, 1.2, 3, 0.05, 0.05})
           .NegativeSpans(std::vector<Span>{{5, 4}, {6, 4}})
           .NegativeBuckets(std::vector<double>{2, 1.1, 2, 1, 0.234e5, 1e5, 500, 500}),
       FH().ZeroThreshold(0.01)
           .ZeroCount(5.5)
           .Count(3493.3)
           .Sum(2349209.324)
           .Schema(0)
           .PositiveSpans(std::vector<Span>{{-2, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 2.3, 4.2, 0.1})
           .NegativeSpans(std::vector<Span>{{3, 2}, {3, 2}})
           .NegativeBuckets(std::vector<double>{3.1, 3, 1.234e5, 1000}),
       true},
      {"no buckets to some buckets with custom bounds",
       FH().Schema(CustomBucketsSchema).CustomValues(std::vector<double>{1, 2, 3}),
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3}),
       false},
      {"some buckets to no buckets with custom bounds",
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3}),
       FH().Schema(CustomBucketsSchema).CustomValues(std::vector<double>{1, 2, 3}), true},
      {"one bucket appears, nothing else changes with custom bounds",
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       false},
      {"one bucket disappears, nothing else changes with custom bounds",
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 1.23, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       true},
      {"an unpopulated bucket disappears, nothing else changes with custom bounds",
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 1}, {2, 3}})
           .PositiveBuckets(std::vector<double>{1, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       false},
      {"one positive bucket goes up with custom bounds",
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.3, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       false},
      {"one positive bucket goes down with custom bounds",
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.2, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       FH().Schema(CustomBucketsSchema)
           .Count(3493.3)
           .Sum(2349209.324)
           .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{1, 0, 3.3, 4.1, 0.1})
           .CustomValues(std::vector<double>{1, 2, 3, 4}),
       true},
      {"mismatched custom bounds - no reset when all buckets increase",
       FH().Schema(CustomBucketsSchema)
           .Count(200)
           .Sum(1000)
           .PositiveSpans(std::vector<Span>{{0, 4}})
           .PositiveBuckets(std::vector<double>{20, 35, 40, 50})
           .CustomValues(std::vector<double>{0, 1, 2, 3}),
       FH().Schema(CustomBucketsSchema)
           .Count(200)
           .Sum(1000)
           .PositiveSpans(std::vector<Span>{{0, 5}})
           .PositiveBuckets(std::vector<double>{25, 15, 40, 50, 70})
           .CustomValues(std::vector<double>{0, 0.5, 1, 2, 3}),
       false},
      {"mismatched custom bounds - reset in middle bucket",
       FH().Schema(CustomBucketsSchema)
           .Count(100)
           .Sum(500)
           .PositiveSpans(std::vector<Span>{{1, 4}})
           .PositiveBuckets(std::vector<double>{10, 15, 20, 25})
           .CustomValues(std::vector<double>{0, 1, 3, 5}),
       FH().Schema(CustomBucketsSchema)
           .Count(100)
           .Sum(500)
           .PositiveSpans(std::vector<Span>{{1, 5}})
           .PositiveBuckets(std::vector<double>{10, 16, 10, 5, 25})
           .CustomValues(std::vector<double>{0, 1, 2, 3, 5}),
       true},
      {"mismatched custom bounds - reset in last bucket",
       FH().Schema(CustomBucketsSchema)
           .Count(100)
           .Sum(500)
           .PositiveSpans(std::vector<Span>{{1, 3}})
           .PositiveBuckets(std::vector<double>{10, 20, 20})
           .CustomValues(std::vector<double>{0, 1, 2}),
       FH().Schema(CustomBucketsSchema)
           .Count(100)
           .Sum(500)
           .PositiveSpans(std::vector<Span>{{1, 4}})
           .PositiveBuckets(std::vector<double>{100, 200, 8, 7})
           .CustomValues(std::vector<double>{0, 1, 2, 3}),
       true},
      {"mismatched custom bounds - no common bounds",
       FH().Schema(CustomBucketsSchema)
           .Count(100)
           .Sum(500)
           .PositiveSpans(std::vector<Span>{{1, 3}})
           .PositiveBuckets(std::vector<double>{10, 20, 30})
           .CustomValues(std::vector<double>{4, 5, 6}),
       FH().Schema(CustomBucketsSchema)
           .Count(100)
           .Sum(500)
           .PositiveSpans(std::vector<Span>{{1, 3}})
           .PositiveBuckets(std::vector<double>{15, 25, 35})
           .CustomValues(std::vector<double>{1, 2, 3}),
       false},
      {"mismatched custom bounds - sparse common bounds",
       FH().Schema(CustomBucketsSchema)
           .Count(200)
           .Sum(1000)
           .PositiveSpans(std::vector<Span>{{0, 4}})
           .PositiveBuckets(std::vector<double>{10, 20, 30, 40})
           .CustomValues(std::vector<double>{0, 1, 3, 5}),
       FH().Schema(CustomBucketsSchema)
           .Count(200)
           .Sum(1000)
           .PositiveSpans(std::vector<Span>{{0, 5}})
           .PositiveBuckets(std::vector<double>{15, 25, 70, 50, 100})
           .CustomValues(std::vector<double>{0, 2, 3, 4, 5}),
       false},
      {"reset detected with mismatched custom bounds and split bucket spans",
       FH().Schema(CustomBucketsSchema)
           .Count(200)
           .Sum(1000)
           .PositiveSpans(std::vector<Span>{{0, 2}, {1, 3}})
           .PositiveBuckets(std::vector<double>{10, 20, 30, 40, 50})
           .CustomValues(std::vector<double>{0, 1, 2, 3, 4, 5}),
       FH().Schema(CustomBucketsSchema)
           .Count(200)
           .Sum(1000)
           .PositiveSpans(std::vector<Span>{{0, 3}, {1, 2}})
           .PositiveBuckets(std::vector<double>{15, 25, 35, 25, 60})
           .CustomValues(std::vector<double>{0, 1, 3, 4, 5, 7}),
       true},
      {"no reset with mismatched custom bounds and split bucket spans",
       FH().Schema(CustomBucketsSchema)
           .Count(300)
           .Sum(1500)
           .PositiveSpans(std::vector<Span>{{0, 2}, {2, 3}})
           .PositiveBuckets(std::vector<double>{10, 20, 30, 40, 50})
           .CustomValues(std::vector<double>{0, 1, 2, 3, 4, 5, 6}),
       FH().Schema(CustomBucketsSchema)
           .Count(300)
           .Sum(1500)
           .PositiveSpans(std::vector<Span>{{0, 3}, {1, 2}})
           .PositiveBuckets(std::vector<double>{12, 25, 45, 75, 95})
           .CustomValues(std::vector<double>{0, 0.5, 1, 3, 5, 7}),
       false},
      {"reset when a populated bucket following an empty one disappears",
       FH().ZeroThreshold(0.001)
           .Count(10)
           .PositiveSpans(std::vector<Span>{{0, 1}})
           .PositiveBuckets(std::vector<double>{5})
           .NegativeSpans(std::vector<Span>{{1, 2}})
           .NegativeBuckets(std::vector<double>{0, 5}),
       FH().ZeroThreshold(0.001)
           .Count(20)
           .PositiveSpans(std::vector<Span>{{0, 1}})
           .PositiveBuckets(std::vector<double>{20}),
       true},
      {"reset when current ends before a later populated previous bucket",
       FH().ZeroThreshold(0.001)
           .Count(7)
           .PositiveSpans(std::vector<Span>{{0, 3}})
           .PositiveBuckets(std::vector<double>{2, 0, 5}),
       FH().ZeroThreshold(0.001)
           .Count(100)
           .PositiveSpans(std::vector<Span>{{0, 1}})
           .PositiveBuckets(std::vector<double>{100}),
       true},
  };
  for (const DetectResetCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.resetExpected, c.current.DetectReset(c.previous));
  }
}

}  // namespace
}  // namespace promlet::model::histogram
