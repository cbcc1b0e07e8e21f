// Rule files: Prometheus' YAML read strictly, validated with Prometheus' messages, each error
// naming file, line:column, group, rule index and name.
#include "rules/rule_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_join.h"
#include "config/temp_dir.h"

namespace promlet::rules {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> Errors(const std::string& yaml) {
  std::vector<std::string> errors;
  ParseRuleFile(yaml, "r.yml", &errors);
  return errors;
}

TEST(RuleFile, ParsesGroupsAndRulesInFileOrder) {
  std::vector<std::string> errors;
  RuleFileSpec f = ParseRuleFile(R"(groups:
  - name: g1
    interval: 30s
    limit: 5
    query_offset: 1m
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels: {z: "1", a: "2"}
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 1m
        labels: {severity: page}
        annotations: {summary: "it is down", description: plain}
  - name: g2
    rules: []
)",
                                 "r.yml", &errors);
  ASSERT_TRUE(errors.empty()) << absl::StrJoin(errors, "\n");
  ASSERT_EQ(f.groups.size(), 2u);
  const RuleGroupSpec& g = f.groups[0];
  EXPECT_EQ(g.name, "g1");
  EXPECT_EQ(g.interval_ms, 30000);
  EXPECT_EQ(g.limit, 5);
  EXPECT_EQ(g.query_offset_ms, 60000);
  EXPECT_FALSE(f.groups[1].query_offset_ms.has_value());
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].record, "job:up:sum");
  EXPECT_EQ(g.rules[0].labels, (StringPairs{{"z", "1"}, {"a", "2"}}));
  EXPECT_EQ(g.rules[1].alert, "Down");
  EXPECT_EQ(g.rules[1].for_ms, 300000);
  EXPECT_EQ(g.rules[1].keep_firing_for_ms, 60000);
  EXPECT_EQ(g.rules[1].line, 10);
  EXPECT_EQ(g.rules[1].annotations[0].first, "summary");
  EXPECT_TRUE(Errors("").empty());
}

TEST(RuleFile, ValidationErrorsArePrometheusWordedAndLocated) {
  const std::vector<std::string> errors = Errors(R"(groups:
  - name: g
    rules:
      - record: "a{b}"
        expr: up
      - alert: A
        expr: sum(
      - record: r
        alert: A
        expr: up
      - record: r2
        expr: up
        for: 5m
        annotations: {a: b}
      - expr: up
      - alert: B
        expr: up
        labels: {__name__: x, "": y}
  - name: g
    rules: []
  - name: ""
)");
  const std::string all = absl::StrJoin(errors, "\n");
  EXPECT_THAT(all, HasSubstr("r.yml: 4:17: group \"g\", rule 1, \"a{b}\": braces present in "
                             "the recording rule name; should it be in expr?: a{b}"));
  EXPECT_THAT(all, HasSubstr("r.yml: 7:15: group \"g\", rule 2, \"A\": could not parse "
                             "expression: "));
  EXPECT_THAT(all, HasSubstr("r.yml: 8:17: 9:16: group \"g\", rule 3, \"A\": only one of "
                             "'record' and 'alert' must be set"));
  EXPECT_THAT(all, HasSubstr("r.yml: 11:17: group \"g\", rule 4, \"r2\": invalid field "
                             "'annotations' in recording rule"));
  EXPECT_THAT(all, HasSubstr("r.yml: 11:17: group \"g\", rule 4, \"r2\": invalid field 'for' "
                             "in recording rule"));
  EXPECT_THAT(all, HasSubstr("r.yml: 0:0: group \"g\", rule 5, \"\": one of 'record' or "
                             "'alert' must be set"));
  EXPECT_THAT(all, HasSubstr("r.yml: group \"g\", rule 6, \"B\": invalid label name: __name__"));
  EXPECT_THAT(all, HasSubstr("r.yml: 19:5: groupname: \"g\" is repeated in the same file"));
  EXPECT_THAT(all, HasSubstr("r.yml: 21:5: Groupname must not be empty"));
}

TEST(RuleFile, StrictDecodingNamesUnknownFieldsAndBadValues) {
  std::string all =
      absl::StrJoin(Errors("groups:\n  - name: g\n    intervl: 1m\n    rules:\n      - record: a\n"
                           "        expr: up\n        lables: {}\n"),
                    "\n");
  EXPECT_THAT(all, HasSubstr("r.yml: yaml: unmarshal errors:"));
  EXPECT_THAT(all, HasSubstr("line 3: field intervl not found in type rulefmt.RuleGroup"));
  EXPECT_THAT(all, HasSubstr("line 7: field lables not found in type rulefmt.RuleNode"));
  all = absl::StrJoin(Errors("groups:\n  - name: g\n    interval: 1x\n    rules: []\n"), "\n");
  EXPECT_EQ(all, "r.yml: not a valid duration string: \"1x\"");
  all = absl::StrJoin(Errors("groups: {a: 1}\n"), "\n");
  EXPECT_THAT(all, HasSubstr("line 1: cannot unmarshal !!map into []rulefmt.RuleGroup"));
  all = absl::StrJoin(Errors("groups:\n  - name: [\n"), "\n");
  EXPECT_THAT(all, HasSubstr("r.yml: yaml: line"));
  all = absl::StrJoin(Errors("groups:\n  - name: g\n    name: h\n"), "\n");
  EXPECT_THAT(all, HasSubstr("line 3: mapping key \"name\" already defined"));
}

// Prometheus 3's group-level labels: parsed, validated like rule labels (errors name the file
// only, as rulefmt), merged under the rule's own labels.
TEST(RuleFile, GroupLabelsAreValidatedAndMergedUnderRuleLabels) {
  std::vector<std::string> errors;
  RuleFileSpec f = ParseRuleFile(R"(groups:
  - name: g
    labels: {team: infra, tier: "1"}
    rules:
      - record: a
        expr: up
        labels: {tier: "2"}
      - alert: B
        expr: up == 0
)",
                                 "r.yml", &errors);
  ASSERT_TRUE(errors.empty()) << absl::StrJoin(errors, "\n");
  ASSERT_EQ(f.groups.size(), 1u);
  EXPECT_EQ(f.groups[0].labels, (StringPairs{{"team", "infra"}, {"tier", "1"}}));
  EXPECT_EQ(MergedLabels(f.groups[0], f.groups[0].rules[0]),
            (StringPairs{{"team", "infra"}, {"tier", "2"}}));
  EXPECT_EQ(MergedLabels(f.groups[0], f.groups[0].rules[1]),
            (StringPairs{{"team", "infra"}, {"tier", "1"}}));
  // Names are UTF-8 (Prometheus 3): "a-b" is fine, __name__ and "" are not.
  EXPECT_EQ(
      Errors("groups:\n  - name: g\n    labels: {__name__: x, \"a-b\": y, \"\": z}\n    rules: []\n"),
      (std::vector<std::string>{"r.yml: invalid label name: __name__",
                                "r.yml: invalid label name: "}));
  EXPECT_THAT(absl::StrJoin(Errors("groups:\n  - name: g\n    labels: [a]\n"), "\n"),
              HasSubstr("line 3: cannot unmarshal !!seq into map[string]string"));
}

TEST(RuleFile, MissingFileAndGlobs) {
  std::vector<std::string> errors;
  LoadRuleFile("/nonexistent/r.yml", &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "/nonexistent/r.yml: open /nonexistent/r.yml: No such file or directory");
  config::TempDir dir;
  dir.Write("b.yml", "");
  dir.Write("a.yml", "");
  dir.Write("c.txt", "");
  EXPECT_EQ(ExpandRuleFiles({dir.File("*.yml"), dir.File("a.yml"), dir.File("c.txt")}),
            (std::vector<std::string>{dir.File("a.yml"), dir.File("b.yml"), dir.File("c.txt")}));
}

}  // namespace
}  // namespace promlet::rules
