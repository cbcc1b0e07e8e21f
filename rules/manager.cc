#include "rules/manager.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "promql/parser/parser.h"
#include "rules/recording_rule.h"

namespace promlet::rules {
namespace {

model::Labels ToLabels(const StringPairs& pairs) {
  std::vector<model::Label> v;
  for (const auto& [k, val] : pairs) v.push_back({k, val});
  return LabelsKeepingEmpty(std::move(v));
}

bool SameRule(const RuleSpec& a, const RuleSpec& b) {
  return a.record == b.record && a.alert == b.alert && a.expr == b.expr && a.for_ms == b.for_ms &&
         a.keep_firing_for_ms == b.keep_firing_for_ms && a.labels == b.labels &&
         a.annotations == b.annotations;
}

// Prometheus' Group.Equals: same name, file, interval, limit, query offset and rules.
bool SameGroup(const Group& a, const Group& b) {
  if (a.name() != b.name() || a.file() != b.file() || a.interval_ms() != b.interval_ms() ||
      a.limit() != b.limit() || a.query_offset_ms() != b.query_offset_ms() ||
      a.spec().labels != b.spec().labels || a.spec().rules.size() != b.spec().rules.size()) {
    return false;
  }
  for (size_t i = 0; i < a.spec().rules.size(); ++i) {
    if (!SameRule(a.spec().rules[i], b.spec().rules[i])) return false;
  }
  return true;
}

int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::vector<std::shared_ptr<Group>> BuildGroups(const std::vector<RuleFileSpec>& files,
                                                const RuleFilesConfig& config,
                                                const GroupDeps* deps, bool restored) {
  std::vector<std::shared_ptr<Group>> out;
  for (const RuleFileSpec& f : files) {
    for (const RuleGroupSpec& g : f.groups) {
      std::vector<std::unique_ptr<Rule>> rules;
      for (const RuleSpec& r : g.rules) {
        absl::StatusOr<promql::ExprPtr> expr = promql::ParseExpr(r.expr);
        if (!expr.ok()) continue;  // validated before; cannot happen
        if (r.is_alert()) {
          rules.push_back(std::make_unique<AlertingRule>(r.alert, std::move(*expr), r.for_ms,
                                                         r.keep_firing_for_ms,
                                                         ToLabels(MergedLabels(g, r)),
                                                         r.annotations, config.context, restored));
        } else {
          rules.push_back(
              std::make_unique<RecordingRule>(r.record, std::move(*expr), ToLabels(MergedLabels(g, r))));
        }
      }
      out.push_back(std::make_shared<Group>(
          g.name, f.path, g.interval_ms > 0 ? g.interval_ms : config.evaluation_interval_ms,
          g.limit, g.query_offset_ms.value_or(config.query_offset_ms), std::move(rules), deps,
          !restored, g));
    }
  }
  return out;
}

Manager::Manager(GroupDeps deps) : deps_(std::move(deps)) {}

Manager::~Manager() { Stop(); }

absl::Status Manager::Update(const RuleFilesConfig& config, bool run) {
  std::lock_guard<std::mutex> update_lock(update_mu_);
  std::vector<std::string> errors;
  std::vector<RuleFileSpec> files;
  for (const std::string& path : ExpandRuleFiles(config.globs)) {
    files.push_back(LoadRuleFile(path, &errors));
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  bool restored;
  std::map<std::string, std::shared_ptr<Group>> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    restored = restored_;
    old = groups_;
  }
  // A change of external labels or URL changes what templates render: rebuild every group.
  const bool context_changed = config.context.external_labels != config_.context.external_labels ||
                               config.context.external_url != config_.context.external_url;
  std::map<std::string, std::shared_ptr<Group>> next;
  for (std::shared_ptr<Group>& g : BuildGroups(files, config, &deps_, restored)) {
    const std::string key = g->key();
    if (next.count(key) != 0) continue;  // same name twice in a file is a validation error
    auto found = old.find(key);
    if (found != old.end() && !context_changed && SameGroup(*found->second, *g)) {
      next[key] = found->second;
      old.erase(found);
      continue;
    }
    if (found != old.end()) {
      found->second->Stop();
      g->CopyState(*found->second);
      old.erase(found);
    }
    if (run) g->Run();
    next[key] = std::move(g);
  }
  for (auto& [key, g] : old) {
    g->Stop();
    g->MarkAllStale(deps_.now_ns ? deps_.now_ns() : WallNs());
  }
  std::lock_guard<std::mutex> lock(mu_);
  groups_ = std::move(next);
  config_ = config;
  restored_ = true;
  return absl::OkStatus();
}

void Manager::Stop() {
  std::map<std::string, std::shared_ptr<Group>> groups;
  {
    std::lock_guard<std::mutex> lock(mu_);
    groups = groups_;
  }
  for (auto& [key, g] : groups) g->Stop();
}

std::vector<std::shared_ptr<Group>> Manager::Groups() const {
  std::vector<std::shared_ptr<Group>> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, g] : groups_) out.push_back(g);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a->file() != b->file()) return a->file() < b->file();
    return a->name() < b->name();
  });
  return out;
}

std::vector<prometheus::MetricFamily> Manager::Metrics() const {
  struct Spec {
    const char* name;
    const char* help;
    prometheus::MetricType type;
    double (*value)(const Group&);
  };
  static const Spec kSpecs[] = {
      {"prometheus_rule_evaluations_total", "The total number of rule evaluations.",
       prometheus::MetricType::Counter,
       [](const Group& g) { return static_cast<double>(g.counters().evaluations.load()); }},
      {"prometheus_rule_evaluation_failures_total", "The total number of rule evaluation failures.",
       prometheus::MetricType::Counter,
       [](const Group& g) { return static_cast<double>(g.counters().evaluation_failures.load()); }},
      {"prometheus_rule_group_iterations_total",
       "The total number of scheduled rule group evaluations, whether executed or missed.",
       prometheus::MetricType::Counter,
       [](const Group& g) { return static_cast<double>(g.counters().iterations.load()); }},
      {"prometheus_rule_group_iterations_missed_total",
       "The total number of rule group evaluations missed due to slow rule group evaluation.",
       prometheus::MetricType::Counter,
       [](const Group& g) { return static_cast<double>(g.counters().iterations_missed.load()); }},
      {"prometheus_rule_group_interval_seconds", "The interval of a rule group.",
       prometheus::MetricType::Gauge,
       [](const Group& g) { return static_cast<double>(g.interval_ms()) / 1e3; }},
      {"prometheus_rule_group_last_duration_seconds",
       "The duration of the last rule group evaluation.", prometheus::MetricType::Gauge,
       [](const Group& g) {
         return static_cast<double>(g.counters().last_duration_ns.load()) / 1e9;
       }},
      {"prometheus_rule_group_last_rule_duration_sum_seconds",
       "The sum of time in seconds it took to evaluate each rule in the group regardless of "
       "concurrency. This should be higher than the group duration if rules are evaluated "
       "concurrently.",
       prometheus::MetricType::Gauge,
       [](const Group& g) {
         return static_cast<double>(g.counters().last_rule_duration_sum_ns.load()) / 1e9;
       }},
      {"prometheus_rule_group_last_evaluation_timestamp_seconds",
       "The timestamp of the last rule group evaluation in seconds.", prometheus::MetricType::Gauge,
       // As Prometheus: the wall-clock start of the last evaluation, not its slot.
       [](const Group& g) {
         return static_cast<double>(g.counters().last_evaluation_ns.load()) / 1e9;
       }},
      {"prometheus_rule_group_last_evaluation_samples",
       "The number of samples returned during the last rule group evaluation.",
       prometheus::MetricType::Gauge,
       [](const Group& g) { return static_cast<double>(g.counters().last_samples.load()); }},
      {"prometheus_rule_group_rules", "The number of rules.", prometheus::MetricType::Gauge,
       [](const Group& g) { return static_cast<double>(g.rules().size()); }},
  };
  const std::vector<std::shared_ptr<Group>> groups = Groups();
  std::vector<prometheus::MetricFamily> out;
  for (const Spec& spec : kSpecs) {
    prometheus::MetricFamily f;
    f.name = spec.name;
    f.help = spec.help;
    f.type = spec.type;
    for (const auto& g : groups) {
      prometheus::ClientMetric m;
      m.label.push_back({"rule_group", g->key()});
      const double v = spec.value(*g);
      if (spec.type == prometheus::MetricType::Counter) {
        m.counter.value = v;
      } else {
        m.gauge.value = v;
      }
      f.metric.push_back(std::move(m));
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace promlet::rules
