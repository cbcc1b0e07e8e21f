// The real promlet binary under hostile HTTP (loopback only): oversized and malformed request
// heads, oversized bodies, pipelining, slow clients and abrupt disconnects; then it must answer
// /-/ready within 2 s and still hold every sample it had stored. And health checks must not
// wait behind a flood of expensive queries.
#include <netinet/tcp.h>
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

#include "tests/integration/test_util.h"

namespace promlet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const char* kBinary = PROMLET_BINARY;

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::string ReadUntilClose(int fd, int timeout_ms = 10000) {
  std::string out;
  char buf[65536];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Sends raw bytes on a fresh connection, half-closes, returns everything answered.
std::string Exchange(int port, const std::string& data) {
  int fd = Connect(port);
  if (fd < 0) return "<connect failed>";
  SendAll(fd, data);
  ::shutdown(fd, SHUT_WR);
  std::string out = ReadUntilClose(fd);
  ::close(fd);
  return out;
}

// Closes with a TCP reset instead of a FIN.
void Reset(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

std::string Get(const std::string& target, const std::string& headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
}

class PromletProcess {
 public:
  explicit PromletProcess(const std::string& tag, std::vector<std::string> extra = {}) {
    dir_ = MakeTempDir(tag);
    port_ = FreePort();
    WriteFile(dir_ + "/promlet.yml",
              "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
              "scrape_configs:\n  - job_name: promlet\n    static_configs:\n"
              "      - targets: ['127.0.0.1:" + std::to_string(port_) + "']\n");
    std::vector<std::string> argv = {kBinary,
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                     "--storage.tsdb.path=" + dir_ + "/data",
                                     "--config.file=" + dir_ + "/promlet.yml"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    proc_ = std::make_unique<Process>(argv, dir_ + "/log.txt");
  }
  ~PromletProcess() {
    proc_.reset();
    std::system(("rm -rf " + dir_).c_str());
  }
  bool WaitReady() {
    return WaitFor([&] { return HttpGet(port_, "/-/ready").status == 200 || !proc_->Running(); },
                   std::chrono::seconds(30)) &&
           proc_->Running();
  }
  int port() const { return port_; }
  Process& proc() { return *proc_; }

 private:
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Process> proc_;
};

// /-/ready answers 200 within 2 s.
::testing::AssertionResult ReadyWithin2s(int port) {
  auto start = std::chrono::steady_clock::now();
  auto r = HttpDo(port, "GET", "/-/ready", "", {}, 2000);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  if (r.status == 200 && ms <= 2000) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "/-/ready: status " << r.status << " after " << ms << " ms";
}

TEST(HttpRobustnessTest, HostileRequestsNeitherCrashNorLoseData) {
  PromletProcess p("httprobust");
  ASSERT_TRUE(p.WaitReady()) << p.proc().Log();
  const int port = p.port();
  // At least three self-scrapes stored; remember them as of a fixed time.
  std::string t0;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = HttpGet(port, "/api/v1/query?query=count_over_time(up%5B1h%5D)");
        return r.status == 200 && r.body.find("\"value\"") != std::string::npos &&
               r.body.find(",\"1\"]") == std::string::npos &&
               r.body.find(",\"2\"]") == std::string::npos;
      },
      std::chrono::seconds(40)))
      << p.proc().Log();
  auto before = HttpGet(port, "/api/v1/query?query=up%5B1h%5D");
  ASSERT_EQ(before.status, 200);
  size_t ts_at = before.body.find("\"values\":[[");
  ASSERT_NE(ts_at, std::string::npos) << before.body;
  // The evaluation time of later queries: just after the last sample seen now.
  {
    size_t last = before.body.rfind("[");
    size_t comma = before.body.find(',', last);
    t0 = before.body.substr(last + 1, comma - last - 1);
  }
  const std::string stored_query = "/api/v1/query?query=up%5B1h%5D&time=" + t0;
  auto stored = HttpGet(port, stored_query);
  ASSERT_EQ(stored.status, 200);

  // 1. A 70,000-byte header value: 431 (it used to abort the process).
  EXPECT_THAT(Exchange(port, Get("/-/ready", "X-Big: " + std::string(70000, 'a') + "\r\n")),
              StartsWith("HTTP/1.1 431"));
  // 2. Very many headers within the 1 MiB limit are served; past it, 431.
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  EXPECT_THAT(Exchange(port, Get("/-/ready", many + "Connection: close\r\n")),
              StartsWith("HTTP/1.1 200"));
  std::string too_many;
  for (int i = 0; i < 30000; ++i) too_many += "X-H" + std::to_string(i) + ": " + std::string(40, 'v') + "\r\n";
  EXPECT_THAT(Exchange(port, Get("/-/ready", too_many)), StartsWith("HTTP/1.1 431"));
  // 3. An oversized request line.
  EXPECT_THAT(Exchange(port, Get("/api/v1/query?query=" + std::string(2 << 20, '1'))),
              StartsWith("HTTP/1.1 431"));
  // 4. Malformed request lines and heads: 400 or a plain close, never a crash.
  for (const std::string& bad :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET\r\n\r\n"),
        std::string("GET / HTTP/1.1 extra\r\n\r\n"), std::string("GET / HTTP/7.0\r\n\r\n"),
        std::string("\x16\x03\x01\x02\x00\x01", 6), std::string("GET / HTTP/1.1\r\n: x\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
        std::string("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n"),
        std::string("G\0T / HTTP/1.1\r\n\r\n", 18)}) {
    std::string answer = Exchange(port, bad);
    EXPECT_TRUE(answer.empty() || answer.rfind("HTTP/1.1 400", 0) == 0)
        << "request " << ::testing::PrintToString(bad) << " got " << answer.substr(0, 200);
  }
  // 5. A body over the 10 MiB limit: refused as soon as the length is announced.
  {
    int fd = Connect(port);
    SendAll(fd, "POST /api/v1/query HTTP/1.1\r\nHost: x\r\nContent-Type: "
                "application/x-www-form-urlencoded\r\nContent-Length: 20000000\r\n\r\nquery=");
    std::string answer = ReadUntilClose(fd);
    ::close(fd);
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 400"));
    EXPECT_THAT(answer, HasSubstr("request body too large"));
  }
  // 6. Pipelining: several requests on one connection, answered in order.
  {
    std::string reqs = Get("/-/healthy") + Get("/api/v1/query?query=41%2B1") +
                       Get("/api/v1/status/buildinfo") + Get("/-/ready") +
                       Get("/api/v1/query?query=43%2B1", "Connection: close\r\n");
    // No half-close: Go cancels (and promlet drops) a query whose client shut down its side.
    int fd = Connect(port);
    SendAll(fd, reqs);
    std::string answer = ReadUntilClose(fd);
    ::close(fd);
    size_t pos = 0;
    for (const char* want : {"Healthy", "\"42\"", "\"version\"", "Ready", "\"44\""}) {
      size_t at = answer.find(want, pos);
      ASSERT_NE(at, std::string::npos) << want << " in order in:\n" << answer;
      pos = at;
    }
  }
  // 7. Slow clients: 30 connections trickling a request one byte at a time while others are
  // served; each trickled request is answered once complete.
  {
    std::vector<int> slow;
    for (int i = 0; i < 30; ++i) slow.push_back(Connect(port));
    std::string req = Get("/-/ready", "Connection: close\r\n");
    for (size_t i = 0; i < req.size(); ++i) {
      for (int fd : slow) SendAll(fd, req.substr(i, 1));
      if (i % 8 == 0) {
        EXPECT_TRUE(ReadyWithin2s(port));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (int fd : slow) {
      EXPECT_THAT(ReadUntilClose(fd), StartsWith("HTTP/1.1 200"));
      ::close(fd);
    }
  }
  // 8. Abrupt disconnects: before sending, mid-head, mid-body, while a query runs, by reset.
  for (int i = 0; i < 20; ++i) {
    int fd = Connect(port);
    switch (i % 5) {
      case 0: break;
      case 1: SendAll(fd, "GET /api/v1/query?query=up HT"); break;
      case 2: SendAll(fd, "POST /api/v1/query HTTP/1.1\r\nContent-Length: 100\r\n\r\nquery="); break;
      case 3: SendAll(fd, Get("/api/v1/query?query=count_over_time(up%5B1h%5D)")); break;
      case 4: SendAll(fd, Get("/metrics")); break;
    }
    if (i % 2 == 0) {
      Reset(fd);
    } else {
      ::close(fd);
    }
  }
  // 9. Unknown methods: 405, not the handler.
  EXPECT_EQ(HttpDo(port, "FOO", "/-/ready").status, 405);
  EXPECT_EQ(HttpDo(port, "FOO", "/api/v1/query").status, 405);

  // Afterwards: alive, ready within 2 s, nothing lost.
  ASSERT_TRUE(p.proc().Running()) << p.proc().Log();
  EXPECT_TRUE(ReadyWithin2s(port));
  auto after = HttpGet(port, stored_query);
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, stored.body);
  EXPECT_THAT(p.proc().Log(), ::testing::Not(HasSubstr("internal error")));
}

// The bug: queries waiting for a concurrency slot held every worker thread, and /-/healthy
// waited 46 s behind 200 of them. Health, readiness, /metrics and the cheap API endpoints must
// answer while the query pool is saturated.
TEST(HttpRobustnessTest, HealthAnswersDuringAFloodOfExpensiveQueries) {
  PromletProcess p("httpflood", {"--query.max-concurrency=2", "--query.timeout=20s"});
  ASSERT_TRUE(p.WaitReady()) << p.proc().Log();
  const int port = p.port();
  // CPU-bound and long, but light on memory: 1 million-point subquery per evaluation.
  const std::string expensive =
      "/api/v1/query?query=" "count_over_time(vector(1)%5B12d%3A1s%5D)";
  std::atomic<bool> stop{false};
  std::vector<std::future<void>> clients;
  for (int i = 0; i < 40; ++i) {
    clients.push_back(std::async(std::launch::async, [&] {
      while (!stop) HttpDo(port, "GET", expensive, "", {}, 30000);
    }));
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let the flood fill the queues
  for (int i = 0; i < 5; ++i) {
    for (const char* path : {"/-/healthy", "/-/ready"}) {
      auto start = std::chrono::steady_clock::now();
      auto r = HttpDo(port, "GET", path, "", {}, 5000);
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
      EXPECT_EQ(r.status, 200) << path;
      EXPECT_LE(ms, 2000) << path;
    }
    for (const char* path : {"/metrics", "/api/v1/labels", "/api/v1/status/buildinfo",
                             "/api/v1/targets", "/api/v1/metadata"}) {
      auto start = std::chrono::steady_clock::now();
      auto r = HttpDo(port, "GET", path, "", {}, 5000);
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
      EXPECT_EQ(r.status, 200) << path;
      EXPECT_LE(ms, 2000) << path;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  stop = true;
  p.proc().Signal(SIGKILL);  // the queued queries would take minutes
  for (auto& c : clients) c.get();
}

}  // namespace
}  // namespace promlet::testing
