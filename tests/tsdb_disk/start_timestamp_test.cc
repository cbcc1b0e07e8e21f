// Start timestamps (st-storage) in the storage: the chunk's ST column (builder and reader),
// the head (per-sample STs across chunk cuts, floats and histograms, series without STs keep
// no column, the feature switch), the WAL (records, replay after a crash, checkpoints, a bad
// record named by segment and offset) and blocks (head and block compaction, tombstones,
// no file without STs, a damaged file named at open).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "gtest/gtest.h"
#include "tests/tsdb_disk/test_util.h"
#include "tsdb/block/block.h"
#include "tsdb/chunkenc/st_column.h"
#include "tsdb/db.h"
#include "tsdb/head.h"
#include "tsdb/wlog/wal.h"

namespace promlet::tsdb {
namespace {
namespace fs = std::filesystem;

struct STSample {
  int64_t t;
  double v;
  int64_t st;
  bool histogram;
  bool operator==(const STSample&) const = default;
};

// Every sample of the series named `name`, with its ST.
std::vector<STSample> Read(storage::Queryable& q, const std::string& name, bool* may_have_st) {
  std::vector<STSample> out;
  auto querier =
      q.NewQuerier(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(querier.ok());
  auto set =
      (*querier)->Select({model::Matcher::MustMake(model::MatchType::kEqual, "__name__", name)});
  while (set->Next()) {
    auto it = set->At().Iterator();
    if (may_have_st != nullptr) *may_have_st = it->MayHaveST();
    while (it->Next()) {
      const bool h = it->Type() != storage::ValueType::kFloat;
      out.push_back({it->T(), h ? 0 : it->V(), it->ST(), h});
    }
    EXPECT_TRUE(it->status().ok());
  }
  return out;
}

// The ST the tests give sample i at t: none for every third sample, else a mix of cumulative
// (a fixed start) and delta (the previous sample) styles.
int64_t STFor(int i, int64_t t) {
  if (i % 3 == 0) return 0;
  return i % 2 == 0 ? 1000 : t - 15000;
}

TEST(StColumn, RoundTripWithLeadingSamplesWithoutST) {
  chunkenc::StColumnBuilder b;
  b.Add(0, 10, 0);
  EXPECT_TRUE(b.bytes().empty());  // no ST so far: no column
  b.Add(2, 30, 25);                // samples before the first ST may be left out
  b.Add(3, 40, 0);
  b.Add(4, 50, 50);      // ST == t
  b.Add(5, 60, 70);      // ST after t (invalid, still stored)
  b.Add(6, 70, -5'000);  // far before
  const std::string col = b.Finish();
  EXPECT_TRUE(b.bytes().empty());
  chunkenc::StColumnReader r(col);
  const int64_t ts[] = {10, 20, 30, 40, 50, 60, 70};
  const int64_t want[] = {0, 0, 25, 0, 50, 70, -5'000};
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(r.Next(ts[i]), want[i]) << i;
  EXPECT_EQ(r.Next(80), 0);  // past the end: none
}

TEST(HeadStartTimestamps, FloatsAndHistogramsKeepTheirSTAcrossChunkCuts) {
  HeadOptions o;
  o.store_start_timestamps = true;
  o.samples_per_chunk = 7;  // many cuts, including one in the middle of every pattern
  Head head(o);
  std::vector<STSample> want, want_h;
  model::histogram::FloatHistogram fh;
  fh.schema = 0;
  for (int i = 0; i < 40; ++i) {
    const int64_t t = 100'000 + 15'000 * i;
    auto app = head.NewAppender();
    ASSERT_TRUE(app->AppendWithST(0, {{"__name__", "f"}}, STFor(i, t), t, i).ok());
    fh.count = i;
    fh.sum = i;
    ASSERT_TRUE(
        app->AppendHistogramWithST(0, {{"__name__", "h"}}, STFor(i + 1, t), t, nullptr, &fh).ok());
    ASSERT_TRUE(app->Append(0, {{"__name__", "plain"}}, t, i).ok());
    ASSERT_TRUE(app->Commit().ok());
    want.push_back({t, static_cast<double>(i), STFor(i, t), false});
    want_h.push_back({t, 0, STFor(i + 1, t), true});
  }
  bool may = false;
  EXPECT_EQ(Read(head, "f", &may), want);
  EXPECT_TRUE(may);
  EXPECT_EQ(Read(head, "h", &may), want_h);
  EXPECT_TRUE(may);
  // A series that never had an ST keeps no column: its iterator keeps the batch path.
  const auto plain = Read(head, "plain", &may);
  EXPECT_FALSE(may);
  ASSERT_EQ(plain.size(), 40u);
  for (const auto& s : plain) EXPECT_EQ(s.st, 0);
  auto cs = head.ChunkSeries(std::numeric_limits<int64_t>::min(),
                             std::numeric_limits<int64_t>::max(), true);
  int plain_chunks = 0;
  while (cs->Next()) {
    const bool is_plain = cs->labels().Get("__name__") == "plain";
    for (const auto& c : cs->chunks()) {
      if (is_plain) {
        EXPECT_TRUE(c->st.empty());
        ++plain_chunks;
      } else {
        // Every chunk of the ST series has a sample with an ST: one entry per sample.
        EXPECT_FALSE(c->st.empty());
      }
    }
  }
  EXPECT_GT(plain_chunks, 4);
}

TEST(HeadStartTimestamps, WithoutStStorageTheyAreDropped) {
  Head head;  // st-storage off (Prometheus' default)
  auto app = head.NewAppender();
  ASSERT_TRUE(app->AppendWithST(0, {{"__name__", "f"}}, 500, 1000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  bool may = true;
  EXPECT_EQ(Read(head, "f", &may), (std::vector<STSample>{{1000, 1, 0, false}}));
  EXPECT_FALSE(may);
}

DBOptions STOptions() {
  DBOptions o;
  o.background_compaction = false;
  o.retention.time_ms = 0;
  o.now_ms = [] { return int64_t{1700000000000}; };
  o.log = [](const std::string&) {};
  o.head.store_start_timestamps = true;
  o.no_lockfile = true;  // the "crashed" DB is never closed and keeps its lock
  return o;
}

TEST(WalStartTimestamps, CrashedDbReplaysSTsSampleForSample) {
  const std::string dir = testing::FreshDir("st_crash");
  std::unique_ptr<DB> crashed;  // stays open, as after kill -9, until the test ends
  std::vector<STSample> before_f, before_h;
  {
    auto db = DB::Open(dir, STOptions());
    ASSERT_TRUE(db.ok()) << db.status();
    model::histogram::FloatHistogram fh;
    for (int i = 0; i < 300; ++i) {
      const int64_t t = 1'699'990'000'000 + 10'000 * i;
      auto app = (*db)->NewAppender();
      ASSERT_TRUE(app->AppendWithST(0, {{"__name__", "f"}}, STFor(i, t), t, i).ok());
      ASSERT_TRUE(app->Append(0, {{"__name__", "plain"}}, t, i).ok());
      fh.count = i;
      ASSERT_TRUE(
          app->AppendHistogramWithST(0, {{"__name__", "h"}}, STFor(i + 2, t), t, nullptr, &fh)
              .ok());
      ASSERT_TRUE(app->Commit().ok());
    }
    before_f = Read(**db, "f", nullptr);
    before_h = Read(**db, "h", nullptr);
    crashed = std::move(*db);
  }
  ASSERT_EQ(before_f.size(), 300u);
  auto db = DB::Open(dir, STOptions());
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_FALSE((*db)->open_report().wal.corruption);
  EXPECT_EQ((*db)->open_report().wal.start_timestamps, 200u * 2);  // every third has none
  EXPECT_EQ(Read(**db, "f", nullptr), before_f);
  EXPECT_EQ(Read(**db, "h", nullptr), before_h);
  bool may = true;
  EXPECT_EQ(Read(**db, "plain", &may).size(), 300u);
  EXPECT_FALSE(may);
}

struct STCollector : WalReplayHandler {
  void OnSeries(absl::Span<const RefSeries>) override {}
  void OnSamples(absl::Span<const RefSample> s) override {
    for (const auto& x : s) order.push_back("s" + std::to_string(x.t));
  }
  void OnStartTimestamps(absl::Span<const RefStartTimestamp> s) override {
    for (const auto& x : s) {
      order.push_back("st" + std::to_string(x.t) + "=" + std::to_string(x.st));
      sts.push_back(x);
    }
  }
  std::vector<std::string> order;
  std::vector<RefStartTimestamp> sts;
};

TEST(WalStartTimestamps, CheckpointKeepsSTsBeforeTheirSamples) {
  const std::string dir = testing::FreshDir("st_cp");
  auto wal = Wal::Open(dir);
  ASSERT_TRUE(wal.ok());
  std::vector<RefSeries> s = {{1, model::Labels{{"__name__", "m"}}},
                              {2, model::Labels{{"__name__", "gone"}}}};
  ASSERT_TRUE(
      (*wal)->LogBatchWithST(s, {{1, 1, 1.0}, {2, 1, 1.0}}, {}, {{1, 1, -5}, {2, 1, -5}}).ok());
  ASSERT_TRUE((*wal)->LogBatchWithST({}, {{1, 2, 2.0}, {2, 2, 2.0}}, {}, {{1, 2, 1}}).ok());
  ASSERT_TRUE((*wal)->Log({}, {{1, 3, 3.0}}).ok());
  auto cut = (*wal)->CutSegment();
  ASSERT_TRUE(cut.ok());
  ASSERT_TRUE((*wal)
                  ->Checkpoint(
                      *cut, [](storage::SeriesRef r) { return r == 1; }, 2)
                  .ok());
  STCollector c;
  ASSERT_TRUE(ReadWal(dir, &c).ok());
  EXPECT_EQ(c.order, (std::vector<std::string>{"st2=1", "s2", "s3"}));
}

TEST(WalStartTimestamps, UndecodableRecordIsReportedWithSegmentAndOffset) {
  const std::string dir = testing::FreshDir("st_bad");
  uint64_t good_bytes = 0;
  std::string segment;
  {
    auto wal = Wal::Open(dir);
    ASSERT_TRUE(wal.ok());
    ASSERT_TRUE((*wal)
                    ->LogBatchWithST({{1, model::Labels{{"__name__", "m"}}}}, {{1, 10, 1.0}}, {},
                                     {{1, 10, 5}})
                    .ok());
    segment = WalSegmentName((*wal)->CurrentSegment());
    good_bytes = fs::file_size(dir + "/" + segment);
    std::string payload, framed;
    EncodeStartTimestampsRecord({{1, 20, 15}}, &payload);
    payload.resize(payload.size() - 1);  // well framed, cut short inside
    AppendFramedRecord(payload, &framed);
    std::ofstream(dir + "/" + segment, std::ios::binary | std::ios::app)
        .write(framed.data(), static_cast<std::streamsize>(framed.size()));
  }
  STCollector c;
  auto rep = ReadWal(dir, &c);
  ASSERT_TRUE(rep.ok()) << rep.status();
  EXPECT_TRUE(rep->corruption || rep->torn_tail);
  EXPECT_EQ(rep->damaged_offset, good_bytes);
  ASSERT_FALSE(rep->warnings.empty());
  EXPECT_NE(rep->warnings[0].find(segment), std::string::npos) << rep->warnings[0];
  EXPECT_NE(rep->warnings[0].find("offset " + std::to_string(good_bytes)), std::string::npos)
      << rep->warnings[0];
  EXPECT_EQ(c.order, (std::vector<std::string>{"st10=5", "s10"}));
}

// Ten hours, one sample a minute: the head compacts into 2h blocks, which merge further.
DBOptions BlockOptions() {
  DBOptions o;
  o.background_compaction = false;
  o.now_ms = [] { return int64_t{600} * 60'000; };
  o.log = [](const std::string&) {};
  o.head.store_start_timestamps = true;
  return o;
}

TEST(BlockStartTimestamps, HeadAndBlockCompactionKeepSTsTombstonesToo) {
  const std::string dir = testing::FreshDir("st_blocks");
  std::vector<STSample> want_f, want_h;
  {
    auto db = DB::Open(dir, BlockOptions());
    ASSERT_TRUE(db.ok()) << db.status();
    model::histogram::FloatHistogram fh;
    for (int i = 0; i < 600; ++i) {
      const int64_t t = 60'000 * i;
      auto app = (*db)->NewAppender();
      ASSERT_TRUE(app->AppendWithST(0, {{"__name__", "f"}}, STFor(i, t), t, i).ok());
      fh.count = i;
      ASSERT_TRUE(
          app->AppendHistogramWithST(0, {{"__name__", "h"}}, STFor(i + 1, t), t, nullptr, &fh)
              .ok());
      ASSERT_TRUE(app->Append(0, {{"__name__", "plain"}}, t, i).ok());
      ASSERT_TRUE(app->Commit().ok());
    }
    want_f = Read(**db, "f", nullptr);
    want_h = Read(**db, "h", nullptr);
    ASSERT_EQ(want_f.size(), 600u);
    for (int round = 0; round < 4; ++round) ASSERT_TRUE((*db)->Compact().ok());
    int max_level = 0;
    for (const auto& b : (*db)->Blocks()) {
      max_level = std::max(max_level, b.compaction_level);
      EXPECT_TRUE(fs::exists(dir + "/" + b.ulid + "/start_timestamps")) << b.ulid;
    }
    EXPECT_GE(max_level, 2) << "no block -> block compaction ran";
    EXPECT_EQ(Read(**db, "f", nullptr), want_f);
    EXPECT_EQ(Read(**db, "h", nullptr), want_h);
    // Deleting samples and compacting again keeps the STs of the others.
    const int64_t from = 90 * 60'000, to = 200 * 60'000;
    ASSERT_TRUE((*db)
                    ->Delete({model::Matcher::MustMake(model::MatchType::kEqual, "__name__", "f")},
                             from, to)
                    .ok());
    std::vector<STSample> kept;
    for (const auto& s : want_f) {
      if (s.t < from || s.t > to) kept.push_back(s);
    }
    want_f = kept;
    for (int round = 0; round < 4; ++round) ASSERT_TRUE((*db)->Compact().ok());
    EXPECT_EQ(Read(**db, "f", nullptr), want_f);
  }
  auto db = DB::Open(dir, BlockOptions());  // the blocks read back from disk
  ASSERT_TRUE(db.ok()) << db.status();
  bool may = false;
  EXPECT_EQ(Read(**db, "f", &may), want_f);
  EXPECT_TRUE(may);
  EXPECT_EQ(Read(**db, "h", nullptr), want_h);
}

TEST(BlockStartTimestamps, BlockWithoutSTsHasNoExtraFile) {
  const std::string dir = testing::FreshDir("st_none");
  auto db = DB::Open(dir, BlockOptions());
  ASSERT_TRUE(db.ok()) << db.status();
  for (int i = 0; i < 600; ++i) {
    auto app = (*db)->NewAppender();
    ASSERT_TRUE(app->Append(0, {{"__name__", "plain"}}, 60'000 * i, i).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  ASSERT_TRUE((*db)->Compact().ok());
  ASSERT_FALSE((*db)->Blocks().empty());
  for (const auto& b : (*db)->Blocks()) {
    EXPECT_FALSE(fs::exists(dir + "/" + b.ulid + "/start_timestamps"));
    ASSERT_EQ(b.files.size(), 2u);  // chunks and index, as before STs existed
  }
  bool may = true;
  EXPECT_EQ(Read(**db, "plain", &may).size(), 600u);
  EXPECT_FALSE(may);
}

TEST(BlockStartTimestamps, DamagedStartTimestampsFileIsNamedAtOpen) {
  const std::string dir = testing::FreshDir("st_damaged");
  std::string block_dir;
  {
    auto db = DB::Open(dir, BlockOptions());
    ASSERT_TRUE(db.ok()) << db.status();
    for (int i = 0; i < 300; ++i) {
      auto app = (*db)->NewAppender();
      ASSERT_TRUE(app->AppendWithST(0, {{"__name__", "f"}}, 1, 60'000 * i + 1, i).ok());
      ASSERT_TRUE(app->Commit().ok());
    }
    ASSERT_TRUE((*db)->Compact().ok());
    ASSERT_FALSE((*db)->Blocks().empty());
    block_dir = dir + "/" + (*db)->Blocks().front().ulid;
  }
  const std::string path = block_dir + "/start_timestamps";
  ASSERT_TRUE(fs::exists(path));
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(path) - 2));
    f.put('\x55');
  }
  auto block = Block::Open(block_dir);
  ASSERT_FALSE(block.ok());
  EXPECT_NE(block.status().ToString().find("start_timestamps"), std::string::npos)
      << block.status();
}

}  // namespace
}  // namespace promlet::tsdb
