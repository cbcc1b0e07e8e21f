// The alerting-rule state machine (pending, firing, for, keep_firing_for, resolution and its
// 15-minute retention), its ALERTS/ALERTS_FOR_STATE output, Prometheus' error texts, the group
// limit and the resend logic (needsSending), on a scripted query function.
#include "rules/alerting_rule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "promql/parser/parser.h"
#include "rules/recording_rule.h"

namespace promlet::rules {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kSec = 1000000000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kT0 = 1700000000LL * kSec;

// A query function answering whatever `next` holds.
struct Scripted {
  promql::Vector next;
  int64_t last_t_ms = 0;
  QueryFunc Func() {
    return [this](const promql::Expr&, int64_t t_ms) -> absl::StatusOr<promql::Vector> {
      last_t_ms = t_ms;
      promql::Vector v = next;
      for (auto& s : v) s.t = t_ms;
      return v;
    };
  }
};

promql::Sample S(model::Labels l, double v) { return promql::Sample{std::move(l), 0, v}; }

std::unique_ptr<AlertingRule> Rule(int64_t for_ms, int64_t keep_ms = 0,
                                   model::Labels labels = {{"severity", "page"}}) {
  return std::make_unique<AlertingRule>("HighLoad", *promql::ParseExpr("load > 1"), for_ms, keep_ms,
                                        std::move(labels), StringPairs{{"summary", "load is high"}},
                                        AlertContext{},
                                        /*restored=*/true);
}

TEST(AlertingRule, PendingThenFiringThenResolvedAndForgotten) {
  Scripted q;
  auto rule = Rule(2 * 60 * 1000);
  q.next = {S({{"__name__", "load"}, {"instance", "a"}}, 3)};
  auto out = rule->Eval(kT0, 0, q.Func(), 0);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].labels.ToString(),
            "ALERTS{alertname=\"HighLoad\", alertstate=\"pending\", instance=\"a\", "
            "severity=\"page\"}");
  EXPECT_EQ((*out)[0].v, 1);
  EXPECT_EQ((*out)[0].t, kT0 / 1000000);
  EXPECT_EQ((*out)[1].labels.ToString(),
            "ALERTS_FOR_STATE{alertname=\"HighLoad\", instance=\"a\", severity=\"page\"}");
  EXPECT_EQ((*out)[1].v, 1700000000);
  EXPECT_EQ(rule->state(), AlertState::kPending);
  auto alerts = rule->ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].labels.ToString(),
            "{alertname=\"HighLoad\", instance=\"a\", severity=\"page\"}");
  EXPECT_EQ(alerts[0].annotations.ToString(), "{summary=\"load is high\"}");
  EXPECT_EQ(alerts[0].active_at_ns, kT0);

  q.next = {S({{"__name__", "load"}, {"instance", "a"}}, 4)};
  ASSERT_TRUE(rule->Eval(kT0 + kMin, 0, q.Func(), 0).ok());
  EXPECT_EQ(rule->state(), AlertState::kPending);
  out = rule->Eval(kT0 + 2 * kMin, 0, q.Func(), 0);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].labels.Get("alertstate"), "firing");
  alerts = rule->ActiveAlerts();
  EXPECT_EQ(alerts[0].state, AlertState::kFiring);
  EXPECT_EQ(alerts[0].fired_at_ns, kT0 + 2 * kMin);
  EXPECT_EQ(alerts[0].active_at_ns, kT0);  // unchanged while active
  EXPECT_EQ(alerts[0].value, 4);

  q.next = {};
  out = rule->Eval(kT0 + 3 * kMin, 0, q.Func(), 0);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->empty());
  EXPECT_TRUE(rule->ActiveAlerts().empty());
  EXPECT_EQ(rule->state(), AlertState::kInactive);
  int kept = 0;
  rule->ForEachActiveAlert([&](Alert& a) {
    ++kept;
    EXPECT_EQ(a.resolved_at_ns, kT0 + 3 * kMin);
  });
  EXPECT_EQ(kept, 1);  // resolved alerts stay for the resolved retention
  ASSERT_TRUE(rule->Eval(kT0 + 18 * kMin, 0, q.Func(), 0).ok());
  kept = 0;
  rule->ForEachActiveAlert([&](Alert&) { ++kept; });
  EXPECT_EQ(kept, 1);  // exactly 15m: still kept (strictly more is needed)
  ASSERT_TRUE(rule->Eval(kT0 + 19 * kMin, 0, q.Func(), 0).ok());
  kept = 0;
  rule->ForEachActiveAlert([&](Alert&) { ++kept; });
  EXPECT_EQ(kept, 0);
}

TEST(AlertingRule, PendingAlertThatStopsIsDroppedAndRestartsItsClock) {
  Scripted q;
  auto rule = Rule(5 * 60 * 1000);
  q.next = {S({{"instance", "a"}}, 2)};
  ASSERT_TRUE(rule->Eval(kT0, 0, q.Func(), 0).ok());
  q.next = {};
  ASSERT_TRUE(rule->Eval(kT0 + kMin, 0, q.Func(), 0).ok());
  int n = 0;
  rule->ForEachActiveAlert([&](Alert&) { ++n; });
  EXPECT_EQ(n, 0);
  q.next = {S({{"instance", "a"}}, 2)};
  ASSERT_TRUE(rule->Eval(kT0 + 2 * kMin, 0, q.Func(), 0).ok());
  EXPECT_EQ(rule->ActiveAlerts()[0].active_at_ns, kT0 + 2 * kMin);
}

TEST(AlertingRule, ZeroForFiresAtOnceAndKeepFiringForHoldsIt) {
  Scripted q;
  auto rule = Rule(0, 2 * 60 * 1000);
  q.next = {S({{"instance", "a"}}, 2)};
  ASSERT_TRUE(rule->Eval(kT0, 0, q.Func(), 0).ok());
  EXPECT_EQ(rule->state(), AlertState::kFiring);
  q.next = {};
  auto out = rule->Eval(kT0 + kMin, 0, q.Func(), 0);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 2u);  // still firing, still written
  auto alerts = rule->ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state, AlertState::kFiring);
  EXPECT_EQ(alerts[0].keep_firing_since_ns, kT0 + kMin);
  ASSERT_TRUE(rule->Eval(kT0 + 2 * kMin, 0, q.Func(), 0).ok());
  EXPECT_EQ(rule->state(), AlertState::kFiring);
  ASSERT_TRUE(rule->Eval(kT0 + 3 * kMin, 0, q.Func(), 0).ok());  // 2m after keep_firing_since
  EXPECT_EQ(rule->state(), AlertState::kInactive);
  // Back while keeping: keep_firing_since resets.
  auto again = Rule(0, 2 * 60 * 1000);
  q.next = {S({{"instance", "a"}}, 2)};
  ASSERT_TRUE(again->Eval(kT0, 0, q.Func(), 0).ok());
  q.next = {};
  ASSERT_TRUE(again->Eval(kT0 + kMin, 0, q.Func(), 0).ok());
  q.next = {S({{"instance", "a"}}, 2)};
  ASSERT_TRUE(again->Eval(kT0 + 2 * kMin, 0, q.Func(), 0).ok());
  EXPECT_EQ(again->ActiveAlerts()[0].keep_firing_since_ns, 0);
}

TEST(AlertingRule, NoSeriesWrittenBeforeRestoreAndQueryOffsetShiftsTime) {
  Scripted q;
  AlertingRule rule("A", *promql::ParseExpr("x"), 0, 0, {}, {}, {}, /*restored=*/false);
  q.next = {S({{"instance", "a"}}, 2)};
  auto out = rule.Eval(kT0, 30000, q.Func(), 0);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->empty());
  EXPECT_EQ(q.last_t_ms, kT0 / 1000000 - 30000);
  rule.SetRestored(true);
  out = rule.Eval(kT0 + kMin, 30000, q.Func(), 0);
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].t, (kT0 + kMin) / 1000000 - 30000);
}

TEST(AlertingRule, DuplicateLabelSetsAndLimitAreErrorsWithPrometheusTexts) {
  Scripted q;
  auto rule = Rule(0);
  q.next = {S({{"__name__", "a"}, {"instance", "x"}}, 1),
            S({{"__name__", "b"}, {"instance", "x"}}, 1)};
  auto out = rule->Eval(kT0, 0, q.Func(), 0);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "vector contains metrics with the same labelset after applying alert labels");
  q.next = {S({{"i", "1"}}, 1), S({{"i", "2"}}, 1), S({{"i", "3"}}, 1)};
  out = rule->Eval(kT0, 0, q.Func(), 2);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "exceeded limit of 2 with 3 alerts");
  EXPECT_TRUE(rule->ActiveAlerts().empty());
  EXPECT_TRUE(rule->Eval(kT0, 0, q.Func(), 3).ok());

  RecordingRule rec("r", *promql::ParseExpr("x"), model::Labels{{"k", "v"}});
  q.next = {S({{"__name__", "a"}, {"i", "1"}}, 1), S({{"__name__", "b"}, {"i", "1"}}, 1)};
  auto r = rec.Eval(kT0, 0, q.Func(), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "vector contains metrics with the same labelset after applying rule labels");
  q.next = {S({{"__name__", "a"}, {"i", "1"}}, 1), S({{"__name__", "a"}, {"i", "2"}}, 1)};
  r = rec.Eval(kT0, 0, q.Func(), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "exceeded limit of 1 with 2 series");
  r = rec.Eval(kT0, 0, q.Func(), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].labels.ToString(), "r{i=\"1\", k=\"v\"}");
}

TEST(AlertingRule, SendsFiringEveryResendDelayAndResolvedOnce) {
  Scripted q;
  auto rule = Rule(60 * 1000);
  std::vector<std::vector<Alert>> sent;
  std::string expr_seen;
  NotifyFunc notify = [&](std::string_view expr, const std::vector<Alert>& alerts) {
    expr_seen = std::string(expr);
    if (!alerts.empty()) sent.push_back(alerts);
  };
  const int64_t resend = kMin, interval = 15 * kSec;
  q.next = {S({{"instance", "a"}}, 2)};
  int64_t t = kT0;
  ASSERT_TRUE(rule->Eval(t, 0, q.Func(), 0).ok());
  rule->SendAlerts(t, resend, interval, notify);
  EXPECT_TRUE(sent.empty());  // pending alerts are never sent
  EXPECT_EQ(expr_seen, "load > 1");
  t += kMin;
  ASSERT_TRUE(rule->Eval(t, 0, q.Func(), 0).ok());  // fires
  rule->SendAlerts(t, resend, interval, notify);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0][0].state, AlertState::kFiring);
  EXPECT_EQ(sent[0][0].last_sent_at_ns, t);
  EXPECT_EQ(sent[0][0].valid_until_ns, t + 4 * resend);
  const int64_t first_sent = t;
  for (int i = 0; i < 4; ++i) {  // up to and including exactly one resend delay later: no resend
    t += interval;
    ASSERT_TRUE(rule->Eval(t, 0, q.Func(), 0).ok());
    rule->SendAlerts(t, resend, interval, notify);
  }
  EXPECT_EQ(t, first_sent + resend);
  EXPECT_EQ(sent.size(), 1u);
  t += interval;
  ASSERT_TRUE(rule->Eval(t, 0, q.Func(), 0).ok());
  rule->SendAlerts(t, resend, interval, notify);
  ASSERT_EQ(sent.size(), 2u);
  q.next = {};
  t += interval;
  ASSERT_TRUE(rule->Eval(t, 0, q.Func(), 0).ok());
  rule->SendAlerts(t, resend, interval, notify);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2][0].state, AlertState::kInactive);
  EXPECT_EQ(sent[2][0].resolved_at_ns, t);
  // Interval longer than the resend delay sets validUntil.
  EXPECT_EQ(sent[2][0].valid_until_ns, t + 4 * resend);
  t += interval;
  ASSERT_TRUE(rule->Eval(t, 0, q.Func(), 0).ok());
  rule->SendAlerts(t, resend, 2 * resend, notify);
  EXPECT_EQ(sent.size(), 3u);  // resolved: re-sent only every resend delay
}

}  // namespace
}  // namespace promlet::rules
