// AlertingRule: Prometheus' alerting-rule state machine. Each evaluation's samples become alerts
// keyed by their labels (sample labels without __name__, the rule's expanded labels, alertname):
// new ones start pending (activeAt = the evaluation time), pending ones fire once `for` has
// elapsed, firing ones that stop being produced keep firing for keep_firing_for and then
// resolve; resolved alerts are kept 15 minutes (so that Alertmanager hears of the resolution)
// and pending ones that stop are dropped. The output is one ALERTS and one ALERTS_FOR_STATE
// sample per pending or firing alert, once the rule's `for` state has been restored.
//
// Invariants: active alerts have distinct label sets; labels and annotations are expanded with
// rules::ExpandTemplate, a template error becoming "<error expanding template: ...>"; errors
// use Prometheus' texts ("vector contains metrics with the same labelset after applying alert
// labels", "exceeded limit of N with M alerts", which also clears the active alerts). The
// state is guarded by the rule's own mutex so the API may read it during evaluation.
#ifndef PROMLET_RULES_ALERTING_RULE_H_
#define PROMLET_RULES_ALERTING_RULE_H_

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "rules/rule.h"
#include "rules/rule_file.h"

namespace promlet::rules {

// What templates see besides the alert: --web.external-url and the global external labels.
struct AlertContext {
  std::map<std::string, std::string> external_labels;
  std::string external_url;
};

inline constexpr int64_t kResolvedRetentionNs = 15LL * 60 * 1000000000;

class AlertingRule : public Rule {
 public:
  AlertingRule(std::string name, promql::ExprPtr expr, int64_t hold_ms, int64_t keep_firing_for_ms,
               model::Labels labels, StringPairs annotations, AlertContext context, bool restored);
  bool is_alerting() const override { return true; }
  absl::StatusOr<promql::Vector> Eval(int64_t ts_ns, int64_t query_offset_ms,
                                      const QueryFunc& query, int64_t limit) override;

  // Prometheus' sendAlerts: the alerts that need sending (not pending; resolved since last
  // sent, or last sent more than resend_delay ago) get lastSentAt = ts and validUntil =
  // ts + 4 * max(resend_delay, interval) and are passed to `notify` (if any).
  void SendAlerts(int64_t ts_ns, int64_t resend_delay_ns, int64_t interval_ns,
                  const NotifyFunc& notify);

  int64_t hold_ms() const { return hold_ms_; }
  int64_t keep_firing_for_ms() const { return keep_firing_for_ms_; }
  const StringPairs& annotations() const { return annotations_; }
  // The highest state among the rule's alerts.
  AlertState state() const;
  // Alerts not resolved, sorted by labels.
  std::vector<Alert> ActiveAlerts() const;
  // Calls fn on each alert (resolved ones included) under the rule's mutex.
  void ForEachActiveAlert(const std::function<void(Alert&)>& fn);
  bool restored() const;
  void SetRestored(bool restored);
  // Replaces the alerts with `from`'s (a reload keeping the state of an unchanged rule).
  void CopyAlertsFrom(const AlertingRule& from);

 private:
  promql::Sample AlertsSample(const Alert& a, int64_t t_ms, std::string_view metric,
                              double v) const;

  int64_t hold_ms_;
  int64_t keep_firing_for_ms_;
  StringPairs annotations_;
  AlertContext context_;
  mutable std::mutex mu_;
  std::map<model::Labels, Alert> active_;
  bool restored_;
};

}  // namespace promlet::rules

#endif  // PROMLET_RULES_ALERTING_RULE_H_
