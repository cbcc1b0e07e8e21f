// Groups and the manager on a real head and engine: slot alignment (Prometheus' xxhash
// offset), rules seeing earlier rules' output in the same cycle, staleness markers, `for`
// restore (outage tolerance, grace period), and reloads keeping the state of unchanged rules
// while a broken file keeps the old rules.
#include "rules/group.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "common/hash.h"
#include "config/temp_dir.h"
#include "model/value.h"
#include "promql/engine/engine.h"
#include "promql/parser/parser.h"
#include "rules/alerting_rule.h"
#include "rules/manager.h"
#include "rules/recording_rule.h"
#include "tsdb/head.h"

namespace promlet::rules {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kSec = 1000000000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kT0 = 1700000000LL * kSec;

TEST(XxHash, KnownVectors) {
  EXPECT_EQ(common::XxHash64(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(common::XxHash64("abc"), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(common::XxHash64("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1ULL);
}

struct Fixture {
  tsdb::Head head;
  promql::Engine engine;
  GroupDeps deps;
  int64_t now_ns = kT0;
  Fixture() {
    deps.appendable = &head;
    deps.queryable = &head;
    deps.query = EngineQueryFunc(&engine, &head);
    deps.now_ns = [this] { return now_ns; };
  }
  void Add(const model::Labels& l, int64_t t_ms, double v) {
    auto app = head.NewAppender();
    ASSERT_TRUE(app->Append(0, l, t_ms, v).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  // Samples of the series with these labels.
  std::vector<storage::Sample> Read(const model::Labels& l) {
    std::vector<model::Matcher> ms;
    for (const auto& p : l)
      ms.push_back(model::Matcher::MustMake(model::MatchType::kEqual, p.name, p.value));
    auto q = head.NewQuerier(0, std::numeric_limits<int64_t>::max());
    auto set = (*q)->Select(ms);
    std::vector<storage::Sample> out;
    while (set->Next()) {
      if (!(set->At().labels() == l)) continue;
      auto it = set->At().Iterator();
      while (it->Next()) out.push_back({it->T(), it->V()});
    }
    return out;
  }
};

std::unique_ptr<Rule> Record(const std::string& name, const std::string& expr) {
  return std::make_unique<RecordingRule>(name, *promql::ParseExpr(expr), model::Labels{});
}

TEST(Group, EvalTimestampIsAStableSlotWithThePrometheusOffset) {
  Fixture f;
  Group g("g", "/etc/rules.yml", 60000, 0, 0, {}, &f.deps, false);
  const int64_t interval = 60 * kSec;
  const int64_t offset = static_cast<int64_t>(GroupHash("g", "/etc/rules.yml") % interval);
  for (int64_t t : {kT0, kT0 + 1, kT0 + 59 * kSec, kT0 + int64_t{12345678901}}) {
    const int64_t slot = g.EvalTimestamp(t);
    EXPECT_LE(slot, t);
    EXPECT_GT(slot, t - interval);
    EXPECT_EQ(((slot % interval) + interval) % interval, offset);
    EXPECT_EQ(g.EvalTimestamp(slot), slot);
  }
  // Same name and file in another group object (a restart): the same slots.
  Group again("g", "/etc/rules.yml", 60000, 0, 0, {}, &f.deps, false);
  EXPECT_EQ(again.EvalTimestamp(kT0), g.EvalTimestamp(kT0));
  Group other("h", "/etc/rules.yml", 60000, 0, 0, {}, &f.deps, false);
  EXPECT_NE(other.EvalTimestamp(kT0), g.EvalTimestamp(kT0));
}

// Pinned against Debian's Prometheus 2.42: the group "ph" of /tmp/rw/phase/rules/r.yml with a
// 10s interval started its evaluations at x0.2088668s (wall clock, 2ms after its slot); our
// slot for the same group is x0.2068818s.
TEST(Group, SlotOffsetMatchesPrometheus) {
  const uint64_t offset = GroupHash("ph", "/tmp/rw/phase/rules/r.yml") % 10000000000ULL;
  EXPECT_NEAR(static_cast<double>(offset), 206881800.0, 1000.0);
}

TEST(Group, RulesSeeEarlierOutputAndStopProducingGoStale) {
  Fixture f;
  const int64_t t1 = kT0 / 1000000;
  f.Add({{"__name__", "a"}, {"i", "1"}}, t1 - 1000, 3);
  f.Add({{"__name__", "a"}, {"i", "2"}}, t1 - 1000, 5);
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(Record("a2", "a * 2"));
  rules.push_back(Record("a4", "a2 * 2"));
  rules.push_back(Record("bad", "a + on() a"));  // many-to-many: fails, others go on
  rules.push_back(Record("s", "sum(a4)"));
  Group g("g", "f.yml", 60000, 0, 0, std::move(rules), &f.deps, false);
  g.Eval(kT0);
  auto a4 = f.Read({{"__name__", "a4"}, {"i", "1"}});
  ASSERT_EQ(a4.size(), 1u);
  EXPECT_EQ(a4[0].t, t1);
  EXPECT_EQ(a4[0].v, 12);
  auto sum = f.Read({{"__name__", "s"}});
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_EQ(sum[0].v, 32);
  EXPECT_EQ(g.rules()[0]->status().health, RuleHealth::kGood);
  RuleStatus bad = g.rules()[2]->status();
  EXPECT_EQ(bad.health, RuleHealth::kBad);
  EXPECT_THAT(bad.last_error, HasSubstr("many-to-many matching not allowed"));
  EXPECT_EQ(g.counters().evaluations.load(), 4);
  EXPECT_EQ(g.counters().evaluation_failures.load(), 1);
  EXPECT_EQ(g.counters().last_samples.load(), 5);

  // a{i="2"} goes stale: its derived series get staleness markers at the next slot.
  f.Add({{"__name__", "a"}, {"i", "2"}}, t1 + 1000, model::StaleNaN());
  f.Add({{"__name__", "a"}, {"i", "1"}}, t1 + 1000, 4);
  g.Eval(kT0 + kMin);
  auto gone = f.Read({{"__name__", "a2"}, {"i", "2"}});
  ASSERT_EQ(gone.size(), 2u);
  EXPECT_EQ(gone[1].t, t1 + 60000);
  EXPECT_TRUE(model::IsStaleNaN(gone[1].v));
  EXPECT_EQ(f.Read({{"__name__", "a2"}, {"i", "1"}}).back().v, 8);
}

TEST(Group, RestoresForStateWithOutageToleranceAndGracePeriod) {
  Fixture f;
  f.deps.for_grace_period_ms = 10 * 60 * 1000;
  f.deps.outage_tolerance_ms = 60 * 60 * 1000;
  const int64_t hold_ms = 30 * 60 * 1000;
  // Before the restart: x{i="1"} active since T0-20m (10m left of its 30m `for` at T0-10m,
  // when promlet went down); x{i="2"} active since T0-38m (2m left: less than the grace period).
  const int64_t down_ms = (kT0 - 10 * kMin) / 1000000;
  f.Add({{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "A"}, {"i", "1"}}, down_ms,
        static_cast<double>((kT0 - 20 * kMin) / kSec));
  f.Add({{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "A"}, {"i", "2"}}, down_ms,
        static_cast<double>((kT0 - 38 * kMin) / kSec));
  f.Add({{"__name__", "x"}, {"i", "1"}}, kT0 / 1000000 - 1000, 1);
  f.Add({{"__name__", "x"}, {"i", "2"}}, kT0 / 1000000 - 1000, 1);
  f.Add({{"__name__", "x"}, {"i", "3"}}, kT0 / 1000000 - 1000, 1);
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(std::make_unique<AlertingRule>("A", *promql::ParseExpr("x"), hold_ms, 0,
                                                 model::Labels{}, StringPairs{}, AlertContext{},
                                                 /*restored=*/false));
  Group g("g", "f.yml", 60000, 0, 0, std::move(rules), &f.deps, true);
  g.Eval(kT0);
  auto& rule = static_cast<AlertingRule&>(*g.rules()[0]);
  EXPECT_FALSE(rule.restored());
  g.RestoreForState(kT0);
  EXPECT_TRUE(rule.restored());
  auto alerts = rule.ActiveAlerts();
  ASSERT_EQ(alerts.size(), 3u);
  // i=1: 10m pending before the outage, 10m down: activeAt moves 10m later (20m still to go).
  EXPECT_EQ(alerts[0].active_at_ns, kT0 - 10 * kMin);
  // i=2: 2m left < grace: fires one grace period from now.
  EXPECT_EQ(alerts[1].active_at_ns, kT0 + 10 * kMin - 30 * kMin);
  // i=3: nothing stored: unchanged.
  EXPECT_EQ(alerts[2].active_at_ns, kT0);

  // A `for` shorter than the grace period is not restored at all.
  Fixture f2;
  std::vector<std::unique_ptr<Rule>> short_rules;
  short_rules.push_back(std::make_unique<AlertingRule>("A", *promql::ParseExpr("x"), 60000, 0,
                                                       model::Labels{}, StringPairs{},
                                                       AlertContext{}, false));
  Group g2("g", "f.yml", 60000, 0, 0, std::move(short_rules), &f2.deps, true);
  g2.RestoreForState(kT0);
  EXPECT_TRUE(static_cast<AlertingRule&>(*g2.rules()[0]).restored());
}

constexpr char kRulesV1[] = R"(groups:
  - name: alerts
    interval: 10s
    rules:
      - alert: XHigh
        expr: x > 0
        for: 1m
      - record: y
        expr: x * 2
)";

TEST(Manager, ReloadKeepsStateOfUnchangedRulesAndBrokenFilesKeepOldRules) {
  Fixture f;
  config::TempDir dir;
  dir.Write("r.yml", kRulesV1);
  Manager m(f.deps);
  RuleFilesConfig cfg;
  cfg.globs = {dir.File("*.yml")};
  ASSERT_TRUE(m.Update(cfg, /*run=*/false).ok());
  auto groups = m.Groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0]->key(), dir.File("r.yml") + ";alerts");
  EXPECT_EQ(groups[0]->interval_ms(), 10000);
  f.Add({{"__name__", "x"}, {"i", "1"}}, kT0 / 1000000 - 1000, 1);
  groups[0]->Eval(kT0);
  ASSERT_EQ(static_cast<AlertingRule&>(*groups[0]->rules()[0]).ActiveAlerts().size(), 1u);

  // Unchanged file: the very same group object stays.
  ASSERT_TRUE(m.Update(cfg, false).ok());
  EXPECT_EQ(m.Groups()[0].get(), groups[0].get());

  // A broken file: the update fails naming the problem; the old group stays.
  dir.Write("r.yml", std::string(kRulesV1) + "      - record: z\n        expr: sum(\n");
  absl::Status st = m.Update(cfg, false);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()),
              HasSubstr(dir.File("r.yml") + ": 11:15: group \"alerts\", rule 3, \"z\": could "
                                            "not parse expression"));
  EXPECT_EQ(m.Groups()[0].get(), groups[0].get());

  // A changed group: a new object that keeps the unchanged alert's state.
  dir.Write("r.yml", std::string(kRulesV1) + "      - record: z\n        expr: x * 3\n");
  ASSERT_TRUE(m.Update(cfg, false).ok());
  auto now = m.Groups();
  ASSERT_EQ(now.size(), 1u);
  EXPECT_NE(now[0].get(), groups[0].get());
  auto alerts = static_cast<AlertingRule&>(*now[0]->rules()[0]).ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].active_at_ns, kT0);
  // Rules created by a reload are restored already: they write ALERTS at once.
  EXPECT_TRUE(static_cast<AlertingRule&>(*now[0]->rules()[0]).restored());

  auto metrics = m.Metrics();
  bool found = false;
  for (const auto& fam : metrics) {
    if (fam.name != "prometheus_rule_group_rules") continue;
    found = true;
    ASSERT_EQ(fam.metric.size(), 1u);
    EXPECT_EQ(fam.metric[0].gauge.value, 3);
    EXPECT_EQ(fam.metric[0].label[0].value, dir.File("r.yml") + ";alerts");
  }
  EXPECT_TRUE(found);

  // Removing the file removes the group and marks its series stale.
  std::filesystem::remove(dir.File("r.yml"));
  now[0]->Eval(kT0 + 10 * kSec);
  f.now_ns = kT0 + 15 * kSec;
  ASSERT_TRUE(m.Update(cfg, false).ok());
  EXPECT_TRUE(m.Groups().empty());
  auto y = f.Read({{"__name__", "y"}, {"i", "1"}});
  ASSERT_FALSE(y.empty());
  EXPECT_TRUE(model::IsStaleNaN(y.back().v));
  EXPECT_EQ(y.back().t, (kT0 + 15 * kSec) / 1000000);
}

TEST(Manager, GroupLabelsReachEveryRuleAndItsOutputRuleLabelsWin) {
  Fixture f;
  config::TempDir dir;
  dir.Write("r.yml", R"(groups:
  - name: g
    labels: {team: infra, severity: low}
    rules:
      - record: x2
        expr: x * 2
      - alert: X
        expr: x > 0
        labels: {severity: page}
)");
  Manager m(f.deps);
  RuleFilesConfig cfg;
  cfg.globs = {dir.File("*.yml")};
  ASSERT_TRUE(m.Update(cfg, false).ok());
  auto groups = m.Groups();
  ASSERT_EQ(groups.size(), 1u);
  const model::Labels rec = {{"severity", "low"}, {"team", "infra"}};
  const model::Labels alert = {{"severity", "page"}, {"team", "infra"}};
  EXPECT_EQ(groups[0]->rules()[0]->labels(), rec);
  EXPECT_EQ(groups[0]->rules()[1]->labels(), alert);
  f.Add({{"__name__", "x"}, {"i", "1"}}, kT0 / 1000000 - 1000, 1);
  groups[0]->Eval(kT0);
  EXPECT_EQ(f.Read({{"__name__", "x2"}, {"i", "1"}, {"severity", "low"}, {"team", "infra"}}).size(),
            1u);
  auto alerts = static_cast<AlertingRule&>(*groups[0]->rules()[1]).ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].labels.Get("team"), "infra");
  EXPECT_EQ(alerts[0].labels.Get("severity"), "page");
  // Changing only the group's labels is a changed group (new rules, new labels).
  dir.Write("r.yml", R"(groups:
  - name: g
    labels: {team: web, severity: low}
    rules:
      - record: x2
        expr: x * 2
      - alert: X
        expr: x > 0
        labels: {severity: page}
)");
  ASSERT_TRUE(m.Update(cfg, false).ok());
  EXPECT_NE(m.Groups()[0].get(), groups[0].get());
  EXPECT_EQ(m.Groups()[0]->rules()[0]->labels().Get("team"), "web");
}

TEST(Manager, RunningGroupEvaluatesOnItsSlots) {
  // Real clock, 1s interval: within a generous bound the group runs at least twice, each time
  // on a slot of its phase.
  tsdb::Head head;
  promql::Engine engine;
  GroupDeps deps;
  deps.appendable = &head;
  deps.queryable = &head;
  deps.query = EngineQueryFunc(&engine, &head);
  config::TempDir dir;
  dir.Write("r.yml",
            "groups:\n  - name: fast\n    interval: 1s\n    rules:\n"
            "      - record: one\n        expr: vector(1)\n");
  Manager m(deps);
  RuleFilesConfig cfg;
  cfg.globs = {dir.File("r.yml")};
  ASSERT_TRUE(m.Update(cfg).ok());
  auto g = m.Groups()[0];
  for (int i = 0; i < 100 && g->counters().iterations.load() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  m.Stop();
  EXPECT_GE(g->counters().iterations.load(), 2);
  const int64_t ts = g->counters().last_eval_timestamp_ns.load();
  EXPECT_EQ(g->EvalTimestamp(ts), ts);
  EXPECT_EQ(g->rules()[0]->status().health, RuleHealth::kGood);
}

}  // namespace
}  // namespace promlet::rules
