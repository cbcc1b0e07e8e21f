// The float histogram chunk: ports of Prometheus' chunkenc/float_histogram_test.go (explicit
// resets, same buckets, bucket changes, appendable for counters and gauges, append-only errors,
// gaps, schemas), and randomized round trips of integer and float histogram series through the
// appenders' chunk cutting and recoding.
#include "tsdb/chunkenc/float_histogram_chunk.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "model/histogram/float_histogram.h"
#include "model/value.h"
#include "tests/tsdb/histogram_chunk_test_util.h"
#include "tsdb/chunkenc/histogram_chunk.h"

namespace promlet::tsdb::chunkenc {
namespace {

using mh::CounterResetHint;
using Spans = std::vector<mh::Span>;

std::vector<std::pair<int64_t, mh::FloatHistogram>> ReadAll(std::string_view bytes) {
  std::vector<std::pair<int64_t, mh::FloatHistogram>> out;
  FloatHistogramIterator it(bytes);
  while (it.Next()) {
    mh::FloatHistogram fh;
    it.AtFloatHistogram(&fh);
    out.push_back({it.T(), std::move(fh)});
  }
  EXPECT_TRUE(it.status().ok()) << it.status();
  return out;
}

CounterResetHint FirstHint(std::string_view bytes) {
  auto all = ReadAll(bytes);
  EXPECT_FALSE(all.empty());
  return all.empty() ? CounterResetHint::kUnknown : all[0].second.counter_reset_hint;
}

mh::FloatHistogram Eh() { return AppendableHistogram().ToFloat(); }

std::unique_ptr<FloatHistogramAppender> StartChunk(const mh::FloatHistogram& h,
                                                   CounterResetHeader header) {
  auto app = std::make_unique<FloatHistogramAppender>();
  auto r = app->AppendFloatHistogram(nullptr, kSetupTs, h, false);
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(app->counter_reset_header(), header);
  return app;
}

enum class Outcome { kNewChunk, kSameChunk, kRecoded };

// Appends h at kSetupTs+1 and checks the outcome (and that a new or recoded chunk leaves the old
// one untouched); returns the bytes of the chunk h went into.
std::string ExpectAppend(FloatHistogramAppender& app, const mh::FloatHistogram& h, Outcome want,
                         CounterResetHeader header) {
  const std::string before(app.bytes());
  auto r = app.AppendFloatHistogram(nullptr, kSetupTs + 1, h, false);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return "";
  if (want == Outcome::kSameChunk) {
    EXPECT_EQ(r->new_chunk, nullptr);
    EXPECT_EQ(app.counter_reset_header(), header);
    EXPECT_EQ(ReadAll(app.bytes()).size(), 2u);
    return std::string(app.bytes());
  }
  EXPECT_EQ(std::string(app.bytes()), before);
  if (r->new_chunk == nullptr) {
    ADD_FAILURE() << "no new chunk";
    return "";
  }
  EXPECT_EQ(r->recoded, want == Outcome::kRecoded);
  EXPECT_EQ(r->new_chunk->counter_reset_header(), header);
  EXPECT_EQ(ReadAll(r->new_chunk->bytes()).size(), want == Outcome::kRecoded ? 2u : 1u);
  return std::string(r->new_chunk->bytes());
}

TEST(FloatHistogramChunk, FirstHistogramExplicitCounterReset) {
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
    mh::FloatHistogram h;
    h.counter_reset_hint = c.hint;
    FloatHistogramAppender app;
    ASSERT_TRUE(app.AppendFloatHistogram(nullptr, 0, h, false).ok());
    EXPECT_EQ(app.counter_reset_header(), c.header);
    EXPECT_EQ(FirstHint(app.bytes()), c.first_hint);
  }
}

TEST(FloatHistogramChunk, SameBucketsAndReopen) {
  FloatHistogramAppender app;
  mh::FloatHistogram h = SameBucketsHistogram().ToFloat();
  std::vector<std::pair<int64_t, mh::FloatHistogram>> exp;
  int64_t ts = kSetupTs;
  ASSERT_TRUE(app.AppendFloatHistogram(nullptr, ts, h, false).ok());
  exp.push_back({ts, h});
  ts += 16;
  h.count = 32;
  h.zero_count++;
  h.sum = 24.4;
  h.positive_buckets = {5, 3, 4, 2};
  h.negative_buckets = {4, 3, 4, 4};
  ASSERT_TRUE(app.AppendFloatHistogram(nullptr, ts, h, false).ok());
  h.counter_reset_hint = CounterResetHint::kNotReset;
  exp.push_back({ts, h});
  auto reopened = FloatHistogramAppender::FromBytes(app.bytes());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ts += 14;
  h.count = 54;
  h.zero_count += 2;
  h.positive_buckets = {6, 7, 4, 10};
  h.negative_buckets = {5, 6, 4, 7};
  auto r = (*reopened)->AppendFloatHistogram(nullptr, ts, h, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->new_chunk, nullptr);
  exp.push_back({ts, h});
  auto got = ReadAll((*reopened)->bytes());
  ASSERT_EQ(got.size(), exp.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, exp[i].first);
    EXPECT_TRUE(got[i].second.Equals(exp[i].second)) << got[i].second.String();
    EXPECT_EQ(got[i].second.counter_reset_hint,
              i == 0 ? CounterResetHint::kUnknown : CounterResetHint::kNotReset);
  }
  FloatHistogramIterator it((*reopened)->bytes());
  ASSERT_TRUE(it.Seek(exp[1].first));
  EXPECT_EQ(it.T(), exp[1].first);
  EXPECT_FALSE(it.Seek(exp[2].first + 1));
}

TEST(FloatHistogramChunk, BucketChanges) {
  FloatHistogramAppender app;
  mh::FloatHistogram h1 = Eh();
  h1.count = 27;
  h1.negative_spans = {{1, 1}};
  h1.negative_buckets = {1};
  ASSERT_TRUE(app.AppendFloatHistogram(nullptr, kSetupTs, h1, false).ok());
  mh::FloatHistogram h2 = h1;
  h2.positive_spans = {{0, 3}, {1, 1}, {1, 4}, {3, 3}};
  h2.negative_spans = {{0, 2}};
  h2.count = 35;
  h2.zero_count++;
  h2.sum = 30;
  h2.positive_buckets = {7, 5, 1, 3, 1, 0, 2, 5, 5, 0, 1};
  h2.negative_buckets = {2, 1};
  std::string recoded = ExpectAppend(app, h2, Outcome::kRecoded, CounterResetHeader::kUnknown);
  auto got = ReadAll(recoded);
  ASSERT_EQ(got.size(), 2u);
  h1.positive_spans = h2.positive_spans;
  h1.positive_buckets = {6, 3, 0, 3, 0, 0, 2, 4, 5, 0, 1};
  h1.negative_spans = h2.negative_spans;
  h1.negative_buckets = {0, 1};
  EXPECT_TRUE(got[0].second.Equals(h1)) << got[0].second.String();
  EXPECT_TRUE(got[1].second.Equals(h2)) << got[1].second.String();
}

TEST(FloatHistogramChunk, Appendable) {
  const auto kUnknown = CounterResetHeader::kUnknown;
  const auto kReset = CounterResetHeader::kCounterReset;
  const mh::FloatHistogram eh = Eh();
  const mh::FloatHistogram cbh = AppendableCustomBucketsHistogram().ToFloat();
  struct Case {
    std::string name;
    mh::FloatHistogram first;
    std::function<void(mh::FloatHistogram*)> change;
    bool ok;
    Outcome outcome;
    CounterResetHeader header;
  };
  const std::vector<Case> cases = {
      {"schema change", eh, [](mh::FloatHistogram* h) { h->schema++; }, false, Outcome::kNewChunk,
       kUnknown},
      {"zero threshold change", eh, [](mh::FloatHistogram* h) { h->zero_threshold += 0.1; }, false,
       Outcome::kNewChunk, kUnknown},
      {"more buckets", eh,
       [](mh::FloatHistogram* h) {
         h->positive_spans = {{0, 3}, {1, 1}, {1, 4}, {3, 3}};
         h->count += 9;
         h->zero_count++;
         h->sum = 30;
         h->positive_buckets = {7, 5, 1, 3, 1, 0, 2, 5, 5, 0, 1};
       },
       true, Outcome::kRecoded, kUnknown},
      {"a bucket missing", eh,
       [](mh::FloatHistogram* h) {
         h->positive_spans = {{0, 2}, {5, 2}, {3, 1}, {1, 1}};
         h->sum = 21;
         h->positive_buckets = {6, 3, 2, 4, 5, 1};
       },
       false, Outcome::kNewChunk, kReset},
      {"counter reset, same buckets", eh,
       [](mh::FloatHistogram* h) {
         h->sum = 23;
         h->positive_buckets = {6, 2, 3, 2, 4, 5, 1};
       },
       false, Outcome::kNewChunk, kReset},
      {"explicit counter reset", eh,
       [](mh::FloatHistogram* h) { h->counter_reset_hint = CounterResetHint::kReset; }, false,
       Outcome::kNewChunk, kReset},
      {"count decrease", eh, [](mh::FloatHistogram* h) { h->count = 4; }, false, Outcome::kNewChunk,
       kReset},
      {"custom buckets, increase", cbh,
       [](mh::FloatHistogram* h) {
         h->count++;
         h->positive_buckets.back()++;
       },
       true, Outcome::kSameChunk, kUnknown},
      {"custom buckets, decrease", cbh,
       [](mh::FloatHistogram* h) {
         h->count--;
         h->positive_buckets.back()--;
       },
       false, Outcome::kNewChunk, kReset},
      {"custom buckets, bounds change", cbh,
       [](mh::FloatHistogram* h) {
         h->custom_values = mh::MakeCustomValues(
             {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21});
       },
       false, Outcome::kNewChunk, kReset},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto app = StartChunk(c.first, kUnknown);
    mh::FloatHistogram h2 = c.first;
    c.change(&h2);
    EXPECT_EQ(app->Appendable(h2).ok, c.ok);
    ExpectAppend(*app, h2, c.outcome, c.header);
  }
  {
    SCOPED_TRACE("buckets missing that were empty");
    mh::FloatHistogram first = eh;
    first.positive_buckets = {6, 0, 1, 2, 0, 1, 2};
    auto app = StartChunk(first, kUnknown);
    mh::FloatHistogram h2 = first;
    h2.positive_spans = {{0, 1}, {3, 1}, {3, 1}, {4, 1}, {1, 1}};
    h2.positive_buckets = {7, 2, 3, 3, 4};
    Appendability a = app->Appendable(h2);
    EXPECT_TRUE(a.ok);
    EXPECT_FALSE(a.backward_positive_inserts.empty());
    auto got = ReadAll(ExpectAppend(*app, h2, Outcome::kSameChunk, kUnknown));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].second.positive_buckets, (std::vector<double>{7, 0, 2, 3, 0, 3, 4}));
    EXPECT_EQ(got[1].second.positive_spans, first.positive_spans);
  }
  {
    SCOPED_TRACE("prev chunk: appendable -> NotCounterReset; schema change -> NotCounterReset");
    // Prometheus' float appender reports only reset / no reset for a continuing chunk.
    auto prev = StartChunk(eh, kUnknown);
    for (bool schema_change : {false, true}) {
      mh::FloatHistogram h2 = eh;
      if (schema_change) h2.schema++;
      FloatHistogramAppender next;
      ASSERT_TRUE(next.AppendFloatHistogram(prev.get(), kSetupTs + 1, h2, false).ok());
      EXPECT_EQ(next.counter_reset_header(), CounterResetHeader::kNotCounterReset);
      EXPECT_EQ(FirstHint(next.bytes()), CounterResetHint::kUnknown);
    }
    mh::FloatHistogram h3 = eh;
    h3.count = 1;
    FloatHistogramAppender next;
    ASSERT_TRUE(next.AppendFloatHistogram(prev.get(), kSetupTs + 1, h3, false).ok());
    EXPECT_EQ(next.counter_reset_header(), kReset);
  }
}

TEST(FloatHistogramChunk, AppendableGauge) {
  mh::FloatHistogram eh = Eh();
  eh.counter_reset_hint = CounterResetHint::kGauge;
  const auto kGauge = CounterResetHeader::kGauge;
  {
    auto app = StartChunk(eh, kGauge);
    mh::FloatHistogram h2 = eh;
    h2.schema++;
    EXPECT_FALSE(app->AppendableGauge(h2).ok);
    EXPECT_EQ(FirstHint(ExpectAppend(*app, h2, Outcome::kNewChunk, kGauge)),
              CounterResetHint::kGauge);
  }
  {
    auto app = StartChunk(eh, kGauge);
    mh::FloatHistogram h2 = eh;
    h2.positive_spans = {{0, 2}, {2, 1}, {3, 1}, {4, 1}, {1, 1}};
    h2.count -= 4;
    h2.positive_buckets = {6, 3, 3, 2, 5, 1};
    auto got = ReadAll(ExpectAppend(*app, h2, Outcome::kSameChunk, kGauge));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].second.positive_buckets, (std::vector<double>{6, 3, 3, 2, 0, 5, 1}));
    EXPECT_EQ(got[1].second.counter_reset_hint, CounterResetHint::kGauge);
  }
  {
    auto app = StartChunk(eh, kGauge);
    mh::FloatHistogram h2 = eh;
    h2.positive_spans = {{0, 2}, {5, 2}, {3, 1}, {1, 1}};
    h2.positive_buckets = {6, 3, 2, 4, 5, 1};
    Appendability a = app->AppendableGauge(h2);
    EXPECT_FALSE(a.positive_inserts.empty());
    EXPECT_FALSE(a.backward_positive_inserts.empty());
    auto got = ReadAll(ExpectAppend(*app, h2, Outcome::kRecoded, kGauge));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].second.positive_spans, (Spans{{0, 2}, {2, 1}, {2, 3}, {2, 4}}));
  }
}

TEST(FloatHistogramChunk, AppendOnlyErrors) {
  mh::FloatHistogram h = GenerateTestHistogram(0).ToFloat();
  FloatHistogramAppender app;
  ASSERT_TRUE(app.AppendFloatHistogram(nullptr, 1, h, true).ok());
  mh::FloatHistogram h2 = h;
  h2.schema++;
  EXPECT_EQ(app.AppendFloatHistogram(nullptr, 2, h2, true).status().message(),
            "float histogram schema change");
  h2 = h;
  h2.counter_reset_hint = CounterResetHint::kReset;
  EXPECT_EQ(app.AppendFloatHistogram(nullptr, 2, h2, true).status().message(),
            "float histogram counter reset");
  EXPECT_EQ(app.num_samples(), 1);
}

TEST(FloatHistogramChunk, EmptyBucketsWithGapsAndSchemas) {
  mh::FloatHistogram h1;
  h1.positive_spans = {{-19, 2}, {1, 2}};
  h1.positive_buckets = {0, 0, 0, 0};
  FloatHistogramAppender app;
  ASSERT_TRUE(app.AppendFloatHistogram(nullptr, 1, h1, false).ok());
  mh::FloatHistogram h2;
  h2.positive_spans = {{-19, 1}, {4, 1}, {3, 1}};
  h2.positive_buckets = {0, 0, 0};
  auto r = app.AppendFloatHistogram(nullptr, 2, h2, false);
  ASSERT_TRUE(r.ok());
  ASSERT_NE(r->new_chunk, nullptr);
  EXPECT_TRUE(r->recoded);
  for (const auto& [t, fh] : ReadAll(r->new_chunk->bytes())) EXPECT_TRUE(fh.Validate().ok());

  for (int32_t schema : {-101, 101}) {
    FloatHistogramAppender bad;
    ASSERT_TRUE(
        bad.AppendFloatHistogram(nullptr, 1, ReducibleHistogram(schema).ToFloat(), false).ok());
    FloatHistogramIterator it(bad.bytes());
    EXPECT_FALSE(it.Next());
    EXPECT_FALSE(it.status().ok());
  }
  for (int32_t schema : {9, 52}) {
    FloatHistogramAppender high;
    ASSERT_TRUE(
        high.AppendFloatHistogram(nullptr, 1, ReducibleHistogram(schema).ToFloat(), false).ok());
    auto got = ReadAll(high.bytes());
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].second.schema, mh::kExponentialSchemaMax);
  }
}

// ---- randomized round trips ----

// A counter native histogram series: buckets appear over time, observations only add, with an
// occasional counter reset, stale marker or schema change.
std::vector<mh::Histogram> RandomSeries(std::mt19937_64& rng, int n, bool gauge) {
  std::vector<mh::Histogram> out;
  std::map<int32_t, int64_t> pos, neg;  // absolute counts by bucket index
  uint64_t zero = 0;
  int32_t schema = static_cast<int32_t>(rng() % 13) - 4;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const unsigned event = rng() % 100;
    if (event < 2) {
      pos.clear();
      neg.clear();
      zero = 0;
      sum = 0;
    } else if (event < 3) {
      schema = static_cast<int32_t>(rng() % 13) - 4;
    }
    const int observations = static_cast<int>(rng() % 50);
    for (int k = 0; k < observations; ++k) {
      const int32_t idx = static_cast<int32_t>(rng() % 40) - 20;
      if (rng() % 10 == 0) {
        ++zero;
      } else if (rng() % 4 == 0) {
        ++neg[idx];
      } else {
        ++pos[idx];
      }
      sum += static_cast<double>(rng() % 1000) / 7;
    }
    if (gauge && rng() % 3 == 0 && !pos.empty()) pos.begin()->second = 0;  // gauges go down
    mh::Histogram h;
    h.schema = schema;
    h.zero_threshold = 0.001;
    h.zero_count = zero;
    h.sum = sum;
    uint64_t count = zero;
    auto fill = [&count](const std::map<int32_t, int64_t>& m, Spans* spans,
                         std::vector<int64_t>* buckets) {
      int32_t next = 0;
      int64_t prev = 0;
      for (const auto& [idx, c] : m) {
        if (spans->empty() || idx != next) {
          spans->push_back({spans->empty() ? idx : idx - next, 0});
        }
        ++spans->back().length;
        buckets->push_back(c - prev);
        prev = c;
        next = idx + 1;
        count += static_cast<uint64_t>(c);
      }
    };
    fill(pos, &h.positive_spans, &h.positive_buckets);
    fill(neg, &h.negative_spans, &h.negative_buckets);
    h.count = count;
    if (gauge) h.counter_reset_hint = CounterResetHint::kGauge;
    if (rng() % 50 == 0) {
      h = mh::Histogram();
      h.sum = model::StaleNaN();
    }
    out.push_back(std::move(h));
  }
  return out;
}

// Canonical form for comparing: float, empty buckets dropped (recoding may add them).
mh::FloatHistogram Canonical(const mh::FloatHistogram& h) {
  mh::FloatHistogram c = h;
  c.Compact(0);
  c.counter_reset_hint = CounterResetHint::kUnknown;
  return c;
}

template <typename Appender, typename Iterator, typename H>
void RoundTrip(const std::vector<H>& series, bool gauge, int* recodes, int* cuts) {
  std::vector<std::unique_ptr<Appender>> chunks;
  chunks.push_back(std::make_unique<Appender>());
  for (size_t i = 0; i < series.size(); ++i) {
    const Appender* prev = chunks.size() > 1 ? chunks[chunks.size() - 2].get() : nullptr;
    absl::StatusOr<typename Appender::AppendResult> r;
    if constexpr (std::is_same_v<H, mh::Histogram>) {
      r = chunks.back()->AppendHistogram(prev, 15000 * static_cast<int64_t>(i), series[i], false);
    } else {
      r = chunks.back()->AppendFloatHistogram(prev, 15000 * static_cast<int64_t>(i), series[i],
                                              false);
    }
    ASSERT_TRUE(r.ok()) << i << " " << r.status();
    if (r->new_chunk == nullptr) continue;
    if (r->recoded) {
      ++*recodes;
      chunks.back() = std::move(r->new_chunk);
    } else {
      ++*cuts;
      chunks.push_back(std::move(r->new_chunk));
    }
  }
  size_t i = 0;
  for (const auto& c : chunks) {
    Iterator it(c->bytes());
    int in_chunk = 0;
    while (it.Next()) {
      ASSERT_LT(i, series.size());
      EXPECT_EQ(it.T(), 15000 * static_cast<int64_t>(i));
      mh::FloatHistogram got;
      it.AtFloatHistogram(&got);
      mh::FloatHistogram want;
      if constexpr (std::is_same_v<H, mh::Histogram>) {
        want = series[i].ToFloat();
        mh::Histogram got_int;
        it.AtHistogram(&got_int);
        EXPECT_EQ(got_int.count, series[i].count) << i;
      } else {
        want = series[i];
      }
      if (model::IsStaleNaN(want.sum)) {
        EXPECT_TRUE(model::IsStaleNaN(got.sum)) << i;
      } else {
        EXPECT_TRUE(Canonical(got).Equals(Canonical(want)))
            << i << ": " << got.String() << " vs " << want.String();
        const CounterResetHint hint = gauge           ? CounterResetHint::kGauge
                                      : in_chunk == 0 ? CounterResetHint::kUnknown
                                                      : CounterResetHint::kNotReset;
        EXPECT_EQ(got.counter_reset_hint, hint) << i;
      }
      ++in_chunk;
      ++i;
    }
    ASSERT_TRUE(it.status().ok()) << it.status();
  }
  EXPECT_EQ(i, series.size());
}

TEST(HistogramChunkRoundTrip, RandomIntegerSeries) {
  int recodes = 0, cuts = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937_64 rng(seed);
    for (bool gauge : {false, true}) {
      RoundTrip<HistogramAppender, HistogramIterator>(RandomSeries(rng, 300, gauge), gauge,
                                                      &recodes, &cuts);
    }
  }
  // The series exercise both recoding and chunk cutting.
  EXPECT_GT(recodes, 100);
  EXPECT_GT(cuts, 100);
  std::printf("recodes %d, new chunks %d\n", recodes, cuts);
}

TEST(HistogramChunkRoundTrip, RandomFloatSeries) {
  int recodes = 0, cuts = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937_64 rng(seed);
    for (bool gauge : {false, true}) {
      std::vector<mh::FloatHistogram> series;
      for (const mh::Histogram& h : RandomSeries(rng, 300, gauge)) {
        mh::FloatHistogram f = h.ToFloat();
        f.counter_reset_hint = h.counter_reset_hint;
        if (!model::IsStaleNaN(f.sum)) f.sum += 0.25;  // non-integral values
        series.push_back(std::move(f));
      }
      RoundTrip<FloatHistogramAppender, FloatHistogramIterator>(series, gauge, &recodes, &cuts);
    }
  }
  EXPECT_GT(recodes, 100);
  EXPECT_GT(cuts, 100);
  std::printf("recodes %d, new chunks %d\n", recodes, cuts);
}

}  // namespace
}  // namespace promlet::tsdb::chunkenc
