#include "storage/remote/read_handler.h"

#include <map>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/remote/codec.h"
#include "storage/remote/proto/remote.pb.h"
#include "tests/remote/temp_dir.h"
#include "tsdb/chunkenc/float_histogram_chunk.h"
#include "tsdb/chunkenc/histogram_chunk.h"
#include "tsdb/chunkenc/xor.h"
#include "tsdb/db.h"

namespace promlet::remote {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNow = 1'700'000'000'000;

class ReadHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tsdb::DBOptions o;
    o.background_compaction = false;
    o.now_ms = [] { return kNow; };
    auto db = tsdb::DB::Open(dir_.path(), o);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto app = db_->NewAppender();
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE(
          app->Append(0, model::Labels{{"__name__", "a"}, {"job", "x"}}, kNow + i * 1000, i).ok());
      ASSERT_TRUE(
          app->Append(0, model::Labels{{"__name__", "a"}, {"job", "y"}}, kNow + i * 1000, -i).ok());
      ASSERT_TRUE(
          app->Append(0, model::Labels{{"__name__", "b"}, {"job", "x"}}, kNow + i * 1000, 0.5)
              .ok());
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  prometheus::ReadRequest Request(int64_t start, int64_t end, const std::string& job_regex,
                                  std::vector<prometheus::ReadRequest::ResponseType> types) {
    prometheus::ReadRequest r;
    auto* q = r.add_queries();
    q->set_start_timestamp_ms(start);
    q->set_end_timestamp_ms(end);
    auto* m = q->add_matchers();
    m->set_type(prometheus::LabelMatcher::EQ);
    m->set_name("__name__");
    m->set_value("a");
    auto* m2 = q->add_matchers();
    m2->set_type(prometheus::LabelMatcher::RE);
    m2->set_name("job");
    m2->set_value(job_regex);
    for (auto t : types) r.add_accepted_response_types(t);
    return r;
  }

  ReadHttpResponse Serve(const prometheus::ReadRequest& r, ReadHandlerOptions o = {}) {
    ReadHandler h(db_.get(), o);
    return h.Serve(SnappyCompress(r.SerializeAsString()));
  }

  TempDir dir_;
  std::unique_ptr<tsdb::DB> db_;
};

TEST_F(ReadHandlerTest, SamplesWithMatchersAndRange) {
  auto res = Serve(Request(kNow + 10'000, kNow + 19'000, "x|y", {}));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.content_type, "application/x-protobuf");
  auto raw = SnappyUncompress(res.body, 1 << 26);
  ASSERT_TRUE(raw.ok());
  prometheus::ReadResponse resp;
  ASSERT_TRUE(resp.ParseFromString(*raw));
  ASSERT_EQ(resp.results_size(), 1);
  ASSERT_EQ(resp.results(0).timeseries_size(), 2);
  const auto& ts = resp.results(0).timeseries(1);
  EXPECT_EQ(ts.labels(1).value(), "y");
  ASSERT_EQ(ts.samples_size(), 10);
  EXPECT_EQ(ts.samples(0).timestamp(), kNow + 10'000);
  EXPECT_EQ(ts.samples(9).value(), -19);
}

TEST_F(ReadHandlerTest, StreamedXorChunksDecodeToTheSameSamples) {
  ReadHandlerOptions o;
  o.max_bytes_in_frame = 100;  // one series per frame
  auto res = Serve(
      Request(kNow, kNow + 299'000, ".*",
              {prometheus::ReadRequest::STREAMED_XOR_CHUNKS, prometheus::ReadRequest::SAMPLES}),
      o);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_THAT(res.content_type, HasSubstr("proto=prometheus.ChunkedReadResponse"));
  size_t pos = 0;
  int frames = 0;
  std::map<std::string, std::vector<std::pair<int64_t, double>>> got;
  for (;;) {
    auto f = NextChunkedFrame(res.body, &pos, 1 << 20);
    if (absl::IsNotFound(f.status())) break;
    ASSERT_TRUE(f.ok()) << f.status();
    ++frames;
    prometheus::ChunkedReadResponse cr;
    ASSERT_TRUE(cr.ParseFromArray(f->data(), static_cast<int>(f->size())));
    EXPECT_EQ(cr.query_index(), 0);
    for (const auto& cs : cr.chunked_series()) {
      auto& out = got[cs.labels(1).value()];
      for (const auto& c : cs.chunks()) {
        EXPECT_EQ(c.type(), prometheus::Chunk::XOR);
        tsdb::chunkenc::XorIterator it(absl::MakeConstSpan(
            reinterpret_cast<const uint8_t*>(c.data().data()), c.data().size()));
        int n = 0;
        while (it.Next()) {
          out.emplace_back(it.T(), it.V());
          ++n;
        }
        EXPECT_LE(n, 120);
        EXPECT_EQ(c.min_time_ms(), out[out.size() - n].first);
        EXPECT_EQ(c.max_time_ms(), out.back().first);
      }
    }
  }
  EXPECT_EQ(frames, 2);
  ASSERT_EQ(got.size(), 2u);
  ASSERT_EQ(got["x"].size(), 300u);
  EXPECT_EQ(got["y"][299], (std::pair<int64_t, double>{kNow + 299'000, -299}));
}

// The labels of every series in a response of either type, each as "name=value,...", and the
// number of samples it holds.
std::map<std::string, size_t> SeriesOf(const ReadHttpResponse& res) {
  std::map<std::string, size_t> out;
  auto key = [](const auto& labels) {
    std::string k;
    for (const auto& l : labels) k += l.name() + "=" + l.value() + ",";
    return k;
  };
  if (res.content_type == "application/x-protobuf") {
    auto raw = SnappyUncompress(res.body, 1 << 26);
    prometheus::ReadResponse resp;
    EXPECT_TRUE(raw.ok() && resp.ParseFromString(*raw));
    for (const auto& r : resp.results())
      for (const auto& ts : r.timeseries()) out[key(ts.labels())] += ts.samples_size();
    return out;
  }
  size_t pos = 0;
  for (;;) {
    auto f = NextChunkedFrame(res.body, &pos, 1 << 20);
    if (!f.ok()) break;
    prometheus::ChunkedReadResponse cr;
    EXPECT_TRUE(cr.ParseFromArray(f->data(), static_cast<int>(f->size())));
    for (const auto& cs : cr.chunked_series()) {
      for (const auto& c : cs.chunks()) {
        tsdb::chunkenc::XorIterator it(absl::MakeConstSpan(
            reinterpret_cast<const uint8_t*>(c.data().data()), c.data().size()));
        while (it.Next()) ++out[key(cs.labels())];
      }
    }
  }
  return out;
}

// As Prometheus' read handler: an equality matcher on an external label with its value selects
// the stored series (which do not carry it), another value selects nothing, and every series
// returned carries the external labels, its own labels winning (job here).
TEST_F(ReadHandlerTest, ExternalLabelsAreMatchedAndAddedForBothResponseTypes) {
  ReadHandlerOptions o;
  o.external_labels = [] { return model::Labels{{"job", "ext"}, {"site", "s1"}}; };
  for (auto type :
       {prometheus::ReadRequest::SAMPLES, prometheus::ReadRequest::STREAMED_XOR_CHUNKS}) {
    SCOPED_TRACE(type);
    auto req = Request(kNow, kNow + 9'000, "x|y", {type});
    auto* m = req.mutable_queries(0)->add_matchers();
    m->set_type(prometheus::LabelMatcher::EQ);
    m->set_name("site");
    m->set_value("s1");
    EXPECT_EQ(SeriesOf(Serve(req, o)),
              (std::map<std::string, size_t>{{"__name__=a,job=x,site=s1,", 10},
                                             {"__name__=a,job=y,site=s1,", 10}}));
    m->set_value("s2");
    EXPECT_TRUE(SeriesOf(Serve(req, o)).empty());
    // Without the matcher too, the series carry the external labels.
    req.mutable_queries(0)->mutable_matchers()->RemoveLast();
    EXPECT_EQ(SeriesOf(Serve(req, o)).count("__name__=a,job=x,site=s1,"), 1u);
  }
}

TEST_F(ReadHandlerTest, SampleLimitAndBadRequests) {
  ReadHandlerOptions o;
  o.sample_limit = 100;
  auto over = Serve(Request(kNow, kNow + 299'000, ".*", {}), o);
  EXPECT_EQ(over.status, 400);
  EXPECT_THAT(over.body, HasSubstr("exceeded sample limit (100)"));
  ReadHandler h(db_.get(), {});
  EXPECT_EQ(h.Serve("not snappy").status, 400);
  EXPECT_EQ(h.Serve(SnappyCompress("\x0f")).status, 400);
  auto bad_re = Request(kNow, kNow + 1, "(", {});
  auto r = Serve(bad_re);
  EXPECT_EQ(r.status, 400);
  prometheus::ReadRequest unknown = Request(kNow, kNow + 1, ".*", {});
  unknown.add_accepted_response_types(static_cast<prometheus::ReadRequest::ResponseType>(7));
  EXPECT_EQ(Serve(unknown).status, 400);
}

TEST_F(ReadHandlerTest, SamplesResponsesCarryNativeHistograms) {
  model::histogram::Histogram h;
  h.schema = 1;
  h.zero_threshold = 0.001;
  h.zero_count = 1;
  h.positive_spans = {{0, 2}};
  h.positive_buckets = {1, 1};  // 1, 2
  h.count = 4;
  h.sum = 6.5;
  model::histogram::FloatHistogram fh = h.ToFloat();
  auto app = db_->NewAppender();
  const model::Labels labels{{"__name__", "a"}, {"job", "h"}};
  ASSERT_TRUE(app->AppendHistogram(0, labels, kNow + 1000, &h, nullptr).ok());
  const model::Labels flabels{{"__name__", "a"}, {"job", "hf"}};
  ASSERT_TRUE(app->AppendHistogram(0, flabels, kNow + 1000, nullptr, &fh).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto res = Serve(Request(kNow, kNow + 5000, "h|hf", {}));
  ASSERT_EQ(res.status, 200) << res.body;
  auto raw = SnappyUncompress(res.body, 1 << 26);
  ASSERT_TRUE(raw.ok());
  prometheus::ReadResponse resp;
  ASSERT_TRUE(resp.ParseFromString(*raw));
  ASSERT_EQ(resp.results(0).timeseries_size(), 2);
  const auto& ts = resp.results(0).timeseries(0);
  EXPECT_EQ(ts.samples_size(), 0);
  ASSERT_EQ(ts.histograms_size(), 1);
  const auto& ph = ts.histograms(0);
  EXPECT_EQ(ph.timestamp(), kNow + 1000);
  EXPECT_EQ(ph.count_int(), 4u);
  EXPECT_EQ(ph.zero_count_int(), 1u);
  EXPECT_EQ(ph.schema(), 1);
  EXPECT_EQ(ph.sum(), 6.5);
  ASSERT_EQ(ph.positive_deltas_size(), 2);
  EXPECT_EQ(ph.positive_deltas(1), 1);
  const auto& pf = resp.results(0).timeseries(1).histograms(0);
  EXPECT_EQ(pf.count_case(), prometheus::Histogram::kCountFloat);
  EXPECT_EQ(pf.count_float(), 4);
  ASSERT_EQ(pf.positive_counts_size(), 2);
  EXPECT_EQ(pf.positive_counts(1), 2);
}

TEST_F(ReadHandlerTest, StreamedChunksCarryHistogramChunksThatDecodeToTheStoredHistograms) {
  auto app = db_->NewAppender();
  const model::Labels labels{{"__name__", "a"}, {"job", "h"}};
  std::vector<model::histogram::Histogram> want;
  for (int i = 0; i < 5; ++i) {
    model::histogram::Histogram h;
    h.schema = 0;
    // The layout widens at i == 3 (the chunk is recoded or cut: both must decode the same).
    h.positive_spans = {{0, static_cast<uint32_t>(i < 3 ? 1 : 2)}};
    h.positive_buckets = i < 3 ? std::vector<int64_t>{i + 1} : std::vector<int64_t>{i + 1, 0};
    h.count = static_cast<uint64_t>(i < 3 ? i + 1 : 2 * (i + 1));
    h.sum = i;
    ASSERT_TRUE(app->AppendHistogram(0, labels, kNow + i * 1000, &h, nullptr).ok());
    want.push_back(h);
  }
  model::histogram::FloatHistogram fh = want[0].ToFloat();
  const model::Labels flabels{{"__name__", "a"}, {"job", "hf"}};
  ASSERT_TRUE(app->AppendHistogram(0, flabels, kNow + 1000, nullptr, &fh).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto res =
      Serve(Request(kNow, kNow + 10'000, "h|hf", {prometheus::ReadRequest::STREAMED_XOR_CHUNKS}));
  ASSERT_EQ(res.status, 200) << res.body;
  size_t pos = 0;
  std::vector<std::pair<int64_t, model::histogram::Histogram>> got;
  int float_chunks = 0;
  for (;;) {
    auto f = NextChunkedFrame(res.body, &pos, 1 << 26);
    if (!f.ok()) break;
    prometheus::ChunkedReadResponse cr;
    ASSERT_TRUE(cr.ParseFromArray(f->data(), static_cast<int>(f->size())));
    for (const auto& cs : cr.chunked_series()) {
      for (const auto& c : cs.chunks()) {
        if (c.type() == prometheus::Chunk::FLOAT_HISTOGRAM) {
          ++float_chunks;
          tsdb::chunkenc::FloatHistogramIterator fit(c.data());
          ASSERT_TRUE(fit.Next());
          model::histogram::FloatHistogram back;
          fit.AtFloatHistogram(&back);
          EXPECT_TRUE(back.Equals(fh));
          continue;
        }
        ASSERT_EQ(c.type(), prometheus::Chunk::HISTOGRAM);
        tsdb::chunkenc::HistogramIterator hit(c.data());
        while (hit.Next()) {
          EXPECT_GE(hit.T(), c.min_time_ms());
          EXPECT_LE(hit.T(), c.max_time_ms());
          model::histogram::Histogram back;
          hit.AtHistogram(&back);
          got.emplace_back(hit.T(), back);
        }
      }
    }
  }
  EXPECT_EQ(float_chunks, 1);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].first, kNow + static_cast<int64_t>(i) * 1000);
    // A recoded chunk holds the earlier samples with the wider layout (empty buckets added,
    // as in Prometheus): equal once compacted.
    model::histogram::Histogram g = got[i].second.Copy();
    g.Compact(0);
    EXPECT_TRUE(g.Equals(want[i])) << i << ": " << got[i].second.String();
  }
}

}  // namespace
}  // namespace promlet::remote
