// ScrapeConfig: one entry of prometheus.yml's `scrape_configs`, with Prometheus' field names,
// defaults and validation.
//
// Invariants after parsing: job_name is non-empty; scrape_interval_ms and scrape_timeout_ms are
// resolved (from global when absent) with 0 < timeout <= interval; scheme is http or https and
// metrics_path starts with "/"; scrape_protocols is non-empty (resolved as Prometheus 3 does,
// proto first for a job with scrape_native_histograms) and the limits start from global's; every
// RelabelConfig passed Validate(); the HTTP client settings hold HttpClientConfig's invariants.
// Service discoveries other than static_configs and file_sd_configs, and the scrape settings
// promlet does not implement, are recorded as unsupported.
// ScrapeConfig compares with ==, which the scrape manager uses to keep unchanged jobs running.
#ifndef PROMLET_CONFIG_SCRAPE_CONFIG_H_
#define PROMLET_CONFIG_SCRAPE_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "config/discovery_config.h"
#include "config/global_config.h"
#include "config/http_client_config.h"
#include "model/relabel.h"
#include "config/scrape_protocol.h"

namespace YAML {
class Node;
}

namespace promlet::config {

class Decoder;

struct ScrapeConfig {
  std::string job_name;
  int64_t scrape_interval_ms = 0;  // resolved: never 0 after loading
  int64_t scrape_timeout_ms = 0;   // resolved: never 0, <= scrape_interval_ms
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  std::map<std::string, std::vector<std::string>> params;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool enable_compression = true;
  bool track_timestamps_staleness = false;  // stale markers for series with explicit timestamps
  uint64_t keep_dropped_targets = 0;        // 0 = keep all dropped targets for the API
  // Resolved when absent: global's, else (scrape_native_histograms) proto first, else default.
  std::vector<config::ScrapeProtocol> scrape_protocols;
  std::optional<config::ScrapeProtocol> fallback_scrape_protocol;
  uint64_t sample_limit = 0;  // 0 = no limit, for all limits
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  int64_t body_size_limit_bytes = 0;
  // Native histograms (Prometheus 3 names; the first three default to global's).
  bool scrape_native_histograms = false;
  // Also the classic series of a histogram exposed as native (2.x name scrape_classic_histograms).
  bool always_scrape_classic_histograms = false;
  bool convert_classic_histograms_to_nhcb = false;
  uint64_t native_histogram_bucket_limit = 0;         // 0 = no limit
  double native_histogram_min_bucket_factor = 0;      // 0 = no minimum (>= 0)
  HttpClientConfig http_client;  // inline in the YAML, as Prometheus' HTTPClientConfig
  std::vector<TargetGroup> static_configs;
  std::vector<FileSdConfig> file_sd_configs;
  std::vector<model::RelabelConfig> relabel_configs;
  std::vector<model::RelabelConfig> metric_relabel_configs;

  friend bool operator==(const ScrapeConfig&, const ScrapeConfig&) = default;
};

// Reads the `scrape_configs` list of the top-level mapping `root`, with `g` for the defaults;
// job names must be unique.
absl::Status ParseScrapeConfigs(const Decoder& d, const YAML::Node& root, const GlobalConfig& g,
                                std::vector<ScrapeConfig>* out);
// Reads one `scrape_configs` entry, mapping `n` at `path`.
absl::Status ParseScrapeConfig(const Decoder& d, const YAML::Node& n, std::string_view path,
                               const GlobalConfig& g, ScrapeConfig* c);

// A `scrape_protocols` list (in global or a scrape config): non-empty, known names, no repeats.
absl::Status ParseScrapeProtocols(const Decoder& d, const YAML::Node& n, std::string_view path,
                                  std::string_view key, std::vector<config::ScrapeProtocol>* out);

}  // namespace promlet::config

#endif  // PROMLET_CONFIG_SCRAPE_CONFIG_H_
