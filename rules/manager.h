// Manager: the rule groups of the loaded rule files (Prometheus' rules.Manager). Update loads
// every file the rule_files globs match and swaps the groups in: a group whose definition did
// not change keeps running untouched; a changed group replaces the old one and takes over the
// state of its unchanged rules (alerts, previous series); a removed group stops and its series
// are marked stale. Any error in any file refuses the whole update and the old groups keep
// running.
//
// Invariants: groups are keyed by (file, name); each runs on its own thread until Stop();
// the first Update restores `for` state (the groups' second evaluation) and later ones do not,
// as in Prometheus. Group snapshots handed out stay valid (shared ownership) after a reload.
#ifndef PROMLET_RULES_MANAGER_H_
#define PROMLET_RULES_MANAGER_H_

#include <prometheus/metric_family.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "rules/alerting_rule.h"
#include "rules/group.h"

namespace promlet::rules {

struct RuleFilesConfig {
  std::vector<std::string> globs;          // config's rule_files (absolute)
  int64_t evaluation_interval_ms = 60000;  // global.evaluation_interval
  int64_t query_offset_ms = 0;             // global.rule_query_offset
  AlertContext context;                    // external labels and URL for templates
};

class Manager {
 public:
  explicit Manager(GroupDeps deps);
  ~Manager();

  // Loads the rule files and applies them (see the file comment). With `run` false the groups
  // are built but not started (tests drive Group::Eval themselves).
  absl::Status Update(const RuleFilesConfig& config, bool run = true);
  void Stop();

  // Groups sorted by file, then name, as Prometheus' RuleGroups().
  std::vector<std::shared_ptr<Group>> Groups() const;
  // prometheus_rule_* self metrics, one series per group labelled rule_group="file;name".
  std::vector<prometheus::MetricFamily> Metrics() const;

 private:
  GroupDeps deps_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Group>> groups_;  // by Group::key()
  RuleFilesConfig config_;
  bool restored_ = false;
  // Serialises updates (SIGHUP and /-/reload may race).
  std::mutex update_mu_;
};

// Builds the groups of parsed rule files (validated: no errors) without starting them.
std::vector<std::shared_ptr<Group>> BuildGroups(const std::vector<RuleFileSpec>& files,
                                                const RuleFilesConfig& config,
                                                const GroupDeps* deps, bool restored);

}  // namespace promlet::rules

#endif  // PROMLET_RULES_MANAGER_H_
