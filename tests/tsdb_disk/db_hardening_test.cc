// DB hardening (issue 22): data stamped far in the future (a head sample from an old WAL, a
// block ending in the year 2999) cannot make compaction, head truncation or retention lose the
// present; the data directory lock; a failing WAL is logged once per change of state.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/tsdb_disk/test_util.h"
#include "tsdb/db.h"

namespace promlet::tsdb {
namespace {
namespace fs = std::filesystem;
using testing::CountSamples;
using testing::FreshDir;
using testing::QueryAll;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kStep = 60 * 1000;
// The present data spans [kBase, kBase + 7h) and the tests' wall clock stands at its end.
constexpr int64_t kBase = 1699999200000;  // 2023-11-14, a multiple of 2h
constexpr int64_t kNow = kBase + 7 * kHour;
constexpr int64_t kYear2999 = 32472144000000;  // 2999-01-01
constexpr int64_t kMaxT = std::numeric_limits<int64_t>::max();

DBOptions Options() {
  DBOptions o;
  o.background_compaction = false;
  o.retention.time_ms = 15 * 24 * kHour;  // Prometheus' default: what the 2999 sample broke
  o.now_ms = [] { return kNow; };
  o.log = [](const std::string&) {};
  o.zstd_level = 1;
  return o;
}

// As an older promlet (or a backfill) did: no bound on future timestamps.
DBOptions Unbounded() {
  DBOptions o = Options();
  o.head.max_future_ms = 0;
  return o;
}

model::Labels SeriesLabels(int i) { return model::Labels{{"__name__", "m"}, {"i", std::to_string(i)}}; }

void AppendRange(DB* db, int series, int64_t from, int64_t to) {
  for (int64_t t = from; t < to; t += kStep) {
    auto app = db->NewAppender();
    for (int i = 0; i < series; ++i) {
      ASSERT_TRUE(app->Append(0, SeriesLabels(i), t, double(i + t / kStep)).ok()) << t;
    }
    ASSERT_TRUE(app->Commit().ok());
  }
}

void AppendFuture(DB* db) {
  auto app = db->NewAppender();
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "future"}}, kYear2999, 42).ok());
  ASSERT_TRUE(app->Commit().ok());
}

TEST(DBFutureData, FutureAppendIsRefusedAndCompactionKeepsEverything) {
  std::string dir = FreshDir("future_refused");
  auto db = DB::Open(dir, Options());
  ASSERT_TRUE(db.ok()) << db.status();
  AppendRange(db->get(), 3, kBase, kBase + 7 * kHour);
  auto app = (*db)->NewAppender();
  auto r = app->Append(0, model::Labels{{"__name__", "future"}}, kYear2999, 42);
  EXPECT_TRUE(storage::IsOutOfBounds(r.status())) << r.status();
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE((*db)->Compact().ok());
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, kMaxT)), 3u * 420);
  EXPECT_EQ((*db)->metrics().blocks_deleted_by_retention.load(), 0u);
  AppendRange(db->get(), 3, kNow, kNow + 10 * kStep);
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, kMaxT)), 3u * 430);
}

TEST(DBFutureData, FutureSampleFromAnOldWalDoesNotTruncateThePresentOrExpireBlocks) {
  std::string dir = FreshDir("future_wal");
  {
    auto db = DB::Open(dir, Unbounded());
    ASSERT_TRUE(db.ok()) << db.status();
    AppendRange(db->get(), 3, kBase, kBase + 7 * kHour);
    AppendFuture(db->get());
  }
  auto db = DB::Open(dir, Options());
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->head()->MaxTime(), kYear2999);
  ASSERT_TRUE((*db)->Compact().ok());
  // Cut by the present only: blocks end before now; the head keeps the last hours and 2999.
  ASSERT_GE((*db)->Blocks().size(), 2u);
  for (const auto& m : (*db)->Blocks()) EXPECT_LE(m.max_time, kNow);
  EXPECT_EQ((*db)->head()->MaxTime(), kYear2999);
  EXPECT_EQ((*db)->metrics().blocks_deleted_by_retention.load(), 0u);
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, kMaxT)), 3u * 420 + 1);
  // Ingestion continues at the present.
  AppendRange(db->get(), 3, kNow, kNow + 10 * kStep);
  ASSERT_TRUE((*db)->Compact().ok());
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, kMaxT)), 3u * 430 + 1);
  db->reset();
  auto again = DB::Open(dir, Options());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(CountSamples(QueryAll(again->get(), 0, kMaxT)), 3u * 430 + 1);
}

TEST(DBFutureData, BlockEndingInTheFutureIsKeptButSteersNothing) {
  std::string dir = FreshDir("future_block");
  size_t present_blocks = 0;
  {
    auto db = DB::Open(dir, Options());
    ASSERT_TRUE(db.ok()) << db.status();
    AppendRange(db->get(), 3, kBase, kBase + 7 * kHour);
    ASSERT_TRUE((*db)->Compact().ok());
    ASSERT_GE((*db)->Blocks().size(), 2u);
    present_blocks = (*db)->Blocks().size();
  }
  // A block holding only the 2999 sample, made by an unbounded DB's snapshot, moved in.
  std::string src = FreshDir("future_block_src");
  std::string snap = src + "_snap";
  fs::remove_all(snap);
  {
    auto db = DB::Open(src, Unbounded());
    ASSERT_TRUE(db.ok()) << db.status();
    AppendFuture(db->get());
    ASSERT_TRUE((*db)->Snapshot(snap, /*with_head=*/true).ok());
  }
  int moved = 0;
  for (const auto& e : fs::directory_iterator(snap)) {
    fs::rename(e.path(), fs::path(dir) / e.path().filename());
    ++moved;
  }
  ASSERT_EQ(moved, 1);

  std::vector<std::string> logs;
  DBOptions o = Options();
  o.log = [&logs](const std::string& m) { logs.push_back(m); };
  auto db = DB::Open(dir, o);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_EQ((*db)->Blocks().size(), present_blocks + 1)
      << ::testing::PrintToString(logs)
      << ::testing::PrintToString((*db)->open_report().skipped_blocks);
  // The head was not truncated to the year 2999: the WAL's 4h..7h samples are there.
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, kMaxT)), 3u * 420 + 1);
  AppendRange(db->get(), 3, kNow, kNow + 10 * kStep);
  ASSERT_TRUE((*db)->Compact().ok());
  EXPECT_EQ((*db)->metrics().blocks_deleted_by_retention.load(), 0u);
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, kMaxT)), 3u * 430 + 1);
  int warned = 0;
  for (const auto& m : logs) warned += m.find("beyond now") != std::string::npos;
  EXPECT_EQ(warned, 1);  // once per block, not per compaction
}

TEST(DBLock, SecondOpenOfTheSameDirFailsNamingTheHoldersPid) {
  std::string dir = FreshDir("lock");
  auto first = DB::Open(dir, Options());
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = DB::Open(dir, Options());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  const std::string msg(second.status().message());
  EXPECT_NE(msg.find("pid " + std::to_string(getpid())), std::string::npos) << msg;
  EXPECT_NE(msg.find(dir + "/lock"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--storage.tsdb.no-lockfile"), std::string::npos) << msg;
  first->reset();  // releases the lock
  auto third = DB::Open(dir, Options());
  EXPECT_TRUE(third.ok()) << third.status();
}

TEST(DBLock, NoLockfileOpensBothAndCreatesNoLockFile) {
  std::string dir = FreshDir("nolock");
  DBOptions o = Options();
  o.no_lockfile = true;
  auto first = DB::Open(dir, o);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = DB::Open(dir, o);
  EXPECT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(fs::exists(dir + "/lock"));
}

TEST(DBWalFailure, LoggedOncePerChangeOfStateWithPathAndBytes) {
  std::string dir = FreshDir("walfail");
  std::vector<std::string> logs;
  DBOptions o = Options();
  o.log = [&logs](const std::string& m) { logs.push_back(m); };
  auto db = DB::Open(dir, o);
  ASSERT_TRUE(db.ok()) << db.status();
  AppendRange(db->get(), 3, 0, 10 * kStep);
  const uint64_t failures_before = (*db)->wal()->metrics().write_failures.load();
  // The injected failure: the WAL segment may not grow (EFBIG, as a full disk gives ENOSPC).
  std::string seg = dir + "/wal/" + WalSegmentName((*db)->wal()->CurrentSegment());
  struct rlimit old;
  getrlimit(RLIMIT_FSIZE, &old);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = old;
  lim.rlim_cur = fs::file_size(seg);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  for (int i = 0; i < 3; ++i) {
    auto app = (*db)->NewAppender();
    ASSERT_TRUE(app->Append(0, SeriesLabels(0), (10 + i) * kStep, 1).ok());
    EXPECT_FALSE(app->Commit().ok());
  }
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, old_handler);
  EXPECT_EQ((*db)->wal()->metrics().write_failures.load() - failures_before, 3u);
  EXPECT_EQ((*db)->metrics().append_failures.load(), 3u);

  auto count = [&logs](const std::string& what) {
    return std::count_if(logs.begin(), logs.end(),
                         [&](const std::string& m) { return m.find(what) != std::string::npos; });
  };
  ASSERT_EQ(count("WAL write failed"), 1);
  const std::string& failed = *std::find_if(logs.begin(), logs.end(), [](const std::string& m) {
    return m.find("WAL write failed") != std::string::npos;
  });
  EXPECT_NE(failed.find(seg), std::string::npos) << failed;
  EXPECT_NE(failed.find(" bytes"), std::string::npos) << failed;
  EXPECT_EQ(count("ingestion resumed"), 0);

  AppendRange(db->get(), 3, 13 * kStep, 15 * kStep);
  EXPECT_EQ(count("ingestion resumed"), 1);
  EXPECT_EQ(count("WAL write failed"), 1);
}

}  // namespace
}  // namespace promlet::tsdb
