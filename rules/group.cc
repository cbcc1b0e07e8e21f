#include "rules/group.h"

#include <chrono>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "model/matcher.h"
#include "common/hash.h"
#include "model/value.h"
#include "rules/alerting_rule.h"

namespace promlet::rules {
uint64_t GroupHash(std::string_view name, std::string_view file) {
  // labels.Hash of {file=<file>, name=<name>}: name \xff value \xff, sorted by name.
  return common::XxHash64(
      absl::StrCat("file\xff", std::string(file), "\xffname\xff", std::string(name), "\xff"));
}

Group::Group(std::string name, std::string file, int64_t interval_ms, int64_t limit,
             int64_t query_offset_ms, std::vector<std::unique_ptr<Rule>> rules,
             const GroupDeps* deps, bool should_restore, RuleGroupSpec spec)
    : name_(std::move(name)),
      file_(std::move(file)),
      interval_ns_(interval_ms * 1000000),
      limit_(limit),
      query_offset_ms_(query_offset_ms),
      rules_(std::move(rules)),
      deps_(deps),
      should_restore_(should_restore),
      spec_(std::move(spec)),
      previous_series_(rules_.size()),
      dependencies_(AnalyseRuleDependencies(rules_)) {}

Group::~Group() { Stop(); }

int64_t Group::Now() const {
  if (deps_->now_ns) return deps_->now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t Group::EvalTimestamp(int64_t start_ns) const {
  const int64_t offset =
      static_cast<int64_t>(GroupHash(name_, file_) % static_cast<uint64_t>(interval_ns_));
  const int64_t adj = start_ns - offset;
  int64_t rem = adj % interval_ns_;
  if (rem < 0) rem += interval_ns_;
  return adj - rem + offset;
}

void Group::AppendStale(const std::vector<model::Labels>& series, int64_t t_ms) {
  if (series.empty()) return;
  std::unique_ptr<storage::Appender> app = deps_->appendable->NewAppender();
  for (const model::Labels& l : series) {
    absl::StatusOr<storage::SeriesRef> r = app->Append(0, l, t_ms, model::StaleNaN());
    // Out of order or duplicate: another rule writes the series now; expected, not logged.
    if (!r.ok() && !storage::IsOutOfOrder(r.status()) && !storage::IsDuplicateSample(r.status()) &&
        !storage::IsOutOfBounds(r.status())) {
      PROMLET_LOG_WARN("Adding stale sample failed", "group", name_, "series", l.ToString(), "err",
                       r.status().message());
    }
  }
  if (auto st = app->Commit(); !st.ok()) {
    PROMLET_LOG_WARN("Stale sample appending failed", "group", name_, "err", st.message());
  }
}

void Group::EvalRule(size_t i, int64_t ts_ns, std::atomic<int64_t>* samples_total,
                     std::atomic<int64_t>* rule_duration_sum) {
  const int64_t out_ts_ms = ts_ns / 1000000 - query_offset_ms_;
  {
    Rule& rule = *rules_[i];
    const int64_t start = Now();
    RuleStatus status;
    status.last_evaluation_ns = start;
    counters_.evaluations.fetch_add(1);
    absl::StatusOr<promql::Vector> vec = rule.Eval(ts_ns, query_offset_ms_, deps_->query, limit_);
    if (!vec.ok()) {
      status.health = RuleHealth::kBad;
      status.last_error = std::string(vec.status().message());
      counters_.evaluation_failures.fetch_add(1);
      if (!absl::IsCancelled(vec.status())) {
        PROMLET_LOG_WARN("Evaluating rule failed", "group", name_, "rule", rule.name(), "err",
                         vec.status().message());
      }
      status.evaluation_ns = Now() - start;
      rule_duration_sum->fetch_add(status.evaluation_ns);
      rule.SetStatus(std::move(status));
      return;
    }
    status.health = RuleHealth::kGood;
    samples_total->fetch_add(static_cast<int64_t>(vec->size()));
    if (rule.is_alerting()) {
      static_cast<AlertingRule&>(rule).SendAlerts(ts_ns, deps_->resend_delay_ms * 1000000,
                                                  interval_ns_, deps_->notify);
    }
    std::unique_ptr<storage::Appender> app = deps_->appendable->NewAppender();
    std::vector<model::Labels> returned;
    std::set<model::Labels> returned_set;
    int64_t out_of_order = 0, duplicates = 0, too_old = 0;
    for (const promql::Sample& s : *vec) {
      absl::StatusOr<storage::SeriesRef> r = app->Append(0, s.labels, s.t, s.v);
      if (!r.ok()) {
        status.health = RuleHealth::kBad;
        status.last_error = std::string(r.status().message());
        if (storage::IsOutOfOrder(r.status())) {
          ++out_of_order;
        } else if (storage::IsDuplicateSample(r.status())) {
          ++duplicates;
        } else if (storage::IsOutOfBounds(r.status())) {
          ++too_old;
        } else {
          PROMLET_LOG_WARN("Rule evaluation result discarded", "group", name_, "rule", rule.name(),
                           "err", r.status().message(), "sample", s.labels.ToString());
        }
        continue;
      }
      if (returned_set.insert(s.labels).second) returned.push_back(s.labels);
    }
    if (out_of_order > 0) {
      PROMLET_LOG_WARN("Error on ingesting out-of-order result from rule evaluation", "group",
                       name_, "rule", rule.name(), "num_dropped", out_of_order);
    }
    if (too_old > 0) {
      PROMLET_LOG_WARN("Error on ingesting too old result from rule evaluation", "group", name_,
                       "rule", rule.name(), "num_dropped", too_old);
    }
    if (duplicates > 0) {
      PROMLET_LOG_WARN(
          "Error on ingesting results from rule evaluation with different value "
          "but same timestamp",
          "group", name_, "rule", rule.name(), "num_dropped", duplicates);
    }
    // Series no longer produced get a staleness marker.
    for (const model::Labels& l : previous_series_[i]) {
      if (returned_set.count(l) != 0) continue;
      absl::StatusOr<storage::SeriesRef> r = app->Append(0, l, out_ts_ms, model::StaleNaN());
      if (!r.ok() && !storage::IsOutOfOrder(r.status()) &&
          !storage::IsDuplicateSample(r.status()) && !storage::IsOutOfBounds(r.status())) {
        PROMLET_LOG_WARN("Adding stale sample failed", "group", name_, "rule", rule.name(), "err",
                         r.status().message());
      }
    }
    if (auto st = app->Commit(); !st.ok()) {
      status.health = RuleHealth::kBad;
      status.last_error = std::string(st.message());
      counters_.evaluation_failures.fetch_add(1);
      PROMLET_LOG_WARN("Rule sample appending failed", "group", name_, "rule", rule.name(), "err",
                       st.message());
    } else {
      previous_series_[i] = std::move(returned);
    }
    status.evaluation_ns = Now() - start;
    rule_duration_sum->fetch_add(status.evaluation_ns);
    rule.SetStatus(std::move(status));
  }
}

void Group::Eval(int64_t ts_ns) {
  const int64_t out_ts_ms = ts_ns / 1000000 - query_offset_ms_;
  std::atomic<int64_t> samples_total{0}, rule_duration_sum{0};
  RuleConcurrencyController* ctrl = deps_->concurrency;
  if (ctrl == nullptr) {
    for (size_t i = 0; i < rules_.size(); ++i) {
      EvalRule(i, ts_ns, &samples_total, &rule_duration_sum);
    }
  } else {
    for (const std::vector<size_t>& batch : SplitIntoBatches(dependencies_)) {
      std::vector<std::thread> running;
      for (size_t i : batch) {
        if (batch.size() > 1 && ctrl->TryAcquire()) {
          running.emplace_back([this, i, ts_ns, ctrl, &samples_total, &rule_duration_sum] {
            EvalRule(i, ts_ns, &samples_total, &rule_duration_sum);
            ctrl->Release();
          });
        } else {
          EvalRule(i, ts_ns, &samples_total, &rule_duration_sum);
        }
      }
      // The next batch may read what this one wrote.
      for (std::thread& t : running) t.join();
    }
  }
  counters_.last_samples.store(samples_total.load());
  counters_.last_rule_duration_sum_ns.store(rule_duration_sum.load());
  // Series of rules a reload removed: stale now that their replacements had a cycle to write.
  AppendStale(stale_series_, out_ts_ms);
  stale_series_.clear();
}

void Group::RestoreForState(int64_t now_ns) {
  const int64_t maxt = now_ns / 1000000;
  const int64_t mint = maxt - deps_->outage_tolerance_ms;
  absl::StatusOr<std::unique_ptr<storage::Querier>> q = deps_->queryable->NewQuerier(mint, maxt);
  if (!q.ok()) {
    PROMLET_LOG_ERROR("Failed to get Querier", "group", name_, "err", q.status().message());
    return;
  }
  const int64_t grace_ns = deps_->for_grace_period_ms * 1000000;
  for (const std::unique_ptr<Rule>& r : rules_) {
    if (!r->is_alerting()) continue;
    auto& rule = static_cast<AlertingRule&>(*r);
    const int64_t hold_ns = rule.hold_ms() * 1000000;
    if (hold_ns < grace_ns) {
      // `for` shorter than the grace period: waiting it out from now is enough.
      rule.SetRestored(true);
      continue;
    }
    std::vector<model::Matcher> ms = {
        model::Matcher::MustMake(model::MatchType::kEqual, model::kMetricName, "ALERTS_FOR_STATE"),
        model::Matcher::MustMake(model::MatchType::kEqual, "alertname", rule.name())};
    for (const model::Label& l : rule.labels()) {
      ms.push_back(model::Matcher::MustMake(model::MatchType::kEqual, l.name, l.value));
    }
    std::unique_ptr<storage::SeriesSet> set = (*q)->Select(ms);
    std::map<model::Labels, std::pair<int64_t, double>> last;  // labels without __name__
    while (set->Next()) {
      const storage::Series& s = set->At();
      std::unique_ptr<storage::SampleIterator> it = s.Iterator();
      int64_t t = 0;
      double v = 0;
      bool any = false;
      while (it->Next()) {
        t = it->T();
        v = it->V();
        any = true;
      }
      if (!it->status().ok()) {
        PROMLET_LOG_ERROR("Failed to restore 'for' state", "group", name_, "alert", rule.name(),
                          "err", it->status().message());
        any = false;
      }
      if (!any) continue;
      model::LabelsBuilder lb(s.labels());
      lb.Del(model::kMetricName);
      last[lb.Build()] = {t, v};
    }
    if (!set->status().ok()) {
      PROMLET_LOG_ERROR("Failed to restore 'for' state", "group", name_, "alert", rule.name(),
                        "err", set->status().message());
      return;
    }
    if (last.empty()) continue;
    rule.ForEachActiveAlert([&](Alert& a) {
      auto found = last.find(a.labels);
      if (found == last.end()) return;
      const auto [t, v] = found->second;
      if (model::IsStaleNaN(v)) return;  // the alert was not active
      // Go: time.Unix(t/1000, 0) and time.Unix(int64(v), 0): whole seconds.
      const int64_t down_at = (t / 1000) * 1000000000;
      int64_t restored_active_at = static_cast<int64_t>(v) * 1000000000;
      const int64_t remaining = hold_ns - (down_at - restored_active_at);
      if (remaining <= 0) {
        // Firing when promlet went down: the next evaluation fires it again if still true.
      } else if (remaining < grace_ns) {
        restored_active_at = now_ns + grace_ns - hold_ns;
      } else {
        restored_active_at += now_ns - down_at;
      }
      a.active_at_ns = restored_active_at;
      PROMLET_LOG_DEBUG("'for' state restored", "group", name_, "alert", rule.name(), "labels",
                        a.labels.ToString());
    });
    rule.SetRestored(true);
  }
}

void Group::CopyState(Group& from) {
  counters_.evaluations.store(from.counters_.evaluations.load());
  counters_.evaluation_failures.store(from.counters_.evaluation_failures.load());
  counters_.iterations.store(from.counters_.iterations.load());
  counters_.iterations_missed.store(from.counters_.iterations_missed.load());
  counters_.last_duration_ns.store(from.counters_.last_duration_ns.load());
  counters_.last_eval_timestamp_ns.store(from.counters_.last_eval_timestamp_ns.load());
  counters_.last_evaluation_ns.store(from.counters_.last_evaluation_ns.load());
  counters_.last_samples.store(from.counters_.last_samples.load());
  counters_.last_rule_duration_sum_ns.store(from.counters_.last_rule_duration_sum_ns.load());
  std::map<std::string, std::vector<size_t>> by_identity;
  for (size_t i = 0; i < from.rules_.size(); ++i) {
    by_identity[from.rules_[i]->identity()].push_back(i);
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    auto found = by_identity.find(rules_[i]->identity());
    if (found == by_identity.end() || found->second.empty()) continue;
    const size_t fi = found->second.front();
    found->second.erase(found->second.begin());
    previous_series_[i] = from.previous_series_[fi];
    rules_[i]->SetStatus(from.rules_[fi]->status());
    if (rules_[i]->is_alerting() && from.rules_[fi]->is_alerting()) {
      static_cast<AlertingRule&>(*rules_[i])
          .CopyAlertsFrom(static_cast<const AlertingRule&>(*from.rules_[fi]));
    }
  }
  stale_series_ = from.stale_series_;
  for (auto& [identity, left] : by_identity) {
    for (size_t fi : left) {
      for (const model::Labels& l : from.previous_series_[fi]) stale_series_.push_back(l);
    }
  }
}

void Group::MarkAllStale(int64_t now_ns) {
  std::vector<model::Labels> all = stale_series_;
  for (const auto& s : previous_series_) all.insert(all.end(), s.begin(), s.end());
  AppendStale(all, now_ns / 1000000);
}

void Group::Run() {
  std::lock_guard<std::mutex> lock(run_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Group::Stop() {
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    stopping_ = true;
  }
  run_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Group::SleepUntil(int64_t t_ns) {
  std::unique_lock<std::mutex> lock(run_mu_);
  for (;;) {
    if (stopping_) return false;
    const int64_t now = Now();
    if (now >= t_ns) return true;
    run_cv_.wait_for(lock, std::chrono::nanoseconds(t_ns - now));
  }
}

void Group::Iterate(int64_t ts_ns) {
  counters_.iterations.fetch_add(1);
  const int64_t start = Now();
  Eval(ts_ns);
  counters_.last_duration_ns.store(Now() - start);
  counters_.last_evaluation_ns.store(start);
  counters_.last_eval_timestamp_ns.store(ts_ns);
}

void Group::Loop() {
  int64_t eval_ts = EvalTimestamp(Now()) + interval_ns_;
  if (!SleepUntil(eval_ts)) return;
  Iterate(eval_ts);
  auto next_tick = [&]() -> bool {
    if (!SleepUntil(eval_ts + interval_ns_)) return false;
    const int64_t missed = (Now() - eval_ts) / interval_ns_ - 1;
    if (missed > 0) {
      counters_.iterations_missed.fetch_add(missed);
      counters_.iterations.fetch_add(missed);
    }
    eval_ts += (std::max<int64_t>(missed, 0) + 1) * interval_ns_;
    Iterate(eval_ts);
    return true;
  };
  if (should_restore_) {
    // The first evaluation may run before enough data was scraped and before recording rules
    // wrote their values: restore after the second, as Prometheus does.
    if (!next_tick()) return;
    RestoreForState(Now());
    should_restore_ = false;
  }
  while (next_tick()) {
  }
}

}  // namespace promlet::rules
