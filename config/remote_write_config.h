// RemoteWriteConfig: one entry of prometheus.yml's `remote_write:` list, with Prometheus'
// field names and defaults (config.DefaultRemoteWriteConfig, DefaultQueueConfig,
// DefaultMetadataConfig).
//
// Invariants after parsing: url is an absolute http(s) URL with a host; protobuf_message is
// "prometheus.WriteRequest" or "io.prometheus.write.v2.Request"; queue settings are possible
// (capacity, max_samples_per_send, shards and durations positive, min_shards <= max_shards,
// min_backoff <= max_backoff); names are unique across the list; headers do not set the
// protocol's own headers. Settings that change how requests are authenticated or routed and
// that promlet does not implement (sigv4, azuread, google_iam, oauth2, proxies) refuse the
// config even with --config.ignore-unsupported: never sending unauthenticated by mistake.
#ifndef PROMLET_CONFIG_REMOTE_WRITE_CONFIG_H_
#define PROMLET_CONFIG_REMOTE_WRITE_CONFIG_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "config/http_client_config.h"
#include "model/relabel.h"

namespace YAML {
class Node;
}

namespace promlet::config {

class Decoder;

struct QueueConfig {
  int64_t capacity = 10000;
  int64_t min_shards = 1;
  int64_t max_shards = 50;
  int64_t max_samples_per_send = 2000;
  int64_t batch_send_deadline_ms = 5000;
  int64_t min_backoff_ms = 30;
  int64_t max_backoff_ms = 5000;
  bool retry_on_http_429 = false;
  int64_t sample_age_limit_ms = 0;  // 0: no limit
  friend bool operator==(const QueueConfig&, const QueueConfig&) = default;
};

struct MetadataConfig {
  bool send = true;
  int64_t send_interval_ms = 60000;
  int64_t max_samples_per_send = 500;
  friend bool operator==(const MetadataConfig&, const MetadataConfig&) = default;
};

struct RemoteWriteConfig {
  std::string url;
  std::string name;
  int64_t remote_timeout_ms = 30000;
  std::vector<std::pair<std::string, std::string>> headers;  // sorted by name
  std::vector<model::RelabelConfig> write_relabel_configs;
  bool send_exemplars = false;          // accepted; promlet stores no exemplars yet
  bool send_native_histograms = false;  // native histograms are read from the WAL and sent
  bool round_robin_dns = false;         // accepted; one connection per shard either way
  std::string protobuf_message = "prometheus.WriteRequest";
  HttpClientConfig http_client;
  QueueConfig queue_config;
  MetadataConfig metadata_config;  // accepted; promlet keeps no metadata to send yet
  friend bool operator==(const RemoteWriteConfig&, const RemoteWriteConfig&) = default;
};

// Parses `remote_write:` of the root mapping into *out.
absl::Status ParseRemoteWriteConfigs(const Decoder& d, const YAML::Node& root,
                                     std::vector<RemoteWriteConfig>* out);

}  // namespace promlet::config

#endif  // PROMLET_CONFIG_REMOTE_WRITE_CONFIG_H_
