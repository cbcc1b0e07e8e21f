// The value types' helpers: failing an evaluation, Prometheus' label printing, Go's
// NaN-aware min/max, and the AST helpers kernels share.
#include "promql/engine/value.h"

#include <algorithm>
#include <iterator>
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
      base.histograms.insert(base.histograms.end(),
                             std::make_move_iterator(m[j].histograms.begin()),
                             std::make_move_iterator(m[j].histograms.end()));
      base.drop_name = base.drop_name && m[j].drop_name;
      grew = true;
    }
    if (grew) {
      auto by_time = [](const auto& a, const auto& b) { return a.t < b.t; };
      std::stable_sort(base.floats.begin(), base.floats.end(), by_time);
      std::stable_sort(base.histograms.begin(), base.histograms.end(), by_time);
      auto same_time = [](const auto& a, const auto& b) { return a.t == b.t; };
      // A float and a histogram at one timestamp collide as two floats would.
      size_t h = 0;
      bool clash = std::adjacent_find(base.floats.begin(), base.floats.end(), same_time) !=
                       base.floats.end() ||
                   std::adjacent_find(base.histograms.begin(), base.histograms.end(), same_time) !=
                       base.histograms.end();
      for (size_t f = 0; !clash && f < base.floats.size(); ++f) {
        while (h < base.histograms.size() && base.histograms[h].t < base.floats[f].t) ++h;
        clash = h < base.histograms.size() && base.histograms[h].t == base.floats[f].t;
      }
      if (clash) Errorf("vector cannot contain metrics with the same labelset");
    }
    out.push_back(std::move(base));
  }
  m = std::move(out);
}

void WindowJoin::Add(EMatrix&& window) {
  std::vector<bool> continued(joined_.size(), false);
  for (ESeries& s : window) {
    std::vector<size_t>& rows = by_key_[s.metric.Hash() ^ static_cast<uint64_t>(s.drop_name)];
    size_t row = joined_.size();
    for (size_t r : rows) {
      if (!continued[r] && joined_[r].drop_name == s.drop_name && joined_[r].metric == s.metric) {
        row = r;
        break;
      }
    }
    if (row == joined_.size()) {
      rows.push_back(row);
      continued.push_back(true);
      joined_.push_back(std::move(s));
      continue;
    }
    continued[row] = true;
    ESeries& into = joined_[row];
    into.floats.insert(into.floats.end(), s.floats.begin(), s.floats.end());
    into.histograms.insert(into.histograms.end(), std::make_move_iterator(s.histograms.begin()),
                           std::make_move_iterator(s.histograms.end()));
  }
}

void DropStale(Decoded& d) {
  const bool st = !d.st.empty(), hst = !d.hst.empty();
  // Most series hold no stale marker: find the first one before moving anything, so that
  // they are only read.
  size_t w = 0;
  while (w < d.t.size() && !model::IsStaleNaN(d.v[w])) ++w;
  for (size_t i = w; i < d.t.size(); ++i) {
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
  while (w < d.ht.size() && !model::IsStaleNaN(d.hv[w]->sum)) ++w;
  for (size_t i = w; i < d.ht.size(); ++i) {
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
