// Anchored and smoothed selectors over series with native-histogram samples: Prometheus'
// extendedHistogramRate, interpolateHistograms, pickOrInterpolateLeft/RightHistogram,
// validateHistogramRange, correctForCounterResetsHistogram, pickFirstSampleIndices and
// smoothSeries' histogram branch (promql/functions.go, engine.go); and the plain instant
// selection of a series with histogram samples, next to its smoothed form.
#include <algorithm>
#include <optional>

#include "model/value.h"
#include "promql/engine/extended_ranges.h"
#include "promql/engine/histogram_range.h"

namespace promlet::promql::internal {

namespace {

using model::histogram::CounterResetHint;
using model::histogram::FloatHistogram;

bool IsGauge(const FloatHistogram& h) { return h.counter_reset_hint == CounterResetHint::kGauge; }

// Adds (subtracts) other into base with the annotations Prometheus gives; false when the two
// cannot be combined (warned when they mix exponential and custom buckets).
bool Combine(FloatHistogram& base, const FloatHistogram& other, bool subtract,
             const SeriesNotes& notes) {
  const bool mixed = base.UsesCustomBuckets() != other.UsesCustomBuckets();
  auto r = subtract ? base.Sub(other) : base.Add(other);
  if (!r.ok()) {
    if (mixed) notes.MixedSchemas();
    return false;
  }
  if (r->nhcb_bounds_reconciled) notes.Reconciled(subtract ? "subtraction" : "addition");
  return true;
}

// The histogram at t between (t1, h1) and (t2, h2); a counter that reset between them is
// taken to have restarted from zero (h2 scaled). nullopt when they cannot be combined.
std::optional<FloatHistogram> InterpolateHistograms(const FloatHistogram& h1, int64_t t1,
                                                    const FloatHistogram& h2, int64_t t2,
                                                    int64_t t, bool is_counter,
                                                    const SeriesNotes& notes) {
  if (t == t1) return h1.Copy();
  if (t == t2) return h2.Copy();
  const double fraction = static_cast<double>(t - t1) / static_cast<double>(t2 - t1);
  FloatHistogram result = h2.Copy();
  if (is_counter && h2.DetectReset(h1)) {
    result.Mul(fraction);
    return result;
  }
  if (!Combine(result, h1, true, notes)) return std::nullopt;
  result.Mul(fraction);
  if (!Combine(result, h1, false, notes)) return std::nullopt;
  return result;
}

// Prometheus' correctForCounterResetsHistogram: the sum of the values before each reset
// strictly between the boundary samples first and last (nullopt result: no correction);
// false when the histograms cannot be added.
bool CorrectForResets(const HWindow& w, size_t first_index, size_t last_index,
                      const FloatHistogram& left, const FloatHistogram& right,
                      int64_t range_start, bool smoothed, const SeriesNotes& notes,
                      std::optional<FloatHistogram>& correction) {
  size_t first = first_index + 1;
  const FloatHistogram* prev = &left;
  if (smoothed && w.t[first_index] < range_start &&
      w.h[first_index + 1]->DetectReset(*w.h[first_index])) {
    // The left interpolation spanned this reset already.
    prev = w.h[first_index + 1].get();
    ++first;
  }
  // The last boundary sample is right (or right's source): it is never in the loop.
  if (first > last_index) return true;
  auto add = [&](const FloatHistogram& h) {
    if (!correction) {
      correction = h.Copy();
      return true;
    }
    return Combine(*correction, h, false, notes);
  };
  for (size_t i = first; i < last_index; ++i) {
    if (w.h[i]->DetectReset(*prev) && !add(*prev)) return false;
    prev = w.h[i].get();
  }
  if (right.DetectReset(*prev) && !add(*prev)) return false;
  return true;
}

std::optional<FloatHistogram> ExtendedHistogramRate(const HWindow& w, int64_t range_start,
                                                    int64_t range_end, int64_t range_ms,
                                                    bool smoothed, bool is_counter,
                                                    bool is_rate, const SeriesNotes& notes) {
  const int64_t* t = w.t;
  const auto b = FindWindowBoundaries(t, w.n, range_start, range_end, smoothed);
  if (!b || (smoothed && t[b->first] > range_end)) return std::nullopt;
  const size_t first = b->first, last = b->last;
  // validateHistogramRange.
  const bool custom = w.h[first]->UsesCustomBuckets();
  for (size_t i = first; i <= last; ++i) {
    if (w.h[i]->UsesCustomBuckets() != custom) {
      notes.MixedSchemas();
      return std::nullopt;
    }
    if (is_counter && IsGauge(*w.h[i])) notes.NotCounter();
  }
  std::optional<FloatHistogram> left =
      b->interpolate_left
          ? InterpolateHistograms(*w.h[first], t[first], *w.h[first + 1], t[first + 1],
                                  range_start, is_counter, notes)
          : w.h[first]->Copy();
  if (!left) return std::nullopt;
  std::optional<FloatHistogram> right =
      b->interpolate_right
          ? InterpolateHistograms(*w.h[last - 1], t[last - 1], *w.h[last], t[last], range_end,
                                  is_counter, notes)
          : w.h[last]->Copy();
  if (!right) return std::nullopt;
  if (!is_counter && (!IsGauge(*left) || !IsGauge(*right))) notes.NotGauge();
  FloatHistogram result = right->Copy();
  if (!Combine(result, *left, true, notes)) return std::nullopt;
  if (is_counter) {
    std::optional<FloatHistogram> correction;
    if (!CorrectForResets(w, first, last, *left, *right, range_start, smoothed, notes,
                          correction)) {
      return std::nullopt;
    }
    if (correction && !Combine(result, *correction, false, notes)) return std::nullopt;
  }
  if (is_rate) result.Div(static_cast<double>(range_ms) / 1000);
  result.counter_reset_hint = CounterResetHint::kGauge;
  result.Compact(0);
  return result;
}

}  // namespace

void SlideExtendedHistogramWindows(const RangeFunction& f, const RangeCall& c, const Decoded& d,
                                   ESeries& s, PositionRange pos) {
  const SeriesNotes notes{c.ctx, std::string(d.labels.MetricName()), pos};
  const bool smoothed = c.extension == RangeExtension::kSmoothed;
  const int64_t before = ExtensionBefore(c.extension, c.lookback_ms);
  const int64_t after = ExtensionAfter(c.extension, c.lookback_ms);
  PointCounter counted(c.ctx);
  const size_t nf = d.t.size(), nh = d.ht.size();
  size_t flo = 0, fhi = 0, hlo = 0, hhi = 0;
  for (int64_t ts = c.grid.start; ts <= c.grid.end; ts += c.grid.interval) {
    const int64_t ref = c.RefTime(ts);
    const int64_t range_start = ref - c.range_ms;
    while (fhi < nf && d.t[fhi] <= ref + after) ++fhi;
    while (flo < fhi && d.t[flo] <= range_start - before) ++flo;
    while (hhi < nh && d.ht[hhi] <= ref + after) ++hhi;
    while (hlo < hhi && d.ht[hlo] <= range_start - before) ++hlo;
    counted.Tick(s.floats.size() + s.histograms.size());
    Window fw{d.t.data() + flo, d.v.data() + flo, fhi - flo};
    HWindow hw{d.ht.data() + hlo, d.hv.data() + hlo, hhi - hlo};
    if (fw.n == 0 && hw.n == 0) continue;
    if (f.extended == ExtendedKind::kChanges || f.extended == ExtendedKind::kResets) {
      // pickFirstSampleIndices: the newest sample at or before the start, of either kind, and
      // every sample after it.
      const size_t fa = FirstAfter(fw.t, fw.n, range_start);
      const size_t ha = FirstAfter(hw.t, hw.n, range_start);
      if (fa >= fw.n && ha >= hw.n) continue;
      const bool has_f = fa > 0, has_h = ha > 0;
      size_t ff = fa, fh = ha;
      if (has_f && (!has_h || fw.t[fa - 1] >= hw.t[ha - 1])) {
        ff = fa - 1;
      } else if (has_h) {
        fh = ha - 1;
      }
      fw = Window{fw.t + ff, fw.v + ff, fw.n - ff};
      hw = HWindow{hw.t + fh, hw.h + fh, hw.n - fh};
      s.floats.push_back(
          {ts, CountTransitions(fw, hw, f.extended == ExtendedKind::kResets)});
      continue;
    }
    if (fw.n > 0 && hw.n > 0) {
      notes.Mixed();
      continue;
    }
    const bool is_counter = f.extended != ExtendedKind::kDelta;
    const bool is_rate = f.extended == ExtendedKind::kRate;
    if (hw.n == 0) {
      if (auto r = ExtendedRate(fw, range_start, ref, c.range_ms, smoothed, is_counter, is_rate)) {
        s.floats.push_back({ts, *r});
      }
      continue;
    }
    if (auto h = ExtendedHistogramRate(hw, range_start, ref, c.range_ms, smoothed, is_counter,
                                       is_rate, notes)) {
      s.histograms.push_back({ts, std::make_shared<const FloatHistogram>(std::move(*h))});
    }
  }
  counted.Flush(s.floats.size() + s.histograms.size());
}

void SelectLatestMixed(const Decoded& d, const InstantSelect& sel, QueryContext* ctx,
                       ESeries& s) {
  const size_t nf = d.t.size(), nh = d.ht.size();
  size_t fi = 0, hi = 0;
  PointCounter counted(ctx);
  for (int64_t ts = sel.grid.start; ts <= sel.grid.end; ts += sel.grid.interval) {
    counted.Tick(s.floats.size() + s.histograms.size());
    const int64_t ref = (sel.has_at ? sel.at : ts) - sel.offset_ms;
    while (fi < nf && d.t[fi] <= ref) ++fi;
    while (hi < nh && d.ht[hi] <= ref) ++hi;
    if (fi == 0 && hi == 0) continue;
    // The latest sample at or before ref, float or histogram.
    const bool use_h = hi > 0 && (fi == 0 || d.ht[hi - 1] > d.t[fi - 1]);
    const int64_t t = use_h ? d.ht[hi - 1] : d.t[fi - 1];
    if (t <= ref - sel.lookback_ms) continue;
    if (use_h ? model::IsStaleNaN(d.hv[hi - 1]->sum) : model::IsStaleNaN(d.v[fi - 1])) continue;
    if (sel.record_orig_t && !(use_h && sel.histograms_as_is)) {
      s.floats.push_back({ts, static_cast<double>(t) / 1000.0});
    } else if (use_h) {
      s.histograms.push_back({ts, d.hv[hi - 1]});
    } else {
      s.floats.push_back({ts, d.v[fi - 1]});
    }
  }
  counted.Flush(s.floats.size() + s.histograms.size());
}

void SmoothMixedSeries(const Decoded& d, const InstantSelect& sel, QueryContext* ctx,
                       PositionRange pos, ESeries& s) {
  const SeriesNotes notes{ctx, std::string(d.labels.MetricName()), pos};
  PointCounter counted(ctx);
  const size_t nf = d.t.size(), nh = d.ht.size();
  size_t flo = 0, fhi = 0, hlo = 0, hhi = 0;
  for (int64_t ts = sel.grid.start; ts <= sel.grid.end; ts += sel.grid.interval) {
    counted.Tick(s.floats.size() + s.histograms.size());
    const int64_t ref = (sel.has_at ? sel.at : ts) - sel.offset_ms;
    while (fhi < nf && d.t[fhi] <= ref + sel.lookback_ms) ++fhi;
    while (flo < fhi && d.t[flo] <= ref - sel.lookback_ms) ++flo;
    while (hhi < nh && d.ht[hhi] <= ref + sel.lookback_ms) ++hhi;
    while (hlo < hhi && d.ht[hlo] <= ref - sel.lookback_ms) ++hlo;
    if (fhi == flo && hhi == hlo) continue;
    if (fhi > flo && hhi > hlo) {
      notes.Mixed();
      continue;
    }
    if (hhi == hlo) {
      const std::optional<double> v = SmoothedValueAt(d, flo, fhi, ref);
      if (!v.has_value()) continue;
      s.floats.push_back({ts, sel.record_orig_t ? static_cast<double>(ref) / 1000.0 : *v});
      continue;
    }
    const size_t i = hlo + FirstAtOrAfter(d.ht.data() + hlo, hhi - hlo, ref);
    if (i == hlo && !(i < hhi && d.ht[i] == ref)) continue;  // nothing at or before ref
    if (sel.record_orig_t) {
      s.floats.push_back({ts, static_cast<double>(ref) / 1000.0});
      continue;
    }
    if (i < hhi && d.ht[i] == ref) {
      s.histograms.push_back({ts, d.hv[i]});
      continue;
    }
    const FloatHistogram& prev = *d.hv[i - 1];
    if (i == hhi) {
      // Carried forward: the hint described the step from its predecessor, not the value.
      FloatHistogram h = prev.Copy();
      h.counter_reset_hint = CounterResetHint::kUnknown;
      s.histograms.push_back({ts, std::make_shared<const FloatHistogram>(std::move(h))});
      continue;
    }
    const FloatHistogram& next = *d.hv[i];
    if (prev.UsesCustomBuckets() != next.UsesCustomBuckets()) {
      notes.MixedSchemas();
      continue;
    }
    const bool is_counter = !IsGauge(prev) || !IsGauge(next);
    if (auto h = InterpolateHistograms(prev, d.ht[i - 1], next, d.ht[i], ref, is_counter, notes)) {
      s.histograms.push_back({ts, std::make_shared<const FloatHistogram>(std::move(*h))});
    }
  }
  counted.Flush(s.floats.size() + s.histograms.size());
}

}  // namespace promlet::promql::internal
