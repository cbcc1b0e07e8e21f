#include "rules/recording_rule.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "promql/parser/parser.h"

namespace promlet::rules {

std::string_view AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kInactive:
      break;
  }
  return "inactive";
}

std::string_view RuleHealthName(RuleHealth h) {
  switch (h) {
    case RuleHealth::kGood:
      return "ok";
    case RuleHealth::kBad:
      return "err";
    case RuleHealth::kUnknown:
      break;
  }
  return "unknown";
}

Rule::Rule(std::string name, promql::ExprPtr expr, model::Labels labels)
    : name_(std::move(name)),
      expr_(std::move(expr)),
      query_(promql::Print(*expr_)),
      labels_(std::move(labels)) {}

model::Labels LabelsKeepingEmpty(std::vector<model::Label> pairs) {
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const model::Label& a, const model::Label& b) { return a.name < b.name; });
  std::vector<model::Label> out;
  out.reserve(pairs.size());
  for (model::Label& l : pairs) {
    if (!out.empty() && out.back().name == l.name) {
      out.back() = std::move(l);
    } else {
      out.push_back(std::move(l));
    }
  }
  return model::Labels::FromSorted(std::move(out));
}

QueryFunc EngineQueryFunc(const promql::Engine* engine, storage::Queryable* queryable) {
  return [engine, queryable](const promql::Expr& expr,
                             int64_t t_ms) -> absl::StatusOr<promql::Vector> {
    absl::StatusOr<promql::Result> r = engine->InstantQuery(*queryable, expr, t_ms);
    if (!r.ok()) return r.status();
    if (auto* v = std::get_if<promql::Vector>(&r->value)) return std::move(*v);
    if (auto* s = std::get_if<promql::Scalar>(&r->value)) {
      return promql::Vector{promql::Sample{model::Labels(), s->t, s->v}};
    }
    return absl::InvalidArgumentError("rule result is not a vector or scalar");
  };
}

absl::StatusOr<promql::Vector> RecordingRule::Eval(int64_t ts_ns, int64_t query_offset_ms,
                                                   const QueryFunc& query, int64_t limit) {
  absl::StatusOr<promql::Vector> v = query(*expr_, ts_ns / 1000000 - query_offset_ms);
  if (!v.ok()) return v.status();
  model::LabelsBuilder lb;
  absl::flat_hash_set<model::Labels> seen;
  for (promql::Sample& s : *v) {
    lb.Reset(s.labels);
    lb.Set(model::kMetricName, name_);
    for (const model::Label& l : labels_) lb.Set(l.name, l.value);
    s.labels = lb.Build();
    if (!seen.insert(s.labels).second) {
      return absl::FailedPreconditionError(
          "vector contains metrics with the same labelset after applying rule labels");
    }
  }
  if (limit > 0 && static_cast<int64_t>(v->size()) > limit) {
    return absl::FailedPreconditionError(
        absl::StrCat("exceeded limit of ", limit, " with ", v->size(), " series"));
  }
  return v;
}

}  // namespace promlet::rules
