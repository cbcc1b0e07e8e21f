// The native-histogram half of the streamed aggregations (Prometheus' evaluator.aggregation):
// sum and avg of histograms (Kahan-compensated; avg switches to the incremental mean once the
// sum overflows), count and group counting histogram samples, and the "ignored histogram"
// infos of min, max, stddev and stdvar. StreamedAggregation keeps the histogram points of its
// input (in input order) and calls MergeHistogramAggregation on its float result rows.
#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "promql/engine/aggregation.h"

namespace promlet::promql::internal {

namespace {

using model::histogram::CounterResetHint;
using model::histogram::FloatHistogram;

// One (group, step) cell of a sum or avg of histograms.
struct HistogramCell {
  std::optional<FloatHistogram> value, comp, mean;
  double count = 0;
  bool incremental = false;
  bool incompatible = false;
  bool reset_seen = false, not_reset_seen = false;
  bool drop_name = false;
};

void Track(HistogramCell& c, const FloatHistogram& h) {
  if (h.counter_reset_hint == CounterResetHint::kReset) c.reset_seen = true;
  if (h.counter_reset_hint == CounterResetHint::kNotReset) c.not_reset_seen = true;
}

// Adds h to the cell; false when the layouts are incompatible (the cell is then dropped).
bool AddToCell(bool is_avg, HistogramCell& c, const FloatHistogram& h, bool* reconciled) {
  if (!c.value) {
    c.value = h.Copy();
    c.count = 1;
    Track(c, h);
    return true;
  }
  if (c.incompatible) return true;
  Track(c, h);
  if (!is_avg) {
    auto r = c.value->KahanAdd(h, &c.comp);
    if (!r.ok()) return false;
    *reconciled = *reconciled || r->nhcb_bounds_reconciled;
    return true;
  }
  c.count += 1;
  if (!c.incremental) {
    FloatHistogram v = c.value->Copy();
    std::optional<FloatHistogram> comp;
    if (c.comp) comp = c.comp->Copy();
    auto r = v.KahanAdd(h, &comp);
    if (!r.ok()) return false;
    *reconciled = *reconciled || r->nhcb_bounds_reconciled;
    if (!v.HasOverflow()) {
      c.value = std::move(v);
      c.comp = std::move(comp);
      return true;
    }
    c.incremental = true;
    c.mean = c.value->Copy();
    c.mean->Div(c.count - 1);
    if (c.comp) c.comp->Div(c.count - 1);
  }
  const double q = (c.count - 1) / c.count;
  if (c.comp) c.comp->Mul(q);
  FloatHistogram to_add = h.Copy();
  to_add.Div(c.count);
  c.mean->Mul(q);
  auto r = c.mean->KahanAdd(to_add, &c.comp);
  if (!r.ok()) return false;
  *reconciled = *reconciled || r->nhcb_bounds_reconciled;
  return true;
}

FloatHistogram FinishCell(bool is_avg, HistogramCell& c) {
  FloatHistogram out;
  if (!is_avg) {
    out = std::move(*c.value);
    if (c.comp) (void)out.Add(*c.comp);
  } else if (c.incremental) {
    out = std::move(*c.mean);
    if (c.comp) (void)out.Add(*c.comp);
  } else {
    out = std::move(*c.value);
    out.Div(c.count);
    if (c.comp) {
      c.comp->Div(c.count);
      (void)out.Add(*c.comp);
    }
  }
  out.Compact(0);
  return out;
}

}  // namespace

void MergeHistogramAggregation(const AggregateExpr& a, const StepGrid& g,
                               std::vector<HistogramInput>& inputs, EMatrix& rows,
                               QueryContext* ctx) {
  const PositionRange& pos = a.expr->pos;
  switch (a.op) {
    case AggregateOp::kMin: case AggregateOp::kMax: case AggregateOp::kStddev:
    case AggregateOp::kStdvar: {
      const char* name = a.op == AggregateOp::kMin   ? "min"
                         : a.op == AggregateOp::kMax ? "max"
                         : a.op == AggregateOp::kStddev ? "stddev"
                                                        : "stdvar";
      ctx->Info(absl::StrCat("ignored histogram in ", name, " aggregation"), pos);
      return;
    }
    default:
      break;
  }
  const size_t nsteps = g.NumSteps();
  const bool counts = a.op == AggregateOp::kCount || a.op == AggregateOp::kGroup;
  const bool is_avg = a.op == AggregateOp::kAvg;
  // Cells by group * nsteps + step, filled in input order.
  absl::flat_hash_map<size_t, HistogramCell> cells;
  absl::flat_hash_map<size_t, double> count_cells;
  bool reconciled = false;
  for (HistogramInput& in : inputs) {
    for (const HPoint& p : in.points) {
      const size_t key = in.group * nsteps + g.StepIndex(p.t);
      if (counts) {
        count_cells[key] += 1;
        continue;
      }
      HistogramCell& c = cells[key];
      if (in.drop_name) c.drop_name = true;
      if (!AddToCell(is_avg, c, *p.h, &reconciled)) {
        c.incompatible = true;
        ctx->Warn(absl::StrCat("vector contains a mix of histograms with exponential and custom "
                               "buckets schemas for metric name \"",
                               std::string(in.metric_name), "\""),
                  pos);
      }
    }
  }
  if (reconciled) ctx->Info("mismatched custom buckets were reconciled during aggregation", pos);
  // Merges the cells into the rows: a float point at the same step means a mix.
  std::vector<std::vector<std::pair<size_t, const void*>>> by_row(rows.size());
  if (counts) {
    for (auto& [key, n] : count_cells) by_row[key / nsteps].push_back({key % nsteps, &n});
  } else {
    for (auto& [key, c] : cells) by_row[key / nsteps].push_back({key % nsteps, &c});
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    auto& cellv = by_row[r];
    if (cellv.empty()) continue;
    std::sort(cellv.begin(), cellv.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    ESeries& row = rows[r];
    std::vector<FPoint> floats;
    size_t fi = 0;
    for (const auto& [step, ptr] : cellv) {
      const int64_t ts = g.start + static_cast<int64_t>(step) * g.interval;
      while (fi < row.floats.size() && row.floats[fi].t < ts) floats.push_back(row.floats[fi++]);
      const bool has_float = fi < row.floats.size() && row.floats[fi].t == ts;
      if (counts) {
        const double n = *static_cast<const double*>(ptr);
        if (has_float) {
          FPoint p = row.floats[fi++];
          if (a.op == AggregateOp::kCount) p.f += n;
          floats.push_back(p);
        } else {
          floats.push_back({ts, a.op == AggregateOp::kCount ? n : 1.0});
        }
        continue;
      }
      auto& c = *const_cast<HistogramCell*>(static_cast<const HistogramCell*>(ptr));
      if (has_float) {
        ctx->Warn("encountered a mix of histograms and floats for aggregation", pos);
        ++fi;
        continue;
      }
      if (c.incompatible) continue;
      if (c.reset_seen && c.not_reset_seen) {
        ctx->Warn("conflicting counter resets during histogram aggregation", pos);
      }
      if (c.drop_name) row.drop_name = true;
      row.histograms.push_back(
          {ts, std::make_shared<const FloatHistogram>(FinishCell(is_avg, c))});
    }
    while (fi < row.floats.size()) floats.push_back(row.floats[fi++]);
    row.floats = std::move(floats);
  }
}

}  // namespace promlet::promql::internal
