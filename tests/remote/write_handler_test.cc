#include "storage/remote/write_handler.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/remote/codec.h"
#include "storage/remote/proto/write_v2.pb.h"
#include "tests/remote/temp_dir.h"
#include "tsdb/db.h"

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

}  // namespace
}  // namespace promlet::remote
