// The promlet binary with an `alerting` section: /api/v1/alertmanagers, /api/v1/status/config
// and /status/flags, the prometheus_notifications_* metrics on /metrics, and /-/reload (a
// changed Alertmanager list is taken, a refused one keeps the old list and says why).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/test_util.h"

namespace promlet::notifier {
namespace {

using promlet::testing::FreePort;
using promlet::testing::HttpDo;
using promlet::testing::HttpGet;
using promlet::testing::MakeTempDir;
using promlet::testing::Process;
using promlet::testing::WaitFor;
using promlet::testing::WriteFile;
using ::testing::HasSubstr;

TEST(PromletAlerting, AlertmanagersConfigFlagsMetricsAndReload) {
  const std::string dir = MakeTempDir("alerting");
  const int port = FreePort();
  // Port 9 on loopback: nothing listens there; no alert is sent in this test anyway.
  WriteFile(dir + "/promlet.yml",
            "alerting:\n  alertmanagers:\n"
            "    - static_configs: [{targets: ['127.0.0.1:9', '127.0.0.2:9']}]\n"
            "      path_prefix: /am\n"
            "      basic_auth: {username: u, password: hunter2}\n"
            "      relabel_configs:\n"
            "        - {source_labels: [__address__], regex: '127.0.0.2:9', action: drop}\n");
  Process p({PROMLET_BINARY, "--web.listen-address=127.0.0.1:" + std::to_string(port),
             "--storage.tsdb.path=" + dir + "/data", "--config.file=" + dir + "/promlet.yml",
             "--web.enable-lifecycle", "--alertmanager.notification-queue-capacity=123",
             "--alertmanager.timeout=3s"},
            dir + "/log.txt");
  ASSERT_TRUE(
      WaitFor([&] { return HttpGet(port, "/-/ready").status == 200; }, std::chrono::seconds(30)))
      << p.Log();

  EXPECT_EQ(HttpGet(port, "/api/v1/alertmanagers").body,
            R"({"status":"success","data":{"activeAlertmanagers":[)"
            R"({"url":"http://127.0.0.1:9/am/api/v2/alerts"}],"droppedAlertmanagers":[)"
            R"({"url":"http://127.0.0.2:9/am/api/v2/alerts"}]}})");
  const std::string cfg = HttpGet(port, "/api/v1/status/config").body;
  EXPECT_THAT(cfg, HasSubstr("alertmanagers"));
  EXPECT_THAT(cfg, HasSubstr("password: \\u003csecret\\u003e"));
  EXPECT_THAT(cfg, ::testing::Not(HasSubstr("hunter2")));
  const std::string flags = HttpGet(port, "/api/v1/status/flags").body;
  EXPECT_THAT(flags, HasSubstr(R"("alertmanager.notification-queue-capacity":"123")"));
  EXPECT_THAT(flags, HasSubstr(R"("alertmanager.timeout":"3s")"));
  const std::string metrics = HttpGet(port, "/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("prometheus_notifications_queue_capacity 123"));
  EXPECT_THAT(metrics, HasSubstr("prometheus_notifications_alertmanagers_discovered 1"));
  EXPECT_THAT(metrics, HasSubstr("prometheus_notifications_queue_length 0"));
  EXPECT_THAT(metrics, HasSubstr("prometheus_notifications_dropped_total 0"));
  EXPECT_THAT(metrics,
              HasSubstr("prometheus_notifications_sent_total{alertmanager=\"http://127.0.0.1:9/"
                        "am/api/v2/alerts\"} 0"));

  // Reload with another Alertmanager.
  WriteFile(dir + "/promlet.yml",
            "alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['127.0.0.3:9']}]\n");
  EXPECT_EQ(HttpDo(port, "POST", "/-/reload").status, 200);
  EXPECT_THAT(HttpGet(port, "/api/v1/alertmanagers").body,
              HasSubstr(R"("activeAlertmanagers":[{"url":"http://127.0.0.3:9/api/v2/alerts"}])"));
  EXPECT_THAT(HttpGet(port, "/metrics").body,
              ::testing::Not(HasSubstr("alertmanager=\"http://127.0.0.1:9/am/api/v2/alerts\"")));

  // api_version v1 is refused with Prometheus' message; the running list stays.
  WriteFile(dir + "/promlet.yml",
            "alerting:\n  alertmanagers:\n    - api_version: v1\n"
            "      static_configs: [{targets: ['127.0.0.4:9']}]\n");
  auto bad = HttpDo(port, "POST", "/-/reload");
  EXPECT_EQ(bad.status, 500);
  EXPECT_THAT(bad.body, HasSubstr("alerting.alertmanagers[0].api_version: expected Alertmanager "
                                  "api version to be one of [v2] but got v1"));
  EXPECT_THAT(HttpGet(port, "/api/v1/alertmanagers").body, HasSubstr("127.0.0.3:9"));

  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(std::chrono::seconds(20)), 0) << p.Log();
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace promlet::notifier
