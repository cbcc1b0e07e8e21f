// Empty values in rules, differentially against Debian's Prometheus (2.42; 3.x behaves the same,
// see rules/alerting.go: annotations go through a ScratchBuilder, labels through a Builder):
// an annotation written as "" and one whose template renders to "" are KEPT, with an empty
// value, in /api/v1/alerts, in /api/v1/rules and in the notifications Alertmanager receives;
// alert and recording-rule labels whose value is (or renders to) "" are dropped from alerts and
// output series, while /api/v1/rules still lists the rule's labels as written.
// Both servers run on 127.0.0.1 with the same rule file, each sending to its own fake
// Alertmanager; without /usr/bin/prometheus the figures pinned from 2.42 are checked alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tests/integration/test_util.h"
#include "tests/notifier/fake_alertmanager.h"

namespace {

using json = nlohmann::json;
using promlet::notifier::FakeAlertmanager;
using promlet::testing::FileExecutable;
using promlet::testing::FreePort;
using promlet::testing::HttpGet;
using promlet::testing::MakeTempDir;
using promlet::testing::Process;
using promlet::testing::WriteFile;

constexpr char kRules[] = R"(groups:
  - name: empties
    interval: 1s
    rules:
      - alert: EmptyAnn
        expr: vector(1)
        labels: {empty: "", tmpl: "{{ if false }}x{{ end }}", severity: page}
        annotations: {summary: "", rendered_empty: "{{ if false }}x{{ end }}", desc: "d"}
      - record: rec_empty_label
        expr: vector(2)
        labels: {empty: "", kept: k}
)";

json Data(int port, const std::string& target) {
  auto r = HttpGet(port, target);
  if (r.status != 200) return json();
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("data")) return json();
  return j["data"];
}

// What one server shows and sends, in comparable form.
struct Seen {
  json api_alert;         // labels + annotations of /api/v1/alerts' alert
  json rule_alerting;     // labels + annotations of the alerting rule in /api/v1/rules
  json rule_recording;    // labels of the recording rule
  json series;            // metric of rec_empty_label
  json notified;          // labels + annotations of the first notification
};

std::optional<Seen> Observe(int port, const FakeAlertmanager& am) {
  Seen s;
  json alerts = Data(port, "/api/v1/alerts");
  if (!alerts.is_object() || alerts["alerts"].size() != 1) return std::nullopt;
  s.api_alert = {alerts["alerts"][0]["labels"], alerts["alerts"][0]["annotations"]};
  json rules = Data(port, "/api/v1/rules");
  if (!rules.is_object() || rules["groups"].size() != 1) return std::nullopt;
  const json& r = rules["groups"][0]["rules"];
  s.rule_alerting = {r[0]["labels"], r[0]["annotations"]};
  s.rule_recording = r[1].value("labels", json::object());
  json q = Data(port, "/api/v1/query?query=rec_empty_label");
  if (!q.is_object() || q["result"].size() != 1) return std::nullopt;
  s.series = q["result"][0]["metric"];
  std::vector<json> sent = am.alerts();
  if (sent.empty()) return std::nullopt;
  s.notified = {sent[0]["labels"], sent[0].value("annotations", json::object())};
  return s;
}

TEST(EmptyAnnotations, KeptLikePrometheusInApiAndNotifications) {
  const std::string dir = MakeTempDir("empty-ann");
  std::filesystem::create_directories(dir + "/rules");
  WriteFile(dir + "/rules/r.yml", kRules);
  FakeAlertmanager promlet_am, prom_am;
  ASSERT_TRUE(promlet_am.started() && prom_am.started());
  auto config = [](const FakeAlertmanager& am) {
    return "global: {evaluation_interval: 1s}\nrule_files: ['rules/*.yml']\n"
           "alerting:\n  alertmanagers: [{static_configs: [{targets: ['" +
           am.address() + "']}]}]\n";
  };
  WriteFile(dir + "/promlet.yml", config(promlet_am));
  WriteFile(dir + "/prometheus.yml", config(prom_am));
  const int port = FreePort();
  // A resend delay of 1s: Prometheus drops the first notification sent before its Alertmanager
  // discovery delivers, and resends after the delay.
  Process p({PROMLET_BINARY, "--config.file=" + dir + "/promlet.yml",
             "--web.listen-address=127.0.0.1:" + std::to_string(port),
             "--storage.tsdb.path=" + dir + "/data", "--rules.alert.resend-delay=1s"},
            dir + "/promlet.log");
  std::optional<Seen> got;
  ASSERT_TRUE(promlet::testing::WaitFor([&] { return (got = Observe(port, promlet_am)).has_value(); },
                                        std::chrono::seconds(30)))
      << p.Log();
  // Pinned from Prometheus 2.42 on this case.
  const json annotations = {{"desc", "d"}, {"rendered_empty", ""}, {"summary", ""}};
  const json alert_labels = {{"alertname", "EmptyAnn"}, {"severity", "page"}};
  EXPECT_EQ(got->api_alert, json({alert_labels, annotations}));
  EXPECT_EQ(got->notified, json({alert_labels, annotations}));
  EXPECT_EQ(got->rule_alerting,
            json({{{"empty", ""}, {"severity", "page"}, {"tmpl", "{{ if false }}x{{ end }}"}},
                  {{"desc", "d"}, {"rendered_empty", "{{ if false }}x{{ end }}"}, {"summary", ""}}}));
  EXPECT_EQ(got->rule_recording, json({{"empty", ""}, {"kept", "k"}}));
  EXPECT_EQ(got->series, json({{"__name__", "rec_empty_label"}, {"kept", "k"}}));

  if (!FileExecutable("/usr/bin/prometheus")) GTEST_SKIP() << "prometheus not installed";
  const int pport = FreePort();
  Process prom({"/usr/bin/prometheus", "--config.file=" + dir + "/prometheus.yml",
                "--web.listen-address=127.0.0.1:" + std::to_string(pport),
                "--storage.tsdb.path=" + dir + "/prom-data", "--rules.alert.resend-delay=1s"},
               dir + "/prom.log");
  std::optional<Seen> want;
  ASSERT_TRUE(promlet::testing::WaitFor(
      [&] { return (want = Observe(pport, prom_am)).has_value(); }, std::chrono::seconds(40)))
      << prom.Log();
  EXPECT_EQ(got->api_alert, want->api_alert);
  EXPECT_EQ(got->notified, want->notified);
  EXPECT_EQ(got->rule_alerting, want->rule_alerting);
  EXPECT_EQ(got->rule_recording, want->rule_recording);
  EXPECT_EQ(got->series, want->series);
  std::filesystem::remove_all(dir);
}

}  // namespace
