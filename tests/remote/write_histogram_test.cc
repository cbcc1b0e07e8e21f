// Native histograms through the Remote Write codecs and receiver (1.0 and 2.0): integer and
// float histograms, spans and deltas, the zero bucket, reset hints, custom buckets (schema -53),
// the reduction of schemas 9..52 to 8, and Prometheus' answers to invalid and out-of-order
// histograms.
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/remote/codec.h"
#include "storage/remote/write_handler.h"
#include "tests/remote/temp_dir.h"
#include "tsdb/db.h"

namespace promlet::remote {
namespace {

namespace hist = model::histogram;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1'700'000'000'000;

HistogramSample IntHistogram(int64_t t, uint64_t scale = 1) {
  HistogramSample s;
  s.t = t;
  hist::Histogram& h = s.h;
  h.counter_reset_hint = hist::CounterResetHint::kNotReset;
  h.schema = 1;
  h.zero_threshold = 0.001;
  h.zero_count = 2 * scale;
  h.positive_spans = {{0, 2}, {3, 1}};
  h.positive_buckets = {static_cast<int64_t>(scale), static_cast<int64_t>(scale),
                        -static_cast<int64_t>(scale)};  // 1, 2, 1
  h.negative_spans = {{-1, 1}};
  h.negative_buckets = {static_cast<int64_t>(3 * scale)};
  h.count = 9 * scale;
  h.sum = 12.5 * static_cast<double>(scale);
  return s;
}

HistogramSample FloatHistogram(int64_t t) {
  HistogramSample s;
  s.t = t;
  s.is_float = true;
  hist::FloatHistogram& fh = s.fh;
  fh.counter_reset_hint = hist::CounterResetHint::kGauge;
  fh.schema = 0;
  fh.zero_threshold = 0.5;
  fh.zero_count = 1.5;
  fh.positive_spans = {{1, 2}};
  fh.positive_buckets = {0.25, 3};
  fh.count = 4.75;
  fh.sum = -1.25;
  return s;
}

HistogramSample CustomBucketsHistogram(int64_t t) {
  HistogramSample s;
  s.t = t;
  hist::Histogram& h = s.h;
  h.schema = hist::kCustomBucketsSchema;
  h.positive_spans = {{0, 3}};
  h.positive_buckets = {1, 1, -2};  // 1, 2, 0
  h.custom_values = hist::MakeCustomValues({0.1, 1, 10});
  h.count = 3;
  h.sum = 2.5;
  return s;
}

bool SameHistogram(const HistogramSample& a, const HistogramSample& b) {
  if (a.t != b.t || a.is_float != b.is_float) return false;
  if (a.is_float) return a.fh.Equals(b.fh) && a.fh.counter_reset_hint == b.fh.counter_reset_hint;
  return a.h.Equals(b.h) && a.h.counter_reset_hint == b.h.counter_reset_hint;
}

WriteSeries HSeries(const std::string& name, std::vector<HistogramSample> hs) {
  WriteSeries s;
  s.labels = model::Labels{{"__name__", name}, {"job", "rw"}};
  s.histograms = std::move(hs);
  return s;
}

TEST(HistogramCodecTest, RoundTripBothProtocols) {
  std::vector<WriteSeries> in = {
      HSeries("h", {IntHistogram(1000), IntHistogram(2000, 2)}),
      HSeries("fh", {FloatHistogram(1000)}),
      HSeries("nhcb", {CustomBucketsHistogram(3000)}),
  };
  in[0].samples = {{500, 1}};  // a series may carry both
  for (WriteProto p : {WriteProto::kV1, WriteProto::kV2}) {
    auto d = DecodeWriteRequest(p, EncodeWriteRequest(p, in));
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->histograms, 4u);
    ASSERT_EQ(d->series.size(), in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      EXPECT_EQ(d->series[i].labels, in[i].labels);
      EXPECT_EQ(d->series[i].samples.size(), in[i].samples.size());
      ASSERT_EQ(d->series[i].histograms.size(), in[i].histograms.size());
      for (size_t j = 0; j < in[i].histograms.size(); ++j) {
        EXPECT_TRUE(SameHistogram(in[i].histograms[j], d->series[i].histograms[j]))
            << "series " << i << " histogram " << j;
      }
    }
    // Custom values stay absent (not empty) on exponential schemas: Validate tells them apart.
    EXPECT_EQ(d->series[0].histograms[0].h.custom_values, nullptr);
    ASSERT_NE(d->series[2].histograms[0].h.custom_values, nullptr);
    EXPECT_EQ(*d->series[2].histograms[0].h.custom_values, (std::vector<double>{0.1, 1, 10}));
  }
}

class WriteHistogramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tsdb::DBOptions o;
    o.background_compaction = false;
    o.now_ms = [] { return kNow; };
    auto db = tsdb::DB::Open(dir_.path(), o);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    WriteHandlerOptions ho;
    ho.now_ms = [] { return kNow; };
    handler_ = std::make_unique<WriteHandler>(db_.get(), ho);
  }

  WriteHttpResponse Post(WriteProto p, const std::vector<WriteSeries>& series) {
    body_ = SnappyCompress(EncodeWriteRequest(p, series));
    ctype_ = WriteContentType(p);
    return handler_->Serve({body_, ctype_, "snappy"});
  }

  // Histogram samples stored for the series named `name`.
  std::vector<HistogramSample> Stored(const std::string& name) {
    auto q = db_->NewQuerier(0, kNow + 3600'000);
    EXPECT_TRUE(q.ok());
    auto m = model::Matcher::Make(model::MatchType::kEqual, "__name__", name);
    EXPECT_TRUE(m.ok());
    std::vector<model::Matcher> ms{*m};
    auto set = (*q)->Select(ms);
    std::vector<HistogramSample> out;
    while (set->Next()) {
      auto it = set->At().Iterator();
      while (it->Next()) {
        HistogramSample s;
        s.t = it->T();
        if (it->Type() == storage::ValueType::kHistogram) {
          it->AtHistogram(&s.h);
        } else if (it->Type() == storage::ValueType::kFloatHistogram) {
          s.is_float = true;
          it->AtFloatHistogram(&s.fh);
        } else {
          ADD_FAILURE() << "float sample at " << s.t;
        }
        out.push_back(std::move(s));
      }
    }
    return out;
  }

  void ExpectStored(const std::string& name, const std::vector<HistogramSample>& want) {
    auto got = Stored(name);
    ASSERT_EQ(got.size(), want.size()) << name;
    for (size_t i = 0; i < want.size(); ++i) {
      // The head decides the stored reset hint (Prometheus too): compare the values.
      EXPECT_EQ(got[i].t, want[i].t);
      ASSERT_EQ(got[i].is_float, want[i].is_float);
      if (want[i].is_float) {
        EXPECT_TRUE(got[i].fh.Equals(want[i].fh)) << got[i].fh.String();
      } else {
        EXPECT_TRUE(got[i].h.Equals(want[i].h)) << got[i].h.String();
      }
    }
  }

  TempDir dir_;
  std::unique_ptr<tsdb::DB> db_;
  std::unique_ptr<WriteHandler> handler_;
  std::string body_, ctype_;
};

TEST_F(WriteHistogramTest, V1StoresIntegerAndFloatHistograms) {
  auto r = Post(WriteProto::kV1,
                {HSeries("h", {IntHistogram(kNow - 2000), IntHistogram(kNow - 1000, 3)}),
                 HSeries("fh", {FloatHistogram(kNow - 1000)})});
  EXPECT_EQ(r.status, 204) << r.body;
  ExpectStored("h", {IntHistogram(kNow - 2000), IntHistogram(kNow - 1000, 3)});
  ExpectStored("fh", {FloatHistogram(kNow - 1000)});
  EXPECT_EQ(handler_->stats().histograms_appended.load(), 3u);
}

TEST_F(WriteHistogramTest, V2StoresCustomBucketsAndCountsThemInTheHeader) {
  auto r = Post(WriteProto::kV2, {HSeries("nhcb", {CustomBucketsHistogram(kNow - 1000)}),
                                  HSeries("fh", {FloatHistogram(kNow - 1000)})});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_THAT(r.headers, ::testing::Contains(std::pair<std::string, std::string>(
                             "X-Prometheus-Remote-Write-Histograms-Written", "2")));
  ExpectStored("nhcb", {CustomBucketsHistogram(kNow - 1000)});
}

TEST_F(WriteHistogramTest, InvalidHistogramIs400NamingTheSeries) {
  HistogramSample bad = IntHistogram(kNow - 1000);
  bad.h.count = 3;  // fewer than its buckets hold
  // 1.0: nothing of the request is stored.
  auto r1 =
      Post(WriteProto::kV1, {HSeries("ok", {IntHistogram(kNow - 1000)}), HSeries("bad", {bad})});
  EXPECT_EQ(r1.status, 400);
  EXPECT_THAT(r1.body, HasSubstr("bad"));
  EXPECT_THAT(r1.body, HasSubstr("job=\"rw\""));
  EXPECT_TRUE(Stored("ok").empty());
  // 2.0: the valid series is stored (partial write).
  auto r2 =
      Post(WriteProto::kV2, {HSeries("ok", {IntHistogram(kNow - 1000)}), HSeries("bad", {bad})});
  EXPECT_EQ(r2.status, 400);
  EXPECT_THAT(r2.body, HasSubstr("for series bad{job=\"rw\"}"));
  EXPECT_THAT(r2.headers, ::testing::Contains(std::pair<std::string, std::string>(
                              "X-Prometheus-Remote-Write-Histograms-Written", "1")));
  ExpectStored("ok", {IntHistogram(kNow - 1000)});
  EXPECT_EQ(handler_->stats().histograms_rejected.load(), 2u);
}

TEST_F(WriteHistogramTest, OutOfOrderAndFutureHistogramsAre400AndCounted) {
  ASSERT_EQ(Post(WriteProto::kV1, {HSeries("h", {IntHistogram(kNow - 1000)})}).status, 204);
  auto r = Post(WriteProto::kV1, {HSeries("h", {IntHistogram(kNow - 5000)})});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("out of order"));
  auto f = Post(WriteProto::kV2, {HSeries("h", {IntHistogram(kNow + 11 * 60'000)})});
  EXPECT_EQ(f.status, 400);
  EXPECT_THAT(f.body, HasSubstr("out of bounds"));
  EXPECT_EQ(handler_->stats().histograms_rejected.load(), 2u);
  ExpectStored("h", {IntHistogram(kNow - 1000)});
}

TEST_F(WriteHistogramTest, SchemasAbove8AreReducedTo8) {
  HistogramSample fine = IntHistogram(kNow - 1000);
  fine.h.schema = 10;  // 4 buckets of schema 10 merge into one of schema 8
  fine.h.zero_count = 0;
  fine.h.negative_spans.clear();
  fine.h.negative_buckets.clear();
  fine.h.positive_spans = {{0, 4}};
  fine.h.positive_buckets = {1, 0, 0, 0};
  fine.h.count = 4;
  ASSERT_EQ(Post(WriteProto::kV1, {HSeries("fine", {fine})}).status, 204);
  auto got = Stored("fine");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].h.schema, 8);
  EXPECT_EQ(got[0].h.count, 4u);
  HistogramSample want = fine;
  ASSERT_TRUE(want.h.ReduceResolution(8).ok());
  EXPECT_TRUE(got[0].h.Equals(want.h)) << got[0].h.String();
}

}  // namespace
}  // namespace promlet::remote
