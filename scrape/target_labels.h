// The construction of a scrape target's labels from discovered labels (Prometheus'
// scrape.PopulateLabels), the public subset attached to samples, and the scrape URL.
//
// Invariants: a populated target that is not dropped has __address__, job and instance; its
// "__"-prefixed labels never reach stored samples (PublicTargetLabels removes them).
#ifndef PROMLET_SCRAPE_TARGET_LABELS_H_
#define PROMLET_SCRAPE_TARGET_LABELS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/labels.h"
#include "model/relabel.h"

namespace promlet::scrape {

using model::kAddressLabel;
inline constexpr std::string_view kSchemeLabel = "__scheme__";
inline constexpr std::string_view kMetricsPathLabel = "__metrics_path__";
inline constexpr std::string_view kScrapeIntervalLabel = "__scrape_interval__";
inline constexpr std::string_view kScrapeTimeoutLabel = "__scrape_timeout__";
inline constexpr std::string_view kParamLabelPrefix = "__param_";
inline constexpr std::string_view kMetaLabelPrefix = "__meta_";
inline constexpr std::string_view kJobLabel = "job";
inline constexpr std::string_view kInstanceLabel = "instance";

// What a scrape config contributes to a target's labels.
struct TargetDefaults {
  std::string job_name;
  int64_t scrape_interval_ms = 60000;
  int64_t scrape_timeout_ms = 10000;
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  std::map<std::string, std::vector<std::string>> params;
  std::vector<model::RelabelConfig> relabel_configs;
};

struct PopulatedTarget {
  // Before relabeling: target labels over group labels, plus job, __scrape_interval__,
  // __scrape_timeout__, __metrics_path__, __scheme__, __param_<k> defaults. Shown as
  // "discoveredLabels" in /api/v1/targets.
  model::Labels discovered;
  // After relabeling, __meta_* removed and instance defaulted to __address__; still holds the
  // other "__" labels the scrape needs (__address__, __scheme__, __metrics_path__, __param_*,
  // __scrape_interval__, __scrape_timeout__). Empty if the target was dropped.
  model::Labels labels;
  bool dropped = false;  // relabeled away: a "dropped target"
};

// Builds the labels of one discovered target. An error (no address, invalid address,
// unparsable or zero interval/timeout, timeout > interval) means the target is skipped
// and the error reported, as Prometheus does.
absl::StatusOr<PopulatedTarget> PopulateLabels(const model::Labels& target_labels,
                                               const model::Labels& group_labels,
                                               const TargetDefaults& cfg);

// The labels attached to scraped samples and shown as "labels": all but "__"-prefixed ones.
model::Labels PublicTargetLabels(const model::Labels& populated);

// The scrape URL of a populated target: scheme://address/path?param=v&... (params from the
// __param_* labels, which override the config's first value per name; further values kept).
std::string TargetUrl(const model::Labels& populated,
                      const std::map<std::string, std::vector<std::string>>& params);

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_TARGET_LABELS_H_
