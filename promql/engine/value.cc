// The value types' helpers: failing an evaluation, Prometheus' label printing, Go's
// NaN-aware min/max, and the AST helpers kernels share.
#include "promql/engine/value.h"

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "model/value.h"

namespace promlet::promql::internal {

void Fail(absl::Status s) { throw EvalError{std::move(s)}; }
void Errorf(std::string msg) { Fail(absl::FailedPreconditionError(msg)); }

std::string PromLabelsString(const model::Labels& l) {
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

void MergeSameLabels(EMatrix& m) {
  // Series relabelled to the same set: merge, failing on a shared timestamp.
  absl::flat_hash_map<uint64_t, std::vector<size_t>> by;
  bool dup = false;
  for (size_t i = 0; i < m.size(); ++i) {
    auto& v = by[m[i].metric.Hash()];
    for (size_t j : v) {
      if (m[j].metric == m[i].metric) dup = true;
    }
    v.push_back(i);
  }
  if (!dup) return;
  EMatrix out;
  std::vector<bool> used(m.size(), false);
  for (size_t i = 0; i < m.size(); ++i) {
    if (used[i]) continue;
    used[i] = true;
    ESeries base = std::move(m[i]);
    bool grew = false;
    for (size_t j : by[base.metric.Hash()]) {
      if (used[j] || !(m[j].metric == base.metric)) continue;
      used[j] = true;
      base.floats.insert(base.floats.end(), m[j].floats.begin(), m[j].floats.end());
      base.drop_name = base.drop_name && m[j].drop_name;
      grew = true;
    }
    if (grew) {
      std::stable_sort(base.floats.begin(), base.floats.end(),
                       [](const FPoint& a, const FPoint& b) { return a.t < b.t; });
      for (size_t k = 1; k < base.floats.size(); ++k) {
        if (base.floats[k].t == base.floats[k - 1].t) {
          Errorf("vector cannot contain metrics with the same labelset");
        }
      }
    }
    out.push_back(std::move(base));
  }
  m = std::move(out);
}

void DropStale(Decoded& d) {
  const bool st = !d.st.empty(), hst = !d.hst.empty();
  size_t w = 0;
  for (size_t i = 0; i < d.t.size(); ++i) {
    if (model::IsStaleNaN(d.v[i])) continue;
    d.t[w] = d.t[i];
    d.v[w] = d.v[i];
    if (st) d.st[w] = d.st[i];
    ++w;
  }
  d.t.resize(w);
  d.v.resize(w);
  if (st) d.st.resize(w);
  w = 0;
  for (size_t i = 0; i < d.ht.size(); ++i) {
    if (model::IsStaleNaN(d.hv[i]->sum)) continue;
    d.ht[w] = d.ht[i];
    d.hv[w] = std::move(d.hv[i]);
    if (hst) d.hst[w] = d.hst[i];
    ++w;
  }
  d.ht.resize(w);
  d.hv.resize(w);
  if (hst) d.hst.resize(w);
}

}  // namespace promlet::promql::internal
