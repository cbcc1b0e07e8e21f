// End-to-end: a real Go-client exporter (tests/scrape_loop/go_exporter, built here offline with
// Debian's golang-go and client_golang in GOPATH mode) scraped over protobuf into MemStorage.
// Checks the negotiated Content-Type, the stored native histogram (count, sum, schema, zero
// bucket, bucket counts) against the observations the exporter made, the classic histogram's
// series, and the NHCB conversion of the classic histogram. Skipped when `go` or client_golang
// is not installed.
#include <unistd.h>

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scrape/protocols.h"
#include "scrape/scrape_loop.h"
#include "tests/scrape_loop/go_exporter_process.h"
#include "tests/scrape_loop/mem_storage.h"
#include "tests/scrape_loop/test_server.h"

namespace promlet::scrape {
namespace {

namespace fs = std::filesystem;
using testing::MemStorage;

class GoExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string missing = testing::GoExporterProcess::MissingToolchain(); !missing.empty()) {
      GTEST_SKIP() << missing;
    }
    dir_ = ::testing::TempDir() + "/promlet_go_exporter_" + std::to_string(::getpid());
    fs::create_directories(dir_);
    absl::Status st = exporter_.Start(dir_);
    ASSERT_TRUE(st.ok()) << st;
    port_ = exporter_.port();
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string dir_;
  testing::GoExporterProcess exporter_;
  uint16_t port_ = 0;
};

TEST_F(GoExporterTest, NativeHistogramsScrapedOverProtobufMatchTheObservations) {
  testing::FetchResult r = testing::HttpGet(
      port_, "/metrics", {{"Accept", AcceptHeader(config::DefaultProtoFirstScrapeProtocols())}});
  ASSERT_EQ(r.status, 200);
  absl::StatusOr<model::Format> format = FormatForContentType(r.content_type);
  ASSERT_TRUE(format.ok()) << format.status();
  ASSERT_EQ(*format, model::Format::kProtobuf) << r.content_type;

  MemStorage db;
  ScrapeCache cache;
  SampleOptions opts;
  opts.scrape_native_histograms = true;
  auto app = db.NewAppender();
  AppendResult res = AppendScrapeBody(*app, cache, opts, r.body, *format, 1000);
  ASSERT_TRUE(res.error.ok()) << res.error;
  ASSERT_TRUE(app->Commit().ok());

  // Observations 0, 0.05, 0.5, 0.5, 1.5, 3, 42, -2 with factor 1.1 (schema 3) and the default
  // zero threshold 2^-128: one in the zero bucket, six positive, one negative.
  auto hs = db.Histograms(model::Labels{{"__name__", "e2e_native_seconds"}});
  ASSERT_EQ(hs.size(), 1u);
  ASSERT_TRUE(hs[0].h.has_value());
  const model::histogram::Histogram& h = *hs[0].h;
  EXPECT_EQ(h.schema, 3);
  EXPECT_EQ(h.count, 8u);
  EXPECT_DOUBLE_EQ(h.sum, 0 + 0.05 + 0.5 + 0.5 + 1.5 + 3 + 42 - 2);
  EXPECT_EQ(h.zero_count, 1u);
  uint64_t positive = 0, negative = 0;
  for (auto it = h.PositiveBucketIterator(); it.Next();) positive += it.At().count;
  for (auto it = h.NegativeBucketIterator(); it.Next();) negative += it.At().count;
  EXPECT_EQ(positive, 6u);
  EXPECT_EQ(negative, 1u);
  EXPECT_TRUE(h.Validate().ok());
  // Without always_scrape_classic_histograms the native histogram has no classic series; the
  // classic histogram and the counter are stored as floats.
  EXPECT_TRUE(db.Samples(model::Labels{{"__name__", "e2e_native_seconds_count"}}).empty());
  auto inf = db.Samples(model::Labels{{"__name__", "e2e_classic_seconds_bucket"}, {"le", "+Inf"}});
  ASSERT_EQ(inf.size(), 1u);
  EXPECT_EQ(inf[0].v, 8);
  auto le1 = db.Samples(model::Labels{{"__name__", "e2e_classic_seconds_bucket"}, {"le", "1.0"}});
  ASSERT_EQ(le1.size(), 1u);
  EXPECT_EQ(le1[0].v, 5);  // -2, 0, 0.05, 0.5, 0.5
  EXPECT_EQ(db.Samples(model::Labels{{"__name__", "e2e_requests_total"}})[0].v, 7);

  // The classic histogram as custom buckets.
  MemStorage db2;
  ScrapeCache cache2;
  opts.convert_classic_histograms_to_nhcb = true;
  auto app2 = db2.NewAppender();
  res = AppendScrapeBody(*app2, cache2, opts, r.body, *format, 1000);
  ASSERT_TRUE(res.error.ok()) << res.error;
  ASSERT_TRUE(app2->Commit().ok());
  auto nhcb = db2.Histograms(model::Labels{{"__name__", "e2e_classic_seconds"}});
  ASSERT_EQ(nhcb.size(), 1u);
  EXPECT_EQ(nhcb[0].h->schema, -53);
  EXPECT_EQ(nhcb[0].h->count, 8u);
  EXPECT_THAT(nhcb[0].h->String(),
              ::testing::EndsWith("[-Inf,0.1]:3, (0.1,1]:2, (1,10]:2, (10,+Inf]:1}"));
}

}  // namespace
}  // namespace promlet::scrape
