// Hooks: what the API shows that lives outside promql and the storage interface: scrape
// targets and metadata, rule groups and alerts, the notifier's Alertmanagers, the loaded config, the head's statistics, admin actions on the
// database. The binary (cmd/) adapts the scrape manager and the DB to these, so web depends on
// neither scrape nor tsdb's head and DB (arrows: web -> promql, storage; cmd -> everything).
//
// Every hook may be left empty; the API then answers with an empty but well-formed result (or
// "unavailable" for admin actions).
#ifndef PROMLET_WEB_API_V1_HOOKS_H_
#define PROMLET_WEB_API_V1_HOOKS_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/labels.h"
#include "model/matcher.h"

namespace promlet::web {

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

// /api/v1/alertmanagers: the notifier's Alertmanagers, by URL.
struct AlertmanagersView {
  std::vector<std::string> active;
  std::vector<std::string> dropped;
};

struct TargetSource {
  std::function<std::vector<ActiveTargetView>()> active;
  std::function<std::vector<DroppedTargetView>()> dropped;
  std::function<std::vector<std::string>()> scrape_pools;
  std::function<std::vector<TargetMetadataView>()> metadata;
  // The notifier's targets (cmd adapts notifier::Manager).
  std::function<AlertmanagersView()> alertmanagers;
};

// /api/v1/status/tsdb: the head's figures; each list sorted by count descending, at most the
// asked number of entries long.
struct TsdbStatusView {
  struct Entry {
    std::string name;
    uint64_t value;
  };
  uint64_t num_series = 0;
  uint64_t num_label_pairs = 0;
  uint64_t chunk_count = 0;
  int64_t min_time = std::numeric_limits<int64_t>::max();  // max int64 when empty
  int64_t max_time = std::numeric_limits<int64_t>::min();  // min int64 when empty
  std::vector<Entry> series_count_by_metric_name;
  std::vector<Entry> label_value_count_by_label_name;
  std::vector<Entry> memory_in_bytes_by_label_name;
  std::vector<Entry> series_count_by_label_value_pair;
};

// Status pages.
struct RuntimeStatus {
  // /api/v1/status/tsdb with at most `limit` entries per list.
  std::function<TsdbStatusView(size_t limit)> tsdb_status;
  std::function<std::string()> config_yaml;          // /api/v1/status/config
  std::function<bool()> reload_config_success;
  std::function<int64_t()> last_config_time_unix_ms;
  std::function<int64_t()> corruption_count;
  // /api/v1/status/walreplay: min, max, current segment.
  std::function<std::vector<int64_t>()> wal_replay;
};

// /api/v1/rules and /api/v1/alerts, read from the rule manager (rules/). Times are Unix
// nanoseconds, 0 meaning never; durations are seconds.
struct AlertView {
  model::Labels labels;
  model::Labels annotations;
  std::string state;  // "pending", "firing"
  int64_t active_at_ns = 0;
  int64_t keep_firing_since_ns = 0;  // 0: not keeping
  double value = 0;
};

struct RuleView {
  bool alerting = false;
  std::string name;
  std::string query;
  double duration_seconds = 0;         // alerting: `for`
  double keep_firing_for_seconds = 0;  // alerting
  model::Labels labels;
  model::Labels annotations;     // alerting
  std::string state;             // alerting: "inactive", "pending", "firing"
  std::vector<AlertView> alerts;  // alerting: the active alerts
  std::string health = "unknown";  // "ok", "err", "unknown"
  std::string last_error;
  double evaluation_seconds = 0;
  int64_t last_evaluation_ns = 0;
};

struct RuleGroupView {
  std::string name;
  std::string file;
  double interval_seconds = 0;
  int64_t limit = 0;
  double evaluation_seconds = 0;
  int64_t last_evaluation_ns = 0;
  std::vector<RuleView> rules;
};

struct RuleSource {
  // Groups sorted by file then name, every rule with its alerts.
  std::function<std::vector<RuleGroupView>()> groups;
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

}  // namespace promlet::web

#endif  // PROMLET_WEB_API_V1_HOOKS_H_
