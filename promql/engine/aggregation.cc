// The aggregation operators' kernels (see aggregation.h).
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "common/go_format.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "promql/engine/aggregation.h"
#include "promql/engine/collector.h"

namespace promlet::promql::internal {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

uint64_t GroupingKey(const model::Labels& l, const std::vector<std::string>& grouping,
                     bool without) {
  if (without) return l.HashWithoutLabels(grouping);
  if (grouping.empty()) return 0;
  return l.HashForLabels(grouping);
}

model::Labels GroupingLabels(const model::Labels& l, const std::vector<std::string>& grouping,
                            bool without) {
  if (without) {
    model::LabelsBuilder b(l);
    for (const auto& g : grouping) b.Del(g);
    b.Del(model::kMetricName);
    return b.Build();
  }
  if (grouping.empty()) return model::Labels();
  model::LabelsBuilder b(l);
  b.Keep(grouping);
  return b.Build();
}

// The running state of one (group, step) cell. Cell is all that the ops other than quantile
// need (the streamed path's tables hold millions of them); Group adds quantile's values.
using Cell = AggregationCell;
struct Group : Cell {
  std::vector<double> values;  // quantile
};


// Folds one sample into a group, as Prometheus' aggregation() does.
template <typename G>
void Accumulate(AggregateOp op, G& g, double f, bool drop_name) {
  constexpr bool kHasValues = std::is_same_v<G, Group>;
  if (!g.seen) {
    g.seen = true;
    g.value = f;
    g.mean = f;
    g.count = 1;
    g.kahan_c = 0;
    g.incremental_mean = false;
    g.drop_name = drop_name;
    if constexpr (kHasValues) g.values.clear();
    switch (op) {
      case AggregateOp::kStddev:
      case AggregateOp::kStdvar:
        g.value = (std::isnan(f) || std::isinf(f)) ? kNaN : 0;
        break;
      case AggregateOp::kQuantile:
        if constexpr (kHasValues) g.values.push_back(f);
        break;
      case AggregateOp::kGroup:
        g.value = 1;
        break;
      default:
        break;
    }
    return;
  }
  if (drop_name) g.drop_name = true;
  switch (op) {
    case AggregateOp::kSum:
      common::KahanSumIncNoBranch(f, g.value, g.kahan_c);
      break;
    case AggregateOp::kAvg: {
      g.count++;
      if (!g.incremental_mean) {
        double nv = g.value, nc = g.kahan_c;
        common::KahanSumIncNoBranch(f, nv, nc);
        if (!std::isinf(nv)) {
          g.value = nv;
          g.kahan_c = nc;
          break;
        }
        g.incremental_mean = true;
        g.mean = g.value / (g.count - 1);
        g.kahan_c /= g.count - 1;
      }
      const double q = (g.count - 1) / g.count;
      double m = q * g.mean, c = q * g.kahan_c;
      KahanSumInc(f / g.count, m, c);
      g.mean = m;
      g.kahan_c = c;
      break;
    }
    case AggregateOp::kMax:
      if (g.value < f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kMin:
      if (g.value > f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kCount:
      g.count++;
      break;
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar: {
      g.count++;
      const double delta = f - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (f - g.mean);
      break;
    }
    case AggregateOp::kQuantile:
      if constexpr (kHasValues) g.values.push_back(f);
      break;
    default:
      break;
  }
}

template <typename G>
double Finalize(AggregateOp op, G& g, double param) {
  switch (op) {
    case AggregateOp::kAvg:
      return g.incremental_mean ? g.mean + g.kahan_c : g.value / g.count + g.kahan_c / g.count;
    case AggregateOp::kCount:
      return g.count;
    case AggregateOp::kStdvar:
      return g.value / g.count;
    case AggregateOp::kStddev:
      return std::sqrt(g.value / g.count);
    case AggregateOp::kQuantile:
      if constexpr (std::is_same_v<G, Group>) return Quantile(param, g.values);
      return 0;  // never: quantile keeps its values in a Group
    case AggregateOp::kSum:
      return g.value + g.kahan_c;
    default:
      return g.value;
  }
}

// One element of a topk/bottomk heap.
struct HeapElem {
  int series;
  double f;
  const HistPtr* h = nullptr;  // limitk keeps histogram samples
};

// Go's container/heap over a slice with a Less function, so ties resolve as in Prometheus.
template <typename Less>
void HeapUp(std::vector<HeapElem>& h, int j, Less less) {
  while (true) {
    int i = (j - 1) / 2;
    if (i == j || !less(h[j], h[i])) break;
    std::swap(h[i], h[j]);
    j = i;
  }
}
template <typename Less>
bool HeapDown(std::vector<HeapElem>& h, int i0, int n, Less less) {
  int i = i0;
  while (true) {
    int j1 = 2 * i + 1;
    if (j1 >= n || j1 < 0) break;
    int j = j1;
    if (int j2 = j1 + 1; j2 < n && less(h[j2], h[j1])) j = j2;
    if (!less(h[j], h[i])) break;
    std::swap(h[i], h[j]);
    i = j;
  }
  return i > i0;
}

bool ByValueLess(const HeapElem& a, const HeapElem& b) {
  if (std::isnan(a.f)) return true;
  return a.f < b.f;
}
// limit_ratio's deterministic sample (Prometheus' HashRatioSampler): a series is in when its
// hash offset in [0, 1) is below r, or for negative r at or above 1 + r (the complement).
bool InRatioSample(double r, const model::Labels& labels) {
  const double offset = static_cast<double>(labels.PrometheusHash()) /
                        static_cast<double>(std::numeric_limits<uint64_t>::max());
  return r >= 0 ? offset < r : offset >= 1 + r;
}

bool ByReverseValueLess(const HeapElem& a, const HeapElem& b) {
  if (std::isnan(a.f)) return true;
  return a.f > b.f;
}

}  // namespace

bool StreamedAggregation::Supports(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum: case AggregateOp::kAvg: case AggregateOp::kCount:
    case AggregateOp::kMin: case AggregateOp::kMax: case AggregateOp::kGroup:
    case AggregateOp::kStddev: case AggregateOp::kStdvar:
      return true;
    default:
      return false;
  }
}

namespace {
// The ops whose cells are CompactCells: they keep nothing but a value (and sum its Kahan
// compensation).
bool UsesCompactCells(AggregateOp op) {
  return op == AggregateOp::kSum || op == AggregateOp::kCount || op == AggregateOp::kMin ||
         op == AggregateOp::kMax || op == AggregateOp::kGroup;
}
}  // namespace

// The input's series are folded into (group, step) cells as they come, in selector order,
// exactly as the table fast path of Aggregate folds a materialised input: every cell sees the
// same samples in the same order. The table holds at most kMaxCells whole or kMaxCompactCells
// compact cells; series of later groups are kept and folded at the end, a table's worth of
// groups at a time.
StreamedAggregation::StreamedAggregation(const AggregateExpr& a,
                                         const std::vector<std::string>& grouping,
                                         const StepGrid& g, QueryContext* ctx)
    : a_(a),
      grouping_(grouping),
      g_(g),
      ctx_(ctx),
      nsteps_(g.NumSteps()),
      compact_(UsesCompactCells(a.op)),
      max_rows_(std::max<size_t>(1, (compact_ ? kMaxCompactCells : kMaxCells) / nsteps_)) {}

namespace {
// Calls fold(k, f) for every float point of s, k its step index. A series' points lie on the
// grid in increasing time, mostly at consecutive steps, so the index is counted on and divided
// out only after a gap.
template <typename FoldPoint>
inline void ForEachStepPoint(const ESeries& s, const StepGrid& g, FoldPoint fold) {
  size_t k = 0;
  int64_t prev_t = 0;
  bool first = true;
  for (const auto& pt : s.floats) {
    k = !first && pt.t - prev_t == g.interval ? k + 1 : g.StepIndex(pt.t);
    prev_t = pt.t;
    first = false;
    fold(k, pt.f);
  }
}

// Folds one sample into a compact cell as Accumulate folds it into a whole one.
template <AggregateOp kOp>
inline void AccumulateCompact(CompactCell& c, uint8_t& seen, double f) {
  if (!seen) {
    seen = 1;
    c.value = kOp == AggregateOp::kCount || kOp == AggregateOp::kGroup ? 1 : f;
    c.kahan_c = 0;
    return;
  }
  if constexpr (kOp == AggregateOp::kSum) {
    common::KahanSumIncNoBranch(f, c.value, c.kahan_c);
  } else if constexpr (kOp == AggregateOp::kMax) {
    if (c.value < f || std::isnan(c.value)) c.value = f;
  } else if constexpr (kOp == AggregateOp::kMin) {
    if (c.value > f || std::isnan(c.value)) c.value = f;
  } else if constexpr (kOp == AggregateOp::kCount) {
    c.value += 1;
  }
}

// Folds one series into a row of cells with the op fixed at compile time.
// flatten: Accumulate inlined with its op known, whatever GCC's size heuristics would pick.
template <AggregateOp kOp>
__attribute__((flatten)) void FoldRow(Cell* row, const ESeries& s, const StepGrid& g) {
  ForEachStepPoint(s, g, [&](size_t k, double f) { Accumulate(kOp, row[k], f, s.drop_name); });
}
template <AggregateOp kOp>
__attribute__((flatten)) void FoldCompactRow(CompactCell* row, uint8_t* seen, const ESeries& s,
                                             const StepGrid& g) {
  ForEachStepPoint(s, g, [&](size_t k, double f) { AccumulateCompact<kOp>(row[k], seen[k], f); });
}
}  // namespace

StreamedAggregation::Row StreamedAggregation::NewRow() const {
  Row row;
  if (compact_) {
    row.compact = std::make_unique_for_overwrite<CompactCell[]>(nsteps_);
    row.seen.assign(nsteps_, 0);
  } else {
    row.cells.resize(nsteps_);
  }
  return row;
}

void StreamedAggregation::Fold(Row& row, const ESeries& s) const {
  CompactCell* const compact = row.compact.get();
  uint8_t* const seen = row.seen.data();
  Cell* const cells = row.cells.data();
  switch (a_.op) {
    case AggregateOp::kSum:
      FoldCompactRow<AggregateOp::kSum>(compact, seen, s, g_);
      break;
    case AggregateOp::kCount:
      FoldCompactRow<AggregateOp::kCount>(compact, seen, s, g_);
      break;
    case AggregateOp::kMin:
      FoldCompactRow<AggregateOp::kMin>(compact, seen, s, g_);
      break;
    case AggregateOp::kMax:
      FoldCompactRow<AggregateOp::kMax>(compact, seen, s, g_);
      break;
    case AggregateOp::kGroup:
      FoldCompactRow<AggregateOp::kGroup>(compact, seen, s, g_);
      break;
    case AggregateOp::kAvg:
      FoldRow<AggregateOp::kAvg>(cells, s, g_);
      break;
    case AggregateOp::kStddev:
      FoldRow<AggregateOp::kStddev>(cells, s, g_);
      break;
    case AggregateOp::kStdvar:
      FoldRow<AggregateOp::kStdvar>(cells, s, g_);
      break;
    default:  // not streamed (Supports)
      for (const auto& pt : s.floats) {
        Accumulate(a_.op, cells[g_.StepIndex(pt.t)], pt.f, s.drop_name);
      }
  }
}

template <typename Emit>
void StreamedAggregation::EmitRow(const Row& row, Emit emit) const {
  if (compact_) {
    const bool sum = a_.op == AggregateOp::kSum;
    for (size_t k = 0; k < nsteps_; ++k) {
      if (!row.seen[k]) continue;
      const CompactCell& c = row.compact[k];
      emit(k, sum ? c.value + c.kahan_c : c.value);  // Finalize's sum
    }
    return;
  }
  for (size_t k = 0; k < nsteps_; ++k) {
    if (row.cells[k].seen) emit(k, Finalize(a_.op, row.cells[k], 0));
  }
}

void StreamedAggregation::Add(ESeries& s) {
  // A series without points would make a group without points, which Finish drops.
  if (s.floats.empty() && s.histograms.empty()) return;
  const uint64_t key = GroupingKey(s.metric, grouping_, a_.without);
  auto [it, inserted] = group_index_.try_emplace(key, static_cast<int>(result_.size()));
  if (inserted) {
    ESeries r;
    r.metric = GroupingLabels(s.metric, grouping_, a_.without);
    result_.push_back(std::move(r));
    if (rows_.size() < max_rows_) rows_.push_back(NewRow());
  }
  const auto g = static_cast<size_t>(it->second);
  in_points_ += static_cast<int64_t>(s.floats.size() + s.histograms.size());
  if (!s.histograms.empty()) {
    hist_inputs_.push_back(
        {g, std::move(s.histograms), s.drop_name, std::string(s.metric.MetricName())});
    s.histograms.clear();
  }
  if (s.floats.empty()) return;
  // A float series marks its group's result as every cell it folds into would.
  if (s.drop_name) result_[g].drop_name = true;
  if (g < rows_.size()) {
    Fold(rows_[g], s);
  } else {
    pending_.push_back(std::move(s));
    pending_group_.push_back(g);
  }
}

void StreamedAggregation::ForEachRow(const std::function<void(size_t, const Row&)>& fn) {
  for (size_t g = 0; g < rows_.size(); ++g) {
    fn(g, rows_[g]);
    rows_[g] = Row();  // the caller's output grows as the table shrinks
  }
  const size_t first_pending = rows_.size();
  rows_.clear();
  for (size_t first = first_pending; first < result_.size(); first += max_rows_) {
    ctx_->CheckDone();
    const size_t last = std::min(result_.size(), first + max_rows_);
    std::vector<Row> part;
    part.reserve(last - first);
    for (size_t g = first; g < last; ++g) part.push_back(NewRow());
    for (size_t i = 0; i < pending_.size(); ++i) {
      const size_t g = pending_group_[i];
      if (g >= first && g < last) Fold(part[g - first], pending_[i]);
    }
    for (size_t g = first; g < last; ++g) fn(g, part[g - first]);
  }
}

EMatrix StreamedAggregation::Finish() {
  ForEachRow([&](size_t g, const Row& row) {
    ESeries& out_row = result_[g];
    EmitRow(row, [&](size_t k, double v) {
      out_row.floats.push_back({g_.start + static_cast<int64_t>(k) * g_.interval, v});
    });
  });
  if (!hist_inputs_.empty()) MergeHistogramAggregation(a_, g_, hist_inputs_, result_, ctx_);
  ctx_->SubSamples(in_points_);
  EMatrix out;
  int64_t n = 0;
  for (auto& r : result_) {
    if (r.floats.empty() && r.histograms.empty()) continue;
    n += static_cast<int64_t>(r.floats.size() + r.histograms.size());
    out.push_back(std::move(r));
  }
  ctx_->AddSamples(n);
  return out;
}

std::optional<StepRows> StreamedAggregation::FinishRows() {
  const size_t nrows = result_.size();
  if (nrows * nsteps_ > kMaxDenseCells || !hist_inputs_.empty()) return std::nullopt;
  StepRows out;
  out.nsteps = nsteps_;
  out.values.assign(nrows * nsteps_, 0);
  out.present.assign(nrows * nsteps_, 0);
  ForEachRow([&](size_t g, const Row& row) {
    EmitRow(row, [&](size_t k, double v) {
      out.values[k * nrows + g] = v;
      out.present[k * nrows + g] = 1;
      ++out.points;
    });
  });
  // Every group has a point (Add skips empty series), so rows are Finish's series.
  out.labels.reserve(nrows);
  for (auto& r : result_) out.labels.push_back(std::move(r.metric));
  ctx_->SubSamples(in_points_);
  ctx_->AddSamples(static_cast<int64_t>(out.points));
  return out;
}

bool AggregateHasParam(AggregateOp op) {
  return op == AggregateOp::kTopk || op == AggregateOp::kBottomk ||
         op == AggregateOp::kQuantile || op == AggregateOp::kLimitk ||
         op == AggregateOp::kLimitRatio;
}

EMatrix Aggregate(const AggregateExpr& a, const std::vector<std::string>& grouping,
                  EMatrix input, const std::vector<double>& params, const StepGrid& grid,
                  QueryContext* ctx) {
  const bool has_param = AggregateHasParam(a.op);
  const int64_t in_points = [&] {
    int64_t n = 0;
    for (const auto& s : input) n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
    return n;
  }();
  // Histogram samples: limitk keeps them; topk, bottomk and quantile ignore them (with an
  // info); the other ops come here only without histograms (EvalAggregate streams them).
  const bool any_histograms = std::any_of(input.begin(), input.end(), [](const ESeries& s) {
    return !s.histograms.empty();
  });
  if (any_histograms && a.op != AggregateOp::kLimitk && a.op != AggregateOp::kLimitRatio) {
    ctx->Info(absl::StrCat("ignored histogram in ", AggregateOpName(a.op), " aggregation"),
              a.expr->pos);
  }
  std::vector<size_t> hpos(any_histograms ? input.size() : 0, 0);

  const bool k_op = a.op == AggregateOp::kTopk || a.op == AggregateOp::kBottomk ||
                    a.op == AggregateOp::kLimitk || a.op == AggregateOp::kLimitRatio;
  // Map input series to groups.
  absl::flat_hash_map<uint64_t, int> group_index;
  std::vector<int> series_group(input.size());
  EMatrix result;  // one row per group (non-k ops)
  int ngroups = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    const uint64_t key = GroupingKey(input[i].metric, grouping, a.without);
    auto [it, inserted] = group_index.try_emplace(key, ngroups);
    if (inserted) {
      if (!k_op) {
        ESeries s;
        s.metric = GroupingLabels(input[i].metric, grouping, a.without);
        result.push_back(std::move(s));
      }
      ++ngroups;
    }
    series_group[i] = it->second;
  }
  std::vector<Group> groups(ngroups);

  // An empty result: the input's points are released.
  auto released = [ctx](EMatrix, int64_t points) {
    ctx->SubSamples(points);
    return EMatrix();
  };
  if (has_param) {
    double pmin = std::numeric_limits<double>::infinity();
    double pmax = -std::numeric_limits<double>::infinity();
    bool any_nan = false;
    for (double p : params) {
      if (std::isnan(p)) {
        any_nan = true;
        continue;
      }
      pmin = std::min(pmin, p);
      pmax = std::max(pmax, p);
    }
    switch (a.op) {
      case AggregateOp::kTopk:
      case AggregateOp::kBottomk:
      case AggregateOp::kLimitk:
        if (pmax < 1 && !any_nan) return released(std::move(input), in_points);
        if (any_nan) Errorf("Parameter value is NaN");
        if (pmin <= -9.223372036854775e18) {
          Errorf(absl::StrCat("Scalar value ", common::GoFloat(pmin, 'g'), " underflows int64"));
        }
        if (pmax >= 9.223372036854775e18) {
          Errorf(absl::StrCat("Scalar value ", common::GoFloat(pmax, 'g'), " overflows int64"));
        }
        if (pmax < 1) return released(std::move(input), in_points);
        break;
      case AggregateOp::kLimitRatio:
        if (pmax == 0 && pmin == 0 && !any_nan) return released(std::move(input), in_points);
        if (any_nan) Errorf("Ratio value is NaN");
        if (pmax > 1.0) {
          ctx->Warn(absl::StrCat("ratio value should be between -1 and 1, got ",
                                 common::GoFloat(pmax, 'g'), ", capping to 1"),
                    a.param->pos);
        }
        if (pmin < -1.0) {
          ctx->Warn(absl::StrCat("ratio value should be between -1 and 1, got ",
                                 common::GoFloat(pmin, 'g'), ", capping to -1"),
                    a.param->pos);
        }
        break;
      case AggregateOp::kQuantile:
        if (any_nan) {
          ctx->Warn("quantile value should be between 0 and 1, got NaN", a.param->pos);
        }
        if (pmax > 1) {
          ctx->Warn(absl::StrCat("quantile value should be between 0 and 1, got ",
                                  common::GoFloat(pmax, 'g')),
                     a.param->pos);
        }
        if (pmin < 0) {
          ctx->Warn(absl::StrCat("quantile value should be between 0 and 1, got ",
                                  common::GoFloat(pmin, 'g')),
                     a.param->pos);
        }
        break;
      default:
        break;
    }
  }

  const bool instant = grid.start == grid.end;
  std::vector<size_t> pos(input.size(), 0);
  // k ops: per-input-series output rows (range) or ordered output (instant).
  EMatrix k_rows;
  if (k_op && !instant) {
    k_rows.resize(input.size());
    for (size_t i = 0; i < input.size(); ++i) {
      k_rows[i].metric = input[i].metric;
      k_rows[i].drop_name = input[i].drop_name;
    }
  }
  EMatrix k_instant;
  std::vector<std::vector<HeapElem>> heaps(k_op ? ngroups : 0);

  // Fast path: fold series by series into a (group, step) table. Each cell still sees the
  // samples in series order, exactly as the step-by-step loop below, so results are identical;
  // but the input is read sequentially. Only when the table stays small.
  const size_t nsteps = grid.NumSteps();
  if (!k_op && a.op != AggregateOp::kQuantile &&
      static_cast<size_t>(ngroups) * nsteps <= (size_t{1} << 18)) {
    std::vector<Group> cells(static_cast<size_t>(ngroups) * nsteps);
    for (size_t si = 0; si < input.size(); ++si) {
      if ((si & 255) == 0) ctx->CheckDone();
      Group* row = &cells[static_cast<size_t>(series_group[si]) * nsteps];
      const bool drop = input[si].drop_name;
      for (const auto& pt : input[si].floats) {
        Accumulate(a.op, row[grid.StepIndex(pt.t)], pt.f, drop);
      }
    }
    for (int gi = 0; gi < ngroups; ++gi) {
      Group* row = &cells[static_cast<size_t>(gi) * nsteps];
      ESeries& out_row = result[gi];
      for (size_t k = 0; k < nsteps; ++k) {
        if (!row[k].seen) continue;
        out_row.floats.push_back({grid.start + static_cast<int64_t>(k) * grid.interval,
                                  Finalize(a.op, row[k], 0)});
        if (row[k].drop_name) out_row.drop_name = true;
      }
    }
    ctx->SubSamples(in_points);
    EMatrix out;
    for (auto& r : result) {
      if (!r.floats.empty()) out.push_back(std::move(r));
    }
    int64_t n = 0;
    for (const auto& r : out) n += static_cast<int64_t>(r.floats.size());
    ctx->AddSamples(n);
    return out;
  }

  size_t step = 0;
  int64_t added = 0;  // output points of the current step, counted at its end
  for (int64_t ts = grid.start; ts <= grid.end; ts += grid.interval, ++step) {
    ctx->CheckDone();
    ctx->AddSamples(added);
    added = 0;
    const double param = has_param ? params[step] : 0;
    for (auto& g : groups) g.seen = false;
    if (k_op) {
      int64_t k = 0;
      const bool ratio = a.op == AggregateOp::kLimitRatio;
      if (!ratio) {
        k = std::min<int64_t>(static_cast<int64_t>(param), static_cast<int64_t>(input.size()));
      }
      const double r = std::clamp(param, -1.0, 1.0);
      for (auto& h : heaps) h.clear();
      for (size_t si = 0; si < input.size(); ++si) {
        const auto& fl = input[si].floats;
        size_t& p = pos[si];
        while (p < fl.size() && fl[p].t < ts) ++p;
        const HistPtr* hist = nullptr;
        if (p >= fl.size() || fl[p].t != ts) {
          // limitk and limit_ratio keep histogram samples (ordered as value 0, as Go's Sample.F).
          if ((a.op != AggregateOp::kLimitk && !ratio) || input[si].histograms.empty()) continue;
          const auto& hs = input[si].histograms;
          size_t& q = hpos[si];
          while (q < hs.size() && hs[q].t < ts) ++q;
          if (q >= hs.size() || hs[q].t != ts) continue;
          hist = &hs[q].h;
        }
        const double f = hist != nullptr ? 0 : fl[p].f;
        if (ratio) {
          if (param == 0 || !InRatioSample(r, input[si].metric)) continue;
          auto& h = heaps[series_group[si]];
          HeapElem e{static_cast<int>(si), f};
          e.h = hist;
          h.push_back(e);
          HeapUp(h, static_cast<int>(h.size()) - 1, ByValueLess);  // Go's heap.Push order
          continue;
        }
        if (k < 1) continue;
        auto& h = heaps[series_group[si]];
        HeapElem e{static_cast<int>(si), f};
        e.h = hist;
        switch (a.op) {
          case AggregateOp::kTopk:
            if (static_cast<int64_t>(h.size()) < k) {
              h.push_back(e);
              HeapUp(h, static_cast<int>(h.size()) - 1, ByValueLess);
            } else if (h[0].f < f || (std::isnan(h[0].f) && !std::isnan(f))) {
              h[0] = e;
              if (k > 1 && !HeapDown(h, 0, static_cast<int>(h.size()), ByValueLess)) {
                HeapUp(h, 0, ByValueLess);
              }
            }
            break;
          case AggregateOp::kBottomk:
            if (static_cast<int64_t>(h.size()) < k) {
              h.push_back(e);
              HeapUp(h, static_cast<int>(h.size()) - 1, ByReverseValueLess);
            } else if (h[0].f > f || (std::isnan(h[0].f) && !std::isnan(f))) {
              h[0] = e;
              if (k > 1 && !HeapDown(h, 0, static_cast<int>(h.size()), ByReverseValueLess)) {
                HeapUp(h, 0, ByReverseValueLess);
              }
            }
            break;
          case AggregateOp::kLimitk:
            if (static_cast<int64_t>(h.size()) < k) h.push_back(e);
            break;
          default:
            break;
        }
      }
      for (auto& h : heaps) {
        if (a.op == AggregateOp::kTopk) {
          // sort.Sort(sort.Reverse(heap)): descending, NaN last.
          std::stable_sort(h.begin(), h.end(),
                           [](const HeapElem& x, const HeapElem& y) { return ByValueLess(y, x); });
        } else if (a.op == AggregateOp::kBottomk) {
          std::stable_sort(h.begin(), h.end(), [](const HeapElem& x, const HeapElem& y) {
            return ByReverseValueLess(y, x);
          });
        }
        added += static_cast<int64_t>(h.size());
        for (const auto& e : h) {
          if (instant) {
            ESeries s;
            s.metric = input[e.series].metric;
            s.drop_name = input[e.series].drop_name;
            if (e.h != nullptr) {
              s.histograms.push_back({ts, *e.h});
            } else {
              s.floats.push_back({ts, e.f});
            }
            k_instant.push_back(std::move(s));
          } else if (e.h != nullptr) {
            k_rows[e.series].histograms.push_back({ts, *e.h});
          } else {
            k_rows[e.series].floats.push_back({ts, e.f});
          }
        }
      }
      continue;
    }

    for (size_t si = 0; si < input.size(); ++si) {
      const auto& fl = input[si].floats;
      size_t& p = pos[si];
      while (p < fl.size() && fl[p].t < ts) ++p;
      if (p >= fl.size() || fl[p].t != ts) continue;
      Accumulate(a.op, groups[series_group[si]], fl[p].f, input[si].drop_name);
    }
    for (int gi = 0; gi < ngroups; ++gi) {
      Group& g = groups[gi];
      if (!g.seen) continue;
      const double v = Finalize(a.op, g, param);
      ESeries& row = result[gi];
      if (row.floats.empty()) row.floats.reserve(std::min<size_t>(grid.NumSteps(), static_cast<size_t>(ctx->SampleBudget())));
      row.floats.push_back({ts, v});
      ++added;
      if (g.drop_name) row.drop_name = true;
    }
  }
  ctx->AddSamples(added);
  ctx->SubSamples(in_points);
  EMatrix out;
  if (k_op) {
    if (instant) return k_instant;
    for (auto& r : k_rows) {
      if (!r.floats.empty() || !r.histograms.empty()) out.push_back(std::move(r));
    }
  } else {
    for (auto& r : result) {
      if (!r.floats.empty()) out.push_back(std::move(r));
    }
  }
  return out;
}

namespace {
// Go's strconv.Quote for the error message of count_values (bytes of invalid UTF-8 as \xNN).
std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\x%02x", c);
            out += buf;
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    int len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
      ++i;
    }
  }
  out += "\"";
  return out;
}
}  // namespace

EMatrix CountValues(const AggregateExpr& a, const std::string& label,
                    const std::function<EMatrix()>& eval_input, const StepGrid& g,
                    QueryContext* ctx) {
  if (!model::IsValidLabelName(label)) {
    Errorf(absl::StrCat("invalid label name ", GoQuote(label)));
  }
  std::vector<std::string> grouping = a.grouping;
  if (!a.without) grouping.push_back(label);
  std::sort(grouping.begin(), grouping.end());
  EMatrix input = eval_input();
  Collector col(g.start == g.end);
  std::vector<size_t> pos(input.size(), 0), hpos(input.size(), 0);
  int64_t added = 0;  // output points of the current step, counted at its end
  for (int64_t ts = g.start; ts <= g.end; ts += g.interval) {
    ctx->CheckDone();
    ctx->AddSamples(added);
    added = 0;
    struct GC {
      model::Labels labels;
      int count;
    };
    std::vector<GC> order;
    absl::flat_hash_map<uint64_t, size_t> idx;
    for (size_t si = 0; si < input.size(); ++si) {
      const auto& fl = input[si].floats;
      size_t& p = pos[si];
      while (p < fl.size() && fl[p].t < ts) ++p;
      std::string value;
      if (p < fl.size() && fl[p].t == ts) {
        value = common::GoFloat(fl[p].f, 'f');
      } else {
        // A histogram counts by its String() (Prometheus' count_values).
        const auto& hs = input[si].histograms;
        size_t& q = hpos[si];
        while (q < hs.size() && hs[q].t < ts) ++q;
        if (q >= hs.size() || hs[q].t != ts) continue;
        value = hs[q].h->String();
      }
      model::LabelsBuilder b(input[si].metric);
      b.Set(label, value);
      model::Labels m = b.Build();
      const uint64_t key = GroupingKey(m, grouping, a.without);
      auto [it, inserted] = idx.try_emplace(key, order.size());
      if (inserted) {
        order.push_back({GroupingLabels(m, grouping, a.without), 1});
      } else {
        order[it->second].count++;
      }
    }
    for (auto& g : order) col.Add(col.Intern(g.labels, false), ts, g.count);
    added = static_cast<int64_t>(order.size());
  }
  ctx->AddSamples(added);
  ctx->SubSamples(static_cast<int64_t>(PointCount(input)));
  return col.Take();
}

}  // namespace promlet::promql::internal
