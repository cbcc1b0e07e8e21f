// End to end: the real promlet scraping itself every second, queried as Grafana, promtool and a
// federating Prometheus query it. Peers (promtool, prometheus) are skipped only when absent.
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

#include "tests/integration/test_util.h"

namespace promlet::testing {
namespace {

using ::testing::HasSubstr;

const char* kBinary = PROMLET_BINARY;

std::string Now(double offset_s = 0) {
  char buf[64];
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                   .count() +
               offset_s;
  std::snprintf(buf, sizeof buf, "%.3f", now);
  return buf;
}

class ApiE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("e2e"));
    port_ = FreePort();
    WriteFile(*dir_ + "/promlet.yml",
              "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
              "scrape_configs:\n  - job_name: promlet\n    static_configs:\n"
              "      - targets: ['127.0.0.1:" + std::to_string(port_) + "']\n");
    proc_ = new Process({kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                         "--storage.tsdb.path=" + *dir_ + "/data",
                         "--config.file=" + *dir_ + "/promlet.yml"},
                        *dir_ + "/log.txt");
    // Ready, then at least two scrapes of `up` stored.
    has_data_ = WaitFor(
        [] {
          auto r = HttpGet(port_, "/api/v1/query?query=count_over_time(up%5B1m%5D)");
          return r.status == 200 && r.body.find("\"value\"") != std::string::npos &&
                 r.body.find(",\"1\"]") == std::string::npos;
        },
        std::chrono::seconds(40));
  }
  static void TearDownTestSuite() {
    proc_->Signal(SIGTERM);
    proc_->Wait(std::chrono::seconds(20));
    delete proc_;
    std::system(("rm -rf " + *dir_).c_str());
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(has_data_) << "no scraped data:\n" << proc_->Log(); }

  static std::string* dir_;
  static int port_;
  static Process* proc_;
  static bool has_data_;
};
std::string* ApiE2ETest::dir_ = nullptr;
int ApiE2ETest::port_ = 0;
Process* ApiE2ETest::proc_ = nullptr;
bool ApiE2ETest::has_data_ = false;

TEST_F(ApiE2ETest, GrafanaRequestSequence) {
  std::string start = Now(-3600), end = Now();
  // "Save & test".
  auto r = HttpPostForm(port_, "/api/v1/query", "query=1%2B1&time=" + end);
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(R"({"status":"success","data":{"resultType":"scalar","result":[)"));
  EXPECT_THAT(r.body, HasSubstr(R"(,"2"]}})"));
  EXPECT_EQ(r.headers["content-type"], "application/json");

  r = HttpGet(port_, "/api/v1/status/buildinfo");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(R"("version":"3.0.0")"));

  r = HttpGet(port_, "/api/v1/label/__name__/values?start=" + start + "&end=" + end + "&limit=40000");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(R"("up")"));
  EXPECT_THAT(r.body, HasSubstr(R"("scrape_duration_seconds")"));
  EXPECT_THAT(r.body, HasSubstr(R"("process_cpu_seconds_total")"));

  r = HttpPostForm(port_, "/api/v1/labels", "start=" + start + "&end=" + end);
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(R"(["__name__",")"));
  EXPECT_THAT(r.body, HasSubstr(R"("handler")"));
  EXPECT_THAT(r.body, HasSubstr(R"("job")"));

  r = HttpGet(port_, "/api/v1/label/job/values?match[]=up&start=" + start + "&end=" + end);
  EXPECT_EQ(r.body, R"({"status":"success","data":["promlet"]})");

  r = HttpPostForm(port_, "/api/v1/series", "match%5B%5D=up&start=" + start + "&end=" + end);
  EXPECT_EQ(r.body, R"({"status":"success","data":[{"__name__":"up","instance":"127.0.0.1:)" +
                        std::to_string(port_) + R"(","job":"promlet"}]})");

  r = HttpGet(port_, "/api/v1/metadata");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(R"({"status":"success","data":{)"));

  r = HttpPostForm(port_, "/api/v1/query_range",
                   "query=up&start=" + Now(-30) + "&end=" + Now() + "&step=0.5");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"127.0.0.1:)"));
  EXPECT_THAT(r.body, HasSubstr(R"(,"1"])"));

  r = HttpPostForm(port_, "/api/v1/query_exemplars",
                   "query=up&start=" + start + "&end=" + end);
  EXPECT_EQ(r.body, R"({"status":"success","data":[]})");

  r = HttpGet(port_, "/api/v1/targets?state=active");
  EXPECT_THAT(r.body, HasSubstr(R"("health":"up")"));
}

TEST_F(ApiE2ETest, GzipAndCorsAndErrors) {
  auto r = HttpDo(port_, "GET", "/api/v1/series?match[]=%7Bjob%3D%22promlet%22%7D", "",
                  {{"Accept-Encoding", "gzip"}, {"Origin", "http://grafana.local"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-encoding"], "gzip");
  EXPECT_EQ(r.headers["access-control-allow-origin"], "http://grafana.local");
  EXPECT_EQ(static_cast<unsigned char>(r.body[0]), 0x1f);

  r = HttpGet(port_, "/api/v1/query_range?query=up&start=0&end=100000&step=1");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("exceeded maximum resolution of 11,000 points"));
  r = HttpGet(port_, "/api/v1/query?query=up%20%2B%20on()%20group_left%20up%5B1m%5D");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr(R"("errorType":"bad_data")"));

  auto m = HttpGet(port_, "/metrics");
  EXPECT_THAT(m.body, HasSubstr(R"(prometheus_http_requests_total{code="400",handler="/api/v1/query_range"})"));
}

std::string RunCapture(const std::vector<std::string>& argv, int* code) {
  std::string dir = MakeTempDir("cmd");
  Process p(argv, dir + "/out.txt");
  auto c = p.Wait(std::chrono::seconds(30));
  *code = c.value_or(-1);
  std::string out = p.Log();
  std::system(("rm -rf " + dir).c_str());
  return out;
}

TEST_F(ApiE2ETest, PromtoolQueries) {
  const std::string promtool = "/usr/bin/promtool";
  if (!FileExecutable(promtool)) GTEST_SKIP() << "promtool not installed";
  std::string url = "http://127.0.0.1:" + std::to_string(port_);
  int code = 0;
  std::string out = RunCapture({promtool, "query", "instant", url, "up"}, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("up{instance=\"127.0.0.1:" + std::to_string(port_) +
                             "\", job=\"promlet\"} => 1 @["));

  out = RunCapture({promtool, "query", "range", "--start=" + Now(-20), "--end=" + Now(),
                    "--step=5s", url, "up"},
                   &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("up{instance=\"127.0.0.1:" + std::to_string(port_) +
                             "\", job=\"promlet\"} =>"));
  EXPECT_THAT(out, HasSubstr("1 @["));

  out = RunCapture({promtool, "query", "series", "--match=up", url}, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("{__name__=\"up\", instance=\"127.0.0.1:" + std::to_string(port_) +
                             "\", job=\"promlet\"}"));

  out = RunCapture({promtool, "query", "labels", url, "job"}, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("promlet"));
}

TEST_F(ApiE2ETest, PrometheusFederatesFromPromlet) {
  const std::string prometheus = "/usr/bin/prometheus";
  if (!FileExecutable(prometheus)) GTEST_SKIP() << "prometheus not installed";
  std::string dir = MakeTempDir("fed");
  int pport = FreePort();
  WriteFile(dir + "/prometheus.yml",
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: federate\n    honor_labels: true\n"
            "    metrics_path: /federate\n    params:\n      'match[]': ['{job=\"promlet\"}']\n"
            "    static_configs:\n      - targets: ['127.0.0.1:" + std::to_string(port_) + "']\n");
  Process prom({prometheus, "--config.file=" + dir + "/prometheus.yml",
                "--storage.tsdb.path=" + dir + "/data",
                "--web.listen-address=127.0.0.1:" + std::to_string(pport)},
               dir + "/log.txt");
  std::string got;
  bool ok = WaitFor(
      [&] {
        auto r = HttpGet(pport, "/api/v1/series?match[]=up%7Bjob%3D%22promlet%22%7D");
        got = r.body;
        return r.status == 200 && r.body.find("\"instance\":\"127.0.0.1:" + std::to_string(port_)) !=
                                      std::string::npos;
      },
      std::chrono::seconds(45));
  EXPECT_TRUE(ok) << got << "\n" << prom.Log();
  // The federate target itself is healthy.
  auto t = HttpGet(pport, "/api/v1/query?query=up%7Bjob%3D%22federate%22%7D");
  EXPECT_THAT(t.body, HasSubstr(R"("value":[)"));
  EXPECT_THAT(t.body, HasSubstr(R"(,"1"]}])"));
  prom.Signal(SIGTERM);
  prom.Wait(std::chrono::seconds(20));
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace promlet::testing
