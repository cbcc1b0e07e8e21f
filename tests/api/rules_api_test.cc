// /api/v1/rules and /api/v1/alerts in Prometheus' JSON shapes, with the type, rule_name[],
// rule_group[], file[], match[] and exclude_alerts filters and group_limit/group_next_token
// pagination, read through the RuleSource hooks.
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

// Group names and rule names of a /api/v1/rules answer, and its groupNextToken (or "-").
std::string Summary(const std::string& body) {
  std::string out;
  size_t p = 0;
  while ((p = body.find("\"name\":\"", p)) != std::string::npos) {
    p += 8;
    out += body.substr(p, body.find('"', p) - p) + " ";
  }
  size_t t = body.find("\"groupNextToken\":\"");
  out += t == std::string::npos ? "-" : body.substr(t + 18, 8);
  return out;
}

TEST_F(RulesApiTest, MatchFiltersRulesByTheirLabels) {
  // Down has {severity="page"}; job:up:sum has no labels.
  EXPECT_EQ(Summary(Get("/api/v1/rules?match[]={severity=%22page%22}")), "g1 Down -");
  EXPECT_EQ(Summary(Get("/api/v1/rules?match[]={severity=~%22p.*%22}&match[]={x=%22y%22}")),
            "g1 Down -");
  // A selector matching the empty label alone is refused, as Prometheus does.
  EXPECT_THAT(Get("/api/v1/rules?match[]={severity!=%22page%22}"),
              ::testing::HasSubstr("match[] must contain at least one non-empty matcher"));
  EXPECT_EQ(Summary(Get("/api/v1/rules?match[]={severity=%22none%22}")), "-");
  EXPECT_EQ(Get("/api/v1/rules?match[]={a=%22%22}"),
            R"({"status":"error","errorType":"bad_data","error":"match[] must contain at least )"
            R"(one non-empty matcher"})");
  EXPECT_THAT(Get("/api/v1/rules?match[]={a"),
              ::testing::StartsWith(R"({"status":"error","errorType":"bad_data","error":"1:)"));
}

class RulesPaginationTest : public RulesApiTest {
 protected:
  void SetUp() override {
    RuleSource rules;
    rules.groups = [] {
      std::vector<RuleGroupView> g = Groups();
      RuleGroupView g3 = g[1];
      g3.name = "g3";
      g3.file = "/etc/t.yml";
      g3.rules[0].name = "other";
      g.push_back(g3);
      return g;
    };
    api_ = std::make_unique<Api>(ApiOptions{}, &head_, &engine_, TargetSource{}, RuntimeStatus{},
                                 AdminHooks{}, rules);
  }
};

TEST_F(RulesPaginationTest, GroupLimitAndNextTokenAsPrometheus) {
  // Tokens: hex SHA-256 of "file;group".
  const std::string t2 = "52f8b29cee0488b7fc6de058c3330d4c3c0b0026813ebb06060c272114bce316";
  const std::string t3 = "8996d859174ed0a38d791374b29dc4a486d8d06c8db508c7cbeb35cc1a347500";
  EXPECT_THAT(Get("/api/v1/rules?group_limit=1"),
              ::testing::EndsWith(R"(],"groupNextToken":")" + t2 + R"("}})"));
  EXPECT_EQ(Summary(Get("/api/v1/rules?group_limit=1")), "g1 Down 52f8b29c");
  EXPECT_EQ(Summary(Get("/api/v1/rules?group_limit=1&group_next_token=" + t2)),
            "g2 job:up:sum 8996d859");
  EXPECT_EQ(Summary(Get("/api/v1/rules?group_limit=1&group_next_token=" + t3)), "g3 other -");
  EXPECT_EQ(Summary(Get("/api/v1/rules?group_limit=2")), "g1 Down g2 job:up:sum 8996d859");
  EXPECT_EQ(Summary(Get("/api/v1/rules?group_limit=3")), "g1 Down g2 job:up:sum g3 other -");
  // Filters apply within the page: groups filtered out do not count.
  EXPECT_EQ(Summary(Get("/api/v1/rules?group_limit=1&type=record")), "g2 job:up:sum 8996d859");
  auto error = [](const std::string& param, const std::string& msg) {
    return R"({"status":"error","errorType":"bad_data","error":"invalid parameter \")" + param +
           R"(\": )" + msg + R"("})";
  };
  EXPECT_EQ(Get("/api/v1/rules?group_next_token=" + t2),
            error("group_next_token",
                  "group_limit needs to be present in order to paginate over the groups"));
  EXPECT_EQ(Get("/api/v1/rules?group_limit=0"),
            error("group_limit", "group_limit needs to be greater than 0"));
  EXPECT_EQ(Get("/api/v1/rules?group_limit=-3"),
            error("group_limit", "group_limit needs to be greater than 0"));
  EXPECT_EQ(Get("/api/v1/rules?group_limit=abc"),
            error("group_limit", R"(group_limit needs to be a valid number: strconv.ParseInt: )"
                                 R"(parsing \"abc\": invalid syntax)"));
  EXPECT_EQ(Get("/api/v1/rules?group_limit=3000000000"),
            error("group_limit", R"(group_limit needs to be a valid number: strconv.ParseInt: )"
                                 R"(parsing \"3000000000\": value out of range)"));
  EXPECT_EQ(Get("/api/v1/rules?group_limit=1&group_next_token=nope"),
            error("group_next_token", "invalid group_next_token 'nope'. were rule groups changed?"));
  // A token is ignored without pagination... and type is case-insensitive, as Prometheus 3.
  EXPECT_EQ(Summary(Get("/api/v1/rules?type=RECORD")), "g2 job:up:sum g3 other -");
}

}  // namespace
}  // namespace promlet::web
