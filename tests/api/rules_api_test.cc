// /api/v1/rules and /api/v1/alerts in Prometheus' JSON shapes, with the type, rule_name[],
// rule_group[], file[] and exclude_alerts filters, read through the RuleSource hooks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "promql/engine/engine.h"
#include "tsdb/head.h"
#include "web/api/v1/api.h"

namespace promlet::web {
namespace {

using net::HttpRequest;
using net::HttpResponse;

std::vector<RuleGroupView> Groups() {
  RuleGroupView g;
  g.name = "g1";
  g.file = "/etc/r.yml";
  g.interval_seconds = 30;
  g.evaluation_seconds = 0.0015;
  g.last_evaluation_ns = 1700000000500000000;
  RuleView alert;
  alert.alerting = true;
  alert.name = "Down";
  alert.query = "up == 0";
  alert.duration_seconds = 300;
  alert.labels = model::Labels{{"severity", "page"}};
  alert.annotations = model::Labels{{"summary", "down"}};
  alert.state = "firing";
  alert.health = "ok";
  alert.evaluation_seconds = 0.001;
  alert.last_evaluation_ns = 1700000000500000000;
  AlertView a;
  a.labels = model::Labels{{"alertname", "Down"}, {"instance", "a"}, {"severity", "page"}};
  a.annotations = model::Labels{{"summary", "down"}};
  a.state = "firing";
  a.active_at_ns = 1700000000123456789;
  a.value = 0;
  alert.alerts = {a};
  RuleView rec;
  rec.name = "job:up:sum";
  rec.query = "sum by (job) (up)";
  rec.health = "err";
  rec.last_error = "boom";
  RuleGroupView g2;
  g2.name = "g2";
  g2.file = "/etc/s.yml";
  g2.interval_seconds = 60;
  g2.limit = 10;
  g2.rules = {rec};
  g.rules = {alert};
  return {g, g2};
}

class RulesApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RuleSource rules;
    rules.groups = [] { return Groups(); };
    api_ = std::make_unique<Api>(ApiOptions{}, &head_, &engine_, TargetSource{}, RuntimeStatus{},
                                 AdminHooks{}, rules);
  }
  std::string Get(const std::string& target) {
    HttpRequest req;
    req.method = "GET";
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    return api_->Serve(req).body;
  }
  tsdb::Head head_;
  promql::Engine engine_;
  std::unique_ptr<Api> api_;
};

constexpr char kAlertJson[] = R"({"labels":{"alertname":"Down","instance":"a","severity":"page"},)"
                              R"("annotations":{"summary":"down"},"state":"firing",)"
                              R"("activeAt":"2023-11-14T22:13:20.123456789Z","value":"0e+00"})";

TEST_F(RulesApiTest, RulesInPrometheusShape) {
  const std::string g1 =
      std::string(R"({"name":"g1","file":"/etc/r.yml","rules":[{"state":"firing","name":"Down",)"
                  R"("query":"up == 0","duration":300,"keepFiringFor":0,)"
                  R"("labels":{"severity":"page"},"annotations":{"summary":"down"},"alerts":[)") +
      kAlertJson +
      R"(],"health":"ok","evaluationTime":0.001,"lastEvaluation":"2023-11-14T22:13:20.5Z",)"
      R"("type":"alerting"}],"interval":30,"limit":0,"evaluationTime":0.0015,)"
      R"("lastEvaluation":"2023-11-14T22:13:20.5Z"})";
  const std::string g2 =
      R"({"name":"g2","file":"/etc/s.yml","rules":[{"name":"job:up:sum",)"
      R"j("query":"sum by (job) (up)","health":"err","lastError":"boom","evaluationTime":0,)j"
      R"("lastEvaluation":"0001-01-01T00:00:00Z","type":"recording"}],"interval":60,)"
      R"("limit":10,"evaluationTime":0,"lastEvaluation":"0001-01-01T00:00:00Z"})";
  EXPECT_EQ(Get("/api/v1/rules"),
            R"({"status":"success","data":{"groups":[)" + g1 + "," + g2 + "]}}");
  EXPECT_EQ(Get("/api/v1/rules?type=record"),
            R"({"status":"success","data":{"groups":[)" + g2 + "]}}");
  EXPECT_EQ(Get("/api/v1/rules?type=alert&rule_group[]=g2"),
            R"({"status":"success","data":{"groups":[]}})");
  EXPECT_EQ(Get("/api/v1/rules?file[]=/etc/r.yml&rule_name[]=Down"),
            R"({"status":"success","data":{"groups":[)" + g1 + "]}}");
  EXPECT_THAT(Get("/api/v1/rules?exclude_alerts=true&type=alert"),
              ::testing::HasSubstr(R"("alerts":null,)"));
  EXPECT_EQ(Get("/api/v1/rules?exclude_alerts=maybe"),
            R"({"status":"error","errorType":"bad_data","error":"invalid parameter )"
            R"(\"exclude_alerts\": strconv.ParseBool: parsing \"maybe\": invalid syntax"})");
  EXPECT_EQ(Get("/api/v1/rules?type=x"),
            R"({"status":"error","errorType":"bad_data","error":"invalid parameter )"
            R"(\"type\": not supported value \"x\""})");
}

TEST_F(RulesApiTest, Alerts) {
  EXPECT_EQ(Get("/api/v1/alerts"),
            std::string(R"({"status":"success","data":{"alerts":[)") + kAlertJson + "]}}");
}

}  // namespace
}  // namespace promlet::web
