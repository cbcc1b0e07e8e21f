// promtool's unit-test file format: the documented example, defaults, the expanding notation
// of input series, and errors worded as promtool words them (checked with promtool 2.42).
#include <gtest/gtest.h>

#include <cmath>

#include "rules/unit_test_file.h"

namespace promlet::rules {
namespace {

using K = SeriesValue::Kind;

std::vector<SeriesValue> Values(std::string_view s) {
  absl::StatusOr<std::vector<SeriesValue>> v = ParseSeriesValues(s);
  EXPECT_TRUE(v.ok()) << s << ": " << v.status();
  return v.ok() ? *v : std::vector<SeriesValue>{};
}

std::vector<double> Floats(std::string_view s) {
  std::vector<double> out;
  for (const SeriesValue& v : Values(s)) {
    EXPECT_EQ(v.kind, K::kValue) << s;
    out.push_back(v.value);
  }
  return out;
}

TEST(UnitTestFile, DocumentedExample) {
  const char* text = R"(
# This is the main input for unit testing.
rule_files:
    - alerts.yml

evaluation_interval: 1m

tests:
    # Test 1.
    - interval: 1m
      # Series data.
      input_series:
          - series: 'up{job="prometheus", instance="localhost:9090"}'
            values: '0 0 0 0 0 0 0 0 0 0 0 0 0 0 0'
          - series: 'up{job="node_exporter", instance="localhost:9100"}'
            values: '1+0x6 0 0 0 0 0 0 0 0' # 1 1 1 1 1 1 1 0 0 0 0 0 0 0 0
          - series: 'go_goroutines{job="prometheus", instance="localhost:9090"}'
            values: '10+10x2 30+20x5' # 10 20 30 30 50 70 90 110 130
      external_labels:
          region: eu
      external_url: http://example.com

      alert_rule_test:
          - eval_time: 10m
            alertname: InstanceDown
            exp_alerts:
                - exp_labels:
                      severity: page
                      instance: localhost:9090
                      job: prometheus
                  exp_annotations:
                      summary: "Instance localhost:9090 down"
                      description: "localhost:9090 of job prometheus has been down for more than 5 minutes."
      promql_expr_test:
          - expr: go_goroutines > 5
            eval_time: 4m
            exp_samples:
                - labels: 'go_goroutines{job="prometheus",instance="localhost:9090"}'
                  value: 50
    - name: second
      interval: 30s
group_eval_order: [b, a]
fuzzy_compare: true
)";
  absl::StatusOr<UnitTestFile> f = ParseUnitTestFile(text);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->rule_files, std::vector<std::string>{"alerts.yml"});
  EXPECT_EQ(f->evaluation_interval_ms, 60000);
  EXPECT_EQ(f->group_eval_order, (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(f->fuzzy_compare);
  ASSERT_EQ(f->tests.size(), 2u);
  const UnitTestGroup& g = f->tests[0];
  EXPECT_EQ(g.interval_ms, 60000);
  ASSERT_EQ(g.input_series.size(), 3u);
  EXPECT_EQ(g.input_series[1].labels,
            (model::Labels{{"__name__", "up"}, {"instance", "localhost:9100"}, {"job", "node_exporter"}}));
  EXPECT_EQ(g.input_series[1].expanded.size(), 15u);
  std::vector<double> goroutines;
  for (const auto& v : g.input_series[2].expanded) goroutines.push_back(v.value);
  EXPECT_EQ(goroutines, (std::vector<double>{10, 20, 30, 30, 50, 70, 90, 110, 130}));
  EXPECT_EQ(g.external_labels.at("region"), "eu");
  EXPECT_EQ(g.external_url, "http://example.com");
  ASSERT_EQ(g.alert_rule_tests.size(), 1u);
  const AlertRuleTest& a = g.alert_rule_tests[0];
  EXPECT_EQ(a.eval_time_ms, 600000);
  EXPECT_EQ(a.alertname, "InstanceDown");
  ASSERT_EQ(a.exp_alerts.size(), 1u);
  EXPECT_EQ(a.exp_alerts[0].exp_labels.at("severity"), "page");
  EXPECT_EQ(a.exp_alerts[0].exp_annotations.at("summary"), "Instance localhost:9090 down");
  ASSERT_EQ(g.promql_expr_tests.size(), 1u);
  EXPECT_EQ(g.promql_expr_tests[0].expr, "go_goroutines > 5");
  EXPECT_EQ(g.promql_expr_tests[0].eval_time_ms, 240000);
  ASSERT_EQ(g.promql_expr_tests[0].exp_samples.size(), 1u);
  EXPECT_EQ(g.promql_expr_tests[0].exp_samples[0].value, 50);
  EXPECT_EQ(g.promql_expr_tests[0].exp_samples[0].labels,
            "go_goroutines{job=\"prometheus\",instance=\"localhost:9090\"}");
  EXPECT_EQ(f->tests[1].name, "second");
  EXPECT_EQ(f->tests[1].interval_ms, 30000);
}

TEST(UnitTestFile, Defaults) {
  absl::StatusOr<UnitTestFile> f = ParseUnitTestFile("tests:\n- input_series: []\n");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->evaluation_interval_ms, 60000);
  EXPECT_EQ(f->tests[0].interval_ms, 60000);
  f = ParseUnitTestFile("evaluation_interval: 15s\ntests:\n- name: x\n");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->tests[0].interval_ms, 15000);
  EXPECT_TRUE(ParseUnitTestFile("").ok());
}

TEST(UnitTestFile, ExpandingNotation) {
  EXPECT_EQ(Floats("1+2x3"), (std::vector<double>{1, 3, 5, 7}));
  EXPECT_EQ(Floats("5x2"), (std::vector<double>{5, 5, 5}));
  EXPECT_EQ(Floats("1-1x2"), (std::vector<double>{1, 0, -1}));
  EXPECT_EQ(Floats("-1+0.5x2"), (std::vector<double>{-1, -0.5, 0}));
  EXPECT_EQ(Floats("1e3 -2 +3 1.5e-1+1e-1x1"), (std::vector<double>{1000, -2, 3, 0.15, 0.25}));
  // No hexadecimal in series values (Prometheus' lexer: "the syntax is ambiguous"): "0x3" is
  // 0 repeated, as promtool reads it; "0x1F" is an error.
  EXPECT_EQ(Floats("0x3"), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_FALSE(ParseSeriesValues("0x1F").ok());
  std::vector<SeriesValue> v = Values("1 _x3 stale _ stalex1");
  ASSERT_EQ(v.size(), 8u);
  EXPECT_EQ(v[0].kind, K::kValue);
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(v[i].kind, K::kOmitted);
  EXPECT_EQ(v[4].kind, K::kStale);
  EXPECT_TRUE(std::isnan(v[4].value));
  EXPECT_EQ(v[5].kind, K::kOmitted);
  EXPECT_EQ(v[6].kind, K::kStale);
  EXPECT_EQ(v[7].kind, K::kStale);
  v = Values("Inf -Inf NaN");
  EXPECT_TRUE(std::isinf(v[0].value) && v[0].value > 0);
  EXPECT_TRUE(std::isinf(v[1].value) && v[1].value < 0);
  EXPECT_TRUE(std::isnan(v[2].value));
  EXPECT_TRUE(Values("").empty());
}

TEST(UnitTestFile, SeriesErrors) {
  // promtool: `1:17: parse error: unexpected "x" in series values` for this series line.
  const char* text =
      "tests:\n- input_series:\n  - series: 'up{job=\"j\"}'\n    values: '1 1+x 3'\n";
  absl::StatusOr<UnitTestFile> f = ParseUnitTestFile(text);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "1:17: parse error: unexpected \"x\" in series values");
  EXPECT_FALSE(ParseSeriesValues("abc").ok());
  EXPECT_FALSE(ParseSeriesValues("1x").ok());
  EXPECT_FALSE(ParseSeriesValues("1x99999999999").ok());
  EXPECT_FALSE(ParseSeriesValues("{{schema:0 sum:1}}").ok());
  EXPECT_FALSE(ParseUnitTestFile("tests:\n- input_series:\n  - series: 'up{job=~\"j\"}'\n").ok());
  EXPECT_FALSE(ParseUnitTestFile("tests:\n- input_series:\n  - series: 'up{job=\"j\"'\n").ok());
}

TEST(UnitTestFile, StrictLikePromtool) {
  // Texts as promtool 2.42 prints them for the same files.
  const char* unknown =
      "rule_files: [rules.yml]\nevaluation_interval: 1m\nfoo: 1\ntests:\n- interval: 1m\n"
      "  bar: 2\n  input_series:\n  - series: 'up{job=\"j\"}'\n    values: '1 1'\n    baz: 3\n";
  absl::StatusOr<UnitTestFile> f = ParseUnitTestFile(unknown);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "yaml: unmarshal errors:\n"
            "  line 3: field foo not found in type main.unitTestFile\n"
            "  line 6: field bar not found in type main.testGroup\n"
            "  line 10: field baz not found in type main.series");
  f = ParseUnitTestFile("evaluation_interval: abc\ntests:\n- interval: 1m\n");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "not a valid duration string: \"abc\"");
  f = ParseUnitTestFile(
      "tests:\n- interval: 1m\n  promql_expr_test:\n  - expr: up\n    eval_time: 1m\n"
      "    exp_samples:\n    - labels: 'up{job=\"j\"}'\n      value: abc\n");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "yaml: unmarshal errors:\n  line 8: cannot unmarshal !!str `abc` into float64");
  f = ParseUnitTestFile("tests: [1\n");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("yaml: line"), std::string::npos) << f.status();
  f = ParseUnitTestFile("tests: 3\n");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `3` into []main.testGroup");
}

}  // namespace
}  // namespace promlet::rules
