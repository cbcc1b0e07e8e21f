// The head with native histograms: Prometheus' head_append.go semantics for AppendHistogram
// (ordering, duplicates, validation, counter resets, gauges, stale markers, type changes),
// atomic visibility, and the querier's iterator over mixed chunks (Type, At*, NextBatch, Seek).
#include <bit>
#include <cmath>
#include <memory>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tests/tsdb/head_histogram_test_util.h"
#include "tests/tsdb/histogram_chunk_test_util.h"
#include "tsdb/chunkenc/histogram_meta.h"
#include "tsdb/head.h"

namespace promlet::tsdb {
namespace {

using chunkenc::GenerateTestHistogram;
using storage::ValueType;
using testutil::AnySample;
using testutil::SelectOne;
namespace mh = ::promlet::model::histogram;

const model::Labels kL{{"__name__", "h"}};

std::vector<AnySample> All(Head& head, const std::string& name = "h", int64_t mint = INT64_MIN,
                           int64_t maxt = INT64_MAX) {
  auto q = head.NewQuerier(mint, maxt);
  EXPECT_TRUE(q.ok());
  return SelectOne(**q, name);
}

std::vector<std::shared_ptr<const chunkenc::ChunkData>> Chunks(Head& head) {
  auto set = head.ChunkSeries(INT64_MIN, INT64_MAX, /*include_open=*/true);
  EXPECT_TRUE(set->Next());
  return set->chunks();
}

mh::Histogram Counter(int64_t i) { return GenerateTestHistogram(i); }

TEST(HeadHistogram, IntegerHistogramsRoundTripAcrossChunksAndSeek) {
  Head head;
  constexpr int kN = 400;  // several chunks by the 1 KiB size target
  for (int i = 0; i < kN; ++i) {
    auto app = head.NewAppender();
    mh::Histogram h = Counter(i);
    ASSERT_TRUE(app->AppendHistogram(0, kL, 1000 * i, &h, nullptr).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  EXPECT_GT(Chunks(head).size(), 2u);
  for (const auto& c : Chunks(head)) EXPECT_EQ(c->encoding, chunkenc::Encoding::kHistogram);
  std::vector<AnySample> got = All(head);
  ASSERT_EQ(got.size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) {
    EXPECT_EQ(got[i].t, 1000 * i);
    ASSERT_EQ(got[i].type, ValueType::kHistogram);
    EXPECT_TRUE(got[i].h.Equals(Counter(i))) << i << ": " << got[i].h.String();
    EXPECT_TRUE(got[i].fh.Equals(Counter(i).ToFloat())) << i;
  }
  // Seek into the middle of a later chunk, then keep going.
  auto q = head.NewQuerier(INT64_MIN, INT64_MAX);
  ASSERT_TRUE(q.ok());
  auto set = (*q)->Select({model::Matcher::MustMake(model::MatchType::kEqual, "__name__", "h")});
  ASSERT_TRUE(set->Next());
  auto it = set->At().Iterator();
  ASSERT_TRUE(it->Seek(300500));
  EXPECT_EQ(it->T(), 301000);
  mh::Histogram h;
  it->AtHistogram(&h);
  EXPECT_TRUE(h.Equals(Counter(301)));
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->T(), 302000);
  EXPECT_TRUE(it->Seek(0));  // already past: stays
  EXPECT_EQ(it->T(), 302000);
  // A range query sees only its window.
  std::vector<AnySample> window = All(head, "h", 5000, 7000);
  ASSERT_EQ(window.size(), 3u);
  EXPECT_EQ(window[0].t, 5000);
  EXPECT_EQ(head.Stats().histogram_samples_appended, static_cast<uint64_t>(kN));
  EXPECT_EQ(head.Stats().samples_appended, 0u);
}

TEST(HeadHistogram, FloatHistogramsRoundTrip) {
  Head head;
  auto app = head.NewAppender();
  for (int i = 0; i < 50; ++i) {
    mh::FloatHistogram fh = Counter(i).ToFloat();
    fh.sum += 0.25;
    ASSERT_TRUE(app->AppendHistogram(0, kL, 10 * i, nullptr, &fh).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  std::vector<AnySample> got = All(head);
  ASSERT_EQ(got.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(got[i].type, ValueType::kFloatHistogram);
    mh::FloatHistogram want = Counter(i).ToFloat();
    want.sum += 0.25;
    EXPECT_TRUE(got[i].fh.Equals(want)) << i;
  }
  for (const auto& c : Chunks(head)) EXPECT_EQ(c->encoding, chunkenc::Encoding::kFloatHistogram);
}

TEST(HeadHistogram, OutOfOrderDuplicateAndValidation) {
  Head head;
  mh::Histogram h1 = Counter(1), h2 = Counter(2);
  {
    auto app = head.NewAppender();
    ASSERT_TRUE(app->AppendHistogram(0, kL, 100, &h1, nullptr).ok());
    // Same timestamp, same histogram: accepted silently (in the batch...).
    EXPECT_TRUE(app->AppendHistogram(0, kL, 100, &h1, nullptr).ok());
    // ...another histogram: a duplicate.
    EXPECT_TRUE(storage::IsDuplicateSample(app->AppendHistogram(0, kL, 100, &h2, nullptr).status()));
    // A float at the same timestamp: a duplicate too.
    EXPECT_TRUE(storage::IsDuplicateSample(app->Append(0, kL, 100, 1).status()));
    EXPECT_TRUE(storage::IsOutOfOrder(app->AppendHistogram(0, kL, 99, &h1, nullptr).status()));
    ASSERT_TRUE(app->Commit().ok());
  }
  {
    auto app = head.NewAppender();
    // Against the committed sample.
    EXPECT_TRUE(app->AppendHistogram(0, kL, 100, &h1, nullptr).ok());
    EXPECT_TRUE(storage::IsDuplicateSample(app->AppendHistogram(0, kL, 100, &h2, nullptr).status()));
    mh::FloatHistogram f1 = h1.ToFloat();
    EXPECT_TRUE(storage::IsDuplicateSample(app->AppendHistogram(0, kL, 100, nullptr, &f1).status()));
    EXPECT_TRUE(storage::IsOutOfOrder(app->AppendHistogram(0, kL, 50, &h2, nullptr).status()));
    // Validation: Prometheus' texts.
    mh::Histogram bad = Counter(3);
    bad.count = 1;
    absl::Status st = app->AppendHistogram(0, kL, 200, &bad, nullptr).status();
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.message(), bad.Validate().message());
    EXPECT_NE(st.message().find("count"), std::string_view::npos) << st;
    EXPECT_FALSE(app->AppendHistogram(0, kL, 200, nullptr, nullptr).ok());
    EXPECT_FALSE(app->AppendHistogram(0, kL, 200, &h1, &f1).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  EXPECT_EQ(All(head).size(), 1u);
  EXPECT_EQ(head.Stats().duplicates, 4u);
  EXPECT_EQ(head.Stats().out_of_order, 2u);
}

TEST(HeadHistogram, CounterResetCutsChunkWithResetHeader) {
  Head head;
  auto app = head.NewAppender();
  mh::Histogram a = Counter(5), b = Counter(6), reset = Counter(1);
  ASSERT_TRUE(app->AppendHistogram(0, kL, 1, &a, nullptr).ok());
  ASSERT_TRUE(app->AppendHistogram(0, kL, 2, &b, nullptr).ok());
  ASSERT_TRUE(app->AppendHistogram(0, kL, 3, &reset, nullptr).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto chunks = Chunks(head);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0]->num_samples, 2);
  EXPECT_EQ(chunks[1]->num_samples, 1);
  auto header = [](const chunkenc::ChunkData& c) {
    return static_cast<chunkenc::CounterResetHeader>(static_cast<uint8_t>(c.bytes[2]) &
                                                     chunkenc::kCounterResetHeaderMask);
  };
  EXPECT_EQ(header(*chunks[1]), chunkenc::CounterResetHeader::kCounterReset);
  std::vector<AnySample> got = All(head);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[2].h.Equals(reset));
  // The first sample of a chunk reads back as Unknown whatever the header says (Prometheus
  // issue 15346: the previous chunk may be gone); the header above carries the reset.
  EXPECT_EQ(got[2].h.counter_reset_hint, mh::CounterResetHint::kUnknown);
  EXPECT_EQ(got[1].h.counter_reset_hint, mh::CounterResetHint::kNotReset);
}

TEST(HeadHistogram, GaugeHistogramsGoToGaugeChunks) {
  Head head;
  auto app2 = head.NewAppender();
  int64_t t = 0;
  for (int i : {5, 1, 7}) {  // a gauge may go down without a counter reset
    mh::Histogram g = Counter(i);
    g.counter_reset_hint = mh::CounterResetHint::kGauge;
    ASSERT_TRUE(app2->AppendHistogram(0, kL, ++t, &g, nullptr).ok());
  }
  ASSERT_TRUE(app2->Commit().ok());
  auto chunks = Chunks(head);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(static_cast<uint8_t>(chunks[0]->bytes[2]) & chunkenc::kCounterResetHeaderMask,
            static_cast<uint8_t>(chunkenc::CounterResetHeader::kGauge));
  std::vector<AnySample> got = All(head);
  ASSERT_EQ(got.size(), 3u);
  for (const AnySample& s : got) EXPECT_EQ(s.h.counter_reset_hint, mh::CounterResetHint::kGauge);
  EXPECT_EQ(got[1].h.count, Counter(1).count);
}

TEST(HeadHistogram, StaleMarkers) {
  Head head;
  const double stale = std::bit_cast<double>(model::kStaleNaNBits);
  {
    auto app = head.NewAppender();
    mh::Histogram h = Counter(1);
    ASSERT_TRUE(app->AppendHistogram(0, kL, 1, &h, nullptr).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  {
    // A float stale marker on a histogram series becomes a histogram stale marker.
    auto app = head.NewAppender();
    ASSERT_TRUE(app->Append(0, kL, 2, stale).ok());
    // An explicit histogram stale marker.
    mh::Histogram s;
    s.sum = stale;
    ASSERT_TRUE(app->AppendHistogram(0, kL, 3, &s, nullptr).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  auto chunks = Chunks(head);
  ASSERT_EQ(chunks.size(), 1u);  // no type change, so no new chunk
  std::vector<AnySample> got = All(head);
  ASSERT_EQ(got.size(), 3u);
  for (int i : {1, 2}) {
    EXPECT_EQ(got[i].type, ValueType::kHistogram);
    EXPECT_TRUE(model::IsStaleNaN(got[i].h.sum)) << i;
  }
  // A float series' stale marker stays a float.
  auto app = head.NewAppender();
  model::Labels f{{"__name__", "f"}};
  ASSERT_TRUE(app->Append(0, f, 1, 1).ok());
  ASSERT_TRUE(app->Append(0, f, 2, stale).ok());
  ASSERT_TRUE(app->Commit().ok());
  got = All(head, "f");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].type, ValueType::kFloat);
  EXPECT_TRUE(model::IsStaleNaN(got[1].v));
}

TEST(HeadHistogram, TypeChangesCutChunksAndNextBatchStopsBeforeHistograms) {
  Head head;
  auto app = head.NewAppender();
  int64_t t = 0;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(app->Append(0, kL, ++t, i).ok());  // 1..3 floats
  mh::Histogram h = Counter(1);
  ASSERT_TRUE(app->AppendHistogram(0, kL, ++t, &h, nullptr).ok());         // 4
  mh::FloatHistogram fh = Counter(2).ToFloat();
  ASSERT_TRUE(app->AppendHistogram(0, kL, ++t, nullptr, &fh).ok());         // 5
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(app->Append(0, kL, ++t, 10 + i).ok());  // 6, 7
  ASSERT_TRUE(app->Commit().ok());

  auto chunks = Chunks(head);
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(chunks[0]->encoding, chunkenc::Encoding::kXOR);
  EXPECT_EQ(chunks[1]->encoding, chunkenc::Encoding::kHistogram);
  EXPECT_EQ(chunks[2]->encoding, chunkenc::Encoding::kFloatHistogram);
  EXPECT_EQ(chunks[3]->encoding, chunkenc::Encoding::kXOR);

  std::vector<AnySample> got = All(head);
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got[3].type, ValueType::kHistogram);
  EXPECT_EQ(got[4].type, ValueType::kFloatHistogram);
  EXPECT_EQ(got[6].type, ValueType::kFloat);
  EXPECT_EQ(got[6].v, 11);

  // NextBatch: 3 floats, then 0 with the histogram current, Next past it, 0 again with the
  // float histogram, then the 2 floats.
  auto q = head.NewQuerier(INT64_MIN, INT64_MAX);
  auto set = (*q)->Select({model::Matcher::MustMake(model::MatchType::kEqual, "__name__", "h")});
  ASSERT_TRUE(set->Next());
  auto it = set->At().Iterator();
  int64_t ts[16];
  double vs[16];
  ASSERT_EQ(it->NextBatch(ts, vs, 16), 3u);
  EXPECT_FALSE(it->StoppedAtHistogram());
  EXPECT_EQ(ts[2], 3);
  ASSERT_EQ(it->NextBatch(ts, vs, 16), 0u);
  ASSERT_TRUE(it->StoppedAtHistogram());
  EXPECT_EQ(it->T(), 4);
  EXPECT_EQ(it->Type(), ValueType::kHistogram);
  ASSERT_EQ(it->NextBatch(ts, vs, 16), 0u);  // moves past the current histogram
  ASSERT_TRUE(it->StoppedAtHistogram());
  EXPECT_EQ(it->T(), 5);
  EXPECT_EQ(it->Type(), ValueType::kFloatHistogram);
  ASSERT_EQ(it->NextBatch(ts, vs, 16), 2u);
  EXPECT_EQ(ts[0], 6);
  EXPECT_EQ(vs[1], 11);
  EXPECT_EQ(it->NextBatch(ts, vs, 16), 0u);
  EXPECT_FALSE(it->StoppedAtHistogram());

  // A window that starts inside the histogram chunks.
  got = All(head, "h", 5, 6);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type, ValueType::kFloatHistogram);
  EXPECT_EQ(got[1].type, ValueType::kFloat);
}

TEST(HeadHistogram, CommitIsAtomicAndRollbackDiscards) {
  Head head;
  mh::Histogram h1 = Counter(1), h2 = Counter(2);
  {
    auto app = head.NewAppender();
    ASSERT_TRUE(app->AppendHistogram(0, kL, 1, &h1, nullptr).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  auto before = head.NewQuerier(INT64_MIN, INT64_MAX);
  ASSERT_TRUE(before.ok());
  {
    auto app = head.NewAppender();
    ASSERT_TRUE(app->AppendHistogram(0, kL, 2, &h2, nullptr).ok());
    EXPECT_EQ(All(head).size(), 1u);  // not yet committed
    ASSERT_TRUE(app->Commit().ok());
  }
  EXPECT_EQ(SelectOne(**before, "h").size(), 1u);  // the older snapshot hides it
  EXPECT_EQ(All(head).size(), 2u);
  {
    auto app = head.NewAppender();
    mh::Histogram h3 = Counter(3);
    ASSERT_TRUE(app->AppendHistogram(0, kL, 3, &h3, nullptr).ok());
    app->Rollback();
  }
  EXPECT_EQ(All(head).size(), 2u);
  {
    // The rolled-back timestamp is free again, with another value.
    auto app = head.NewAppender();
    mh::Histogram h4 = Counter(4);
    ASSERT_TRUE(app->AppendHistogram(0, kL, 3, &h4, nullptr).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  std::vector<AnySample> got = All(head);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[2].h.Equals(Counter(4)));
}

TEST(HeadHistogram, SnapshotHidesLaterSamplesInTheOpenHistogramChunk) {
  Head head;
  for (int i = 0; i < 5; ++i) {
    auto app = head.NewAppender();
    mh::Histogram h = Counter(i);
    ASSERT_TRUE(app->AppendHistogram(0, kL, i, &h, nullptr).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  auto snap = head.NewQuerier(INT64_MIN, INT64_MAX);
  for (int i = 5; i < 8; ++i) {
    auto app = head.NewAppender();
    mh::Histogram h = Counter(i);
    ASSERT_TRUE(app->AppendHistogram(0, kL, i, &h, nullptr).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  std::vector<AnySample> old = SelectOne(**snap, "h");
  ASSERT_EQ(old.size(), 5u);
  EXPECT_TRUE(old[4].h.Equals(Counter(4)));
  EXPECT_EQ(All(head).size(), 8u);
}

class RefusingWal : public WalSink {
 public:
  absl::Status Log(absl::Span<const RefSeries>, absl::Span<const RefSample>) override {
    return absl::OkStatus();
  }
};

TEST(HeadHistogram, WalWithoutHistogramSupportFailsTheCommit) {
  RefusingWal wal;
  Head head(HeadOptions{.wal = &wal});
  auto app = head.NewAppender();
  mh::Histogram h = Counter(1);
  ASSERT_TRUE(app->AppendHistogram(0, kL, 1, &h, nullptr).ok());
  absl::Status st = app->Commit();
  EXPECT_TRUE(absl::IsUnimplemented(st)) << st;
  EXPECT_TRUE(All(head).empty());
}

}  // namespace
}  // namespace promlet::tsdb
