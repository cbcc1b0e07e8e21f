// Behaviour where Prometheus 3 (built with a recent Go) differs from the promtool 2.42 (Go 1.19)
// that checked template_test.cc, the engine's limits, and values the golden data cannot reach.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "rules/template/template.h"
#include "tests/rules_template/golden_data.h"

namespace promlet::rules {
namespace {

std::string Expand(const std::string& text, const TemplateData& data = GoldenData()) {
  return ExpandAsAnnotation("__alert_T", text, data);
}

std::string Err(const std::string& at_col_and_node, const std::string& msg) {
  return "<error expanding template: error executing template __alert_T: template: __alert_T:1:" +
         at_col_and_node + ": " + msg + ">";
}

TEST(TemplateProm3, ValuePrintsAsGoFloat64) {
  TemplateData d = GoldenData();
  const std::pair<double, const char*> cases[] = {
      {1e6, "1e+06"},   {0.1, "0.1"},     {100000, "100000"},
      {1e21, "1e+21"},  {-2.5, "-2.5"},   {std::nan(""), "NaN"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {0, "0"}, {123456789, "1.23456789e+08"}};
  for (const auto& [v, want] : cases) {
    d.value = v;
    EXPECT_EQ(Expand("{{ $value }}", d), want) << v;
    EXPECT_EQ(Expand("{{ .Value }}", d), want) << v;
  }
  d.value = std::nan("");
  EXPECT_EQ(Expand("{{ humanize $value }} {{ $value | printf \"%.2f\" }}", d), "NaN NaN");
}

TEST(TemplateProm3, ValueIsAnInterfaceField) {
  // Prometheus 3's alert data holds Value as interface{} (float or histogram).
  EXPECT_EQ(Expand("{{ printf \"%T\" . }}"),
            "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL "
            "string; Value interface {} }");
  EXPECT_EQ(Expand("{{ printf \"%T\" .Value }} {{ printf \"%T\" $value }}"), "float64 float64");
}

TEST(TemplateProm3, NewerFunctions) {
  EXPECT_EQ(Expand("{{ toDuration 90 }} {{ 1.5 | toDuration }} {{ toDuration 0.001 }}"),
            "1m30s 1.5s 1ms");
  EXPECT_EQ(Expand("{{ toDuration 0 }} {{ toDuration -3600 }} {{ toDuration 1e-7 }}"),
            "0s -1h0m0s 100ns");
  EXPECT_EQ(Expand("{{ (toDuration 90).Seconds }}"), "90");
  EXPECT_EQ(Expand("{{ now }}"), "60");
  EXPECT_EQ(Expand("{{ urlQueryEscape \"a b/c\" }}"), "a+b%2Fc");
  // model.ParseDurationAllowNegative.
  EXPECT_EQ(Expand("{{ parseDuration \"-5m\" }}"), "-300");
  EXPECT_EQ(Expand("{{ externalURL }} {{ pathPrefix }}"), "http://example.com:9090/prom /prom");
}

TEST(TemplateProm3, NewerGoTemplateFeatures) {
  // Go 1.22: range over an integer.
  EXPECT_EQ(Expand("{{ range 3 }}{{ . }}{{ end }}|{{ range $i := 2 }}{{ $i }}{{ end }}"), "012|01");
  EXPECT_EQ(Expand("{{ range 0 }}x{{ else }}none{{ end }}"), "none");
  EXPECT_EQ(Expand("{{ range $i, $e := 3 }}{{ end }}"),
            Err("131: executing \"__alert_T\" at <3>", "can't use 3 to iterate over more than "
                                                       "one variable"));
  // Go 1.23: else with.
  EXPECT_EQ(Expand("{{ with $labels.nope }}a{{ else with $labels.job }}<{{ . }}>{{ end }}"), "<j>");
  // Newer messages.
  EXPECT_EQ(Expand("{{ eq 1 \"a\" }}"),
            Err("115: executing \"__alert_T\" at <eq 1 \"a\">",
                "error calling eq: incompatible types for comparison: int and string"));
  EXPECT_EQ(Expand("{{ call $labels.job }}"),
            Err("115: executing \"__alert_T\" at <call $labels.job>",
                "error calling call: non-function $labels.job of type string"));
  EXPECT_EQ(CheckTemplate("__alert_T", "{{ ) }}").message(),
            "template: __alert_T:1: unexpected right paren U+0029 ')'");
}

TEST(TemplateLimits, RangeOverHugeIntEnds) {
  std::string out = Expand("{{ range 1000000000000 }}{{ end }}");
  EXPECT_NE(out.find("template execution exceeded"), std::string::npos) << out;
}

TEST(TemplateLimits, RecursionEnds) {
  std::string out = Expand("{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" 1 }}");
  EXPECT_NE(out.find("exceeded maximum template depth (100)"), std::string::npos) << out;
  // Exponential fan-out is cut by the step budget.
  out = Expand(
      "{{ define \"f\" }}{{ range 10 }}{{ template \"f\" }}{{ end }}{{ end }}{{ template \"f\" }}");
  EXPECT_NE(out.find("exceeded"), std::string::npos) << out;
}

TEST(TemplateLimits, OutputIsBounded) {
  std::string out = Expand("{{ range 200000 }}xxxxxxxxxx{{ end }}");
  EXPECT_NE(out.find("template output exceeds 1048576 bytes"), std::string::npos) << out;
}

TEST(TemplateLimits, DeepNestingIsAnErrorNotACrash) {
  std::string parens(100000, '(');
  absl::Status st = CheckTemplate("__alert_T", "{{ " + parens + "1 }}");
  EXPECT_EQ(st.message(), "template: __alert_T:1: max expression depth exceeded");
  std::string ifs;
  for (int i = 0; i < 100000; ++i) ifs += "{{ if 1 }}";
  st = CheckTemplate("__alert_T", ifs);
  EXPECT_EQ(st.message(), "template: __alert_T:1: max nesting depth exceeded");
  std::string elses = "{{ if 0 }}";
  for (int i = 0; i < 100000; ++i) elses += "{{ else if 0 }}";
  st = CheckTemplate("__alert_T", elses + "{{ end }}");
  EXPECT_EQ(st.message(), "template: __alert_T:1: max nesting depth exceeded");
}

TEST(TemplateLimits, DeepExecutionIsAnErrorNotACrash) {
  // 150 nested ifs inside a template that calls itself: the C++ recursion is bounded.
  std::string body;
  for (int i = 0; i < 150; ++i) body += "{{ if 1 }}";
  body += "{{ template \"r\" . }}";
  for (int i = 0; i < 150; ++i) body += "{{ end }}";
  std::string out = Expand("{{ define \"r\" }}" + body + "{{ end }}{{ template \"r\" 1 }}");
  EXPECT_NE(out.find("exceeded maximum nesting depth (1000)"), std::string::npos) << out;
}

TEST(TemplateLimits, HugePrecisionAndWidth) {
  std::string out = Expand("{{ printf \"%.3000f\" 0.1 }}");
  EXPECT_EQ(out.size(), 3002u);
  EXPECT_EQ(out.substr(0, 30), "0.1000000000000000055511151231");
  // Go's parsenum: a width over 1e6 is no width and ends the format.
  EXPECT_EQ(Expand("{{ printf \"%99999999d\" 1 }}"), "%!(NOVERB)%!(EXTRA int=1)");
  EXPECT_EQ(Expand("{{ printf \"%1000000d\" 1 }}").size(), 1000000u);
}

TEST(Template, PlainTextPassesThrough) {
  TemplateData empty;
  EXPECT_EQ(*ExpandTemplate("__alert_T", "no actions here", empty), "no actions here");
  EXPECT_EQ(*ExpandTemplate("__alert_T", "", empty), "");
  EXPECT_TRUE(CheckTemplate("__alert_T", "{{ $labels.job }} {{ $value | humanize }}").ok());
}

TEST(Template, QueryWithoutEngineIsAnError) {
  TemplateData d;
  EXPECT_EQ(ExpandAsAnnotation("__alert_T", "{{ query \"up\" }}", d),
            Err("115: executing \"__alert_T\" at <query \"up\">",
                "error calling query: no query engine available to templates here"));
}

TEST(Template, MissingLabelsPrintEmpty) {
  TemplateData d;  // no labels at all: maps are empty, not nil
  EXPECT_EQ(ExpandAsAnnotation("__alert_T", "[{{ $labels.job }}][{{ .ExternalLabels.x }}]", d),
            "[][]");
}

TEST(Template, SortByLabelSortsTheSharedResult) {
  EXPECT_EQ(Expand("{{ $q := query \"up\" }}{{ $s := sortByLabel \"instance\" $q }}"
                   "{{ (index $q 0).Labels.instance }}"),
            "a.b.c:80");
}

}  // namespace
}  // namespace promlet::rules
