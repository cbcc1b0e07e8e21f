#include "storage/remote/write_handler.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/remote/codec.h"
#include "storage/remote/proto/write_v2.pb.h"
#include "tests/remote/temp_dir.h"
#include "tsdb/db.h"
#include "tsdb/head.h"

namespace promlet::remote {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNow = 1'700'000'000'000;

class WriteHandlerTest : public ::testing::Test {
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

  // Samples stored for the series named `name`, as (t, v).
  std::vector<std::pair<int64_t, double>> Stored(const std::string& name) {
    auto q = db_->NewQuerier(0, kNow + 3600'000);
    EXPECT_TRUE(q.ok());
    auto m = model::Matcher::Make(model::MatchType::kEqual, "__name__", name);
    EXPECT_TRUE(m.ok());
    std::vector<model::Matcher> ms{*m};
    auto set = (*q)->Select(ms);
    std::vector<std::pair<int64_t, double>> out;
    while (set->Next()) {
      auto it = set->At().Iterator();
      while (it->Next()) out.emplace_back(it->T(), it->V());
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<tsdb::DB> db_;
  std::unique_ptr<WriteHandler> handler_;
  std::string body_, ctype_;
};

WriteSeries Series(const std::string& name, std::vector<storage::Sample> samples) {
  WriteSeries s;
  s.labels = model::Labels{{"__name__", name}, {"job", "rw"}};
  s.samples = std::move(samples);
  return s;
}

TEST_F(WriteHandlerTest, V1AppendsAndAnswers204) {
  auto r = Post(WriteProto::kV1, {Series("a", {{kNow - 2000, 1}, {kNow - 1000, 2}})});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Stored("a"),
            (std::vector<std::pair<int64_t, double>>{{kNow - 2000, 1}, {kNow - 1000, 2}}));
  EXPECT_EQ(handler_->stats().samples_appended.load(), 2u);
}

TEST_F(WriteHandlerTest, V1OutOfOrderIs400AndStoresNothingOfTheRequest) {
  ASSERT_EQ(Post(WriteProto::kV1, {Series("a", {{kNow - 1000, 1}})}).status, 204);
  auto r = Post(WriteProto::kV1, {Series("b", {{kNow - 500, 7}}), Series("a", {{kNow - 5000, 2}})});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("out of order sample"));
  EXPECT_THAT(r.body, HasSubstr("a{job=\"rw\"}"));
  EXPECT_TRUE(Stored("b").empty());
}

TEST_F(WriteHandlerTest, FutureSamplesAreOutOfBounds) {
  auto r = Post(WriteProto::kV1, {Series("a", {{kNow + 11 * 60 * 1000, 1}})});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("out of bounds"));
}

TEST_F(WriteHandlerTest, V2PartialWriteWithWrittenHeaders) {
  auto ok = Post(WriteProto::kV2, {Series("a", {{kNow - 1000, 1}})});
  EXPECT_EQ(ok.status, 204) << ok.body;
  EXPECT_THAT(ok.headers, ::testing::Contains(std::pair<std::string, std::string>(
                              "X-Prometheus-Remote-Write-Samples-Written", "1")));
  auto r = Post(WriteProto::kV2, {Series("b", {{kNow - 500, 7}}), Series("a", {{kNow - 5000, 2}})});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.headers, ::testing::Contains(std::pair<std::string, std::string>(
                             "X-Prometheus-Remote-Write-Samples-Written", "1")));
  EXPECT_EQ(Stored("b").size(), 1u);
}

TEST_F(WriteHandlerTest, MalformedBodiesAre400AndStoreNothing) {
  std::string good = EncodeWriteRequest(WriteProto::kV1, {Series("a", {{kNow, 1}})});
  std::string v1 = WriteContentType(WriteProto::kV1);
  // Not snappy at all; snappy of a truncated protobuf; a protobuf that is not snappy-wrapped.
  std::string trunc = SnappyCompress(good.substr(0, good.size() - 3));
  for (std::string_view body :
       {std::string_view("not snappy"), std::string_view(trunc), std::string_view(good)}) {
    auto r = handler_->Serve({body, v1, "snappy"});
    EXPECT_EQ(r.status, 400) << r.body;
  }
  EXPECT_TRUE(Stored("a").empty());
  EXPECT_EQ(handler_->stats().malformed_requests.load(), 3u);
}

TEST_F(WriteHandlerTest, UnsupportedContentTypeOrEncodingIs415) {
  std::string body =
      SnappyCompress(EncodeWriteRequest(WriteProto::kV1, {Series("a", {{kNow, 1}})}));
  EXPECT_EQ(handler_->Serve({body, "application/json", "snappy"}).status, 415);
  EXPECT_EQ(handler_->Serve({body, "application/x-protobuf;proto=x.Y", "snappy"}).status, 415);
  EXPECT_EQ(handler_->Serve({body, "application/x-protobuf", "gzip"}).status, 415);
  // Yolo 1.0 clients: no content type, no encoding.
  EXPECT_EQ(handler_->Serve({body, "", ""}).status, 204);
}

TEST_F(WriteHandlerTest, OverloadIs503) {
  WriteHandlerOptions ho;
  ho.max_inflight = 0;
  WriteHandler h(db_.get(), ho);
  std::string body =
      SnappyCompress(EncodeWriteRequest(WriteProto::kV1, {Series("a", {{kNow, 1}})}));
  auto r = h.Serve({body, "", "snappy"});
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(Stored("a").empty());
}

TEST_F(WriteHandlerTest, KnownSeriesGoByCachedRefAcrossBothProtocols) {
  ASSERT_EQ(Post(WriteProto::kV1, {Series("a", {{kNow - 3000, 1}})}).status, 204);
  EXPECT_EQ(handler_->stats().series_cache_hits.load(), 0u);
  ASSERT_EQ(Post(WriteProto::kV1, {Series("a", {{kNow - 2000, 2}})}).status, 204);
  // The key is the labels as sent, so a 2.0 request naming the same labels hits too.
  ASSERT_EQ(Post(WriteProto::kV2, {Series("a", {{kNow - 1000, 3}})}).status, 204);
  EXPECT_EQ(handler_->stats().series_cache_hits.load(), 2u);
  EXPECT_EQ(Stored("a"), (std::vector<std::pair<int64_t, double>>{
                             {kNow - 3000, 1}, {kNow - 2000, 2}, {kNow - 1000, 3}}));
}

TEST_F(WriteHandlerTest, RolledBackSeriesAreNotCachedAndErrorsStillNameTheLabels) {
  ASSERT_EQ(Post(WriteProto::kV1, {Series("a", {{kNow - 1000, 1}})}).status, 204);
  // b is new, a's sample is out of order: 1.0 rolls the whole request back.
  auto r = Post(WriteProto::kV1, {Series("b", {{kNow - 500, 7}}), Series("a", {{kNow - 5000, 2}})});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("for series a{job=\"rw\"}"));  // a came from the cache
  EXPECT_EQ(handler_->stats().series_cache_hits.load(), 1u);
  ASSERT_EQ(Post(WriteProto::kV1, {Series("b", {{kNow - 400, 8}})}).status, 204);
  EXPECT_EQ(handler_->stats().series_cache_hits.load(), 1u);  // b resolved by labels
  EXPECT_EQ(Stored("b"), (std::vector<std::pair<int64_t, double>>{{kNow - 400, 8}}));
}

TEST_F(WriteHandlerTest, SeriesChurnPastTheCacheBoundStoresEverything) {
  WriteHandlerOptions ho;
  ho.now_ms = [] { return kNow; };
  ho.series_cache_size = 3;
  WriteHandler h(db_.get(), ho);
  for (int round = 0; round < 4; ++round) {
    std::vector<WriteSeries> batch;
    for (int i = 0; i < 7; ++i) {
      batch.push_back(
          Series("churn" + std::to_string((i + round) % 10), {{kNow - 1000 + round, 1.0 * round}}));
    }
    std::string body = SnappyCompress(EncodeWriteRequest(WriteProto::kV1, batch));
    ASSERT_EQ(h.Serve({body, "", "snappy"}).status, 204);
  }
  size_t total = 0;
  for (int i = 0; i < 10; ++i) total += Stored("churn" + std::to_string(i)).size();
  EXPECT_EQ(total, 28u);
  EXPECT_EQ(h.stats().samples_appended.load(), 28u);
}

TEST_F(WriteHandlerTest, ABodyOverTheKeptScratchSizeIsServedAndTheNextOneToo) {
  WriteSeries big = Series("big", {{kNow - 1000, 1}});
  big.labels = model::Labels{{"__name__", "big"}, {"blob", std::string(5 << 20, 'x')}};
  ASSERT_EQ(Post(WriteProto::kV1, {big}).status, 204);
  ASSERT_EQ(Post(WriteProto::kV1, {Series("a", {{kNow - 1000, 1}})}).status, 204);
  EXPECT_EQ(Stored("big").size(), 1u);
  EXPECT_EQ(Stored("a").size(), 1u);
}

TEST(WriteHandlerCacheTest, AStaleRefAfterHeadTruncationFallsBackToTheLabels) {
  tsdb::Head head(tsdb::HeadOptions{});
  WriteHandlerOptions ho;
  ho.now_ms = [] { return kNow; };
  WriteHandler h(&head, ho);
  auto post = [&](std::vector<storage::Sample> samples) {
    std::string body =
        SnappyCompress(EncodeWriteRequest(WriteProto::kV1, {Series("gone", std::move(samples))}));
    return h.Serve({body, "", "snappy"});
  };
  ASSERT_EQ(post({{100, 1}}).status, 204);
  ASSERT_EQ(post({{200, 2}}).status, 204);
  EXPECT_EQ(h.stats().series_cache_hits.load(), 1u);
  ASSERT_EQ(head.Truncate(1000).removed_series.size(), 1u);
  auto r = post({{2000, 3}});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(h.stats().series_cache_stale.load(), 1u);
  ASSERT_EQ(post({{3000, 4}}).status, 204);  // the new ref is cached
  EXPECT_EQ(h.stats().series_cache_stale.load(), 1u);
  EXPECT_EQ(h.stats().series_cache_hits.load(), 3u);
  auto q = head.NewQuerier(0, kNow);
  ASSERT_TRUE(q.ok());
  auto m = model::Matcher::Make(model::MatchType::kEqual, "__name__", "gone");
  ASSERT_TRUE(m.ok());
  std::vector<model::Matcher> ms{*m};
  auto set = (*q)->Select(ms);
  std::vector<std::pair<int64_t, double>> got;
  while (set->Next()) {
    auto it = set->At().Iterator();
    while (it->Next()) got.emplace_back(it->T(), it->V());
  }
  EXPECT_EQ(got, (std::vector<std::pair<int64_t, double>>{{2000, 3}, {3000, 4}}));
}

}  // namespace
}  // namespace promlet::remote
