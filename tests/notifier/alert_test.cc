// notifier/alert.h and notifier/discovery.h: the pure parts (relabeling, the API v2 body,
// Alertmanager discovery), against Prometheus' behaviour.
#include "notifier/alert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"
#include "notifier/discovery.h"

namespace promlet::notifier {
namespace {

using model::Labels;

std::vector<model::RelabelConfig> Relabels(const std::string& yaml_list) {
  auto c = config::LoadConfigString("alerting:\n  alert_relabel_configs:\n" + yaml_list, "t.yml");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? c->alerting.alert_relabel_configs : std::vector<model::RelabelConfig>{};
}

TEST(EncodeAlertsV2, WritesPrometheusFieldsInOrder) {
  Alert a;
  a.labels = Labels{{"alertname", "HighLatency"}, {"severity", "page"}};
  a.annotations = Labels{{"summary", "p99 > 1s <on> \"api\" & \xff"}};
  a.starts_at_ms = 1700000000123;
  a.ends_at_ms = 1700000240000;
  a.generator_url = "http://prom:9090/graph?g0.expr=up&g0.tab=1";
  Alert bare;
  bare.labels = Labels{{"alertname", "X"}};
  EXPECT_EQ(EncodeAlertsV2({a, bare}),
            "[{\"annotations\":{\"summary\":\"p99 \\u003e 1s \\u003con\\u003e \\\"api\\\" "
            "\\u0026 \xef\xbf\xbd\"},\"endsAt\":\"2023-11-14T22:17:20.000Z\","
            "\"startsAt\":\"2023-11-14T22:13:20.123Z\","
            "\"generatorURL\":\"http://prom:9090/graph?g0.expr=up\\u0026g0.tab=1\","
            "\"labels\":{\"alertname\":\"HighLatency\",\"severity\":\"page\"}},"
            "{\"endsAt\":\"0001-01-01T00:00:00.000Z\",\"startsAt\":\"0001-01-01T00:00:00.000Z\","
            "\"labels\":{\"alertname\":\"X\"}}]");
  EXPECT_EQ(EncodeAlertsV2({}), "[]");
}

TEST(RelabelAlerts, AddsMissingExternalLabelsThenRelabels) {
  Alert a;
  a.labels = Labels{{"alertname", "A"}, {"region", "us"}};
  Alert b;
  b.labels = Labels{{"alertname", "B"}, {"team", "db"}};
  Alert c;
  c.labels = Labels{{"alertname", "C"}, {"drop", "yes"}};
  const Labels external{{"region", "eu"}, {"replica", "r1"}};
  auto out = RelabelAlerts({a, b, c}, external,
                           Relabels("    - source_labels: [drop]\n      regex: 'yes'\n"
                                    "      action: drop\n"
                                    "    - action: labeldrop\n      regex: replica\n"
                                    "    - source_labels: [team]\n      target_label: owner\n"));
  ASSERT_EQ(out.size(), 2u);
  // The alert's own region wins over the external one; replica is added, then dropped.
  EXPECT_EQ(out[0].labels, (Labels{{"alertname", "A"}, {"region", "us"}}));
  EXPECT_EQ(out[1].labels,
            (Labels{{"alertname", "B"}, {"owner", "db"}, {"region", "eu"}, {"team", "db"}}));
  // Without relabel rules the external labels are simply added.
  auto plain = RelabelAlerts({b}, external, {});
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].labels.Get("replica"), "r1");
}

TEST(AlertsPath, JoinsThePrefixLikeGoPathJoin) {
  EXPECT_EQ(AlertsPath(""), "/api/v2/alerts");
  EXPECT_EQ(AlertsPath("/"), "/api/v2/alerts");
  EXPECT_EQ(AlertsPath("am"), "/am/api/v2/alerts");
  EXPECT_EQ(AlertsPath("/am/"), "/am/api/v2/alerts");
  EXPECT_EQ(AlertsPath("a//b/./c/.."), "/a/b/api/v2/alerts");
}

config::AlertmanagerConfig AmConfig(const std::string& body) {
  auto c = config::LoadConfigString("alerting:\n  alertmanagers:\n    - " + body, "t.yml");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() && !c->alerting.alertmanagers.empty() ? c->alerting.alertmanagers[0]
                                                      : config::AlertmanagerConfig{};
}

TEST(DiscoverAlertmanagers, BuildsUrlsRelabelsAndDeduplicates) {
  config::AlertmanagerConfig cfg = AmConfig(
      "scheme: https\n      path_prefix: /am\n"
      "      relabel_configs:\n"
      "        - source_labels: [__address__]\n          regex: 'skip.*'\n          action: drop\n"
      "        - source_labels: [__meta_x]\n          regex: 'other'\n"
      "          target_label: __alerts_path__\n          replacement: /other/api/v2/alerts\n");
  config::TargetGroup g1;
  g1.targets = {Labels{{"__address__", "a:9093"}}, Labels{{"__address__", "skip:9093"}},
                Labels{{"__address__", "a:9093"}}};
  g1.labels = Labels{{"__meta_x", "y"}};
  config::TargetGroup g2;
  g2.targets = {Labels{{"__address__", "b:9093"}, {"__meta_x", "other"}},
                Labels{{"__address__", "c:9093"}}};
  g2.labels = Labels{{"__meta_x", "other"}, {"__scheme__", "http"}};
  config::TargetGroup bad;
  bad.source = "7";
  bad.targets = {Labels{{"__address__", "d:9093"}}, Labels{{"__address__", "e/x"}}};
  DiscoveredAlertmanagers d = DiscoverAlertmanagers({g1, g2, bad}, cfg);
  // Group labels fill in what a target lacks, including over the config's __scheme__.
  EXPECT_THAT(d.active_urls, ::testing::ElementsAre("https://a:9093/am/api/v2/alerts",
                                                    "http://b:9093/other/api/v2/alerts",
                                                    "http://c:9093/other/api/v2/alerts"));
  EXPECT_THAT(d.dropped_urls, ::testing::ElementsAre("https://skip:9093/am/api/v2/alerts"));
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_THAT(d.errors[0], ::testing::HasSubstr("\"e/x\" is not a valid hostname"));
}

}  // namespace
}  // namespace promlet::notifier
