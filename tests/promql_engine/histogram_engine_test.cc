// Native histograms through the engine, over a small in-memory storage (independent of the
// tsdb head): selectors and staleness, the histogram_* functions, rate, sum, binary operators
// and the results' histogram fields.
#include <cmath>
#include <map>
#include <memory>
#include <variant>

#include "gtest/gtest.h"
#include "model/histogram/test_notation.h"
#include "model/value.h"
#include "promql/engine/engine.h"

namespace promlet::promql {
namespace {

using model::histogram::FloatHistogram;

// One sample of the in-memory storage: a float or a histogram.
struct MemSample {
  int64_t t;
  double v;
  std::shared_ptr<const FloatHistogram> h;
};

class MemIterator : public storage::SampleIterator {
 public:
  explicit MemIterator(const std::vector<MemSample>* s) : s_(s) {}
  bool Next() override { return ++i_ < static_cast<int64_t>(s_->size()); }
  bool Seek(int64_t t) override {
    if (i_ < 0) i_ = 0;
    while (i_ < static_cast<int64_t>(s_->size()) && (*s_)[i_].t < t) ++i_;
    return i_ < static_cast<int64_t>(s_->size());
  }
  int64_t T() const override { return (*s_)[i_].t; }
  double V() const override { return (*s_)[i_].v; }
  storage::ValueType Type() const override {
    return (*s_)[i_].h ? storage::ValueType::kFloatHistogram : storage::ValueType::kFloat;
  }
  void AtFloatHistogram(FloatHistogram* out) const override { *out = (*s_)[i_].h->Copy(); }

 private:
  const std::vector<MemSample>* s_;
  int64_t i_ = -1;
};

class MemSeries : public storage::Series {
 public:
  MemSeries(model::Labels l, const std::vector<MemSample>* s) : l_(std::move(l)), s_(s) {}
  const model::Labels& labels() const override { return l_; }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    return std::make_unique<MemIterator>(s_);
  }

 private:
  model::Labels l_;
  const std::vector<MemSample>* s_;
};

class MemSet : public storage::SeriesSet {
 public:
  bool Next() override { return ++i_ < static_cast<int64_t>(series.size()); }
  const storage::Series& At() const override { return series[i_]; }
  std::vector<MemSeries> series;

 private:
  int64_t i_ = -1;
};

class MemStorage : public storage::Queryable, public storage::Querier {
 public:
  void Add(const std::string& metric, std::vector<MemSample> samples) {
    data_[model::Labels::FromUnsorted({{"__name__", metric}})] = std::move(samples);
  }
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t, int64_t) override {
    struct Ref : storage::Querier {
      MemStorage* s;
      explicit Ref(MemStorage* x) : s(x) {}
      std::unique_ptr<storage::SeriesSet> Select(absl::Span<const model::Matcher> m,
                                                 const storage::SelectHints* h) override {
        return s->Select(m, h);
      }
      absl::StatusOr<std::vector<std::string>> LabelNames(
          absl::Span<const model::Matcher>) override {
        return std::vector<std::string>{};
      }
      absl::StatusOr<std::vector<std::string>> LabelValues(
          std::string_view, absl::Span<const model::Matcher>) override {
        return std::vector<std::string>{};
      }
    };
    return std::make_unique<Ref>(this);
  }
  std::unique_ptr<storage::SeriesSet> Select(absl::Span<const model::Matcher> matchers,
                                             const storage::SelectHints*) override {
    auto set = std::make_unique<MemSet>();
    for (const auto& [l, s] : data_) {
      bool ok = true;
      for (const auto& m : matchers) ok = ok && m.Matches(l.Get(m.name()));
      if (ok) set->series.emplace_back(l, &s);
    }
    return set;
  }
  absl::StatusOr<std::vector<std::string>> LabelNames(absl::Span<const model::Matcher>) override {
    return std::vector<std::string>{};
  }
  absl::StatusOr<std::vector<std::string>> LabelValues(
      std::string_view, absl::Span<const model::Matcher>) override {
    return std::vector<std::string>{};
  }

 private:
  std::map<model::Labels, std::vector<MemSample>> data_;
};

std::shared_ptr<const FloatHistogram> H(const std::string& notation) {
  auto h = model::histogram::ParseHistogramDescriptor(notation);
  EXPECT_TRUE(h.ok()) << h.status();
  return std::make_shared<const FloatHistogram>(std::move(h->histogram));
}

class HistogramEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A counter histogram every 10s: counts 0, 10, 20, ... (one bucket).
    std::vector<MemSample> h;
    for (int i = 0; i <= 12; ++i) {
      const std::string n = std::to_string(i * 10);
      h.push_back({i * 10000, 0, H("{{count:" + n + " sum:" + n + " buckets:[" + n + "]}}")});
    }
    db_.Add("hist_total", std::move(h));
    db_.Add("mixed", {{0, 1, nullptr}, {10000, 0, H("{{count:2 sum:3 buckets:[2]}}")}});
    FloatHistogram stale = H("{{count:1 sum:1 buckets:[1]}}")->Copy();
    stale.sum = model::StaleNaN();
    db_.Add("stale_h", {{0, 0, H("{{count:1 sum:1 buckets:[1]}}")},
                        {10000, 0, std::make_shared<const FloatHistogram>(stale)}});
  }
  Vector Instant(const std::string& q, int64_t t, Result* full = nullptr) {
    auto r = engine_.InstantQuery(db_, q, t);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status();
    if (!r.ok()) return {};
    if (full != nullptr) *full = *r;
    return std::get<Vector>(r->value);
  }
  MemStorage db_;
  Engine engine_;
};

TEST_F(HistogramEngineTest, SelectorReturnsTheLatestSampleOfEitherKind) {
  Vector v = Instant("mixed", 5000);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].h, nullptr);
  EXPECT_EQ(v[0].v, 1);
  v = Instant("mixed", 15000);
  ASSERT_EQ(v.size(), 1u);
  ASSERT_NE(v[0].h, nullptr);
  EXPECT_EQ(v[0].h->count, 2);
  EXPECT_EQ(v[0].t, 15000);
}

TEST_F(HistogramEngineTest, HistogramStaleMarkerEndsTheSeries) {
  EXPECT_EQ(Instant("stale_h", 5000).size(), 1u);
  EXPECT_TRUE(Instant("stale_h", 15000).empty());
}

TEST_F(HistogramEngineTest, HistogramFunctionsGiveFloats) {
  Vector v = Instant("histogram_count(hist_total)", 30000);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].h, nullptr);
  EXPECT_EQ(v[0].v, 30);
  EXPECT_TRUE(v[0].labels.MetricName().empty());
  v = Instant("histogram_avg(hist_total)", 30000);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].v, 1);
  // Float samples are ignored.
  v = Instant("histogram_sum(mixed)", 5000);
  EXPECT_TRUE(v.empty());
}

TEST_F(HistogramEngineTest, RateOfACounterHistogram) {
  // 1 observation per second over the whole window.
  Vector v = Instant("rate(hist_total[1m])", 120000);
  ASSERT_EQ(v.size(), 1u);
  ASSERT_NE(v[0].h, nullptr);
  EXPECT_DOUBLE_EQ(v[0].h->count, 1);
  EXPECT_DOUBLE_EQ(v[0].h->sum, 1);
  EXPECT_EQ(v[0].h->counter_reset_hint, model::histogram::CounterResetHint::kGauge);
}

TEST_F(HistogramEngineTest, RateOverAMixedWindowWarns) {
  Result r;
  Vector v = Instant("rate(mixed[1m])", 15000, &r);
  EXPECT_TRUE(v.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0],
            "PromQL warning: encountered a mix of histograms and floats for metric name "
            "\"mixed\" (1:6)");
}

TEST_F(HistogramEngineTest, SumAndArithmetic) {
  Vector v = Instant("sum(hist_total)", 30000);
  ASSERT_EQ(v.size(), 1u);
  ASSERT_NE(v[0].h, nullptr);
  EXPECT_EQ(v[0].h->count, 30);
  v = Instant("hist_total * 2 + hist_total", 30000);
  ASSERT_EQ(v.size(), 1u);
  ASSERT_NE(v[0].h, nullptr);
  EXPECT_EQ(v[0].h->count, 90);
  Result r;
  v = Instant("hist_total + 1", 30000, &r);
  EXPECT_TRUE(v.empty());
  ASSERT_EQ(r.infos.size(), 1u);
  EXPECT_EQ(r.infos[0],
            "PromQL info: incompatible sample types encountered for binary operator \"+\": "
            "histogram + float (1:1)");
}

TEST_F(HistogramEngineTest, RangeQueryCarriesHistogramPoints) {
  auto r = engine_.RangeQuery(db_, "hist_total", 0, 20000, 10000);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m[0].points.empty());
  ASSERT_EQ(m[0].histograms.size(), 3u);
  EXPECT_EQ(m[0].histograms[2].t, 20000);
  EXPECT_EQ(m[0].histograms[2].h->count, 20);
}

// Anchored and smoothed selectors over histograms (extended_histograms.cc): every step of a
// range query equals the instant query at that step, across a counter reset and a gap.
TEST_F(HistogramEngineTest, ExtendedRangeStepsMatchInstants) {
  std::vector<MemSample> h;
  for (int i = 0; i <= 30; ++i) {
    if (i % 7 == 3) continue;                  // gaps
    const int n = (i < 14 ? i : i - 14) * 3 + 1;  // a reset at i = 14
    const std::string c = std::to_string(n);
    h.push_back({i * 10000 + 1500, 0,
                 H("{{count:" + c + " sum:" + c + " buckets:[" + c + "]}}")});
  }
  db_.Add("reset_total", std::move(h));
  for (const char* q :
       {"histogram_count(increase(reset_total[35s] anchored))",
        "histogram_count(rate(reset_total[35s] smoothed))",
        "histogram_sum(delta(reset_total[20s] smoothed))", "resets(reset_total[30s] anchored)",
        "changes(reset_total[15s] anchored)", "histogram_count(reset_total smoothed)"}) {
    auto range = engine_.RangeQuery(db_, q, 0, 330000, 5000);
    ASSERT_TRUE(range.ok()) << q << ": " << range.status();
    const auto& m = std::get<Matrix>(range->value);
    size_t points = 0;
    for (const auto& series : m) points += series.points.size();
    size_t instants = 0;
    for (int64_t t = 0; t <= 330000; t += 5000) {
      Vector v = Instant(q, t);
      if (v.empty()) continue;
      ASSERT_EQ(v.size(), 1u) << q;
      ++instants;
      bool found = false;
      for (const auto& series : m) {
        for (const auto& p : series.points) {
          if (p.t != t) continue;
          found = true;
          EXPECT_EQ(p.v, v[0].v) << q << " @" << t;
        }
      }
      EXPECT_TRUE(found) << q << " @" << t;
    }
    EXPECT_EQ(points, instants) << q;
    EXPECT_GT(instants, 30u) << q;
  }
  // Hand-checked: at 60s the anchored window (25s, 60s] starts from the sample at 21.5s
  // (count 7) and ends at 51.5s (count 16).
  Vector v = Instant("histogram_count(increase(reset_total[35s] anchored))", 60000);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].v, 9);
}

TEST_F(HistogramEngineTest, InstantExtendedMatrixOfHistogramsIsRefused) {
  auto r = engine_.InstantQuery(db_, "hist_total[1m] anchored", 60000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("anchored modifier is not supported with histograms"),
            std::string::npos)
      << r.status();
}

TEST_F(HistogramEngineTest, TimestampOfAHistogramIsItsTime) {
  Vector v = Instant("timestamp(hist_total)", 35000);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].h, nullptr);
  EXPECT_EQ(v[0].v, 30);
}

}  // namespace
}  // namespace promlet::promql
