// The value types' helpers: failing an evaluation, Prometheus' label printing, Go's
// NaN-aware min/max, and the AST helpers kernels share.
#include "promql/engine/value.h"

#include <limits>

namespace promlet::promql::internal {

void Fail(absl::Status s) { throw EvalError{std::move(s)}; }
void Errorf(std::string msg) { Fail(absl::FailedPreconditionError(msg)); }

std::string PromLabelsString(const tsdb::Labels& l) {
  std::string out = "{";
  bool first = true;
  for (const auto& p : l) {
    if (!first) out += ", ";
    first = false;
    out += p.name;
    out += "=\"";
    for (char c : p.value) {
      switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        default: out.push_back(c);
      }
    }
    out += "\"";
  }
  out += "}";
  return out;
}

double GoMax(double a, double b) {
  if (std::isinf(a) && a > 0) return a;
  if (std::isinf(b) && b > 0) return b;
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  if (a == 0 && a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

double GoMin(double a, double b) {
  if (std::isinf(a) && a < 0) return a;
  if (std::isinf(b) && b < 0) return b;
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  if (a == 0 && a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

const Expr& UnwrapParens(const Expr& e) {
  const Expr* p = &e;
  while (true) {
    if (p->kind == NodeKind::kParen) {
      p = static_cast<const ParenExpr*>(p)->expr.get();
    } else if (p->kind == NodeKind::kStepInvariant) {
      p = static_cast<const StepInvariantExpr*>(p)->expr.get();
    } else {
      return *p;
    }
  }
}

std::string StringArg(const Expr& e) {
  const Expr& u = UnwrapParens(e);
  if (u.kind != NodeKind::kStringLiteral) Errorf("expected string literal argument");
  return static_cast<const StringLiteral&>(u).value;
}

}  // namespace promlet::promql::internal
