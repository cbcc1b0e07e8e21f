#include "cmd/rules_wiring.h"

#include "rules/alerting_rule.h"

namespace promlet::cmd {

RulesWiring::RulesWiring(const Flags& flags, storage::Storage* storage,
                         const promql::Engine* engine, rules::NotifyFunc notify)
    : external_url_(flags.external_url) {
  rules::GroupDeps deps;
  deps.appendable = storage;
  deps.queryable = storage;
  deps.query = rules::EngineQueryFunc(engine, storage);
  deps.notify = std::move(notify);
  deps.resend_delay_ms = flags.rules_resend_delay_ms;
  deps.outage_tolerance_ms = flags.rules_outage_tolerance_ms;
  deps.for_grace_period_ms = flags.rules_for_grace_period_ms;
  if (flags.concurrent_rule_eval) {
    concurrency_ =
        std::make_unique<rules::RuleConcurrencyController>(flags.rules_max_concurrent_evals);
    deps.concurrency = concurrency_.get();
  }
  manager_ = std::make_unique<rules::Manager>(std::move(deps));
}

absl::Status RulesWiring::Apply(const config::Config& cfg) {
  rules::RuleFilesConfig rc;
  rc.globs = cfg.rule_files;
  rc.evaluation_interval_ms = cfg.global.evaluation_interval_ms;
  rc.query_offset_ms = cfg.global.rule_query_offset_ms;
  for (const model::Label& l : cfg.global.external_labels) {
    rc.context.external_labels[l.name] = l.value;
  }
  rc.context.external_url = external_url_;
  return manager_->Update(rc);
}

web::RuleSource RulesWiring::Source() const {
  web::RuleSource src;
  const rules::Manager* m = manager_.get();
  src.groups = [m] { return RuleGroupViews(*m); };
  return src;
}

std::vector<web::RuleGroupView> RuleGroupViews(const rules::Manager& manager) {
  std::vector<web::RuleGroupView> out;
  for (const auto& g : manager.Groups()) {
    web::RuleGroupView gv;
    gv.name = g->name();
    gv.file = g->file();
    gv.interval_seconds = static_cast<double>(g->interval_ms()) / 1e3;
    gv.limit = g->limit();
    gv.evaluation_seconds = static_cast<double>(g->counters().last_duration_ns.load()) / 1e9;
    gv.last_evaluation_ns = g->counters().last_evaluation_ns.load();
    for (const auto& r : g->rules()) {
      web::RuleView rv;
      rv.alerting = r->is_alerting();
      rv.name = r->name();
      rv.query = r->query();
      rv.labels = r->labels();
      const rules::RuleStatus st = r->status();
      rv.health = std::string(rules::RuleHealthName(st.health));
      rv.last_error = st.last_error;
      rv.evaluation_seconds = static_cast<double>(st.evaluation_ns) / 1e9;
      rv.last_evaluation_ns = st.last_evaluation_ns;
      if (rv.alerting) {
        const auto& ar = static_cast<const rules::AlertingRule&>(*r);
        rv.duration_seconds = static_cast<double>(ar.hold_ms()) / 1e3;
        rv.keep_firing_for_seconds = static_cast<double>(ar.keep_firing_for_ms()) / 1e3;
        std::vector<model::Label> ann;
        for (const auto& [k, v] : ar.annotations()) ann.push_back({k, v});
        rv.annotations = rules::LabelsKeepingEmpty(std::move(ann));
        rv.state = std::string(rules::AlertStateName(ar.state()));
        for (const rules::Alert& a : ar.ActiveAlerts()) {
          web::AlertView av;
          av.labels = a.labels;
          av.annotations = a.annotations;
          av.state = std::string(rules::AlertStateName(a.state));
          av.active_at_ns = a.active_at_ns;
          av.keep_firing_since_ns = a.keep_firing_since_ns;
          av.value = a.value;
          rv.alerts.push_back(std::move(av));
        }
      }
      gv.rules.push_back(std::move(rv));
    }
    out.push_back(std::move(gv));
  }
  return out;
}

}  // namespace promlet::cmd
