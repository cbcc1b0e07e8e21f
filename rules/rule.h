// Rule: what recording and alerting rules share (Prometheus' rules.Rule), the alert record that
// leaves rules/ through NotifyFunc, and the query function rules evaluate with.
//
// Invariants: times are Unix nanoseconds, 0 meaning "never" (Go's zero time.Time); a rule's
// status (health, last error, last evaluation, evaluation time) is written only by its group's
// evaluation and read under the rule's mutex, so the API may read it at any time.
#ifndef PROMLET_RULES_RULE_H_
#define PROMLET_RULES_RULE_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/labels.h"
#include "promql/ast.h"
#include "promql/engine/engine.h"

namespace promlet::rules {

enum class AlertState { kInactive, kPending, kFiring };
// "inactive", "pending", "firing", as the API and the alertstate label show them.
std::string_view AlertStateName(AlertState s);

// One alert of an alerting rule, as Prometheus' rules.Alert.
struct Alert {
  AlertState state = AlertState::kInactive;
  model::Labels labels;       // the sample's labels without __name__, rule labels, alertname
  model::Labels annotations;  // expanded templates
  double value = 0;
  int64_t active_at_ns = 0;
  int64_t fired_at_ns = 0;
  int64_t resolved_at_ns = 0;
  int64_t last_sent_at_ns = 0;
  int64_t valid_until_ns = 0;
  int64_t keep_firing_since_ns = 0;
};

// Alerts to send, with the rule's expression (for generatorURL). Called from the group's
// evaluation thread after each alerting rule's evaluation, with the alerts that need sending
// (firing ones every resend delay, resolved ones as they resolve); never blocks for long.
using NotifyFunc = std::function<void(std::string_view expr, const std::vector<Alert>& alerts)>;

// Evaluates an instant query at t_ms and returns its samples (a scalar becomes one sample with
// empty labels; a string or matrix is the error "rule result is not a vector or scalar").
using QueryFunc =
    std::function<absl::StatusOr<promql::Vector>(const promql::Expr& expr, int64_t t_ms)>;

// The QueryFunc of an engine over a queryable (Prometheus' EngineQueryFunc).
QueryFunc EngineQueryFunc(const promql::Engine* engine, storage::Queryable* queryable);

// Labels from name/value pairs, sorted by name (the last of a repeated name wins), keeping
// empty values: Prometheus' labels.FromMap and ScratchBuilder keep them (rule labels and
// annotations in the API, annotations of alerts and notifications), where
// model::Labels::FromUnsorted drops them.
model::Labels LabelsKeepingEmpty(std::vector<model::Label> pairs);

enum class RuleHealth { kUnknown, kGood, kBad };
std::string_view RuleHealthName(RuleHealth h);  // "unknown", "ok", "err"

struct RuleStatus {
  RuleHealth health = RuleHealth::kUnknown;
  std::string last_error;
  int64_t last_evaluation_ns = 0;  // wall clock at the start of the last evaluation
  int64_t evaluation_ns = 0;       // how long it took
};

class Rule {
 public:
  virtual ~Rule() = default;
  virtual bool is_alerting() const = 0;
  const std::string& name() const { return name_; }
  const promql::Expr& expr() const { return *expr_; }
  // The expression printed as Prometheus' String() (API "query", notifications).
  const std::string& query() const { return query_; }
  const model::Labels& labels() const { return labels_; }

  // Evaluates at ts_ns (the group's slot) minus query_offset; `limit` > 0 bounds the output.
  // The result is what the group appends to storage. Errors leave the rule's status to the
  // caller (SetStatus).
  virtual absl::StatusOr<promql::Vector> Eval(int64_t ts_ns, int64_t query_offset_ms,
                                              const QueryFunc& query, int64_t limit) = 0;

  RuleStatus status() const {
    std::lock_guard<std::mutex> lock(status_mu_);
    return status_;
  }
  void SetStatus(RuleStatus s) {
    std::lock_guard<std::mutex> lock(status_mu_);
    status_ = std::move(s);
  }
  // Rule identity across reloads (Prometheus' nameAndLabels): name + labels.
  std::string identity() const { return name_ + labels_.ToString(); }

 protected:
  Rule(std::string name, promql::ExprPtr expr, model::Labels labels);

  std::string name_;
  promql::ExprPtr expr_;
  std::string query_;
  model::Labels labels_;

 private:
  mutable std::mutex status_mu_;
  RuleStatus status_;
};

}  // namespace promlet::rules

#endif  // PROMLET_RULES_RULE_H_
