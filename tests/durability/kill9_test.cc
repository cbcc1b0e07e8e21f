// Crash durability of the real binary: promlet scrapes a local target (2000 series whose values
// change on every scrape) every 100 ms; at random moments the test records every raw sample the
// API shows, kills promlet with SIGKILL, restarts it on the same data dir and requires that
//  - it becomes ready on its own (no lock file, torn WAL tail or checkpoint needs manual help);
//  - every sample visible before the kill is returned again, same timestamp and value (a sample
//    the API showed was committed, and committed means logged to the WAL first);
//  - it keeps ingesting afterwards (the next round sees more samples than the last).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/integration/test_util.h"

namespace promlet::testing {
namespace {

const char* kBinary = PROMLET_BINARY;
constexpr int kSeries = 2000;

// A /metrics endpoint on 127.0.0.1: one request per connection ("Connection: close"); every
// response carries new values for all kSeries series.
class MetricsTarget {
 public:
  MetricsTarget() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 64);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~MetricsTarget() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int scrapes() const { return scrapes_.load(); }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 2000) <= 0) break;
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      if (req.find("\r\n\r\n") != std::string::npos) Respond(c);
      ::close(c);
    }
  }
  void Respond(int c) {
    int k = ++scrapes_;
    std::string body = "# TYPE dur_value gauge\n";
    body.reserve(kSeries * 48);
    char line[96];
    for (int i = 0; i < kSeries; ++i) {
      // Distinct per series and per scrape, with a fractional part to catch value corruption.
      std::snprintf(line, sizeof line, "dur_value{idx=\"%04d\"} %d.%03d\n", i, k * 10000 + i,
                    (k * 7 + i) % 1000);
      body += line;
    }
    std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                       "Connection: close\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body;
    size_t off = 0;
    while (off < resp.size()) {
      ssize_t n = ::send(c, resp.data() + off, resp.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> scrapes_{0};
  std::thread thread_;
};

// What the API shows at one evaluation time: every raw sample (timestamp, value exactly as
// printed) of the series whose idx ends in "0" with third digit 0-4 (100 series, so the JSON stays
// small under ASan), and the sample count of all kSeries series.
struct Snapshot {
  std::map<std::string, std::set<std::pair<std::string, std::string>>> samples;  // by idx
  std::map<std::string, long> counts;                                             // by idx
  size_t total = 0;  // sum of counts
};

// GET /api/v1/query?query=<q>&time=<time>; the "result" array, or nullopt with `err` set.
std::optional<nlohmann::json> QueryResult(int port, const std::string& q, const std::string& time,
                                          std::string* err) {
  auto r = HttpGet(port, "/api/v1/query?query=" + q + "&time=" + time);
  if (r.status != 200) {
    *err = "query " + q + ": status " + std::to_string(r.status) + ": " + r.body.substr(0, 500);
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || j.value("status", "") != "success" ||
      !j.contains("data") || !j["data"].contains("result") || !j["data"]["result"].is_array()) {
    *err = "query " + q + ": bad body: " + r.body.substr(0, 500);
    return std::nullopt;
  }
  return j["data"]["result"];
}

// Samples in the hour up to `time` (seconds, ms precision).
std::optional<Snapshot> Take(int port, const std::string& time, std::string* err) {
  Snapshot out;
  auto raw = QueryResult(port, "dur_value%7Bidx%3D~%22..%5B0-4%5D0%22%7D%5B1h%5D", time, err);
  if (!raw) return std::nullopt;
  for (const auto& series : *raw) {
    auto& set = out.samples[series["metric"].value("idx", "?")];
    for (const auto& v : series["values"]) {
      char ts[32];
      std::snprintf(ts, sizeof ts, "%.3f", v[0].get<double>());
      set.emplace(ts, v[1].get<std::string>());
    }
  }
  auto counts = QueryResult(port, "count_over_time(dur_value%5B1h%5D)", time, err);
  if (!counts) return std::nullopt;
  for (const auto& series : *counts) {
    long n = std::stol(series["value"][1].get<std::string>());
    out.counts[series["metric"].value("idx", "?")] = n;
    out.total += static_cast<size_t>(n);
  }
  return out;
}

std::string NowSeconds() {
  char buf[32];
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                   .count();
  std::snprintf(buf, sizeof buf, "%.3f", now);
  return buf;
}

class Promlet {
 public:
  Promlet(const std::string& dir, int port, int run)
      : port_(port),
        proc_({kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(port),
               "--storage.tsdb.path=" + dir + "/data", "--config.file=" + dir + "/promlet.yml"},
              dir + "/log" + std::to_string(run) + ".txt") {}
  bool WaitReady() {
    return WaitFor([&] { return !proc_.Running() || HttpGet(port_, "/-/ready").status == 200; },
                   std::chrono::seconds(60)) &&
           proc_.Running();
  }
  Process& proc() { return proc_; }

 private:
  int port_;
  Process proc_;
};

TEST(DurabilityTest, SamplesVisibleBeforeKill9SurviveRestart) {
  MetricsTarget target;
  std::string dir = MakeTempDir("durability");
  int port = FreePort();
  WriteFile(dir + "/promlet.yml",
            "global:\n  scrape_interval: 100ms\n  scrape_timeout: 100ms\n"
            "scrape_configs:\n  - job_name: dur\n    static_configs:\n"
            "      - targets: ['127.0.0.1:" + std::to_string(target.port()) + "']\n");

  std::random_device rd;
  unsigned seed = rd();
  SCOPED_TRACE("seed " + std::to_string(seed) + ", dir " + dir);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pause_ms(1000, 3000);

  size_t last_total = 0;
  constexpr int kRounds = 4;
  auto p = std::make_unique<Promlet>(dir, port, 0);
  ASSERT_TRUE(p->WaitReady()) << "promlet did not start:\n" << p->proc().Log();
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));

    // Wait for new scrapes to be stored, then run a while before recording and killing.
    int scrapes_at_start = target.scrapes();
    ASSERT_TRUE(WaitFor([&] { return target.scrapes() >= scrapes_at_start + 3; },
                        std::chrono::seconds(30)))
        << "promlet does not scrape the target:\n" << p->proc().Log();
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));

    std::string err;
    std::string t = NowSeconds();
    auto before = Take(port, t, &err);
    ASSERT_TRUE(before.has_value()) << err;
    ASSERT_EQ(before->counts.size(), static_cast<size_t>(kSeries));
    ASSERT_EQ(before->samples.size(), 100u);
    // Every round adds samples: the restarted store ingests again.
    ASSERT_GT(before->total, last_total) << "no new samples after restart:\n" << p->proc().Log();
    last_total = before->total;

    p->proc().Signal(SIGKILL);
    ASSERT_TRUE(p->proc().Wait(std::chrono::seconds(10)).has_value());
    p.reset();
    auto killed_at = std::chrono::steady_clock::now();

    // Restart on the same dir; the same queries at the same time must show at least as much
    // (samples scraped before `t` but committed after the query may add to it).
    p = std::make_unique<Promlet>(dir, port, round + 1);
    ASSERT_TRUE(p->WaitReady()) << "promlet did not reopen the store after kill -9:\n"
                                << p->proc().Log();
    auto ready_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - killed_at)
                        .count();
    auto after = Take(port, t, &err);
    ASSERT_TRUE(after.has_value()) << err;
    std::fprintf(stderr, "round %d: %zu samples visible before kill -9, ready again in %lld ms\n",
                 round, before->total, static_cast<long long>(ready_ms));
    size_t missing = 0;
    std::string example;
    for (const auto& [idx, samples] : before->samples) {
      const auto& got = after->samples[idx];
      for (const auto& s : samples) {
        if (got.count(s) == 0 && missing++ == 0) {
          example = "dur_value{idx=\"" + idx + "\"} @" + s.first + " = " + s.second;
        }
      }
    }
    size_t short_series = 0;
    for (const auto& [idx, n] : before->counts) {
      if (after->counts[idx] < n && short_series++ == 0) {
        example += " dur_value{idx=\"" + idx + "\"}: " + std::to_string(n) + " samples before, " +
                   std::to_string(after->counts[idx]) + " after";
      }
    }
    EXPECT_EQ(missing + short_series, 0u)
        << missing << " samples lost and " << short_series << " series shortened of "
        << before->total << " samples visible before kill -9, e.g. " << example << "\n"
        << p->proc().Log();
    if (missing + short_series != 0) break;
  }
  p.reset();
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace promlet::testing
