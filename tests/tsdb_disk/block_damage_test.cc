// Blocks whose files shrink: truncated under a running DB (no SIGBUS: the read fails, the block
// is reported, counted and skipped, the rest keeps answering) and truncated before open (refused
// with the file and the expected and actual sizes named; the other blocks load). An empty
// tombstones file is no tombstones, not a damaged block.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

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
constexpr int64_t kStep = 5 * 60 * 1000;
constexpr int kSeries = 1000;  // files of several pages, so truncation drops whole mapped pages

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Labels with a long value that compresses badly, so the index spans several pages.
model::Labels SeriesLabels(int i) {
  char pad[40];
  std::snprintf(pad, sizeof(pad), "%016llx%016llx", static_cast<unsigned long long>(SplitMix(i)),
                static_cast<unsigned long long>(SplitMix(i + 1000000)));
  return model::Labels{{"__name__", "m"}, {"i", std::to_string(i)}, {"pad", pad}};
}

DBOptions TestOptions(std::vector<std::string>* logged) {
  DBOptions o;
  o.background_compaction = false;
  o.retention.time_ms = 0;
  o.max_block_range_ms = 2 * kHour;
  o.now_ms = [] { return int64_t{1700000000000}; };
  o.log = [logged](const std::string& s) { logged->push_back(s); };
  o.zstd_level = 1;
  return o;
}

void AppendRange(DB* db, int64_t from, int64_t to) {
  for (int64_t t = from; t < to; t += kStep) {
    auto app = db->NewAppender();
    for (int i = 0; i < kSeries; ++i) {
      // Values that do not compress, so the chunks span several pages too.
      double v = double(SplitMix(uint64_t(t) * kSeries + i) >> 11);
      ASSERT_TRUE(app->Append(0, SeriesLabels(i), t, v).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
  }
}

// A DB with three 2h blocks ([0,2h), [2h,4h), [4h,6h)) and 3h of head.
std::unique_ptr<DB> OpenWithBlocks(const std::string& dir, std::vector<std::string>* logged) {
  auto db = DB::Open(dir, TestOptions(logged));
  EXPECT_TRUE(db.ok()) << db.status();
  AppendRange(db->get(), 0, 9 * kHour);
  EXPECT_TRUE((*db)->Compact().ok());
  EXPECT_EQ((*db)->Blocks().size(), 3u);
  return std::move(*db);
}

std::string OldestBlockDir(DB* db) {
  auto blocks = db->Blocks();
  return db->dir() + "/" + blocks.front().ulid;
}

// Samples of every series in [mint, maxt], and the first error any part of the query reported.
std::pair<size_t, absl::Status> CountWithStatus(DB* db, int64_t mint, int64_t maxt) {
  auto q = db->NewQuerier(mint, maxt);
  if (!q.ok()) return {0, q.status()};
  auto set = (*q)->Select({model::Matcher::MustMake(model::MatchType::kRegexMatch, "__name__", ".+")});
  size_t n = 0;
  absl::Status first;
  while (set->Next()) {
    auto it = set->At().Iterator();
    while (it->Next()) ++n;
    if (first.ok()) first = it->status();
  }
  if (first.ok()) first = set->status();
  return {n, first};
}

void TruncateUnderRunningDb(const std::string& file, bool to_zero) {
  std::vector<std::string> logged;
  std::string dir = FreshDir(std::string("trunc_live_") + file + (to_zero ? "0" : "half"));
  auto db = OpenWithBlocks(dir, &logged);
  const size_t all = 9 * 12 * kSeries;
  ASSERT_EQ(CountSamples(QueryAll(db.get(), 0, 9 * kHour)), all);
  // A fresh DB has nothing cached for the oldest block: reopen it, then cut its file.
  db.reset();
  auto reopened = DB::Open(dir, TestOptions(&logged));
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  db = std::move(*reopened);
  const std::string path = OldestBlockDir(db.get()) + "/" + file;
  const auto size = fs::file_size(path);
  ASSERT_GT(size, 3u * 4096) << path;
  fs::resize_file(path, to_zero ? 0 : (size / 2) / 4096 * 4096);

  auto [n, st] = CountWithStatus(db.get(), 0, 9 * kHour);  // must not crash
  EXPECT_TRUE(absl::IsDataLoss(st)) << st;
  EXPECT_LE(n, all);
  EXPECT_EQ(db->metrics().blocks_damaged.load(), 1u);
  auto damaged = db->DamagedBlocks();
  ASSERT_EQ(damaged.size(), 1u);
  EXPECT_NE(damaged[0].find(path), std::string::npos) << damaged[0];
  EXPECT_TRUE(std::any_of(logged.begin(), logged.end(), [](const std::string& s) {
    return s.find("damaged") != std::string::npos;
  }));
  // The damaged block is skipped from now on; the other blocks and the head answer in full.
  EXPECT_EQ(db->Blocks().size(), 2u);
  auto [rest, st2] = CountWithStatus(db.get(), 0, 9 * kHour);
  EXPECT_TRUE(st2.ok()) << st2;
  EXPECT_EQ(rest, all - 2 * 12 * kSeries);
  // Compaction leaves the damaged block alone.
  EXPECT_TRUE(db->Compact().ok());
}

TEST(BlockTruncation, ChunksCutToHalfUnderRunningDbIsAnErrorNotACrash) {
  TruncateUnderRunningDb("chunks", /*to_zero=*/false);
}
TEST(BlockTruncation, ChunksCutToZeroUnderRunningDbIsAnErrorNotACrash) {
  TruncateUnderRunningDb("chunks", /*to_zero=*/true);
}
TEST(BlockTruncation, IndexCutToHalfUnderRunningDbIsAnErrorNotACrash) {
  TruncateUnderRunningDb("index", /*to_zero=*/false);
}
TEST(BlockTruncation, IndexCutToZeroUnderRunningDbIsAnErrorNotACrash) {
  TruncateUnderRunningDb("index", /*to_zero=*/true);
}

TEST(BlockTruncation, TruncatedBlocksAreRefusedAtOpenNamingFileAndSizes) {
  std::vector<std::string> logged;
  std::string dir = FreshDir("trunc_open");
  std::string chunks_path, index_path;
  uint64_t chunks_size = 0, index_size = 0;
  {
    auto db = OpenWithBlocks(dir, &logged);
    auto blocks = db->Blocks();
    chunks_path = dir + "/" + blocks[0].ulid + "/chunks";
    index_path = dir + "/" + blocks[1].ulid + "/index";
  }
  chunks_size = fs::file_size(chunks_path);
  index_size = fs::file_size(index_path);
  fs::resize_file(chunks_path, chunks_size - 100);
  fs::resize_file(index_path, index_size / 2);
  auto db = DB::Open(dir, TestOptions(&logged));
  ASSERT_TRUE(db.ok()) << db.status();
  const auto& skipped = (*db)->open_report().skipped_blocks;
  ASSERT_EQ(skipped.size(), 2u);
  auto mentions = [&](const std::string& path, uint64_t expected, uint64_t actual) {
    for (const auto& s : skipped) {
      if (s.find(path) != std::string::npos &&
          s.find(std::to_string(expected)) != std::string::npos &&
          s.find(std::to_string(actual)) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(mentions(chunks_path, chunks_size, chunks_size - 100)) << skipped[0] << "\n" << skipped[1];
  EXPECT_TRUE(mentions(index_path, index_size, index_size / 2)) << skipped[0] << "\n" << skipped[1];
  EXPECT_EQ((*db)->Blocks().size(), 1u);
  EXPECT_EQ((*db)->DamagedBlocks().size(), 2u);
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, 9 * kHour)), size_t{(2 + 3) * 12 * kSeries});
}

TEST(BlockDamage, EmptyTombstonesFileIsNoTombstones) {
  std::vector<std::string> logged;
  std::string dir = FreshDir("empty_tomb");
  std::string block;
  {
    auto db = OpenWithBlocks(dir, &logged);
    block = OldestBlockDir(db.get());
  }
  { std::ofstream(block + "/tombstones", std::ios::binary | std::ios::trunc); }
  ASSERT_EQ(fs::file_size(block + "/tombstones"), 0u);
  auto db = DB::Open(dir, TestOptions(&logged));
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE((*db)->open_report().skipped_blocks.empty()) << (*db)->open_report().skipped_blocks[0];
  EXPECT_EQ((*db)->Blocks().size(), 3u);
  EXPECT_EQ(CountSamples(QueryAll(db->get(), 0, 9 * kHour)), size_t{9 * 12 * kSeries});
}

}  // namespace
}  // namespace promlet::tsdb
