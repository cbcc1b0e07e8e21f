// The whole alerting chain on the real binary: a pushed metric makes an alerting rule fire, the
// rule's alert reaches a real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1 with
// its labels, the external labels, the expanded annotation and the generatorURL, and leaves it
// once the metric says the condition is over (the resolved alert's endsAt). Skipped, saying
// why, when the Alertmanager is not installed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/test_util.h"

namespace {

constexpr char kAlertmanagerBinary[] = "/usr/bin/prometheus-alertmanager";

using promlet::testing::FileExecutable;
using promlet::testing::FreePort;
using promlet::testing::HttpDo;
using promlet::testing::HttpGet;
using promlet::testing::MakeTempDir;
using promlet::testing::Process;
using promlet::testing::WaitFor;
using promlet::testing::WriteFile;

std::map<std::string, nlohmann::json> ActiveAlerts(int port) {
  std::map<std::string, nlohmann::json> out;
  auto r = HttpGet(port, "/api/v2/alerts?active=true");
  if (r.status != 200) return out;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& a : j) out[a["labels"].value("alertname", "")] = a;
  return out;
}

TEST(RulesToAlertmanager, AFiringRuleReachesAlertmanagerAndResolves) {
  if (!FileExecutable(kAlertmanagerBinary)) {
    GTEST_SKIP() << kAlertmanagerBinary
                 << " is not installed (apt-get install prometheus-alertmanager); skipping the "
                    "rules-to-Alertmanager test";
  }
  const std::string dir = MakeTempDir("rules-am");
  WriteFile(dir + "/alertmanager.yml",
            "route:\n  receiver: blackhole\n  group_wait: 1h\nreceivers:\n  - name: blackhole\n");
  const int am_port = FreePort();
  Process am({kAlertmanagerBinary, "--config.file=" + dir + "/alertmanager.yml",
              "--storage.path=" + dir + "/am", "--web.listen-address=127.0.0.1:" +
              std::to_string(am_port), "--cluster.listen-address="},
             dir + "/alertmanager.log");
  ASSERT_TRUE(WaitFor([&] { return HttpGet(am_port, "/-/ready").status == 200; },
                      std::chrono::seconds(30)))
      << am.Log();

  WriteFile(dir + "/rules.yml",
            "groups:\n  - name: switches\n    interval: 1s\n    rules:\n"
            "      - alert: SwitchOn\n        expr: switch_state == 1\n"
            "        labels: {severity: page}\n"
            "        annotations: {summary: 'switch {{ $labels.job }} is {{ $value }}'}\n");
  WriteFile(dir + "/promlet.yml",
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "  external_labels: {cluster: e2e}\n"
            "rule_files: [rules.yml]\n"
            "alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['127.0.0.1:" +
                std::to_string(am_port) + "']}]\n");
  const int port = FreePort();
  Process p({PROMLET_BINARY, "--web.listen-address=127.0.0.1:" + std::to_string(port),
             "--storage.tsdb.path=" + dir + "/data", "--config.file=" + dir + "/promlet.yml",
             "--web.enable-push", "--rules.alert.resend-delay=1s",
             "--web.external-url=http://promlet.example:9090"},
            dir + "/promlet.log");
  ASSERT_TRUE(
      WaitFor([&] { return HttpGet(port, "/-/ready").status == 200; }, std::chrono::seconds(30)))
      << p.Log();

  ASSERT_EQ(HttpDo(port, "PUT", "/metrics/job/boiler", "switch_state 1\n").status, 200);
  ASSERT_TRUE(WaitFor([&] { return ActiveAlerts(am_port).count("SwitchOn") == 1; },
                      std::chrono::seconds(30)))
      << p.Log();
  const nlohmann::json a = ActiveAlerts(am_port)["SwitchOn"];
  EXPECT_EQ(a["labels"].value("severity", ""), "page");
  EXPECT_EQ(a["labels"].value("cluster", ""), "e2e");  // external label, added by the notifier
  EXPECT_EQ(a["labels"].value("job", ""), "boiler");
  EXPECT_EQ(a["annotations"].value("summary", ""), "switch boiler is 1");
  EXPECT_EQ(a.value("generatorURL", ""),
            "http://promlet.example:9090/graph?g0.expr=switch_state+%3D%3D+1&g0.tab=1");
  EXPECT_EQ(a["status"].value("state", ""), "active");

  ASSERT_EQ(HttpDo(port, "PUT", "/metrics/job/boiler", "switch_state 0\n").status, 200);
  EXPECT_TRUE(WaitFor([&] { return ActiveAlerts(am_port).count("SwitchOn") == 0; },
                      std::chrono::seconds(30)))
      << p.Log();
  const std::string metrics = HttpGet(port, "/metrics").body;
  EXPECT_THAT(metrics, ::testing::HasSubstr("prometheus_notifications_dropped_total 0"));
}

}  // namespace
