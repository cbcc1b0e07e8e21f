// The notifier against a real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1:
// alerts sent through notifier::Manager arrive with their labels (and the external labels),
// annotations, startsAt, endsAt and generatorURL, and an alert sent again with endsAt in the
// past resolves. Skipped, saying why, when the binary is not installed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/metric_family.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "config/config.h"
#include "notifier/manager.h"
#include "tests/integration/test_util.h"

namespace promlet::notifier {
namespace {

constexpr char kAlertmanagerBinary[] = "/usr/bin/prometheus-alertmanager";

using promlet::testing::FileExecutable;
using promlet::testing::FreePort;
using promlet::testing::HttpGet;
using promlet::testing::MakeTempDir;
using promlet::testing::Process;
using promlet::testing::WaitFor;
using promlet::testing::WriteFile;

// The alerts the Alertmanager currently holds (GET /api/v2/alerts), by alertname.
std::map<std::string, nlohmann::json> AlertsOf(int port) {
  std::map<std::string, nlohmann::json> out;
  auto r = HttpGet(port, "/api/v2/alerts");
  if (r.status != 200) return out;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& a : j) out[a["labels"].value("alertname", "")] = a;
  return out;
}

TEST(AlertmanagerE2E, AlertsArriveAndResolve) {
  if (!FileExecutable(kAlertmanagerBinary)) {
    GTEST_SKIP() << kAlertmanagerBinary
                 << " is not installed (apt-get install prometheus-alertmanager); skipping the "
                    "end-to-end notifier test";
  }
  const std::string dir = MakeTempDir("alertmanager");
  WriteFile(dir + "/alertmanager.yml",
            "route:\n  receiver: blackhole\n  group_wait: 1h\nreceivers:\n  - name: blackhole\n");
  const int port = FreePort();
  Process am(
      {kAlertmanagerBinary, "--config.file=" + dir + "/alertmanager.yml",
       "--storage.path=" + dir + "/data", absl::StrCat("--web.listen-address=127.0.0.1:", port),
       "--cluster.listen-address=", "--log.level=debug"},
      dir + "/alertmanager.log");
  ASSERT_TRUE(
      WaitFor([&] { return HttpGet(port, "/-/ready").status == 200; }, std::chrono::seconds(30)))
      << am.Log();

  auto cfg = config::LoadConfigString(
      absl::StrCat("global:\n  external_labels: {cluster: e2e}\n"
                   "alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['127.0.0.1:",
                   port, "']}]\n      timeout: 5s\n"),
      "e2e.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  Manager m;
  ASSERT_TRUE(m.ApplyConfig(*cfg).ok());

  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  Alert firing;
  firing.labels = model::Labels{{"alertname", "E2EFiring"}, {"severity", "page"}};
  firing.annotations = model::Labels{{"summary", "it fires"}, {"description", "value 1e+06"}};
  firing.starts_at_ms = now_ms - 60 * 1000;
  firing.ends_at_ms = now_ms + 3600 * 1000;
  firing.generator_url = "http://promlet:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1";
  Alert resolving = firing;
  resolving.labels = model::Labels{{"alertname", "E2EResolves"}, {"severity", "ticket"}};
  m.Send({firing, resolving});

  std::map<std::string, nlohmann::json> got;
  ASSERT_TRUE(WaitFor(
      [&] {
        got = AlertsOf(port);
        return got.size() == 2;
      },
      std::chrono::seconds(20)))
      << am.Log();
  const nlohmann::json& f = got["E2EFiring"];
  EXPECT_EQ(f["labels"],
            nlohmann::json({{"alertname", "E2EFiring"}, {"cluster", "e2e"}, {"severity", "page"}}));
  EXPECT_EQ(f["annotations"],
            nlohmann::json({{"summary", "it fires"}, {"description", "value 1e+06"}}));
  EXPECT_EQ(f["startsAt"], FormatAlertTime(firing.starts_at_ms));
  EXPECT_EQ(f["endsAt"], FormatAlertTime(firing.ends_at_ms));
  EXPECT_EQ(f["generatorURL"], firing.generator_url);
  EXPECT_EQ(f["status"]["state"], "active");
  EXPECT_EQ(got["E2EResolves"]["labels"]["cluster"], "e2e");

  // Resolution: the same alert with endsAt in the past leaves the active alerts; the other
  // one stays.
  resolving.ends_at_ms = absl::ToUnixMillis(absl::Now()) - 1000;
  m.Send({resolving});
  ASSERT_TRUE(WaitFor(
      [&] {
        got = AlertsOf(port);
        return got.size() == 1 && got.count("E2EFiring") == 1;
      },
      std::chrono::seconds(20)))
      << am.Log();

  const std::string url = absl::StrCat("http://127.0.0.1:", port, "/api/v2/alerts");
  EXPECT_THAT(m.ActiveAlertmanagers(), ::testing::ElementsAre(url));
  m.Stop();
  double sent = -1, errors = -1;
  for (const auto& fam : m.Metrics()->Collect()) {
    for (const auto& metric : fam.metric) {
      if (fam.name == "prometheus_notifications_sent_total") sent = metric.counter.value;
      if (fam.name == "prometheus_notifications_errors_total") errors = metric.counter.value;
    }
  }
  EXPECT_EQ(sent, 3);
  EXPECT_EQ(errors, 0);
  am.Signal(SIGTERM);
  am.Wait(std::chrono::seconds(10));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace promlet::notifier
