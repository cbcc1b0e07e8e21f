// What the API shows that lives outside promql and tsdb: scrape targets and metadata, the
// loaded config, admin actions on the database. The binary adapts the scrape manager and the DB
// to these (the API must not depend on scrape: module arrows are api -> promql -> tsdb).
//
// Every hook may be left empty; the API then answers with an empty but well-formed result (or
// "unavailable" for admin actions).
#ifndef PROMLET_API_SOURCES_H_
#define PROMLET_API_SOURCES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/labels.h"
#include "model/matcher.h"

namespace promlet::api {

struct ActiveTargetView {
  std::string scrape_pool;
  std::string scrape_url;
  std::string global_url;
  model::Labels labels;
  model::Labels discovered_labels;
  std::string health = "unknown";  // "up", "down", "unknown"
  std::string last_error;
  int64_t last_scrape_unix_nanos = 0;  // 0: never scraped
  double last_scrape_duration_seconds = 0;
  int64_t scrape_interval_ms = 0;
  int64_t scrape_timeout_ms = 0;
};

struct DroppedTargetView {
  std::string scrape_pool;
  model::Labels discovered_labels;
};

struct MetadataView {
  std::string metric;  // metric family name
  std::string type;    // "counter", "gauge", "histogram", "summary", "info", "stateset", "unknown"
  std::string help;
  std::string unit;
};

struct TargetMetadataView {
  model::Labels target;
  std::vector<MetadataView> metadata;
};

struct TargetSource {
  std::function<std::vector<ActiveTargetView>()> active;
  std::function<std::vector<DroppedTargetView>()> dropped;
  std::function<std::vector<std::string>()> scrape_pools;
  std::function<std::vector<TargetMetadataView>()> metadata;
};

// Status pages.
struct RuntimeStatus {
  std::function<std::string()> config_yaml;          // /api/v1/status/config
  std::function<bool()> reload_config_success;
  std::function<int64_t()> last_config_time_unix_ms;
  std::function<int64_t()> corruption_count;
  // /api/v1/status/walreplay: min, max, current segment.
  std::function<std::vector<int64_t>()> wal_replay;
};

// Admin API (--web.enable-admin-api), implemented by the DB.
struct AdminHooks {
  std::function<absl::Status(const std::vector<std::vector<model::Matcher>>& selectors,
                             int64_t mint, int64_t maxt)>
      delete_series;
  std::function<absl::Status()> clean_tombstones;
  // Returns the snapshot directory name (under <data>/snapshots).
  std::function<absl::StatusOr<std::string>(bool skip_head)> snapshot;
};

}  // namespace promlet::api

#endif  // PROMLET_API_SOURCES_H_
