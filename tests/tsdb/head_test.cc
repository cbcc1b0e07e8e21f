// Head: append/commit/rollback semantics, snapshot isolation, errors, WAL sink, truncation,
// replay, chunk enumeration, stats, and label matching against a brute-force reference.
#include "model/value.h"
#include "tsdb/head.h"

#include <bit>
#include <cmath>
#include <map>
#include <random>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tsdb/chunkenc/xor.h"

namespace promlet::tsdb {
namespace {

using ::testing::ElementsAre;

model::Matcher M(model::MatchType t, std::string_view n, std::string_view v) { return model::Matcher::MustMake(t, n, v); }
model::Matcher Eq(std::string_view n, std::string_view v) { return M(model::MatchType::kEqual, n, v); }

struct Got {
  model::Labels labels;
  std::vector<storage::Sample> samples;
};

std::vector<Got> Query(Head& h, int64_t mint, int64_t maxt, std::vector<model::Matcher> ms) {
  auto q = h.NewQuerier(mint, maxt);
  EXPECT_TRUE(q.ok());
  auto set = (*q)->Select(ms);
  std::vector<Got> out;
  while (set->Next()) {
    Got g{set->At().labels(), {}};
    auto it = set->At().Iterator();
    while (it->Next()) g.samples.push_back({it->T(), it->V()});
    EXPECT_TRUE(it->status().ok());
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<storage::Sample> QueryOne(Head& h, const model::Labels& l, int64_t mint = INT64_MIN,
                             int64_t maxt = INT64_MAX) {
  std::vector<model::Matcher> ms;
  for (const model::Label& x : l) ms.push_back(Eq(x.name, x.value));
  auto got = Query(h, mint, maxt, ms);
  for (auto& g : got) {
    if (g.labels == l) return g.samples;
  }
  return {};
}

TEST(Head, AppendCommitSelectSorted) {
  Head h;
  auto app = h.NewAppender();
  model::Labels b{{"__name__", "up"}, {"job", "b"}};
  model::Labels a{{"__name__", "up"}, {"job", "a"}};
  model::Labels c{{"__name__", "other"}, {"job", "a"}};
  auto rb = app->Append(0, b, 1000, 1);
  ASSERT_TRUE(rb.ok());
  ASSERT_TRUE(app->Append(0, a, 1000, 2).ok());
  ASSERT_TRUE(app->Append(0, c, 1000, 3).ok());
  ASSERT_TRUE(app->Append(*rb, model::Labels(), 2000, 4).ok());  // ref-cached path
  ASSERT_TRUE(app->Commit().ok());

  auto got = Query(h, 0, 10000, {Eq("__name__", "up")});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].labels, a);
  EXPECT_EQ(got[1].labels, b);
  ASSERT_EQ(got[1].samples.size(), 2u);
  EXPECT_EQ(got[1].samples[1].t, 2000);
  EXPECT_EQ(got[1].samples[1].v, 4);
  // Range restriction, both ends inclusive.
  auto r = QueryOne(h, b, 2000, 2000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].t, 2000);
  EXPECT_TRUE(Query(h, 3000, 4000, {Eq("__name__", "up")}).empty());
  EXPECT_EQ(h.MinTime(), 1000);
  EXPECT_EQ(h.MaxTime(), 2000);
  EXPECT_EQ(h.NumSeries(), 3u);
}

TEST(Head, RefsAreMonotonicAndStable) {
  Head h;
  auto app = h.NewAppender();
  auto r1 = app->Append(0, model::Labels{{"__name__", "a"}}, 1, 1);
  auto r2 = app->Append(0, model::Labels{{"__name__", "b"}}, 1, 1);
  auto r1b = app->Append(0, model::Labels{{"__name__", "a"}}, 2, 1);
  ASSERT_TRUE(r1.ok() && r2.ok() && r1b.ok());
  EXPECT_LT(*r1, *r2);
  EXPECT_EQ(*r1, *r1b);
  EXPECT_FALSE(app->Append(999, model::Labels(), 3, 1).ok());  // unknown ref, no labels
  EXPECT_FALSE(app->Append(0, model::Labels(), 3, 1).ok());    // empty label set
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_FALSE(app->Append(0, model::Labels{{"__name__", "a"}}, 9, 1).ok());  // used after commit
}

TEST(Head, OutOfOrderDuplicateAndStaleness) {
  Head h;
  model::Labels l{{"__name__", "m"}};
  {
    auto app = h.NewAppender();
    ASSERT_TRUE(app->Append(0, l, 100, 1).ok());
    ASSERT_TRUE(app->Append(0, l, 200, 2).ok());
    EXPECT_TRUE(storage::IsOutOfOrder(app->Append(0, l, 150, 9).status()));   // within batch
    EXPECT_TRUE(storage::IsDuplicateSample(app->Append(0, l, 200, 3).status()));
    EXPECT_TRUE(app->Append(0, l, 200, 2).ok());  // same value: silently accepted
    ASSERT_TRUE(app->Commit().ok());
  }
  {
    auto app = h.NewAppender();
    EXPECT_TRUE(storage::IsOutOfOrder(app->Append(0, l, 199, 1).status()));   // against committed
    EXPECT_TRUE(app->Append(0, l, 200, 2).ok());
    ASSERT_TRUE(app->Append(0, l, 300, model::StaleNaN()).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  {
    auto app = h.NewAppender();
    // Stale NaN vs ordinary NaN differ bitwise: a duplicate with a different value.
    EXPECT_TRUE(storage::IsDuplicateSample(app->Append(0, l, 300, std::nan("")).status()));
    EXPECT_TRUE(app->Append(0, l, 300, model::StaleNaN()).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  auto s = QueryOne(h, l);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_TRUE(model::IsStaleNaN(s[2].v));
  HeadStats st = h.Stats();
  EXPECT_EQ(st.out_of_order, 2u);
  EXPECT_EQ(st.duplicates, 2u);
  EXPECT_EQ(st.samples_appended, 3u);
}

TEST(Head, QuerierSnapshotIsolation) {
  Head h;
  model::Labels l1{{"__name__", "x"}, {"i", "1"}};
  model::Labels l2{{"__name__", "x"}, {"i", "2"}};
  {
    auto app = h.NewAppender();
    ASSERT_TRUE(app->Append(0, l1, 10, 1).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  auto before = h.NewQuerier(0, 1000);
  ASSERT_TRUE(before.ok());
  auto app = h.NewAppender();
  ASSERT_TRUE(app->Append(0, l1, 20, 2).ok());
  ASSERT_TRUE(app->Append(0, l2, 20, 2).ok());
  auto during = h.NewQuerier(0, 1000);  // created before Commit
  ASSERT_TRUE(app->Commit().ok());
  auto after = h.NewQuerier(0, 1000);
  // Many later commits, so marks must survive more than one commit.
  for (int i = 0; i < 300; ++i) {
    auto a = h.NewAppender();
    ASSERT_TRUE(a->Append(0, l1, 100 + i, i).ok());
    ASSERT_TRUE(a->Commit().ok());
  }
  auto count = [](storage::Querier& q) {
    auto set = q.Select({Eq("__name__", "x")});
    std::vector<size_t> n;
    while (set->Next()) {
      auto it = set->At().Iterator();
      size_t k = 0;
      while (it->Next()) ++k;
      n.push_back(k);
    }
    return n;
  };
  EXPECT_THAT(count(**before), ElementsAre(1u));
  EXPECT_THAT(count(**during), ElementsAre(1u));
  EXPECT_THAT(count(**after), ElementsAre(2u, 1u));
  auto now = h.NewQuerier(0, 1000);
  EXPECT_THAT(count(**now), ElementsAre(302u, 1u));
}

TEST(Head, RollbackAppliesNothing) {
  Head h;
  model::Labels l{{"__name__", "r"}};
  auto app = h.NewAppender();
  ASSERT_TRUE(app->Append(0, l, 1, 1).ok());
  app->Rollback();
  EXPECT_TRUE(QueryOne(h, l).empty());
  auto app2 = h.NewAppender();
  ASSERT_TRUE(app2->Append(0, l, 1, 5).ok());  // no conflict with the rolled back sample
  ASSERT_TRUE(app2->Commit().ok());
  ASSERT_EQ(QueryOne(h, l).size(), 1u);
  EXPECT_EQ(QueryOne(h, l)[0].v, 5);
}

class FakeWal : public WalSink {
 public:
  absl::Status Log(absl::Span<const RefSeries> s, absl::Span<const RefSample> samples) override {
    if (fail) return absl::InternalError("disk full");
    series.insert(series.end(), s.begin(), s.end());
    this->samples.insert(this->samples.end(), samples.begin(), samples.end());
    return absl::OkStatus();
  }
  bool fail = false;
  std::vector<RefSeries> series;
  std::vector<RefSample> samples;
};

TEST(Head, WalSinkSeesBatchAndFailureAppliesNothing) {
  FakeWal wal;
  Head h(HeadOptions{.wal = &wal});
  model::Labels l{{"__name__", "w"}};
  storage::SeriesRef ref;
  {
    auto app = h.NewAppender();
    auto r = app->Append(0, l, 1, 1);
    ASSERT_TRUE(r.ok());
    ref = *r;
    EXPECT_TRUE(storage::IsOutOfOrder(app->Append(0, l, 0, 1).status()));  // rejected: not logged
    ASSERT_TRUE(app->Append(0, l, 2, 2).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  ASSERT_EQ(wal.series.size(), 1u);
  EXPECT_EQ(wal.series[0].ref, ref);
  EXPECT_EQ(wal.series[0].labels, l);
  ASSERT_EQ(wal.samples.size(), 2u);
  EXPECT_EQ(wal.samples[1].t, 2);
  {
    auto app = h.NewAppender();
    ASSERT_TRUE(app->Append(ref, model::Labels(), 3, 3).ok());
    ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "new"}}, 3, 3).ok());
    wal.fail = true;
    EXPECT_FALSE(app->Commit().ok());
  }
  EXPECT_EQ(QueryOne(h, l).size(), 2u);
  EXPECT_TRUE(QueryOne(h, model::Labels{{"__name__", "new"}}).empty());
  wal.fail = false;
  {
    auto app = h.NewAppender();
    ASSERT_TRUE(app->Append(ref, model::Labels(), 3, 3).ok());  // not applied before, so in order
    ASSERT_TRUE(app->Commit().ok());
  }
  EXPECT_EQ(QueryOne(h, l).size(), 3u);
}

TEST(Head, ChunksCutAt120SamplesAndRangeBoundary) {
  Head h(HeadOptions{.chunk_range_ms = 1000000});
  model::Labels l{{"__name__", "c"}};
  auto app = h.NewAppender();
  for (int i = 0; i < 250; ++i) ASSERT_TRUE(app->Append(0, l, i * 10, i).ok());
  ASSERT_TRUE(app->Append(0, l, 1000000, 1).ok());  // crosses the range boundary
  ASSERT_TRUE(app->Commit().ok());
  auto cs = h.ChunkSeries(INT64_MIN, INT64_MAX, /*include_open=*/true);
  ASSERT_TRUE(cs->Next());
  EXPECT_EQ(cs->labels(), l);
  ASSERT_EQ(cs->chunks().size(), 4u);
  EXPECT_EQ(cs->chunks()[0]->num_samples, 120);
  EXPECT_EQ(cs->chunks()[1]->num_samples, 120);
  EXPECT_EQ(cs->chunks()[2]->num_samples, 10);
  EXPECT_EQ(cs->chunks()[3]->num_samples, 1);
  EXPECT_EQ(cs->chunks()[3]->min_time, 1000000);
  EXPECT_EQ(cs->chunks()[0]->min_time, 0);
  EXPECT_EQ(cs->chunks()[0]->max_time, 1190);
  // Chunk bytes decode to the samples.
  const auto& c1 = cs->chunks()[1];
  chunkenc::XorIterator it(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(c1->bytes.data()), c1->bytes.size()));
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.T(), 1200);
  EXPECT_FALSE(cs->Next());
  // Closed chunks only, restricted to a range.
  auto closed = h.ChunkSeries(1195, 1300, false);
  ASSERT_TRUE(closed->Next());
  EXPECT_EQ(closed->chunks().size(), 1u);
  EXPECT_EQ(closed->chunks()[0]->min_time, 1200);

  // Iteration across chunks: Seek, NextBatch, range.
  auto q = h.NewQuerier(5, 2395);
  auto set = (*q)->Select({Eq("__name__", "c")});
  ASSERT_TRUE(set->Next());
  auto iter = set->At().Iterator();
  ASSERT_TRUE(iter->Seek(1195));
  EXPECT_EQ(iter->T(), 1200);
  std::vector<int64_t> ts(1000);
  std::vector<double> vs(1000);
  size_t n = iter->NextBatch(ts.data(), vs.data(), 1000);
  ASSERT_EQ(n, 119u);  // 1210..2390
  EXPECT_EQ(ts[0], 1210);
  EXPECT_EQ(ts[n - 1], 2390);
  EXPECT_EQ(vs[n - 1], 239);
  EXPECT_FALSE(iter->Next());
  auto iter2 = set->At().Iterator();
  ASSERT_TRUE(iter2->Next());
  EXPECT_EQ(iter2->T(), 10);
  EXPECT_FALSE(iter2->Seek(2396));
}

TEST(Head, TruncateDropsOldChunksAndSeries) {
  Head h(HeadOptions{.samples_per_chunk = 10});
  model::Labels old{{"__name__", "old"}};
  model::Labels live{{"__name__", "live"}};
  storage::SeriesRef old_ref;
  {
    auto app = h.NewAppender();
    for (int i = 0; i < 30; ++i) {
      auto r = app->Append(0, old, i, i);
      old_ref = *r;
      ASSERT_TRUE(app->Append(0, live, i, i).ok());
    }
    ASSERT_TRUE(app->Append(0, live, 100, 1).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  // A pending appender keeps its series alive.
  model::Labels held{{"__name__", "held"}};
  auto holder = h.NewAppender();
  ASSERT_TRUE(holder->Append(0, held, 5, 1).ok());

  auto res = h.Truncate(50);
  EXPECT_THAT(res.removed_series, ElementsAre(old_ref));
  EXPECT_EQ(res.removed_chunks, 3u + 3u);  // old: 3 chunks; live: 3 closed chunks < 50
  EXPECT_TRUE(QueryOne(h, old).empty());
  auto s = QueryOne(h, live);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].t, 100);
  EXPECT_EQ(h.MinTime(), 100);
  EXPECT_FALSE(h.IsLive(old_ref));
  auto live_series = h.LiveSeries();
  ASSERT_EQ(live_series.size(), 2u);  // live and held
  EXPECT_EQ(live_series[0].labels, live);
  // Older than the truncation point: out of bounds.
  {
    auto app = h.NewAppender();
    EXPECT_TRUE(storage::IsOutOfBounds(app->Append(0, old, 10, 1).status()));
    ASSERT_TRUE(app->Append(0, old, 60, 1).ok());  // recreated with a new ref
    ASSERT_TRUE(app->Commit().ok());
  }
  EXPECT_EQ(QueryOne(h, old).size(), 1u);
  ASSERT_TRUE(holder->Commit().ok());  // series it held was not removed
  EXPECT_EQ(h.Stats().series_removed, 1u);
  // The label index forgets removed series.
  auto q = h.NewQuerier(INT64_MIN, INT64_MAX);
  auto names = (*q)->LabelValues("__name__", {});
  ASSERT_TRUE(names.ok());
  EXPECT_THAT(*names, ElementsAre("held", "live", "old"));
}

TEST(Head, AppendsBeyondNowPlusTheFutureBoundAreOutOfBoundsAndCounted) {
  constexpr int64_t kNow = 1700000000000;
  constexpr int64_t kWindow = 10 * 60 * 1000;
  constexpr int64_t kYear2999 = 32472144000000;
  Head h(HeadOptions{.max_future_ms = kWindow, .now_ms = [] { return kNow; }});
  EXPECT_EQ(h.MaxValidTime(), kNow + kWindow);
  auto app = h.NewAppender();
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "a"}}, kNow, 1).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "b"}}, kNow + kWindow, 2).ok());
  auto far = app->Append(0, model::Labels{{"__name__", "c"}}, kYear2999, 3);
  EXPECT_TRUE(storage::IsOutOfBounds(far.status())) << far.status();
  auto just = app->Append(0, model::Labels{{"__name__", "d"}}, kNow + kWindow + 1, 4);
  EXPECT_TRUE(storage::IsOutOfBounds(just.status())) << just.status();
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(h.Stats().out_of_bounds, 2u);
  EXPECT_EQ(h.MaxTime(), kNow + kWindow);  // the refused samples did not move it
  EXPECT_TRUE(Query(h, 0, std::numeric_limits<int64_t>::max(), {Eq("__name__", "c")}).empty());

  // The default bound follows the system clock; <= 0 disables it.
  Head dflt;
  auto app2 = dflt.NewAppender();
  EXPECT_TRUE(storage::IsOutOfBounds(app2->Append(0, model::Labels{{"__name__", "c"}}, kYear2999, 3).status()));
  Head unbounded(HeadOptions{.max_future_ms = 0});
  auto app3 = unbounded.NewAppender();
  EXPECT_TRUE(app3->Append(0, model::Labels{{"__name__", "c"}}, kYear2999, 3).ok());
}

TEST(Head, TruncationReleasesTheSymbolsOfRemovedSeriesOnceReadersAreDone) {
  Head h;
  const size_t base = h.Stats().num_symbols;
  uint64_t first_index_bytes = 0;
  for (int gen = 0; gen < 3; ++gen) {
    const int64_t t = gen * 1000 + 1;
    auto app = h.NewAppender();
    for (int i = 0; i < 1000; ++i) {
      model::Labels l{{"__name__", "churn"}, {"id", "g" + std::to_string(gen) + "_" + std::to_string(i)}};
      ASSERT_TRUE(app->Append(0, l, t, i).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
    EXPECT_EQ(h.Stats().num_symbols, base + 1003);  // __name__, churn, id and 1000 values
    if (gen == 0) first_index_bytes = h.Stats().index_bytes;
    // A querier from before the truncation still reads the labels of the series it removes.
    auto q = h.NewQuerier(0, std::numeric_limits<int64_t>::max());
    ASSERT_TRUE(q.ok());
    auto set = (*q)->Select({Eq("__name__", "churn")});
    EXPECT_EQ(h.Truncate(t + 1).removed_series.size(), 1000u);
    size_t n = 0;
    while (set->Next()) {
      const std::string prefix = "g" + std::to_string(gen) + "_";
      EXPECT_EQ(set->At().labels().Get("id").substr(0, prefix.size()), prefix);
      ++n;
    }
    EXPECT_EQ(n, 1000u);
    EXPECT_GE(h.Stats().num_symbols, base + 1000);  // held back by the querier
    set.reset();
    q->reset();
    EXPECT_EQ(h.Stats().num_symbols, base);  // released with the last reader
  }
  // Freed ids and bytes are reused: memory stays at the first generation's level.
  EXPECT_LE(h.Stats().index_bytes, first_index_bytes);
  auto app = h.NewAppender();
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "fresh"}, {"id", "x"}}, 5000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto got = Query(h, 0, 10000, {Eq("id", "x")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].labels, (model::Labels{{"__name__", "fresh"}, {"id", "x"}}));
  EXPECT_EQ(h.Stats().num_symbols, base + 4);
}

TEST(Head, ReplayKeepsRefsAndAliases) {
  Head h;
  model::Labels a{{"__name__", "a"}};
  model::Labels b{{"__name__", "b"}};
  ASSERT_TRUE(h.ReplaySeries(7, a).ok());
  ASSERT_TRUE(h.ReplaySeries(3, b).ok());
  ASSERT_TRUE(h.ReplaySeries(7, a).ok());     // idempotent
  EXPECT_FALSE(h.ReplaySeries(7, b).ok());    // ref taken by other labels
  ASSERT_TRUE(h.ReplaySeries(12, a).ok());    // duplicate labels: 12 aliases 7
  std::vector<RefSample> samples = {{7, 1, 1}, {3, 1, 2}, {12, 2, 3}, {7, 2, 9}, {99, 1, 1},
                                    {3, 0, 1}};
  h.ReplaySamples(samples);
  EXPECT_EQ(h.replay_unknown_refs(), 1u);
  auto sa = QueryOne(h, a);
  ASSERT_EQ(sa.size(), 2u);
  EXPECT_EQ(sa[1].v, 3);
  EXPECT_EQ(QueryOne(h, b).size(), 1u);
  auto app = h.NewAppender();
  auto r = app->Append(0, model::Labels{{"__name__", "c"}}, 5, 5);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(*r, 12u);
  auto ra = app->Append(12, model::Labels(), 6, 6);  // alias ref works on the append path too
  ASSERT_TRUE(ra.ok());
  EXPECT_EQ(*ra, 7u);
  ASSERT_TRUE(app->Commit().ok());
}

TEST(Head, ReplayRunsOfOneSeriesDropAndCountOutOfOrderAndDuplicates) {
  Head h;
  model::Labels a{{"__name__", "a"}};
  model::Labels b{{"__name__", "b"}};
  ASSERT_TRUE(h.ReplaySeries(1, a).ok());
  ASSERT_TRUE(h.ReplaySeries(2, b).ok());
  // Consecutive samples of one ref are applied as one run; drops inside a run still count.
  std::vector<RefSample> samples = {{1, 10, 1}, {1, 20, 2}, {1, 20, 2}, {1, 15, 0}, {1, 30, 3},
                                    {2, 5, 1},  {2, 5, 9},  {99, 1, 1}, {99, 2, 2}, {1, 40, 4}};
  h.ReplaySamples(samples);
  HeadStats st = h.Stats();
  EXPECT_EQ(st.samples_appended, 5u);
  EXPECT_EQ(st.duplicates, 2u);
  EXPECT_EQ(st.out_of_order, 1u);
  EXPECT_EQ(h.replay_unknown_refs(), 2u);
  EXPECT_EQ(st.min_time, 5);
  EXPECT_EQ(st.max_time, 40);
  auto sa = QueryOne(h, a);
  ASSERT_EQ(sa.size(), 4u);
  EXPECT_EQ(sa[0].v, 1);
  EXPECT_EQ(sa[3].t, 40);
  auto sb = QueryOne(h, b);
  ASSERT_EQ(sb.size(), 1u);
  EXPECT_EQ(sb[0].v, 1);
}

TEST(Head, ReplayFromTwoThreads) {
  Head h;
  constexpr int kSeries = 200, kSamples = 300;
  for (int i = 1; i <= kSeries; ++i) {
    ASSERT_TRUE(h.ReplaySeries(i, model::Labels{{"__name__", "r"}, {"i", std::to_string(i)}}).ok());
  }
  auto work = [&](int shard) {
    std::vector<RefSample> batch;
    for (int t = 0; t < kSamples; ++t) {
      for (int i = 1; i <= kSeries; ++i) {
        if (i % 2 == shard) batch.push_back({static_cast<storage::SeriesRef>(i), t * 1000, double(t)});
      }
      if (batch.size() > 500) {
        h.ReplaySamples(batch);
        batch.clear();
      }
    }
    h.ReplaySamples(batch);
  };
  std::thread t0(work, 0), t1(work, 1);
  t0.join();
  t1.join();
  EXPECT_EQ(h.Stats().samples_appended, uint64_t{kSeries} * kSamples);
  auto got = Query(h, INT64_MIN, INT64_MAX, {Eq("__name__", "r")});
  ASSERT_EQ(got.size(), size_t{kSeries});
  for (const auto& g : got) ASSERT_EQ(g.samples.size(), size_t{kSamples});
}

TEST(Head, StatsAndCardinality) {
  Head h;
  auto app = h.NewAppender();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "big"}, {"i", std::to_string(i)}}, 1, 1).ok());
  }
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "small"}, {"i", "0"}}, 1, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  HeadStats st = h.Stats();
  EXPECT_EQ(st.num_series, 6u);
  EXPECT_EQ(st.num_chunks, 6u);
  EXPECT_EQ(st.samples_appended, 6u);
  EXPECT_GT(st.chunk_bytes, 0u);
  EXPECT_GT(st.index_bytes, 0u);
  EXPECT_EQ(st.min_time, 1);
  HeadCardinality c = h.Cardinality(1);
  ASSERT_EQ(c.series_count_by_metric_name.size(), 1u);
  EXPECT_EQ(c.series_count_by_metric_name[0].name, "big");
  EXPECT_EQ(c.series_count_by_metric_name[0].value, 5u);
  ASSERT_EQ(c.label_value_count_by_label_name.size(), 1u);
  EXPECT_EQ(c.label_value_count_by_label_name[0].name, "i");
  EXPECT_EQ(c.label_value_count_by_label_name[0].value, 5u);
  ASSERT_EQ(c.series_count_by_label_value_pair.size(), 1u);
  EXPECT_EQ(c.series_count_by_label_value_pair[0].name, "__name__=\"big\"");
  EXPECT_EQ(c.num_series, 6u);
}

TEST(Head, LabelNamesAndValuesWithMatchers) {
  Head h;
  auto app = h.NewAppender();
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "a"}, {"job", "x"}, {"zone", "1"}}, 10, 1).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "b"}, {"job", "y"}}, 20, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto q = h.NewQuerier(0, 100);
  EXPECT_THAT(*(*q)->LabelNames({}), ElementsAre("__name__", "job", "zone"));
  EXPECT_THAT(*(*q)->LabelNames({Eq("job", "y")}), ElementsAre("__name__", "job"));
  EXPECT_THAT(*(*q)->LabelValues("job", {}), ElementsAre("x", "y"));
  EXPECT_THAT(*(*q)->LabelValues("job", {Eq("zone", "1")}), ElementsAre("x"));
  EXPECT_THAT(*(*q)->LabelValues("nope", {}), ElementsAre());
  auto q2 = h.NewQuerier(15, 100);  // time range restricts
  EXPECT_THAT(*(*q2)->LabelValues("job", {}), ElementsAre("y"));
  EXPECT_THAT(*(*q2)->LabelNames({}), ElementsAre("__name__", "job"));
}

// Matcher semantics of Select against a brute-force reference over random label sets.
TEST(Head, SelectMatchesBruteForce) {
  std::mt19937 rng(42);
  Head h;
  std::vector<model::Labels> all;
  const std::vector<std::string> names = {"__name__", "job", "instance", "le", "mode"};
  const std::vector<std::string> values = {"a", "b", "ab", "abc", "node_cpu", "node_mem",
                                           "host-1", "host-10", "host-2", "x.y", ""};
  {
    auto app = h.NewAppender();
    for (int i = 0; i < 1500; ++i) {
      std::vector<model::Label> ls;
      for (const auto& n : names) {
        const std::string& v = values[rng() % values.size()];
        if (!v.empty() || n == "__name__") ls.push_back({n, v.empty() ? "m" : v});
      }
      model::Labels l = model::Labels::FromUnsorted(ls);
      auto r = app->Append(0, l, 1, 1);
      ASSERT_TRUE(r.ok());
      if (std::find(all.begin(), all.end(), l) == all.end()) all.push_back(l);
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  std::sort(all.begin(), all.end());
  const std::vector<std::string> patterns = {"a", "", "ab|b", ".*", ".+", "host-1.*", "a.*",
                                             "node_.*", "x\\.y", "(a|b)c?", "abc|", "host-[12]",
                                             "b|zz", ".*c"};
  auto q = h.NewQuerier(0, 10);
  for (int round = 0; round < 300; ++round) {
    std::vector<model::Matcher> ms;
    int k = 1 + static_cast<int>(rng() % 3);
    for (int j = 0; j < k; ++j) {
      model::MatchType t = static_cast<model::MatchType>(rng() % 4);
      const std::string& n = (rng() % 6 == 0) ? std::string("missing") : names[rng() % names.size()];
      std::string v = (t == model::MatchType::kEqual || t == model::MatchType::kNotEqual)
                          ? values[rng() % values.size()]
                          : patterns[rng() % patterns.size()];
      ms.push_back(M(t, n, v));
    }
    std::vector<model::Labels> want;
    for (const model::Labels& l : all) {
      bool ok = true;
      for (const model::Matcher& m : ms) ok = ok && m.Matches(l.Get(m.name()));
      if (ok) want.push_back(l);
    }
    std::vector<model::Labels> got;
    auto set = (*q)->Select(ms);
    while (set->Next()) got.push_back(set->At().labels());
    std::string desc;
    for (const model::Matcher& m : ms) desc += m.ToString() + " ";
    ASSERT_EQ(got, want) << desc;
  }
  // New symbols after the rank cache was built: big selections still sort by labels.
  {
    auto app = h.NewAppender();
    for (int i = 0; i < 700; ++i) {
      model::Labels l{{"__name__", i % 2 ? "aa" + std::to_string(i) : "zz" + std::to_string(i)},
               {"job", std::to_string(i % 7)}};
      ASSERT_TRUE(app->Append(0, l, 1, 1).ok());
      all.push_back(l);
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  std::sort(all.begin(), all.end());
  auto q2 = h.NewQuerier(0, 10);
  auto set = (*q2)->Select({M(model::MatchType::kRegexMatch, "__name__", ".+")});
  std::vector<model::Labels> got;
  while (set->Next()) got.push_back(set->At().labels());
  EXPECT_EQ(got, all);
}

// Several appenders and readers at once. Each writer commits batches that give all its series
// the same timestamp; a reader must never see a batch partially.
TEST(Head, ConcurrentAppendersAndReaders) {
  Head h(HeadOptions{.samples_per_chunk = 16});
  constexpr int kWriters = 4, kSeriesPerWriter = 40, kBatches = 150;
  std::atomic<bool> stop{false};
  std::atomic<int> violations{0}, reads{0};
  auto writer = [&](int w, int64_t base) {
    std::vector<storage::SeriesRef> refs(kSeriesPerWriter, 0);
    for (int b = 1; b <= kBatches; ++b) {
      auto app = h.NewAppender();
      for (int i = 0; i < kSeriesPerWriter; ++i) {
        model::Labels l{{"__name__", "c"}, {"w", std::to_string(w)}, {"i", std::to_string(i)}};
        auto r = app->Append(refs[i], refs[i] ? model::Labels() : l, base + b * 1000, b);
        ASSERT_TRUE(r.ok()) << r.status();
        refs[i] = *r;
      }
      if (b % 10 == 0) {
        app->Rollback();
      } else {
        ASSERT_TRUE(app->Commit().ok());
      }
    }
  };
  auto reader = [&]() {
    while (!stop.load()) {
      auto q = h.NewQuerier(INT64_MIN, INT64_MAX);
      for (int w = 0; w < kWriters; ++w) {
        auto set = (*q)->Select({Eq("w", std::to_string(w))});
        int64_t last = -1;
        int n = 0;
        while (set->Next()) {
          auto it = set->At().Iterator();
          int64_t t = -1;
          int64_t prev = INT64_MIN;
          while (it->Next()) {
            if (it->T() <= prev) violations++;
            prev = t = it->T();
          }
          if (last != -1 && t != last) violations++;
          last = t;
          ++n;
        }
        if (n != 0 && n != kSeriesPerWriter) violations++;
      }
      reads++;
    }
  };
  std::vector<std::thread> ts;
  for (int r = 0; r < 2; ++r) ts.emplace_back(reader);
  std::vector<std::thread> ws;
  for (int w = 0; w < kWriters; ++w) ws.emplace_back(writer, w, 0);
  for (auto& t : ws) t.join();
  stop = true;
  for (auto& t : ts) t.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(reads.load(), 0);
  auto got = Query(h, INT64_MIN, INT64_MAX, {Eq("__name__", "c")});
  ASSERT_EQ(got.size(), size_t{kWriters * kSeriesPerWriter});
  for (const auto& g : got) EXPECT_EQ(g.samples.size(), size_t{kBatches - kBatches / 10});
  // Truncation concurrent with appends keeps appended data consistent.
  std::thread tw(writer, 99, 100000);
  for (int i = 0; i < 5; ++i) h.Truncate(50000);
  tw.join();
  EXPECT_EQ(Query(h, INT64_MIN, INT64_MAX, {Eq("w", "99")}).size(), size_t{kSeriesPerWriter});
}

// Two appenders holding the same series at once: each validates against its own batch (the
// batch tag of the first, the per-batch map of the second), and a later appender takes over
// the stale tag.
TEST(Head, InterleavedAppendersOnOneSeriesKeepTheirOwnBatchState) {
  Head h;
  model::Labels l{{"__name__", "m"}};
  auto a = h.NewAppender();
  auto b = h.NewAppender();
  auto ref = a->Append(0, l, 100, 1);
  ASSERT_TRUE(ref.ok());
  ASSERT_TRUE(b->Append(*ref, model::Labels(), 100, 2).ok());
  EXPECT_TRUE(storage::IsOutOfOrder(b->Append(*ref, model::Labels(), 50, 1).status()));
  EXPECT_TRUE(storage::IsDuplicateSample(a->Append(*ref, model::Labels(), 100, 3).status()));
  ASSERT_TRUE(a->Append(*ref, model::Labels(), 200, 4).ok());
  EXPECT_TRUE(b->Append(*ref, model::Labels(), 100, 2).ok());  // same value as b's own: accepted
  ASSERT_TRUE(a->Commit().ok());
  {
    auto c = h.NewAppender();  // b still holds the series: c must not use a's stale tag
    EXPECT_TRUE(storage::IsOutOfOrder(c->Append(*ref, model::Labels(), 150, 1).status()));
    ASSERT_TRUE(c->Append(*ref, model::Labels(), 300, 5).ok());
    EXPECT_TRUE(storage::IsDuplicateSample(c->Append(*ref, model::Labels(), 300, 6).status()));
    c->Rollback();
  }
  ASSERT_TRUE(b->Commit().ok());  // b's sample at 100 lost the race against a's 200
  {
    auto d = h.NewAppender();  // nobody holds it now: d takes the tag over
    ASSERT_TRUE(d->Append(*ref, model::Labels(), 300, 5).ok());
    ASSERT_TRUE(d->Append(*ref, model::Labels(), 400, 6).ok());
    EXPECT_TRUE(storage::IsOutOfOrder(d->Append(*ref, model::Labels(), 350, 1).status()));
    ASSERT_TRUE(d->Commit().ok());
  }
  auto s = QueryOne(h, l);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].t, 100);
  EXPECT_EQ(s[0].v, 1);
  EXPECT_EQ(s[1].t, 200);
  EXPECT_EQ(s[2].t, 300);
  EXPECT_EQ(s[3].t, 400);
}

}  // namespace
}  // namespace promlet::tsdb
