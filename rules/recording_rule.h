// RecordingRule: evaluates its expression and renames the result (Prometheus' RecordingRule):
// every output sample gets __name__ = the rule's name and the rule's labels (set over the
// sample's own).
//
// Invariants: an output never holds two samples with the same labels (that is the error
// "vector contains metrics with the same labelset after applying rule labels"); with a limit,
// more output series than the limit is the error "exceeded limit of N with M series".
#ifndef PROMLET_RULES_RECORDING_RULE_H_
#define PROMLET_RULES_RECORDING_RULE_H_

#include "rules/rule.h"

namespace promlet::rules {

class RecordingRule : public Rule {
 public:
  RecordingRule(std::string name, promql::ExprPtr expr, model::Labels labels)
      : Rule(std::move(name), std::move(expr), std::move(labels)) {}
  bool is_alerting() const override { return false; }
  absl::StatusOr<promql::Vector> Eval(int64_t ts_ns, int64_t query_offset_ms,
                                      const QueryFunc& query, int64_t limit) override;
};

}  // namespace promlet::rules

#endif  // PROMLET_RULES_RECORDING_RULE_H_
