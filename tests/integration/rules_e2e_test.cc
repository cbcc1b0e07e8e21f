// Rules end to end on the real binary: recording and alerting rules evaluated from rule_files,
// /api/v1/rules and /api/v1/alerts, ALERTS series, SIGHUP reload keeping alert state and
// refusing a broken file (old rules keep running), a bad rule file refusing the start, the
// prometheus_rule_* metrics; and, when Debian's prometheus is installed, a differential test
// running the same rules over the same scraped data in both.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/test_util.h"
#include "tests/scrape_loop/test_server.h"

namespace promlet::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kMetrics[] =
    "# TYPE temp gauge\n"
    "temp{room=\"a\"} 30\n"
    "temp{room=\"b\"} 10\n"
    "temp{room=\"c\"} 45\n";

constexpr char kRules[] = R"(groups:
  - name: rooms
    interval: 1s
    rules:
      - record: room:temp:doubled
        expr: temp * 2
        labels: {src: rule}
      - record: rooms:hot:count
        expr: count(room:temp:doubled > 50)
      - alert: Hot
        expr: temp > 20
        for: 2s
        labels: {severity: page}
        annotations: {summary: "room is hot"}
      - alert: Freezing
        expr: temp < 0
)";

std::string Config(const std::string& target) {
  return "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
         "rule_files: ['rules/*.yml']\n"
         "scrape_configs:\n  - job_name: rooms\n    static_configs: [{targets: ['" +
         target + "']}]\n";
}

json Data(int port, const std::string& target) {
  HttpResult r = HttpGet(port, target);
  if (r.status != 200) return json();
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("data")) return json();
  return j["data"];
}

// Firing alerts as "alertname/room/severity" strings, with their activeAt.
std::map<std::string, std::string> Firing(int port) {
  std::map<std::string, std::string> out;
  json d = Data(port, "/api/v1/alerts");
  if (!d.is_object()) return out;
  for (const json& a : d["alerts"]) {
    if (a["state"] != "firing") continue;
    out[a["labels"]["alertname"].get<std::string>() + "/" + a["labels"]["room"].get<std::string>() +
        "/" + a["labels"]["severity"].get<std::string>()] = a["activeAt"].get<std::string>();
  }
  return out;
}

struct RulesDir {
  scrape::testing::TestServer target{[](const scrape::testing::SeenRequest&) {
    scrape::testing::Reply r;
    r.body = kMetrics;
    return r;
  }};
  std::string dir = MakeTempDir("rules-e2e");
  RulesDir() {
    ::mkdir((dir + "/rules").c_str(), 0755);
    WriteFile(dir + "/prometheus.yml", Config(target.address()));
    WriteFile(dir + "/rules/r.yml", kRules);
  }
  ~RulesDir() { std::filesystem::remove_all(dir); }
};

TEST(RulesE2E, AlertsRecordingReloadAndMetrics) {
  RulesDir s;
  const int port = FreePort();
  Process p({PROMLET_BINARY, "--config.file=" + s.dir + "/prometheus.yml",
             "--web.listen-address=127.0.0.1:" + std::to_string(port),
             "--storage.tsdb.path=" + s.dir + "/data"},
            s.dir + "/log.txt");
  ASSERT_TRUE(WaitFor([&] { return Firing(port).size() == 2; }, std::chrono::seconds(30)))
      << p.Log();
  const auto firing = Firing(port);
  EXPECT_EQ(firing.count("Hot/a/page"), 1u);
  EXPECT_EQ(firing.count("Hot/c/page"), 1u);

  json alerts = Data(port, "/api/v1/query?query=ALERTS%7Balertstate%3D%22firing%22%7D");
  EXPECT_EQ(alerts["result"].size(), 2u) << alerts.dump();
  json rec = Data(port, "/api/v1/query?query=room:temp:doubled%7Broom%3D%22c%22%7D");
  ASSERT_EQ(rec["result"].size(), 1u) << rec.dump();
  EXPECT_EQ(rec["result"][0]["value"][1], "90");
  EXPECT_EQ(rec["result"][0]["metric"]["src"], "rule");
  EXPECT_TRUE(WaitFor(
      [&] {
        json c = Data(port, "/api/v1/query?query=rooms:hot:count");
        return c.is_object() && c["result"].size() == 1 && c["result"][0]["value"][1] == "2";
      },
      std::chrono::seconds(10)));

  json rules = Data(port, "/api/v1/rules");
  ASSERT_EQ(rules["groups"].size(), 1u) << rules.dump();
  EXPECT_EQ(rules["groups"][0]["name"], "rooms");
  EXPECT_EQ(rules["groups"][0]["rules"].size(), 4u);
  EXPECT_EQ(rules["groups"][0]["rules"][2]["state"], "firing");
  EXPECT_EQ(rules["groups"][0]["rules"][2]["health"], "ok");
  EXPECT_EQ(rules["groups"][0]["rules"][3]["state"], "inactive");
  EXPECT_EQ(Data(port, "/api/v1/rules?type=record")["groups"][0]["rules"].size(), 2u);

  // A broken file on SIGHUP: refused and logged; the old rules keep running.
  WriteFile(s.dir + "/rules/r.yml",
            std::string(kRules) + "      - record: x\n        expr: sum(\n");
  p.Signal(SIGHUP);
  EXPECT_TRUE(
      WaitFor([&] { return p.Log().find("could not parse expression") != std::string::npos; },
              std::chrono::seconds(10)))
      << p.Log();
  EXPECT_THAT(p.Log(), HasSubstr("previous rules stay in force"));
  EXPECT_EQ(Data(port, "/api/v1/rules")["groups"][0]["rules"].size(), 4u);

  // A changed group: firing alerts of the unchanged rule keep their activeAt.
  WriteFile(s.dir + "/rules/r.yml",
            std::string(kRules) + "      - record: y\n        expr: temp\n");
  p.Signal(SIGHUP);
  ASSERT_TRUE(
      WaitFor([&] { return Data(port, "/api/v1/rules")["groups"][0]["rules"].size() == 5u; },
              std::chrono::seconds(10)));
  EXPECT_EQ(Firing(port), firing);

  HttpResult m = HttpGet(port, "/metrics");
  EXPECT_THAT(m.body, HasSubstr("prometheus_rule_group_rules{rule_group=\"" + s.dir +
                                "/rules/r.yml;rooms\"} 5"));
  EXPECT_THAT(m.body, HasSubstr("prometheus_rule_evaluation_failures_total{rule_group="));
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(std::chrono::seconds(20)), 0);
}

TEST(RulesE2E, BadRuleFileRefusesTheStart) {
  RulesDir s;
  WriteFile(s.dir + "/rules/r.yml", "groups:\n  - name: g\n    rules:\n      - alert: A\n");
  Process p({PROMLET_BINARY, "--config.file=" + s.dir + "/prometheus.yml",
             "--web.listen-address=127.0.0.1:" + std::to_string(FreePort()),
             "--storage.tsdb.path=" + s.dir + "/data"},
            s.dir + "/log.txt");
  EXPECT_EQ(p.Wait(std::chrono::seconds(20)), 1);
  EXPECT_THAT(p.Log(), HasSubstr("field 'expr' must be set in rule"));
  // `check config` checks the rule files the config names, as promtool does.
  Process check({PROMLET_BINARY, "check", "config", s.dir + "/prometheus.yml"},
                s.dir + "/check.txt");
  EXPECT_EQ(check.Wait(std::chrono::seconds(20)), 1);
  EXPECT_THAT(check.Log(), HasSubstr("Checking " + s.dir + "/rules/r.yml"));
  EXPECT_THAT(check.Log(), HasSubstr("field 'expr' must be set in rule"));
  WriteFile(s.dir + "/rules/r.yml", kRules);
  Process ok({PROMLET_BINARY, "check", "config", s.dir + "/prometheus.yml"}, s.dir + "/ok.txt");
  EXPECT_EQ(ok.Wait(std::chrono::seconds(20)), 0);
  EXPECT_THAT(ok.Log(), HasSubstr("SUCCESS: 4 rules found"));
}

// The same rules over the same scraped data in Debian's Prometheus and in promlet: the same
// firing alerts (labels, annotations), recording-rule output and rule health.
TEST(RulesE2E, SameAlertsAndRecordsAsPrometheus) {
  if (!FileExecutable("/usr/bin/prometheus")) GTEST_SKIP() << "prometheus not installed";
  RulesDir s;
  const int pport = FreePort();
  const int port = FreePort();
  Process prom({"/usr/bin/prometheus", "--config.file=" + s.dir + "/prometheus.yml",
                "--web.listen-address=127.0.0.1:" + std::to_string(pport),
                "--storage.tsdb.path=" + s.dir + "/prom-data"},
               s.dir + "/prom.txt");
  Process p({PROMLET_BINARY, "--config.file=" + s.dir + "/prometheus.yml",
             "--web.listen-address=127.0.0.1:" + std::to_string(port),
             "--storage.tsdb.path=" + s.dir + "/data"},
            s.dir + "/log.txt");
  ASSERT_TRUE(WaitFor([&] { return Firing(pport).size() == 2 && Firing(port).size() == 2; },
                      std::chrono::seconds(40)))
      << prom.Log() << p.Log();
  auto keys = [](const std::map<std::string, std::string>& m) {
    std::set<std::string> k;
    for (const auto& [a, b] : m) k.insert(a);
    return k;
  };
  EXPECT_EQ(keys(Firing(port)), keys(Firing(pport)));

  auto vector_of = [](int p, const std::string& q) {
    std::map<std::string, std::string> out;
    json d = Data(p, "/api/v1/query?query=" + q);
    if (!d.is_object()) return out;
    for (const json& e : d["result"]) {
      json m = e["metric"];
      m.erase("instance");  // different scrape addresses are not at play here, but be safe
      out[m.dump()] = e["value"][1].get<std::string>();
    }
    return out;
  };
  for (const char* q : {"room:temp:doubled", "rooms:hot:count",
                        "ALERTS%7Balertstate%3D%22firing%22%7D", "count(ALERTS_FOR_STATE)"}) {
    EXPECT_EQ(vector_of(port, q), vector_of(pport, q)) << q;
  }
  auto alerts_of = [](int p) {
    std::map<std::string, std::string> out;
    const json d = Data(p, "/api/v1/alerts");
    if (!d.is_object()) return out;
    for (const json& a : d["alerts"]) {
      out[a["labels"].dump()] =
          a["annotations"].dump() + a["state"].get<std::string>() + a["value"].get<std::string>();
    }
    return out;
  };
  EXPECT_EQ(alerts_of(port), alerts_of(pport));
  auto rules_of = [](int p) {
    std::vector<std::string> out;
    const json d = Data(p, "/api/v1/rules");
    if (!d.is_object()) return out;
    for (const json& g : d["groups"]) {
      for (const json& r : g["rules"]) {
        out.push_back(r["name"].get<std::string>() + " " + r["type"].get<std::string>() + " " +
                      r["health"].get<std::string>() + " " + r.value("state", "") + " " +
                      r.value("labels", json::object()).dump());
      }
    }
    return out;
  };
  EXPECT_EQ(rules_of(port), rules_of(pport));
}

}  // namespace
}  // namespace promlet::testing
