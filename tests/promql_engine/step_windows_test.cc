// A range query of more steps than EngineOptions::max_steps_per_window runs in windows of steps,
// each over its own querier, and the windows' series are joined (engine.cc, WindowJoin). Its
// answer must be the one-window answer, bit for bit: same series and labels, same timestamps,
// same bits of every value and histogram, same annotations, same errors; for windows of one
// step, of uneven lengths and of the whole range. The PromQL scripts also run in windows of two
// steps (promql_scripts_test.cc).
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "model/histogram/float_histogram.h"
#include "model/value.h"
#include "promql/engine/engine.h"
#include "storage/interface.h"
#include "tests/promql_engine/answer_bytes.h"
#include "tsdb/head.h"

namespace promlet::promql {
namespace {

using testing::AnswerBytes;

using model::histogram::FloatHistogram;

FloatHistogram Native(double scale) {
  FloatHistogram h;
  h.schema = 0;
  h.count = 6 * scale;
  h.sum = 11.5 * scale;
  h.zero_count = 1 * scale;
  h.zero_threshold = 0.001;
  h.positive_spans = {{0, 3}};
  h.positive_buckets = {1 * scale, 2 * scale, 2 * scale};
  return h;
}

// Two hours at 15 s: counters with resets and gaps, gauges that go stale and come back, a
// classic histogram, native histograms (one series a counter, two that only one half of the
// range has, so that relabelling them together merges two series' histograms).
class StepWindowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.NewAppender();
    for (int s = 0; s < 30; ++s) {
      const std::string g = std::to_string(s % 4), i = std::to_string(s);
      model::Labels c{{"__name__", "work_total"}, {"g", g}, {"i", i}};
      model::Labels l{{"__name__", "level"}, {"g", g}, {"i", i}};
      double v = 0;
      for (int k = 0; k <= 480; ++k) {
        if ((k + s) % 97 == 0) v = 0;
        v += 0.1 * (s + 1) + (k % 5) * 0.37;
        if ((k * 7 + s) % 29 == 0) continue;
        const int64_t t = k * 15000 + s % 11;
        ASSERT_TRUE(app->Append(0, c, t, v).ok());
        if (s % 3 == 0 && k > 150 && k < 200) continue;  // absent for a while: series split
        const double gv =
            (s % 4 == 0 && k == 300) ? model::StaleNaN() : std::sin(k * 0.1 + s) * 1e3 + s;
        ASSERT_TRUE(app->Append(0, l, t, gv).ok());
      }
    }
    for (int s = 0; s < 6; ++s) {
      double total = 0;
      for (const char* le : {"0.1", "0.5", "1", "+Inf"}) {
        model::Labels b{{"__name__", "lat_bucket"}, {"i", std::to_string(s)}, {"le", le}};
        for (int k = 0; k <= 480; ++k) {
          total += (s % 3 + 1) * (le[0] == '0' ? 1 : 2);
          ASSERT_TRUE(app->Append(0, b, k * 15000, total + k).ok());
        }
      }
    }
    for (int k = 0; k <= 480; ++k) {
      const FloatHistogram counter = Native(1 + k % 200);
      ASSERT_TRUE(
          app->AppendHistogram(0, {{"__name__", "nh"}, {"i", "c"}}, k * 15000, nullptr, &counter)
              .ok());
      const FloatHistogram half = Native(0.5 + k);
      const char* i = k < 200 ? "early" : k > 260 ? "late" : nullptr;
      if (i != nullptr) {
        ASSERT_TRUE(
            app->AppendHistogram(0, {{"__name__", "nh_half"}, {"i", i}}, k * 15000, nullptr, &half)
                .ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  static Engine WithWindows(int64_t max_steps) {
    EngineOptions o;
    o.max_steps_per_window = max_steps;
    o.parallelism = QueryParallelism::kOff;
    return Engine(o);
  }

  // Steps 600000..7200000 by 15 s: 441 steps.
  std::string Run(const Engine& e, const std::string& q) {
    return AnswerBytes(e.RangeQuery(head_, q, 600000, 7200000, 15000));
  }

  tsdb::Head head_;
};

const char* const kQueries[] = {
    "work_total",
    "level",
    "level offset 2m",
    "level @ start()",
    "level @ end() - level",
    "timestamp(level)",
    "rate(work_total[5m])",
    "irate(work_total[2m])",
    "increase(work_total[7m] @ end())",
    "resets(work_total[10m])",
    "changes(level[10m])",
    "deriv(level[5m])",
    "avg_over_time(level[5m])",
    "sum_over_time(level[20m])",
    "stddev_over_time(level[4m])",
    "quantile_over_time(0.9, level[6m])",
    "count_over_time(level[3m])",
    "min_over_time(level[9m])",
    "last_over_time(level[2m])",
    "predict_linear(level[5m], 60)",
    "sum by (g) (rate(work_total[5m]))",
    "avg by (g) (level)",
    "count_values(\"v\", round(level / 300))",
    "topk(3, level)",
    "quantile(0.3, level)",
    "sum(level) / count(level)",
    "level > 500",
    "-level",
    "level / on (i) group_left rate(work_total[5m])",
    "histogram_quantile(0.9, sum by (le) (rate(lat_bucket[5m])))",
    "max_over_time(rate(work_total[2m])[10m:1m])",
    "max_over_time(level[10m:1m] @ start())",
    "absent(nope)",
    "absent_over_time(nope[5m])",
    "sort_desc(level)",
    "scalar(sum(level)) * time()",
    "step() + vector(time())",
    "label_replace(level, \"__name__\", \"renamed\", \"\", \"\")",
    "nh",
    "rate(nh[5m])",
    "histogram_quantile(0.5, rate(nh[5m]))",
    "sum(nh_half)",
    "label_replace(nh_half, \"i\", \"both\", \"\", \"\")",
    "label_replace(level, \"i\", \"x\", \"\", \"\")",  // an error: two series, one labelset
};

TEST_F(StepWindowsTest, WindowedQueriesGiveTheOneWindowBytes) {
  const Engine one = WithWindows(0);
  const Engine windows_of_1 = WithWindows(1);
  const Engine windows_of_7 = WithWindows(7);      // 63 windows of 7
  const Engine windows_of_200 = WithWindows(200);  // 147 + 147 + 147
  const Engine windows_of_441 = WithWindows(441);  // the whole range
  for (const char* q : kQueries) {
    const std::string want = Run(one, q);
    EXPECT_EQ(Run(windows_of_1, q), want) << q;
    EXPECT_EQ(Run(windows_of_7, q), want) << q;
    EXPECT_EQ(Run(windows_of_200, q), want) << q;
    EXPECT_EQ(Run(windows_of_441, q), want) << q;
  }
}

// The head behind a storage that reports chunk boundaries and records its queriers' ranges.
class BoundaryStorage : public storage::Queryable {
 public:
  BoundaryStorage(storage::Queryable* inner, std::vector<int64_t> boundaries)
      : inner_(inner), boundaries_(std::move(boundaries)) {}
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint,
                                                               int64_t maxt) override {
    ranges.emplace_back(mint, maxt);
    return inner_->NewQuerier(mint, maxt);
  }
  std::vector<int64_t> ChunkBoundaries(int64_t mint, int64_t maxt) override {
    std::vector<int64_t> out;
    for (int64_t b : boundaries_) {
      if (b > mint && b <= maxt) out.push_back(b);
    }
    return out;
  }
  std::vector<std::pair<int64_t, int64_t>> ranges;

 private:
  storage::Queryable* inner_;
  std::vector<int64_t> boundaries_;
};

// 441 steps in windows of about 100: cut before the chunk boundaries at steps 120 (a window
// may grow to twice its length to reach one), 260 and 360 (in the second half of a window), the
// last 81 steps in one. Without boundaries: the rest cut evenly each time. Each querier reaches
// one lookback delta before its window's first step. The answer stays the one-window answer.
TEST_F(StepWindowsTest, WindowsEndBeforeTheStoragesChunkBoundaries) {
  const std::string want = Run(WithWindows(0), "level");
  auto ranges_of = [&](std::vector<int64_t> boundaries) {
    BoundaryStorage storage(&head_, std::move(boundaries));
    auto r = WithWindows(100).RangeQuery(storage, "level", 600000, 7200000, 15000);
    EXPECT_EQ(AnswerBytes(r), want);
    return storage.ranges;
  };
  using R = std::vector<std::pair<int64_t, int64_t>>;
  auto window = [](int64_t first, int64_t next) {
    return std::make_pair(600000 + first * 15000 - 299999, 600000 + (next - 1) * 15000);
  };
  EXPECT_EQ(ranges_of({2400000, 4500000, 6000000}),
            (R{window(0, 120), window(120, 260), window(260, 360), window(360, 441)}));
  EXPECT_EQ(ranges_of({}), (R{window(0, 89), window(89, 177), window(177, 265), window(265, 353),
                              window(353, 441)}));
  // A boundary before the query is none; one at step 290 is out of reach of the first two
  // windows (even cuts) and ends the third, grown to 113 steps.
  EXPECT_EQ(ranges_of({0, 4950000}), (R{window(0, 89), window(89, 177), window(177, 290),
                                        window(290, 366), window(366, 441)}));
}

// Relabelling two native-histogram series into one merges their points (each half of the
// range has one of them), in one window as in many.
TEST_F(StepWindowsTest, RelabelledHistogramSeriesKeepBothSeriesPoints) {
  for (const int64_t max_steps : {0, 5}) {
    auto r = WithWindows(max_steps).RangeQuery(
        head_, "label_replace(nh_half, \"i\", \"both\", \"\", \"\")", 0, 7200000, 60000);
    ASSERT_TRUE(r.ok()) << r.status();
    const auto& m = std::get<Matrix>(r->value);
    ASSERT_EQ(m.size(), 1u);
    // Samples at k < 200 (to 2985 s, visible 5 min longer) and k > 260 (from 3915 s): steps
    // 0..3240 s every minute (55) and 3960..7200 s (55).
    ASSERT_EQ(m[0].histograms.size(), 110u) << max_steps;
    EXPECT_EQ(m[0].histograms.front().t, 0);
    EXPECT_EQ(m[0].histograms[54].t, 3240000);
    EXPECT_EQ(m[0].histograms[55].t, 3960000);
    EXPECT_EQ(m[0].histograms.back().t, 7200000);
    EXPECT_EQ(m[0].histograms.back().h->count, 6 * (0.5 + 480));
  }
}

// A float and a histogram at one timestamp under one labelset are refused, as two floats are.
TEST_F(StepWindowsTest, RelabelledFloatAndHistogramAtOneTimeAreRefused) {
  // {__name__="nh", g="1", i="c"} and {__name__="level", g="1", i="c"}, without their names.
  auto r = WithWindows(0).RangeQuery(head_,
                                     "label_replace(label_replace({__name__=~\"nh|level\", "
                                     "i=~\"c|1\"}, \"g\", \"1\", \"\", \"\"), \"i\", "
                                     "\"c\", \"\", \"\") * 1",
                                     0, 600000, 60000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "vector cannot contain metrics with the same labelset");
}

}  // namespace
}  // namespace promlet::promql
