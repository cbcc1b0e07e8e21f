// The integer histogram chunk: ports of Prometheus' chunkenc/histogram_test.go (explicit counter
// resets, same buckets, bucket changes and recoding, the appendable cases for counters and
// gauges, append-only errors, empty buckets with gaps, unknown and reducible schemas), plus
// corrupt-input handling and reopening a chunk with FromBytes.
#include "tsdb/chunkenc/histogram_chunk.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "model/histogram/histogram.h"
#include "model/value.h"
#include "tests/tsdb/histogram_chunk_test_util.h"

namespace promlet::tsdb::chunkenc {
namespace {

using mh::CounterResetHint;
using Spans = std::vector<mh::Span>;

struct Sample {
  int64_t t;
  mh::Histogram h;
  mh::FloatHistogram fh;
};

// Every sample of a chunk through AtHistogram and AtFloatHistogram.
std::vector<Sample> ReadAll(std::string_view bytes, absl::Status* status = nullptr) {
  std::vector<Sample> out;
  HistogramIterator it(bytes);
  while (it.Next()) {
    Sample s;
    s.t = it.T();
    it.AtHistogram(&s.h);
    it.AtFloatHistogram(&s.fh);
    out.push_back(std::move(s));
  }
  if (status != nullptr) *status = it.status();
  EXPECT_TRUE(status != nullptr || it.status().ok()) << it.status();
  return out;
}

void ExpectSamples(std::string_view bytes,
                   const std::vector<std::pair<int64_t, mh::Histogram>>& want) {
  std::vector<Sample> got = ReadAll(bytes);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].t, want[i].first) << i;
    EXPECT_TRUE(got[i].h.Equals(want[i].second))
        << i << ": " << got[i].h.String() << " vs " << want[i].second.String();
    EXPECT_EQ(got[i].h.counter_reset_hint, want[i].second.counter_reset_hint) << i;
    EXPECT_TRUE(got[i].fh.Equals(want[i].second.ToFloat())) << i;
    EXPECT_EQ(got[i].fh.counter_reset_hint, want[i].second.counter_reset_hint) << i;
  }
}

CounterResetHint FirstHint(std::string_view bytes) {
  HistogramIterator it(bytes);
  EXPECT_TRUE(it.Next());
  mh::Histogram h;
  it.AtHistogram(&h);
  return h.counter_reset_hint;
}

TEST(HistogramChunk, FirstHistogramExplicitCounterReset) {
  struct Case {
    CounterResetHint hint;
    CounterResetHeader header;
    CounterResetHint first_hint;
  };
  for (const Case& c : std::vector<Case>{
           {CounterResetHint::kReset, CounterResetHeader::kCounterReset,
            CounterResetHint::kUnknown},
           {CounterResetHint::kNotReset, CounterResetHeader::kUnknown, CounterResetHint::kUnknown},
           {CounterResetHint::kUnknown, CounterResetHeader::kUnknown, CounterResetHint::kUnknown},
           {CounterResetHint::kGauge, CounterResetHeader::kGauge, CounterResetHint::kGauge}}) {
    mh::Histogram h;
    h.counter_reset_hint = c.hint;
    HistogramAppender app;
    auto r = app.AppendHistogram(nullptr, 0, h, false);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->new_chunk, nullptr);
    EXPECT_FALSE(r->recoded);
    EXPECT_EQ(app.counter_reset_header(), c.header);
    EXPECT_EQ(FirstHint(app.bytes()), c.first_hint);
  }
}

TEST(HistogramChunk, SameBuckets) {
  HistogramAppender app;
  EXPECT_EQ(app.num_samples(), 0);
  std::vector<std::pair<int64_t, mh::Histogram>> exp;
  int64_t ts = 1234567890;
  mh::Histogram h = SameBucketsHistogram();
  ASSERT_TRUE(app.AppendHistogram(nullptr, ts, h, false).ok());
  exp.push_back({ts, h});
  EXPECT_EQ(app.num_samples(), 1);

  ts += 16;
  h.count = 32;
  h.zero_count++;
  h.sum = 24.4;
  h.positive_buckets = {5, -2, 1, -2};  // counts: 5, 3, 4, 2 (total 14)
  h.negative_buckets = {4, -1, 1, -1};  // counts: 4, 3, 4, 4 (total 15)
  auto r = app.AppendHistogram(nullptr, ts, h, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->new_chunk, nullptr);
  h.counter_reset_hint = CounterResetHint::kNotReset;
  exp.push_back({ts, h});
  EXPECT_EQ(app.num_samples(), 2);

  // Continue with an appender rebuilt from the bytes (Prometheus' c.Appender()).
  auto reopened = HistogramAppender::FromBytes(app.bytes());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ts += 14;
  h.counter_reset_hint = CounterResetHint::kUnknown;
  h.count = 54;
  h.zero_count += 2;
  h.sum = 24.4;
  h.positive_buckets = {6, 1, -3, 6};  // counts: 6, 7, 4, 10 (total 27)
  h.negative_buckets = {5, 1, -2, 3};  // counts: 5, 6, 4, 7 (total 22)
  r = (*reopened)->AppendHistogram(nullptr, ts, h, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->new_chunk, nullptr);
  h.counter_reset_hint = CounterResetHint::kNotReset;
  exp.push_back({ts, h});
  EXPECT_EQ((*reopened)->num_samples(), 3);
  ExpectSamples((*reopened)->bytes(), exp);

  // Reusing an iterator (Reset) gives the same samples.
  HistogramIterator it((*reopened)->bytes());
  while (it.Next()) {
  }
  auto b = (*reopened)->bytes();
  it.Reset(absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
  int n = 0;
  while (it.Next()) ++n;
  EXPECT_EQ(n, 3);

  // Seek.
  HistogramIterator it4((*reopened)->bytes());
  ASSERT_TRUE(it4.Seek(exp[1].first));
  ASSERT_TRUE(it4.Seek(exp[1].first));  // no-op
  EXPECT_EQ(it4.T(), exp[1].first);
  mh::Histogram got;
  it4.AtHistogram(&got);
  EXPECT_TRUE(got.Equals(exp[1].second));
  ASSERT_TRUE(it4.Next());
  EXPECT_EQ(it4.T(), exp[2].first);
  EXPECT_FALSE(it4.Seek(exp[2].first + 1));
}

// The scenario of expandIntSpansAndBuckets' comment: new buckets recode the chunk.
TEST(HistogramChunk, BucketChanges) {
  HistogramAppender app;
  const int64_t ts1 = 1234567890;
  mh::Histogram h1 = AppendableHistogram();
  h1.count = 27;
  h1.negative_spans = {{1, 1}};
  h1.negative_buckets = {1};
  ASSERT_TRUE(app.AppendHistogram(nullptr, ts1, h1, false).ok());

  const int64_t ts2 = ts1 + 16;
  mh::Histogram h2 = h1;
  h2.positive_spans = {{0, 3}, {1, 1}, {1, 4}, {3, 3}};
  h2.negative_spans = {{0, 2}};
  h2.count = 35;
  h2.zero_count++;
  h2.sum = 30;
  // The first histogram becomes 6 3 0 3 0 0 2 4 5 0 1; the new one is >= that per bucket.
  h2.positive_buckets = {7, -2, -4, 2, -2, -1, 2, 3, 0, -5, 1};  // 7 5 1 3 1 0 2 5 5 0 1
  h2.negative_buckets = {2, -1};                                 // 2 1

  Appendability a = app.Appendable(h2);
  EXPECT_FALSE(a.positive_inserts.empty());
  EXPECT_FALSE(a.negative_inserts.empty());
  EXPECT_TRUE(a.backward_positive_inserts.empty());
  EXPECT_TRUE(a.backward_negative_inserts.empty());
  EXPECT_TRUE(a.ok);
  EXPECT_EQ(a.counter_reset, CounterResetHeader::kNotCounterReset);

  const std::string before(app.bytes());
  auto r = app.AppendHistogram(nullptr, ts2, h2, false);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_NE(r->new_chunk, nullptr);
  EXPECT_TRUE(r->recoded);
  EXPECT_EQ(std::string(app.bytes()), before);  // the old chunk is untouched
  EXPECT_EQ(r->new_chunk->num_samples(), 2);

  h1.positive_spans = h2.positive_spans;
  h1.positive_buckets = {6, -3, -3, 3, -3, 0, 2, 2, 1, -5, 1};
  h1.negative_spans = h2.negative_spans;
  h1.negative_buckets = {0, 1};
  h2.counter_reset_hint = CounterResetHint::kNotReset;
  ExpectSamples(r->new_chunk->bytes(), {{ts1, h1}, {ts2, h2}});
}

// The three outcomes of an append, as Prometheus' assert*HistogramChunkOnAppend check them.
void ExpectNewChunk(HistogramAppender& app, int64_t ts, const mh::Histogram& h,
                    CounterResetHeader header, CounterResetHint first_hint) {
  const std::string before(app.bytes());
  auto r = app.AppendHistogram(nullptr, ts, h, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::string(app.bytes()), before);
  ASSERT_NE(r->new_chunk, nullptr);
  EXPECT_FALSE(r->recoded);
  EXPECT_EQ(r->new_chunk->counter_reset_header(), header);
  EXPECT_EQ(ReadAll(r->new_chunk->bytes()).size(), 1u);
  EXPECT_EQ(FirstHint(r->new_chunk->bytes()), first_hint);
}

void ExpectNoNewChunk(HistogramAppender& app, int64_t ts, const mh::Histogram& h,
                      CounterResetHeader header) {
  const size_t before = app.bytes().size();
  auto r = app.AppendHistogram(nullptr, ts, h, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(app.bytes().size(), before);
  EXPECT_EQ(r->new_chunk, nullptr);
  EXPECT_FALSE(r->recoded);
  EXPECT_EQ(app.counter_reset_header(), header);
  EXPECT_EQ(ReadAll(app.bytes()).size(), 2u);
}

// Returns the recoded chunk's bytes.
std::string ExpectRecoded(HistogramAppender& app, int64_t ts, const mh::Histogram& h,
                          CounterResetHeader header) {
  const std::string before(app.bytes());
  auto r = app.AppendHistogram(nullptr, ts, h, false);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok() || r->new_chunk == nullptr) {
    ADD_FAILURE() << "no recoded chunk";
    return "";
  }
  EXPECT_EQ(std::string(app.bytes()), before);
  EXPECT_TRUE(r->recoded);
  EXPECT_EQ(r->new_chunk->counter_reset_header(), header);
  EXPECT_EQ(ReadAll(r->new_chunk->bytes()).size(), 2u);
  return std::string(r->new_chunk->bytes());
}

std::unique_ptr<HistogramAppender> StartChunk(const mh::Histogram& h, CounterResetHeader header) {
  auto app = std::make_unique<HistogramAppender>();
  auto r = app->AppendHistogram(nullptr, kSetupTs, h, false);
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(app->num_samples(), 1);
  EXPECT_EQ(app->counter_reset_header(), header);
  return app;
}

struct Inserted {
  bool pos, neg, back_pos, back_neg;
};
void ExpectInserts(const Appendability& a, Inserted want) {
  EXPECT_EQ(!a.positive_inserts.empty(), want.pos);
  EXPECT_EQ(!a.negative_inserts.empty(), want.neg);
  EXPECT_EQ(!a.backward_positive_inserts.empty(), want.back_pos);
  EXPECT_EQ(!a.backward_negative_inserts.empty(), want.back_neg);
}

TEST(HistogramChunk, Appendable) {
  const mh::Histogram eh = AppendableHistogram();
  const mh::Histogram cbh = AppendableCustomBucketsHistogram();
  const auto kUnknown = CounterResetHeader::kUnknown;
  const auto kReset = CounterResetHeader::kCounterReset;
  const int64_t ts = kSetupTs;
  {
    SCOPED_TRACE("schema change");
    auto app = StartChunk(eh, kUnknown);
    mh::Histogram h2 = eh;
    h2.schema++;
    EXPECT_FALSE(app->Appendable(h2).ok);
    ExpectNewChunk(*app, ts + 1, h2, kUnknown, CounterResetHint::kUnknown);
  }
  {
    SCOPED_TRACE("zero threshold change");
    auto app = StartChunk(eh, kUnknown);
    mh::Histogram h2 = eh;
    h2.zero_threshold += 0.1;
    EXPECT_FALSE(app->Appendable(h2).ok);
    ExpectNewChunk(*app, ts + 1, h2, kUnknown, CounterResetHint::kUnknown);
  }
  {
    SCOPED_TRACE("more buckets");
    auto app = StartChunk(eh, kUnknown);
    mh::Histogram h2 = eh;
    h2.positive_spans = {{0, 3}, {1, 1}, {1, 4}, {3, 3}};
    h2.count += 9;
    h2.zero_count++;
    h2.sum = 30;
    h2.positive_buckets = {7, -2, -4, 2, -2, -1, 2, 3, 0, -5, 1};
    Appendability a = app->Appendable(h2);
    ExpectInserts(a, {true, false, false, false});
    EXPECT_TRUE(a.ok);
    EXPECT_EQ(a.counter_reset, CounterResetHeader::kNotCounterReset);
    ExpectRecoded(*app, ts + 1, h2, kUnknown);
  }
  {
    SCOPED_TRACE("a bucket missing");
    auto app = StartChunk(eh, kUnknown);
    mh::Histogram h2 = eh;
    h2.positive_spans = {{0, 2}, {5, 2}, {3, 1}, {1, 1}};
    h2.sum = 21;
    h2.positive_buckets = {6, -3, -1, 2, 1, -4};  // counts: 6, 3, 2, 4, 5, 1 (total 21)
    Appendability a = app->Appendable(h2);
    ExpectInserts(a, {false, false, false, false});
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.counter_reset, kReset);
    ExpectNewChunk(*app, ts + 1, h2, kReset, CounterResetHint::kUnknown);
  }
  {
    SCOPED_TRACE("buckets missing that were empty");
    mh::Histogram empty_bucket_h = eh;
    empty_bucket_h.positive_buckets = {6, -6, 1, 1, -2, 1, 1};  // 6, 0, 1, 2, 0, 1, 2
    auto app = StartChunk(empty_bucket_h, kUnknown);
    mh::Histogram h2 = empty_bucket_h;
    h2.positive_spans = {{0, 1}, {3, 1}, {3, 1}, {4, 1}, {1, 1}};  // missing 1 and 9
    h2.positive_buckets = {7, -5, 1, 0, 1};                        // 7, 2, 3, 3, 4
    Appendability a = app->Appendable(h2);
    ExpectInserts(a, {false, false, true, false});
    EXPECT_TRUE(a.ok);
    ExpectNoNewChunk(*app, ts + 1, h2, kUnknown);
    // h2 went in with the chunk's empty buckets added.
    std::vector<Sample> got = ReadAll(app->bytes());
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].h.positive_buckets, (std::vector<int64_t>{7, -7, 2, 1, -3, 3, 1}));
    EXPECT_EQ(got[1].h.positive_spans, empty_bucket_h.positive_spans);
  }
  {
    SCOPED_TRACE("new buckets and missing empty buckets");
    mh::Histogram empty_bucket_h = eh;
    empty_bucket_h.positive_buckets = {6, -6, 1, 1, -2, 1, 1};
    auto app = StartChunk(empty_bucket_h, kUnknown);
    mh::Histogram h2 = empty_bucket_h;
    h2.positive_spans = {{0, 1}, {3, 1}, {3, 1}, {4, 1}, {1, 2}};
    h2.positive_buckets = {7, -5, 1, 0, 1, 1};  // 7, 2, 3, 3, 4, 5
    Appendability a = app->Appendable(h2);
    ExpectInserts(a, {true, false, true, false});
    EXPECT_TRUE(a.ok);
    std::string recoded = ExpectRecoded(*app, ts + 1, h2, kUnknown);
    std::vector<Sample> got = ReadAll(recoded);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].h.positive_buckets, (std::vector<int64_t>{7, -7, 2, 1, -3, 3, 1, 1}));
    EXPECT_EQ(got[1].h.positive_spans, (Spans{{0, 2}, {2, 1}, {3, 2}, {3, 1}, {1, 2}}));
  }
  {
    SCOPED_TRACE("counter reset, same buckets");
    auto app = StartChunk(eh, kUnknown);
    mh::Histogram h2 = eh;
    h2.sum = 23;
    h2.positive_buckets = {6, -4, 1, -1, 2, 1, -4};  // 6, 2, 3, 2, 4, 5, 1
    Appendability a = app->Appendable(h2);
    ExpectInserts(a, {false, false, false, false});
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.counter_reset, kReset);
    ExpectNewChunk(*app, ts + 1, h2, kReset, CounterResetHint::kUnknown);
  }
  {
    SCOPED_TRACE("counter reset with new buckets");
    auto app = StartChunk(eh, kUnknown);
    mh::Histogram h2 = eh;
    h2.positive_spans = {{0, 3}, {1, 1}, {1, 4}, {3, 3}};
    h2.sum = 29;
    h2.positive_buckets = {7, -2, -4, 2, -2, -1, 2, 3, 0, -5, 0};  // last bucket 1 -> 0
    Appendability a = app->Appendable(h2);
    ExpectInserts(a, {false, false, false, false});
    EXPECT_FALSE(a.ok);
    ExpectNewChunk(*app, ts + 1, h2, kReset, CounterResetHint::kUnknown);
  }
  {
    SCOPED_TRACE("counter reset with new buckets before the first");
    auto app = StartChunk(eh, kUnknown);
    mh::Histogram h2 = eh;
    h2.positive_spans = {{-3, 2}, {1, 2}, {2, 1}, {3, 2}, {3, 1}, {1, 1}};
    h2.sum = 26;
    h2.positive_buckets = {1, 1, 3, -2, 0, -1, 2, 1, -4};  // 1, 2, 5, 3, 3, 2, 4, 5, 1
    Appendability a = app->Appendable(h2);
    ExpectInserts(a, {false, false, false, false});
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.counter_reset, kReset);
    ExpectNewChunk(*app, ts + 1, h2, kReset, CounterResetHint::kUnknown);
  }
  {
    SCOPED_TRACE("explicit counter reset");
    auto app = StartChunk(eh, kUnknown);
    mh::Histogram h2 = eh;
    h2.counter_reset_hint = CounterResetHint::kReset;
    ExpectNewChunk(*app, ts + 1, h2, kReset, CounterResetHint::kUnknown);
  }
  {
    SCOPED_TRACE("new chunk continuing an appendable previous one");
    auto prev = StartChunk(eh, kUnknown);
    mh::Histogram h2 = eh;
    h2.count += 1;
    h2.positive_buckets[0]++;
    HistogramAppender next;
    auto r = next.AppendHistogram(prev.get(), ts + 1, h2, false);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->new_chunk, nullptr);
    EXPECT_EQ(next.counter_reset_header(), CounterResetHeader::kNotCounterReset);
    EXPECT_EQ(FirstHint(next.bytes()), CounterResetHint::kUnknown);
  }
  {
    SCOPED_TRACE("new chunk continuing a previous one it is not appendable to");
    auto prev = StartChunk(eh, kUnknown);
    mh::Histogram h2 = eh;
    h2.count -= 1;
    HistogramAppender next;
    ASSERT_TRUE(next.AppendHistogram(prev.get(), ts + 1, h2, false).ok());
    EXPECT_EQ(next.counter_reset_header(), kReset);
  }
  {
    SCOPED_TRACE("new chunk continuing a previous one it would need recoding for");
    auto prev = StartChunk(eh, kUnknown);
    mh::Histogram h2 = eh;
    h2.positive_spans = {{0, 3}, {1, 1}, {1, 4}, {3, 3}};
    h2.count += 9;
    h2.positive_buckets = {7, -2, -4, 2, -2, -1, 2, 3, 0, -5, 1};
    HistogramAppender next;
    ASSERT_TRUE(next.AppendHistogram(prev.get(), ts + 1, h2, false).ok());
    EXPECT_EQ(next.counter_reset_header(), CounterResetHeader::kNotCounterReset);
  }
  {
    SCOPED_TRACE("custom buckets, no change");
    auto app = StartChunk(cbh, kUnknown);
    EXPECT_TRUE(app->Appendable(cbh).ok);
    ExpectNoNewChunk(*app, ts + 1, cbh, kUnknown);
  }
  {
    SCOPED_TRACE("custom buckets, increase");
    auto app = StartChunk(cbh, kUnknown);
    mh::Histogram h2 = cbh;
    h2.count++;
    h2.positive_buckets = {6, -3, 0, -1, 2, 1, -3};
    EXPECT_TRUE(app->Appendable(h2).ok);
    ExpectNoNewChunk(*app, ts + 1, h2, kUnknown);
  }
  {
    SCOPED_TRACE("custom buckets, decrease");
    auto app = StartChunk(cbh, kUnknown);
    mh::Histogram h2 = cbh;
    h2.count--;
    h2.positive_buckets = {6, -3, 0, -1, 2, 1, -5};
    EXPECT_FALSE(app->Appendable(h2).ok);
    ExpectNewChunk(*app, ts + 1, h2, kReset, CounterResetHint::kUnknown);
  }
  {
    SCOPED_TRACE("custom buckets, only the bounds change");
    auto app = StartChunk(cbh, kUnknown);
    mh::Histogram h2 = cbh;
    h2.custom_values = mh::MakeCustomValues(
        {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21});
    EXPECT_FALSE(app->Appendable(h2).ok);
    ExpectNewChunk(*app, ts + 1, h2, kReset, CounterResetHint::kUnknown);
  }
  {
    SCOPED_TRACE("custom buckets, more buckets");
    auto app = StartChunk(cbh, kUnknown);
    mh::Histogram h2 = cbh;
    h2.positive_spans = {{0, 3}, {1, 1}, {1, 4}, {3, 3}};
    h2.count += 6;
    h2.sum = 30;
    h2.positive_buckets = {7, -2, -4, 2, -2, -1, 2, 3, 0, -5, 1};
    Appendability a = app->Appendable(h2);
    ExpectInserts(a, {true, false, false, false});
    EXPECT_TRUE(a.ok);
    ExpectRecoded(*app, ts + 1, h2, kUnknown);
  }
}

TEST(HistogramChunk, StaleMarkers) {
  auto app = StartChunk(AppendableHistogram(), CounterResetHeader::kUnknown);
  mh::Histogram stale;
  stale.sum = model::StaleNaN();
  EXPECT_TRUE(app->Appendable(stale).ok);
  ExpectNoNewChunk(*app, kSetupTs + 1, stale, CounterResetHeader::kUnknown);
  // After a stale marker only stale markers fit; a histogram starts a new chunk (Unknown).
  Appendability a = app->Appendable(AppendableHistogram());
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.counter_reset, CounterResetHeader::kUnknown);
  std::vector<Sample> got = ReadAll(app->bytes());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(model::IsStaleNaN(got[1].h.sum));
  EXPECT_TRUE(got[1].h.positive_buckets.empty());
  EXPECT_TRUE(model::IsStaleNaN(got[1].fh.sum));
  // A chunk that starts with a stale marker has an empty layout.
  HistogramAppender fresh;
  ASSERT_TRUE(fresh.AppendHistogram(nullptr, 5, stale, false).ok());
  got = ReadAll(fresh.bytes());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(model::IsStaleNaN(got[0].h.sum));
}

TEST(HistogramChunk, AppendableGauge) {
  mh::Histogram eh = AppendableHistogram();
  eh.counter_reset_hint = CounterResetHint::kGauge;
  const auto kGauge = CounterResetHeader::kGauge;
  const int64_t ts = kSetupTs;
  {
    SCOPED_TRACE("schema change");
    auto app = StartChunk(eh, kGauge);
    mh::Histogram h2 = eh;
    h2.schema++;
    EXPECT_FALSE(app->AppendableGauge(h2).ok);
    ExpectNewChunk(*app, ts + 1, h2, kGauge, CounterResetHint::kGauge);
  }
  {
    SCOPED_TRACE("zero threshold change");
    auto app = StartChunk(eh, kGauge);
    mh::Histogram h2 = eh;
    h2.zero_threshold += 0.1;
    EXPECT_FALSE(app->AppendableGauge(h2).ok);
    ExpectNewChunk(*app, ts + 1, h2, kGauge, CounterResetHint::kGauge);
  }
  {
    SCOPED_TRACE("more buckets");
    auto app = StartChunk(eh, kGauge);
    mh::Histogram h2 = eh;
    h2.positive_spans = {{0, 3}, {1, 1}, {1, 4}, {3, 3}};
    h2.count += 9;
    h2.positive_buckets = {7, -2, -4, 2, -2, -1, 2, 3, 0, -5, 1};
    Appendability a = app->AppendableGauge(h2);
    ExpectInserts(a, {true, false, false, false});
    EXPECT_TRUE(a.ok);
    ExpectRecoded(*app, ts + 1, h2, kGauge);
  }
  {
    SCOPED_TRACE("buckets missing (and decreasing: fine for a gauge)");
    auto app = StartChunk(eh, kGauge);
    mh::Histogram h2 = eh;
    h2.positive_spans = {{0, 2}, {2, 1}, {3, 1}, {4, 1}, {1, 1}};
    h2.count -= 4;
    h2.sum--;
    h2.positive_buckets = {6, -3, 0, -1, 3, -4};  // 6, 3, 3, 2, 5, 1
    Appendability a = app->AppendableGauge(h2);
    ExpectInserts(a, {false, false, true, false});
    EXPECT_TRUE(a.ok);
    ExpectNoNewChunk(*app, ts + 1, h2, kGauge);
    std::vector<Sample> got = ReadAll(app->bytes());
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].h.positive_spans, eh.positive_spans);
    EXPECT_EQ(got[1].h.positive_buckets, (std::vector<int64_t>{6, -3, 0, -1, -2, 5, -4}));
    EXPECT_EQ(got[1].h.counter_reset_hint, CounterResetHint::kGauge);
  }
  {
    SCOPED_TRACE("a bucket missing and new buckets");
    auto app = StartChunk(eh, kGauge);
    mh::Histogram h2 = eh;
    h2.positive_spans = {{0, 2}, {5, 2}, {3, 1}, {1, 1}};
    h2.sum = 21;
    h2.positive_buckets = {6, -3, -1, 2, 1, -4};  // 6, 3, 2, 4, 5, 1
    Appendability a = app->AppendableGauge(h2);
    ExpectInserts(a, {true, false, true, false});
    EXPECT_TRUE(a.ok);
    ExpectRecoded(*app, ts + 1, h2, kGauge);
  }
  {
    SCOPED_TRACE("a counter histogram after gauges starts a new chunk");
    auto app = StartChunk(eh, kGauge);
    mh::Histogram h2 = eh;
    h2.counter_reset_hint = CounterResetHint::kUnknown;
    ExpectNewChunk(*app, ts + 1, h2, CounterResetHeader::kNotCounterReset,
                   CounterResetHint::kUnknown);
  }
}

TEST(HistogramChunk, AppendOnlyErrors) {
  struct Case {
    std::string name;
    mh::Histogram first;
    std::function<void(mh::Histogram*)> change;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"schema change", GenerateTestHistogram(0), [](mh::Histogram* h) { h->schema++; },
       "histogram schema change"},
      {"counter reset", GenerateTestHistogram(0),
       [](mh::Histogram* h) { h->counter_reset_hint = CounterResetHint::kReset; },
       "histogram counter reset"},
      {"counter reset with custom buckets", GenerateTestCustomBucketsHistogram(0),
       [](mh::Histogram* h) {
         h->custom_values = mh::MakeCustomValues({0, 1, 2, 3, 4, 5, 6, 7});
       },
       "histogram counter reset"},
      {"layout change", GenerateTestHistogram(0),
       [](mh::Histogram* h) {
         h->positive_spans = {{0, 5}};
         h->positive_buckets = {1, 1, -1, 0, 0};
         h->count += 1;
       },
       "histogram layout change with 1 positive and 0 negative forwards inserts"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HistogramAppender app;
    ASSERT_TRUE(app.AppendHistogram(nullptr, 1, c.first, true).ok());
    const std::string before(app.bytes());
    mh::Histogram h2 = c.first;
    c.change(&h2);
    auto r = app.AppendHistogram(nullptr, 2, h2, true);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(), c.error);
    EXPECT_EQ(std::string(app.bytes()), before);
  }
}

TEST(HistogramChunk, EmptyBucketsWithGaps) {
  mh::Histogram h1;
  h1.positive_spans = {{-19, 2}, {1, 2}};
  h1.positive_buckets = {0, 0, 0, 0};
  ASSERT_TRUE(h1.Validate().ok());
  HistogramAppender app;
  ASSERT_TRUE(app.AppendHistogram(nullptr, 1, h1, false).ok());
  mh::Histogram h2;
  h2.positive_spans = {{-19, 1}, {4, 1}, {3, 1}};
  h2.positive_buckets = {0, 0, 0};
  ASSERT_TRUE(h2.Validate().ok());
  auto r = app.AppendHistogram(nullptr, 2, h2, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->recoded);
  ASSERT_NE(r->new_chunk, nullptr);
  std::vector<Sample> got = ReadAll(r->new_chunk->bytes());
  ASSERT_EQ(got.size(), 2u);
  for (const Sample& s : got) EXPECT_TRUE(s.fh.Validate().ok()) << s.fh.Validate();
}

TEST(HistogramChunk, IteratorFailsOnUnknownSchema) {
  for (int32_t schema : {-101, 101}) {
    mh::Histogram h = ReducibleHistogram(schema);
    HistogramAppender app;
    ASSERT_TRUE(app.AppendHistogram(nullptr, 1, h, false).ok());
    HistogramIterator it(app.bytes());
    EXPECT_FALSE(it.Next());
    EXPECT_FALSE(it.status().ok());
    EXPECT_NE(it.status().message().find("unknown schema"), std::string::npos) << it.status();
  }
}

TEST(HistogramChunk, IteratorReducesSchema) {
  for (int32_t schema : {9, 52}) {
    HistogramAppender app;
    ASSERT_TRUE(app.AppendHistogram(nullptr, 1, ReducibleHistogram(schema), false).ok());
    HistogramIterator it(app.bytes());
    ASSERT_TRUE(it.Next());
    mh::Histogram h;
    it.AtHistogram(&h);
    EXPECT_EQ(h.schema, mh::kExponentialSchemaMax);
    mh::FloatHistogram fh;
    it.AtFloatHistogram(&fh);
    EXPECT_EQ(fh.schema, mh::kExponentialSchemaMax);
  }
  // Recoding a schema-9 chunk keeps the stored schema (reduction happens only on reading).
  HistogramAppender app;
  mh::Histogram h = ReducibleHistogram(9);
  ASSERT_TRUE(app.AppendHistogram(nullptr, 1, h, false).ok());
  h.positive_spans = {{0, 5}};
  h.positive_buckets = {1, 2, 0, 3, 4};
  h.count += 3;
  auto r = app.AppendHistogram(nullptr, 2, h, false);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_NE(r->new_chunk, nullptr);
  EXPECT_TRUE(r->recoded);
  std::vector<Sample> got = ReadAll(r->new_chunk->bytes());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].h.schema, mh::kExponentialSchemaMax);
  EXPECT_EQ(got[0].h.count, 10u);
  EXPECT_EQ(got[1].h.count, 13u);
  HistogramIterator raw(r->new_chunk->bytes());
  ASSERT_TRUE(raw.Next());
  mh::Histogram stored;
  raw.AtHistogramAsStored(&stored);
  EXPECT_EQ(stored.schema, 9);
  EXPECT_EQ(stored.positive_spans, (Spans{{0, 5}}));
}

TEST(HistogramChunk, RejectsBadInput) {
  HistogramAppender app;
  mh::Histogram h = GenerateTestHistogram(0);
  h.positive_buckets.push_back(1);  // one bucket more than the spans say
  EXPECT_EQ(app.AppendHistogram(nullptr, 1, h, false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(app.num_samples(), 0);
  ASSERT_TRUE(app.AppendHistogram(nullptr, 10, GenerateTestHistogram(0), false).ok());
  EXPECT_EQ(app.AppendHistogram(nullptr, 10, GenerateTestHistogram(1), false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Every truncation of a valid chunk fails cleanly (status, no crash, no read past the end).
TEST(HistogramChunk, TruncatedChunksFail) {
  HistogramAppender app;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(app.AppendHistogram(nullptr, 1000 * i, GenerateTestHistogram(i), false).ok());
  }
  const std::string full(app.bytes());
  for (size_t n = 0; n < full.size(); ++n) {
    std::string cut = full.substr(0, n);
    absl::Status st;
    std::vector<Sample> got = ReadAll(cut, &st);
    EXPECT_LT(got.size(), 5u) << n;
    EXPECT_EQ(st.ok(), n == 0) << n;
    EXPECT_FALSE(HistogramAppender::FromBytes(cut).ok()) << n;
  }
  EXPECT_EQ(ReadAll(full).size(), 5u);
}

}  // namespace
}  // namespace promlet::tsdb::chunkenc
