// Concurrent rule evaluation (--enable-feature=concurrent-rule-eval): the dependency analysis
// against Prometheus' buildDependencyMap cases, the batches, and a group evaluated with the
// controller producing exactly what the sequential evaluation produces, with independent rules
// on threads of their own and dependent ones after the rules they read.
#include "rules/concurrency.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "promql/engine/engine.h"
#include "promql/parser/parser.h"
#include "rules/alerting_rule.h"
#include "rules/group.h"
#include "rules/recording_rule.h"
#include "tsdb/head.h"

namespace promlet::rules {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kT0 = 1700000000LL * 1000000000;

std::unique_ptr<Rule> Record(const std::string& name, const std::string& expr) {
  return std::make_unique<RecordingRule>(name, *promql::ParseExpr(expr), model::Labels{});
}
std::unique_ptr<Rule> Alert(const std::string& name, const std::string& expr) {
  return std::make_unique<AlertingRule>(name, *promql::ParseExpr(expr), 0, 0, model::Labels{},
                                        StringPairs{}, AlertContext{}, true);
}

// "DN" per rule: D = has no dependencies, N = has no dependents ('-' when not proven).
std::vector<std::string> Flags(const std::vector<std::unique_ptr<Rule>>& rules) {
  std::vector<std::string> out;
  for (const RuleDependencyInfo& d : AnalyseRuleDependencies(rules)) {
    out.push_back(std::string(d.no_dependency_rules ? "D" : "-") +
                  (d.no_dependent_rules ? "N" : "-"));
  }
  return out;
}

TEST(RuleDependencies, ChainsAlertsAndIndependentRules) {
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(Record("job:http_requests:rate1m", "sum by (job)(rate(http_requests_total[1m]))"));
  rules.push_back(Record("job:http_requests:rate5m", "sum by (job)(rate(http_requests_total[5m]))"));
  rules.push_back(Alert("HighRate", "job:http_requests:rate1m > 10"));
  rules.push_back(Record("alerts:count", "count(ALERTS{alertname=\"HighRate\"})"));
  rules.push_back(Record("other", "up == 0"));
  EXPECT_THAT(Flags(rules), ElementsAre("D-", "DN", "--", "-N", "DN"));
}

TEST(RuleDependencies, AlertsWithoutAlertnameDependOnEveryEarlierAlert) {
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(Alert("A", "up == 0"));
  rules.push_back(Record("r", "up"));
  rules.push_back(Alert("B", "up == 1"));
  rules.push_back(Record("n", "count(ALERTS_FOR_STATE)"));
  EXPECT_THAT(Flags(rules), ElementsAre("D-", "DN", "D-", "-N"));
}

TEST(RuleDependencies, RegexNameMatchersAndLaterRules) {
  std::vector<std::unique_ptr<Rule>> rules;
  // Reads a rule defined later: not a dependency (file order is the contract).
  rules.push_back(Record("first", "later"));
  rules.push_back(Record("later", "up"));
  rules.push_back(Record("regex", "{__name__=~\"fir.*\"}"));
  EXPECT_THAT(Flags(rules), ElementsAre("D-", "DN", "-N"));
}

TEST(RuleDependencies, ASelectorWithoutNameMakesTheGroupIndeterminate) {
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(Record("a", "up"));
  rules.push_back(Record("b", "sum({job=\"x\"})"));
  rules.push_back(Record("c", "down"));
  EXPECT_THAT(Flags(rules), ElementsAre("--", "--", "--"));
  // Every rule in its own batch: sequential in file order.
  EXPECT_THAT(SplitIntoBatches(AnalyseRuleDependencies(rules)),
              ElementsAre(ElementsAre(0), ElementsAre(1), ElementsAre(2)));
}

TEST(RuleDependencies, OneRuleIsIndependent) {
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(Record("a", "{job=\"x\"}"));
  EXPECT_THAT(Flags(rules), ElementsAre("DN"));
}

TEST(RuleDependencies, BatchesKeepDependenciesFirst) {
  std::vector<RuleDependencyInfo> d = {
      {true, false}, {true, true}, {false, false}, {false, true}, {false, false}, {true, true}};
  EXPECT_THAT(SplitIntoBatches(d), ElementsAre(ElementsAre(0, 1, 5), ElementsAre(2),
                                               ElementsAre(4), ElementsAre(3)));
}

TEST(RuleConcurrencyController, BoundsSlots) {
  RuleConcurrencyController c(2);
  EXPECT_TRUE(c.TryAcquire());
  EXPECT_TRUE(c.TryAcquire());
  EXPECT_FALSE(c.TryAcquire());
  c.Release();
  EXPECT_TRUE(c.TryAcquire());
  RuleConcurrencyController none(0);
  EXPECT_FALSE(none.TryAcquire());
}

// A head with input data, a group of independent and chained rules, evaluated over three slots.
struct EvalRun {
  tsdb::Head head;
  promql::Engine engine;
  GroupDeps deps;
  std::mutex mu;
  std::map<std::string, std::thread::id> thread_of;  // query text -> evaluating thread

  explicit EvalRun(RuleConcurrencyController* ctrl) {
    deps.appendable = &head;
    deps.queryable = &head;
    QueryFunc q = EngineQueryFunc(&engine, &head);
    deps.query = [this, q](const promql::Expr& e, int64_t t) {
      {
        std::lock_guard<std::mutex> lock(mu);
        thread_of[promql::Print(e)] = std::this_thread::get_id();
      }
      return q(e, t);
    };
    deps.now_ns = [] { return kT0; };
    deps.concurrency = ctrl;
    auto app = head.NewAppender();
    for (int i = 0; i < 20; ++i) {
      for (int k = 0; k < 4; ++k) {
        model::Labels l = {{"__name__", "req_total"}, {"i", std::to_string(i)}};
        EXPECT_TRUE(app->Append(0, l, kT0 / 1000000 - 240000 + k * 60000, i * (k + 1)).ok());
      }
    }
    EXPECT_TRUE(app->Commit().ok());
  }

  std::vector<std::unique_ptr<Rule>> Rules() {
    std::vector<std::unique_ptr<Rule>> r;
    r.push_back(Record("r1", "rate(req_total[5m])"));
    r.push_back(Record("r2", "sum(req_total)"));
    r.push_back(Record("r3", "max(req_total)"));
    r.push_back(Record("chain", "sum(r1) + r2"));
    r.push_back(Alert("HighChain", "chain > 0"));
    r.push_back(Record("last", "count(ALERTS) + count(chain)"));
    return r;
  }

  // Every series of every rule's output: labels -> samples as text.
  std::map<std::string, std::string> Dump() {
    auto q = head.NewQuerier(0, std::numeric_limits<int64_t>::max());
    auto set = (*q)->Select({model::Matcher::MustMake(model::MatchType::kRegexMatch,
                                                      "__name__", ".+")});
    std::map<std::string, std::string> out;
    while (set->Next()) {
      std::string v;
      auto it = set->At().Iterator();
      while (it->Next()) v += std::to_string(it->T()) + "=" + std::to_string(it->V()) + " ";
      out[set->At().labels().ToString()] = v;
    }
    return out;
  }
};

TEST(ConcurrentGroup, SameResultsAsSequentialWithIndependentRulesOnOtherThreads) {
  EvalRun seq(nullptr);
  RuleConcurrencyController ctrl(4);
  EvalRun conc(&ctrl);
  Group gs("g", "f.yml", 60000, 0, 0, seq.Rules(), &seq.deps, false);
  Group gc("g", "f.yml", 60000, 0, 0, conc.Rules(), &conc.deps, false);
  for (int64_t k = 0; k < 3; ++k) {
    gs.Eval(kT0 + k * 60000000000LL);
    gc.Eval(kT0 + k * 60000000000LL);
  }
  EXPECT_EQ(seq.Dump(), conc.Dump());
  // `last` reads ALERTS and chain of the same cycle: 2 from the first slot on.
  EXPECT_EQ(conc.Dump()["last"],
            "1700000000000=2.000000 1700000060000=2.000000 1700000120000=2.000000 ");
  EXPECT_EQ(gs.counters().last_samples.load(), gc.counters().last_samples.load());
  for (size_t i = 0; i < gc.rules().size(); ++i) {
    EXPECT_EQ(gc.rules()[i]->status().health, RuleHealth::kGood) << gc.rules()[i]->name();
  }
  // Batches: {r1, r2, r3} concurrently, then chain, HighChain, last one by one.
  const std::thread::id self = std::this_thread::get_id();
  std::set<std::thread::id> independent;
  for (const char* q : {"rate(req_total[5m])", "sum(req_total)", "max(req_total)"}) {
    ASSERT_EQ(conc.thread_of.count(q), 1u) << q;
    EXPECT_NE(conc.thread_of[q], self) << q;
    independent.insert(conc.thread_of[q]);
  }
  EXPECT_EQ(independent.size(), 3u);
  EXPECT_EQ(conc.thread_of["sum(r1) + r2"], self);
  EXPECT_EQ(conc.thread_of["chain > 0"], self);
  // Without the feature everything runs on the group's thread.
  for (const auto& [q, id] : seq.thread_of) EXPECT_EQ(id, self) << q;
  // Every slot was given back.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ctrl.TryAcquire());
  EXPECT_FALSE(ctrl.TryAcquire());
}

TEST(ConcurrentGroup, NoFreeSlotMeansTheGroupThread) {
  RuleConcurrencyController ctrl(0);
  EvalRun conc(&ctrl);
  Group g("g", "f.yml", 60000, 0, 0, conc.Rules(), &conc.deps, false);
  g.Eval(kT0);
  for (const auto& [q, id] : conc.thread_of) EXPECT_EQ(id, std::this_thread::get_id()) << q;
}

}  // namespace
}  // namespace promlet::rules
