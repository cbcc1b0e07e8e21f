// The real promlet binary: flags, health, own metrics, clean shutdown on signals.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cmath>

#include "common/memory_limit.h"
#include "tests/integration/test_util.h"

namespace promlet::testing {
namespace {

using ::testing::HasSubstr;

const char* kBinary = PROMLET_BINARY;

// Starts promlet on a free loopback port with a private data dir; waits for /-/ready.
class PromletProcess {
 public:
  explicit PromletProcess(std::vector<std::string> extra = {}) {
    dir_ = MakeTempDir("bin");
    port_ = FreePort();
    std::vector<std::string> argv = {kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                     "--storage.tsdb.path=" + dir_ + "/data"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    proc_ = std::make_unique<Process>(argv, dir_ + "/log.txt");
    ready_ = WaitFor([&] { return HttpGet(port_, "/-/ready").status == 200 || !proc_->Running(); },
                     std::chrono::seconds(30)) &&
             proc_->Running();
  }
  ~PromletProcess() { std::system(("rm -rf " + dir_).c_str()); }
  int port() const { return port_; }
  bool ready() const { return ready_; }
  Process& proc() { return *proc_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int port_ = 0;
  bool ready_ = false;
  std::unique_ptr<Process> proc_;
};

struct RunResult {
  int code = -1;
  std::string output;
};

RunResult RunBinary(const std::vector<std::string>& args) {
  std::string dir = MakeTempDir("run");
  std::vector<std::string> argv = {kBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv, dir + "/out.txt");
  auto code = p.Wait(std::chrono::seconds(20));
  RunResult r{code.value_or(-1), p.Log()};
  std::system(("rm -rf " + dir).c_str());
  return r;
}

TEST(BinaryTest, ServesHealthReadyAndOwnMetricsThenExitsCleanlyOnSigterm) {
  PromletProcess p;
  ASSERT_TRUE(p.ready()) << p.proc().Log();
  auto healthy = HttpGet(p.port(), "/-/healthy");
  EXPECT_EQ(healthy.status, 200);
  EXPECT_THAT(healthy.body, HasSubstr("Healthy"));

  auto metrics = HttpGet(p.port(), "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.headers["content-type"], HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(metrics.body, HasSubstr("process_cpu_seconds_total "));
  EXPECT_THAT(metrics.body, HasSubstr("process_resident_memory_bytes "));
  EXPECT_THAT(metrics.body, HasSubstr("process_open_fds "));
  EXPECT_THAT(metrics.body, HasSubstr("process_start_time_seconds "));
  EXPECT_THAT(metrics.body, HasSubstr("promlet_build_info{"));
  // The /-/healthy request above is counted by handler and code.
  EXPECT_THAT(metrics.body,
              HasSubstr(R"(prometheus_http_requests_total{code="200",handler="/-/healthy"} 1)"));
  EXPECT_THAT(metrics.body, HasSubstr("prometheus_http_request_duration_seconds_bucket{"));

  auto missing = HttpGet(p.port(), "/no/such/path");
  EXPECT_EQ(missing.status, 404);

  p.proc().Signal(SIGTERM);
  auto code = p.proc().Wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << "did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << p.proc().Log();
  EXPECT_THAT(p.proc().Log(), HasSubstr("level=info"));
}

TEST(BinaryTest, ExitsCleanlyOnSigint) {
  PromletProcess p;
  ASSERT_TRUE(p.ready()) << p.proc().Log();
  p.proc().Signal(SIGINT);
  auto code = p.proc().Wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << p.proc().Log();
}

TEST(BinaryTest, KeepAliveServesManyRequestsOnOneConnection) {
  PromletProcess p;
  ASSERT_TRUE(p.ready()) << p.proc().Log();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(p.port()));
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::string req = "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
    std::string got;
    char buf[4096];
    while (got.find("Healthy.\n") == std::string::npos) {
      pollfd pf{fd, POLLIN, 0};
      ASSERT_GT(::poll(&pf, 1, 5000), 0) << "response " << i << " did not arrive";
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      ASSERT_GT(n, 0) << "connection closed after response " << i;
      got.append(buf, static_cast<size_t>(n));
    }
    EXPECT_THAT(got, HasSubstr("HTTP/1.1 200 OK"));
  }
  ::close(fd);
}

TEST(BinaryTest, OversizedBodyIsRejectedWith400) {
  PromletProcess p;
  ASSERT_TRUE(p.ready()) << p.proc().Log();
  std::string big(11 << 20, 'a');
  auto r = HttpDo(p.port(), "POST", "/-/healthy", big,
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("body too large"));
  EXPECT_EQ(HttpGet(p.port(), "/-/healthy").status, 200);  // still serving
}

TEST(BinaryTest, LifecycleEndpointsAreOffByDefaultAndQuitWorksWhenEnabled) {
  {
    PromletProcess p;
    ASSERT_TRUE(p.ready()) << p.proc().Log();
    EXPECT_EQ(HttpDo(p.port(), "POST", "/-/quit").status, 403);
    // Prometheus answers a GET with 405 whether or not lifecycle is enabled, and any other
    // method with its router's 405.
    EXPECT_EQ(HttpGet(p.port(), "/-/quit").status, 405);
    EXPECT_EQ(HttpDo(p.port(), "DELETE", "/-/reload").status, 405);
    EXPECT_TRUE(p.proc().Running());
  }
  PromletProcess p({"--web.enable-lifecycle"});
  ASSERT_TRUE(p.ready()) << p.proc().Log();
  EXPECT_EQ(HttpGet(p.port(), "/-/quit").status, 405);
  EXPECT_EQ(HttpDo(p.port(), "POST", "/-/reload").status, 200);
  auto quit = HttpDo(p.port(), "POST", "/-/quit");
  EXPECT_EQ(quit.status, 200);
  auto code = p.proc().Wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << p.proc().Log();
  EXPECT_EQ(quit.status, 200) << p.proc().Log();
}

TEST(BinaryTest, UnknownFlagExitsNonZeroNamingIt) {
  auto r = RunBinary({"--no-such-flag=1"});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.output, HasSubstr("no-such-flag"));
}

TEST(BinaryTest, BadFlagValuesExitNonZeroNamingTheFlag) {
  for (const auto& [arg, name] : std::vector<std::pair<std::string, std::string>>{
           {"--query.timeout=soon", "query.timeout"},
           {"--storage.tsdb.retention.time=10x", "storage.tsdb.retention.time"},
           {"--storage.tsdb.retention.size=12QB", "storage.tsdb.retention.size"},
           {"--storage.tsdb.block-cache-size=lots", "storage.tsdb.block-cache-size"},
           {"--query.max-samples=many", "query.max-samples"},
           {"--query.max-concurrency=0", "query.max-concurrency"},
           {"--query.max-steps-per-window=-1", "query.max-steps-per-window"},
           {"--log.level=loud", "log.level"},
           {"--log.format=xml", "log.format"},
           {"--web.listen-address=nowhere", "web.listen-address"},
       }) {
    auto r = RunBinary({arg});
    EXPECT_EQ(r.code, 2) << arg;
    EXPECT_THAT(r.output, HasSubstr(name)) << arg;
  }
}

// The value of an unlabelled sample in an exposition, or -1.
double SampleValue(const std::string& exposition, const std::string& name) {
  const std::string prefix = "\n" + name + " ";
  const size_t at = exposition.find(prefix);
  return at == std::string::npos ? -1 : std::stod(exposition.substr(at + prefix.size()));
}

TEST(BinaryTest, BlockCacheIsASixteenthOfMemoryByDefaultWithinBoundsOrWhatTheFlagSays) {
  const double limit = static_cast<double>(common::MemoryLimitBytes());
  const double expected =
      std::min(std::max(std::floor(limit / 16), 32.0 * (1 << 20)), 1024.0 * (1 << 20));
  {
    PromletProcess p;
    ASSERT_TRUE(p.ready()) << p.proc().Log();
    EXPECT_EQ(
        SampleValue(HttpGet(p.port(), "/metrics").body, "promlet_tsdb_block_cache_capacity_bytes"),
        expected);
  }
  PromletProcess p({"--storage.tsdb.block-cache-size=48MB"});
  ASSERT_TRUE(p.ready()) << p.proc().Log();
  EXPECT_EQ(
      SampleValue(HttpGet(p.port(), "/metrics").body, "promlet_tsdb_block_cache_capacity_bytes"),
      48.0 * (1 << 20));
}

TEST(BinaryTest, HelpListsFlagsWithDefaultsAndVersionPrints) {
  auto help = RunBinary({"--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* s : {"--config.file", "--storage.tsdb.path", "data/", "--web.listen-address",
                        "0.0.0.0:9090", "--storage.tsdb.retention.time", "15d",
                        "--query.timeout", "2m", "--query.lookback-delta", "5m",
                        "--query.max-samples", "50000000", "--log.format", "logfmt",
                        "--web.enable-lifecycle", "--web.enable-admin-api",
                        "--query.max-concurrency", "--web.cors.origin"}) {
    EXPECT_THAT(help.output, HasSubstr(s));
  }
  EXPECT_THAT(help.output, HasSubstr("--storage.tsdb.block-cache-size size (=auto)"));
  auto version = RunBinary({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_THAT(version.output, HasSubstr("promlet, version "));
}

TEST(BinaryTest, PortInUseFailsWithMessage) {
  PromletProcess first;
  ASSERT_TRUE(first.ready());
  auto r = RunBinary({"--web.listen-address=127.0.0.1:" + std::to_string(first.port()),
                      "--storage.tsdb.path=" + first.dir() + "/data2"});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.output, HasSubstr("listen"));
}

TEST(BinaryTest, JsonLogFormat) {
  PromletProcess p({"--log.format=json"});
  ASSERT_TRUE(p.ready()) << p.proc().Log();
  p.proc().Signal(SIGTERM);
  ASSERT_TRUE(p.proc().Wait(std::chrono::seconds(20)).has_value());
  EXPECT_THAT(p.proc().Log(), HasSubstr(R"({"ts":")"));
  EXPECT_THAT(p.proc().Log(), HasSubstr(R"("level":"info")"));
}

}  // namespace
}  // namespace promlet::testing
