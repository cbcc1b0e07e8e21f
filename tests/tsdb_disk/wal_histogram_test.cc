// Native histograms in the WAL: the record codec (bit-exact, custom buckets, stale markers,
// malformed payloads), replay after a crash (the DB reopened without being closed) sample for
// sample, series changing type within one batch, checkpoints, and a clear error naming the
// segment and offset of an undecodable histogram record.
#include <unistd.h>

#include <bit>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "model/value.h"
#include "tests/tsdb/head_histogram_test_util.h"
#include "tests/tsdb/histogram_chunk_test_util.h"
#include "tsdb/db.h"
#include "tsdb/head.h"
#include "tsdb/wlog/wal.h"
#include "tsdb/wlog/wal_histogram_records.h"

namespace promlet::tsdb {
namespace {
namespace fs = std::filesystem;
namespace mh = ::promlet::model::histogram;
using chunkenc::GenerateTestCustomBucketsHistogram;
using chunkenc::GenerateTestHistogram;
using storage::ValueType;
using testutil::AnySample;

std::string TempDir(const std::string& name) {
  std::string d =
      (fs::temp_directory_path() / ("promlet_walh_" + name + "_" + std::to_string(getpid())))
          .string();
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

struct Collector : WalReplayHandler {
  void OnSeries(absl::Span<const RefSeries> s) override {
    series.insert(series.end(), s.begin(), s.end());
  }
  void OnSamples(absl::Span<const RefSample> s) override {
    for (const auto& x : s) order.push_back({x.ref, x.t, ValueType::kFloat});
  }
  void OnHistograms(absl::Span<const RefHistogramSample> h) override {
    histograms.insert(histograms.end(), h.begin(), h.end());
    for (const auto& x : h) {
      order.push_back({x.ref, x.t, x.h ? ValueType::kHistogram : ValueType::kFloatHistogram});
    }
  }
  struct Seen {
    storage::SeriesRef ref;
    int64_t t;
    ValueType type;
  };
  std::vector<RefSeries> series;
  std::vector<RefHistogramSample> histograms;
  std::vector<Seen> order;
};

TEST(WalHistogramRecords, RoundTripBitExact) {
  std::vector<RefHistogramSample> in;
  mh::Histogram h = GenerateTestHistogram(3);
  h.counter_reset_hint = mh::CounterResetHint::kGauge;
  in.push_back({5, -7, std::make_shared<mh::Histogram>(h), nullptr});
  mh::Histogram stale;
  stale.sum = std::bit_cast<double>(model::kStaleNaNBits);
  in.push_back({9, 1000, std::make_shared<mh::Histogram>(stale), nullptr});
  in.push_back({2, 2000, std::make_shared<mh::Histogram>(GenerateTestCustomBucketsHistogram(1)),
                nullptr});
  mh::FloatHistogram fh = GenerateTestHistogram(4).ToFloat();
  fh.sum = -0.0;
  fh.positive_buckets[0] = 0.1;
  in.push_back({5, 3000, nullptr, std::make_shared<mh::FloatHistogram>(fh)});
  in.push_back({6, 4000, nullptr,
                std::make_shared<mh::FloatHistogram>(GenerateTestCustomBucketsHistogram(2).ToFloat())});

  std::string ints, floats;
  EncodeHistogramSamplesRecord(in, &ints);
  EncodeFloatHistogramSamplesRecord(in, &floats);
  std::vector<RefHistogramSample> out;
  ASSERT_TRUE(DecodeHistogramSamplesRecord(ints, &out).ok());
  ASSERT_TRUE(DecodeFloatHistogramSamplesRecord(floats, &out).ok());
  ASSERT_EQ(out.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].ref, in[i].ref);
    EXPECT_EQ(out[i].t, in[i].t);
    ASSERT_NE(out[i].h, nullptr);
    EXPECT_TRUE(out[i].h->Equals(*in[i].h)) << i << " " << out[i].h->String();
    EXPECT_EQ(out[i].h->counter_reset_hint, in[i].h->counter_reset_hint);
  }
  EXPECT_TRUE(model::IsStaleNaN(out[1].h->sum));
  for (int i = 3; i < 5; ++i) {
    ASSERT_NE(out[i].fh, nullptr);
    EXPECT_TRUE(out[i].fh->Equals(*in[i].fh)) << i;
  }
  EXPECT_TRUE(std::signbit(out[3].fh->sum));

  // Every truncation of a record is refused, and adds nothing.
  for (size_t cut = 0; cut < ints.size(); ++cut) {
    std::vector<RefHistogramSample> part;
    EXPECT_FALSE(DecodeHistogramSamplesRecord(ints.substr(0, cut), &part).ok()) << cut;
    EXPECT_TRUE(part.empty());
  }
  for (size_t cut = 0; cut < floats.size(); ++cut) {
    std::vector<RefHistogramSample> part;
    EXPECT_FALSE(DecodeFloatHistogramSamplesRecord(floats.substr(0, cut), &part).ok()) << cut;
  }
}

DBOptions TestOptions() {
  DBOptions o;
  o.background_compaction = false;
  o.no_lockfile = true;  // the "crashed" DB is never closed and keeps its lock
  o.now_ms = [] { return int64_t{10'000'000}; };
  o.log = [](const std::string&) {};
  return o;
}

std::vector<AnySample> Series(storage::Queryable& q, const std::string& name) {
  auto qr = q.NewQuerier(INT64_MIN, INT64_MAX);
  EXPECT_TRUE(qr.ok());
  return testutil::SelectOne(**qr, name);
}

void ExpectSame(const std::vector<AnySample>& got, const std::vector<AnySample>& want,
                const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].t, want[i].t) << what << " " << i;
    ASSERT_EQ(got[i].type, want[i].type) << what << " " << i;
    if (want[i].type == ValueType::kFloat) {
      EXPECT_EQ(std::bit_cast<uint64_t>(got[i].v), std::bit_cast<uint64_t>(want[i].v));
    } else {
      EXPECT_TRUE(got[i].fh.Equals(want[i].fh)) << what << " " << i << ": " << got[i].fh.String();
      EXPECT_EQ(got[i].fh.counter_reset_hint, want[i].fh.counter_reset_hint) << what << " " << i;
    }
    if (want[i].type == ValueType::kHistogram) {
      EXPECT_TRUE(got[i].h.Equals(want[i].h)) << what << " " << i;
    }
  }
}

TEST(WalHistogramReplay, CrashedDbReplaysHistogramsSampleForSample) {
  std::string dir = TempDir("crash");
  const std::vector<std::string> names = {"ints", "floats", "custom", "mixed", "stale"};
  std::map<std::string, std::vector<AnySample>> before;
  // The "crashed" DB stays open (no Close, no final sync, no compaction) while a second DB
  // opens the same directory, as after kill -9; it is only destroyed at the end of the test.
  std::unique_ptr<DB> crashed;
  {
    auto db = DB::Open(dir, TestOptions());
    ASSERT_TRUE(db.ok()) << db.status();
    const int64_t t0 = 9'000'000;
    for (int i = 0; i < 150; ++i) {
      auto app = (*db)->NewAppender();
      const int64_t t = t0 + 1000 * i;
      mh::Histogram h = GenerateTestHistogram(i % 60);  // counter resets every 60 samples
      ASSERT_TRUE(app->AppendHistogram(0, {{"__name__", "ints"}}, t, &h, nullptr).ok());
      mh::FloatHistogram fh = GenerateTestHistogram(i).ToFloat();
      fh.sum += 0.5;
      ASSERT_TRUE(app->AppendHistogram(0, {{"__name__", "floats"}}, t, nullptr, &fh).ok());
      mh::Histogram c = GenerateTestCustomBucketsHistogram(i);
      ASSERT_TRUE(app->AppendHistogram(0, {{"__name__", "custom"}}, t, &c, nullptr).ok());
      // One series changing type inside the batch: float, histogram, float.
      ASSERT_TRUE(app->Append(0, {{"__name__", "mixed"}}, t, i).ok());
      mh::Histogram m = GenerateTestHistogram(i);
      ASSERT_TRUE(app->AppendHistogram(0, {{"__name__", "mixed"}}, t + 300, &m, nullptr).ok());
      ASSERT_TRUE(app->Append(0, {{"__name__", "mixed"}}, t + 600, -i).ok());
      if (i % 10 == 9) {
        ASSERT_TRUE(app->Append(0, {{"__name__", "stale"}}, t,
                                std::bit_cast<double>(model::kStaleNaNBits))
                        .ok());
      } else {
        mh::Histogram s = GenerateTestHistogram(i);
        ASSERT_TRUE(app->AppendHistogram(0, {{"__name__", "stale"}}, t, &s, nullptr).ok());
      }
      ASSERT_TRUE(app->Commit().ok());
    }
    for (const auto& n : names) before[n] = Series(**db, n);
    crashed = std::move(*db);
  }
  ASSERT_EQ(before["ints"].size(), 150u);
  ASSERT_EQ(before["mixed"].size(), 450u);
  EXPECT_EQ(before["stale"][9].type, ValueType::kHistogram);
  auto db = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_FALSE((*db)->open_report().wal.corruption);
  // Every sample of the five series is a histogram (the float stale markers of "stale" became
  // histogram stale markers), except the 300 floats of "mixed".
  EXPECT_EQ((*db)->open_report().wal.histogram_samples, 150u * 5);
  for (const auto& n : names) ExpectSame(Series(**db, n), before[n], n);
  EXPECT_EQ((*db)->head()->Stats().histogram_samples_appended, 150u * 5);
  EXPECT_EQ((*db)->head()->Stats().samples_appended, 300u);
}

TEST(WalHistogramReplay, UndecodableHistogramRecordIsReportedWithSegmentAndOffset) {
  std::string dir = TempDir("bad");
  uint64_t good_bytes = 0;
  std::string bad_segment;
  {
    auto wal = Wal::Open(dir);
    ASSERT_TRUE(wal.ok());
    std::vector<RefSeries> s = {{1, model::Labels{{"__name__", "h"}}}};
    std::vector<RefHistogramSample> hs = {
        {1, 10, std::make_shared<mh::Histogram>(GenerateTestHistogram(1)), nullptr}};
    ASSERT_TRUE((*wal)->LogBatch(s, {}, hs).ok());
    bad_segment = WalSegmentName((*wal)->CurrentSegment());
    good_bytes = fs::file_size(dir + "/" + bad_segment);
    // A well-framed record (good checksum) whose histogram payload is cut short.
    std::string payload, framed;
    EncodeHistogramSamplesRecord(hs, &payload);
    payload.resize(payload.size() - 3);
    AppendFramedRecord(payload, &framed);
    std::ofstream(dir + "/" + WalSegmentName((*wal)->CurrentSegment()),
                  std::ios::binary | std::ios::app)
        .write(framed.data(), static_cast<std::streamsize>(framed.size()));
    std::vector<RefHistogramSample> more = {
        {1, 20, std::make_shared<mh::Histogram>(GenerateTestHistogram(2)), nullptr}};
    ASSERT_TRUE((*wal)->CutSegment().ok());
    ASSERT_TRUE((*wal)->LogBatch({}, {}, more).ok());
  }
  Collector c;
  auto rep = ReadWal(dir, &c);
  ASSERT_TRUE(rep.ok()) << rep.status();
  EXPECT_TRUE(rep->corruption);
  EXPECT_EQ(rep->damaged_offset, good_bytes);
  ASSERT_FALSE(rep->warnings.empty());
  EXPECT_NE(rep->warnings[0].find(bad_segment), std::string::npos) << rep->warnings[0];
  EXPECT_NE(rep->warnings[0].find("offset " + std::to_string(good_bytes)), std::string::npos)
      << rep->warnings[0];
  // The good records before it and the next segment are replayed.
  ASSERT_EQ(c.histograms.size(), 2u);
  EXPECT_EQ(c.histograms[1].t, 20);
}

TEST(WalHistogramReplay, CheckpointKeepsHistogramsInLogOrder) {
  std::string dir = TempDir("cp");
  auto wal = Wal::Open(dir);
  ASSERT_TRUE(wal.ok());
  std::vector<RefSeries> s = {{1, model::Labels{{"__name__", "m"}}},
                              {2, model::Labels{{"__name__", "gone"}}}};
  ASSERT_TRUE((*wal)->Log(s, {{1, 1, 1.0}, {2, 1, 1.0}}).ok());
  ASSERT_TRUE((*wal)
                  ->LogBatch({}, {},
                             {{1, 2, std::make_shared<mh::Histogram>(GenerateTestHistogram(1)),
                               nullptr},
                              {2, 2, std::make_shared<mh::Histogram>(GenerateTestHistogram(1)),
                               nullptr}})
                  .ok());
  ASSERT_TRUE((*wal)->Log({}, {{1, 3, 3.0}}).ok());
  mh::FloatHistogram fh = GenerateTestHistogram(2).ToFloat();
  ASSERT_TRUE((*wal)->LogBatch({}, {}, {{1, 4, nullptr, std::make_shared<mh::FloatHistogram>(fh)}})
                  .ok());
  auto cut = (*wal)->CutSegment();
  ASSERT_TRUE(cut.ok());
  ASSERT_TRUE((*wal)->Checkpoint(*cut, [](storage::SeriesRef r) { return r == 1; }, 2).ok());
  Collector c;
  ASSERT_TRUE(ReadWal(dir, &c).ok());
  ASSERT_EQ(c.order.size(), 3u);  // t=1 dropped by mint, series 2 dropped
  EXPECT_EQ(c.order[0].t, 2);
  EXPECT_EQ(c.order[0].type, ValueType::kHistogram);
  EXPECT_EQ(c.order[1].t, 3);
  EXPECT_EQ(c.order[1].type, ValueType::kFloat);
  EXPECT_EQ(c.order[2].t, 4);
  EXPECT_EQ(c.order[2].type, ValueType::kFloatHistogram);
  ASSERT_EQ(c.histograms.size(), 2u);
  EXPECT_TRUE(c.histograms[1].fh->Equals(fh));
}

}  // namespace
}  // namespace promlet::tsdb
