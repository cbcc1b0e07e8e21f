// Remote storage end to end, with real peers on 127.0.0.1 (skipped, saying so, when Debian's
// prometheus or victoria-metrics is not installed): a Prometheus remote-writing into promlet.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

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
  std::string q = selector + "[" + std::to_string(window_ms) + "ms]";
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

const char* kVictoria = "/usr/bin/victoria-metrics";

// VictoriaMetrics' raw samples of `match` (export API): series JSON (sorted labels) -> samples
// in (from, to].
Samples VictoriaSamples(int port, const std::string& match, int64_t from, int64_t to) {
  Samples out;
  auto r = HttpGet(port, "/api/v1/export?match[]=" + Url(match));
  if (r.status != 200) return out;
  size_t pos = 0;
  while (pos < r.body.size()) {
    size_t eol = r.body.find('\n', pos);
    if (eol == std::string::npos) eol = r.body.size();
    auto j = nlohmann::json::parse(r.body.substr(pos, eol - pos), nullptr, false);
    pos = eol + 1;
    if (j.is_discarded() || !j.is_object()) continue;
    nlohmann::json metric = nlohmann::json::object();
    for (auto& [k, v] : j["metric"].items()) metric[k] = v;
    auto& set = out[metric.dump()];
    for (size_t i = 0; i < j["timestamps"].size(); ++i) {
      int64_t t = j["timestamps"][i].get<int64_t>();
      if (t <= from || t > to) continue;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", j["values"][i].get<double>());
      set.emplace(t, buf);
    }
    if (set.empty()) out.erase(metric.dump());
  }
  return out;
}

// promlet's samples with values normalised like VictoriaSamples'.
Samples PromletSamples(int port, const std::string& selector, int64_t from, int64_t to) {
  Samples raw = RangeSamples(port, selector, to, to - from);
  Samples out;
  for (auto& [k, v] : raw) {
    auto metric = nlohmann::json::parse(k);
    for (const auto& [t, val] : v) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", std::stod(val));
      out[metric.dump()].emplace(t, buf);
    }
  }
  return out;
}

class VictoriaMetrics {
 public:
  VictoriaMetrics(const std::string& dir, int port) : dir_(dir), port_(port) { Start(); }
  void Start() {
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{kVictoria, "-storageDataPath=" + dir_ + "/vm",
                                 "-httpListenAddr=127.0.0.1:" + std::to_string(port_),
                                 "-retentionPeriod=100y", "-dedup.minScrapeInterval=1ms",
                                 "-search.latencyOffset=0s"},
        dir_ + "/vm.log");
    WaitFor([&] { return HttpGet(port_, "/health").status == 200; }, std::chrono::seconds(30));
  }
  void Stop() {
    proc_->Signal(SIGTERM);
    proc_->Wait(std::chrono::seconds(30));
  }
  std::string Log() const { return proc_->Log(); }

 private:
  std::string dir_;
  int port_;
  std::unique_ptr<Process> proc_;
};

// promlet forwards what it scrapes to VictoriaMetrics; the receiver is stopped for 30 s, promlet
// is killed with -9 during the outage and restarted; afterwards VictoriaMetrics holds exactly
// the samples promlet stored over the whole window.
TEST(RemoteE2ETest, PromletRemoteWritesIntoVictoriaMetricsLosingNothing) {
  if (!FileExecutable(kVictoria)) GTEST_SKIP() << "victoria-metrics not installed: " << kVictoria;
  std::string dir = MakeTempDir("rw-send");
  int port = FreePort(), vport = FreePort();
  VictoriaMetrics vm(dir, vport);
  WriteFile(dir + "/promlet.yml",
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: promlet\n    static_configs:\n"
            "      - targets: ['127.0.0.1:" +
                std::to_string(port) +
                "']\n"
                "remote_write:\n  - url: http://127.0.0.1:" +
                std::to_string(vport) +
                "/api/v1/write\n    name: vm\n    queue_config:\n      batch_send_deadline: 200ms\n"
                "      min_backoff: 50ms\n      max_backoff: 1s\n");
  const std::vector<std::string> args = {
      kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(port),
      "--storage.tsdb.path=" + dir + "/data", "--config.file=" + dir + "/promlet.yml"};
  auto promlet = std::make_unique<Process>(args, dir + "/promlet.log");
  const std::string selector = R"({job="promlet",__name__=~"up|scrape_samples_scraped"})";
  const int64_t from = NowMs();
  // Forwarding works: a few seconds of samples arrive identical.
  Samples want, got;
  bool same = WaitFor(
      [&] {
        const int64_t to = NowMs() - 1500;
        want = PromletSamples(port, selector, from, to);
        got = VictoriaSamples(vport, selector, from, to);
        return want.size() == 2 && want.begin()->second.size() >= 3 && want == got;
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(same) << "promlet " << want.size() << " series, vm " << got.size() << "\n"
                    << promlet->Log();
  // Outage: the receiver stops for 30 s; promlet is killed -9 in the middle and restarted.
  vm.Stop();
  std::this_thread::sleep_for(std::chrono::seconds(12));
  promlet->Signal(SIGKILL);
  promlet->Wait(std::chrono::seconds(10));
  const std::string first_log = promlet->Log();
  promlet = std::make_unique<Process>(args, dir + "/promlet2.log");
  std::this_thread::sleep_for(std::chrono::seconds(18));
  vm.Start();
  const int64_t to = NowMs() + 3000;
  ASSERT_TRUE(WaitFor([&] { return NowMs() > to + 1500; }, std::chrono::seconds(20)));
  same = WaitFor(
      [&] {
        want = PromletSamples(port, selector, from, to);
        got = VictoriaSamples(vport, selector, from, to);
        return !want.empty() && want == got;
      },
      std::chrono::seconds(90));
  size_t n = 0, missing = 0;
  for (const auto& [k, v] : want) {
    n += v.size();
    for (const auto& x : v) missing += got[k].count(x) == 0;
  }
  EXPECT_TRUE(same) << n << " samples in promlet, " << missing << " missing in VictoriaMetrics\n"
                    << first_log << "\n---- after restart\n"
                    << promlet->Log();
  EXPECT_GE(n, 60u);  // 2 series over about 35 s of scrapes
  auto m = HttpGet(port, "/metrics");
  EXPECT_THAT(
      m.body,
      HasSubstr(
          R"(prometheus_remote_storage_samples_total{remote_name="vm",url="http://127.0.0.1:)"));
  EXPECT_THAT(m.body, HasSubstr("prometheus_remote_storage_samples_retried_total"));
  promlet->Signal(SIGTERM);
  promlet->Wait(std::chrono::seconds(20));
  vm.Stop();
  std::system(("rm -rf " + dir).c_str());
}

// A Prometheus receiver (Remote Write 1.0 refuses a whole request holding one out-of-order
// sample) and a promlet killed with -9 whose stored position lags what Prometheus acknowledged:
// the lag is widened on purpose (the position file is put back 4 s, as if those
// acknowledgements had not reached the disk before the crash) and Prometheus is down while
// promlet restarts, so the first batches after the restart mix samples Prometheus holds with new
// ones within each series. Afterwards Prometheus holds exactly promlet's samples.
TEST(RemoteE2ETest, PromletRemoteWritesIntoPrometheusLosingNothingAcrossKill9) {
  if (!FileExecutable(kPrometheus)) GTEST_SKIP() << "prometheus not installed: " << kPrometheus;
  std::string dir = MakeTempDir("rw-prom");
  int port = FreePort(), pport = FreePort();
  WriteFile(dir + "/prometheus.yml", "scrape_configs: []\n");
  const std::vector<std::string> prom_args = {
      kPrometheus, "--config.file=" + dir + "/prometheus.yml",
      "--storage.tsdb.path=" + dir + "/prom",
      "--web.listen-address=127.0.0.1:" + std::to_string(pport),
      "--web.enable-remote-write-receiver"};
  auto prom = std::make_unique<Process>(prom_args, dir + "/prom.log");
  WriteFile(dir + "/promlet.yml",
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: promlet\n    static_configs:\n"
            "      - targets: ['127.0.0.1:" +
                std::to_string(port) +
                "']\n"
                "remote_write:\n  - url: http://127.0.0.1:" +
                std::to_string(pport) +
                "/api/v1/write\n    name: prom\n    queue_config:\n"
                "      batch_send_deadline: 200ms\n      min_backoff: 50ms\n"
                "      max_backoff: 1s\n");
  const std::vector<std::string> args = {
      kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(port),
      "--storage.tsdb.path=" + dir + "/data", "--config.file=" + dir + "/promlet.yml"};
  auto promlet = std::make_unique<Process>(args, dir + "/promlet.log");
  const std::string selector = R"({job="promlet"})";
  const int64_t from = NowMs();
  auto count = [](const Samples& s) {
    size_t n = 0;
    for (const auto& [k, v] : s) n += v.size();
    return n;
  };
  Samples want, got;
  bool same = WaitFor(
      [&] {
        const int64_t to = NowMs() - 1500;
        want = RangeSamples(port, selector, to, to - from);
        got = RangeSamples(pport, selector, to, to - from);
        return want.size() > 10 && want.begin()->second.size() >= 3 && want == got;
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(same) << "promlet " << count(want) << " samples, prometheus " << count(got) << "\n"
                    << promlet->Log() << "\n"
                    << prom->Log();
  const std::string position = dir + "/data/remote/prom/position";
  ASSERT_TRUE(std::filesystem::exists(position));
  std::filesystem::copy_file(position, dir + "/position.old");
  std::this_thread::sleep_for(std::chrono::seconds(4));
  prom->Signal(SIGTERM);
  ASSERT_TRUE(prom->Wait(std::chrono::seconds(30)).has_value());
  promlet->Signal(SIGKILL);
  promlet->Wait(std::chrono::seconds(10));
  const std::string first_log = promlet->Log();
  std::filesystem::copy_file(dir + "/position.old", position,
                             std::filesystem::copy_options::overwrite_existing);
  promlet = std::make_unique<Process>(args, dir + "/promlet2.log");
  std::this_thread::sleep_for(std::chrono::seconds(6));
  prom = std::make_unique<Process>(prom_args, dir + "/prom2.log");
  const int64_t to = NowMs() + 3000;
  ASSERT_TRUE(WaitFor([&] { return NowMs() > to + 1500; }, std::chrono::seconds(20)));
  same = WaitFor(
      [&] {
        want = RangeSamples(port, selector, to, to - from);
        got = RangeSamples(pport, selector, to, to - from);
        return !want.empty() && want == got;
      },
      std::chrono::seconds(90));
  size_t missing = 0;
  for (const auto& [k, v] : want) {
    for (const auto& x : v) missing += got[k].count(x) == 0;
  }
  EXPECT_TRUE(same) << count(want) << " samples in promlet, " << missing
                    << " missing in Prometheus\n"
                    << first_log << "\n---- after restart\n"
                    << promlet->Log() << "\n---- prometheus\n"
                    << prom->Log();
  EXPECT_GE(count(want), 500u);
  // The resent batches really mixed held and new samples within series.
  EXPECT_THAT(promlet->Log(), HasSubstr("resending without its oldest samples"));
  promlet->Signal(SIGTERM);
  promlet->Wait(std::chrono::seconds(20));
  prom->Signal(SIGTERM);
  prom->Wait(std::chrono::seconds(20));
  std::system(("rm -rf " + dir).c_str());
}

// A Prometheus with promlet as its remote_read source (and nothing of its own) answers range
// selections with exactly the samples promlet answers itself. Both have the external label
// site="s1": Prometheus adds it as a matcher to its remote reads and strips it from the answers,
// so promlet must treat it as its read handler does (matched, then added to every series); a
// query naming site itself gets it back from promlet.
TEST(RemoteE2ETest, PrometheusReadsFromPromletWithExternalLabels) {
  if (!FileExecutable(kPrometheus)) GTEST_SKIP() << "prometheus not installed: " << kPrometheus;
  std::string dir = MakeTempDir("rr");
  int port = FreePort(), pport = FreePort();
  WriteFile(dir + "/promlet.yml",
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "  external_labels: {site: s1}\n"
            "scrape_configs:\n  - job_name: promlet\n    static_configs:\n"
            "      - targets: ['127.0.0.1:" +
                std::to_string(port) + "']\n");
  Process promlet(
      {kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(port),
       "--storage.tsdb.path=" + dir + "/promlet", "--config.file=" + dir + "/promlet.yml"},
      dir + "/promlet.log");
  WriteFile(dir + "/prometheus.yml",
            "global:\n  external_labels: {site: s1}\n"
            "remote_read:\n  - url: http://127.0.0.1:" +
                std::to_string(port) + "/api/v1/read\n    read_recent: true\n");
  Process prom({kPrometheus, "--config.file=" + dir + "/prometheus.yml",
                "--storage.tsdb.path=" + dir + "/prom",
                "--web.listen-address=127.0.0.1:" + std::to_string(pport)},
               dir + "/prom.log");
  const std::string selector =
      R"({job="promlet",__name__=~"up|scrape_duration_seconds|promlet_build_info"})";
  Samples want, got;
  auto count = [](const Samples& s) {
    size_t n = 0;
    for (const auto& [k, v] : s) n += v.size();
    return n;
  };
  int64_t at = 0;
  bool same = WaitFor(
      [&] {
        if (at == 0 || count(want) < 10) at = NowMs() - 1000;
        want = RangeSamples(port, selector, at, 10000);
        got = RangeSamples(pport, selector, at, 10000);
        return count(want) >= 10 && want == got;
      },
      std::chrono::seconds(90));
  EXPECT_TRUE(same) << "promlet " << count(want) << " samples, prometheus " << count(got) << "\n"
                    << prom.Log();
  // An instant query through remote read agrees too.
  auto a = HttpGet(
      port, "/api/v1/query?query=" + Url("count(up)") + "&time=" + std::to_string(at / 1000));
  auto b = HttpGet(
      pport, "/api/v1/query?query=" + Url("count(up)") + "&time=" + std::to_string(at / 1000));
  EXPECT_EQ(nlohmann::json::parse(a.body)["data"], nlohmann::json::parse(b.body)["data"]);
  // Naming the external label: Prometheus passes the matcher on and keeps the label.
  Samples with_site;
  for (auto& [k, v] : want) {
    auto m = nlohmann::json::parse(k);
    m["site"] = "s1";
    with_site[m.dump()] = v;
  }
  const std::string sited = selector.substr(0, selector.size() - 1) + R"(,site="s1"})";
  EXPECT_EQ(RangeSamples(pport, sited, at, 10000), with_site);
  const std::string other = selector.substr(0, selector.size() - 1) + R"(,site="s2"})";
  EXPECT_TRUE(RangeSamples(pport, other, at, 10000).empty());
  prom.Signal(SIGTERM);
  prom.Wait(std::chrono::seconds(20));
  promlet.Signal(SIGTERM);
  promlet.Wait(std::chrono::seconds(20));
  std::system(("rm -rf " + dir).c_str());
}

// Remote Write 2.0 between two promlets: the sender's samples arrive identical, with the
// external labels added and the series write_relabel_configs drop left out.
TEST(RemoteE2ETest, PromletToPromletOverRemoteWrite2) {
  std::string dir = MakeTempDir("rw2");
  int sport = FreePort(), rport = FreePort();
  WriteFile(dir + "/recv.yml", "scrape_configs: []\n");  // stores only what it receives
  Process receiver({kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(rport),
                    "--storage.tsdb.path=" + dir + "/recv", "--web.enable-remote-write-receiver",
                    "--config.file=" + dir + "/recv.yml"},
                   dir + "/recv.log");
  WriteFile(dir + "/sender.yml",
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "  external_labels: {site: s1}\n"
            "scrape_configs:\n  - job_name: promlet\n    static_configs:\n"
            "      - targets: ['127.0.0.1:" +
                std::to_string(sport) +
                "']\n"
                "remote_write:\n  - url: http://127.0.0.1:" +
                std::to_string(rport) +
                "/api/v1/write\n    protobuf_message: io.prometheus.write.v2.Request\n"
                "    write_relabel_configs:\n      - source_labels: [__name__]\n"
                "        regex: scrape_duration_seconds\n        action: drop\n"
                "    queue_config: {batch_send_deadline: 200ms}\n");
  Process sender({kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(sport),
                  "--storage.tsdb.path=" + dir + "/send", "--config.file=" + dir + "/sender.yml"},
                 dir + "/send.log");
  auto count = [](const Samples& s) {
    size_t n = 0;
    for (const auto& [k, v] : s) n += v.size();
    return n;
  };
  Samples want, got;
  int64_t at = 0;
  bool same = WaitFor(
      [&] {
        if (at == 0 || count(want) < 8) at = NowMs() - 1500;
        want.clear();
        for (auto& [k, v] : RangeSamples(sport, R"({job="promlet",__name__="up"})", at, 8000)) {
          auto m = nlohmann::json::parse(k);
          m["site"] = "s1";
          want[m.dump()] = v;
        }
        got = RangeSamples(rport, R"({job="promlet",__name__="up"})", at, 8000);
        return count(want) >= 4 && want == got;
      },
      std::chrono::seconds(90));
  EXPECT_TRUE(same) << count(want) << " vs " << count(got) << "\n"
                    << sender.Log() << "\n"
                    << receiver.Log();
  EXPECT_TRUE(
      RangeSamples(rport, R"({__name__="scrape_duration_seconds"})", NowMs(), 60000).empty());
  sender.Signal(SIGTERM);
  sender.Wait(std::chrono::seconds(20));
  receiver.Signal(SIGTERM);
  receiver.Wait(std::chrono::seconds(20));
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace promlet::testing
