// The test-script histogram notation: Prometheus' TestParseHistogramSeries and
// TestHistogramTestExpression cases (promql/parser/parse_test.go), the series forms, and the
// round trip String/TestExpression -> parse -> same histogram.
#include "model/histogram/test_notation.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/histogram/float_histogram.h"
#include "tests/model_histogram/histogram_test_util.h"

namespace promlet::model::histogram {
namespace {

using namespace testutil;  // NOLINT: the builders and Go-named constants of the tables

// Parses a whole series line "{} item item ..." the way the script readers will: the metric
// "{}" first, then space-separated histogram items.
absl::StatusOr<std::vector<HistogramSeriesValue>> ParseLine(const std::string& line) {
  std::vector<HistogramSeriesValue> out;
  size_t pos = 2;  // past "{}"
  while (pos < line.size()) {
    if (line[pos] == ' ') {
      ++pos;
      continue;
    }
    if (absl::Status s = ParseHistogramSeriesItem(line, &pos, 0, &out); !s.ok()) return s;
  }
  return out;
}

struct SeriesCase {
  std::string name;
  std::string input;
  std::vector<FloatHistogram> expected;
  std::string expectedError;
};

TEST(TestNotation, ParseHistogramSeries) {
  const std::vector<SeriesCase> cases = {
      {.name = "empty histogram",
       .input = "{} {{}}",
       .expected = std::vector<FloatHistogram>{FH()}},
      {.name = "empty histogram with space",
       .input = "{} {{ }}",
       .expected = std::vector<FloatHistogram>{FH()}},
      {.name = "all properties used",
       .input =
           R"nh({} {{schema:1 sum:0.3 count:3.1 z_bucket:7.1 z_bucket_w:0.05 buckets:[5.1 10 7] offset:3 n_buckets:[4.1 5] n_offset:5 counter_reset_hint:gauge}})nh",
       .expected =
           std::vector<FloatHistogram>{
               FH().Schema(1)
                   .Sum(0.3)
                   .Count(3.1)
                   .ZeroCount(7.1)
                   .ZeroThreshold(0.05)
                   .PositiveBuckets(std::vector<double>{5.1, 10, 7})
                   .PositiveSpans(std::vector<Span>{{.offset = 3, .length = 3}})
                   .NegativeBuckets(std::vector<double>{4.1, 5})
                   .NegativeSpans(std::vector<Span>{{.offset = 5, .length = 2}})
                   .CounterResetHint(GaugeType)}},
      {.name = "all properties used - with spaces",
       .input =
           R"nh({} {{schema:1  sum:0.3  count:3  z_bucket:7 z_bucket_w:5 buckets:[5 10  7  ] offset:-3  n_buckets:[4 5]  n_offset:5  counter_reset_hint:gauge  }})nh",
       .expected =
           std::vector<FloatHistogram>{
               FH().Schema(1)
                   .Sum(0.3)
                   .Count(3)
                   .ZeroCount(7)
                   .ZeroThreshold(5)
                   .PositiveBuckets(std::vector<double>{5, 10, 7})
                   .PositiveSpans(std::vector<Span>{{.offset = -3, .length = 3}})
                   .NegativeBuckets(std::vector<double>{4, 5})
                   .NegativeSpans(std::vector<Span>{{.offset = 5, .length = 2}})
                   .CounterResetHint(GaugeType)}},
      {.name = "all properties used, with negative values where supported",
       .input =
           R"nh({} {{schema:1 sum:-0.3 count:-3.1 z_bucket:-7.1 z_bucket_w:0.05 buckets:[-5.1 -10 -7] offset:-3 n_buckets:[-4.1 -5] n_offset:-5 counter_reset_hint:gauge}})nh",
       .expected =
           std::vector<FloatHistogram>{
               FH().Schema(1)
                   .Sum(-0.3)
                   .Count(-3.1)
                   .ZeroCount(-7.1)
                   .ZeroThreshold(0.05)
                   .PositiveBuckets(std::vector<double>{-5.1, -10, -7})
                   .PositiveSpans(std::vector<Span>{{.offset = -3, .length = 3}})
                   .NegativeBuckets(std::vector<double>{-4.1, -5})
                   .NegativeSpans(std::vector<Span>{{.offset = -5, .length = 2}})
                   .CounterResetHint(GaugeType)}},
      {.name = "static series",
       .input = R"nh({} {{buckets:[5 10 7] schema:1}}x2)nh",
       .expected =
           std::vector<FloatHistogram>{
               FH().Schema(1)
                   .PositiveBuckets(std::vector<double>{5, 10, 7})
                   .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 3}}),
               FH().Schema(1)
                   .PositiveBuckets(std::vector<double>{5, 10, 7})
                   .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 3}}),
               FH().Schema(1)
                   .PositiveBuckets(std::vector<double>{5, 10, 7})
                   .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 3}})}},
      {.name = "static series - x0",
       .input = R"nh({} {{buckets:[5 10 7] schema:1}}x0)nh",
       .expected = std::vector<FloatHistogram>{FH().Schema(1)
                                                   .PositiveBuckets(std::vector<double>{5, 10, 7})
                                                   .PositiveSpans(std::vector<Span>{
                                                       {.offset = 0, .length = 3}})}},
      {.name = "2 histograms stated explicitly",
       .input = R"nh({} {{buckets:[5 10 7] schema:1}} {{buckets:[1 2 3] schema:1}})nh",
       .expected =
           std::vector<FloatHistogram>{
               FH().Schema(1)
                   .PositiveBuckets(std::vector<double>{5, 10, 7})
                   .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 3}}),
               FH().Schema(1)
                   .PositiveBuckets(std::vector<double>{1, 2, 3})
                   .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 3}})}},
      {.name = "series with increment - with different schemas",
       .input = R"nh({} {{buckets:[5] schema:0}}+{{buckets:[1 2] schema:1}}x2)nh",
       .expected =
           std::vector<FloatHistogram>{
               FH().PositiveBuckets(std::vector<double>{5})
                   .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 1}}),
               FH().PositiveBuckets(std::vector<double>{6, 2})
                   .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}}),
               FH().PositiveBuckets(std::vector<double>{7, 4})
                   .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 2}})}},
      {.name = "series with two different increments",
       .input = R"nh({} {{sum:1}}+{{sum:1}}x2 {{sum:2}}+{{sum:2}}x2)nh",
       .expected = std::vector<FloatHistogram>{FH().Sum(1), FH().Sum(2), FH().Sum(3), FH().Sum(2),
                                               FH().Sum(4), FH().Sum(6)}},
      {.name = "series with decrement",
       .input = R"nh({} {{buckets:[5 10 7] schema:1}}-{{buckets:[1 2 3] schema:1}}x2)nh",
       .expected =
           std::vector<FloatHistogram>{
               FH().Schema(1)
                   .PositiveBuckets(std::vector<double>{5, 10, 7})
                   .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 3}}),
               FH().Schema(1)
                   .PositiveBuckets(std::vector<double>{4, 8, 4})
                   .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 3}}),
               FH().Schema(1)
                   .PositiveBuckets(std::vector<double>{3, 6, 1})
                   .PositiveSpans(std::vector<Span>{{.offset = 0, .length = 3}})}},
      {.name = "series with increment - 0x",
       .input = R"nh({} {{buckets:[5 10 7] schema:1}}+{{buckets:[1 2 3] schema:1}}x0)nh",
       .expected = std::vector<FloatHistogram>{FH().Schema(1)
                                                   .PositiveBuckets(std::vector<double>{5, 10, 7})
                                                   .PositiveSpans(std::vector<Span>{
                                                       {.offset = 0, .length = 3}})}},
      {.name = "series with different schemas - second one is smaller",
       .input = R"nh({} {{buckets:[5 10 7] schema:1}}+{{buckets:[1 2 3] schema:0}}x2)nh",
       .expectedError =
           R"nh(1:63: parse error: error combining histograms: cannot merge from schema 0 to 1)nh"},
      {.name = "different order",
       .input = R"nh({} {{buckets:[5 10 7] schema:1}})nh",
       .expected = std::vector<FloatHistogram>{FH().Schema(1)
                                                   .PositiveBuckets(std::vector<double>{5, 10, 7})
                                                   .PositiveSpans(std::vector<Span>{
                                                       {.offset = 0, .length = 3}})}},
      {.name = "double property",
       .input = R"nh({} {{schema:1 schema:1}})nh",
       .expectedError = R"nh(1:1: parse error: duplicate key "schema" in histogram)nh"},
      {.name = "unknown property",
       .input = R"nh({} {{foo:1}})nh",
       .expectedError = R"nh(1:6: parse error: bad histogram descriptor found: "foo")nh"},
      {.name = "space before :",
       .input = R"nh({} {{schema :1}})nh",
       .expectedError = "1:6: parse error: missing `:` for histogram descriptor"},
      {.name = "space after :",
       .input = R"nh({} {{schema: 1}})nh",
       .expectedError = R"nh(1:13: parse error: unexpected " " in series values)nh"},
      {.name = "space after [",
       .input = R"nh({} {{buckets:[ 1]}})nh",
       .expectedError = R"nh(1:15: parse error: unexpected " " in series values)nh"},
      {.name = "space after {{",
       .input = R"nh({} {{ schema:1}})nh",
       .expectedError =
           R"nh(1:7: parse error: unexpected "<Item 57372>" "schema" in series values)nh"},
      {.name = "invalid counter reset hint value",
       .input = R"nh({} {{counter_reset_hint:foo}})nh",
       .expectedError = R"nh(1:25: parse error: bad histogram descriptor found: "foo")nh"},
      {.name = "'unknown' counter reset hint value",
       .input = R"nh({} {{counter_reset_hint:unknown}})nh",
       .expected = std::vector<FloatHistogram>{FH().CounterResetHint(UnknownCounterReset)}},
      {.name = "'reset' counter reset hint value",
       .input = R"nh({} {{counter_reset_hint:reset}})nh",
       .expected = std::vector<FloatHistogram>{FH().CounterResetHint(CounterReset)}},
      {.name = "'not_reset' counter reset hint value",
       .input = R"nh({} {{counter_reset_hint:not_reset}})nh",
       .expected = std::vector<FloatHistogram>{FH().CounterResetHint(NotCounterReset)}},
      {.name = "'gauge' counter reset hint value",
       .input = R"nh({} {{counter_reset_hint:gauge}})nh",
       .expected = std::vector<FloatHistogram>{FH().CounterResetHint(GaugeType)}},
  };
  for (const SeriesCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<std::vector<HistogramSeriesValue>> got = ParseLine(c.input);
    if (!c.expectedError.empty()) {
      ASSERT_FALSE(got.ok());
      EXPECT_EQ(c.expectedError, got.status().message());
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(c.expected.size(), got->size());
    for (size_t i = 0; i < got->size(); ++i)
      EXPECT_TRUE(Same(c.expected[i], (*got)[i].histogram)) << i;
  }
}

struct ExpressionCase {
  std::string name;
  FloatHistogram input;
  std::string expected;
};

TEST(TestNotation, TestExpressionRoundTrip) {
  const std::vector<ExpressionCase> cases = {
      {.name = "single positive and negative span",
       .input = FH().Schema(1)
                    .Sum(-0.3)
                    .Count(3.1)
                    .ZeroCount(7.1)
                    .ZeroThreshold(0.05)
                    .PositiveBuckets(std::vector<double>{5.1, 10, 7})
                    .PositiveSpans(std::vector<Span>{{.offset = -3, .length = 3}})
                    .NegativeBuckets(std::vector<double>{4.1, 5})
                    .NegativeSpans(std::vector<Span>{{.offset = -5, .length = 2}}),
       .expected =
           R"nh({{schema:1 count:3.1 sum:-0.3 z_bucket:7.1 z_bucket_w:0.05 offset:-3 buckets:[5.1 10 7] n_offset:-5 n_buckets:[4.1 5]}})nh"},
      {.name = "multiple positive and negative spans",
       .input = FH().PositiveBuckets(std::vector<double>{5.1, 10, 7})
                    .PositiveSpans(
                        std::vector<Span>{{.offset = -3, .length = 1}, {.offset = 4, .length = 2}})
                    .NegativeBuckets(std::vector<double>{4.1, 5, 7, 8, 9})
                    .NegativeSpans(
                        std::vector<Span>{{.offset = -1, .length = 2}, {.offset = 2, .length = 3}}),
       .expected =
           R"nh({{offset:-3 buckets:[5.1 0 0 0 0 10 7] n_offset:-1 n_buckets:[4.1 5 0 0 7 8 9]}})nh"},
      {.name = "known counter reset hint",
       .input = FH().Schema(1)
                    .Sum(-0.3)
                    .Count(3.1)
                    .ZeroCount(7.1)
                    .ZeroThreshold(0.05)
                    .PositiveBuckets(std::vector<double>{5.1, 10, 7})
                    .PositiveSpans(std::vector<Span>{{.offset = -3, .length = 3}})
                    .NegativeBuckets(std::vector<double>{4.1, 5})
                    .NegativeSpans(std::vector<Span>{{.offset = -5, .length = 2}})
                    .CounterResetHint(CounterReset),
       .expected =
           R"nh({{schema:1 count:3.1 sum:-0.3 z_bucket:7.1 z_bucket_w:0.05 counter_reset_hint:reset offset:-3 buckets:[5.1 10 7] n_offset:-5 n_buckets:[4.1 5]}})nh"},
  };
  for (const ExpressionCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string expression = c.input.TestExpression();
    EXPECT_EQ(c.expected, expression);
    absl::StatusOr<HistogramSeriesValue> parsed = ParseHistogramDescriptor(expression);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(c.expected, parsed->histogram.TestExpression());
    // The parsed histogram is the input with its spans merged.
    FloatHistogram compacted = c.input.Copy();
    compacted.Compact(std::numeric_limits<int>::max());
    EXPECT_TRUE(compacted.Equals(parsed->histogram)) << parsed->histogram.String();
    EXPECT_EQ(c.input.String(), parsed->histogram.String());
  }
}

TEST(TestNotation, CounterResetHintSet) {
  absl::StatusOr<HistogramSeriesValue> v =
      ParseHistogramDescriptor("{{counter_reset_hint:unknown}}");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->counter_reset_hint_set);
  v = ParseHistogramDescriptor("{{sum:1}}");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->counter_reset_hint_set);
  // A series form carries the flag of its increment.
  absl::StatusOr<std::vector<HistogramSeriesValue>> s =
      ParseLine("{} {{sum:1}}+{{sum:1 counter_reset_hint:gauge}}x1");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(2u, s->size());
  EXPECT_TRUE((*s)[0].counter_reset_hint_set);
  EXPECT_TRUE((*s)[1].counter_reset_hint_set);
  EXPECT_EQ(GaugeType, (*s)[1].histogram.counter_reset_hint);
}

TEST(TestNotation, Numbers) {
  absl::StatusOr<HistogramSeriesValue> v = ParseHistogramDescriptor(
      "{{sum:Inf count:1e3 z_bucket:NaN buckets:[-Inf 0.5 1_000 010] custom_values:[1 2]}}");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(kInf, v->histogram.sum);
  EXPECT_EQ(1000, v->histogram.count);
  EXPECT_TRUE(std::isnan(v->histogram.zero_count));
  EXPECT_EQ((std::vector<double>{-kInf, 0.5, 1000, 8}),
            v->histogram.positive_buckets);  // Go: 010 is octal
  EXPECT_EQ((std::vector<double>{1, 2}), Bounds(v->histogram.custom_values));
}

TEST(TestNotation, Errors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{} {{schema:1.5}}",
       "1:13: parse error: invalid repetition in series values: strconv.ParseUint: parsing "
       "\"1.5\": invalid syntax"},
      {"{} {{sum:1}}x", "1:14: parse error: unexpected end of input in series values"},
      {"{} {{sum:1}}+{{sum:1}}", "1:23: parse error: unexpected end of input in series values"},
      {"{} {{sum:1}}y", "1:13: parse error: unexpected \"y\" in series values"},
      {"{} {{sum:1", "1:11: parse error: unexpected end of input in series values"},
      {"{} {{buckets:[1,2]}}", "1:16: parse error: invalid character in buckets description: ','"},
      {"{} {{schema:1}}+{{custom_values:[1] schema:-53}}x1",
       "1:50: parse error: error combining histograms: cannot merge from schema -53 to 1"},
      {"{} {{custom_values:[1] schema:-53}}+{{schema:1}}x1",
       "1:50: parse error: cannot apply this operation on histograms with a mix of exponential and "
       "custom bucket schemas"},
  };
  for (const auto& [input, want] : cases) {
    absl::StatusOr<std::vector<HistogramSeriesValue>> got = ParseLine(input);
    ASSERT_FALSE(got.ok()) << input;
    EXPECT_EQ(want, got.status().message()) << input;
  }
}

TEST(TestNotation, StringOfParsed) {
  // Go's String() of the notation's histograms, as promtool prints them.
  absl::StatusOr<HistogramSeriesValue> v = ParseHistogramDescriptor(
      "{{schema:0 count:4 sum:5 z_bucket:2 z_bucket_w:0.001 n_buckets:[1] buckets:[0 1]}}");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ("{count:4, sum:5, [-1,-0.5):1, [-0.001,0.001]:2, (1,2]:1}", v->histogram.String());
}

}  // namespace
}  // namespace promlet::model::histogram
