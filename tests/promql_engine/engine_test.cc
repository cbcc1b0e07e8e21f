// Engine API behaviour beyond the scripts: result types, error classification, cancellation,
// the sample limit and stats.
#include "promql/engine/engine.h"

#include <atomic>
#include <cmath>

#include "gtest/gtest.h"
#include "tsdb/head.h"

namespace promlet::promql {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.NewAppender();
    for (int s = 0; s < 3; ++s) {
      tsdb::Labels l{{"__name__", "req_total"}, {"job", s < 2 ? "a" : "b"},
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

TEST_F(EngineTest, InfoAnnotationCarriesPosition) {
  auto app = head_.NewAppender();
  tsdb::Labels l{{"__name__", "gauge"}};
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
