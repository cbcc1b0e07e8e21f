// The binary operators' kernels.
#include "promql/engine/binary_operators.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "promql/engine/collector.h"

namespace promlet::promql::internal {

namespace {

// Returns the value and whether the element is kept (comparisons filter).
inline double ElemBinop(BinaryOp op, double l, double r, bool* keep) {
  *keep = true;
  switch (op) {
    case BinaryOp::kAdd: return l + r;
    case BinaryOp::kSub: return l - r;
    case BinaryOp::kMul: return l * r;
    case BinaryOp::kDiv: return l / r;
    case BinaryOp::kPow: return std::pow(l, r);
    case BinaryOp::kMod: return std::fmod(l, r);
    case BinaryOp::kAtan2: return std::atan2(l, r);
    case BinaryOp::kEql: *keep = l == r; return l;
    case BinaryOp::kNeq: *keep = l != r; return l;
    case BinaryOp::kGtr: *keep = l > r; return l;
    case BinaryOp::kLss: *keep = l < r; return l;
    case BinaryOp::kGte: *keep = l >= r; return l;
    case BinaryOp::kLte: *keep = l <= r; return l;
    default: Errorf("operator not allowed for operations between vectors");
  }
}

bool ChangesMetricSchema(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: case BinaryOp::kSub: case BinaryOp::kDiv: case BinaryOp::kMul:
    case BinaryOp::kPow: case BinaryOp::kMod: case BinaryOp::kAtan2:
      return true;
    default:
      return false;
  }
}

model::Labels MatchLabels(const model::Labels& l, const VectorMatching& m) {
  model::LabelsBuilder b(l);
  if (m.on) {
    b.Keep(m.matching_labels);
  } else {
    b.Del(model::kMetricName);
    for (const auto& n : m.matching_labels) b.Del(n);
  }
  return b.Build();
}

uint64_t Signature(const model::Labels& l, const VectorMatching& m) {
  return m.on ? l.HashForLabels(m.matching_labels) : l.HashWithoutLabels(m.matching_labels);
}

// The labels of the output of a (many-side, one-side) pair.
model::Labels PairLabels(const VectorMatching& vm, const model::Labels& many_l,
                         const model::Labels& one_l, bool changes_schema) {
  model::LabelsBuilder lb(many_l);
  if (changes_schema) lb.Del(model::kMetricName).Del("__type__").Del("__unit__");
  if (vm.card == Cardinality::kOneToOne) {
    if (vm.on) {
      lb.Keep(vm.matching_labels);
    } else {
      for (const auto& n : vm.matching_labels) lb.Del(n);
    }
  }
  for (const auto& n : vm.include) {
    std::string_view val = one_l.Get(n);
    if (!val.empty()) {
      lb.Set(n, val);
    } else {
      lb.Del(n);
    }
  }
  return lb.Build();
}

// VectorVectorBinop series by series instead of step by step, for the common case where every
// pair is fixed by the match signatures alone: floats only, no fill modifier, a range query, at
// most one series per signature on the "one" side (and on the "many" side for one-to-one
// matching) and no two pairs with the same output labels. Then none of the step-by-step
// errors (duplicate match groups, multiple matches, duplicate output label sets) can occur,
// and each output series is its pair's points where both sides have one: merged in one pass
// over two arrays, where the step-by-step loop visits every series at every step (which stops
// fitting in the caches as series grow). The outputs are created in the step loop's order
// (first matched step, then many-side index) and hold the same points, so the result is the
// same matrix; nullopt when the case does not apply.
std::optional<EMatrix> BinopBySeries(const BinaryExpr& b, const EMatrix& many, const EMatrix& one,
                                     const std::vector<int>& many_o, const std::vector<int>& one_o,
                                     size_t nsig, const StepGrid& g, QueryContext* ctx) {
  const VectorMatching& vm = *b.matching;
  if (g.start == g.end || vm.fill_lhs.has_value() || vm.fill_rhs.has_value() ||
      b.op == BinaryOp::kTrimUpper || b.op == BinaryOp::kTrimLower) {
    return std::nullopt;
  }
  for (const EMatrix* m : {&many, &one}) {
    for (const auto& s : *m) {
      if (!s.histograms.empty()) return std::nullopt;
    }
  }
  std::vector<int> one_by_sig(nsig, -1);
  for (size_t j = 0; j < one.size(); ++j) {
    int& slot = one_by_sig[static_cast<size_t>(one_o[j])];
    if (slot >= 0) return std::nullopt;
    slot = static_cast<int>(j);
  }
  if (vm.card == Cardinality::kOneToOne) {
    std::vector<bool> seen(nsig, false);
    for (const int s : many_o) {
      if (seen[static_cast<size_t>(s)]) return std::nullopt;
      seen[static_cast<size_t>(s)] = true;
    }
  }
  const bool one_to_many = vm.card == Cardinality::kOneToMany;
  const bool changes_schema = ChangesMetricSchema(b.op);
  struct Pair {
    size_t i, j;  // many, one index
    model::Labels labels;
    int64_t first_t = std::numeric_limits<int64_t>::max();
    std::vector<FPoint> points;
  };
  // Output labels first: two pairs with one label set leave this path before any merging
  // (stricter than needed when one of them has no points: the step loop is then just slower).
  std::vector<Pair> pairs;
  absl::flat_hash_map<uint64_t, std::vector<int>> by_hash;
  for (size_t i = 0; i < many.size(); ++i) {
    const int j = one_by_sig[static_cast<size_t>(many_o[i])];
    if (j < 0) continue;
    model::Labels l =
        PairLabels(vm, many[i].metric, one[static_cast<size_t>(j)].metric, changes_schema);
    auto& same_hash = by_hash[l.Hash()];
    for (int k : same_hash) {
      if (pairs[static_cast<size_t>(k)].labels == l) return std::nullopt;
    }
    same_hash.push_back(static_cast<int>(pairs.size()));
    pairs.push_back(
        Pair{i, static_cast<size_t>(j), std::move(l), std::numeric_limits<int64_t>::max(), {}});
  }
  for (size_t k = 0; k < pairs.size(); ++k) {
    if ((k & 255) == 0) ctx->CheckDone();
    Pair& p = pairs[k];
    const std::vector<FPoint>& a = many[p.i].floats;
    const std::vector<FPoint>& c = one[p.j].floats;
    size_t x = 0, y = 0;
    // The first grid step after the last point checked: the common times rise, mostly one
    // step at a time, so a point is on the grid when it equals it, and the division runs only
    // after a gap (it was one per point).
    int64_t next_step = g.start;
    while (x < a.size() && y < c.size()) {
      if (a[x].t < c[y].t) {
        ++x;
      } else if (c[y].t < a[x].t) {
        ++y;
      } else {
        const int64_t t = a[x].t;
        if (t > next_step) {
          next_step = g.start + (t - g.start + g.interval - 1) / g.interval * g.interval;
        }
        if (t == next_step && t <= g.end) {
          next_step += g.interval;
          if (p.first_t == std::numeric_limits<int64_t>::max()) p.first_t = t;
          const double fl = one_to_many ? c[y].f : a[x].f;
          const double fr = one_to_many ? a[x].f : c[y].f;
          bool keep;
          double v = ElemBinop(b.op, fl, fr, &keep);
          if (b.return_bool) v = keep ? 1 : 0;
          if (keep || b.return_bool) {
            if (p.points.empty()) p.points.reserve(std::min(a.size(), c.size()));
            p.points.push_back({t, v});
          }
        }
        ++x;
        ++y;
      }
    }
  }
  // In the step loop's creation order; a pair without points makes no series (as the
  // Collector's Take drops a series it never added to).
  // Usually every pair starts at the first step, already in order: stable_sort would still
  // allocate its buffer and move every pair through it.
  auto by_first = [](const Pair& l, const Pair& r) { return l.first_t < r.first_t; };
  if (!std::is_sorted(pairs.begin(), pairs.end(), by_first)) {
    std::stable_sort(pairs.begin(), pairs.end(), by_first);
  }
  EMatrix out;
  int64_t points = 0;
  for (auto& p : pairs) {
    if (p.points.empty()) continue;
    points += static_cast<int64_t>(p.points.size());
    ESeries s;
    s.metric = std::move(p.labels);
    s.drop_name = b.return_bool;
    s.floats = std::move(p.points);
    out.push_back(std::move(s));
  }
  ctx->AddSamples(points);
  return out;
}

// Per-series cursor over an EMatrix, advanced step by step.
struct StepGather {
  const EMatrix* m;
  std::vector<size_t> pos, hpos;
  std::vector<int> present;  // indices of series with a point at the current step
  std::vector<double> vals;  // their values
  std::vector<const HistPtr*> hists;  // their histograms (null for a float), when any
  bool any_histograms = false;
  explicit StepGather(const EMatrix& mm) : m(&mm), pos(mm.size(), 0) {
    for (const auto& s : mm) any_histograms = any_histograms || !s.histograms.empty();
    if (any_histograms) hpos.assign(mm.size(), 0);
  }
  void At(int64_t ts) {
    present.clear();
    vals.clear();
    hists.clear();
    for (size_t i = 0; i < m->size(); ++i) {
      const auto& f = (*m)[i].floats;
      size_t& p = pos[i];
      while (p < f.size() && f[p].t < ts) ++p;
      if (p < f.size() && f[p].t == ts) {
        present.push_back(static_cast<int>(i));
        vals.push_back(f[p].f);
        if (any_histograms) hists.push_back(nullptr);
        continue;
      }
      if (!any_histograms) continue;
      const auto& h = (*m)[i].histograms;
      size_t& q = hpos[i];
      while (q < h.size() && h[q].t < ts) ++q;
      if (q < h.size() && h[q].t == ts) {
        present.push_back(static_cast<int>(i));
        vals.push_back(0);
        hists.push_back(&h[q].h);
      }
    }
  }
  const HistPtr* Hist(size_t k) const { return any_histograms ? hists[k] : nullptr; }
};

// Prometheus' vectorElemBinop when an operand is a histogram (lh / rh non-null): sets *h (or
// *v) and *keep; false when the pair gives no sample (annotated, as Prometheus does).
bool HistogramElemBinop(BinaryOp op, double lf, const HistPtr* lh, double rf, const HistPtr* rh,
                        const PositionRange& pos, QueryContext* ctx, double* v, HistPtr* h,
                        bool* keep) {
  using model::histogram::FloatHistogram;
  *keep = true;
  *v = 0;
  auto incompatible = [&](const char* l, const char* r) {
    ctx->Info(absl::StrCat("incompatible sample types encountered for binary operator \"",
                           BinaryOpString(op), "\": ", l, " ", BinaryOpString(op), " ", r),
              pos);
    return false;
  };
  auto scaled = [&](const FloatHistogram& x, double f, bool div) {
    auto r = std::make_shared<FloatHistogram>(x.Copy());
    if (div) {
      r->Div(f);
    } else {
      r->Mul(f);
    }
    r->Compact(0);
    *h = std::move(r);
    return true;
  };
  if (lh == nullptr && rh == nullptr) return incompatible("float", "float");  // trim operators
  if (lh == nullptr) {
    if (op == BinaryOp::kMul) return scaled(**rh, lf, false);
    return incompatible("float", "histogram");
  }
  if (rh == nullptr) {
    if (op == BinaryOp::kMul) return scaled(**lh, rf, false);
    if (op == BinaryOp::kDiv) return scaled(**lh, rf, true);
    if (op == BinaryOp::kTrimUpper || op == BinaryOp::kTrimLower) {
      auto r = std::make_shared<FloatHistogram>((*lh)->Copy());
      r->TrimBuckets(rf, op == BinaryOp::kTrimUpper);
      *h = std::move(r);
      return true;
    }
    return incompatible("histogram", "float");
  }
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub: {
      auto r = std::make_shared<FloatHistogram>((*lh)->Copy());
      auto res = op == BinaryOp::kAdd ? r->Add(**rh) : r->Sub(**rh);
      if (!res.ok()) {
        ctx->Warn(absl::StrCat("incompatible bucket layout encountered for binary operator ",
                               BinaryOpString(op)),
                  pos);
        return false;
      }
      const char* what = op == BinaryOp::kAdd ? "addition" : "subtraction";
      if (op == BinaryOp::kSub) r->counter_reset_hint = model::histogram::CounterResetHint::kGauge;
      if (res->nhcb_bounds_reconciled) {
        ctx->Info(absl::StrCat("mismatched custom buckets were reconciled during ", what), pos);
      }
      if (res->counter_reset_collision) {
        ctx->Warn(absl::StrCat("conflicting counter resets during histogram ", what), pos);
        return false;
      }
      r->Compact(0);
      *h = std::move(r);
      return true;
    }
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
      *h = *lh;
      *keep = (*lh)->Equals(**rh) == (op == BinaryOp::kEql);
      return true;
    default:
      return incompatible("histogram", "histogram");
  }
}

}  // namespace

double ScalarBinop(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kAdd: return l + r;
    case BinaryOp::kSub: return l - r;
    case BinaryOp::kMul: return l * r;
    case BinaryOp::kDiv: return l / r;
    case BinaryOp::kPow: return std::pow(l, r);
    case BinaryOp::kMod: return std::fmod(l, r);
    case BinaryOp::kEql: return l == r ? 1 : 0;
    case BinaryOp::kNeq: return l != r ? 1 : 0;
    case BinaryOp::kGtr: return l > r ? 1 : 0;
    case BinaryOp::kLss: return l < r ? 1 : 0;
    case BinaryOp::kGte: return l >= r ? 1 : 0;
    case BinaryOp::kLte: return l <= r ? 1 : 0;
    case BinaryOp::kAtan2: return std::atan2(l, r);
    default: Errorf("operator not allowed for scalar operations");
  }
}

EMatrix VectorScalarBinop(const BinaryExpr& b, EMatrix m, const std::vector<double>& sc, bool swap,
                          const StepGrid& g, QueryContext* ctx) {
  const bool comparison = IsComparisonOp(b.op);
  const bool drop = ChangesMetricSchema(b.op) || b.return_bool;
  const bool trim = b.op == BinaryOp::kTrimUpper || b.op == BinaryOp::kTrimLower;
  EMatrix out;
  out.reserve(m.size());
  int64_t dropped = 0;
  for (auto& s : m) {
    ctx->CheckDone();
    size_t w = 0;
    if (trim && !s.floats.empty()) {
      double v;
      HistPtr h;
      bool keep;
      HistogramElemBinop(b.op, 0, nullptr, 0, nullptr, b.pos, ctx, &v, &h, &keep);
    }
    for (size_t k = 0; k < (trim ? 0 : s.floats.size()); ++k) {
      const FPoint p = s.floats[k];
      double l = p.f, r = sc[g.StepIndex(p.t)];
      if (swap) std::swap(l, r);
      bool keep;
      double v = ElemBinop(b.op, l, r, &keep);
      if (comparison && swap) v = r;
      if (b.return_bool) {
        v = keep ? 1 : 0;
        keep = true;
      }
      if (keep) s.floats[w++] = {p.t, v};
    }
    dropped += static_cast<int64_t>(s.floats.size() - w);
    s.floats.resize(w);
    if (!s.histograms.empty()) {
      // Histogram points: * and / by the scalar; other operators drop them (annotated).
      size_t hw = 0;
      const size_t nfloats = s.floats.size();
      for (size_t k = 0; k < s.histograms.size(); ++k) {
        const HPoint p = s.histograms[k];
        const double x = sc[g.StepIndex(p.t)];
        double v;
        HistPtr h;
        bool keep;
        const bool ok = swap ? HistogramElemBinop(b.op, x, nullptr, 0, &p.h, b.pos, ctx, &v, &h, &keep)
                             : HistogramElemBinop(b.op, 0, &p.h, x, nullptr, b.pos, ctx, &v, &h, &keep);
        if (!ok) continue;
        if (comparison && swap) h = p.h;
        if (b.return_bool) {
          s.floats.push_back({p.t, keep ? 1.0 : 0.0});
          continue;
        }
        if (keep) s.histograms[hw++] = {p.t, std::move(h)};
      }
      dropped += static_cast<int64_t>(s.histograms.size() - hw);
      dropped -= static_cast<int64_t>(s.floats.size() - nfloats);
      s.histograms.resize(hw);
      if (s.floats.size() > nfloats) {
        std::sort(s.floats.begin(), s.floats.end(),
                  [](const FPoint& x, const FPoint& y) { return x.t < y.t; });
      }
    }
    if (s.floats.empty() && s.histograms.empty()) continue;
    if (drop) s.drop_name = true;
    out.push_back(std::move(s));
  }
  ctx->SubSamples(dropped);
  return out;
}

EMatrix VectorVectorBinop(const BinaryExpr& b, EMatrix lhs, EMatrix rhs, const StepGrid& g,
                          QueryContext* ctx) {
  const VectorMatching& vm = *b.matching;
  if (vm.card == Cardinality::kManyToMany) Errorf("many-to-many only allowed for set operators");
  const bool one_to_many = vm.card == Cardinality::kOneToMany;
  // Signature ordinals per series, shared by both sides.
  absl::flat_hash_map<uint64_t, int> sig_ord;
  auto ords = [&](const EMatrix& m) {
    std::vector<int> o(m.size());
    for (size_t i = 0; i < m.size(); ++i) {
      auto [it, inserted] = sig_ord.try_emplace(Signature(m[i].metric, vm),
                                                static_cast<int>(sig_ord.size()));
      o[i] = it->second;
    }
    return o;
  };
  std::vector<int> lo = ords(lhs), ro = ords(rhs);
  // "many" side first.
  EMatrix* many = &lhs;
  EMatrix* one = &rhs;
  std::vector<int>* many_o = &lo;
  std::vector<int>* one_o = &ro;
  if (one_to_many) {
    std::swap(many, one);
    std::swap(many_o, one_o);
  }
  const size_t nsig = sig_ord.size();
  if (auto by_series = BinopBySeries(b, *many, *one, *many_o, *one_o, nsig, g, ctx)) {
    return std::move(*by_series);
  }
  std::vector<int> right_by_sig(nsig, -1);
  std::vector<int64_t> sig_matched_at(nsig, std::numeric_limits<int64_t>::min());
  std::vector<int> touched;
  Collector col(g.start == g.end);
  absl::flat_hash_map<uint64_t, int> pair_out;  // (many idx, one idx) -> output series
  // Per many-side series: the one-side index of its last pair (-2: none yet) and its output.
  std::vector<std::pair<int, int>> last_pair(many->size(), {-2, -1});
  std::vector<int64_t> out_matched_at;
  StepGather gm(*many), go(*one);
  const bool changes_schema = ChangesMetricSchema(b.op);
  int64_t added = 0;  // output points of the current step, counted at its end
  for (int64_t ts = g.start; ts <= g.end; ts += g.interval) {
    ctx->CheckDone();
    ctx->AddSamples(added);
    added = 0;
    gm.At(ts);
    go.At(ts);
    const bool fills = vm.fill_lhs.has_value() || vm.fill_rhs.has_value();
    if (gm.present.empty() && go.present.empty()) continue;
    if ((gm.present.empty() || go.present.empty()) && !fills) continue;
    for (int s : touched) right_by_sig[s] = -1;
    touched.clear();
    for (size_t k = 0; k < go.present.size(); ++k) {
      const int j = go.present[k];
      const int s = (*one_o)[j];
      if (right_by_sig[s] >= 0) {
        const ESeries& dupl = (*one)[go.present[right_by_sig[s]]];
        // The pair is reported in label order so the message is stable.
        const ESeries* first = &(*one)[j];
        const ESeries* second = &dupl;
        if (second->metric < first->metric) std::swap(first, second);
        Errorf(absl::StrCat(
            "found duplicate series for the match group ",
            PromLabelsString(MatchLabels((*one)[j].metric, vm)), " on the ",
            one_to_many ? "left" : "right", " hand-side of the operation: [",
            PromLabelsString(first->metric), ", ", PromLabelsString(second->metric),
            "];many-to-many matching not allowed: matching labels must be unique on one side"));
      }
      right_by_sig[s] = static_cast<int>(k);
      touched.push_back(s);
    }
    // The output series of a new pair: its labels, interned.
    auto new_output = [&](int i, int j) {
      const model::Labels many_l = i >= 0 ? (*many)[i].metric : MatchLabels((*one)[j].metric, vm);
      const model::Labels one_l = j >= 0 ? (*one)[j].metric : MatchLabels((*many)[i].metric, vm);
      return col.Intern(PairLabels(vm, many_l, one_l, changes_schema), b.return_bool);
    };
    // Applies the operator to one pair; i < 0 / j < 0 marks a side synthesized by a fill
    // modifier from the other side's matching labels.
    auto do_op = [&](int i, int j, double fm, double fo, int s, const HistPtr* hm,
                     const HistPtr* ho) {
      double fl = fm, fr = fo;
      const HistPtr* hl = hm;
      const HistPtr* hr = ho;
      if (one_to_many) {
        std::swap(fl, fr);
        std::swap(hl, hr);
      }
      bool keep;
      double v;
      HistPtr h;
      if (hl == nullptr && hr == nullptr && b.op != BinaryOp::kTrimUpper &&
          b.op != BinaryOp::kTrimLower) {
        v = ElemBinop(b.op, fl, fr, &keep);
      } else if (!HistogramElemBinop(b.op, fl, hl, fr, hr, b.pos, ctx, &v, &h, &keep)) {
        return;
      }
      if (b.return_bool) {
        v = keep ? 1 : 0;
        h = nullptr;
      }
      const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(i)) << 32) |
                           static_cast<uint32_t>(j);
      // A many-side series meets the same one-side series step after step: the pair it met
      // last is checked before the map.
      std::pair<int, int>* last = i >= 0 ? &last_pair[static_cast<size_t>(i)] : nullptr;
      int oi = last != nullptr && last->first == j ? last->second : -1;
      if (oi < 0) {
        auto [it, inserted] = pair_out.try_emplace(key, -1);
        if (inserted) it->second = new_output(i, j);
        oi = it->second;
        if (last != nullptr) *last = {j, oi};
      }
      if (vm.card == Cardinality::kOneToOne) {
        if (sig_matched_at[s] == ts) {
          Errorf("multiple matches for labels: many-to-one matching must be explicit "
                 "(group_left/group_right)");
        }
        sig_matched_at[s] = ts;
      } else {
        sig_matched_at[s] = ts;
        if (out_matched_at.size() <= static_cast<size_t>(oi)) {
          out_matched_at.resize(oi + 1, std::numeric_limits<int64_t>::min());
        }
        if (out_matched_at[oi] == ts) {
          Errorf("multiple matches for labels: grouping labels must ensure unique matches");
        }
        out_matched_at[oi] = ts;
      }
      if (!keep && !b.return_bool) return;
      if (h) {
        col.AddHistogram(oi, ts, std::move(h));
      } else {
        col.Add(oi, ts, v);
      }
      ++added;
    };
    for (size_t k = 0; k < gm.present.size(); ++k) {
      const int i = gm.present[k];
      const int s = (*many_o)[i];
      const int rk = right_by_sig[s];
      if (rk < 0) {
        if (vm.fill_rhs.has_value()) do_op(i, -1, gm.vals[k], *vm.fill_rhs, s, gm.Hist(k), nullptr);
        continue;
      }
      do_op(i, go.present[rk], gm.vals[k], go.vals[rk], s, gm.Hist(k), go.Hist(rk));
    }
    if (vm.fill_lhs.has_value()) {
      for (size_t k = 0; k < go.present.size(); ++k) {
        const int j = go.present[k];
        const int s = (*one_o)[j];
        if (sig_matched_at[s] == ts) continue;
        do_op(-1, j, *vm.fill_lhs, go.vals[k], s, nullptr, go.Hist(k));
      }
    }
  }
  ctx->AddSamples(added);
  return col.Take();
}

EMatrix SetOperation(const BinaryExpr& b, EMatrix lhs, EMatrix rhs, const StepGrid& g,
                     QueryContext* ctx) {
  const VectorMatching& vm = *b.matching;
  absl::flat_hash_map<uint64_t, int> sig_ord;
  auto ords = [&](const EMatrix& m) {
    std::vector<int> o(m.size());
    for (size_t i = 0; i < m.size(); ++i) {
      auto [it, inserted] = sig_ord.try_emplace(Signature(m[i].metric, vm),
                                                static_cast<int>(sig_ord.size()));
      o[i] = it->second;
    }
    return o;
  };
  std::vector<int> lo = ords(lhs), ro = ords(rhs);
  // Fast paths that need no per-step work.
  if (b.op == BinaryOp::kAnd && (lhs.empty() || rhs.empty())) return {};
  if (b.op == BinaryOp::kUnless && (lhs.empty() || rhs.empty())) {
    ctx->AddSamples(static_cast<int64_t>(PointCount(lhs)));  // the caller releases its input
    return lhs;
  }
  const size_t nsig = sig_ord.size();
  std::vector<int64_t> sig_at(nsig, std::numeric_limits<int64_t>::min());
  Collector col(g.start == g.end);
  std::vector<int> lout(lhs.size(), -1), rout(rhs.size(), -1);
  StepGather gl(lhs), gr(rhs);
  int64_t added = 0;  // output points of the current step, counted at its end
  for (int64_t ts = g.start; ts <= g.end; ts += g.interval) {
    ctx->CheckDone();
    ctx->AddSamples(added);
    added = 0;
    gl.At(ts);
    gr.At(ts);
    auto emit_l = [&](size_t k) {
      const int i = gl.present[k];
      if (lout[i] < 0) lout[i] = col.Intern(lhs[i].metric, lhs[i].drop_name);
      if (const HistPtr* h = gl.Hist(k)) {
        col.AddHistogram(lout[i], ts, *h);
      } else {
        col.Add(lout[i], ts, gl.vals[k]);
      }
      ++added;
    };
    auto emit_r = [&](size_t k) {
      const int j = gr.present[k];
      if (rout[j] < 0) rout[j] = col.Intern(rhs[j].metric, rhs[j].drop_name);
      if (const HistPtr* h = gr.Hist(k)) {
        col.AddHistogram(rout[j], ts, *h);
      } else {
        col.Add(rout[j], ts, gr.vals[k]);
      }
      ++added;
    };
    switch (b.op) {
      case BinaryOp::kAnd:
        if (gl.present.empty() || gr.present.empty()) break;
        for (int j : gr.present) sig_at[ro[j]] = ts;
        for (size_t k = 0; k < gl.present.size(); ++k) {
          if (sig_at[lo[gl.present[k]]] == ts) emit_l(k);
        }
        break;
      case BinaryOp::kOr:
        for (size_t k = 0; k < gl.present.size(); ++k) {
          sig_at[lo[gl.present[k]]] = ts;
          emit_l(k);
        }
        for (size_t k = 0; k < gr.present.size(); ++k) {
          if (sig_at[ro[gr.present[k]]] != ts) emit_r(k);
        }
        break;
      case BinaryOp::kUnless:
        for (int j : gr.present) sig_at[ro[j]] = ts;
        for (size_t k = 0; k < gl.present.size(); ++k) {
          if (sig_at[lo[gl.present[k]]] != ts) emit_l(k);
        }
        break;
      default:
        Errorf("not a set operator");
    }
  }
  ctx->AddSamples(added);
  return col.Take();
}

}  // namespace promlet::promql::internal
