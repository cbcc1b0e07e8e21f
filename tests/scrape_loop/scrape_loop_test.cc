// ScrapeLoop against a loopback test server: up and scrape_* series, errors, limits, staleness,
// honor_labels, gzip, keep-alive and the per-target cache.
#include "scrape/scrape_loop.h"

#include <atomic>
#include <cmath>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "net/http/client.h"
#include "model/value.h"
#include "model/textparse.h"
#include "tests/scrape_loop/mem_storage.h"
#include "tests/scrape_loop/test_server.h"
#include "tsdb/head.h"
#include "scrape/protocols.h"

namespace promlet::scrape {
namespace {

using testing::MemStorage;
using testing::Reply;
using testing::SeenRequest;
using testing::TestServer;
using testing::WaitFor;
using ::testing::HasSubstr;

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

ScrapeLoopOptions OptionsFor(const TestServer& srv, std::string path = "/metrics") {
  ScrapeLoopOptions o;
  const std::string addr = srv.address();
  o.scrape_pool = "test";
  o.target_labels = model::Labels{{"__address__", addr}, {"__scheme__", "http"},
                                 {"__metrics_path__", path}, {"job", "test"},
                                 {"instance", addr}};
  o.scrape_url = "http://" + addr + path;
  o.http.host = "127.0.0.1";
  o.http.port = std::to_string(srv.port());
  o.http.target = path;
  o.http.headers = {{"Accept", DefaultAcceptHeader()},
                    {"X-Prometheus-Scrape-Timeout-Seconds", "0.08"}};
  o.interval = std::chrono::milliseconds(100);
  o.timeout = std::chrono::milliseconds(80);
  o.samples.target_labels = model::Labels{{"job", "test"}, {"instance", addr}};
  return o;
}

model::Labels WithTarget(const TestServer& srv, std::initializer_list<std::pair<std::string_view, std::string_view>> l) {
  model::LabelsBuilder b{model::Labels(l)};
  b.Set("job", "test");
  b.Set("instance", srv.address());
  return b.Build();
}

class ScrapeLoopTest : public ::testing::Test {
 protected:
  std::shared_ptr<ScrapeLoop> StartLoop(ScrapeLoopOptions o) {
    auto loop = ScrapeLoop::Create(io_.io(), &db_, std::move(o));
    EXPECT_TRUE(loop.ok()) << loop.status();
    (*loop)->Start();
    loops_.push_back(*loop);
    return *loop;
  }
  void StopLoop(const std::shared_ptr<ScrapeLoop>& loop, ScrapeLoop::StopMode mode) {
    std::promise<void> done;
    loop->Stop(mode, [&] { done.set_value(); });
    ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  }
  void TearDown() override {
    for (auto& l : loops_) StopLoop(l, ScrapeLoop::StopMode::kShutdown);
  }
  bool WaitScrapes(const std::shared_ptr<ScrapeLoop>& loop, uint64_t n) {
    return WaitFor([&] { return loop->Status().scrapes >= n; });
  }

  IoRunner io_;
  MemStorage db_;
  std::vector<std::shared_ptr<ScrapeLoop>> loops_;
};

constexpr char kPage[] =
    "# HELP a_total A counter.\n"
    "# TYPE a_total counter\n"
    "a_total 1\n"
    "b{x=\"y\"} 2\n";

TEST_F(ScrapeLoopTest, ScrapesAndReportsSyntheticSeries) {
  TestServer srv([](const SeenRequest&) { return Reply{.body = kPage}; });
  auto loop = StartLoop(OptionsFor(srv));
  ASSERT_TRUE(WaitScrapes(loop, 3));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);

  TargetStatus st = loop->Status();
  EXPECT_EQ(st.health, TargetHealth::kUp);
  EXPECT_EQ(st.last_error, "");
  EXPECT_EQ(st.scrape_pool, "test");
  EXPECT_EQ(st.labels, (model::Labels{{"job", "test"}, {"instance", srv.address()}}));

  auto a = db_.Samples(WithTarget(srv, {{"__name__", "a_total"}}));
  auto b = db_.Samples(WithTarget(srv, {{"__name__", "b"}, {"x", "y"}}));
  auto up = db_.Samples(WithTarget(srv, {{"__name__", "up"}}));
  auto scraped = db_.Samples(WithTarget(srv, {{"__name__", "scrape_samples_scraped"}}));
  auto post = db_.Samples(WithTarget(srv, {{"__name__", "scrape_samples_post_metric_relabeling"}}));
  auto added = db_.Samples(WithTarget(srv, {{"__name__", "scrape_series_added"}}));
  auto dur = db_.Samples(WithTarget(srv, {{"__name__", "scrape_duration_seconds"}}));
  ASSERT_GE(a.size(), 3u);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.size(), up.size());
  ASSERT_EQ(a.size(), scraped.size());
  ASSERT_EQ(a.size(), dur.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].v, 1);
    EXPECT_EQ(b[i].v, 2);
    EXPECT_EQ(up[i].v, 1);
    EXPECT_EQ(scraped[i].v, 2);
    EXPECT_EQ(post[i].v, 2);
    EXPECT_EQ(added[i].v, i == 0 ? 2 : 0);
    EXPECT_GT(dur[i].v, 0);
    // One batch: every series of a scrape shares the scrape's timestamp.
    EXPECT_EQ(a[i].t, up[i].t);
    EXPECT_EQ(b[i].t, up[i].t);
    if (i > 0) {
      EXPECT_GT(a[i].t, a[i - 1].t);
    }
  }
  EXPECT_EQ(db_.rollbacks(), 0);

  // Request headers as Prometheus sends them; keep-alive reuses one connection.
  auto reqs = srv.requests();
  ASSERT_FALSE(reqs.empty());
  EXPECT_EQ(reqs[0].target, "/metrics");
  EXPECT_EQ(reqs[0].headers["accept"], DefaultAcceptHeader());
  EXPECT_EQ(reqs[0].headers["accept-encoding"], "gzip");
  EXPECT_EQ(reqs[0].headers["x-prometheus-scrape-timeout-seconds"], "0.08");
  EXPECT_THAT(reqs[0].headers["user-agent"], HasSubstr("Prometheus/"));
  EXPECT_THAT(reqs[0].headers["user-agent"], HasSubstr("promlet"));
  EXPECT_EQ(srv.connections_accepted(), 1);

  auto meta = loop->Metadata();
  ASSERT_EQ(meta.size(), 1u);
  EXPECT_EQ(meta[0].family, "a_total");
  EXPECT_EQ(meta[0].type, model::MetricType::kCounter);
  EXPECT_EQ(meta[0].help, "A counter.");
}

TEST_F(ScrapeLoopTest, GzipBodiesAreDecoded) {
  TestServer srv([](const SeenRequest&) { return Reply{.body = kPage, .gzip = true}; });
  auto loop = StartLoop(OptionsFor(srv));
  ASSERT_TRUE(WaitScrapes(loop, 1));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  EXPECT_EQ(loop->Status().health, TargetHealth::kUp) << loop->Status().last_error;
  auto b = db_.Samples(WithTarget(srv, {{"__name__", "b"}, {"x", "y"}}));
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b[0].v, 2);
}

TEST_F(ScrapeLoopTest, ParseErrorStoresNothingButUpZeroAndStaleMarkers) {
  std::atomic<int> n{0};
  TestServer srv([&](const SeenRequest&) {
    if (n++ < 2) return Reply{.body = kPage};
    return Reply{.body = "a_total 99\nb{x=\"y\" 2\n"};
  });
  auto loop = StartLoop(OptionsFor(srv));
  ASSERT_TRUE(WaitScrapes(loop, 3));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);

  TargetStatus st = loop->Status();
  EXPECT_EQ(st.health, TargetHealth::kDown);
  EXPECT_THAT(st.last_error, HasSubstr("line 2"));
  auto a = db_.Samples(WithTarget(srv, {{"__name__", "a_total"}}));
  auto up = db_.Samples(WithTarget(srv, {{"__name__", "up"}}));
  ASSERT_GE(up.size(), 3u);
  EXPECT_EQ(up[0].v, 1);
  EXPECT_EQ(up[1].v, 1);
  EXPECT_EQ(up[2].v, 0);
  // Two good scrapes, then the stale marker at the failed scrape's time; never the 99.
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[1].v, 1);
  EXPECT_TRUE(model::IsStaleNaN(a[2].v));
  EXPECT_EQ(a[2].t, up[2].t);
  // Further failures add no more markers.
  EXPECT_GE(db_.rollbacks(), 1);
}

TEST_F(ScrapeLoopTest, SlowTargetTimesOut) {
  TestServer srv([](const SeenRequest&) {
    return Reply{.body = kPage, .delay = std::chrono::milliseconds(400)};
  });
  auto loop = StartLoop(OptionsFor(srv));
  ASSERT_TRUE(WaitScrapes(loop, 1));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  TargetStatus st = loop->Status();
  EXPECT_EQ(st.health, TargetHealth::kDown);
  EXPECT_THAT(st.last_error, HasSubstr("context deadline exceeded"));
  auto up = db_.Samples(WithTarget(srv, {{"__name__", "up"}}));
  ASSERT_FALSE(up.empty());
  EXPECT_EQ(up[0].v, 0);
  EXPECT_TRUE(db_.Samples(WithTarget(srv, {{"__name__", "a_total"}})).empty());
}

std::string BigPage(int series) {
  std::string s;
  for (int i = 0; i < series; ++i) s += "big_metric{i=\"" + std::to_string(i) + "\"} 1\n";
  return s;
}

TEST_F(ScrapeLoopTest, BodySizeLimitPlainAndGzip) {
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    TestServer srv([&](const SeenRequest&) { return Reply{.body = BigPage(5000), .gzip = gzip}; });
    auto o = OptionsFor(srv);
    o.http.body_size_limit = 10000;
    auto loop = StartLoop(std::move(o));
    ASSERT_TRUE(WaitScrapes(loop, 1));
    StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
    EXPECT_EQ(loop->Status().health, TargetHealth::kDown);
    EXPECT_THAT(loop->Status().last_error, HasSubstr("body size limit exceeded"));
  }
}

TEST_F(ScrapeLoopTest, HugeBodyWithoutLimitIsScraped) {
  TestServer srv([](const SeenRequest&) { return Reply{.body = BigPage(20000), .gzip = true}; });
  auto o = OptionsFor(srv);
  o.timeout = std::chrono::milliseconds(10000);
  o.interval = std::chrono::milliseconds(10000);
  o.scrape_immediately = true;
  auto loop = StartLoop(std::move(o));
  ASSERT_TRUE(WaitScrapes(loop, 1));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  EXPECT_EQ(loop->Status().health, TargetHealth::kUp) << loop->Status().last_error;
  EXPECT_EQ(loop->Status().last_samples_scraped, 20000u);
}

TEST_F(ScrapeLoopTest, SampleLimitFailsTheScrape) {
  TestServer srv([](const SeenRequest&) { return Reply{.body = BigPage(5)}; });
  auto o = OptionsFor(srv);
  o.samples.sample_limit = 3;
  auto loop = StartLoop(std::move(o));
  ASSERT_TRUE(WaitScrapes(loop, 1));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  EXPECT_EQ(loop->Status().health, TargetHealth::kDown);
  EXPECT_EQ(loop->Status().last_error, "sample limit exceeded");
  EXPECT_TRUE(db_.Samples(WithTarget(srv, {{"__name__", "big_metric"}, {"i", "0"}})).empty());
  auto scraped = db_.Samples(WithTarget(srv, {{"__name__", "scrape_samples_scraped"}}));
  ASSERT_FALSE(scraped.empty());
  EXPECT_EQ(scraped[0].v, 5);
  auto up = db_.Samples(WithTarget(srv, {{"__name__", "up"}}));
  ASSERT_FALSE(up.empty());
  EXPECT_EQ(up[0].v, 0);
}

TEST_F(ScrapeLoopTest, LabelLimitsFailTheScrape) {
  TestServer srv([](const SeenRequest&) {
    return Reply{.body = "m{a=\"1\",b=\"2222222222222222222222222\"} 1\n"};
  });
  struct Case {
    int64_t SampleOptions::*field;
    int64_t value;
    const char* error;
  };
  // __name__, a, b, job, instance = 5 labels.
  for (const Case& c : {Case{&SampleOptions::label_limit, 4, "label_limit exceeded"},
                        Case{&SampleOptions::label_value_length_limit, 24,
                             "label_value_length_limit exceeded"},
                        Case{&SampleOptions::label_name_length_limit, 3,
                             "label_name_length_limit exceeded"}}) {
    SCOPED_TRACE(c.error);
    auto o = OptionsFor(srv);
    o.samples.*c.field = c.value;
    auto loop = StartLoop(std::move(o));
    uint64_t before = loop->Status().scrapes;
    ASSERT_TRUE(WaitScrapes(loop, before + 1));
    StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
    EXPECT_THAT(loop->Status().last_error, HasSubstr(c.error));
    EXPECT_TRUE(db_.Samples(WithTarget(srv, {{"__name__", "m"}, {"a", "1"}, {"b", "2222222222222222222222222"}}))
                    .empty());
  }
  // Within the limits the same page is stored.
  auto o = OptionsFor(srv);
  o.samples.label_limit = 5;
  o.samples.label_value_length_limit = 25;
  o.samples.label_name_length_limit = 8;
  auto loop = StartLoop(std::move(o));
  ASSERT_TRUE(WaitScrapes(loop, 1));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  EXPECT_EQ(loop->Status().health, TargetHealth::kUp) << loop->Status().last_error;
}

TEST_F(ScrapeLoopTest, VanishedSeriesGetStaleMarkerAtScrapeTime) {
  std::atomic<int> n{0};
  TestServer srv([&](const SeenRequest&) {
    return Reply{.body = n++ < 2 ? std::string(kPage) : std::string("a_total 1\n")};
  });
  auto loop = StartLoop(OptionsFor(srv));
  ASSERT_TRUE(WaitScrapes(loop, 4));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  auto a = db_.Samples(WithTarget(srv, {{"__name__", "a_total"}}));
  auto b = db_.Samples(WithTarget(srv, {{"__name__", "b"}, {"x", "y"}}));
  ASSERT_EQ(b.size(), 3u);  // two values and exactly one marker
  EXPECT_EQ(b[1].v, 2);
  EXPECT_TRUE(model::IsStaleNaN(b[2].v));
  ASSERT_GE(a.size(), 4u);
  EXPECT_EQ(b[2].t, a[2].t);
  for (const auto& s : a) EXPECT_EQ(s.v, 1);
}

TEST_F(ScrapeLoopTest, HonorLabelsFalseRenamesClashes) {
  TestServer srv([](const SeenRequest&) {
    return Reply{.body = "m{job=\"other\",exported_job=\"taken\",instance=\"x\"} 1\n"};
  });
  for (bool honor : {false, true}) {
    SCOPED_TRACE(honor);
    auto o = OptionsFor(srv);
    o.samples.honor_labels = honor;
    auto loop = StartLoop(std::move(o));
    ASSERT_TRUE(WaitScrapes(loop, 1));
    StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  }
  auto snap = db_.Snapshot();
  model::Labels renamed{{"__name__", "m"},
                       {"job", "test"},
                       {"instance", srv.address()},
                       {"exported_instance", "x"},
                       {"exported_job", "taken"},
                       {"exported_exported_job", "other"}};
  model::Labels honored{{"__name__", "m"}, {"job", "other"}, {"instance", "x"},
                       {"exported_job", "taken"}};
  EXPECT_TRUE(snap.count(renamed)) << renamed.ToString();
  EXPECT_TRUE(snap.count(honored)) << honored.ToString();
}

TEST_F(ScrapeLoopTest, TargetThatDisappearsGoesDownWithStaleMarkers) {
  TestServer srv([](const SeenRequest&) { return Reply{.body = kPage}; });
  auto loop = StartLoop(OptionsFor(srv));
  ASSERT_TRUE(WaitScrapes(loop, 2));
  srv.Stop();
  ASSERT_TRUE(WaitFor([&] { return loop->Status().health == TargetHealth::kDown; }));
  uint64_t n = loop->Status().scrapes;
  ASSERT_TRUE(WaitScrapes(loop, n + 1));  // a second failure adds no markers
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  EXPECT_THAT(loop->Status().last_error, HasSubstr("connection refused"));
  auto b = db_.Samples(WithTarget(srv, {{"__name__", "b"}, {"x", "y"}}));
  ASSERT_GE(b.size(), 3u);
  EXPECT_TRUE(model::IsStaleNaN(b.back().v));
  EXPECT_FALSE(model::IsStaleNaN(b[b.size() - 2].v));
  auto up = db_.Samples(WithTarget(srv, {{"__name__", "up"}}));
  EXPECT_EQ(up.back().v, 0);
}

TEST_F(ScrapeLoopTest, StopForGoneTargetWritesEndOfRunMarkersShutdownDoesNot) {
  TestServer srv([](const SeenRequest&) { return Reply{.body = kPage}; });
  auto last_is_stale = [&](std::string_view name) {
    auto s = db_.Samples(WithTarget(srv, {{"__name__", name}}));
    EXPECT_FALSE(s.empty()) << name;
    return !s.empty() && model::IsStaleNaN(s.back().v);
  };
  const std::vector<std::string_view> names = {"a_total", "up", "scrape_duration_seconds",
                                               "scrape_samples_scraped", "scrape_series_added"};
  // Shutdown: Prometheus restarts where it was, so no markers.
  auto first = StartLoop(OptionsFor(srv));
  ASSERT_TRUE(WaitScrapes(first, 2));
  StopLoop(first, ScrapeLoop::StopMode::kShutdown);
  for (auto name : names) EXPECT_FALSE(last_is_stale(name)) << name;

  // Target gone: after just over two intervals, every series (synthetic ones too) is marked.
  auto second = StartLoop(OptionsFor(srv));
  ASSERT_TRUE(WaitScrapes(second, 2));
  int64_t last_scrape = db_.Samples(WithTarget(srv, {{"__name__", "up"}})).back().t;
  StopLoop(second, ScrapeLoop::StopMode::kTargetGone);
  for (auto name : names) EXPECT_TRUE(last_is_stale(name)) << name;
  auto up = db_.Samples(WithTarget(srv, {{"__name__", "up"}}));
  EXPECT_GT(up.back().t, last_scrape);
  EXPECT_TRUE(model::IsStaleNaN(db_.Samples(WithTarget(srv, {{"__name__", "b"}, {"x", "y"}})).back().v));
}

TEST_F(ScrapeLoopTest, SteadyTargetHitsCacheWithoutLabelWork) {
  TestServer srv([](const SeenRequest&) { return Reply{.body = BigPage(50)}; });
  auto o = OptionsFor(srv);
  std::atomic<int> relabel_calls{0};
  o.samples.metric_relabel = [&](model::Labels* l) {
    ++relabel_calls;
    return l->Get("i") != "7";  // drop one series
  };
  auto loop = StartLoop(std::move(o));
  ASSERT_TRUE(WaitScrapes(loop, 4));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  EXPECT_EQ(relabel_calls.load(), 50);  // once per series, not per scrape
  // 49 kept series + 5 synthetic ones were looked up by labels once; later scrapes use refs.
  EXPECT_EQ(db_.label_lookups(), 54u);
  EXPECT_TRUE(db_.Samples(WithTarget(srv, {{"__name__", "big_metric"}, {"i", "7"}})).empty());
  auto post = db_.Samples(WithTarget(srv, {{"__name__", "scrape_samples_post_metric_relabeling"}}));
  ASSERT_FALSE(post.empty());
  EXPECT_EQ(post.back().v, 49);
  EXPECT_EQ(loop->cache()->size(), 50u);
}

TEST_F(ScrapeLoopTest, OpenMetricsSkipsCreatedAndHonorsTimestamps) {
  TestServer srv([](const SeenRequest&) {
    return Reply{.content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8",
                 .body = "# TYPE c counter\nc_total 3 1000.5\nc_created 12\n# EOF\n"};
  });
  for (bool honor : {true, false}) {
    auto o = OptionsFor(srv, honor ? "/h" : "/n");
    o.samples.honor_timestamps = honor;
    o.samples.target_labels = model::Labels{{"job", honor ? "h" : "n"}};
    auto loop = StartLoop(std::move(o));
    ASSERT_TRUE(WaitScrapes(loop, 2));
    StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
    EXPECT_EQ(loop->Status().health, TargetHealth::kUp) << loop->Status().last_error;
  }
  auto snap = db_.Snapshot();
  auto h = snap[model::Labels{{"__name__", "c_total"}, {"job", "h"}}];
  ASSERT_FALSE(h.empty());
  EXPECT_EQ(h[0].t, 1000500);  // duplicates of the same sample were ignored
  EXPECT_EQ(h.size(), 1u);
  auto n = snap[model::Labels{{"__name__", "c_total"}, {"job", "n"}}];
  ASSERT_GE(n.size(), 2u);
  EXPECT_GT(n[0].t, 1000500);
  EXPECT_FALSE(snap.count(model::Labels{{"__name__", "c_created"}, {"job", "h"}}));
  auto scraped = snap[model::Labels{{"__name__", "scrape_samples_scraped"}, {"job", "h"}}];
  ASSERT_FALSE(scraped.empty());
  EXPECT_EQ(scraped[0].v, 1);
}

TEST_F(ScrapeLoopTest, TrackTimestampsStalenessMarksVanishedTimestampedSeries) {
  std::atomic<int> n{0};
  TestServer srv([&](const SeenRequest&) {
    int i = n++;
    // A timestamped series that moves forward, then disappears.
    return Reply{.body = i < 2 ? absl::StrCat("ts_metric 1 ", 1000 + i, "\nkeep 1\n")
                               : std::string("keep 1\n")};
  });
  for (bool track : {false, true}) {
    auto o = OptionsFor(srv, track ? "/t" : "/f");
    o.samples.track_timestamps_staleness = track;
    o.samples.target_labels = model::Labels{{"job", track ? "t" : "f"}};
    n = 0;
    auto loop = StartLoop(std::move(o));
    ASSERT_TRUE(WaitScrapes(loop, 3));
    StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  }
  auto snap = db_.Snapshot();
  auto f = snap[model::Labels{{"__name__", "ts_metric"}, {"job", "f"}}];
  auto t = snap[model::Labels{{"__name__", "ts_metric"}, {"job", "t"}}];
  ASSERT_EQ(f.size(), 2u);
  EXPECT_FALSE(model::IsStaleNaN(f.back().v));
  ASSERT_EQ(t.size(), 3u);
  EXPECT_TRUE(model::IsStaleNaN(t.back().v));
}

TEST_F(ScrapeLoopTest, HttpErrorStatusIsReported) {
  TestServer srv([](const SeenRequest&) { return Reply{.status = 503, .body = "busy"}; });
  auto loop = StartLoop(OptionsFor(srv));
  ASSERT_TRUE(WaitScrapes(loop, 1));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  EXPECT_THAT(loop->Status().last_error, HasSubstr("server returned HTTP status 503"));
}

// Issue 22 item 14b: the parser's error names the line once ("line 2: line 2: ..." before).
TEST_F(ScrapeLoopTest, DuplicateLabelErrorNamesTheLineOnce) {
  TestServer srv([](const SeenRequest&) { return Reply{.body = "ok 1\nm{a=\"1\",a=\"2\"} 1\n"}; });
  auto loop = StartLoop(OptionsFor(srv));
  ASSERT_TRUE(WaitScrapes(loop, 1));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  EXPECT_EQ(loop->Status().last_error, "line 2: label name \"a\" is not unique");
}

// Issue 22 item 14b: follow_redirects (Prometheus' default) follows relative and absolute
// Locations, to another host:port too, as Go's client does.
TEST_F(ScrapeLoopTest, RedirectsAreFollowed) {
  TestServer other([](const SeenRequest& r) {
    if (r.target == "/elsewhere/metrics") return Reply{.body = "c 3\n"};
    return Reply{.status = 404, .body = "no"};
  });
  const std::string other_url = "http://" + other.address() + "/elsewhere/metrics";
  TestServer srv([&](const SeenRequest& r) {
    if (r.target == "/metrics") {
      return Reply{.status = 302, .headers = {{"Location", "/moved/here?x=1"}}};
    }
    if (r.target == "/moved/here?x=1") return Reply{.status = 301, .headers = {{"Location", "next"}}};
    if (r.target == "/moved/next") return Reply{.body = kPage};
    if (r.target == "/away") return Reply{.status = 307, .headers = {{"Location", other_url}}};
    return Reply{.status = 404, .body = "no"};
  });
  // Three requests per scrape: a roomy timeout for sanitizer builds on a busy machine.
  auto slow = [&](std::string path) {
    ScrapeLoopOptions o = OptionsFor(srv, std::move(path));
    o.interval = std::chrono::milliseconds(500);
    o.timeout = std::chrono::milliseconds(450);
    return o;
  };
  auto loop = StartLoop(slow("/metrics"));
  ASSERT_TRUE(WaitScrapes(loop, 2));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  EXPECT_EQ(loop->Status().health, TargetHealth::kUp) << loop->Status().last_error;
  auto b = db_.Samples(WithTarget(srv, {{"__name__", "b"}, {"x", "y"}}));
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b[0].v, 2);

  auto away = StartLoop(slow("/away"));
  ASSERT_TRUE(WaitScrapes(away, 2));
  StopLoop(away, ScrapeLoop::StopMode::kShutdown);
  EXPECT_EQ(away->Status().health, TargetHealth::kUp) << away->Status().last_error;
  EXPECT_FALSE(db_.Samples(WithTarget(srv, {{"__name__", "c"}})).empty());
}

TEST_F(ScrapeLoopTest, FollowRedirectsFalseKeepsTheRedirectAsAnError) {
  TestServer srv([](const SeenRequest& r) {
    if (r.target == "/metrics") return Reply{.status = 302, .headers = {{"Location", "/real"}}};
    return Reply{.body = kPage};
  });
  ScrapeLoopOptions o = OptionsFor(srv);
  o.http.follow_redirects = false;
  auto loop = StartLoop(std::move(o));
  ASSERT_TRUE(WaitScrapes(loop, 1));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  EXPECT_EQ(loop->Status().health, TargetHealth::kDown);
  EXPECT_EQ(loop->Status().last_error, "server returned HTTP status 302 Found");
  for (const SeenRequest& r : srv.requests()) EXPECT_EQ(r.target, "/metrics");
}

TEST_F(ScrapeLoopTest, RedirectLoopStopsAfterTenRedirects) {
  std::atomic<int> n{0};
  TestServer srv([&](const SeenRequest&) {
    return Reply{.status = 302, .headers = {{"Location", "/hop" + std::to_string(++n)}}};
  });
  ScrapeLoopOptions o = OptionsFor(srv);
  o.interval = std::chrono::seconds(10);  // one scrape
  o.timeout = std::chrono::seconds(5);
  auto loop = StartLoop(std::move(o));
  ASSERT_TRUE(WaitScrapes(loop, 1));
  StopLoop(loop, ScrapeLoop::StopMode::kShutdown);
  EXPECT_EQ(loop->Status().last_error, "Get \"/hop10\": stopped after 10 redirects");
  EXPECT_EQ(srv.requests().size(), 10u);  // as Go: the 10th redirect is not followed
}

TEST(ResolveLocation, ReferencesResolveAsRfc3986) {
  net::HttpLocation base{"http", "127.0.0.1", "9100", "/a/b/metrics?x=1"};
  auto target = [&](std::string_view loc) {
    auto r = net::ResolveLocation(base, loc);
    return r.ok() ? r->scheme + "://" + r->host + ":" + r->port + r->target
                  : "error: " + std::string(r.status().message());
  };
  EXPECT_EQ(target("/m"), "http://127.0.0.1:9100/m");
  EXPECT_EQ(target("m2?y=2"), "http://127.0.0.1:9100/a/b/m2?y=2");
  EXPECT_EQ(target("../c"), "http://127.0.0.1:9100/a/c");
  EXPECT_EQ(target("./"), "http://127.0.0.1:9100/a/b/");
  EXPECT_EQ(target("?z=3"), "http://127.0.0.1:9100/a/b/metrics?z=3");
  EXPECT_EQ(target("https://[::1]:8443/p#frag"), "https://::1:8443/p");
  EXPECT_EQ(target("//localhost/q"), "http://localhost:80/q");
  EXPECT_EQ(target("HTTPS://h"), "https://h:443/");
  EXPECT_THAT(target("ftp://h/x"), HasSubstr("error: unsupported protocol scheme \"ftp\""));
}

// A sample stamped in the year 2999 is refused by the storage as out of bounds and counted;
// the scrape stays up and the target's other samples are stored (issue 22).
TEST(ScrapeLoopOutOfBounds, FutureSampleIsCountedAndTheRestStored) {
  IoRunner io;
  tsdb::Head head;  // the real storage, with its default future bound
  TestServer srv([](const SeenRequest&) {
    return Reply{.body = "future_metric 1 32472144000000\npresent_metric 2\n"};
  });
  auto loop = ScrapeLoop::Create(io.io(), &head, OptionsFor(srv));
  ASSERT_TRUE(loop.ok()) << loop.status();
  (*loop)->Start();
  ASSERT_TRUE(WaitFor([&] { return (*loop)->Status().scrapes >= 3; }));
  std::promise<void> done;
  (*loop)->Stop(ScrapeLoop::StopMode::kShutdown, [&] { done.set_value(); });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);

  TargetStatus st = (*loop)->Status();
  EXPECT_EQ(st.health, TargetHealth::kUp);
  EXPECT_EQ(st.last_error, "");
  EXPECT_EQ(st.samples_out_of_bounds, st.scrapes);  // one refused sample per scrape
  EXPECT_EQ(head.Stats().out_of_bounds, st.scrapes);
  auto q = head.NewQuerier(0, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(q.ok());
  auto count = [&](const char* name) {
    std::vector<model::Matcher> ms{
        model::Matcher::MustMake(model::MatchType::kEqual, "__name__", name)};
    auto set = (*q)->Select(ms);
    size_t n = 0;
    while (set->Next()) {
      auto it = set->At().Iterator();
      while (it->Next()) ++n;
    }
    return n;
  };
  EXPECT_EQ(count("future_metric"), 0u);
  EXPECT_EQ(count("present_metric"), st.scrapes);
}

TEST(ScrapeTimeoutHeader, FormatsLikeGo) {
  EXPECT_EQ(ScrapeTimeoutHeaderValue(std::chrono::milliseconds(10000)), "10");
  EXPECT_EQ(ScrapeTimeoutHeaderValue(std::chrono::milliseconds(500)), "0.5");
  EXPECT_EQ(ScrapeTimeoutHeaderValue(std::chrono::milliseconds(1250)), "1.25");
}

TEST(MutateSampleLabels, ExportedPrefixLoopsUntilFree) {
  SampleOptions o;
  o.target_labels = model::Labels{{"job", "j"}};
  model::Labels l{{"__name__", "m"}, {"job", "x"}, {"exported_job", "y"}};
  ASSERT_TRUE(MutateSampleLabels(o, &l));
  EXPECT_EQ(l, (model::Labels{{"__name__", "m"}, {"job", "j"}, {"exported_job", "y"},
                             {"exported_exported_job", "x"}}));
}

}  // namespace
}  // namespace promlet::scrape
