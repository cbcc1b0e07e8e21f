// The binary's wiring of rules/: the rule manager over the engine and the storage, fed from the
// loaded config (rule_files, evaluation_interval, rule_query_offset, external labels and URL)
// at start and on every reload, its groups read by /api/v1/rules and /api/v1/alerts through
// web's RuleSource hooks, its prometheus_rule_* families on /metrics.
//
// Invariants: Apply() refuses rule files with errors and keeps the running groups (the error
// lists every problem, one per line); alerts leave through the NotifyFunc given at construction
// (empty: evaluated, shown by the API, not sent); Stop() is called before the storage closes.
#ifndef PROMLET_CMD_RULES_WIRING_H_
#define PROMLET_CMD_RULES_WIRING_H_

#include <prometheus/metric_family.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cmd/flags.h"
#include "config/config.h"
#include "promql/engine/engine.h"
#include "rules/manager.h"
#include "storage/interface.h"
#include "web/api/v1/hooks.h"

namespace promlet::cmd {

class RulesWiring {
 public:
  RulesWiring(const Flags& flags, storage::Storage* storage, const promql::Engine* engine,
              rules::NotifyFunc notify = nullptr);
  // Loads the config's rule files and (re)starts the groups.
  absl::Status Apply(const config::Config& cfg);
  void Stop() { manager_->Stop(); }
  std::vector<prometheus::MetricFamily> Metrics() const { return manager_->Metrics(); }
  web::RuleSource Source() const;
  rules::Manager* manager() { return manager_.get(); }

 private:
  std::string external_url_;
  // Set with --enable-feature=concurrent-rule-eval; outlives the manager's groups.
  std::unique_ptr<rules::RuleConcurrencyController> concurrency_;
  std::unique_ptr<rules::Manager> manager_;
};

// The API's view of the manager's groups (rules/ stays unknown to web/).
std::vector<web::RuleGroupView> RuleGroupViews(const rules::Manager& manager);

}  // namespace promlet::cmd

#endif  // PROMLET_CMD_RULES_WIRING_H_
