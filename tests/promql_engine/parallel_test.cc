// Issue 21 item 5: a query's answer is bit-identical whether its series are evaluated on its own
// thread (QueryParallelism::kOff), shared with helper threads on every batch (kForce, 2 and 4
// threads) or as the adaptive default decides (kAuto): same series, labels, timestamps, the
// same bits of every value (NaN payloads included), the same annotations and the same errors.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "model/value.h"
#include "promql/engine/engine.h"
#include "tests/promql_engine/answer_bytes.h"
#include "tsdb/head.h"

namespace promlet::promql {
namespace {

using testing::AnswerBytes;

// 700 series per family (three batches of the parallel path): counters with resets and gaps,
// gauges with stale markers, and a classic histogram.
class ParallelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.NewAppender();
    for (int s = 0; s < 700; ++s) {
      const std::string g = std::to_string(s % 9), i = std::to_string(s);
      model::Labels c{{"__name__", "work_total"}, {"g", g}, {"i", i}};
      model::Labels l{{"__name__", "level"}, {"g", g}, {"i", i}};
      double v = 0;
      for (int k = 0; k <= 240; ++k) {
        if ((k + s) % 61 == 0) v = 0;
        v += 0.1 * (s + 1) + (k % 5) * 0.37;
        if ((k * 7 + s) % 29 == 0) continue;
        const int64_t t = k * 15000 + s % 11;
        ASSERT_TRUE(app->Append(0, c, t, v).ok());
        const double gv =
            (s % 4 == 0 && k == 180) ? model::StaleNaN() : std::sin(k * 0.1 + s) * 1e3 + s;
        ASSERT_TRUE(app->Append(0, l, t, gv).ok());
      }
    }
    for (int s = 0; s < 40; ++s) {
      double total = 0;
      for (const char* le : {"0.1", "0.5", "1", "+Inf"}) {
        model::Labels b{{"__name__", "lat_bucket"}, {"i", std::to_string(s)}, {"le", le}};
        for (int k = 0; k <= 240; ++k) {
          total += (s % 3 + 1) * (le[0] == '0' ? 1 : 2);
          ASSERT_TRUE(app->Append(0, b, k * 15000, total + k).ok());
        }
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  static EngineOptions Options(QueryParallelism mode, int threads, int64_t max_samples) {
    EngineOptions o;
    o.parallelism = mode;
    o.max_threads = threads;
    o.max_samples = max_samples;
    return o;
  }

  std::string Run(const Engine& e, const std::string& q, bool range) {
    return AnswerBytes(range ? e.RangeQuery(head_, q, 0, 3600000, 30000)
                             : e.InstantQuery(head_, q, 3000000));
  }

  tsdb::Head head_;
};

const char* const kQueries[] = {
    "work_total",
    "level",
    "level offset 2m",
    "timestamp(level)",
    "rate(work_total[5m])",
    "irate(work_total[2m])",
    "increase(work_total[7m])",
    "resets(work_total[10m])",
    "deriv(level[5m])",
    "avg_over_time(level[5m])",
    "stddev_over_time(level[4m])",
    "quantile_over_time(0.9, level[6m])",
    "count_over_time(level[3m])",
    "last_over_time(level[2m])",
    "predict_linear(level[5m], 60)",
    "sum by (g) (rate(work_total[5m]))",
    "avg by (g) (level)",
    "topk(3, level)",
    "sum(level) / count(level)",
    "level / on (i) group_left rate(work_total[5m])",
    "histogram_quantile(0.9, sum by (le) (rate(lat_bucket[5m])))",
    "max_over_time(rate(work_total[2m])[10m:1m])",
    "absent_over_time(nope[5m])",
};

TEST_F(ParallelTest, ForcedAndAdaptiveParallelismGiveTheSequentialBytes) {
  const Engine off(Options(QueryParallelism::kOff, 1, 50000000));
  const Engine force2(Options(QueryParallelism::kForce, 2, 50000000));
  const Engine force4(Options(QueryParallelism::kForce, 4, 50000000));
  const Engine automatic(Options(QueryParallelism::kAuto, 0, 50000000));
  for (const char* q : kQueries) {
    for (const bool range : {false, true}) {
      const std::string want = Run(off, q, range);
      ASSERT_EQ(want.rfind("error", 0), std::string::npos) << q << ": " << want;
      EXPECT_EQ(Run(force2, q, range), want) << q << (range ? " (range)" : " (instant)");
      EXPECT_EQ(Run(force4, q, range), want) << q << (range ? " (range)" : " (instant)");
      EXPECT_EQ(Run(automatic, q, range), want) << q << (range ? " (range)" : " (instant)");
    }
  }
}

TEST_F(ParallelTest, SampleLimitFailsTheSameWay) {
  // Far below one query's points: every mode must fail with the same error.
  const Engine off(Options(QueryParallelism::kOff, 1, 5000));
  const Engine force(Options(QueryParallelism::kForce, 4, 5000));
  for (const char* q : {"rate(work_total[5m])", "level", "sum by (g) (avg_over_time(level[5m]))"}) {
    const std::string want = Run(off, q, true);
    EXPECT_NE(want.rfind("error", 0), std::string::npos) << q;
    EXPECT_EQ(Run(force, q, true), want) << q;
  }
}

// The sample limit is a threshold on the sequential peak whatever the threads: a limit at that
// peak passes and one below it fails the same way, with batches whose series differ in size
// (the second batch's series are dense, so their raw samples weigh most while being consumed).
TEST_F(ParallelTest, SampleLimitThresholdIsTheSequentialPeak) {
  tsdb::Head head;
  auto app = head.NewAppender();
  for (int s = 0; s < 700; ++s) {
    char id[16];
    std::snprintf(id, sizeof(id), "%03d", s);
    model::Labels l{{"__name__", "mix_total"}, {"i", id}};
    const int64_t every = (s >= 256 && s < 512) ? 1000 : 15000;
    for (int64_t t = 0; t <= 1800000; t += every) {
      ASSERT_TRUE(app->Append(0, l, t, static_cast<double>(t / 1000 + s)).ok());
    }
  }
  ASSERT_TRUE(app->Commit().ok());
  for (const char* q : {"rate(mix_total[5m])", "sum(rate(mix_total[5m]))"}) {
    auto run = [&](QueryParallelism mode, int threads, int64_t limit, QueryStats* stats) {
      QueryOptions qo;
      qo.stats = stats;
      return AnswerBytes(
          Engine(Options(mode, threads, limit)).RangeQuery(head, q, 0, 1800000, 30000, qo));
    };
    QueryStats stats;
    const std::string want = run(QueryParallelism::kOff, 1, 50000000, &stats);
    ASSERT_EQ(want.rfind("error", 0), std::string::npos) << q << ": " << want;
    const int64_t peak = stats.peak_samples;
    const std::string below = run(QueryParallelism::kOff, 1, peak - 1, nullptr);
    ASSERT_NE(below.rfind("error", 0), std::string::npos) << q;
    for (const int threads : {2, 4}) {
      // Helpers' timing varies: try several times.
      for (int attempt = 0; attempt < 3; ++attempt) {
        EXPECT_EQ(run(QueryParallelism::kForce, threads, peak, nullptr), want)
            << q << " " << threads;
      }
      EXPECT_EQ(run(QueryParallelism::kForce, threads, peak - 1, nullptr), below) << q;
    }
  }
}

// Long series, so that a batch of the parallel path holds fewer than 256 of them
// (SelectEachSplit bounds a batch by points: 6,001 steps a series make batches of 43, then 85
// while the series are sparse, then 43 again for the dense ones): the answer and the sample
// limit's threshold stay those of the sequential order across batches of changing sizes.
TEST_F(ParallelTest, LongSeriesInSmallerBatchesGiveTheSequentialBytes) {
  tsdb::Head head;
  auto app = head.NewAppender();
  constexpr int64_t kEnd = 6000000;  // 6,000 s
  for (int s = 0; s < 200; ++s) {
    char id[16];
    std::snprintf(id, sizeof(id), "%03d", s);
    model::Labels l{{"__name__", "long_total"}, {"g", std::to_string(s % 7)}, {"i", id}};
    const int64_t every = s < 120 ? 60000 : 1000;  // the last 80 series are dense
    double v = 0;
    for (int64_t t = s % 13; t <= kEnd; t += every) {
      v += (t / 1000 + s) % 17 == 0 ? -v : 0.25 * (s + 1) + (t % 7000) * 1e-4;
      ASSERT_TRUE(app->Append(0, l, t, v).ok());
    }
  }
  ASSERT_TRUE(app->Commit().ok());
  auto run = [&](QueryParallelism mode, int threads, int64_t limit, const char* q,
                 QueryStats* stats) {
    QueryOptions qo;
    qo.stats = stats;
    return AnswerBytes(
        Engine(Options(mode, threads, limit)).RangeQuery(head, q, 0, kEnd, 1000, qo));
  };
  for (const char* q : {"rate(long_total[5m])", "sum by (g) (rate(long_total[5m]))",
                        "avg_over_time(long_total[2m])", "long_total"}) {
    QueryStats stats;
    const std::string want = run(QueryParallelism::kOff, 1, 50000000, q, &stats);
    ASSERT_EQ(want.rfind("error", 0), std::string::npos) << q << ": " << want;
    for (const int threads : {2, 4}) {
      EXPECT_EQ(run(QueryParallelism::kForce, threads, 50000000, q, nullptr), want) << q;
    }
    EXPECT_EQ(run(QueryParallelism::kAuto, 0, 50000000, q, nullptr), want) << q;
    const int64_t peak = stats.peak_samples;
    const std::string below = run(QueryParallelism::kOff, 1, peak - 1, q, nullptr);
    ASSERT_NE(below.rfind("error", 0), std::string::npos) << q;
    EXPECT_EQ(run(QueryParallelism::kForce, 4, peak, q, nullptr), want) << q;
    EXPECT_EQ(run(QueryParallelism::kForce, 4, peak - 1, q, nullptr), below) << q;
  }
}

}  // namespace
}  // namespace promlet::promql
