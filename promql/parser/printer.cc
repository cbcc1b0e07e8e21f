// Printer: the AST back to PromQL in the style of Prometheus' printer.go String() methods
// (what /api/v1/format_query returns). Parenthesised subexpressions are ParenExpr nodes, so the
// output keeps the written grouping and reparses to the same tree.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/duration.h"
#include "common/go_format.h"
#include "model/labels.h"
#include "promql/functions.h"
#include "promql/parser/lex_util.h"
#include "promql/parser/parser.h"

namespace promlet::promql {
namespace {

void PrintTo(const Expr& e, bool duration, std::string* out);


std::string JoinLabels(const std::vector<std::string>& labels) {
  std::vector<std::string> out;
  out.reserve(labels.size());
  for (const auto& l : labels) out.push_back(MaybeQuoteName(l, false));
  return absl::StrJoin(out, ", ");
}

std::string DurationExprString(const Expr& e) {
  std::string out;
  PrintTo(e, /*duration=*/true, &out);
  return out;
}

std::string DurationString(int64_t ms, const std::optional<DurationExpr>& de) {
  if (de && de->expr) return DurationExprString(*de->expr);
  return common::FormatDuration(ms);
}

std::string AtString(const TimeModifiers& time) {
  switch (time.at) {
    case AtModifier::kTimestamp:
      return absl::StrFormat(" @ %.3f", static_cast<double>(time.at_ms) / 1000.0);
    case AtModifier::kStart: return " @ start()";
    case AtModifier::kEnd: return " @ end()";
    case AtModifier::kNone: break;
  }
  return "";
}

std::string OffsetString(const TimeModifiers& time) {
  if (time.offset_expr && time.offset_expr->expr) {
    return absl::StrCat(" offset ", DurationExprString(*time.offset_expr->expr));
  }
  // "-5m" when negative.
  if (time.offset_ms != 0) return absl::StrCat(" offset ", common::FormatDuration(time.offset_ms));
  return "";
}

// Prometheus prints one extended attribute, anchored first.
std::string ExtendedAttribute(bool anchored, bool smoothed) {
  if (anchored) return " anchored";
  if (smoothed) return " smoothed";
  return "";
}

std::string MatcherString(const model::Matcher& m) {
  return absl::StrCat(MaybeQuoteName(m.name(), false),
                      std::string(model::MatchTypeString(m.type())), QuoteString(m.value()));
}

std::string SelectorBody(const VectorSelector& vs) {
  std::vector<std::string> parts;
  for (const auto& m : vs.matchers) {
    if (m.name() == "__name__" && m.type() == model::MatchType::kEqual && m.value() == vs.name &&
        !vs.name.empty()) {
      continue;
    }
    parts.push_back(MatcherString(m));
  }
  std::string name = vs.name;
  if (!name.empty() && !model::IsValidLegacyMetricName(name)) {
    parts.insert(parts.begin(), QuoteString(name));
    name.clear();
  }
  if (parts.empty()) return name;
  std::sort(parts.begin() + ((vs.name.empty() || name == vs.name) ? 0 : 1), parts.end());
  return absl::StrCat(name, "{", absl::StrJoin(parts, ","), "}");
}

// `duration`: e is (part of) a duration expression, where Prometheus drops a unary plus.
void PrintTo(const Expr& e, bool duration, std::string* out) {
  switch (e.kind) {
    case NodeKind::kNumberLiteral: {
      const auto& n = static_cast<const NumberLiteral&>(e);
      if (n.from_duration && std::isfinite(n.value)) {
        double ms = std::round(n.value * 1000.0);
        if (std::fabs(ms) < 9.2e18) {
          *out += common::FormatDuration(static_cast<int64_t>(ms));
          return;
        }
      }
      *out += common::GoFloat(n.value, 'f');
      return;
    }
    case NodeKind::kStringLiteral:
      *out += QuoteString(static_cast<const StringLiteral&>(e).value);
      return;
    case NodeKind::kVectorSelector: {
      const auto& vs = static_cast<const VectorSelector&>(e);
      // Order as printer.go: @, extended attribute, offset.
      *out += SelectorBody(vs);
      *out += AtString(vs.time);
      *out += ExtendedAttribute(vs.anchored, vs.smoothed);
      *out += OffsetString(vs.time);
      return;
    }
    case NodeKind::kMatrixSelector: {
      const auto& ms = static_cast<const MatrixSelector&>(e);
      const auto& vs = static_cast<const VectorSelector&>(*ms.vector_selector);
      *out += SelectorBody(vs);
      // Order as printer.go: range, extended attribute, @, offset.
      absl::StrAppend(out, "[", DurationString(ms.range_ms, ms.range_expr), "]");
      *out += ExtendedAttribute(ms.anchored || vs.anchored, ms.smoothed || vs.smoothed);
      *out += AtString(vs.time);
      *out += OffsetString(vs.time);
      return;
    }
    case NodeKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(e);
      PrintTo(*sq.expr, false, out);
      absl::StrAppend(out, "[", DurationString(sq.range_ms, sq.range_expr), ":");
      if (sq.step_expr || sq.step_ms != 0) *out += DurationString(sq.step_ms, sq.step_expr);
      *out += "]";
      *out += AtString(sq.time);
      *out += OffsetString(sq.time);
      return;
    }
    case NodeKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      *out += AggregateOpName(a.op);
      if (a.without) {
        absl::StrAppend(out, " without (", JoinLabels(a.grouping), ") ");
      } else if (!a.grouping.empty()) {
        absl::StrAppend(out, " by (", JoinLabels(a.grouping), ") ");
      }
      *out += "(";
      if (a.param) {
        PrintTo(*a.param, false, out);
        *out += ", ";
      }
      PrintTo(*a.expr, false, out);
      *out += ")";
      return;
    }
    case NodeKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      if (b.op == BinaryOp::kPow && b.lhs->kind == NodeKind::kNumberLiteral &&
          std::isinf(static_cast<const NumberLiteral&>(*b.lhs).value) &&
          static_cast<const NumberLiteral&>(*b.lhs).value > 0) {
        // The one place printer.go's "+Inf" does not reparse to the same tree: a prefix `+`
        // binds looser than `^`, so "+Inf ^ x" reads as +(Inf ^ x). Print "Inf" here so that
        // parse(print(t)) == t (Prometheus prints "+Inf ^ x", equal in value).
        *out += "Inf";
      } else {
        PrintTo(*b.lhs, duration, out);
      }
      *out += " ";
      *out += BinaryOpString(b.op);
      if (b.return_bool) *out += " bool";
      if (b.matching) {
        const VectorMatching& vm = *b.matching;
        bool grouped = vm.card == Cardinality::kManyToOne || vm.card == Cardinality::kOneToMany;
        if (!vm.matching_labels.empty() || vm.on || grouped) {
          *out += vm.on ? " on (" : " ignoring (";
          *out += JoinLabels(vm.matching_labels) + ")";
          if (grouped) {
            *out += vm.card == Cardinality::kManyToOne ? " group_left (" : " group_right (";
            *out += JoinLabels(vm.include) + ")";
          }
        }
        // printer.go: one " fill (v)" when both sides share the value written once (its
        // FillValues.LHS == RHS pointer test), else fill_left then fill_right; values as "%v".
        if (vm.fill_both && vm.fill_lhs && vm.fill_rhs) {
          absl::StrAppend(out, " fill (", common::GoFloat(*vm.fill_lhs, 'g'), ")");
        } else {
          if (vm.fill_lhs) absl::StrAppend(out, " fill_left (", common::GoFloat(*vm.fill_lhs, 'g'), ")");
          if (vm.fill_rhs) absl::StrAppend(out, " fill_right (", common::GoFloat(*vm.fill_rhs, 'g'), ")");
        }
      }
      *out += " ";
      PrintTo(*b.rhs, duration, out);
      return;
    }
    case NodeKind::kCall: {
      const auto& c = static_cast<const Call&>(e);
      *out += c.func ? std::string(c.func->name) : "unknown";
      *out += "(";
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) *out += ", ";
        PrintTo(*c.args[i], duration, out);
      }
      *out += ")";
      return;
    }
    case NodeKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      // printer.go's DurationExpr drops a unary plus; an expression's UnaryExpr keeps it.
      if (u.op == UnaryOp::kMinus) {
        *out += "-";
      } else if (!duration) {
        *out += "+";
      }
      PrintTo(*u.expr, duration, out);
      return;
    }
    case NodeKind::kParen:
      *out += "(";
      PrintTo(*static_cast<const ParenExpr&>(e).expr, duration, out);
      *out += ")";
      return;
    case NodeKind::kStepInvariant:
      PrintTo(*static_cast<const StepInvariantExpr&>(e).expr, duration, out);
      return;
  }
}

}  // namespace

std::string Print(const Expr& e) {
  std::string out;
  PrintTo(e, /*duration=*/false, &out);
  return out;
}

}  // namespace promlet::promql
