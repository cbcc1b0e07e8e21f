// Remote storage end to end, with real peers on 127.0.0.1 (skipped, saying so, when Debian's
// prometheus or victoria-metrics is not installed): a Prometheus remote-writing into promlet.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/test_util.h"

namespace promlet::testing {
namespace {

using ::testing::HasSubstr;

const char* kBinary = PROMLET_BINARY;
const char* kPrometheus = "/usr/bin/prometheus";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Url(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Raw samples of a range-vector query at `at_ms`: series (as JSON text of the metric) -> set of
// (t ms, value text). Samples exactly at the window's left edge are left out (Prometheus 2.42
// includes them, 3.x does not).
using Samples = std::map<std::string, std::set<std::pair<int64_t, std::string>>>;
Samples RangeSamples(int port, const std::string& selector, int64_t at_ms, int64_t window_ms) {
  std::string q = selector + "[" + std::to_string(window_ms / 1000) + "s]";
  auto r = HttpGet(port, "/api/v1/query?query=" + Url(q) + "&time=" + std::to_string(at_ms / 1000) +
                             "." + std::to_string(1000 + at_ms % 1000).substr(1));
  Samples out;
  if (r.status != 200) return out;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return out;
  for (const auto& s : j["data"]["result"]) {
    auto& set = out[s["metric"].dump()];
    for (const auto& v : s["values"]) {
      int64_t t = static_cast<int64_t>(v[0].get<double>() * 1000 + 0.5);
      if (t == at_ms - window_ms) continue;
      set.emplace(t, v[1].get<std::string>());
    }
  }
  return out;
}

TEST(RemoteE2ETest, PrometheusRemoteWritesIntoPromlet) {
  if (!FileExecutable(kPrometheus)) GTEST_SKIP() << "prometheus not installed: " << kPrometheus;
  std::string dir = MakeTempDir("rw-recv");
  int port = FreePort(), pport = FreePort();
  Process promlet({kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(port),
                   "--storage.tsdb.path=" + dir + "/promlet", "--web.enable-remote-write-receiver"},
                  dir + "/promlet.log");
  WriteFile(dir + "/prometheus.yml",
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: prom\n    static_configs:\n"
            "      - targets: ['127.0.0.1:" +
                std::to_string(pport) +
                "']\n"
                "remote_write:\n  - url: http://127.0.0.1:" +
                std::to_string(port) +
                "/api/v1/write\n    queue_config:\n      batch_send_deadline: 500ms\n");
  Process prom({kPrometheus, "--config.file=" + dir + "/prometheus.yml",
                "--storage.tsdb.path=" + dir + "/prom",
                "--web.listen-address=127.0.0.1:" + std::to_string(pport)},
               dir + "/prom.log");
  // A window of at least 12 samples that both hold identically (promlet catches up within the
  // batch deadline once Prometheus has scraped them).
  const std::string selector =
      R"({job="prom",__name__=~"up|prometheus_tsdb_head_series|prometheus_http_requests_total"})";
  Samples want, got;
  auto count = [](const Samples& s) {
    size_t n = 0;
    for (const auto& [k, v] : s) n += v.size();
    return n;
  };
  int64_t at = 0;
  bool same = WaitFor(
      [&] {
        if (at == 0 || count(want) < 12) at = NowMs() - 2000;
        want = RangeSamples(pport, selector, at, 8000);
        got = RangeSamples(port, selector, at, 8000);
        return count(want) >= 12 && want == got;
      },
      std::chrono::seconds(90));
  EXPECT_TRUE(same) << "prometheus has " << want.size() << " series, promlet " << got.size()
                    << "\npromlet log:\n"
                    << promlet.Log() << "\nprometheus log:\n"
                    << prom.Log();
  ASSERT_TRUE(want.count(R"({"__name__":"up","instance":"127.0.0.1:)" + std::to_string(pport) +
                         R"(","job":"prom"})"));
  // The receiver answered 204s, never an error.
  auto m = HttpGet(port, "/metrics");
  EXPECT_THAT(m.body,
              HasSubstr(R"(prometheus_http_requests_total{code="204",handler="/api/v1/write"})"));
  prom.Signal(SIGTERM);
  prom.Wait(std::chrono::seconds(20));
  promlet.Signal(SIGTERM);
  promlet.Wait(std::chrono::seconds(20));
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace promlet::testing
