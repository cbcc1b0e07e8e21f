// Relabeling as Prometheus' model/relabel: a list of RelabelConfig rules applied in order to a
// label set; a keep/drop rule may drop the whole set. Also the construction of a scrape
// target's labels from discovered labels (Prometheus' PopulateLabels).
//
// Invariants: a RelabelConfig that passed Validate() has a compiled regex; Process() never
// fails, it only keeps, changes or drops. Regexes are RE2, fully anchored as "^(?s:<regex>)$".
#ifndef PROMLET_SCRAPE_RELABEL_H_
#define PROMLET_SCRAPE_RELABEL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tsdb/labels.h"

namespace re2 {
class RE2;
}

namespace promlet::scrape {

enum class RelabelAction {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};
std::string_view RelabelActionName(RelabelAction a);
// Case-insensitive, as Prometheus: "Replace" == "replace".
absl::StatusOr<RelabelAction> ParseRelabelAction(std::string_view s);

// A compiled, anchored regex; copyable (shares the compiled program).
class RelabelRegex {
 public:
  RelabelRegex();  // the default "(.*)"
  static absl::StatusOr<RelabelRegex> Compile(std::string_view expr);
  const std::string& expr() const { return expr_; }  // as written, unanchored
  bool Match(std::string_view s) const;
  // Matches `s`; on success expands `tmpl` ($1, ${1}, $name, ${name}, $$) as Go's
  // Regexp.ExpandString into *out and returns true.
  bool MatchAndExpand(std::string_view s, std::string_view tmpl, std::string* out) const;
  bool IsDefault() const { return expr_ == "(.*)"; }

 private:
  std::string expr_;
  std::shared_ptr<const re2::RE2> re_;
};

struct RelabelConfig {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  RelabelRegex regex;
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::kReplace;

  // Prometheus' relabel.Config.Validate() checks, with its messages.
  absl::Status Validate() const;
};

// Applies `configs` in order. nullopt: dropped by a keep/drop/keepequal/dropequal rule.
std::optional<tsdb::Labels> Process(const tsdb::Labels& labels,
                                    const std::vector<RelabelConfig>& configs);
// Same on a builder; returns false if dropped (the builder is then unspecified).
bool ProcessBuilder(tsdb::LabelsBuilder* lb, const std::vector<RelabelConfig>& configs);

// --- Target labels (Prometheus' scrape.PopulateLabels) ---

inline constexpr std::string_view kAddressLabel = "__address__";
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
  std::vector<RelabelConfig> relabel_configs;
};

struct PopulatedTarget {
  // Before relabeling: target labels over group labels, plus job, __scrape_interval__,
  // __scrape_timeout__, __metrics_path__, __scheme__, __param_<k> defaults. Shown as
  // "discoveredLabels" in /api/v1/targets.
  tsdb::Labels discovered;
  // After relabeling, __meta_* removed and instance defaulted to __address__; still holds the
  // other "__" labels the scrape needs (__address__, __scheme__, __metrics_path__, __param_*,
  // __scrape_interval__, __scrape_timeout__). Empty if the target was dropped.
  tsdb::Labels labels;
  bool dropped = false;  // relabeled away: a "dropped target"
};

// Builds the labels of one discovered target. An error (no address, invalid address,
// unparsable or zero interval/timeout, timeout > interval) means the target is skipped
// and the error reported, as Prometheus does.
absl::StatusOr<PopulatedTarget> PopulateLabels(const tsdb::Labels& target_labels,
                                               const tsdb::Labels& group_labels,
                                               const TargetDefaults& cfg);

// The labels attached to scraped samples and shown as "labels": all but "__"-prefixed ones.
tsdb::Labels PublicTargetLabels(const tsdb::Labels& populated);

// The scrape URL of a populated target: scheme://address/path?param=v&... (params from the
// __param_* labels, which override the config's first value per name; further values kept).
std::string TargetUrl(const tsdb::Labels& populated,
                      const std::map<std::string, std::vector<std::string>>& params);

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_RELABEL_H_
