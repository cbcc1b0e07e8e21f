// DB: WAL replay, head -> block compaction, block merges and retention over simulated time,
// tombstones, snapshots, damaged blocks, half-written blocks, disk full.
#include "tsdb/db.h"

#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "gtest/gtest.h"
#include "tests/tsdb_disk/test_util.h"

namespace promlet::tsdb {
namespace {
namespace fs = std::filesystem;
using testing::CountSamples;
using testing::FreshDir;
using testing::QueryAll;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kStep = 60 * 1000;  // one sample per minute keeps the tests small

DBOptions TestOptions() {
  DBOptions o;
  o.background_compaction = false;
  o.retention.time_ms = 0;
  o.now_ms = [] { return int64_t{1700000000000}; };
  o.log = [](const std::string&) {};
  o.zstd_level = 1;
  return o;
}

model::Labels SeriesLabels(int i) {
  return model::Labels{{"__name__", i % 2 ? "odd_metric" : "even_metric"}, {"i", std::to_string(i)}};
}

// Appends `series` series at every kStep in [from, to).
void AppendRange(DB* db, int series, int64_t from, int64_t to) {
  for (int64_t t = from; t < to; t += kStep) {
    auto app = db->NewAppender();
    for (int i = 0; i < series; ++i) {
      ASSERT_TRUE(app->Append(0, SeriesLabels(i), t, double(i * 1000 + t / kStep)).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
  }
}

std::vector<std::pair<int64_t, int64_t>> BlockRanges(const DB& db) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& m : db.Blocks()) out.emplace_back(m.min_time, m.max_time);
  return out;
}

TEST(DB, ReopenReplaysAcknowledgedSamples) {
  std::string dir = FreshDir("reopen");
  {
    auto db = DB::Open(dir, TestOptions());
    ASSERT_TRUE(db.ok()) << db.status();
    AppendRange(db->get(), 5, 0, 30 * kStep);
  }
  auto db = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db.ok());
  auto got = QueryAll(db->get(), 0, kHour);
  EXPECT_EQ(got.size(), 5u);
  EXPECT_EQ(CountSamples(got), 150u);
  EXPECT_EQ(got["odd_metric{i=\"3\"}"][7], std::make_pair(7 * kStep, 3007.0));
  // And appends continue with new refs after replay.
  AppendRange(db->get(), 6, 30 * kStep, 31 * kStep);
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, kHour)), 156u);
}

TEST(DB, HeadIsCutIntoBlocksAndQueriesMergeEverything) {
  std::string dir = FreshDir("cut");
  auto db = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db.ok());
  AppendRange(db->get(), 4, 0, 7 * kHour);  // head spans 7h > 1.5 x 2h
  ASSERT_TRUE((*db)->Compact().ok());
  // Cut while the head spans more than 3h: [0,2h) and [2h,4h) go to blocks, head keeps 4h..7h.
  auto ranges = BlockRanges(**db);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], std::make_pair(int64_t{0}, 2 * kHour));
  EXPECT_EQ(ranges[1], std::make_pair(2 * kHour, 4 * kHour));
  EXPECT_GE((*db)->head()->MinTime(), 4 * kHour);
  // Where chunks start anew (a long range query's windows are cut there): the second block's
  // and the head's first times, within (mint, maxt].
  EXPECT_EQ((*db)->ChunkBoundaries(0, 7 * kHour),
            (std::vector<int64_t>{2 * kHour, (*db)->head()->MinTime()}));
  EXPECT_EQ((*db)->ChunkBoundaries(2 * kHour, 3 * kHour), std::vector<int64_t>{});
  auto got = QueryAll(db->get(), 0, 7 * kHour);
  EXPECT_EQ(CountSamples(got), 4u * 7 * 60);
  for (const auto& [k, v] : got) {
    for (size_t i = 1; i < v.size(); ++i) ASSERT_EQ(v[i].first - v[i - 1].first, kStep) << k;
  }
  // Checkpointed WAL + blocks reopen to the same data.
  db->reset();
  auto db2 = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db2.ok());
  EXPECT_EQ(BlockRanges(**db2).size(), 2u);
  EXPECT_EQ(QueryAll(db2->get(), 0, 7 * kHour), got);
}

// Block iterators recycle their decode buffers through the thread (block_querier.cc): a long
// series read before a short one, iterators alive at once, read interleaved, and one dropped
// before it loaded anything must all still give exactly their own samples.
const model::Labels kLongSeries{{"__name__", "long"}};
const model::Labels kShortSeries{{"__name__", "short"}};

// A long series (480 samples a 2 h block) and a short one (6), cut into two blocks.
void AppendLongAndShort(DB* db) {
  for (int64_t t = 0; t < 7 * kHour; t += kStep / 4) {
    auto app = db->NewAppender();
    ASSERT_TRUE(app->Append(0, kLongSeries, t, double(t / 1000)).ok());
    if (t % (20 * kStep) == 0) {
      ASSERT_TRUE(app->Append(0, kShortSeries, t, -double(t)).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  ASSERT_TRUE(db->Compact().ok());
  ASSERT_EQ(BlockRanges(*db).size(), 2u);
}

TEST(DB, BlockIteratorsSharingDecodeBuffersKeepTheirOwnSamples) {
  std::string dir = FreshDir("recycle");
  auto db = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db.ok());
  AppendLongAndShort(db->get());
  const auto want = QueryAll(db->get(), 0, 2 * kHour - 1);
  ASSERT_EQ(want.size(), 2u);
  ASSERT_EQ(want.at(kLongSeries.ToString()).size(), 480u);
  ASSERT_EQ(want.at(kShortSeries.ToString()).size(), 6u);

  auto querier = (*db)->NewQuerier(0, 2 * kHour - 1);
  ASSERT_TRUE(querier.ok());
  auto set = (*querier)->Select({model::Matcher::MustMake(model::MatchType::kRegexMatch,
                                                          "__name__", "long|short")});
  std::vector<std::string> names;
  std::vector<std::unique_ptr<storage::SampleIterator>> its;
  while (set->Next()) {
    names.push_back(set->At().labels().ToString());
    its.push_back(set->At().Iterator());
    its.push_back(set->At().Iterator());  // a second one per series, dropped unread below
  }
  ASSERT_EQ(names.size(), 2u);
  its[1].reset();
  its[3].reset();
  std::map<std::string, std::vector<std::pair<int64_t, double>>> got;
  // Interleaved: one sample of each series in turn until both are exhausted.
  bool more[2] = {true, true};
  while (more[0] || more[1]) {
    for (int s = 0; s < 2; ++s) {
      if (!more[s]) continue;
      auto& it = its[2 * s];
      more[s] = it->Next();
      if (more[s]) got[names[s]].emplace_back(it->T(), it->V());
    }
  }
  EXPECT_EQ(got, want);
  // One after the other: the short series now decodes into the buffers the long one grew.
  its.clear();
  EXPECT_EQ(QueryAll(db->get(), 0, 2 * kHour - 1), want);
}

// A query's helper threads decode series whose iterators the query's thread made and drops
// (promql helper_pool.h): the buffers then go from thread to thread through the shared spares
// (block_querier.cc). Every round, each series read on a worker thread, its iterator dropped
// on this one, then read here while the worker drops: exactly its own samples every time.
TEST(DB, BlockIteratorsDecodedOnOneThreadAndDroppedOnAnotherKeepTheirOwnSamples) {
  std::string dir = FreshDir("recycle_threads");
  auto db = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db.ok());
  AppendLongAndShort(db->get());
  const auto want = QueryAll(db->get(), 0, 2 * kHour - 1);
  ASSERT_EQ(want.size(), 2u);
  auto querier = (*db)->NewQuerier(0, 2 * kHour - 1);
  ASSERT_TRUE(querier.ok());
  const std::vector<model::Matcher> both{
      model::Matcher::MustMake(model::MatchType::kRegexMatch, "__name__", "long|short")};
  using Samples = std::map<std::string, std::vector<std::pair<int64_t, double>>>;
  // Iterators for every series, several times over (more than a thread keeps), made here.
  auto make = [&](std::vector<std::string>& names,
                  std::vector<std::unique_ptr<storage::SampleIterator>>& its) {
    for (int copy = 0; copy < 4; ++copy) {
      auto set = (*querier)->Select(both);
      while (set->Next()) {
        names.push_back(set->At().labels().ToString());
        its.push_back(set->At().Iterator());
      }
    }
  };
  auto read = [](const std::vector<std::string>& names,
                 std::vector<std::unique_ptr<storage::SampleIterator>>& its) {
    std::vector<Samples> got(its.size());
    for (size_t i = 0; i < its.size(); ++i) {
      auto& v = got[i][names[i]];
      while (its[i]->Next()) v.emplace_back(its[i]->T(), its[i]->V());
    }
    return got;
  };
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> names;
    std::vector<std::unique_ptr<storage::SampleIterator>> its;
    make(names, its);
    std::vector<Samples> got;
    std::thread worker([&] { got = read(names, its); });
    worker.join();
    its.clear();  // dropped here: buffers the worker grew
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].begin()->second, want.at(names[i])) << names[i] << " round " << round;
    }
    names.clear();
    make(names, its);
    got = read(names, its);  // here, into whatever buffers this thread now holds
    std::thread dropper([&] { its.clear(); });
    dropper.join();
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].begin()->second, want.at(names[i])) << names[i] << " round " << round;
    }
  }
}

TEST(DB, BlocksMergeIntoLargerRangesAndRetentionDeletesExactlyTheOldest) {
  std::string dir = FreshDir("merge");
  DBOptions o = TestOptions();
  o.retention.time_ms = 20 * kHour;  // max block range = 2h (10%): merges capped...
  o.max_block_range_ms = 6 * kHour;  // ...so allow 6h explicitly
  auto db = DB::Open(dir, o);
  ASSERT_TRUE(db.ok());
  // Simulated time: 30h of data, compacting every hour like the background loop would.
  for (int64_t h = 0; h < 30; ++h) {
    AppendRange(db->get(), 2, h * kHour, (h + 1) * kHour);
    ASSERT_TRUE((*db)->Compact().ok());
  }
  auto ranges = BlockRanges(**db);
  // The head is cut while it spans more than 3h: blocks end at 28h, the head keeps [28h, 30h).
  // Complete 6h windows (ending at or before the newest block) were merged; the window
  // [24h, 30h) is not complete yet. Retention (20h before the newest sample, 30h - 1m) removed
  // the blocks ending at or before 10h - 1m: [0, 6h) only.
  ASSERT_FALSE(ranges.empty());
  for (const auto& [lo, hi] : ranges) {
    EXPECT_TRUE(hi - lo == 2 * kHour || hi - lo == 6 * kHour) << lo << " " << hi;
    EXPECT_GT(hi, 30 * kHour - kStep - 20 * kHour);
  }
  std::vector<std::pair<int64_t, int64_t>> want = {
      {6 * kHour, 12 * kHour},  {12 * kHour, 18 * kHour}, {18 * kHour, 24 * kHour},
      {24 * kHour, 26 * kHour}, {26 * kHour, 28 * kHour}};
  EXPECT_EQ(ranges, want);
  for (const auto& m : (*db)->Blocks()) {
    if (m.max_time - m.min_time == 6 * kHour) {
      EXPECT_EQ(m.compaction_level, 2);
      EXPECT_EQ(m.sources.size(), 3u);
    }
  }
  // Data of the kept range is intact.
  auto got = QueryAll(db->get(), 12 * kHour, 30 * kHour);
  EXPECT_EQ(CountSamples(got), 2u * 18 * 60);
  EXPECT_EQ((*db)->metrics().blocks_deleted_by_retention.load(), 1u);
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, 12 * kHour - 1)), 2u * 6 * 60);
}

// Blocks opened at start-up, cut from the head and merged all read through the DB's one block
// cache; a repeated query is served from it, and merged-away blocks leave it.
TEST(DB, BlocksShareTheBlockCacheAndMergedBlocksLeaveIt) {
  std::string dir = FreshDir("block_cache");
  DBOptions o = TestOptions();
  o.max_block_range_ms = 6 * kHour;
  {
    auto db = DB::Open(dir, o);
    ASSERT_TRUE(db.ok());
    AppendRange(db->get(), 20, 0, 5 * kHour);
    ASSERT_TRUE((*db)->Compact().ok());  // cuts [0, 2h)
  }
  auto db = DB::Open(dir, o);  // reopens that block
  ASSERT_TRUE(db.ok());
  const SectionCache& cache = (*db)->block_cache();
  EXPECT_EQ(cache.capacity(), o.block_cache_bytes);
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, 2 * kHour - 1)), 20u * 120);
  const uint64_t misses = cache.misses();
  EXPECT_GT(misses, 0u);
  EXPECT_GT(cache.usage(), 0u);
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, 2 * kHour - 1)), 20u * 120);
  EXPECT_EQ(cache.misses(), misses);
  EXPECT_GT(cache.hits(), 0u);
  // Blocks cut from the head and the merged 6h block read through it too; the merged-away
  // blocks take their entries with them.
  const size_t usage_before_merge = cache.usage();
  AppendRange(db->get(), 20, 5 * kHour, 9 * kHour);
  ASSERT_TRUE((*db)->Compact().ok());
  ASSERT_TRUE((*db)->Compact().ok());
  ASSERT_EQ(BlockRanges(**db).front(), std::make_pair(int64_t{0}, 6 * kHour));
  const size_t usage_after_merge = cache.usage();
  EXPECT_LT(usage_after_merge, usage_before_merge);
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, 6 * kHour - 1)), 20u * 360);
  EXPECT_GT(cache.usage(), usage_after_merge);
  EXPECT_GT(cache.misses(), misses);
  // The tiny minimum: a capacity below it is raised.
  o.block_cache_bytes = 0;
  db->reset();
  auto small = DB::Open(dir, o);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ((*small)->block_cache().capacity(), Block::kPrivateCacheBytes);
  EXPECT_EQ(CountSamples(QueryAll(small->get(), 0, 6 * kHour - 1)), 20u * 360);
}

TEST(DB, BackgroundLoopCallsAfterCompactionOnlyWhenItWroteBlocks) {
  std::string dir = FreshDir("after_compaction");
  DBOptions o = TestOptions();
  o.background_compaction = true;
  o.compaction_interval_ms = 10;
  std::atomic<int> calls{0};
  o.after_compaction = [&] { ++calls; };
  auto db = DB::Open(dir, o);
  ASSERT_TRUE(db.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // ~20 rounds, nothing to do
  EXPECT_EQ(calls.load(), 0);
  AppendRange(db->get(), 4, 0, 7 * kHour);  // the head spans 7h: the loop cuts two blocks
  for (int i = 0; i < 1000 && (*db)->Blocks().size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ((*db)->Blocks().size(), 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int after_cut = calls.load();
  EXPECT_GE(after_cut, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // idle rounds again
  EXPECT_EQ(calls.load(), after_cut);
}

TEST(DB, SizeRetentionCountsWalAndDeletesOldestBlocks) {
  std::string dir = FreshDir("size");
  DBOptions o = TestOptions();
  o.max_block_range_ms = 2 * kHour;  // no merges
  auto db = DB::Open(dir, o);
  ASSERT_TRUE(db.ok());
  AppendRange(db->get(), 20, 0, 11 * kHour);
  ASSERT_TRUE((*db)->Compact().ok());
  auto before = (*db)->Blocks();
  ASSERT_EQ(before.size(), 4u);
  uint64_t total = (*db)->DiskBytes();
  db->reset();
  // Reopen with a limit that fits everything but about one block.
  o.retention.size_bytes = total - 100;
  auto db2 = DB::Open(dir, o);
  ASSERT_TRUE(db2.ok());
  ASSERT_TRUE((*db2)->Compact().ok());
  auto after = (*db2)->Blocks();
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0].ulid, before[1].ulid);  // the oldest went
  EXPECT_LE((*db2)->DiskBytes(), total);
}

TEST(DB, DeleteSeriesHidesDataEverywhereAndCleanTombstonesRewrites) {
  std::string dir = FreshDir("delete");
  auto db = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db.ok());
  AppendRange(db->get(), 4, 0, 5 * kHour);
  ASSERT_TRUE((*db)->Compact().ok());
  ASSERT_EQ((*db)->Blocks().size(), 1u);  // [0,2h)
  std::vector<model::Matcher> m = {model::Matcher::MustMake(model::MatchType::kEqual, "i", "1")};
  ASSERT_TRUE((*db)->Delete(m, kHour, 3 * kHour).ok());
  auto got = QueryAll(db->get(), 0, 5 * kHour, m);
  ASSERT_EQ(got.size(), 1u);
  for (const auto& [t, v] : got.begin()->second) EXPECT_TRUE(t < kHour || t > 3 * kHour) << t;
  EXPECT_EQ(CountSamples(got), 5u * 60 - 2 * 60 - 1);
  size_t others = CountSamples(QueryAll(db->get(), 0, 5 * kHour)) - CountSamples(got);
  EXPECT_EQ(others, 3u * 5 * 60);
  // Survives a restart (block tombstones file + WAL tombstone record).
  db->reset();
  db = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, 5 * kHour, m)), 5u * 60 - 2 * 60 - 1);
  std::string old_ulid = (*db)->Blocks()[0].ulid;
  ASSERT_TRUE((*db)->CleanTombstones().ok());
  auto blocks = (*db)->Blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_NE(blocks[0].ulid, old_ulid);
  EXPECT_EQ(blocks[0].stats.num_tombstones, 0u);
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, 5 * kHour, m)), 5u * 60 - 2 * 60 - 1);
  EXPECT_FALSE(fs::exists(dir + "/" + old_ulid));
}

void Corrupt(const std::string& path, size_t offset_from_middle) {
  auto size = fs::file_size(path);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  size_t pos = size / 2 + offset_from_middle;
  f.seekg(pos);
  char c;
  f.read(&c, 1);
  c ^= 0x40;
  f.seekp(pos);
  f.write(&c, 1);
}

TEST(DB, DamagedBlocksAreReportedSkippedAndTheRestServed) {
  std::string dir = FreshDir("damaged");
  {
    DBOptions o = TestOptions();
    o.max_block_range_ms = 2 * kHour;
    auto db = DB::Open(dir, o);
    ASSERT_TRUE(db.ok());
    AppendRange(db->get(), 3, 0, 9 * kHour);
    ASSERT_TRUE((*db)->Compact().ok());
    ASSERT_EQ((*db)->Blocks().size(), 3u);
  }
  std::vector<std::string> ulids;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (IsUlid(e.path().filename().string())) ulids.push_back(e.path().string());
  }
  std::sort(ulids.begin(), ulids.end());
  ASSERT_EQ(ulids.size(), 3u);
  Corrupt(ulids[0] + "/index", 0);
  Corrupt(ulids[1] + "/chunks", 0);
  // A half-written block from a crash.
  fs::create_directories(dir + "/01HZZZZZZZZZZZZZZZZZZZZZZZ.tmp-for-creation");
  std::vector<std::string> logged;
  DBOptions o = TestOptions();
  o.log = [&](const std::string& s) { logged.push_back(s); };
  auto db = DB::Open(dir, o);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->open_report().skipped_blocks.size(), 2u);
  EXPECT_EQ((*db)->open_report().removed_tmp.size(), 1u);
  EXPECT_FALSE(fs::exists(dir + "/01HZZZZZZZZZZZZZZZZZZZZZZZ.tmp-for-creation"));
  EXPECT_GE(logged.size(), 3u);
  ASSERT_EQ((*db)->Blocks().size(), 1u);
  // The intact block and the head are served.
  auto got = QueryAll(db->get(), 0, 9 * kHour);
  EXPECT_EQ(CountSamples(got), 3u * (2 * 60 + 3 * 60));
}

TEST(DB, ManySeriesSpanSeveralIndexPagesAndChunkGroups) {
  std::string dir = FreshDir("many");
  auto db = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db.ok());
  AppendRange(db->get(), 300, 0, 4 * kHour);
  ASSERT_TRUE((*db)->Compact().ok());
  ASSERT_EQ((*db)->Blocks().size(), 1u);
  auto got = QueryAll(db->get(), 0, 2 * kHour - 1);
  EXPECT_EQ(got.size(), 300u);
  EXPECT_EQ(CountSamples(got), 300u * 120);
  std::vector<model::Matcher> m = {model::Matcher::MustMake(model::MatchType::kRegexMatch, "i", "29.")};
  auto sub = QueryAll(db->get(), 0, 2 * kHour - 1, m);
  EXPECT_EQ(sub.size(), 10u);
  EXPECT_EQ(sub["odd_metric{i=\"299\"}"][5], std::make_pair(5 * kStep, 299005.0));
}

TEST(DB, SnapshotHoldsBlocksAndHead) {
  std::string dir = FreshDir("snap");
  auto db = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db.ok());
  AppendRange(db->get(), 3, 0, 5 * kHour);
  ASSERT_TRUE((*db)->Compact().ok());
  std::string snap = dir + "/snapshots/s1";
  ASSERT_TRUE((*db)->Snapshot(snap, /*with_head=*/true).ok());
  DBOptions o = TestOptions();
  o.wal_enabled = false;
  auto copy = DB::Open(snap, o);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(QueryAll(copy->get(), 0, 5 * kHour), QueryAll(db->get(), 0, 5 * kHour));
}

TEST(DB, DiskFullFailsCommitsCountsThemAndRecovers) {
  std::string dir = FreshDir("dbfull");
  auto db = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db.ok());
  AppendRange(db->get(), 3, 0, 10 * kStep);
  std::string seg = dir + "/wal/" + WalSegmentName((*db)->wal()->CurrentSegment());
  struct rlimit old;
  getrlimit(RLIMIT_FSIZE, &old);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = old;
  lim.rlim_cur = fs::file_size(seg);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  auto app = (*db)->NewAppender();
  ASSERT_TRUE(app->Append(0, SeriesLabels(0), 10 * kStep, 1).ok());
  auto st = app->Commit();
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, old_handler);
  EXPECT_TRUE(absl::IsUnavailable(st)) << st;
  EXPECT_NE(st.message().find("wal"), std::string::npos);
  EXPECT_EQ((*db)->metrics().append_failures.load(), 1u);
  // Nothing of the failed batch is visible; space is back, appends resume.
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, kHour)), 30u);
  AppendRange(db->get(), 3, 11 * kStep, 12 * kStep);
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, kHour)), 33u);
  db->reset();
  auto db2 = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db2.ok());
  EXPECT_FALSE((*db2)->open_report().wal.corruption);
  EXPECT_EQ(CountSamples(QueryAll(db2->get(), 0, kHour)), 33u);
}

}  // namespace
}  // namespace promlet::tsdb
