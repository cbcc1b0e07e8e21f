// HttpClientConfig inside a scrape config: where each setting lands, relative secret files,
// the bearer_token fold, and the settings refused even with --config.ignore-unsupported.
#include "config/http_client_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "config/config.h"

namespace promlet::config {
namespace {

using ::testing::HasSubstr;

TEST(HttpClientConfig, SettingsLandInTheJobsHttpClient) {
  auto c = LoadConfigString(R"(scrape_configs:
  - job_name: a
    follow_redirects: false
    bearer_token_file: secrets/token
    tls_config: {ca_file: ca.pem, cert_file: /c.pem, key_file: k.pem, server_name: s}
  - job_name: b
    basic_auth: {username: u, password: p}
  - job_name: c
)",
                            "/etc/promlet/p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  const HttpClientConfig& a = c->scrape_configs[0].http_client;
  EXPECT_FALSE(a.follow_redirects);
  EXPECT_FALSE(a.basic_auth.has_value());
  ASSERT_TRUE(a.authorization.has_value());
  EXPECT_EQ(a.authorization->type, "Bearer");
  EXPECT_EQ(a.authorization->credentials, "");
  EXPECT_EQ(a.authorization->credentials_file, "/etc/promlet/secrets/token");
  EXPECT_EQ(a.tls_config.ca_file, "/etc/promlet/ca.pem");
  EXPECT_EQ(a.tls_config.cert_file, "/c.pem");
  EXPECT_EQ(a.tls_config.key_file, "/etc/promlet/k.pem");
  EXPECT_EQ(a.tls_config.server_name, "s");

  const HttpClientConfig& b = c->scrape_configs[1].http_client;
  ASSERT_TRUE(b.basic_auth.has_value());
  EXPECT_EQ(b.basic_auth->username, "u");
  EXPECT_EQ(b.basic_auth->password, "p");
  EXPECT_FALSE(b.authorization.has_value());
  EXPECT_TRUE(b.follow_redirects);

  // Defaults, and == (what a reload compares) sees every field.
  EXPECT_EQ(c->scrape_configs[2].http_client, HttpClientConfig{});
  EXPECT_FALSE(a == HttpClientConfig{});
}

TEST(HttpClientConfig, ErrorsNameTheField) {
  struct Case {
    std::string yaml;
    std::string want;
  } cases[] = {
      {"    follow_redirects: sometimes\n",
       "p.yml:3: scrape_configs[0].follow_redirects: expected true or false"},
      {"    tls_config: {cert_file: /c.pem}\n",
       "p.yml:3: scrape_configs[0].tls_config: exactly one of key or key_file"},
      {"    tls_config: {ca: x}\n", "p.yml:3: scrape_configs[0].tls_config.ca: unknown field"},
      {"    basic_auth: {user: u}\n", "p.yml:3: scrape_configs[0].basic_auth.user: unknown field"},
      {"    authorization: {credentials: a, credentials_file: b}\n",
       "at most one of authorization credentials & credentials_file"},
      {"    authorization: {credentials: a}\n    bearer_token: t\n",
       "authorization is not compatible with bearer_token"},
  };
  for (const Case& c : cases) {
    auto r = LoadConfigString("scrape_configs:\n  - job_name: a\n" + c.yaml, "p.yml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.want)) << c.yaml;
  }
}

// Ignoring these would send requests differently than configured: never ignorable.
TEST(HttpClientConfig, NeverIgnorableFieldsAreRefusedEvenWhenIgnoringUnsupported) {
  for (std::string_view name : HttpClientConfigNeverIgnorableFields()) {
    const std::string field(name);
    auto r =
        LoadConfigString(absl::StrCat("scrape_configs:\n  - job_name: a\n    ", field, ": x\n"),
                         "p.yml", {.ignore_unsupported = true});
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_THAT(std::string(r.status().message()),
                HasSubstr(absl::StrCat("p.yml:3: scrape_configs[0].", field,
                                       ": not supported by promlet (and not ignorable")));
  }
  for (std::string_view name : HttpClientConfigUnsupportedFields()) {
    const std::string field(name);
    auto r =
        LoadConfigString(absl::StrCat("scrape_configs:\n  - job_name: a\n    ", field, ": true\n"),
                         "p.yml", {.ignore_unsupported = true});
    ASSERT_TRUE(r.ok()) << field << ": " << r.status();
    ASSERT_EQ(r->warnings.size(), 1u);
    EXPECT_THAT(r->warnings[0], HasSubstr(absl::StrCat("scrape_configs[0].", field)));
  }
}

// The top-level sections promlet does not implement are refused from one list, each with its
// line, and become warnings with --config.ignore-unsupported.
TEST(Config, EveryUnimplementedSectionIsRefusedOrIgnored) {
  for (const char* section : {"remote_read", "storage",
                              "tracing", "runtime", "otlp", "scrape_config_files"}) {
    const std::string yaml = absl::StrCat("global: {scrape_interval: 5s}\n", section, ": {}\n");
    auto r = LoadConfigString(yaml, "p.yml");
    ASSERT_FALSE(r.ok()) << section;
    EXPECT_THAT(
        std::string(r.status().message()),
        HasSubstr(absl::StrCat("p.yml:2: ", section, ": section not supported by promlet")));
    auto ignored = LoadConfigString(yaml, "p.yml", {.ignore_unsupported = true});
    ASSERT_TRUE(ignored.ok()) << section << ": " << ignored.status();
    ASSERT_EQ(ignored->warnings.size(), 1u) << section;
    EXPECT_THAT(ignored->warnings[0], HasSubstr("(ignored: --config.ignore-unsupported)"));
  }
}

}  // namespace
}  // namespace promlet::config
