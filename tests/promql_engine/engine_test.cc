// Engine API behaviour beyond the scripts: result types, error classification, cancellation,
// the sample limit and stats.
#include "promql/engine/engine.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "gtest/gtest.h"
#include "tsdb/head.h"

namespace promlet::promql {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.NewAppender();
    for (int s = 0; s < 3; ++s) {
      model::Labels l{{"__name__", "req_total"}, {"job", s < 2 ? "a" : "b"},
                     {"instance", std::to_string(s)}};
      for (int i = 0; i <= 20; ++i) {
        ASSERT_TRUE(app->Append(0, l, i * 15000, i * 10.0 * (s + 1)).ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  tsdb::Head head_;
  Engine engine_;
};

TEST_F(EngineTest, InstantVectorAndScalar) {
  auto r = engine_.InstantQuery(head_, "sum by (job) (rate(req_total[1m]))", 300000);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& v = std::get<Vector>(r->value);
  ASSERT_EQ(v.size(), 2u);
  double a = 0, b = 0;
  for (const auto& s : v) (s.labels.Get("job") == "a" ? a : b) = s.v;
  EXPECT_NEAR(a, 10.0 / 15 + 20.0 / 15, 1e-9);
  EXPECT_NEAR(b, 30.0 / 15, 1e-9);
  EXPECT_GT(r->stats.samples_decoded, 0);

  auto s = engine_.InstantQuery(head_, "1 + 2 * 3", 0);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(std::get<Scalar>(s->value).v, 7);
  EXPECT_EQ(s->type(), ValueType::kScalar);
}

TEST_F(EngineTest, RangeQueryIsSortedMatrix) {
  auto r = engine_.RangeQuery(head_, "req_total", 0, 300000, 60000);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_TRUE(m[0].labels < m[1].labels && m[1].labels < m[2].labels);
  EXPECT_EQ(m[0].points.size(), 6u);
}

TEST_F(EngineTest, ErrorClassification) {
  auto parse = engine_.InstantQuery(head_, "sum(", 0);
  EXPECT_EQ(parse.status().code(), absl::StatusCode::kInvalidArgument);
  auto matrix_range = engine_.RangeQuery(head_, "req_total[5m]", 0, 60000, 15000);
  EXPECT_EQ(matrix_range.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad_step = engine_.RangeQuery(head_, "req_total", 0, 60000, 0);
  EXPECT_EQ(bad_step.status().code(), absl::StatusCode::kInvalidArgument);
  auto dup = engine_.InstantQuery(head_, "req_total + on(job) req_total", 300000);
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(dup.status().message().find("found duplicate series for the match group"),
            std::string::npos);
}

TEST_F(EngineTest, TooManySamples) {
  EngineOptions o;
  o.max_samples = 10;
  Engine small(o);
  auto r = small.RangeQuery(head_, "req_total", 0, 300000, 15000);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "query processing would load too many samples into memory in query execution");
}

TEST_F(EngineTest, Cancelled) {
  std::atomic<bool> cancel{true};
  QueryOptions qo;
  qo.cancel = &cancel;
  auto r = engine_.RangeQuery(head_, "rate(req_total[1m])", 0, 300000, 15000, qo);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled);
}

// Issue 22 item 5: the timeout held only between nodes, so one slow kernel (a sort per step
// over a 32h window of a fine subquery) ran to the end. 200 ms must stop it long before 10 s.
TEST_F(EngineTest, TimeoutStopsSlowKernel) {
  EngineOptions o;
  o.timeout = absl::Milliseconds(200);
  Engine limited(o);
  const auto begin = std::chrono::steady_clock::now();
  auto r = limited.RangeQuery(head_, "quantile_over_time(0.5, vector(1)[32h:1s])", 0,
                              4 * 86400 * 1000LL, 60000);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(10));
}

// Issue 22 item 6: samples are counted as they are materialised, so a subquery over far more
// steps than the limit fails without holding them, and the peak never passes the limit.
TEST_F(EngineTest, MaxSamplesRefusesSubqueryBeforeMaterialising) {
  EngineOptions o;
  o.max_samples = 100000;
  Engine small(o);
  for (const char* q : {"vector(1)[1d:100ms]", "sum_over_time(vector(1)[1d:100ms])",
                        "max_over_time(req_total[1d:10ms])", "absent(nope)[1d:100ms]",
                        "count_over_time(vector(time() * 2)[1d:100ms])"}) {
    QueryStats stats;
    QueryOptions qo;
    qo.stats = &stats;
    auto r = small.InstantQuery(head_, q, 86400 * 1000LL, qo);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << q << ": " << r.status();
    EXPECT_EQ(r.status().message(),
              "query processing would load too many samples into memory in query execution");
    EXPECT_LE(stats.peak_samples, o.max_samples) << q;
  }
}

// The accounting is exact enough to be a threshold: a query whose peak is P runs with
// max_samples = P and fails with P - 1, for every kind of node; and nothing leaks (a query
// repeated inside a larger one peaks no higher than once per copy).
TEST_F(EngineTest, MaxSamplesIsAThresholdOnThePeak) {
  for (const char* q : {"req_total", "sum by (job) (req_total)", "topk(1, req_total)",
                        "req_total + on(instance) req_total", "req_total or vector(1)",
                        "rate(req_total[1m])", "max_over_time(req_total[2m:15s])",
                        "count_values(\"v\", req_total)", "-req_total > 5", "absent(nope)",
                        "histogram_quantile(0.5, req_total)", "scalar(req_total) * 2",
                        "quantile_over_time(0.5, (req_total * 2)[1m:10s])"}) {
    auto full = engine_.RangeQuery(head_, q, 0, 300000, 15000);
    ASSERT_TRUE(full.ok()) << q << ": " << full.status();
    const int64_t peak = full->stats.peak_samples;
    ASSERT_GT(peak, 0) << q;
    EngineOptions o;
    o.max_samples = peak;
    EXPECT_TRUE(Engine(o).RangeQuery(head_, q, 0, 300000, 15000).ok()) << q;
    o.max_samples = peak - 1;
    EXPECT_EQ(Engine(o).RangeQuery(head_, q, 0, 300000, 15000).status().code(),
              absl::StatusCode::kResourceExhausted)
        << q;
  }
}

// Issue 22 item 7: a cancel flag set from another thread (the API sets it when the client
// hangs up) stops a long evaluation promptly, from inside its loops.
TEST_F(EngineTest, CancelFromAnotherThreadStopsEvaluation) {
  EngineOptions o;
  o.timeout = absl::Hours(1);
  Engine patient(o);
  std::atomic<bool> cancel{false};
  QueryOptions qo;
  qo.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  const auto begin = std::chrono::steady_clock::now();
  auto r = patient.RangeQuery(head_, "quantile_over_time(0.5, vector(1)[32h:1s])", 0,
                              4 * 86400 * 1000LL, 60000, qo);
  canceller.join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled) << r.status();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(10));
}

TEST_F(EngineTest, InfoAnnotationCarriesPosition) {
  auto app = head_.NewAppender();
  model::Labels l{{"__name__", "gauge"}};
  for (int i = 0; i <= 4; ++i) ASSERT_TRUE(app->Append(0, l, i * 15000, i).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto r = engine_.InstantQuery(head_, "rate(gauge[1m])", 60000);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->infos.size(), 1u);
  EXPECT_EQ(r->infos[0],
            "PromQL info: metric might not be a counter, name does not end in "
            "_total/_sum/_count/_bucket: \"gauge\" (1:6)");
}

}  // namespace
}  // namespace promlet::promql
