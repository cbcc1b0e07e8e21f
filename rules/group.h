// Group: a rule group evaluated on its own interval (Prometheus' rules.Group). Rules run in file
// order, each in its own storage batch committed before the next rule runs, so a rule sees the
// output of the rules before it in the same cycle. Series a rule produced in the previous cycle
// and not in this one get a staleness marker.
//
// Slots: evaluations happen at EvalTimestamp-aligned times, base + k * interval + offset with
// offset = hash(name, file) mod interval (Prometheus' xxhash of the labels {file, name}), so the
// phase of a group is the same in every process and across restarts and reloads. A late
// evaluation counts the slots it skipped as missed iterations.
//
// With a RuleConcurrencyController (GroupDeps::concurrency) the rules run in the batches of
// rules/concurrency.h: the rules of a batch may run on threads of their own, bounded
// process-wide by the controller's slots, and a batch ends before the next starts.
//
// Invariants: only the group's thread (or a test calling Eval) starts an evaluation; Run() starts that
// thread and Stop() joins it; the counters are atomics read by the manager's metrics.
#ifndef PROMLET_RULES_GROUP_H_
#define PROMLET_RULES_GROUP_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/labels.h"
#include "rules/concurrency.h"
#include "rules/rule.h"
#include "rules/rule_file.h"
#include "storage/interface.h"

namespace promlet::rules {

// Prometheus' Group.hash(): labels.Hash of {file=<file>, name=<name>}.
uint64_t GroupHash(std::string_view name, std::string_view file);

// What every group of a manager shares.
struct GroupDeps {
  storage::Appendable* appendable = nullptr;
  storage::Queryable* queryable = nullptr;  // for restoring `for` state
  QueryFunc query;
  NotifyFunc notify;                          // may be empty
  int64_t resend_delay_ms = 60 * 1000;        // --rules.alert.resend-delay
  int64_t outage_tolerance_ms = 3600 * 1000;  // --rules.alert.for-outage-tolerance
  int64_t for_grace_period_ms = 600 * 1000;   // --rules.alert.for-grace-period
  std::function<int64_t()> now_ns;            // the clock (tests may fix it); empty = real time
  // --enable-feature=concurrent-rule-eval: the process-wide slots (--rules.max-concurrent-evals)
  // for independent rules evaluated concurrently; null = every group sequential.
  RuleConcurrencyController* concurrency = nullptr;
};

// The figures /metrics shows per group (prometheus_rule_group_*, prometheus_rule_evaluation*).
struct GroupCounters {
  std::atomic<int64_t> evaluations{0};
  std::atomic<int64_t> evaluation_failures{0};
  std::atomic<int64_t> iterations{0};
  std::atomic<int64_t> iterations_missed{0};
  std::atomic<int64_t> last_duration_ns{0};
  std::atomic<int64_t> last_eval_timestamp_ns{0};  // the slot of the last evaluation
  std::atomic<int64_t> last_evaluation_ns{0};      // wall clock when it started
  std::atomic<int64_t> last_samples{0};
  // Sum of the rules' evaluation times in the last evaluation (above last_duration_ns when
  // rules ran concurrently).
  std::atomic<int64_t> last_rule_duration_sum_ns{0};
};

class Group {
 public:
  Group(std::string name, std::string file, int64_t interval_ms, int64_t limit,
        int64_t query_offset_ms, std::vector<std::unique_ptr<Rule>> rules, const GroupDeps* deps,
        bool should_restore, RuleGroupSpec spec = {});
  ~Group();

  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }
  // "file;name", the rule_group label of the self metrics and the manager's key.
  std::string key() const { return file_ + ";" + name_; }
  int64_t interval_ms() const { return interval_ns_ / 1000000; }
  int64_t limit() const { return limit_; }
  int64_t query_offset_ms() const { return query_offset_ms_; }
  const std::vector<std::unique_ptr<Rule>>& rules() const { return rules_; }
  const RuleGroupSpec& spec() const { return spec_; }
  const GroupCounters& counters() const { return counters_; }
  // Per rule: what the dependency analysis proved (see rules/concurrency.h).
  const std::vector<RuleDependencyInfo>& dependencies() const { return dependencies_; }

  // The slot at or before start_ns (Prometheus' Group.EvalTimestamp).
  int64_t EvalTimestamp(int64_t start_ns) const;
  // One evaluation of every rule at slot ts_ns.
  void Eval(int64_t ts_ns);
  // Restores the `for` state of the alerting rules from ALERTS_FOR_STATE as Prometheus does
  // (outage tolerance, grace period), at wall time now_ns.
  void RestoreForState(int64_t now_ns);
  // Takes over the state of `from`, the group this one replaces on reload: the alerts and
  // previous series of rules with the same name and labels, the counters; series of rules that
  // disappeared are marked stale at the next evaluation.
  void CopyState(Group& from);
  // Appends staleness markers at now_ns for every series the group produced last cycle (a group
  // removed by a reload).
  void MarkAllStale(int64_t now_ns);

  void Run();   // starts the evaluation thread
  void Stop();  // stops it and waits for the current evaluation to finish

 private:
  int64_t Now() const;
  void Loop();
  // Waits until wall time t_ns or Stop(); false when stopped.
  bool SleepUntil(int64_t t_ns);
  void Iterate(int64_t ts_ns);
  // Evaluates rule i at slot ts_ns and appends its output; safe to run concurrently for
  // different rules (everything it writes is the rule's own or atomic).
  void EvalRule(size_t i, int64_t ts_ns, std::atomic<int64_t>* samples_total,
                std::atomic<int64_t>* rule_duration_sum);
  void AppendStale(const std::vector<model::Labels>& series, int64_t t_ms);

  std::string name_;
  std::string file_;
  int64_t interval_ns_;
  int64_t limit_;
  int64_t query_offset_ms_;
  std::vector<std::unique_ptr<Rule>> rules_;
  const GroupDeps* deps_;
  bool should_restore_;
  RuleGroupSpec spec_;
  GroupCounters counters_;
  // Per rule: the series it wrote last cycle. Touched by the evaluating thread only.
  std::vector<std::vector<model::Labels>> previous_series_;
  std::vector<model::Labels> stale_series_;  // of rules gone by a reload
  std::vector<RuleDependencyInfo> dependencies_;

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace promlet::rules

#endif  // PROMLET_RULES_GROUP_H_
