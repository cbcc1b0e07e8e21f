#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"

namespace promlet::config {
namespace {

using ::testing::HasSubstr;

TEST(RemoteWriteConfig, DefaultsAndAllFields) {
  auto c = LoadConfigString(R"(remote_write:
  - url: http://127.0.0.1:8428/api/v1/write
  - url: https://mimir.example/api/v1/push
    name: mimir
    remote_timeout: 10s
    headers: {X-Scope-OrgID: tenant-1}
    write_relabel_configs:
      - source_labels: [__name__]
        regex: go_.*
        action: drop
    send_exemplars: true
    basic_auth: {username: u, password: p}
    tls_config: {insecure_skip_verify: true}
    protobuf_message: io.prometheus.write.v2.Request
    queue_config:
      capacity: 500
      min_shards: 2
      max_shards: 4
      max_samples_per_send: 100
      batch_send_deadline: 1s
      min_backoff: 10ms
      max_backoff: 1s
      retry_on_http_429: true
      sample_age_limit: 1h
    metadata_config: {send: false, send_interval: 2m}
)",
                            "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->remote_write_configs.size(), 2u);
  const auto& a = c->remote_write_configs[0];
  EXPECT_EQ(a.remote_timeout_ms, 30000);
  EXPECT_EQ(a.protobuf_message, "prometheus.WriteRequest");
  EXPECT_EQ(a.queue_config, QueueConfig{});
  EXPECT_EQ(a.queue_config.max_samples_per_send, 2000);
  EXPECT_EQ(a.queue_config.batch_send_deadline_ms, 5000);
  const auto& b = c->remote_write_configs[1];
  EXPECT_EQ(b.name, "mimir");
  EXPECT_EQ(b.remote_timeout_ms, 10000);
  ASSERT_EQ(b.headers.size(), 1u);
  EXPECT_EQ(b.headers[0].second, "tenant-1");
  EXPECT_EQ(b.write_relabel_configs.size(), 1u);
  EXPECT_TRUE(b.http_client.basic_auth.has_value());
  EXPECT_TRUE(b.http_client.tls_config.insecure_skip_verify);
  EXPECT_EQ(b.queue_config.capacity, 500);
  EXPECT_EQ(b.queue_config.min_shards, 2);
  EXPECT_EQ(b.queue_config.max_shards, 4);
  EXPECT_EQ(b.queue_config.min_backoff_ms, 10);
  EXPECT_TRUE(b.queue_config.retry_on_http_429);
  EXPECT_EQ(b.queue_config.sample_age_limit_ms, 3600000);
  EXPECT_FALSE(b.metadata_config.send);
  EXPECT_EQ(b.metadata_config.send_interval_ms, 120000);
}

TEST(RemoteWriteConfig, BadSettingsNameTheField) {
  struct Case {
    const char* entry;
    const char* want;
  };
  for (const Case& c : {
           Case{"{urll: http://a/}", "remote_write[0].urll: unknown field"},
           Case{"{name: x}", "url for remote_write is empty"},
           Case{"{url: 'ftp://a/'}", "remote_write[0].url: invalid URL"},
           Case{"{url: 'a:9090/x'}", "remote_write[0].url: invalid URL"},
           Case{"{url: 'http://a/', queue_config: {min_shards: 5, max_shards: 2}}",
                "remote_write[0].queue_config.min_shards: min_shards (5) must not exceed"},
           Case{"{url: 'http://a/', queue_config: {max_samples_per_send: 0}}",
                "queue_config.max_samples_per_send: max_samples_per_send must be between"},
           Case{"{url: 'http://a/', queue_config: {capacity: -1}}", "queue_config.capacity"},
           Case{"{url: 'http://a/', queue_config: {min_backoff: 2s, max_backoff: 1s}}",
                "min_backoff must not exceed max_backoff"},
           Case{"{url: 'http://a/', queue_config: {batch_size: 1}}",
                "queue_config.batch_size: unknown field"},
           Case{"{url: 'http://a/', protobuf_message: foo}", "unknown remote write protobuf"},
           Case{"{url: 'http://a/', headers: {Content-Type: x}}",
                "Content-Type is a reserved header"},
           Case{"{url: 'http://a/', sigv4: {region: x}}",
                "remote_write[0].sigv4: sigv4 is not supported"},
           Case{"{url: 'http://a/', azuread: {cloud: x}}", "azuread is not supported"},
           Case{"{url: 'http://a/', google_iam: {}}", "google_iam is not supported"},
           Case{"{url: 'http://a/', oauth2: {client_id: x}}", "remote_write[0].oauth2"},
           Case{"{url: 'http://a/', proxy_url: 'http://p/'}", "remote_write[0].proxy_url"},
       }) {
    std::string yaml = std::string("remote_write:\n  - ") + c.entry + "\n";
    auto r = LoadConfigString(yaml, "p.yml");
    ASSERT_FALSE(r.ok()) << c.entry;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.want)) << c.entry;
    // Never ignorable: refused even with --config.ignore-unsupported.
    EXPECT_FALSE(LoadConfigString(yaml, "p.yml", {.ignore_unsupported = true}).ok()) << c.entry;
  }
  auto dup = LoadConfigString(
      "remote_write:\n  - {url: 'http://a/', name: x}\n"
      "  - {url: 'http://b/', name: x}\n",
      "p.yml");
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(std::string(dup.status().message()),
              HasSubstr("found multiple remote write configs with job name \"x\""));
}

}  // namespace
}  // namespace promlet::config
