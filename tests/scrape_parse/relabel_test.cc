#include "model/relabel.h"
#include "scrape/target_labels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace promlet::scrape {
namespace {

using ::testing::HasSubstr;
using model::Labels;

model::RelabelConfig Cfg(model::RelabelAction action, std::vector<std::string> src, std::string regex,
                  std::string target = "", std::string replacement = "$1", uint64_t modulus = 0) {
  model::RelabelConfig c;
  c.action = action;
  c.source_labels = std::move(src);
  if (!regex.empty()) {
    auto r = model::RelabelRegex::Compile(regex);
    EXPECT_TRUE(r.ok()) << r.status();
    c.regex = *r;
  }
  c.target_label = std::move(target);
  c.replacement = std::move(replacement);
  c.modulus = modulus;
  return c;
}

struct Case {
  Labels input;
  std::vector<model::RelabelConfig> configs;
  std::optional<Labels> output;  // nullopt: dropped
};

// Ported from Prometheus' model/relabel/relabel_test.go (TestRelabel).
TEST(Relabel, PrometheusCases) {
  using A = model::RelabelAction;
  std::vector<Case> cases = {
      {{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
       {Cfg(A::kReplace, {"a"}, "f(.*)", "d", "ch${1}-ch${1}")},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "choo-choo"}}},
      {{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
       {Cfg(A::kReplace, {"a", "b"}, "f(.*);(.*)r", "a", "b${1}${2}m"),
        Cfg(A::kReplace, {"c", "a"}, "(b).*b(.*)ba(.*)", "d", "$1$2$2$3")},
       Labels{{"a", "boobam"}, {"b", "bar"}, {"c", "baz"}, {"d", "boooom"}}},
      {{{"a", "foo"}},
       {Cfg(A::kDrop, {"a"}, ".*o.*"), Cfg(A::kReplace, {"a"}, "f(.*)", "d", "ch$1-ch$1")},
       std::nullopt},
      {{{"a", "foo"}, {"b", "bar"}}, {Cfg(A::kDrop, {"a"}, ".*o.*")}, std::nullopt},
      {{{"a", "abc"}}, {Cfg(A::kReplace, {"a"}, ".*(b).*", "d", "$1")},
       Labels{{"a", "abc"}, {"d", "b"}}},
      {{{"a", "foo"}}, {Cfg(A::kDrop, {"a"}, "no-match")}, Labels{{"a", "foo"}}},
      {{{"a", "foo"}}, {Cfg(A::kDrop, {"a"}, "f|o")}, Labels{{"a", "foo"}}},  // anchored
      {{{"a", "foo"}}, {Cfg(A::kKeep, {"a"}, "no-match")}, std::nullopt},
      {{{"a", "foo"}}, {Cfg(A::kKeep, {"a"}, "f.*")}, Labels{{"a", "foo"}}},
      // No replacement must be applied if there is no match.
      {{{"a", "boo"}}, {Cfg(A::kReplace, {"a"}, "f", "b", "bar")}, Labels{{"a", "boo"}}},
      {{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
       {Cfg(A::kHashMod, {"c"}, "", "d", "$1", 1000)},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "976"}}},
      {{{"a", "foo\nbar"}}, {Cfg(A::kHashMod, {"a"}, "", "b", "$1", 1000)},
       Labels{{"a", "foo\nbar"}, {"b", "734"}}},
      {{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}},
       {Cfg(A::kLabelMap, {}, "(b.*)", "", "bar_${1}")},
       Labels{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}, {"bar_b1", "bar"}, {"bar_b2", "baz"}}},
      {{{"a", "foo"}, {"__meta_my_bar", "aaa"}, {"__meta_my_baz", "bbb"}, {"__meta_other", "ccc"}},
       {Cfg(A::kLabelMap, {}, "__meta_(my.*)", "", "${1}")},
       Labels{{"a", "foo"},
              {"__meta_my_bar", "aaa"},
              {"__meta_my_baz", "bbb"},
              {"__meta_other", "ccc"},
              {"my_bar", "aaa"},
              {"my_baz", "bbb"}}},
      {{{"a", "some-name-value"}},
       {Cfg(A::kReplace, {"a"}, "some-([^-]+)-([^,]+)", "${1}", "${2}")},
       Labels{{"a", "some-name-value"}, {"name", "value"}}},
      {{{"a", "some-name-value"}},
       {Cfg(A::kReplace, {"a"}, "some-([^-]+)-([^,]+)", "${1}", "${3}")},
       Labels{{"a", "some-name-value"}}},
      {{{"a", "some-name-0"}},
       {Cfg(A::kReplace, {"a"}, "some-([^-]+)-([^,]+)", "${3}", "${1}"),
        Cfg(A::kReplace, {"a"}, "some-([^-]+)(-[^,]+)", "${3}", "${1}")},
       Labels{{"a", "some-name-0"}}},
      {{{"__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"}},
       {Cfg(A::kReplace, {"__meta_sd_tags"}, "(?:.+,|^)path:(/[^,]+).*", "__metrics_path__", "${1}"),
        Cfg(A::kReplace, {"__meta_sd_tags"}, "(?:.+,|^)job:([^,]+).*", "job", "${1}"),
        Cfg(A::kReplace, {"__meta_sd_tags"}, "(?:.+,|^)label:([^=]+)=([^,]+).*", "${1}", "${2}")},
       Labels{{"__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"},
              {"__metrics_path__", "/secret"},
              {"job", "some-job"},
              {"foo", "bar"}}},
      {{{"__meta_kubernetes_pod_container_port_name", "foo"},
        {"__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091"}},
       {Cfg(A::kLabelDrop, {}, "^__meta_kubernetes_pod_container_port_name$"),
        Cfg(A::kReplace, {"__meta_kubernetes_pod_annotation_XXX_metrics_port"}, "(.+)",
            "__meta_kubernetes_pod_container_port_name", "metrics"),
        Cfg(A::kKeep, {"__meta_kubernetes_pod_container_port_name"}, "^metrics$")},
       Labels{{"__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091"},
              {"__meta_kubernetes_pod_container_port_name", "metrics"}}},
      {{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}}, {Cfg(A::kLabelKeep, {}, "(b.*)")},
       Labels{{"b1", "bar"}, {"b2", "baz"}}},
      {{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}}, {Cfg(A::kLabelDrop, {}, "(b.*)")},
       Labels{{"a", "foo"}}},
      {{{"foo", "bAr123Foo"}},
       {Cfg(A::kUppercase, {"foo"}, "", "foo_uppercase"),
        Cfg(A::kLowercase, {"foo"}, "", "foo_lowercase")},
       Labels{{"foo", "bAr123Foo"}, {"foo_lowercase", "bar123foo"}, {"foo_uppercase", "BAR123FOO"}}},
      {{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
       {Cfg(A::kKeepEqual, {"__tmp_port"}, "", "__port1")},
       Labels{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}}},
      {{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
       {Cfg(A::kDropEqual, {"__tmp_port"}, "", "__port1")},
       std::nullopt},
      {{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
       {Cfg(A::kDropEqual, {"__tmp_port"}, "", "__port2")},
       Labels{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}}},
      {{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
       {Cfg(A::kKeepEqual, {"__tmp_port"}, "", "__port2")},
       std::nullopt},
      // Fast path: empty source with default regex sets the literal replacement.
      {{{"a", "x"}}, {Cfg(A::kReplace, {}, "", "env", "prod")}, Labels{{"a", "x"}, {"env", "prod"}}},
      // An empty expansion deletes the target label.
      {{{"a", "x"}, {"b", "y"}}, {Cfg(A::kReplace, {"c"}, "(.*)", "b", "$1")}, Labels{{"a", "x"}}},
      // Named groups, $$ and Go's greedy $1x (group "1x" does not exist -> empty).
      {{{"a", "k=v"}},
       {Cfg(A::kReplace, {"a"}, "(?P<key>[^=]+)=(?P<val>.*)", "${key}", "${val}-$$-$1x-${2}")},
       Labels{{"a", "k=v"}, {"k", "v-$--v"}}},
      // Separator.
      {{{"a", "1"}, {"b", "2"}},
       {[] {
         model::RelabelConfig c = Cfg(A::kReplace, {"a", "b"}, "", "c");
         c.separator = "-";
         return c;
       }()},
       Labels{{"a", "1"}, {"b", "2"}, {"c", "1-2"}}},
      // Regex matches across newlines ((?s)).
      {{{"a", "x\ny"}}, {Cfg(A::kKeep, {"a"}, "x.y")}, Labels{{"a", "x\ny"}}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    for (const model::RelabelConfig& c : cases[i].configs) {
      ASSERT_TRUE(c.Validate().ok()) << "case " << i << ": " << c.Validate();
    }
    std::optional<Labels> got = model::Process(cases[i].input, cases[i].configs);
    ASSERT_EQ(got.has_value(), cases[i].output.has_value()) << "case " << i;
    if (got) {
      EXPECT_EQ(got->ToString(), cases[i].output->ToString()) << "case " << i;
    }
  }
}

TEST(Relabel, Validate) {
  using A = model::RelabelAction;
  struct V {
    model::RelabelConfig c;
    std::string want;
  } cases[] = {
      {Cfg(A::kReplace, {}, ""), "requires 'target_label' value"},
      {Cfg(A::kLowercase, {}, ""), "requires 'target_label' value"},
      {Cfg(A::kLowercase, {}, "", "${3}"), "\"${3}\" is invalid 'target_label'"},
      {Cfg(A::kReplace, {"a"}, "some-([^-]+)-([^,]+)", "${3}", "${1}"), ""},
      {Cfg(A::kReplace, {"a"}, "some-([^-]+)-([^,]+)", "0${3}", "${1}"),
       "\"0${3}\" is invalid 'target_label'"},
      {Cfg(A::kReplace, {"a"}, "some-([^-]+)-([^,]+)", "-${3}", "${1}"),
       "\"-${3}\" is invalid 'target_label' for replace action"},
      {Cfg(A::kHashMod, {"a"}, "", "t"), "requires non-zero modulus"},
      {Cfg(A::kLowercase, {"a"}, "", "t", "x"), "'replacement' can not be set for lowercase"},
      {Cfg(A::kKeepEqual, {"a"}, "x", "t"), "keepequal action requires only 'source_labels'"},
      {Cfg(A::kLabelDrop, {"a"}, "x"), "labeldrop action requires only 'regex'"},
  };
  for (const V& v : cases) {
    absl::Status st = v.c.Validate();
    if (v.want.empty()) {
      EXPECT_TRUE(st.ok()) << st;
    } else {
      EXPECT_THAT(std::string(st.message()), HasSubstr(v.want));
    }
  }
  EXPECT_FALSE(model::RelabelRegex::Compile("(").ok());
  EXPECT_EQ(*model::ParseRelabelAction("LabelMap"), model::RelabelAction::kLabelMap);
  EXPECT_FALSE(model::ParseRelabelAction("nope").ok());
}

TEST(PopulateLabels, DefaultsAndRelabeling) {
  TargetDefaults d;
  d.job_name = "node";
  d.scrape_interval_ms = 15000;
  d.scrape_timeout_ms = 10000;
  d.params = {{"module", {"http_2xx", "other"}}};
  auto r = PopulateLabels(Labels{{"__address__", "localhost:9100"}, {"__meta_x", "m"}},
                          Labels{{"env", "prod"}, {"__address__", "ignored:1"}}, d);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->dropped);
  EXPECT_EQ(r->discovered.ToString(),
            "{__address__=\"localhost:9100\", __meta_x=\"m\", __metrics_path__=\"/metrics\", "
            "__param_module=\"http_2xx\", __scheme__=\"http\", __scrape_interval__=\"15s\", "
            "__scrape_timeout__=\"10s\", env=\"prod\", job=\"node\"}");
  EXPECT_EQ(r->labels.Get("instance"), "localhost:9100");
  EXPECT_FALSE(r->labels.Has("__meta_x"));
  EXPECT_EQ(PublicTargetLabels(r->labels).ToString(),
            "{env=\"prod\", instance=\"localhost:9100\", job=\"node\"}");
  EXPECT_EQ(TargetUrl(r->labels, d.params),
            "http://localhost:9100/metrics?module=http_2xx&module=other");

  // Relabel the address and instance; a keep rule drops other targets.
  d.relabel_configs = {Cfg(model::RelabelAction::kReplace, {"__address__"}, "(.*):9100", "__address__",
                           "$1:9200"),
                       Cfg(model::RelabelAction::kKeep, {"env"}, "prod")};
  r = PopulateLabels(Labels{{"__address__", "h:9100"}}, Labels{{"env", "prod"}}, d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->labels.Get("__address__"), "h:9200");
  EXPECT_EQ(r->labels.Get("instance"), "h:9200");
  r = PopulateLabels(Labels{{"__address__", "h:9100"}}, Labels{{"env", "dev"}}, d);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->dropped);
  EXPECT_TRUE(r->labels.empty());
  EXPECT_EQ(r->discovered.Get("env"), "dev");
}

TEST(PopulateLabels, Errors) {
  TargetDefaults d;
  d.job_name = "j";
  EXPECT_THAT(std::string(PopulateLabels(Labels{}, Labels{}, d).status().message()),
              HasSubstr("no address"));
  EXPECT_THAT(
      std::string(PopulateLabels(Labels{{"__address__", "a/b"}}, Labels{}, d).status().message()),
      HasSubstr("is not a valid hostname"));
  auto r = PopulateLabels(
      Labels{{"__address__", "a:1"}, {"__scrape_timeout__", "2m"}}, Labels{}, d);
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("scrape timeout cannot be greater than scrape interval (\"2m\" > \"1m\")"));
  r = PopulateLabels(Labels{{"__address__", "a:1"}, {"__scrape_interval__", "x"}}, Labels{}, d);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("error parsing scrape interval"));
}

}  // namespace
}  // namespace promlet::scrape
