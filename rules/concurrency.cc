#include "rules/concurrency.h"

#include <functional>
#include <optional>

#include "model/labels.h"
#include "promql/ast.h"

namespace promlet::rules {
namespace {

// Calls fn on every vector selector of `e` (those inside matrix selectors and subqueries too).
void ForEachVectorSelector(const promql::Expr& e,
                           const std::function<void(const promql::VectorSelector&)>& fn) {
  using promql::NodeKind;
  switch (e.kind) {
    case NodeKind::kVectorSelector:
      fn(static_cast<const promql::VectorSelector&>(e));
      return;
    case NodeKind::kMatrixSelector:
      ForEachVectorSelector(*static_cast<const promql::MatrixSelector&>(e).vector_selector, fn);
      return;
    case NodeKind::kSubquery:
      ForEachVectorSelector(*static_cast<const promql::SubqueryExpr&>(e).expr, fn);
      return;
    case NodeKind::kAggregate: {
      const auto& a = static_cast<const promql::AggregateExpr&>(e);
      if (a.param) ForEachVectorSelector(*a.param, fn);
      ForEachVectorSelector(*a.expr, fn);
      return;
    }
    case NodeKind::kBinary: {
      const auto& b = static_cast<const promql::BinaryExpr&>(e);
      ForEachVectorSelector(*b.lhs, fn);
      ForEachVectorSelector(*b.rhs, fn);
      return;
    }
    case NodeKind::kCall:
      for (const promql::ExprPtr& arg : static_cast<const promql::Call&>(e).args) {
        ForEachVectorSelector(*arg, fn);
      }
      return;
    case NodeKind::kUnary:
      ForEachVectorSelector(*static_cast<const promql::UnaryExpr&>(e).expr, fn);
      return;
    case NodeKind::kParen:
      ForEachVectorSelector(*static_cast<const promql::ParenExpr&>(e).expr, fn);
      return;
    case NodeKind::kStepInvariant:
      ForEachVectorSelector(*static_cast<const promql::StepInvariantExpr&>(e).expr, fn);
      return;
    case NodeKind::kNumberLiteral:
    case NodeKind::kStringLiteral:
      return;
  }
}

const model::Matcher* FindMatcher(const promql::VectorSelector& vs, std::string_view name) {
  for (const model::Matcher& m : vs.matchers) {
    if (m.name() == name) return &m;
  }
  return nullptr;
}

}  // namespace

std::vector<RuleDependencyInfo> AnalyseRuleDependencies(
    const std::vector<std::unique_ptr<Rule>>& rules) {
  const size_t n = rules.size();
  std::vector<RuleDependencyInfo> out(n);
  if (n <= 1) {
    // No relationships in a group of one rule (Prometheus' empty, not nil, map).
    for (RuleDependencyInfo& d : out) d = {true, true};
    return out;
  }
  std::vector<bool> has_dependency(n, false), has_dependent(n, false);
  bool indeterminate = false;
  for (size_t i = 0; i < n && !indeterminate; ++i) {
    ForEachVectorSelector(rules[i]->expr(), [&](const promql::VectorSelector& vs) {
      // The parser puts __name__="name" among the matchers when the name is written outside.
      const model::Matcher* name = FindMatcher(vs, model::kMetricName);
      if (name == nullptr) {
        indeterminate = true;
        return;
      }
      const bool reads_alerts = name->Matches("ALERTS") || name->Matches("ALERTS_FOR_STATE");
      const model::Matcher* alertname = reads_alerts ? FindMatcher(vs, "alertname") : nullptr;
      for (size_t j = 0; j < i; ++j) {
        const std::string& other = rules[j]->name();
        bool depends = name->Matches(other);
        if (!depends && reads_alerts && rules[j]->is_alerting()) {
          depends = alertname == nullptr || alertname->Matches(other);
        }
        if (depends) {
          has_dependent[j] = true;
          has_dependency[i] = true;
        }
      }
    });
  }
  if (indeterminate) return std::vector<RuleDependencyInfo>(n);
  for (size_t i = 0; i < n; ++i) out[i] = {!has_dependency[i], !has_dependent[i]};
  return out;
}

std::vector<std::vector<size_t>> SplitIntoBatches(const std::vector<RuleDependencyInfo>& deps) {
  std::vector<size_t> no_dependencies, no_dependents;
  std::vector<std::vector<size_t>> out;
  std::vector<std::vector<size_t>> middle;
  for (size_t i = 0; i < deps.size(); ++i) {
    if (deps[i].no_dependency_rules) {
      no_dependencies.push_back(i);
    } else if (!deps[i].no_dependent_rules) {
      middle.push_back({i});
    } else {
      no_dependents.push_back(i);
    }
  }
  if (!no_dependencies.empty()) out.push_back(std::move(no_dependencies));
  for (auto& one : middle) out.push_back(std::move(one));
  if (!no_dependents.empty()) out.push_back(std::move(no_dependents));
  return out;
}

}  // namespace promlet::rules
