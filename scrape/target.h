// Target: one scrape endpoint as the manager and /api/v1/targets see it.
//
// A target is identified by its scrape pool (job name) and its full label set after target
// relabeling, which still holds the "__"-prefixed labels that shape the request (__address__,
// __scheme__, __metrics_path__, __param_<name>, __scrape_interval__, __scrape_timeout__).
// relabel.h's PublicTargetLabels() strips those, as Prometheus does for series and the API.
//
// Invariants: TargetStatus is a plain snapshot (copied out under the loop's lock); times are
// wall-clock; a never-scraped target has health kUnknown and last_scrape == epoch.
#ifndef PROMLET_SCRAPE_TARGET_H_
#define PROMLET_SCRAPE_TARGET_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "model/labels.h"

namespace promlet::scrape {

enum class TargetHealth { kUnknown, kUp, kDown };
// "unknown", "up", "down" as /api/v1/targets shows them.
std::string_view TargetHealthName(TargetHealth h);

// What /api/v1/targets shows for an active target.
struct TargetStatus {
  std::string scrape_pool;
  std::string scrape_url;
  std::string global_url;          // scrape_url with the host as seen from other machines
  model::Labels labels;             // without "__" labels
  model::Labels discovered_labels;  // before relabeling
  TargetHealth health = TargetHealth::kUnknown;
  std::string last_error;
  std::chrono::system_clock::time_point last_scrape{};  // epoch when never scraped
  double last_scrape_duration_seconds = 0;
  std::chrono::milliseconds scrape_interval{0};
  std::chrono::milliseconds scrape_timeout{0};
  // Counters for diagnostics and the scale bench (not in Prometheus' API).
  uint64_t scrapes = 0;
  uint64_t missed_scrapes = 0;  // ticks skipped because the previous scrape was still running
  uint64_t last_samples_scraped = 0;
  // Samples the storage refused, summed over scrapes (Prometheus' global
  // prometheus_target_scrapes_sample_{out_of_order,duplicate_timestamp,out_of_bounds}_total
  // are these summed over targets). The scrape itself stays up.
  uint64_t samples_out_of_order = 0;
  uint64_t samples_duplicate = 0;
  uint64_t samples_out_of_bounds = 0;
};

// What /api/v1/targets shows for a target that relabeling dropped.
struct DroppedTarget {
  std::string scrape_pool;
  model::Labels discovered_labels;
};

// A scrape URL split for the HTTP client (the URL itself comes from relabel.h's TargetUrl()).
struct ScrapeEndpoint {
  std::string scheme;          // http / https
  std::string host;            // without IPv6 brackets
  std::string port;            // may be empty (scheme default)
  std::string path_and_query;  // "/metrics?a=b"
};
// Splits "scheme://host[:port]/path?query"; errors name the URL and what is wrong.
absl::StatusOr<ScrapeEndpoint> ParseScrapeUrl(std::string_view url);

// A stable hash of a target (labels and URL) for its scrape offset within the interval.
uint64_t TargetHash(const model::Labels& labels, std::string_view url);

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_TARGET_H_
