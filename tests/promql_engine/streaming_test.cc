// The engine's streamed paths against the materialising ones, over enough series to take the
// two-thread path (batches of >= 32 series), and the block iterator's NextBatch against Next.
#include <unistd.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "model/value.h"
#include "gtest/gtest.h"
#include "promql/engine/engine.h"
#include "tsdb/block/block.h"
#include "tsdb/block/block_querier.h"
#include "tsdb/block/block_writer.h"
#include "tsdb/head.h"

namespace promlet::promql {
namespace {

// 400 series in 7 groups: counters with resets, gauges, some gaps and stale markers.
class StreamingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.NewAppender();
    for (int s = 0; s < 400; ++s) {
      model::Labels c{{"__name__", "work_total"}, {"g", std::to_string(s % 7)},
                     {"i", std::to_string(s)}};
      model::Labels g{{"__name__", "level"}, {"g", std::to_string(s % 7)},
                     {"i", std::to_string(s)}};
      double v = 0;
      for (int i = 0; i <= 240; ++i) {
        if ((i + s) % 53 == 0) v = 0;  // counter reset
        v += 0.1 * (s + 1) + (i % 5) * 0.37;
        if ((i * 7 + s) % 31 == 0) continue;  // gap
        ASSERT_TRUE(app->Append(0, c, i * 15000, v).ok());
        const double gv = (s % 3 == 0 && i == 200) ? model::StaleNaN()
                                                     : std::sin(i * 0.1 + s) * 1e3 + s;
        ASSERT_TRUE(app->Append(0, g, i * 15000, gv).ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  Matrix Range(const std::string& q, int64_t step = 60000) {
    auto r = engine_.RangeQuery(head_, q, 0, 3600000, step);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status();
    if (!r.ok()) return {};
    return std::get<Matrix>(r->value);
  }

  // Bit-identical matrices (NaN equal to NaN).
  static void ExpectSame(const Matrix& a, const Matrix& b, const std::string& what) {
    ASSERT_EQ(a.size(), b.size()) << what;
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_TRUE(a[i].labels == b[i].labels) << what;
      ASSERT_EQ(a[i].points.size(), b[i].points.size()) << what;
      for (size_t k = 0; k < a[i].points.size(); ++k) {
        EXPECT_EQ(a[i].points[k].t, b[i].points[k].t) << what;
        const double x = a[i].points[k].v, y = b[i].points[k].v;
        EXPECT_TRUE(x == y || (std::isnan(x) && std::isnan(y))) << what << " " << x << " " << y;
      }
    }
  }

  tsdb::Head head_;
  Engine engine_;
};

TEST_F(StreamingTest, FusedAggregationEqualsMaterialised) {
  // `+ 0` / `* 1` makes the aggregation's input a binary expression, which is materialised
  // first; the plain form streams the function's output into the aggregation.
  for (const std::string agg : {"sum", "avg", "count", "max", "stddev"}) {
    for (const std::string in : {"rate(work_total[5m])", "increase(work_total[3m])",
                                 "avg_over_time(level[5m])", "level",
                                 "last_over_time(level[2m])"}) {
      const std::string streamed = agg + " by (g) (" + in + ")";
      const std::string materialised = agg + " by (g) (" + in + " * 1)";
      ExpectSame(Range(streamed), Range(materialised), streamed);
      const std::string all = agg + " (" + in + ")";
      ExpectSame(Range(all), Range(agg + " (" + in + " * 1)"), all);
    }
  }
  // Grouping that keeps every series, so that the cell table cannot hold every group:
  // stddev's whole cells at 1,801 steps (291 groups; the other 109 take the pending path),
  // sum's compact ones at 10,910 steps (384 groups, 16 pending), avg's compact ones with
  // their counts at 10,910 steps (192 groups, 208 pending).
  ExpectSame(Range("stddev without (g) (rate(work_total[5m]))", 2000),
             Range("stddev without (g) (rate(work_total[5m]) * 1)", 2000), "stddev without");
  ExpectSame(Range("sum without (g) (rate(work_total[5m]))", 330),
             Range("sum without (g) (rate(work_total[5m]) * 1)", 330), "sum without");
  ExpectSame(Range("avg without (g) (rate(work_total[5m]))", 330),
             Range("avg without (g) (rate(work_total[5m]) * 1)", 330), "avg without");
}

TEST_F(StreamingTest, ParallelRangeFunctionsMatchPerSeries) {
  // rate() over all series at once (two threads) equals rate() over each series alone
  // (one batch of one series: sequential).
  const Matrix all = Range("rate(work_total[5m])");
  ASSERT_EQ(all.size(), 400u);
  for (int s : {0, 1, 31, 32, 33, 255, 256, 257, 399}) {
    const Matrix one =
        Range("rate(work_total{i=\"" + std::to_string(s) + "\"}[5m])");
    ASSERT_EQ(one.size(), 1u);
    size_t k = 0;
    while (k < all.size() && all[k].labels.Get("i") != std::to_string(s)) ++k;
    ASSERT_LT(k, all.size());
    ExpectSame({all[k]}, one, "series " + std::to_string(s));
  }
}

// An empty directory of this test process' own under the system's temporary directory.
std::string FreshDir(const std::string& name) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("promlet_" + name + "_" + std::to_string(getpid())))
          .string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(BlockIteratorTest, NextBatchEqualsNext) {
  const std::string dir = FreshDir("nextbatch");
  auto w = tsdb::BlockWriter::Create(dir);
  ASSERT_TRUE(w.ok()) << w.status();
  for (int s = 0; s < 3; ++s) {
    std::vector<int64_t> ts;
    std::vector<double> vs;
    for (int i = 0; i < 5000 + s * 700; ++i) {
      ts.push_back(i * 1000 + s);
      vs.push_back(i % 17 == 0 ? model::StaleNaN() : i * 0.5 + s);
    }
    model::Labels l{{"__name__", "m"}, {"s", std::to_string(s)}};
    ASSERT_TRUE((*w)->AddSeries(l, ts, vs).ok());
  }
  auto meta = (*w)->Finish(0, 10000000);
  ASSERT_TRUE(meta.ok()) << meta.status();
  auto block = tsdb::Block::Open(dir + "/" + meta->ulid);
  ASSERT_TRUE(block.ok()) << block.status();
  auto check = [&](int64_t mint, int64_t maxt, int64_t seek) {
    tsdb::BlockQuerier q(*block, mint, maxt);
    auto set = q.Select({});
    while (set->Next()) {
      std::vector<std::pair<int64_t, double>> a, b;
      auto it = set->At().Iterator();
      if (it->Seek(seek)) {
        do a.push_back({it->T(), it->V()});
        while (it->Next());
      }
      auto it2 = set->At().Iterator();
      if (it2->Seek(seek)) {
        b.push_back({it2->T(), it2->V()});
        int64_t tb[7];
        double vb[7];
        while (size_t n = it2->NextBatch(tb, vb, 7)) {
          for (size_t i = 0; i < n; ++i) b.push_back({tb[i], vb[i]});
        }
      }
      ASSERT_EQ(a.size(), b.size()) << mint << " " << maxt << " " << seek;
      for (size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].first, b[i].first);
        ASSERT_EQ(std::bit_cast<uint64_t>(a[i].second), std::bit_cast<uint64_t>(b[i].second));
      }
    }
    ASSERT_TRUE(set->status().ok());
  };
  for (int round = 0; round < 2; ++round) {
    check(0, 10000000, 0);
    check(1234567, 4000000, 0);
    check(1234567, 4000000, 2500000);
    check(0, 2047000, 0);
    check(0, 2048001, 2047999);
    check(5200000, 5300000, 0);
    check(0, 10, 0);
    // Then again with a tombstone cutting through a chunk.
    std::vector<model::Matcher> ms;
    ASSERT_TRUE((*block)->Delete(ms, 1500000, 2600000).ok());
  }
  std::filesystem::remove_all(dir);
}

// count_over_time, present_over_time and absent_over_time read block chunks for their stale
// markers only (RangeFunction::counts_only, SelectHints::markers_only): over every kind of
// value column (decimals with stale markers in their header, float keys, constants, a
// stale-only stretch) they answer exactly what the same samples in the head answer, where
// every value is decoded.
TEST_F(StreamingTest, MarkersOnlyCountsMatchFullyDecodedHead) {
  const std::string dir = FreshDir("markers");
  auto w = tsdb::BlockWriter::Create(dir);
  ASSERT_TRUE(w.ok()) << w.status();
  tsdb::Head head;
  auto app = head.NewAppender();
  for (int s = 0; s < 5; ++s) {
    std::vector<int64_t> ts;
    std::vector<double> vs;
    for (int i = 0; i < 3000; ++i) {
      if ((i * 7 + s) % 23 == 0) continue;  // gaps
      ts.push_back(i * 15000 + s);
      double v = 0;
      switch (s) {
        case 0:
          v = i * 0.25;
          break;  // decimals
        case 1:
          v = std::sin(i * 0.37) * 1e3 / 7;
          break;  // float keys
        case 2:
          v = 42;
          break;  // constant
        case 3:
          v = i % 3 == 0 ? std::nan("") : i;
          break;  // NaN values (not stale)
        default:
          v = i >= 1200 && i < 1500 ? model::StaleNaN() : i;
          break;
      }
      if (s != 4 && i % 97 == 5) v = model::StaleNaN();
      vs.push_back(v);
    }
    model::Labels l{{"__name__", "m"}, {"s", std::to_string(s)}};
    ASSERT_TRUE((*w)->AddSeries(l, ts, vs).ok());
    for (size_t k = 0; k < ts.size(); ++k) ASSERT_TRUE(app->Append(0, l, ts[k], vs[k]).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  auto meta = (*w)->Finish(0, 3000 * 15000);
  ASSERT_TRUE(meta.ok()) << meta.status();
  auto block = tsdb::Block::Open(dir + "/" + meta->ulid);
  ASSERT_TRUE(block.ok()) << block.status();
  struct BlockQueryable : storage::Queryable {
    std::shared_ptr<tsdb::Block> b;
    absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint,
                                                                 int64_t maxt) override {
      return std::unique_ptr<storage::Querier>(new tsdb::BlockQuerier(b, mint, maxt));
    }
  } from_block;
  from_block.b = *block;
  Engine engine;
  for (const char* q :
       {"count_over_time(m[2m])", "present_over_time(m[5m])", "sum(count_over_time(m[10m]))",
        "count_over_time(m[1h] offset 7m)", "absent_over_time(m{s=\"4\"}[2m])"}) {
    auto want = engine.RangeQuery(head, q, 0, 3000 * 15000, 60000);
    auto got = engine.RangeQuery(from_block, q, 0, 3000 * 15000, 60000);
    ASSERT_TRUE(want.ok() && got.ok()) << q;
    ExpectSame(std::get<Matrix>(got->value), std::get<Matrix>(want->value), q);
    auto want1 = engine.InstantQuery(head, q, 1300 * 15000);
    auto got1 = engine.InstantQuery(from_block, q, 1300 * 15000);
    ASSERT_TRUE(want1.ok() && got1.ok()) << q;
    EXPECT_EQ(std::get<Vector>(got1->value).size(), std::get<Vector>(want1->value).size()) << q;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace promlet::promql
