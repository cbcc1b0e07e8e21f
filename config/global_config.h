// GlobalConfig: prometheus.yml's `global` section, the defaults every other section starts from.
//
// Invariants after parsing: scrape_interval_ms > 0; 0 < scrape_timeout_ms <= scrape_interval_ms
// (an absent scrape_timeout is min(10s, scrape_interval), as Prometheus); external_labels are
// valid label names with UTF-8 values and never hold __name__; scrape_protocols is empty (not
// configured) or without repeats. Settings promlet does not implement (query_log_file,
// ...) are recorded as unsupported. evaluation_interval (> 0; 0 reads as the 1m default) and rule_query_offset are the
// rule groups' defaults.
#ifndef PROMLET_CONFIG_GLOBAL_CONFIG_H_
#define PROMLET_CONFIG_GLOBAL_CONFIG_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "config/scrape_protocol.h"
#include "model/labels.h"

namespace YAML {
class Node;
}

namespace promlet::config {

class Decoder;

struct GlobalConfig {
  int64_t scrape_interval_ms = 60 * 1000;
  int64_t scrape_timeout_ms = 10 * 1000;
  int64_t evaluation_interval_ms = 60 * 1000;  // rule groups without their own interval
  int64_t rule_query_offset_ms = 0;            // rule groups without their own query_offset
  model::Labels external_labels;
  // Empty = not configured: each job then picks DefaultScrapeProtocols() or, with
  // scrape_native_histograms, DefaultProtoFirstScrapeProtocols() (Prometheus' nil).
  std::vector<config::ScrapeProtocol> scrape_protocols;
  // Native-histogram defaults of the jobs (Prometheus 3 names and defaults).
  bool scrape_native_histograms = false;
  bool always_scrape_classic_histograms = false;
  bool convert_classic_histograms_to_nhcb = false;
  // Defaults for the per-job limits (Prometheus 2.45+ global limits).
  uint64_t sample_limit = 0;
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  int64_t body_size_limit_bytes = 0;
  uint64_t keep_dropped_targets = 0;
  friend bool operator==(const GlobalConfig&, const GlobalConfig&) = default;
};

// Reads the `global` mapping `n` into `g` (which holds the defaults on entry).
absl::Status ParseGlobalConfig(const Decoder& d, const YAML::Node& n, GlobalConfig* g);

}  // namespace promlet::config

#endif  // PROMLET_CONFIG_GLOBAL_CONFIG_H_
