// Anchored and smoothed selectors (Prometheus 3's extended range selectors) beyond the scripts'
// instant evals: every step of a range query equals the instant query at that step (the sliding
// window path against the one-window path), across counter resets, gaps, stale markers, offsets
// and a lookback delta shorter than the gaps; and the hand-checked values of one small case.
#include <cmath>
#include <string>
#include <variant>

#include "gtest/gtest.h"
#include "model/value.h"
#include "promql/engine/engine.h"
#include "tsdb/head.h"

namespace promlet::promql {
namespace {

class ExtendedRangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.NewAppender();
    for (int s = 0; s < 6; ++s) {
      model::Labels c{{"__name__", "work_total"}, {"i", std::to_string(s)}};
      double v = 0;
      for (int k = 0; k <= 200; ++k) {
        if ((k + s) % 47 == 0) v = 0;  // counter resets
        v += 1 + (k * (s + 3)) % 7;
        if ((k * 5 + s) % 13 == 0 || (k > 90 && k < 110 && s % 2 == 0)) continue;  // gaps
        const double stored = (s == 3 && k == 150) ? model::StaleNaN() : v;
        ASSERT_TRUE(app->Append(0, c, k * 15000 + s * 700, stored).ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  // A range query's points against one instant query per step.
  void ExpectStepsMatchInstants(const std::string& q, const QueryOptions& opts = {}) {
    constexpr int64_t kStart = 0, kEnd = 3100000, kStep = 45000;
    auto range = engine_.RangeQuery(head_, q, kStart, kEnd, kStep, opts);
    ASSERT_TRUE(range.ok()) << q << ": " << range.status();
    const auto& m = std::get<Matrix>(range->value);
    size_t points = 0;
    for (int64_t t = kStart; t <= kEnd; t += kStep) {
      auto inst = engine_.InstantQuery(head_, q, t, opts);
      ASSERT_TRUE(inst.ok()) << q << " @" << t << ": " << inst.status();
      for (const auto& sample : std::get<Vector>(inst->value)) {
        bool found = false;
        for (const auto& series : m) {
          if (series.labels != sample.labels) continue;
          for (const auto& p : series.points) {
            if (p.t != t) continue;
            found = true;
            if (std::isnan(sample.v)) {
              EXPECT_TRUE(std::isnan(p.v)) << q << " @" << t;
            } else {
              EXPECT_EQ(p.v, sample.v) << q << " @" << t << " " << sample.labels.ToString();
            }
          }
        }
        EXPECT_TRUE(found) << q << " @" << t << " " << sample.labels.ToString();
        ++points;
      }
    }
    size_t range_points = 0;
    for (const auto& series : m) range_points += series.points.size();
    EXPECT_EQ(range_points, points) << q;
    EXPECT_GT(points, 60u) << q;  // the data reached most steps
  }

  tsdb::Head head_;
  Engine engine_{EngineOptions{}};
};

TEST_F(ExtendedRangesTest, RangeStepsEqualInstantQueries) {
  for (const char* q : {"rate(work_total[2m] anchored)", "increase(work_total[1m] anchored)",
                        "delta(work_total[3m] anchored)", "changes(work_total[1m] anchored)",
                        "resets(work_total[5m] anchored)", "rate(work_total[2m] smoothed)",
                        "increase(work_total[1m] smoothed)", "delta(work_total[90s] smoothed)",
                        "increase(work_total[1m] anchored offset 2m)",
                        "sum(rate(work_total[2m] smoothed))", "work_total smoothed",
                        "work_total offset 1m smoothed"}) {
    ExpectStepsMatchInstants(q);
  }
  QueryOptions short_lookback;
  short_lookback.lookback_delta_ms = 20000;
  for (const char* q : {"increase(work_total[1m] anchored)", "rate(work_total[1m] smoothed)",
                        "work_total smoothed"}) {
    ExpectStepsMatchInstants(q, short_lookback);
  }
}

TEST(ExtendedRangesValues, AnchoredAndSmoothedByHand) {
  tsdb::Head head;
  auto app = head.NewAppender();
  model::Labels l{{"__name__", "c_total"}};
  // 10 @ 0s, 20 @ 30s, 5 @ 60s (a reset), 15 @ 90s.
  for (auto [t, v] : {std::pair{0, 10.0}, {30000, 20.0}, {60000, 5.0}, {90000, 15.0}}) {
    ASSERT_TRUE(app->Append(0, l, t, v).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  Engine engine{EngineOptions{}};
  auto value = [&](const std::string& q, int64_t t) {
    auto r = engine.InstantQuery(head, q, t);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status();
    const auto& v = std::get<Vector>(r->value);
    EXPECT_EQ(v.size(), 1u) << q;
    return v.empty() ? std::nan("") : v[0].v;
  };
  // Anchored at 75s over 1m: from the sample at 0s (at or before 15s): 10 -> 20 -> 5 (reset,
  // +20) -> ends at 5: 5 - 10 + 20 = 15.
  EXPECT_EQ(value("increase(c_total[1m] anchored)", 75000), 15);
  EXPECT_EQ(value("resets(c_total[1m] anchored)", 75000), 1);
  EXPECT_EQ(value("changes(c_total[1m] anchored)", 75000), 2);
  // Smoothed at 75s over 1m: left = 10 + (20 - 10) * 15/30 = 15 at 15s; right = interpolated
  // between 5 @ 60s and 15 @ 90s at 75s = 10; the reset at 60s adds 20: 10 - 15 + 20 = 15.
  EXPECT_EQ(value("increase(c_total[1m] smoothed)", 75000), 15);
  EXPECT_EQ(value("c_total smoothed", 45000), 12.5);  // 20 + (5 - 20) * 15/30
  auto err = engine.InstantQuery(head, "max_over_time(c_total[1m] anchored)", 75000);
  EXPECT_FALSE(err.ok());
  EXPECT_NE(err.status().message().find("anchored modifier can only be used with"),
            std::string::npos);
}

}  // namespace
}  // namespace promlet::promql
