#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "config/discovery_config.h"
#include "scrape/manager.h"
#include "tests/config/temp_dir.h"
#include "scrape/protocols.h"
#include "scrape/target_labels.h"

namespace promlet::config {
namespace {

using ::testing::HasSubstr;
using config::DefaultScrapeProtocols;
using model::RelabelAction;
using config::ScrapeProtocol;
using model::Labels;

constexpr char kFull[] = R"(
global:
  scrape_interval: 30s
  scrape_timeout: 20s
  evaluation_interval: 1m
  external_labels:
    region: eu
    replica: a
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['localhost:9100', 'h2:9100']
        labels: {env: prod}
      - targets: ['h3:9100']
  - job_name: blackbox
    scrape_interval: 5s
    metrics_path: /probe
    scheme: https
    params:
      module: [http_2xx]
    honor_labels: true
    honor_timestamps: false
    enable_compression: false
    scrape_protocols: [PrometheusText0.0.4]
    sample_limit: 1000
    label_limit: 30
    label_name_length_limit: 100
    label_value_length_limit: 200
    body_size_limit: 10MB
    basic_auth:
      username: u
      password_file: secrets/pw
    tls_config:
      ca_file: /etc/ca.pem
      server_name: example.com
      insecure_skip_verify: true
    file_sd_configs:
      - files: ['sd/*.json', '/abs/targets.yml']
        refresh_interval: 30s
      - files: ['x.yaml']
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:9115
      - action: HashMod
        source_labels: [instance]
        modulus: 4
        target_label: __tmp_shard
      - action: keep
        source_labels: [__tmp_shard]
        regex: "0|1"
    metric_relabel_configs:
      - action: labeldrop
        regex: "tmp_.*"
  - job_name: bearer
    bearer_token: abc
)";

TEST(Config, FullConfigAndDefaults) {
  auto c = LoadConfigString(kFull, "/etc/promlet/prometheus.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.scrape_interval_ms, 30000);
  EXPECT_EQ(c->global.scrape_timeout_ms, 20000);
  EXPECT_EQ(c->global.external_labels.ToString(), "{region=\"eu\", replica=\"a\"}");
  ASSERT_EQ(c->scrape_configs.size(), 3u);

  const ScrapeConfig& node = c->scrape_configs[0];
  EXPECT_EQ(node.job_name, "node");
  EXPECT_EQ(node.scrape_interval_ms, 30000);
  EXPECT_EQ(node.scrape_timeout_ms, 20000);
  EXPECT_EQ(node.metrics_path, "/metrics");
  EXPECT_EQ(node.scheme, "http");
  EXPECT_FALSE(node.honor_labels);
  EXPECT_TRUE(node.honor_timestamps);
  EXPECT_TRUE(node.enable_compression);
  EXPECT_EQ(node.scrape_protocols, DefaultScrapeProtocols());
  ASSERT_EQ(node.static_configs.size(), 2u);
  EXPECT_EQ(node.static_configs[0].targets.size(), 2u);
  EXPECT_EQ(node.static_configs[0].targets[1].Get("__address__"), "h2:9100");
  EXPECT_EQ(node.static_configs[0].labels.Get("env"), "prod");
  EXPECT_EQ(node.static_configs[1].source, "1");

  const ScrapeConfig& bb = *c->FindJob("blackbox");
  EXPECT_EQ(bb.scrape_interval_ms, 5000);
  EXPECT_EQ(bb.scrape_timeout_ms, 5000);  // global timeout 20s capped at the job's interval
  EXPECT_EQ(bb.metrics_path, "/probe");
  EXPECT_EQ(bb.scheme, "https");
  EXPECT_EQ(bb.params.at("module"), std::vector<std::string>{"http_2xx"});
  EXPECT_TRUE(bb.honor_labels);
  EXPECT_FALSE(bb.honor_timestamps);
  EXPECT_FALSE(bb.enable_compression);
  EXPECT_EQ(bb.scrape_protocols, std::vector<ScrapeProtocol>{ScrapeProtocol::kPrometheusText0_0_4});
  EXPECT_EQ(bb.sample_limit, 1000u);
  EXPECT_EQ(bb.label_limit, 30u);
  EXPECT_EQ(bb.label_name_length_limit, 100u);
  EXPECT_EQ(bb.label_value_length_limit, 200u);
  EXPECT_EQ(bb.body_size_limit_bytes, 10 << 20);
  ASSERT_TRUE(bb.http_client.basic_auth.has_value());
  EXPECT_EQ(bb.http_client.basic_auth->username, "u");
  EXPECT_EQ(bb.http_client.basic_auth->password_file, "/etc/promlet/secrets/pw");
  EXPECT_EQ(bb.http_client.tls_config.ca_file, "/etc/ca.pem");
  EXPECT_EQ(bb.http_client.tls_config.server_name, "example.com");
  EXPECT_TRUE(bb.http_client.tls_config.insecure_skip_verify);
  ASSERT_EQ(bb.file_sd_configs.size(), 2u);
  EXPECT_EQ(bb.file_sd_configs[0].files,
            (std::vector<std::string>{"/etc/promlet/sd/*.json", "/abs/targets.yml"}));
  EXPECT_EQ(bb.file_sd_configs[0].refresh_interval_ms, 30000);
  EXPECT_EQ(bb.file_sd_configs[1].refresh_interval_ms, 300000);
  ASSERT_EQ(bb.relabel_configs.size(), 5u);
  EXPECT_EQ(bb.relabel_configs[3].action, RelabelAction::kHashMod);
  EXPECT_EQ(bb.relabel_configs[3].modulus, 4u);
  EXPECT_EQ(bb.relabel_configs[4].regex.expr(), "0|1");
  ASSERT_EQ(bb.metric_relabel_configs.size(), 1u);
  EXPECT_EQ(bb.metric_relabel_configs[0].action, RelabelAction::kLabelDrop);

  const ScrapeConfig& bearer = *c->FindJob("bearer");
  ASSERT_TRUE(bearer.http_client.authorization.has_value());
  EXPECT_EQ(bearer.http_client.authorization->type, "Bearer");
  EXPECT_EQ(bearer.http_client.authorization->credentials, "abc");

  // The blackbox relabeling end to end through PopulateLabels.
  int kept = 0;
  for (const char* t : {"a.example", "b.example", "c.example", "d.example", "e.example"}) {
    auto p =
        scrape::PopulateLabels(Labels{{"__address__", t}}, Labels{}, scrape::TargetDefaultsOf(bb));
    ASSERT_TRUE(p.ok()) << p.status();
    if (p->dropped) continue;
    ++kept;
    EXPECT_EQ(p->labels.Get("__address__"), "127.0.0.1:9115");
    EXPECT_EQ(p->labels.Get("instance"), t);
    EXPECT_EQ(scrape::TargetUrl(p->labels, bb.params),
              std::string("https://127.0.0.1:9115/probe?module=http_2xx&target=") + t);
  }
  EXPECT_GT(kept, 0);

  // Equality is what a reload uses to keep unchanged jobs.
  auto again = LoadConfigString(kFull, "/etc/promlet/prometheus.yml");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->scrape_configs[1] == bb);
  EXPECT_FALSE(again->scrape_configs[0] == bb);
}

TEST(Config, GlobalDefaults) {
  auto c = LoadConfigString("scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n", "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.scrape_interval_ms, 60000);
  EXPECT_EQ(c->global.scrape_timeout_ms, 10000);
  EXPECT_EQ(c->global.evaluation_interval_ms, 60000);
  EXPECT_EQ(c->scrape_configs[0].scrape_timeout_ms, 5000);
  auto empty = LoadConfigString("", "p.yml");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->scrape_configs.empty());
  auto short_global = LoadConfigString("global:\n  scrape_interval: 5s\n", "p.yml");
  ASSERT_TRUE(short_global.ok()) << short_global.status();
  EXPECT_EQ(short_global->global.scrape_timeout_ms, 5000);
}

TEST(Config, ErrorsNameFileLineAndField) {
  struct Case {
    std::string yaml;
    std::string want;
  } cases[] = {
      {"scrape_configs:\n  - job_name: a\n    scrap_interval: 5s\n",
       "p.yml:3: scrape_configs[0].scrap_interval: unknown field"},
      {"global:\n  scrape_interval: 5x\n", "p.yml:2: global.scrape_interval: unknown unit \"x\" in duration \"5x\""},
      {"scrape_configs:\n  - job_name: a\n  - job_name: a\n",
       "p.yml:3: scrape_configs[1].job_name: found multiple scrape configs with job name \"a\""},
      {"scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n",
       "scrape timeout greater than scrape interval for scrape config with job name \"a\""},
      {"global:\n  scrape_interval: 5s\n  scrape_timeout: 10s\n",
       "global scrape timeout greater than scrape interval"},
      {"scrape_configs:\n  - scrape_interval: 5s\n", "job_name is empty"},
      {"scrape_configs:\n  - job_name: a\n    basic_auth: {username: u, password: p, password_file: f}\n",
       "at most one of basic_auth password & password_file must be configured"},
      {"scrape_configs:\n  - job_name: a\n    bearer_token: t\n    bearer_token_file: f\n",
       "at most one of bearer_token & bearer_token_file must be configured"},
      {"scrape_configs:\n  - job_name: a\n    bearer_token: t\n    basic_auth: {username: u}\n",
       "at most one of basic_auth, oauth2, bearer_token & bearer_token_file"},
      {"scrape_configs:\n  - job_name: a\n    authorization: {type: Basic}\n",
       "authorization type cannot be set to \"basic\""},
      {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: hashmod\n        target_label: x\n",
       "p.yml:4: scrape_configs[0].relabel_configs[0]: relabel configuration for hashmod requires non-zero modulus"},
      {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: explode\n",
       "relabel_configs[0].action: unknown relabel action \"explode\""},
      {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - regex: '('\n        target_label: x\n",
       "relabel_configs[0].regex: error parsing regexp"},
      {"scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - files: ['a/*/b.json']\n",
       "path name \"a/*/b.json\" is not valid for file discovery"},
      {"scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - files: []\n",
       "file service discovery config must contain at least one path name"},
      {"scrape_configs:\n  - job_name: a\n    scheme: ftp\n", "p.yml:3: scrape_configs[0].scheme: scheme \"ftp\" is not supported"},
      {"scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['h/x:1']\n",
       "\"h/x:1\" is not a valid hostname"},
      {"scrape_configs:\n  - job_name: a\n    scrape_protocols: [PrometheusProto, Bogus]\n",
       "scrape_configs[0].scrape_protocols[1]: unknown scrape protocol \"Bogus\", supported: "
       "PrometheusProto, OpenMetricsText1.0.0"},
      {"scrape_configs:\n  - job_name: a\n    native_histogram_min_bucket_factor: -1\n",
       "scrape_configs[0].native_histogram_min_bucket_factor: expected a non-negative number, got "
       "\"-1\""},
      {"scrape_configs:\n  - job_name: a\n    native_histogram_bucket_limit: x\n",
       "scrape_configs[0].native_histogram_bucket_limit: expected a non-negative integer"},
      {"scrape_configs:\n  - job_name: a\n    scrape_native_histograms: maybe\n",
       "scrape_configs[0].scrape_native_histograms: expected true or false"},
      {"scrape_configs:\n  - job_name: a\n    scrape_classic_histograms: true\n"
       "    always_scrape_classic_histograms: true\n",
       "scrape_classic_histograms is the Prometheus 2 name of always_scrape_classic_histograms"},
      {"scrape_configs:\n  - job_name: a\n    body_size_limit: 10XB\n", "invalid size unit"},
      {"scrape_configs:\n  - job_name: a\n    sample_limit: -1\n", "expected a non-negative integer"},
      {"scrape_configs:\n  - job_name: a\n    honor_labels: maybe\n", "expected true or false"},
      {"scrape_configs:\n  - job_name: a\n    job_name: b\n", "field set twice"},
      {"scrape_configs:\n  - job_name: a\n   bad_indent: [\n", "p.yml:"},
      {"scrape_config_files: [a.yml]\n", "p.yml:1: scrape_config_files: section not supported"},
      {"bogus: 1\n", "p.yml:1: bogus: unknown field"},
      {"scrape_configs:\n  - job_name: a\n    kubernetes_sd_configs: [{role: pod}]\n",
       "p.yml:3: scrape_configs[0].kubernetes_sd_configs: not supported by promlet (service discovery"},
      {"scrape_configs:\n  - job_name: a\n    oauth2: {client_id: x}\n",
       "scrape_configs[0].oauth2: not supported by promlet"},
      {"scrape_configs:\n  - job_name: a\n    foo_sd_configs: [{}]\n",
       "p.yml:3: scrape_configs[0].foo_sd_configs: unknown field"},
  };
  for (const Case& c : cases) {
    auto r = LoadConfigString(c.yaml, "p.yml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.want)) << c.yaml;
  }
}

// Issue 22 item 15: settings promlet does not implement refuse the config, each listed with
// file, line and field, unless ignore_unsupported turns them into warnings.
constexpr char kUnsupported[] = R"(global:
  scrape_interval: 15s
  query_log_file: /tmp/q.log
tracing: {endpoint: 'localhost:4317'}
alerting:
  alertmanagers: []
remote_read:
  - url: http://127.0.0.1:1/read
scrape_configs:
  - job_name: a
    enable_http2: false
    consul_sd_configs: [{server: 'localhost:8500'}]
    static_configs: [{targets: ['h:1']}]
storage:
  tsdb: {out_of_order_time_window: 10m}
)";

TEST(Config, NativeHistogramSettingsAndProtocolDefaults) {
  auto c = LoadConfigString(
      "global:\n"
      "  scrape_native_histograms: true\n"
      "  always_scrape_classic_histograms: true\n"
      "scrape_configs:\n"
      "  - job_name: native\n"
      "    native_histogram_bucket_limit: 160\n"
      "    native_histogram_min_bucket_factor: 1.1\n"
      "    convert_classic_histograms_to_nhcb: true\n"
      "  - job_name: plain\n"
      "    scrape_native_histograms: false\n"
      "    scrape_classic_histograms: false\n"
      "  - job_name: explicit\n"
      "    scrape_protocols: [PrometheusText0.0.4]\n",
      "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->global.scrape_protocols.empty());  // not configured
  const ScrapeConfig& native = c->scrape_configs[0];
  EXPECT_TRUE(native.scrape_native_histograms);
  EXPECT_TRUE(native.always_scrape_classic_histograms);
  EXPECT_TRUE(native.convert_classic_histograms_to_nhcb);
  EXPECT_EQ(native.native_histogram_bucket_limit, 160u);
  EXPECT_EQ(native.native_histogram_min_bucket_factor, 1.1);
  // As Prometheus 3: scrape_native_histograms without scrape_protocols prefers protobuf.
  EXPECT_EQ(native.scrape_protocols, DefaultProtoFirstScrapeProtocols());
  const ScrapeConfig& plain = c->scrape_configs[1];
  EXPECT_FALSE(plain.scrape_native_histograms);
  EXPECT_FALSE(plain.always_scrape_classic_histograms);  // the Prometheus 2 name
  EXPECT_EQ(plain.scrape_protocols, DefaultScrapeProtocols());
  EXPECT_EQ(c->scrape_configs[2].scrape_protocols,
            std::vector<ScrapeProtocol>{ScrapeProtocol::kPrometheusText0_0_4});
  // A global scrape_protocols wins over the native-histogram default.
  auto g = LoadConfigString(
      "global:\n  scrape_protocols: [OpenMetricsText1.0.0]\n"
      "scrape_configs:\n  - job_name: a\n    scrape_native_histograms: true\n",
      "p.yml");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->scrape_configs[0].scrape_protocols,
            std::vector<ScrapeProtocol>{ScrapeProtocol::kOpenMetricsText1_0_0});
}

TEST(Config, UnsupportedSettingsAreRefusedListingEachWithItsLine) {
  auto c = LoadConfigString(kUnsupported, "p.yml");
  ASSERT_FALSE(c.ok());
  const std::string msg(c.status().message());
  EXPECT_THAT(msg, HasSubstr("--config.ignore-unsupported"));
  for (const char* want : {"p.yml:3: global.query_log_file: not supported by promlet",
                           "p.yml:4: tracing: section not supported by promlet",
                           "p.yml:7: remote_read: section not supported",
                           "p.yml:11: scrape_configs[0].enable_http2: not supported by promlet",
                           "p.yml:12: scrape_configs[0].consul_sd_configs: not supported by "
                           "promlet (service discovery",
                           "p.yml:14: storage: section not supported"}) {
    EXPECT_THAT(msg, HasSubstr(want)) << msg;
  }
}

TEST(Config, IgnoreUnsupportedTurnsThemIntoWarnings) {
  auto c = LoadConfigString(kUnsupported, "p.yml", {.ignore_unsupported = true});
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->warnings.size(), 6u);
  EXPECT_THAT(c->warnings[0], HasSubstr("p.yml:4: tracing: section not supported"));
  EXPECT_THAT(c->warnings[0], HasSubstr("ignored"));
  ASSERT_EQ(c->scrape_configs.size(), 1u);
  EXPECT_EQ(c->scrape_configs[0].static_configs.size(), 1u);
  // Settings that change how requests go out are refused even then.
  auto o = LoadConfigString("scrape_configs:\n  - job_name: a\n    proxy_url: http://p:3128\n",
                            "p.yml", {.ignore_unsupported = true});
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(std::string(o.status().message()), HasSubstr("scrape_configs[0].proxy_url"));
}

TEST(Config, StoredJobFields) {
  auto c = LoadConfigString(
      "global: {keep_dropped_targets: 7, evaluation_interval: 30s}\nscrape_configs:\n"
      "  - job_name: a\n    track_timestamps_staleness: true\n",
      "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->warnings.empty());
  EXPECT_TRUE(c->scrape_configs[0].track_timestamps_staleness);
  EXPECT_EQ(c->scrape_configs[0].keep_dropped_targets, 7u);
}

// Issue 22 item 12: the printable config shows every secret as "<secret>", like Prometheus'
// config.Secret; credential files are paths and stay.
TEST(Config, PrintableYamlRedactsSecrets) {
  auto c = LoadConfigString(R"(global:
  external_labels: {password: not-a-secret-label}
scrape_configs:
  - job_name: basic
    basic_auth: {username: u, password: hunter2}
    static_configs: [{targets: ['h:1'], labels: {token: label-value}}]
  - job_name: bearer
    bearer_token: tok-123
  - job_name: authz
    authorization: {type: Bearer, credentials: cred-456}
    tls_config: {cert_file: /c.pem, key_file: /k.pem}
  - job_name: files
    basic_auth: {username: u, password_file: /pw}
    params: {password: [param-value]}
)",
                            "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string& y = c->yaml;
  for (const char* secret : {"hunter2", "tok-123", "cred-456"}) {
    EXPECT_THAT(y, ::testing::Not(HasSubstr(secret))) << y;
  }
  EXPECT_THAT(y, HasSubstr("password: <secret>"));
  EXPECT_THAT(y, HasSubstr("bearer_token: <secret>"));
  EXPECT_THAT(y, HasSubstr("credentials: <secret>"));
  // Paths, usernames, label values and parameters are shown as they are.
  for (const char* kept : {"password_file: /pw", "key_file: /k.pem", "username: u",
                           "not-a-secret-label", "label-value", "param-value"}) {
    EXPECT_THAT(y, HasSubstr(kept)) << y;
  }
  // The structs keep the real values for scraping.
  EXPECT_EQ(c->scrape_configs[0].http_client.basic_auth->password, "hunter2");
  // The printable YAML is itself a loadable config.
  auto again = LoadConfigString(y, "p.yml");
  EXPECT_TRUE(again.ok()) << again.status() << "\n" << y;
}

TEST(Config, DefaultConfigScrapesItself) {
  Config c = DefaultConfig(":9090");
  ASSERT_EQ(c.scrape_configs.size(), 1u);
  EXPECT_EQ(c.scrape_configs[0].job_name, "promlet");
  EXPECT_EQ(c.scrape_configs[0].scrape_interval_ms, 15000);
  EXPECT_EQ(c.scrape_configs[0].static_configs[0].targets[0].Get("__address__"), "localhost:9090");
  EXPECT_EQ(DefaultConfig("127.0.0.1:9191").scrape_configs[0].static_configs[0].targets[0].Get(
                "__address__"),
            "127.0.0.1:9191");
  EXPECT_EQ(DefaultConfig("0.0.0.0:1").scrape_configs[0].static_configs[0].targets[0].Get(
                "__address__"),
            "localhost:1");
}

TEST(CheckConfig, ReportsSuccessAndFailure) {
  TempDir dir;
  dir.Write("good.yml",
            "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['h:1']}]\n"
            "    file_sd_configs: [{files: ['sd/*.json']}]\ntracing: {endpoint: x}\n");
  std::filesystem::create_directory(dir.path() + "/sd");
  dir.Write("sd/one.json", R"([{"targets": ["a:1", "b:1"]}])");
  // tracing is not implemented: refused unless ignored.
  auto r = CheckConfig(dir.path() + "/good.yml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("FAILED"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("good.yml:5: tracing"));
  r = CheckConfig(dir.path() + "/good.yml", {.ignore_unsupported = true});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(*r, HasSubstr("SUCCESS"));
  EXPECT_THAT(*r, HasSubstr("job \"a\": every 1m, timeout 10s, 3 target(s)"));
  EXPECT_THAT(*r, HasSubstr("WARNING: " + dir.path() + "/good.yml:5: tracing"));

  dir.Write("sd/two.json", "[{\"targets\": [\"a:1\"], \"labls\": {}}]");
  r = CheckConfig(dir.path() + "/good.yml", {.ignore_unsupported = true});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("FAILED"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("unknown field \"labls\""));

  dir.Write("bad.yml", "global:\n  scrape_interval: 1x\n");
  r = CheckConfig(dir.path() + "/bad.yml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("bad.yml:2: global.scrape_interval"));
  EXPECT_FALSE(CheckConfig(dir.path() + "/missing.yml").ok());
}

// Cross-check with the real promtool when present: both accept or both reject.
TEST(CheckConfig, AgreesWithPromtool) {
  if (::access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool not installed";
  TempDir dir;
  const std::pair<const char*, const char*> cases[] = {
      {"ok1.yml", kFull},
      {"ok2.yml", "global: {scrape_interval: 15s}\nscrape_configs:\n  - job_name: x\n    static_configs: [{targets: ['a:1']}]\n"},
      {"bad1.yml", "scrape_configs:\n  - job_name: a\n    scrap_interval: 5s\n"},
      {"bad2.yml", "scrape_configs:\n  - job_name: a\n  - job_name: a\n"},
      {"bad3.yml", "scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 6s\n"},
      {"bad4.yml", "scrape_configs:\n  - job_name: a\n    relabel_configs: [{action: hashmod, target_label: x}]\n"},
      {"bad5.yml", "global: {scrape_interval: 1x}\n"},
  };
  for (const auto& [name, yaml] : cases) {
    std::string text = yaml;
    if (std::string(name) == "ok1.yml") {
      // promtool checks that referenced files exist; point them at real ones.
      dir.Write("pw", "secret");
      text = std::string(kFull);
      text.replace(text.find("secrets/pw"), 10, "pw");
      text.replace(text.find("/etc/ca.pem"), 11, dir.path() + "/pw");
      // Debian's promtool is 2.42: it predates these two fields (Prometheus 2.49).
      for (std::string line : {"    enable_compression: false\n",
                               "    scrape_protocols: [PrometheusText0.0.4]\n"}) {
        text.erase(text.find(line), line.size());
      }
    }
    dir.Write(name, text);
    std::string path = dir.path() + "/" + name;
    int rc = std::system(("/usr/bin/promtool check config --syntax-only " + path + " >/dev/null 2>&1").c_str());
    bool ours = LoadConfigFile(path).ok();
    EXPECT_EQ(ours, rc == 0) << name << ": " << LoadConfigFile(path).status();
  }
}

}  // namespace
}  // namespace promlet::config

namespace promlet::config {
namespace {

// Mutated configs and target-group files: loading returns ok or an error, never crashes.
TEST(ConfigFuzz, MutatedInputsNeverCrash) {
  const std::string seeds[] = {
      kFull,
      "global: {scrape_interval: 15s, external_labels: {a: b}}\nscrape_configs:\n"
      "  - job_name: x\n    static_configs: [{targets: ['a:1'], labels: {k: v}}]\n",
  };
  const std::string alphabet = "{}[]:,-'\"\n #&*!|>%@`\\abc019smh.";
  std::mt19937 rng(777);
  for (int iter = 0; iter < 500; ++iter) {
    std::string s = seeds[iter % 2];
    for (int k = 0, n = 1 + rng() % 3; k < n; ++k) {
      size_t pos = rng() % (s.size() + 1);
      switch (rng() % 3) {
        case 0:
          if (pos < s.size()) s.erase(pos, 1 + rng() % 4);
          break;
        case 1: s.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        case 2:
          if (pos < s.size()) s[pos] = static_cast<char>(rng() % 256);
          break;
      }
    }
    (void)LoadConfigString(s, "fuzz.yml");
    (void)ParseTargetGroups(s, "fuzz.yml");
    (void)ParseTargetGroups(s, "fuzz.json");
  }
  const std::string json_seed = R"([{"targets": ["a:1", "b:2"], "labels": {"env": "prod"}}])";
  for (int iter = 0; iter < 500; ++iter) {
    std::string s = json_seed;
    size_t pos = rng() % (s.size() + 1);
    if (rng() % 2 && pos < s.size()) {
      s[pos] = alphabet[rng() % alphabet.size()];
    } else {
      s.insert(pos, 1, alphabet[rng() % alphabet.size()]);
    }
    (void)ParseTargetGroups(s, "fuzz.json");
  }
}

// Issue 15 item 1: rule_files are globs resolved against the config file's directory; only the
// last path component may hold a wildcard; the global rule defaults are read.
TEST(Config, RuleFilesAndRuleDefaults) {
  auto c = LoadConfigString(
      "global: {evaluation_interval: 30s, rule_query_offset: 10s}\n"
      "rule_files: ['rules/*.yml', '/abs/r.yml']\n",
      "/etc/prom/p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.evaluation_interval_ms, 30000);
  EXPECT_EQ(c->global.rule_query_offset_ms, 10000);
  EXPECT_EQ(c->rule_files, (std::vector<std::string>{"/etc/prom/rules/*.yml", "/abs/r.yml"}));
  auto d = LoadConfigString("global: {evaluation_interval: 0s}\n", "p.yml");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->global.evaluation_interval_ms, 60000);
  EXPECT_TRUE(LoadConfigString("", "p.yml")->rule_files.empty());
  auto bad = LoadConfigString("scrape_configs: []\nrule_files: ['a/*/r.yml']\n", "p.yml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("p.yml:2: rule_files[0]: invalid rule file path \"a/*/r.yml\""));
  auto typo = LoadConfigString("rule_files: a.yml\n", "p.yml");
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(std::string(typo.status().message()), HasSubstr("p.yml:1: rule_files"));
}

}  // namespace
}  // namespace promlet::config
