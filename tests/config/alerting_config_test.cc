// config/alerting_config.h: the `alerting` section, its defaults, strictness and errors.
#include "config/alerting_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "config/config.h"
#include "tests/config/temp_dir.h"

namespace promlet::config {
namespace {

using ::testing::HasSubstr;

constexpr char kAlerting[] = R"(global:
  external_labels: {region: eu}
alerting:
  alert_relabel_configs:
    - action: labeldrop
      regex: replica
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:9093', 'am2:9093']
          labels: {dc: a}
      file_sd_configs:
        - files: [am/*.json]
          refresh_interval: 1m
      scheme: https
      path_prefix: /am
      timeout: 3s
      api_version: v2
      basic_auth: {username: u, password: secretpw}
      tls_config: {insecure_skip_verify: true}
      follow_redirects: false
      relabel_configs:
        - source_labels: [dc]
          regex: b
          action: drop
      alert_relabel_configs:
        - target_label: via
          replacement: am
    - static_configs: [{targets: ['am3:9093']}]
)";

TEST(AlertingConfig, ParsesEveryFieldWithDefaults) {
  auto c = LoadConfigString(kAlerting, "/etc/p/p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  const AlertingConfig& a = c->alerting;
  ASSERT_EQ(a.alert_relabel_configs.size(), 1u);
  EXPECT_EQ(a.alert_relabel_configs[0].action, model::RelabelAction::kLabelDrop);
  ASSERT_EQ(a.alertmanagers.size(), 2u);
  const AlertmanagerConfig& am = a.alertmanagers[0];
  EXPECT_EQ(am.scheme, "https");
  EXPECT_EQ(am.path_prefix, "/am");
  EXPECT_EQ(am.timeout_ms, 3000);
  EXPECT_EQ(am.api_version, "v2");
  ASSERT_EQ(am.static_configs.size(), 1u);
  ASSERT_EQ(am.static_configs[0].targets.size(), 2u);
  EXPECT_EQ(am.static_configs[0].targets[0].Get("__address__"), "127.0.0.1:9093");
  EXPECT_EQ(am.static_configs[0].labels.Get("dc"), "a");
  ASSERT_EQ(am.file_sd_configs.size(), 1u);
  EXPECT_EQ(am.file_sd_configs[0].files[0], "/etc/p/am/*.json");
  EXPECT_EQ(am.file_sd_configs[0].refresh_interval_ms, 60000);
  ASSERT_TRUE(am.http_client.basic_auth.has_value());
  EXPECT_EQ(am.http_client.basic_auth->password, "secretpw");
  EXPECT_TRUE(am.http_client.tls_config.insecure_skip_verify);
  EXPECT_FALSE(am.http_client.follow_redirects);
  EXPECT_EQ(am.relabel_configs.size(), 1u);
  EXPECT_EQ(am.alert_relabel_configs.size(), 1u);
  // Defaults of the second set: http, no prefix, timeout left to the notifier, v2.
  const AlertmanagerConfig& d = a.alertmanagers[1];
  EXPECT_EQ(d.scheme, "http");
  EXPECT_EQ(d.path_prefix, "");
  EXPECT_FALSE(d.timeout_ms.has_value());
  EXPECT_EQ(d.api_version, "v2");
  EXPECT_TRUE(d.http_client.follow_redirects);
  // status/config shows the section with the password redacted.
  EXPECT_THAT(c->yaml, HasSubstr("alertmanagers"));
  EXPECT_THAT(c->yaml, HasSubstr("password: <secret>"));
  EXPECT_THAT(c->yaml, ::testing::Not(HasSubstr("secretpw")));
}

TEST(AlertingConfig, EmptyAndNullSectionsAreValid) {
  for (const char* yaml : {"alerting:\n", "alerting: {}\n", "alerting:\n  alertmanagers: []\n"}) {
    auto c = LoadConfigString(yaml, "p.yml");
    ASSERT_TRUE(c.ok()) << yaml << c.status();
    EXPECT_TRUE(c->alerting.alertmanagers.empty());
  }
}

TEST(AlertingConfig, ErrorsNameFileLineAndField) {
  struct Case {
    const char* yaml;
    const char* want;
  } cases[] = {
      {"alerting:\n  alertmanager: []\n", "p.yml:2: alerting.alertmanager: unknown field"},
      {"alerting:\n  alertmanagers:\n    - api_version: v1\n",
       "p.yml:3: alerting.alertmanagers[0].api_version: expected Alertmanager api version to be "
       "one of [v2] but got v1 (Alertmanager API v1 was removed"},
      {"alerting:\n  alertmanagers:\n    - api_version: v3\n",
       "alerting.alertmanagers[0].api_version: expected Alertmanager api version to be one of "
       "[v2] but got v3"},
      {"alerting:\n  alertmanagers:\n    - scheme: ftp\n",
       "p.yml:3: alerting.alertmanagers[0].scheme: scheme \"ftp\" is not supported"},
      {"alerting:\n  alertmanagers:\n    - timeout: 10\n", "alerting.alertmanagers[0].timeout"},
      {"alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['http://am:9093']}]\n",
       "\"http://am:9093\" is not a valid hostname"},
      {"alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['a:1']}]\n"
       "      pathprefix: /x\n",
       "p.yml:4: alerting.alertmanagers[0].pathprefix: unknown field"},
      {"alerting:\n  alert_relabel_configs:\n    - action: keep\n      regex: '('\n",
       "alerting.alert_relabel_configs[0].regex"},
      {"alerting:\n  alertmanagers:\n    - basic_auth: {username: u}\n"
       "      authorization: {credentials: c}\n",
       "at most one of basic_auth"},
      {"alerting:\n  alertmanagers:\n    -\n",
       "alerting.alertmanagers[0]: empty alertmanager config"},
      {"alerting: [1]\n", "p.yml:1: alerting: expected a mapping"},
  };
  for (const Case& c : cases) {
    auto r = LoadConfigString(c.yaml, "p.yml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.want)) << c.yaml;
  }
}

TEST(AlertingConfig, OtherDiscoveriesAreUnsupportedAndSigv4IsNeverIgnored) {
  const char* consul =
      "alerting:\n  alertmanagers:\n    - consul_sd_configs: [{server: 'localhost:8500'}]\n";
  auto r = LoadConfigString(consul, "p.yml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("p.yml:3: alerting.alertmanagers[0].consul_sd_configs: not supported by "
                        "promlet (service discovery"));
  auto ignored = LoadConfigString(consul, "p.yml", {.ignore_unsupported = true});
  ASSERT_TRUE(ignored.ok()) << ignored.status();
  EXPECT_EQ(ignored->warnings.size(), 1u);
  for (const char* field :
       {"sigv4: {region: eu-west-1}", "oauth2: {client_id: a}", "proxy_url: http://p:3128"}) {
    auto s = LoadConfigString(std::string("alerting:\n  alertmanagers:\n    - ") + field + "\n",
                              "p.yml", {.ignore_unsupported = true});
    ASSERT_FALSE(s.ok()) << field;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr("alerting.alertmanagers[0]."))
        << field;
  }
}

// `promlet check config` checks the Alertmanagers' TLS files and file_sd files as promtool does.
TEST(AlertingConfig, CheckConfigReadsAlertmanagerFiles) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() + "/am");
  dir.Write("p.yml",
            "alerting:\n  alertmanagers:\n    - file_sd_configs: [{files: ['am/*.json', "
            "'none/*.yml']}]\n");
  dir.Write("am/one.json", R"([{"targets": ["am:9093"]}])");
  auto r = CheckConfig(dir.path() + "/p.yml");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(*r, HasSubstr("SUCCESS"));
  EXPECT_THAT(*r, HasSubstr("WARNING: file \"" + dir.path() +
                            "/none/*.yml\" for file_sd in alertmanager config does not exist"));
  dir.Write("am/two.json", R"([{"targets": ["am:9093"], "labls": {}}])");
  r = CheckConfig(dir.path() + "/p.yml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("FAILED: alerting.alertmanagers[0]: checking SD file"));
  dir.Write("tls.yml",
            "alerting:\n  alertmanagers:\n    - tls_config: {ca_file: /nonexistent/ca.pem}\n");
  r = CheckConfig(dir.path() + "/tls.yml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("error checking file \"/nonexistent/ca.pem\": file does not exist"));
}

}  // namespace
}  // namespace promlet::config
