// The real promlet scraping itself every second: its /metrics shows the storage and scrape
// figures (what dashboards and the benchmark harness read) growing with the ingestion.
#include <signal.h>

#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/test_util.h"

namespace promlet::testing {
namespace {

using ::testing::HasSubstr;

// The value on the sample line starting with `series` (name and labels as serialized); -1 if
// the line is absent.
double ValueOf(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(SelfMetricsE2E, SelfScrapeShowsHeadAndScrapeFigures) {
  std::string dir = MakeTempDir("selfmetrics");
  int port = FreePort();
  WriteFile(dir + "/promlet.yml",
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: self\n    static_configs:\n"
            "      - targets: ['127.0.0.1:" + std::to_string(port) + "']\n");
  Process p({PROMLET_BINARY, "--web.listen-address=127.0.0.1:" + std::to_string(port),
             "--storage.tsdb.path=" + dir + "/data", "--config.file=" + dir + "/promlet.yml"},
            dir + "/log.txt");
  ASSERT_TRUE(WaitFor([&] { return HttpGet(port, "/-/ready").status == 200 || !p.Running(); },
                      std::chrono::seconds(30)) &&
              p.Running())
      << p.Log();

  // Two scrapes stored: the second /metrics page shows the first one's samples.
  const std::string appended = R"(prometheus_tsdb_head_samples_appended_total{type="float"})";
  std::string body;
  ASSERT_TRUE(WaitFor(
      [&] {
        body = HttpGet(port, "/metrics").body;
        return ValueOf(body, "promlet_scrape_scrapes_total") >= 2 && ValueOf(body, appended) > 0;
      },
      std::chrono::seconds(30)))
      << body << p.Log();
  EXPECT_THAT(body, HasSubstr("# TYPE prometheus_tsdb_head_samples_appended_total counter"));
  EXPECT_GT(ValueOf(body, "prometheus_tsdb_head_series"), 0);
  EXPECT_GT(ValueOf(body, "prometheus_tsdb_head_chunks"), 0);
  // No truncation yet: every series created is still there (a commit racing the render may add).
  EXPECT_GE(ValueOf(body, "prometheus_tsdb_head_series_created_total"),
            ValueOf(body, "prometheus_tsdb_head_series"));
  EXPECT_GT(ValueOf(body, "prometheus_tsdb_head_max_time"), 0);
  EXPECT_EQ(ValueOf(body, "prometheus_tsdb_blocks_loaded"), 0);
  EXPECT_EQ(ValueOf(body, "prometheus_tsdb_compactions_failed_total"), 0);
  EXPECT_GT(ValueOf(body, "promlet_tsdb_disk_bytes"), 0);
  EXPECT_EQ(ValueOf(body, "promlet_scrape_pools"), 1);
  EXPECT_EQ(ValueOf(body, "promlet_scrape_active_targets"), 1);
  EXPECT_GE(ValueOf(body, "promlet_scrape_missed_total"), 0);

  p.Signal(SIGTERM);
  auto code = p.Wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << "did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << p.Log();
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace promlet::testing
