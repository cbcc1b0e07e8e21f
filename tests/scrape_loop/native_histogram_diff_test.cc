// Native histograms end to end against real programs, all on 127.0.0.1: the Go-client exporter
// (tests/scrape_loop/go_exporter, /seq: one deterministic batch of observations per scrape, kept
// apart per scraper and numbered by the gauge e2e_seq_scrapes) scraped over protobuf by the real
// promlet binary and by Debian's Prometheus 2.42 (--enable-feature=native-histograms).
//
//  - ReadBackFromPromletsHead: every histogram promlet stored, read back through
//    /api/v1/query_range at its own scrape timestamp, equals (count, sum, every populated bucket
//    with its boundary rule) what the exporter served at that scrape number, which the test
//    fetches and decodes itself.
//  - AgreesWithPrometheus: for each scrape number both stored, histogram_count, histogram_sum,
//    histogram_quantile(0.5|0.9|0.99) and histogram_fraction at each server's own timestamp agree
//    (exact for count and sum, 1e-9 relative otherwise). Prometheus 2.42 interpolates quantiles
//    linearly where 3.x (and promlet) interpolate exponentially; the exporter's batches put every
//    asked-for rank on a bucket boundary, where both give the boundary, so the comparison holds
//    3.x to the same answer as 2.42 (and to the known values 1, 2, 4 and 0.4).
//  - FederatedByPromletAndPrometheus: a second promlet and Prometheus 2.42 (native histograms
//    on, so it asks for protobuf) scrape promlet's /federate; every histogram they stored equals
//    the one promlet holds at that (federated, hence original) timestamp.
// Skipped when go/client_golang (both tests) or /usr/bin/prometheus (the second) is missing.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"
#include "model/metric_family.h"
#include "scrape/protocols.h"
#include "tests/integration/test_util.h"
#include "tests/scrape_loop/go_exporter_process.h"
#include "tests/scrape_loop/test_server.h"

namespace promlet::scrape {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using promlet::testing::Process;
using promlet::testing::WaitFor;

constexpr char kPrometheus[] = "/usr/bin/prometheus";
constexpr int kScrapesWanted = 5;

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string Seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

// GET /api/v1/<path> on 127.0.0.1:port; the "data" object, or null on any failure.
Json ApiData(int port, const std::string& target) {
  promlet::testing::HttpResult r = promlet::testing::HttpGet(port, "/api/v1/" + target);
  if (r.status != 200) return nullptr;
  Json j = Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || j.value("status", "") != "success") return nullptr;
  return j["data"];
}

// Scrape number -> the timestamp (ms) at which the server stored it, from e2e_seq_scrapes.
std::map<int, int64_t> ScrapeTimes(int port) {
  std::map<int, int64_t> out;
  Json d = ApiData(port, "query?query=" + UrlEncode("e2e_seq_scrapes[10m]"));
  if (d.is_null() || d["result"].empty()) return out;
  for (const Json& p : d["result"][0]["values"]) {
    const int64_t t = std::llround(p[0].get<double>() * 1000);
    out[std::stoi(p[1].get<std::string>())] = t;
  }
  return out;
}

// The single float value of an instant query at t (ms), or NaN with *error set.
double InstantValue(int port, const std::string& expr, int64_t t, std::string* error) {
  Json d = ApiData(port, "query?query=" + UrlEncode(expr) + "&time=" + Seconds(t));
  if (d.is_null() || d["result"].size() != 1) {
    *error = "no single result for " + expr + " at " + Seconds(t) + ": " + d.dump();
    return std::nan("");
  }
  return std::stod(d["result"][0]["value"][1].get<std::string>());
}

class NativeHistogramE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::GoExporterProcess::MissingToolchain().empty()) return;
    dir_ = new std::string(promlet::testing::MakeTempDir("nhdiff"));
    exporter_ = new testing::GoExporterProcess();
    absl::Status st = exporter_->Start(*dir_);
    if (!st.ok()) {
      setup_error_ = new std::string(st.ToString());
      return;
    }
    const std::string target = "127.0.0.1:" + std::to_string(exporter_->port());
    auto config = [&](const std::string& who, bool promlet) {
      return std::string("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n") +
             "scrape_configs:\n  - job_name: seq\n    metrics_path: /seq\n" +
             "    params:\n      who: [" + who + "]\n" +
             (promlet ? "    scrape_native_histograms: true\n" : "") +
             "    static_configs:\n      - targets: ['" + target + "']\n";
    };
    promlet_port_ = promlet::testing::FreePort();
    // Federators of promlet's e2e_seq_* series.
    auto federate_config = [&](bool promlet) {
      return std::string("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n") +
             "scrape_configs:\n  - job_name: fed\n    honor_labels: true\n" +
             "    metrics_path: /federate\n" +
             "    params:\n      'match[]': ['{__name__=~\"e2e_seq.*\"}']\n" +
             (promlet ? "    scrape_native_histograms: true\n" : "") +
             "    static_configs:\n      - targets: ['127.0.0.1:" + std::to_string(promlet_port_) +
             "']\n";
    };
    promlet::testing::WriteFile(*dir_ + "/promlet.yml", config("promlet", true));
    promlet_ = new Process(
        {PROMLET_BINARY, "--web.listen-address=127.0.0.1:" + std::to_string(promlet_port_),
         "--storage.tsdb.path=" + *dir_ + "/promlet-data",
         "--config.file=" + *dir_ + "/promlet.yml"},
        *dir_ + "/promlet.log");
    fed_promlet_port_ = promlet::testing::FreePort();
    promlet::testing::WriteFile(*dir_ + "/fed-promlet.yml", federate_config(true));
    fed_promlet_ = new Process(
        {PROMLET_BINARY, "--web.listen-address=127.0.0.1:" + std::to_string(fed_promlet_port_),
         "--storage.tsdb.path=" + *dir_ + "/fed-promlet-data",
         "--config.file=" + *dir_ + "/fed-promlet.yml"},
        *dir_ + "/fed-promlet.log");
    if (promlet::testing::FileExecutable(kPrometheus)) {
      fed_prometheus_port_ = promlet::testing::FreePort();
      promlet::testing::WriteFile(*dir_ + "/fed-prometheus.yml", federate_config(false));
      fed_prometheus_ =
          new Process({kPrometheus, "--config.file=" + *dir_ + "/fed-prometheus.yml",
                       "--storage.tsdb.path=" + *dir_ + "/fed-prometheus-data",
                       "--web.listen-address=127.0.0.1:" + std::to_string(fed_prometheus_port_),
                       "--enable-feature=native-histograms"},
                      *dir_ + "/fed-prometheus.log");
    }
    if (promlet::testing::FileExecutable(kPrometheus)) {
      prometheus_port_ = promlet::testing::FreePort();
      promlet::testing::WriteFile(*dir_ + "/prometheus.yml", config("prometheus", false));
      prometheus_ =
          new Process({kPrometheus, "--config.file=" + *dir_ + "/prometheus.yml",
                       "--storage.tsdb.path=" + *dir_ + "/prometheus-data",
                       "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port_),
                       "--enable-feature=native-histograms"},
                      *dir_ + "/prometheus.log");
    }
    auto enough = [](int port) {
      auto times = ScrapeTimes(port);
      return !times.empty() && times.rbegin()->first >= kScrapesWanted;
    };
    promlet_ready_ = WaitFor([&] { return enough(promlet_port_); }, std::chrono::seconds(60));
    if (prometheus_ != nullptr) {
      prometheus_ready_ =
          WaitFor([&] { return enough(prometheus_port_); }, std::chrono::seconds(60));
    }
  }
  static void TearDownTestSuite() {
    delete fed_prometheus_;
    delete fed_promlet_;
    delete prometheus_;
    delete promlet_;
    delete exporter_;
    if (dir_ != nullptr) fs::remove_all(*dir_);
    delete dir_;
    delete setup_error_;
  }
  void SetUp() override {
    if (std::string missing = testing::GoExporterProcess::MissingToolchain(); !missing.empty()) {
      GTEST_SKIP() << missing;
    }
    ASSERT_EQ(setup_error_, nullptr) << *setup_error_;
    ASSERT_TRUE(promlet_ready_) << "promlet stored fewer than " << kScrapesWanted << " scrapes:\n"
                                << promlet_->Log();
  }

  static inline std::string* dir_ = nullptr;
  static inline std::string* setup_error_ = nullptr;
  static inline testing::GoExporterProcess* exporter_ = nullptr;
  static inline Process* promlet_ = nullptr;
  static inline Process* prometheus_ = nullptr;
  static inline Process* fed_promlet_ = nullptr;
  static inline Process* fed_prometheus_ = nullptr;
  static inline int promlet_port_ = 0, prometheus_port_ = 0;
  static inline int fed_promlet_port_ = 0, fed_prometheus_port_ = 0;
  static inline bool promlet_ready_ = false, prometheus_ready_ = false;
};

// Timestamp (ms) -> the histogram object of the API JSON, for every raw sample of
// e2e_seq_seconds the server holds.
std::map<int64_t, Json> RawHistograms(int port) {
  std::map<int64_t, Json> out;
  Json d = ApiData(port, "query?query=" + UrlEncode("e2e_seq_seconds[10m]"));
  if (d.is_null() || d["result"].size() != 1) return out;
  for (const Json& p : d["result"][0]["histograms"]) {
    out[std::llround(p[0].get<double>() * 1000)] = p[1];
  }
  return out;
}

// A histogram JSON object with its numbers parsed (so "1e-05" and "0.00001" compare equal).
std::string Normalized(const Json& h) {
  std::string out = absl::StrCat("count=", std::stod(h["count"].get<std::string>()),
                                 " sum=", std::stod(h["sum"].get<std::string>()));
  for (const Json& b : h["buckets"]) {
    absl::StrAppend(&out, " ", b[0].get<int>(), ":", std::stod(b[1].get<std::string>()), ",",
                    std::stod(b[2].get<std::string>()), ":", std::stod(b[3].get<std::string>()));
  }
  return out;
}

// The exporter's k-th state of e2e_seq_seconds for a scraper of its own, fetched over protobuf.
std::vector<model::histogram::FloatHistogram> ServedSequence(uint16_t port, int n) {
  std::vector<model::histogram::FloatHistogram> out;
  const std::string accept = AcceptHeader(config::DefaultProtoFirstScrapeProtocols());
  for (int k = 1; k <= n; ++k) {
    testing::FetchResult r = testing::HttpGet(port, "/seq?who=test", {{"Accept", accept}});
    EXPECT_TRUE(model::proto::IsDelimitedMetricFamily(r.content_type)) << r.content_type;
    model::proto::MetricFamilyReader reader(r.body);
    model::proto::MetricFamily f;
    for (;;) {
      absl::StatusOr<bool> more = reader.Next(&f);
      EXPECT_TRUE(more.ok()) << more.status();
      if (!more.ok() || !*more) break;
      if (f.name != "e2e_seq_seconds") continue;
      EXPECT_EQ(f.size(), 1u);
      EXPECT_TRUE(f.metric(0).histogram.CheckSpans().ok());
      model::histogram::Histogram h;
      f.metric(0).histogram.ToHistogram(false, &h);
      out.push_back(h.ToFloat());
    }
  }
  return out;
}

TEST_F(NativeHistogramE2ETest, ReadBackFromPromletsHead) {
  const std::map<int, int64_t> times = ScrapeTimes(promlet_port_);
  ASSERT_GE(times.size(), static_cast<size_t>(kScrapesWanted));
  const int last = times.rbegin()->first;
  std::vector<model::histogram::FloatHistogram> served = ServedSequence(exporter_->port(), last);
  ASSERT_EQ(served.size(), static_cast<size_t>(last));
  for (const auto& [k, t] : times) {
    SCOPED_TRACE("scrape " + std::to_string(k) + " at " + Seconds(t));
    const model::histogram::FloatHistogram& want = served[k - 1];
    Json d = ApiData(promlet_port_, "query_range?query=e2e_seq_seconds&start=" + Seconds(t) +
                                        "&end=" + Seconds(t) + "&step=1");
    ASSERT_FALSE(d.is_null());
    ASSERT_EQ(d["resultType"], "matrix");
    ASSERT_EQ(d["result"].size(), 1u) << d.dump();
    const Json& series = d["result"][0];
    EXPECT_FALSE(series.contains("values")) << series.dump();
    ASSERT_EQ(series["histograms"].size(), 1u) << series.dump();
    const Json& point = series["histograms"][0];
    EXPECT_EQ(std::llround(point[0].get<double>() * 1000), t);
    const Json& h = point[1];
    EXPECT_EQ(std::stod(h["count"].get<std::string>()), want.count);
    EXPECT_EQ(std::stod(h["count"].get<std::string>()), 100.0 * k);
    EXPECT_EQ(std::stod(h["sum"].get<std::string>()), want.sum);
    std::vector<std::string> got_buckets, want_buckets;
    for (const Json& b : h["buckets"]) {
      got_buckets.push_back(absl::StrCat(b[0].get<int>(), " ", std::stod(b[1].get<std::string>()),
                                         " ", std::stod(b[2].get<std::string>()), " ",
                                         std::stod(b[3].get<std::string>())));
    }
    for (auto it = want.AllBucketIterator(); it.Next();) {
      const auto b = it.At();
      if (b.count == 0) continue;
      want_buckets.push_back(
          absl::StrCat(b.BoundaryRule(), " ", b.lower, " ", b.upper, " ", b.count));
    }
    EXPECT_EQ(got_buckets, want_buckets);
    EXPECT_GT(want_buckets.size(), 20u);  // negative, zero and many positive buckets
  }
}

TEST_F(NativeHistogramE2ETest, AgreesWithPrometheus) {
  if (prometheus_ == nullptr)
    GTEST_SKIP() << "prometheus not installed: apt-get install prometheus";
  ASSERT_TRUE(prometheus_ready_) << "Prometheus stored fewer than " << kScrapesWanted
                                 << " scrapes:\n"
                                 << prometheus_->Log();
  const std::map<int, int64_t> ours = ScrapeTimes(promlet_port_);
  const std::map<int, int64_t> theirs = ScrapeTimes(prometheus_port_);
  struct Check {
    std::string expr;
    double known;  // the value the exporter's batches are built to give; NaN: k-dependent
    bool exact;
  };
  const std::vector<Check> checks = {
      {"histogram_count(e2e_seq_seconds)", std::nan(""), true},
      {"histogram_sum(e2e_seq_seconds)", std::nan(""), true},
      {"histogram_quantile(0.5, e2e_seq_seconds)", 1, false},
      {"histogram_quantile(0.9, e2e_seq_seconds)", 2, false},
      {"histogram_quantile(0.99, e2e_seq_seconds)", 4, false},
      {"histogram_fraction(1, 2, e2e_seq_seconds)", 0.4, false},
      {"histogram_fraction(2, 4, e2e_seq_seconds)", 0.09, false},
  };
  int compared = 0;
  for (const auto& [k, t] : ours) {
    auto it = theirs.find(k);
    if (it == theirs.end()) continue;
    ++compared;
    for (const Check& c : checks) {
      SCOPED_TRACE(c.expr + " at scrape " + std::to_string(k));
      std::string error;
      const double a = InstantValue(promlet_port_, c.expr, t, &error);
      const double b = InstantValue(prometheus_port_, c.expr, it->second, &error);
      ASSERT_TRUE(error.empty()) << error;
      if (c.exact) {
        EXPECT_EQ(a, b);
      } else {
        EXPECT_NEAR(a, b, 1e-9 * std::fabs(b));
      }
      if (!std::isnan(c.known)) {
        EXPECT_NEAR(a, c.known, 1e-9 * c.known);
      }
      if (c.expr.starts_with("histogram_count")) {
        EXPECT_EQ(a, 100.0 * k);
      }
    }
  }
  EXPECT_GE(compared, kScrapesWanted);
}

TEST_F(NativeHistogramE2ETest, FederatedByPromletAndPrometheus) {
  std::vector<std::pair<std::string, int>> federators = {{"promlet", fed_promlet_port_}};
  if (fed_prometheus_ != nullptr) federators.push_back({"prometheus", fed_prometheus_port_});
  for (const auto& [who, port] : federators) {
    SCOPED_TRACE("federated by " + who);
    std::map<int64_t, Json> got;
    EXPECT_TRUE(WaitFor(
        [&, port = port] {
          got = RawHistograms(port);
          return got.size() >= 3;
        },
        std::chrono::seconds(30)))
        << (who == "promlet" ? fed_promlet_ : fed_prometheus_)->Log();
    const std::map<int64_t, Json> original = RawHistograms(promlet_port_);
    for (const auto& [t, h] : got) {
      SCOPED_TRACE("at " + Seconds(t));
      auto it = original.find(t);
      ASSERT_NE(it, original.end()) << "no original sample at the federated timestamp";
      EXPECT_EQ(Normalized(h), Normalized(it->second));
    }
  }
  if (fed_prometheus_ == nullptr) {
    GTEST_SKIP() << "prometheus not installed: only promlet federated";
  }
}

}  // namespace
}  // namespace promlet::scrape
