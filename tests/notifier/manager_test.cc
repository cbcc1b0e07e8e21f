// notifier/manager.h against fake Alertmanagers on 127.0.0.1: batching, drop on overflow,
// timeouts, external labels and alert relabeling, discovery (static and file_sd), reloads,
// draining on Stop, and the self metrics.
#include "notifier/manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/metric_family.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "config/config.h"
#include "scrape/file_sd.h"
#include "tests/notifier/fake_alertmanager.h"

namespace promlet::notifier {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

config::Config LoadOrDie(const std::string& yaml) {
  auto c = config::LoadConfigString(yaml, "/tmp/notifier-test.yml");
  EXPECT_TRUE(c.ok()) << c.status() << "\n" << yaml;
  return c.ok() ? *c : config::Config{};
}

std::string StaticAm(const FakeAlertmanager& am, const std::string& extra = "") {
  return absl::StrCat("    - static_configs: [{targets: ['", am.address(), "']}]\n", extra);
}

Alert Named(const std::string& name) {
  Alert a;
  a.labels = model::Labels{{"alertname", name}};
  a.starts_at_ms = 1700000000000;
  return a;
}

std::vector<Alert> Many(const std::string& prefix, int n) {
  std::vector<Alert> out;
  for (int i = 0; i < n; ++i) out.push_back(Named(absl::StrCat(prefix, i)));
  return out;
}

// The value of one sample of the manager's metrics; -1 if absent.
double MetricValue(const Manager& m, const std::string& name, const std::string& am_url = "") {
  for (const auto& f : m.Metrics()->Collect()) {
    if (f.name != name) continue;
    for (const auto& metric : f.metric) {
      bool match = am_url.empty();
      for (const auto& l : metric.label) {
        if (l.name == "alertmanager" && l.value == am_url) match = true;
      }
      if (!match) continue;
      switch (f.type) {
        case prometheus::MetricType::Counter:
          return metric.counter.value;
        case prometheus::MetricType::Gauge:
          return metric.gauge.value;
        case prometheus::MetricType::Summary:
          return static_cast<double>(metric.summary.sample_count);
        default:
          return -1;
      }
    }
  }
  return -1;
}

// Polls `cond` for up to 20 s (a liveness bound, not a timing assertion).
bool Eventually(const std::function<bool()>& cond) {
  for (int i = 0; i < 2000; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

std::vector<size_t> BatchSizes(const FakeAlertmanager& am) {
  std::vector<size_t> out;
  for (const auto& r : am.requests()) out.push_back(r.alerts.size());
  return out;
}

TEST(NotifierManager, SendsAlertsAsPrometheusDoes) {
  FakeAlertmanager am("/prefix");
  ASSERT_TRUE(am.started());
  Manager m;
  ASSERT_TRUE(
      m.ApplyConfig(LoadOrDie(absl::StrCat("global:\n  external_labels: {region: eu, team: ext}\n"
                                           "alerting:\n  alertmanagers:\n",
                                           StaticAm(am, "      path_prefix: prefix\n"))))
          .ok());
  EXPECT_THAT(m.ActiveAlertmanagers(), ElementsAre(am.url()));
  Alert a = Named("HighLatency");
  a.labels = model::Labels{{"alertname", "HighLatency"}, {"team", "api"}};
  a.annotations = model::Labels{{"summary", "slow"}};
  a.ends_at_ms = 1700000240000;
  a.generator_url = "http://promlet:9090/graph?g0.expr=x&g0.tab=1";
  m.Send({a});
  ASSERT_TRUE(am.WaitAnswered(1));
  auto reqs = am.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/prefix/api/v2/alerts");
  EXPECT_EQ(reqs[0].content_type, "application/json");
  ASSERT_EQ(reqs[0].alerts.size(), 1u);
  const auto& got = reqs[0].alerts[0];
  EXPECT_EQ(got["labels"],
            nlohmann::json({{"alertname", "HighLatency"}, {"region", "eu"}, {"team", "api"}}));
  EXPECT_EQ(got["annotations"], nlohmann::json({{"summary", "slow"}}));
  EXPECT_EQ(got["startsAt"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(got["endsAt"], "2023-11-14T22:17:20.000Z");
  EXPECT_EQ(got["generatorURL"], a.generator_url);
  EXPECT_TRUE(Eventually(
      [&] { return MetricValue(m, "prometheus_notifications_sent_total", am.url()) == 1; }));
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_errors_total", am.url()), 0);
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_latency_seconds", am.url()), 1);
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_dropped_total"), 0);
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_queue_capacity"), 10000);
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_alertmanagers_discovered"), 1);
}

TEST(NotifierManager, BatchesAtMost256AlertsPerRequest) {
  FakeAlertmanager am;
  Manager m;
  ASSERT_TRUE(
      m.ApplyConfig(LoadOrDie(absl::StrCat("alerting:\n  alertmanagers:\n", StaticAm(am)))).ok());
  am.Close();  // the first request waits, so that the next 600 alerts queue up behind it
  m.Send({Named("first")});
  ASSERT_TRUE(am.WaitArrived(1));
  m.Send(Many("a", 600));
  EXPECT_EQ(m.QueueLength(), 600u);
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_queue_length"), 600);
  am.Open();
  ASSERT_TRUE(am.WaitAnswered(4));
  EXPECT_THAT(BatchSizes(am), ElementsAre(1, 256, 256, 88));
  auto alerts = am.alerts();
  ASSERT_EQ(alerts.size(), 601u);
  EXPECT_EQ(alerts[1]["labels"]["alertname"], "a0");
  EXPECT_EQ(alerts[600]["labels"]["alertname"], "a599");
  EXPECT_TRUE(Eventually(
      [&] { return MetricValue(m, "prometheus_notifications_sent_total", am.url()) == 601; }));
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_queue_length"), 0);
}

TEST(NotifierManager, DropsTheOldestOnOverflowAndCountsThem) {
  FakeAlertmanager am;
  ManagerOptions small;
  small.queue_capacity = 10;
  Manager m(small);
  ASSERT_TRUE(
      m.ApplyConfig(LoadOrDie(absl::StrCat("alerting:\n  alertmanagers:\n", StaticAm(am)))).ok());
  am.Close();
  m.Send({Named("first")});
  ASSERT_TRUE(am.WaitArrived(1));
  m.Send(Many("a", 8));
  m.Send(Many("b", 5));  // 13 > 10: a0, a1, a2 go
  EXPECT_EQ(m.QueueLength(), 10u);
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_dropped_total"), 3);
  m.Send(Many("c", 12));  // larger than the queue: c0, c1 and the whole queue go
  EXPECT_EQ(m.QueueLength(), 10u);
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_dropped_total"), 15);
  am.Open();
  ASSERT_TRUE(am.WaitAnswered(2));
  auto alerts = am.alerts();
  ASSERT_EQ(alerts.size(), 11u);
  EXPECT_EQ(alerts[1]["labels"]["alertname"], "c2");
  EXPECT_EQ(alerts[10]["labels"]["alertname"], "c11");
}

TEST(NotifierManager, ASlowAlertmanagerTimesOutWithoutHoldingBackTheOthers) {
  FakeAlertmanager slow, fast;
  slow.Close();  // never answers until the end of the test
  Manager m;
  ASSERT_TRUE(
      m.ApplyConfig(LoadOrDie(absl::StrCat("alerting:\n  alertmanagers:\n",
                                           "    - static_configs: [{targets: ['", slow.address(),
                                           "', '", fast.address(), "']}]\n      timeout: 200ms\n")))
          .ok());
  m.Send({Named("one")});
  ASSERT_TRUE(fast.WaitAnswered(1));
  EXPECT_TRUE(Eventually(
      [&] { return MetricValue(m, "prometheus_notifications_errors_total", slow.url()) == 1; }));
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_sent_total", slow.url()), 1);
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_errors_total", fast.url()), 0);
  // The set was covered by the fast one: nothing dropped.
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_dropped_total"), 0);

  // A set whose only Alertmanager times out loses the batch: counted as dropped, and the next
  // batch still goes out.
  ASSERT_TRUE(m.ApplyConfig(LoadOrDie(absl::StrCat("alerting:\n  alertmanagers:\n",
                                                   StaticAm(slow, "      timeout: 200ms\n"))))
                  .ok());
  m.Send(Many("x", 3));
  EXPECT_TRUE(
      Eventually([&] { return MetricValue(m, "prometheus_notifications_dropped_total") == 3; }));
  m.Send(Many("y", 2));
  EXPECT_TRUE(
      Eventually([&] { return MetricValue(m, "prometheus_notifications_dropped_total") == 5; }));
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_errors_total", slow.url()), 6);
  slow.Open();
  m.Stop();
}

TEST(NotifierManager, ErrorStatusesAreErrors) {
  FakeAlertmanager am;
  am.SetStatus(500);
  Manager m;
  ASSERT_TRUE(
      m.ApplyConfig(LoadOrDie(absl::StrCat("alerting:\n  alertmanagers:\n", StaticAm(am)))).ok());
  m.Send(Many("e", 2));
  ASSERT_TRUE(am.WaitAnswered(1));
  EXPECT_TRUE(Eventually([&] {
    return MetricValue(m, "prometheus_notifications_dropped_total") == 2 &&
           MetricValue(m, "prometheus_notifications_errors_total", am.url()) == 2;
  }));
}

TEST(NotifierManager, AlertRelabelingPerSectionAndPerSet) {
  FakeAlertmanager a, b;
  Manager m;
  ASSERT_TRUE(
      m.ApplyConfig(LoadOrDie(absl::StrCat("global:\n  external_labels: {replica: r1}\n"
                                           "alerting:\n"
                                           "  alert_relabel_configs:\n"
                                           "    - source_labels: [severity]\n      regex: debug\n"
                                           "      action: drop\n"
                                           "    - action: labeldrop\n      regex: replica\n"
                                           "  alertmanagers:\n",
                                           StaticAm(a),
                                           StaticAm(b,
                                                    "      alert_relabel_configs:\n"
                                                    "        - target_label: via\n"
                                                    "          replacement: b\n"))))
          .ok());
  Alert debug = Named("Noise");
  debug.labels = model::Labels{{"alertname", "Noise"}, {"severity", "debug"}};
  m.Send({debug});  // dropped before queueing
  EXPECT_EQ(m.QueueLength(), 0u);
  m.Send({Named("Real")});
  ASSERT_TRUE(a.WaitAnswered(1));
  ASSERT_TRUE(b.WaitAnswered(1));
  EXPECT_EQ(a.alerts()[0]["labels"], nlohmann::json({{"alertname", "Real"}}));
  EXPECT_EQ(b.alerts()[0]["labels"], nlohmann::json({{"alertname", "Real"}, {"via", "b"}}));
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_dropped_total"), 0);
}

TEST(NotifierManager, AuthorizationHeaderIsSent) {
  FakeAlertmanager am;
  Manager m;
  ASSERT_TRUE(m.ApplyConfig(LoadOrDie(absl::StrCat(
                                "alerting:\n  alertmanagers:\n",
                                StaticAm(am, "      basic_auth: {username: u, password: p}\n"))))
                  .ok());
  m.Send({Named("A")});
  ASSERT_TRUE(am.WaitAnswered(1));
  EXPECT_EQ(am.requests()[0].authorization, "Basic dTpw");
}

TEST(NotifierManager, ActiveAndDroppedAlertmanagersFollowReloads) {
  FakeAlertmanager a, b;
  Manager m;
  ASSERT_TRUE(
      m.ApplyConfig(LoadOrDie(absl::StrCat("alerting:\n  alertmanagers:\n",
                                           "    - static_configs: [{targets: ['", a.address(),
                                           "', '", b.address(), "', '", a.address(), "']}]\n",
                                           "      relabel_configs:\n"
                                           "        - source_labels: [__address__]\n"
                                           "          regex: '",
                                           b.address(), "'\n", "          action: drop\n")))
          .ok());
  EXPECT_THAT(m.ActiveAlertmanagers(), ElementsAre(a.url()));
  EXPECT_THAT(m.DroppedAlertmanagers(), ElementsAre(b.url()));
  m.Send({Named("A")});
  ASSERT_TRUE(a.WaitAnswered(1));
  EXPECT_TRUE(Eventually(
      [&] { return MetricValue(m, "prometheus_notifications_sent_total", a.url()) == 1; }));
  // Reload to b only: a's series go away, b's start at 0.
  ASSERT_TRUE(
      m.ApplyConfig(LoadOrDie(absl::StrCat("alerting:\n  alertmanagers:\n", StaticAm(b)))).ok());
  EXPECT_THAT(m.ActiveAlertmanagers(), ElementsAre(b.url()));
  EXPECT_TRUE(m.DroppedAlertmanagers().empty());
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_sent_total", a.url()), -1);
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_sent_total", b.url()), 0);
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_alertmanagers_discovered"), 1);
  // No alerting section: nothing to send to, alerts are discarded without error.
  ASSERT_TRUE(m.ApplyConfig(LoadOrDie("global: {}\n")).ok());
  EXPECT_TRUE(m.ActiveAlertmanagers().empty());
  m.Send({Named("B")});
  EXPECT_TRUE(Eventually([&] { return m.QueueLength() == 0; }));
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_alertmanagers_discovered"), 0);
}

class FileDiscoveryWatcher : public GroupWatcher {
 public:
  FileDiscoveryWatcher(const config::FileSdConfig& cfg, GroupsCallback cb) : d_(cfg, "am") {
    d_.Start([cb](const std::vector<config::TargetGroup>& g) { cb(g); });
  }
  ~FileDiscoveryWatcher() override { d_.Stop(); }

 private:
  scrape::FileDiscovery d_;
};

TEST(NotifierManager, FileSdWithAWatcherAndWithoutOne) {
  FakeAlertmanager a, b;
  const std::string dir = ::testing::TempDir() + "/notifier-file-sd-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& addr) {
    std::ofstream(dir + "/am.json.tmp") << "[{\"targets\": [\"" << addr << "\"]}]";
    std::filesystem::rename(dir + "/am.json.tmp", dir + "/am.json");
  };
  write(a.address());
  const std::string yaml = absl::StrCat(
      "alerting:\n  alertmanagers:\n    - file_sd_configs: [{files: ['", dir, "/*.json']}]\n");
  {
    ManagerOptions o;
    o.file_sd = [](const config::FileSdConfig& cfg, GroupsCallback cb) {
      return std::make_unique<FileDiscoveryWatcher>(cfg, std::move(cb));
    };
    Manager m(std::move(o));
    ASSERT_TRUE(m.ApplyConfig(LoadOrDie(yaml)).ok());
    EXPECT_TRUE(Eventually([&] { return m.ActiveAlertmanagers() == std::vector{a.url()}; }));
    write(b.address());
    EXPECT_TRUE(Eventually([&] { return m.ActiveAlertmanagers() == std::vector{b.url()}; }));
    m.Send({Named("viaFile")});
    ASSERT_TRUE(b.WaitAnswered(1));
  }
  {
    Manager m;  // no watcher: read at each ApplyConfig
    ASSERT_TRUE(m.ApplyConfig(LoadOrDie(yaml)).ok());
    EXPECT_THAT(m.ActiveAlertmanagers(), ElementsAre(b.url()));
  }
  std::filesystem::remove_all(dir);
}

TEST(NotifierManager, StopDrainsTheQueue) {
  FakeAlertmanager am;
  Manager m;
  ASSERT_TRUE(
      m.ApplyConfig(LoadOrDie(absl::StrCat("alerting:\n  alertmanagers:\n", StaticAm(am)))).ok());
  am.Close();
  m.Send({Named("first")});
  ASSERT_TRUE(am.WaitArrived(1));
  m.Send(Many("d", 300));
  std::thread opener([&] {
    // Let Stop start while a request is in flight, then answer.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    am.Open();
  });
  m.Stop();
  opener.join();
  EXPECT_EQ(am.alerts().size(), 301u);
  EXPECT_EQ(m.QueueLength(), 0u);
  m.Send({Named("late")});  // after Stop: dropped silently, never blocks
  m.Stop();
}

TEST(NotifierManager, StopGivesUpOnUnreachableAlertmanagers) {
  FakeAlertmanager am;
  am.SetStatus(503);
  Manager m;
  ASSERT_TRUE(
      m.ApplyConfig(LoadOrDie(absl::StrCat("alerting:\n  alertmanagers:\n", StaticAm(am)))).ok());
  am.Close();
  m.Send({Named("first")});
  ASSERT_TRUE(am.WaitArrived(1));
  m.Send(Many("d", 600));
  am.Open();
  m.Stop();
  // Every batch failed: those sent are counted as dropped, and the drain's first failure drops
  // what is left instead of trying each remaining batch.
  EXPECT_EQ(MetricValue(m, "prometheus_notifications_dropped_total"), 601);
  EXPECT_EQ(m.QueueLength(), 0u);
  EXPECT_LE(am.requests().size(), 4u);
}

}  // namespace
}  // namespace promlet::notifier
