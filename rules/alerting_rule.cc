#include "rules/alerting_rule.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "promql/parser/parser.h"
#include "rules/template/template.h"

namespace promlet::rules {
namespace {

constexpr std::string_view kAlertName = "alertname";
constexpr std::string_view kAlertState = "alertstate";

std::map<std::string, std::string> ToMap(const model::Labels& ls) {
  std::map<std::string, std::string> m;
  for (const model::Label& l : ls) m.emplace(l.name, l.value);
  return m;
}

}  // namespace

AlertingRule::AlertingRule(std::string name, promql::ExprPtr expr, int64_t hold_ms,
                           int64_t keep_firing_for_ms, model::Labels labels,
                           StringPairs annotations, AlertContext context, bool restored)
    : Rule(std::move(name), std::move(expr), std::move(labels)),
      hold_ms_(hold_ms),
      keep_firing_for_ms_(keep_firing_for_ms),
      annotations_(std::move(annotations)),
      context_(std::move(context)),
      restored_(restored) {}

absl::StatusOr<promql::Vector> AlertingRule::Eval(int64_t ts_ns, int64_t query_offset_ms,
                                                  const QueryFunc& query, int64_t limit) {
  const int64_t ts_ms = ts_ns / 1000000;
  absl::StatusOr<promql::Vector> res = query(*expr_, ts_ms - query_offset_ms);
  if (!res.ok()) return res.status();

  const std::string tmpl_name = "__alert_" + name_;
  TemplateData data;
  data.external_labels = context_.external_labels;
  data.external_url = context_.external_url;
  data.eval_time_ms = ts_ms;
  data.query = [&query, ts_ms](std::string_view text) -> absl::StatusOr<std::vector<QuerySample>> {
    absl::StatusOr<promql::ExprPtr> e = promql::ParseExpr(text);
    if (!e.ok()) return e.status();
    absl::StatusOr<promql::Vector> v = query(**e, ts_ms);
    if (!v.ok()) return v.status();
    std::vector<QuerySample> out;
    for (promql::Sample& s : *v) out.push_back(QuerySample{std::move(s.labels), s.v});
    return out;
  };
  auto expand = [&](const std::string& text) {
    absl::StatusOr<std::string> r = ExpandTemplate(tmpl_name, text, data);
    if (r.ok()) return *std::move(r);
    PROMLET_LOG_WARN("Expanding alert template failed", "alert", name_, "err",
                     r.status().message());
    return absl::StrCat("<error expanding template: ", r.status().message(), ">");
  };

  std::map<model::Labels, Alert> alerts;
  model::LabelsBuilder lb;
  for (const promql::Sample& s : *res) {
    data.labels = ToMap(s.labels);
    data.value = s.v;
    lb.Reset(s.labels);
    lb.Del(model::kMetricName);
    for (const model::Label& l : labels_) lb.Set(l.name, expand(l.value));
    lb.Set(kAlertName, name_);
    std::vector<model::Label> ann;
    for (const auto& [k, v] : annotations_) ann.push_back({k, expand(v)});
    Alert a;
    a.labels = lb.Build();
    a.annotations = LabelsKeepingEmpty(std::move(ann));
    a.active_at_ns = ts_ns;
    a.state = AlertState::kPending;
    a.value = s.v;
    if (alerts.count(a.labels) != 0) {
      return absl::FailedPreconditionError(
          "vector contains metrics with the same labelset after applying alert labels");
    }
    model::Labels key = a.labels;
    alerts.emplace(std::move(key), std::move(a));
  }

  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [lbs, a] : alerts) {
    auto it = active_.find(lbs);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = std::move(a.annotations);
      continue;
    }
    active_[lbs] = std::move(a);
  }

  promql::Vector vec;
  int64_t active_pending = 0;
  const int64_t hold_ns = hold_ms_ * 1000000;
  const int64_t keep_ns = keep_firing_for_ms_ * 1000000;
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    if (alerts.count(it->first) == 0) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && keep_ns > 0) {
        if (a.keep_firing_since_ns == 0) a.keep_firing_since_ns = ts_ns;
        keep_firing = ts_ns - a.keep_firing_since_ns < keep_ns;
      }
      // Pending alerts that stop are forgotten; resolved ones after the retention.
      if (a.state == AlertState::kPending ||
          (a.resolved_at_ns != 0 && ts_ns - a.resolved_at_ns > kResolvedRetentionNs)) {
        it = active_.erase(it);
        continue;
      }
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ns = ts_ns;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since_ns = 0;
    }
    ++active_pending;
    if (a.state == AlertState::kPending && ts_ns - a.active_at_ns >= hold_ns) {
      a.state = AlertState::kFiring;
      a.fired_at_ns = ts_ns;
    }
    if (restored_) {
      const int64_t t = ts_ms - query_offset_ms;
      vec.push_back(AlertsSample(a, t, "ALERTS", 1));
      // Go's ActiveAt.Unix(): whole seconds, rounded down.
      int64_t secs = a.active_at_ns / 1000000000;
      if (a.active_at_ns < 0 && a.active_at_ns % 1000000000 != 0) --secs;
      vec.push_back(AlertsSample(a, t, "ALERTS_FOR_STATE", static_cast<double>(secs)));
    }
    ++it;
  }
  if (limit > 0 && active_pending > limit) {
    active_.clear();
    return absl::FailedPreconditionError(
        absl::StrCat("exceeded limit of ", limit, " with ", active_pending, " alerts"));
  }
  return vec;
}

promql::Sample AlertingRule::AlertsSample(const Alert& a, int64_t t_ms, std::string_view metric,
                                          double v) const {
  model::LabelsBuilder lb(labels_);
  for (const model::Label& l : a.labels) lb.Set(l.name, l.value);
  lb.Set(model::kMetricName, metric);
  lb.Set(kAlertName, name_);
  if (metric == "ALERTS") lb.Set(kAlertState, AlertStateName(a.state));
  return promql::Sample{lb.Build(), t_ms, v};
}

void AlertingRule::SendAlerts(int64_t ts_ns, int64_t resend_delay_ns, int64_t interval_ns,
                              const NotifyFunc& notify) {
  std::vector<Alert> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [lbs, a] : active_) {
      if (a.state == AlertState::kPending) continue;
      // Resolved since last sent, or due for a resend.
      const bool needs =
          a.resolved_at_ns > a.last_sent_at_ns || a.last_sent_at_ns + resend_delay_ns < ts_ns;
      if (!needs) continue;
      a.last_sent_at_ns = ts_ns;
      // Allow for two evaluation or Alertmanager send failures.
      a.valid_until_ns = ts_ns + 4 * std::max(resend_delay_ns, interval_ns);
      out.push_back(a);
    }
  }
  if (notify) notify(query_, out);
}

AlertState AlertingRule::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  AlertState s = AlertState::kInactive;
  for (const auto& [lbs, a] : active_) s = std::max(s, a.state);
  return s;
}

std::vector<Alert> AlertingRule::ActiveAlerts() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Alert> out;
  for (const auto& [lbs, a] : active_) {
    if (a.resolved_at_ns == 0) out.push_back(a);
  }
  return out;
}

void AlertingRule::ForEachActiveAlert(const std::function<void(Alert&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [lbs, a] : active_) fn(a);
}

bool AlertingRule::restored() const {
  std::lock_guard<std::mutex> lock(mu_);
  return restored_;
}

void AlertingRule::SetRestored(bool restored) {
  std::lock_guard<std::mutex> lock(mu_);
  restored_ = restored;
}

void AlertingRule::CopyAlertsFrom(const AlertingRule& from) {
  if (&from == this) return;
  std::scoped_lock lock(mu_, from.mu_);
  for (const auto& [lbs, a] : from.active_) active_[lbs] = a;
}

}  // namespace promlet::rules
