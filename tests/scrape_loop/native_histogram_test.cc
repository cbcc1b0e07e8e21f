// Native histograms through the scrape path: protobuf bodies (libprotobuf writes them) and
// classic-to-NHCB conversion appended into MemStorage by AppendScrapeBody; bucket limit and
// min bucket factor; sample_limit counting; staleness; a live loop negotiating protobuf and
// failing (target down, lastError) on a broken body.
#include <atomic>
#include <cmath>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/value.h"
#include "scrape/protocols.h"
#include "scrape/scrape_loop.h"
#include "tests/common_proto/body.h"
#include "tests/scrape_loop/mem_storage.h"
#include "tests/scrape_loop/test_server.h"

namespace promlet::scrape {
namespace {

using ::testing::HasSubstr;
using promlet::testing::ClassicHistogramFamily;
using promlet::testing::CounterFamily;
using promlet::testing::DelimitedBody;
using promlet::testing::NativeHistogramFamily;
using testing::MemStorage;
namespace dto = promlet::testing::dto;

model::Labels L(std::initializer_list<std::pair<std::string_view, std::string_view>> l) {
  return model::Labels(l);
}

class NativeHistogramScrape : public ::testing::Test {
 protected:
  NativeHistogramScrape() { opts_.scrape_native_histograms = true; }
  AppendResult Scrape(const std::string& body, int64_t t,
                      model::Format format = model::Format::kProtobuf) {
    auto app = db_.NewAppender();
    AppendResult r = AppendScrapeBody(*app, cache_, opts_, body, format, t);
    if (r.error.ok()) {
      EXPECT_TRUE(app->Commit().ok());
    } else {
      app->Rollback();
      auto stale = db_.NewAppender();
      AppendStaleMarkers(*stale, cache_, t);
      EXPECT_TRUE(stale->Commit().ok());
    }
    return r;
  }
  MemStorage db_;
  ScrapeCache cache_;
  SampleOptions opts_;
};

// 5 observations: buckets (0.5,1]:1 (1,2]:2 (4,8]:1 (schema 0), zero bucket 1.
std::string NativeBody(const std::string& name = "rpc_seconds") {
  dto::MetricFamily f = NativeHistogramFamily(name, 0, {{0, 2}, {1, 1}}, {1, 1, -1}, 5, 7);
  f.mutable_metric(0)->mutable_histogram()->set_zero_count(1);
  return DelimitedBody({f, CounterFamily("c_total", 3)});
}

TEST_F(NativeHistogramScrape, NativeHistogramsAreAppendedAsHistograms) {
  AppendResult r = Scrape(NativeBody(), 1000);
  ASSERT_TRUE(r.error.ok()) << r.error;
  EXPECT_EQ(r.total, 2u);  // one histogram, one counter
  EXPECT_EQ(r.added, 2u);
  EXPECT_EQ(r.series_added, 2u);
  auto hs = db_.Histograms(L({{"__name__", "rpc_seconds"}}));
  ASSERT_EQ(hs.size(), 1u);
  ASSERT_TRUE(hs[0].h.has_value());
  EXPECT_EQ(hs[0].t, 1000);
  EXPECT_EQ(hs[0].h->String(),
            "{count:5, sum:7, [-1e-128,1e-128]:1, (0.5,1]:1, (1,2]:2, (4,8]:1}");
  EXPECT_EQ(db_.Samples(L({{"__name__", "c_total"}})).size(), 1u);
  EXPECT_TRUE(db_.Samples(L({{"__name__", "rpc_seconds_count"}})).empty());

  // Second scrape from the cache, then the histogram disappears: a histogram stale marker.
  ASSERT_TRUE(Scrape(NativeBody(), 2000).error.ok());
  ASSERT_TRUE(Scrape(DelimitedBody({CounterFamily("c_total", 4)}), 3000).error.ok());
  hs = db_.Histograms(L({{"__name__", "rpc_seconds"}}));
  ASSERT_EQ(hs.size(), 3u);
  EXPECT_EQ(hs[2].t, 3000);
  EXPECT_TRUE(hs[2].IsStale());
}

TEST_F(NativeHistogramScrape, WithoutScrapeNativeHistogramsTheClassicSeriesAreStored) {
  opts_.scrape_native_histograms = false;
  dto::MetricFamily f = NativeHistogramFamily("h", 0, {{0, 1}}, {2}, 2, 1);
  auto* b = f.mutable_metric(0)->mutable_histogram()->add_bucket();
  b->set_upper_bound(1);
  b->set_cumulative_count(2);
  AppendResult r = Scrape(DelimitedBody({f}), 1000);
  ASSERT_TRUE(r.error.ok()) << r.error;
  EXPECT_EQ(r.total, 4u);  // _count, _sum, le="1.0", le="+Inf"
  EXPECT_TRUE(db_.Histograms(L({{"__name__", "h"}})).empty());
  EXPECT_EQ(db_.Samples(L({{"__name__", "h_bucket"}, {"le", "1.0"}})).size(), 1u);
  EXPECT_EQ(db_.Samples(L({{"__name__", "h_bucket"}, {"le", "+Inf"}}))[0].v, 2);

  // always_scrape_classic_histograms with native histograms on: both.
  opts_.scrape_native_histograms = true;
  opts_.always_scrape_classic_histograms = true;
  r = Scrape(DelimitedBody({f}), 2000);
  ASSERT_TRUE(r.error.ok()) << r.error;
  EXPECT_EQ(r.total, 5u);
  EXPECT_EQ(db_.Histograms(L({{"__name__", "h"}})).size(), 1u);
  EXPECT_EQ(db_.Samples(L({{"__name__", "h_count"}})).size(), 2u);
}

TEST_F(NativeHistogramScrape, BucketLimitReducesResolutionOrFailsTheScrape) {
  // Schema 3 with buckets 1..4: one step down (schema 2) merges them into buckets 1 and 2.
  std::string body = DelimitedBody({NativeHistogramFamily("h", 3, {{1, 4}}, {1, 0, 0, 0}, 4, 2)});
  opts_.native_histogram_bucket_limit = 2;
  AppendResult r = Scrape(body, 1000);
  ASSERT_TRUE(r.error.ok()) << r.error;
  auto hs = db_.Histograms(L({{"__name__", "h"}}));
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].h->schema, 2);
  EXPECT_EQ(hs[0].h->positive_buckets.size(), 2u);
  EXPECT_EQ(hs[0].h->count, 4u);
  // A limit of 1 takes it down to schema 1 (a single bucket).
  opts_.native_histogram_bucket_limit = 1;
  ASSERT_TRUE(Scrape(body, 1500).error.ok());
  hs = db_.Histograms(L({{"__name__", "h"}}));
  ASSERT_EQ(hs.size(), 2u);
  EXPECT_EQ(hs[1].h->schema, 1);
  EXPECT_EQ(hs[1].h->positive_buckets.size(), 1u);
  opts_.native_histogram_bucket_limit = 2;

  // Impossible: custom buckets cannot be reduced.
  std::string nhcb = DelimitedBody(
      {ClassicHistogramFamily("k", {{0.5, 1}, {1, 2}, {2, 3}}, 3, 1), CounterFamily("c_total", 1)});
  opts_.convert_classic_histograms_to_nhcb = true;
  r = Scrape(nhcb, 2000);
  EXPECT_EQ(r.error.message(), "histogram bucket limit exceeded");
  EXPECT_EQ(r.total, 2u);  // counting went on
  EXPECT_EQ(r.added, 2u);
  EXPECT_TRUE(db_.Histograms(L({{"__name__", "k"}})).empty());
  EXPECT_TRUE(db_.Samples(L({{"__name__", "c_total"}})).empty());  // the batch was dropped
}

TEST_F(NativeHistogramScrape, MinBucketFactorCapsTheSchema) {
  EXPECT_EQ(NativeHistogramMaxSchema(0), 8);
  EXPECT_EQ(NativeHistogramMaxSchema(1.1), 2);  // 2^(2^-2) = 1.19 >= 1.1 > 2^(2^-3)
  EXPECT_EQ(NativeHistogramMaxSchema(2), 0);
  EXPECT_EQ(NativeHistogramMaxSchema(1e9), -4);
  opts_.native_histogram_max_schema = NativeHistogramMaxSchema(2);
  std::string body = DelimitedBody({NativeHistogramFamily("h", 3, {{1, 4}}, {1, 0, 0, 0}, 4, 2)});
  ASSERT_TRUE(Scrape(body, 1000).error.ok());
  auto hs = db_.Histograms(L({{"__name__", "h"}}));
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].h->schema, 0);
  EXPECT_EQ(hs[0].h->count, 4u);
}

TEST_F(NativeHistogramScrape, SampleLimitCountsAHistogramAsOneSample) {
  opts_.sample_limit = 2;
  ASSERT_TRUE(Scrape(NativeBody(), 1000).error.ok());
  opts_.sample_limit = 1;
  AppendResult r = Scrape(NativeBody(), 2000);
  EXPECT_EQ(r.error.message(), "sample limit exceeded");
  EXPECT_EQ(r.total, 2u);
}

TEST_F(NativeHistogramScrape, ClassicHistogramsConvertToCustomBuckets) {
  opts_.convert_classic_histograms_to_nhcb = true;
  AppendResult r =
      Scrape(DelimitedBody({ClassicHistogramFamily("h", {{0.5, 1}, {1, 3}}, 4, 2.5)}), 1000);
  ASSERT_TRUE(r.error.ok()) << r.error;
  EXPECT_EQ(r.total, 1u);
  auto hs = db_.Histograms(L({{"__name__", "h"}}));
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].h->schema, -53);
  EXPECT_EQ(hs[0].h->String(), "{count:4, sum:2.5, [-Inf,0.5]:1, (0.5,1]:2, (1,+Inf]:1}");

  // From the text format too, keeping the classic series when asked.
  opts_.always_scrape_classic_histograms = true;
  r = Scrape(
      "# TYPE t histogram\n"
      "t_bucket{le=\"1\"} 2\n"
      "t_bucket{le=\"+Inf\"} 3\n"
      "t_sum 4\n"
      "t_count 3\n",
      2000, model::Format::kText004);
  ASSERT_TRUE(r.error.ok()) << r.error;
  EXPECT_EQ(r.total, 5u);
  hs = db_.Histograms(L({{"__name__", "t"}}));
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].h->String(), "{count:3, sum:4, [-Inf,1]:2, (1,+Inf]:1}");
  EXPECT_EQ(db_.Samples(L({{"__name__", "t_count"}})).size(), 1u);
}

TEST_F(NativeHistogramScrape, BrokenBodiesFailWithTheFamilyAndOffset) {
  std::string body = DelimitedBody({CounterFamily("ok_total", 1)});
  const size_t offset = body.size();
  body += DelimitedBody({NativeHistogramFamily("bad", 0, {{0, 3}}, {1}, 1, 1)});
  AppendResult r = Scrape(body, 1000);
  EXPECT_EQ(r.error.message(),
            absl::StrCat("metric family \"bad\" at byte ", offset,
                         ": positive side: spans require 3 buckets, have 1"));
  r = Scrape(body.substr(0, body.size() - 2), 2000);
  EXPECT_THAT(std::string(r.error.message()),
              HasSubstr(absl::StrCat("at byte ", offset, ": truncated message")));
}

// Runs an io_context on two threads for the test's lifetime.
class IoRunner {
 public:
  IoRunner() : guard_(io_.get_executor()) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~IoRunner() {
    guard_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

TEST(NativeHistogramScrapeLoop, NegotiatesProtobufAndMarksTheTargetDownOnABrokenBody) {
  constexpr char kProtoType[] =
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
      "encoding=delimited";
  std::atomic<int> n{0};
  const std::string good = NativeBody();
  testing::TestServer srv([&](const testing::SeenRequest&) {
    if (n++ < 2) return testing::Reply{.content_type = kProtoType, .body = good};
    return testing::Reply{.content_type = kProtoType, .body = good.substr(0, good.size() - 4)};
  });
  IoRunner io;
  MemStorage db;
  ScrapeLoopOptions o;
  const std::string addr = srv.address();
  o.scrape_pool = "test";
  o.target_labels = model::Labels{{"__address__", addr}, {"job", "test"}, {"instance", addr}};
  o.scrape_url = "http://" + addr + "/metrics";
  o.http.host = "127.0.0.1";
  o.http.port = std::to_string(srv.port());
  o.http.target = "/metrics";
  o.http.headers = {{"Accept", AcceptHeader(config::DefaultProtoFirstScrapeProtocols())}};
  o.interval = std::chrono::milliseconds(100);
  o.timeout = std::chrono::milliseconds(80);
  o.samples.target_labels = model::Labels{{"job", "test"}, {"instance", addr}};
  o.samples.scrape_native_histograms = true;
  auto loop = ScrapeLoop::Create(io.io(), &db, o);
  ASSERT_TRUE(loop.ok()) << loop.status();
  (*loop)->Start();
  ASSERT_TRUE(testing::WaitFor([&] { return (*loop)->Status().scrapes >= 3; }));
  std::promise<void> done;
  (*loop)->Stop(ScrapeLoop::StopMode::kShutdown, [&] { done.set_value(); });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);

  ASSERT_FALSE(srv.requests().empty());
  EXPECT_THAT(srv.requests()[0].headers["accept"],
              ::testing::StartsWith("application/vnd.google.protobuf;"));
  TargetStatus st = (*loop)->Status();
  EXPECT_EQ(st.health, TargetHealth::kDown);
  EXPECT_THAT(st.last_error, HasSubstr("at byte"));
  auto hs = db.Histograms(L({{"__name__", "rpc_seconds"}, {"instance", addr}, {"job", "test"}}));
  ASSERT_GE(hs.size(), 3u);
  EXPECT_FALSE(hs[0].IsStale());
  EXPECT_FALSE(hs[1].IsStale());
  EXPECT_TRUE(hs[2].IsStale());  // the failed scrape marks the histogram series stale
  auto up = db.Samples(L({{"__name__", "up"}, {"instance", addr}, {"job", "test"}}));
  ASSERT_GE(up.size(), 3u);
  EXPECT_EQ(up[2].v, 0);
}

}  // namespace
}  // namespace promlet::scrape
