// End-to-end: scrape Debian's prometheus-node-exporter on a loopback port and check that the
// stored series are exactly what node_exporter served in that scrape.
//  1. Through a recording pass-through server: the loop's scrape is forwarded to node_exporter
//     and the body it got is kept, so every stored series, label and value can be compared with
//     the very body the loop parsed.
//  2. Directly: the series (names and labels) stored from node_exporter equal those of a body
//     the test fetched itself, and stable gauges have equal values.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cmath>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "scrape/scrape_loop.h"
#include "model/textparse.h"
#include "tests/scrape_loop/mem_storage.h"
#include "tests/scrape_loop/test_server.h"
#include "scrape/protocols.h"

extern char** environ;

namespace promlet::scrape {
namespace {

using testing::MemStorage;
using testing::Reply;
using testing::SeenRequest;
using testing::TestServer;

constexpr char kNodeExporter[] = "/usr/bin/prometheus-node-exporter";

uint16_t FreePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

class NodeExporter {
 public:
  bool Start() {
    port_ = FreePort();
    std::string listen = absl::StrCat("--web.listen-address=127.0.0.1:", port_);
    std::vector<std::string> args = {kNodeExporter, listen, "--log.level=error"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, kNodeExporter, nullptr, nullptr, argv.data(), environ) != 0) {
      return false;
    }
    for (int i = 0; i < 400; ++i) {
      if (testing::HttpGet(port_, "/metrics").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  ~NodeExporter() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st;
      waitpid(pid_, &st, 0);
    }
  }
  uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

struct Expected {
  std::map<model::Labels, double> samples;
};

// What the loop must store for `body`: every series with the target labels added.
std::map<model::Labels, double> ExpectedSeries(const std::string& body, model::Format format,
                                              const model::Labels& target) {
  std::map<model::Labels, double> out;
  model::Parser p(body, format);
  while (true) {
    auto e = p.Next();
    EXPECT_TRUE(e.ok()) << e.status();
    if (!e.ok() || *e == model::Entry::kEOF) break;
    if (*e != model::Entry::kSeries || p.IsCreatedSeries()) continue;
    model::Labels l;
    EXPECT_TRUE(p.ParseLabels(&l).ok());
    model::LabelsBuilder b(l);
    for (const auto& t : target) b.Set(t.name, t.value);
    out[b.Build()] = p.Value();
  }
  return out;
}

bool IsSynthetic(const model::Labels& l) {
  static const std::set<std::string_view> kNames = {
      "up", "scrape_duration_seconds", "scrape_samples_scraped",
      "scrape_samples_post_metric_relabeling", "scrape_series_added"};
  return kNames.count(l.MetricName()) > 0;
}

class IoRunner {
 public:
  IoRunner() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~IoRunner() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

ScrapeLoopOptions LoopOptions(uint16_t port, const std::string& job) {
  ScrapeLoopOptions o;
  std::string addr = absl::StrCat("127.0.0.1:", port);
  o.scrape_pool = job;
  o.target_labels = model::Labels{{"__address__", addr}, {"job", job}, {"instance", addr}};
  o.scrape_url = "http://" + addr + "/metrics";
  o.http.host = "127.0.0.1";
  o.http.port = std::to_string(port);
  o.http.target = "/metrics";
  o.http.headers = {{"Accept", DefaultAcceptHeader()}};
  // Long enough that exactly one scrape happens while the test looks.
  o.scrape_immediately = true;
  o.interval = std::chrono::milliseconds(60000);
  o.timeout = std::chrono::milliseconds(20000);
  o.samples.target_labels = model::Labels{{"job", job}, {"instance", addr}};
  return o;
}

// Runs one scrape of `o` into `db` and stops the loop (no end-of-run markers).
void ScrapeOnce(IoRunner& io, MemStorage& db, ScrapeLoopOptions o) {
  auto loop = ScrapeLoop::Create(io.io(), &db, std::move(o));
  ASSERT_TRUE(loop.ok()) << loop.status();
  (*loop)->Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while ((*loop)->Status().scrapes < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::promise<void> done;
  (*loop)->Stop(ScrapeLoop::StopMode::kShutdown, [&] { done.set_value(); });
  done.get_future().wait();
  ASSERT_EQ((*loop)->Status().scrapes, 1u);
  ASSERT_EQ((*loop)->Status().health, TargetHealth::kUp) << (*loop)->Status().last_error;
}

TEST(NodeExporterEndToEnd, StoredSeriesEqualWhatWasServed) {
  if (access(kNodeExporter, X_OK) != 0) {
    GTEST_SKIP() << kNodeExporter << " is not installed (apt-get install prometheus-node-exporter)";
  }
  NodeExporter ne;
  ASSERT_TRUE(ne.Start()) << "node_exporter did not come up";
  IoRunner io;

  // 1. Through a recording pass-through: exact values of the very scrape.
  std::mutex mu;
  std::vector<testing::FetchResult> served;
  TestServer proxy([&](const SeenRequest& r) {
    std::map<std::string, std::string> h;
    if (r.headers.count("accept")) h["Accept"] = r.headers.at("accept");
    testing::FetchResult f = testing::HttpGet(ne.port(), r.target, h);
    std::lock_guard<std::mutex> lock(mu);
    served.push_back(f);
    return Reply{.status = f.status, .content_type = f.content_type, .body = f.body, .gzip = true};
  });
  MemStorage db;
  ScrapeOnce(io, db, LoopOptions(proxy.port(), "node"));
  ASSERT_EQ(served.size(), 1u);
  absl::StatusOr<model::Format> format = FormatForContentType(served[0].content_type);
  ASSERT_TRUE(format.ok()) << served[0].content_type;
  auto want = ExpectedSeries(served[0].body, *format,
                             model::Labels{{"job", "node"}, {"instance", proxy.address()}});
  ASSERT_GT(want.size(), 100u);
  std::map<model::Labels, double> got;
  int64_t ts = -1;
  for (const auto& [labels, samples] : db.Snapshot()) {
    if (IsSynthetic(labels)) continue;
    ASSERT_EQ(samples.size(), 1u) << labels.ToString();
    if (ts < 0) ts = samples[0].t;
    EXPECT_EQ(samples[0].t, ts) << "one batch, one timestamp";
    got[labels] = samples[0].v;
  }
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [labels, v] : want) {
    auto it = got.find(labels);
    ASSERT_NE(it, got.end()) << "missing " << labels.ToString();
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan(it->second)) << labels.ToString();
    } else {
      EXPECT_EQ(it->second, v) << labels.ToString();
    }
  }
  auto scraped = db.Samples(model::Labels{{"__name__", "scrape_samples_scraped"},
                                         {"job", "node"}, {"instance", proxy.address()}});
  ASSERT_EQ(scraped.size(), 1u);
  EXPECT_EQ(scraped[0].v, static_cast<double>(want.size()));

  // 2. Directly from node_exporter: same series set as a body fetched right after; stable
  // gauges equal.
  MemStorage direct;
  ScrapeOnce(io, direct, LoopOptions(ne.port(), "direct"));
  testing::FetchResult mine = testing::HttpGet(ne.port(), "/metrics",
                                               {{"Accept", DefaultAcceptHeader()}});
  ASSERT_EQ(mine.status, 200);
  std::string addr = absl::StrCat("127.0.0.1:", ne.port());
  auto mine_series = ExpectedSeries(mine.body, *FormatForContentType(mine.content_type),
                                    model::Labels{{"job", "direct"}, {"instance", addr}});
  std::set<model::Labels> stored;
  for (const auto& [labels, samples] : direct.Snapshot()) {
    if (!IsSynthetic(labels)) stored.insert(labels);
  }
  std::set<std::string> missing, extra;
  for (const auto& [l, v] : mine_series) {
    if (!stored.count(l)) missing.insert(l.ToString());
  }
  for (const auto& l : stored) {
    if (!mine_series.count(l)) extra.insert(l.ToString());
  }
  // Collectors may differ by a handful of series between two scrapes (e.g. a transient
  // process); the bulk must match exactly.
  EXPECT_LE(missing.size() + extra.size(), 5u)
      << "first missing: " << (missing.empty() ? "" : *missing.begin())
      << " first extra: " << (extra.empty() ? "" : *extra.begin());
  for (std::string_view stable : {"node_memory_MemTotal_bytes", "node_boot_time_seconds"}) {
    for (const auto& [l, v] : mine_series) {
      if (l.MetricName() != stable) continue;
      auto s = direct.Samples(l);
      ASSERT_EQ(s.size(), 1u) << l.ToString();
      EXPECT_EQ(s[0].v, v) << l.ToString();
    }
  }
}

}  // namespace
}  // namespace promlet::scrape
