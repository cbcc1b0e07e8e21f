// Concurrent rule evaluation (Prometheus 3's `--enable-feature=concurrent-rule-eval`): which
// rules of a group depend on which (Prometheus' buildDependencyMap), how a group's rules split
// into batches that may run concurrently (SplitGroupIntoBatches), and the process-wide bound on
// rules evaluated concurrently (`--rules.max-concurrent-evals`, a try-acquire semaphore).
//
// Invariants: a rule depends on an earlier rule of its group when one of its vector selectors'
// __name__ matcher matches that rule's name, or selects ALERTS / ALERTS_FOR_STATE of an earlier
// alerting rule (by alertname, or any when the selector names none); later rules are never
// dependencies. One selector without a __name__ matcher anywhere in the group makes the group
// indeterminate: no rule is marked independent and the group runs sequentially. Batches keep
// every dependency in an earlier batch than its dependents, so each rule still sees the output
// of the rules it reads; a batch of one rule is evaluated on the group's thread.
#ifndef PROMLET_RULES_CONCURRENCY_H_
#define PROMLET_RULES_CONCURRENCY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "rules/rule.h"

namespace promlet::rules {

// What the analysis proved about one rule (Prometheus' NoDependencyRules/NoDependentRules;
// false when unproven).
struct RuleDependencyInfo {
  bool no_dependency_rules = false;  // reads the output of no earlier rule of the group
  bool no_dependent_rules = false;   // no later rule of the group reads its output
};

// Per rule of `rules`, in order.
std::vector<RuleDependencyInfo> AnalyseRuleDependencies(
    const std::vector<std::unique_ptr<Rule>>& rules);

// Prometheus' concurrentRuleEvalController.SplitGroupIntoBatches: the rules with no
// dependencies (concurrently), then each rule with both dependencies and dependents alone, in
// file order, then the rules with no dependents (concurrently). Indices into the group's rules.
std::vector<std::vector<size_t>> SplitIntoBatches(const std::vector<RuleDependencyInfo>& deps);

// The process-wide slots for rules evaluated off their group's thread.
class RuleConcurrencyController {
 public:
  explicit RuleConcurrencyController(int64_t max_concurrent) : free_(max_concurrent) {}
  // Takes a slot if one is free (never waits).
  bool TryAcquire() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_ <= 0) return false;
    --free_;
    return true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    ++free_;
  }

 private:
  std::mutex mu_;
  int64_t free_;
};

}  // namespace promlet::rules

#endif  // PROMLET_RULES_CONCURRENCY_H_
