// Native histograms in blocks: head -> block compaction and block -> block compaction keep
// every histogram sample (integer, float, gauge, custom buckets, stale markers, a series that
// changes type), tombstones delete histograms as floats, a reopened DB reads them from disk,
// and the block iterator's NextBatch stops before histograms.
#include <unistd.h>

#include <bit>
#include <filesystem>
#include <map>

#include "gtest/gtest.h"
#include "model/value.h"
#include "tests/tsdb/head_histogram_test_util.h"
#include "tests/tsdb/histogram_chunk_test_util.h"
#include "tsdb/block/block.h"
#include "tsdb/block/block_querier.h"
#include "tsdb/db.h"

namespace promlet::tsdb {
namespace {
namespace fs = std::filesystem;
namespace mh = ::promlet::model::histogram;
using chunkenc::GenerateTestCustomBucketsHistogram;
using chunkenc::GenerateTestHistogram;
using storage::ValueType;
using testutil::AnySample;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kStep = 60 * 1000;
constexpr int kSamples = 10 * 60;  // ten hours, one a minute: five 2h blocks

std::string TempDir(const std::string& name) {
  std::string d =
      (fs::temp_directory_path() / ("promlet_blkh_" + name + "_" + std::to_string(getpid())))
          .string();
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

DBOptions Options() {
  DBOptions o;
  o.background_compaction = false;
  o.now_ms = [] { return int64_t{kSamples} * kStep; };
  o.log = [](const std::string&) {};
  return o;
}

AnySample Hist(int64_t t, const mh::Histogram& h) {
  AnySample s;
  s.t = t;
  s.type = ValueType::kHistogram;
  s.h = h;
  s.fh = h.ToFloat();
  return s;
}
AnySample FloatHist(int64_t t, const mh::FloatHistogram& fh) {
  AnySample s;
  s.t = t;
  s.type = ValueType::kFloatHistogram;
  s.fh = fh;
  return s;
}
AnySample Float(int64_t t, double v) {
  AnySample s;
  s.t = t;
  s.type = ValueType::kFloat;
  s.v = v;
  return s;
}

// Appends the test series and returns what each should hold.
std::map<std::string, std::vector<AnySample>> Fill(DB& db) {
  std::map<std::string, std::vector<AnySample>> want;
  const double stale = std::bit_cast<double>(model::kStaleNaNBits);
  for (int i = 0; i < kSamples; ++i) {
    const int64_t t = int64_t{i} * kStep;
    auto app = db.NewAppender();
    auto add_h = [&](const std::string& name, const mh::Histogram& h) {
      EXPECT_TRUE(app->AppendHistogram(0, {{"__name__", name}}, t, &h, nullptr).ok()) << name;
      want[name].push_back(Hist(t, h));
    };
    add_h("ints", GenerateTestHistogram(i % 97));  // counter resets now and then
    mh::Histogram g = GenerateTestHistogram((i * 7) % 13);
    g.counter_reset_hint = mh::CounterResetHint::kGauge;
    add_h("gauge", g);
    add_h("custom", GenerateTestCustomBucketsHistogram(i));
    mh::FloatHistogram fh = GenerateTestHistogram(i).ToFloat();
    fh.sum = 0.1 * i;
    EXPECT_TRUE(app->AppendHistogram(0, {{"__name__", "floats"}}, t, nullptr, &fh).ok());
    want["floats"].push_back(FloatHist(t, fh));
    if ((i / 50) % 2 == 0) {  // "mixed" switches type every 50 samples
      EXPECT_TRUE(app->Append(0, {{"__name__", "mixed"}}, t, i).ok());
      want["mixed"].push_back(Float(t, i));
    } else if (i % 50 == 49) {
      EXPECT_TRUE(app->Append(0, {{"__name__", "mixed"}}, t, stale).ok());  // a histogram marker
      mh::Histogram m;
      m.sum = stale;
      want["mixed"].push_back(Hist(t, m));
    } else {
      add_h("mixed", GenerateTestHistogram(i));
    }
    EXPECT_TRUE(app->Commit().ok());
  }
  return want;
}

std::vector<AnySample> Select(storage::Queryable& q, const std::string& name,
                              int64_t mint = INT64_MIN, int64_t maxt = INT64_MAX) {
  auto qr = q.NewQuerier(mint, maxt);
  EXPECT_TRUE(qr.ok());
  return testutil::SelectOne(**qr, name);
}

void ExpectSame(const std::vector<AnySample>& got, const std::vector<AnySample>& want,
                const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(got[i].t, want[i].t) << what << " " << i;
    ASSERT_EQ(got[i].type, want[i].type) << what << " " << i;
    if (want[i].type == ValueType::kFloat) {
      EXPECT_EQ(std::bit_cast<uint64_t>(got[i].v), std::bit_cast<uint64_t>(want[i].v)) << what;
      continue;
    }
    EXPECT_TRUE(got[i].fh.Equals(want[i].fh)) << what << " " << i << ": " << got[i].fh.String()
                                              << " want " << want[i].fh.String();
    if (want[i].type == ValueType::kHistogram) {
      EXPECT_TRUE(got[i].h.Equals(want[i].h)) << what << " " << i;
    }
  }
}

TEST(BlockHistograms, HeadAndBlockCompactionKeepEverySample) {
  std::string dir = TempDir("compact");
  std::map<std::string, std::vector<AnySample>> want;
  {
    auto db = DB::Open(dir, Options());
    ASSERT_TRUE(db.ok()) << db.status();
    want = Fill(**db);
    for (int round = 0; round < 4; ++round) ASSERT_TRUE((*db)->Compact().ok());
    std::vector<BlockMeta> blocks = (*db)->Blocks();
    ASSERT_GE(blocks.size(), 1u);
    int max_level = 0;
    for (const auto& b : blocks) max_level = std::max(max_level, b.compaction_level);
    EXPECT_GE(max_level, 2) << "no block -> block compaction ran";
    for (const auto& [name, samples] : want) ExpectSame(Select(**db, name), samples, name);
  }
  // Reopened: the blocks are read from disk.
  auto db = DB::Open(dir, Options());
  ASSERT_TRUE(db.ok()) << db.status();
  for (const auto& [name, samples] : want) ExpectSame(Select(**db, name), samples, name);
}

TEST(BlockHistograms, TombstonesDeleteHistogramsAndSurviveCompaction) {
  std::string dir = TempDir("tomb");
  auto db = DB::Open(dir, Options());
  ASSERT_TRUE(db.ok()) << db.status();
  std::map<std::string, std::vector<AnySample>> want = Fill(**db);
  ASSERT_TRUE((*db)->Compact().ok());
  ASSERT_FALSE((*db)->Blocks().empty());
  const int64_t from = 1 * kHour + 30 * kStep, to = 3 * kHour;  // across a block boundary
  ASSERT_TRUE((*db)->Delete({model::Matcher::MustMake(model::MatchType::kEqual, "__name__", "ints")},
                            from, to)
                  .ok());
  std::vector<AnySample> kept;
  for (const AnySample& s : want["ints"]) {
    if (s.t < from || s.t > to) kept.push_back(s);
  }
  ExpectSame(Select(**db, "ints"), kept, "ints after delete");
  for (int round = 0; round < 4; ++round) ASSERT_TRUE((*db)->Compact().ok());
  ExpectSame(Select(**db, "ints"), kept, "ints after delete and compaction");
  ExpectSame(Select(**db, "floats"), want["floats"], "floats untouched");
}

TEST(BlockHistograms, BlockIteratorNextBatchStopsBeforeHistograms) {
  std::string dir = TempDir("batch");
  std::map<std::string, std::vector<AnySample>> want;
  std::string block_dir;
  {
    auto db = DB::Open(dir, Options());
    ASSERT_TRUE(db.ok()) << db.status();
    want = Fill(**db);
    ASSERT_TRUE((*db)->Compact().ok());
    ASSERT_FALSE((*db)->Blocks().empty());
    block_dir = dir + "/" + (*db)->Blocks().front().ulid;
  }
  auto block = Block::Open(block_dir);
  ASSERT_TRUE(block.ok()) << block.status();
  BlockQuerier q(*block, INT64_MIN, INT64_MAX);
  auto set = q.Select({model::Matcher::MustMake(model::MatchType::kEqual, "__name__", "mixed")});
  ASSERT_TRUE(set->Next());
  auto it = set->At().Iterator();
  // Walk the series with NextBatch (and Next past each histogram), rebuilding what it holds.
  std::vector<AnySample> got;
  int64_t ts[32];
  double vs[32];
  for (;;) {
    size_t n = it->NextBatch(ts, vs, 32);
    for (size_t i = 0; i < n; ++i) got.push_back(Float(ts[i], vs[i]));
    if (n > 0) continue;
    if (!it->StoppedAtHistogram()) break;
    ASSERT_EQ(it->Type(), ValueType::kHistogram);
    mh::Histogram h;
    it->AtHistogram(&h);
    got.push_back(Hist(it->T(), h));
  }
  ASSERT_TRUE(it->status().ok()) << it->status();
  const int64_t maxt = (*block)->meta().max_time;
  std::vector<AnySample> in_block;
  for (const AnySample& s : want["mixed"]) {
    if (s.t < maxt) in_block.push_back(s);
  }
  ASSERT_GT(in_block.size(), 100u);
  ExpectSame(got, in_block, "mixed via NextBatch");
}

}  // namespace
}  // namespace promlet::tsdb
