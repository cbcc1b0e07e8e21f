// Start timestamps in the engine beyond the script corpus: every step of a range query equals
// the instant query at that time for series with STs (irregular ones: resets by ST, deltas,
// overlaps, series without STs mixed in), the engine ignores STs unless
// use_start_timestamps is set, and start_timestamp() answers nothing then.
#include <cmath>
#include <random>

#include "gtest/gtest.h"
#include "promql/engine/engine.h"
#include "tsdb/head.h"

namespace promlet::promql {
namespace {

class StartTimestampEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tsdb::HeadOptions o;
    o.store_start_timestamps = true;
    o.samples_per_chunk = 13;
    head_ = std::make_unique<tsdb::Head>(o);
    std::mt19937 rng(20);
    auto app = head_->NewAppender();
    for (int s = 0; s < 4; ++s) {
      model::Labels l{{"__name__", "c_total"}, {"s", std::to_string(s)}};
      double v = 0;
      int64_t start = 0;
      for (int i = 1; i <= 120; ++i) {
        const int64_t t = i * 15000 + static_cast<int64_t>(rng() % 3000);
        int64_t st = 0;
        switch (s) {
          case 0:  // cumulative, restarted now and then (value drops or not)
            if (rng() % 10 == 0) {
              start = t - 1000;
              v = rng() % 2 ? 0 : v + 5;
            }
            st = start;
            break;
          case 1:  // deltas (ST = previous sample)
            st = t - 15000;
            v = static_cast<double>(rng() % 7);
            break;
          case 2:  // overlapping or missing STs
            st = rng() % 4 == 0 ? 0 : t - 40000;
            break;
          default:  // none
            break;
        }
        v += static_cast<double>(rng() % 5);
        ASSERT_TRUE(app->AppendWithST(0, l, st, t, v).ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  Engine Make(bool use_st) {
    EngineOptions o;
    o.use_start_timestamps = use_st;
    return Engine(o);
  }

  std::unique_ptr<tsdb::Head> head_;
};

TEST_F(StartTimestampEngineTest, RangeStepsEqualInstantQueries) {
  Engine engine = Make(true);
  for (const char* q :
       {"rate(c_total[1m])", "increase(c_total[2m])", "irate(c_total[1m])", "resets(c_total[3m])",
        "start_timestamp(c_total)", "rate(c_total[1m] offset 30s)"}) {
    auto range = engine.RangeQuery(*head_, q, 60000, 1800000, 17000);
    ASSERT_TRUE(range.ok()) << q << ": " << range.status();
    const auto& m = std::get<Matrix>(range->value);
    ASSERT_EQ(m.size(), 4u) << q;
    size_t points = 0;
    for (const auto& s : m) {
      for (const auto& p : s.points) {
        auto inst = engine.InstantQuery(*head_, q, p.t);
        ASSERT_TRUE(inst.ok()) << q;
        bool found = false;
        for (const auto& x : std::get<Vector>(inst->value)) {
          if (x.labels != s.labels) continue;
          found = true;
          EXPECT_EQ(x.v, p.v) << q << " " << s.labels.ToString() << " at " << p.t;
        }
        EXPECT_TRUE(found) << q << " " << s.labels.ToString() << " at " << p.t;
        ++points;
      }
    }
    EXPECT_GT(points, 200u) << q;
  }
}

TEST_F(StartTimestampEngineTest, STsChangeResultsOnlyWithUseStartTimestamps) {
  // The same samples without STs in a second series set: without use_start_timestamps both
  // answer alike; with it the ST series differ (the deltas are resets by ST).
  auto app = head_->NewAppender();
  auto q = head_->NewQuerier(0, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(q.ok());
  auto set = (*q)->Select({model::Matcher::MustMake(model::MatchType::kEqual, "s", "1")});
  ASSERT_TRUE(set->Next());
  auto it = set->At().Iterator();
  while (it->Next()) {
    ASSERT_TRUE(app->Append(0, {{"__name__", "plain_total"}, {"s", "1"}}, it->T(), it->V()).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  Engine off = Make(false), on = Make(true);
  const int64_t t = 1200000;
  auto value = [&](Engine& e, const std::string& expr) {
    auto r = e.InstantQuery(*head_, expr, t);
    EXPECT_TRUE(r.ok()) << r.status();
    const auto& v = std::get<Vector>(r->value);
    EXPECT_EQ(v.size(), 1u) << expr;
    return v.empty() ? NAN : v[0].v;
  };
  EXPECT_EQ(value(off, "increase(c_total{s=\"1\"}[5m])"), value(off, "increase(plain_total[5m])"));
  EXPECT_NE(value(on, "increase(c_total{s=\"1\"}[5m])"), value(on, "increase(plain_total[5m])"));
  auto r = off.InstantQuery(*head_, "start_timestamp(c_total)", t);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::get<Vector>(r->value).empty());
  r = on.InstantQuery(*head_, "start_timestamp(c_total{s=\"1\"})", t);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(std::get<Vector>(r->value).size(), 1u);
  EXPECT_FALSE(std::get<Vector>(r->value)[0].labels.Has("__name__"));
}

}  // namespace
}  // namespace promlet::promql
