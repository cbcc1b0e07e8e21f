// The real binary against issue 22's storage items: a scrape target exposing a sample stamped in
// the year 2999 (refused as out of bounds and counted; nothing lost across a compaction round;
// ingestion continues), and a second promlet on the same data directory (refused, naming the
// first one's pid).
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "tests/integration/test_util.h"
#include "tests/scrape_loop/test_server.h"

namespace promlet::testing {
namespace {

using ::testing::HasSubstr;

const char* kBinary = PROMLET_BINARY;

// The value of an instant query answering one sample, or -1.
double QueryValue(int port, const std::string& expr_escaped) {
  auto r = HttpGet(port, "/api/v1/query?query=" + expr_escaped);
  const std::string key = "\"value\":[";
  size_t at = r.body.find(key);
  if (r.status != 200 || at == std::string::npos) return -1;
  size_t quote = r.body.find('"', r.body.find(',', at));
  if (quote == std::string::npos) return -1;
  return std::strtod(r.body.c_str() + quote + 1, nullptr);
}

// A sample of our own /metrics without labels, or -1.
double MetricValue(int port, const std::string& name) {
  auto r = HttpGet(port, "/metrics");
  size_t at = r.body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::strtod(r.body.c_str() + at + name.size() + 2, nullptr);
}

TEST(StorageHardening, TargetWithAYear2999SampleLosesNothingAndKeepsIngesting) {
  scrape::testing::TestServer target([](const scrape::testing::SeenRequest&) {
    return scrape::testing::Reply{.body = "future_metric 1 32472144000000\npresent_metric 2\n"};
  });
  const std::string dir = MakeTempDir("future");
  const int port = FreePort();
  WriteFile(dir + "/promlet.yml",
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: future\n    static_configs:\n"
            "      - targets: ['" +
                target.address() + "']\n");
  Process proc({kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(port),
                "--storage.tsdb.path=" + dir + "/data", "--config.file=" + dir + "/promlet.yml"},
               dir + "/log.txt");
  const auto started = std::chrono::steady_clock::now();
  const std::string count = "count_over_time(present_metric%5B10m%5D)";
  ASSERT_TRUE(WaitFor([&] { return QueryValue(port, count) >= 3; }, std::chrono::seconds(40)))
      << proc.Log();
  EXPECT_GE(MetricValue(port, "prometheus_target_scrapes_sample_out_of_bounds_total"), 1)
      << HttpGet(port, "/metrics").body;

  // The background compaction and retention round runs a minute after start: the 2999 sample
  // used to make it truncate the head and let retention delete everything.
  std::this_thread::sleep_until(started + std::chrono::seconds(66));
  const double before = QueryValue(port, count);
  ASSERT_GE(before, 30) << proc.Log();  // the samples since start survived
  EXPECT_TRUE(
      WaitFor([&] { return QueryValue(port, count) >= before + 2; }, std::chrono::seconds(20)))
      << "ingestion stopped:\n"
      << proc.Log();
  EXPECT_EQ(QueryValue(port, "up%7Bjob%3D%22future%22%7D"), 1);
  EXPECT_EQ(QueryValue(port, "count(future_metric)"), -1);  // refused, never stored
  EXPECT_GE(MetricValue(port, "prometheus_target_scrapes_sample_out_of_bounds_total"), before);
  proc.Signal(SIGTERM);
  EXPECT_EQ(proc.Wait(std::chrono::seconds(20)), 0);
  std::system(("rm -rf " + dir).c_str());
}

TEST(StorageHardening, SecondProcessOnTheSameDataDirExitsNamingTheHolder) {
  const std::string dir = MakeTempDir("lock");
  const int port1 = FreePort();
  Process first({kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(port1),
                 "--storage.tsdb.path=" + dir + "/data"},
                dir + "/log1.txt");
  ASSERT_TRUE(
      WaitFor([&] { return HttpGet(port1, "/-/ready").status == 200; }, std::chrono::seconds(30)))
      << first.Log();
  const int port2 = FreePort();
  Process second({kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(port2),
                  "--storage.tsdb.path=" + dir + "/data"},
                 dir + "/log2.txt");
  auto code = second.Wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << "the second promlet kept running:\n" << second.Log();
  EXPECT_NE(*code, 0);
  EXPECT_THAT(second.Log(), HasSubstr("pid " + std::to_string(first.pid())));
  EXPECT_THAT(second.Log(), HasSubstr("lock"));
  EXPECT_EQ(HttpGet(port1, "/-/ready").status, 200);  // the first one is unharmed

  // Opting out, as with Prometheus' flag, lets it start.
  const int port3 = FreePort();
  Process third({kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(port3),
                 "--storage.tsdb.path=" + dir + "/data", "--storage.tsdb.no-lockfile"},
                dir + "/log3.txt");
  EXPECT_TRUE(
      WaitFor([&] { return HttpGet(port3, "/-/ready").status == 200; }, std::chrono::seconds(30)))
      << third.Log();
  third.Signal(SIGTERM);
  third.Wait(std::chrono::seconds(20));
  first.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(std::chrono::seconds(20)), 0);
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace promlet::testing
