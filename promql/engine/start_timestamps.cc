// Range functions over series with start timestamps (Prometheus' functions.go with
// use-start-timestamps: extrapolatedRate, histogramRate, instantValue, funcResets)).
#include "promql/engine/start_timestamps.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "promql/engine/histogram_range.h"

namespace promlet::promql::internal {

namespace {

using model::histogram::CounterResetHint;
using model::histogram::FloatHistogram;

// A window's floats with their STs.
struct STWindow {
  const int64_t* t;
  const double* v;
  const int64_t* st;
  size_t n;
};

// extrapolatedRate for a counter window of floats (n >= 1) with STs.
std::optional<double> FloatRate(const STWindow& w, int64_t range_start, int64_t range_end,
                                int64_t range_ms, bool is_rate, const SeriesNotes& notes) {
  const size_t last = w.n - 1;
  const int64_t first_t = w.t[0], last_t = w.t[last];
  double result = w.v[last] - w.v[0];
  bool overlap_noted = false;
  for (size_t i = 1; i < w.n; ++i) {
    if (!overlap_noted && StartTimeOverlaps(w.st[i - 1], w.t[i - 1], w.st[i])) {
      notes.StartTimeOverlap();
      overlap_noted = true;
    }
    if (w.v[i] < w.v[i - 1] || IsStartTimestampReset(w.st[i - 1], w.t[i - 1], w.st[i], w.t[i])) {
      result += w.v[i - 1];
    }
  }
  const auto x = ExtrapolateWithStart(first_t, last_t, w.n, w.st[0], range_start, range_end,
                                      range_ms, true, is_rate, result, w.v[0]);
  if (!x) return std::nullopt;
  if (x->add_first) result += w.v[0];
  return result * x->factor;
}

// One sample of either kind with its ST.
struct STSample {
  int64_t t = 0;
  int64_t st = 0;
  double f = 0;
  const FloatHistogram* h = nullptr;
};

// The samples of both windows merged in time.
std::vector<STSample> Merged(const STWindow& fw, const HWindow& hw, size_t from_f, size_t from_h) {
  std::vector<STSample> out;
  out.reserve(fw.n - from_f + hw.n - from_h);
  size_t i = from_f, j = from_h;
  while (i < fw.n || j < hw.n) {
    if (j >= hw.n || (i < fw.n && fw.t[i] < hw.t[j])) {
      out.push_back({fw.t[i], fw.st[i], fw.v[i], nullptr});
      ++i;
    } else {
      out.push_back({hw.t[j], hw.st[j], 0, hw.h[j].get()});
      ++j;
    }
  }
  return out;
}

// resets(): float drops, histogram resets, changes of kind and ST resets.
double CountResets(const STWindow& fw, const HWindow& hw) {
  const std::vector<STSample> s = Merged(fw, hw, 0, 0);
  double n = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    const STSample& prev = s[i - 1];
    const STSample& cur = s[i];
    if ((prev.h == nullptr) != (cur.h == nullptr)) {
      n += 1;
      continue;
    }
    const bool st_reset = IsStartTimestampReset(prev.st, prev.t, cur.st, cur.t);
    if (cur.h == nullptr) {
      n += cur.f < prev.f || st_reset ? 1 : 0;
    } else {
      n += st_reset || cur.h->DetectReset(*prev.h) ? 1 : 0;
    }
  }
  return n;
}

}  // namespace

bool ReadsStartTimestamps(const RangeFunction& f) {
  return f.kernel == &range_fn::Rate || f.kernel == &range_fn::Increase ||
         f.kernel == &range_fn::Irate || f.kernel == &range_fn::Resets;
}

void SlideStartTimestampWindows(const RangeFunction& f, const RangeCall& c, const Decoded& d,
                                ESeries& s, PositionRange pos) {
  const SeriesNotes notes{c.ctx, std::string(d.labels.MetricName()), pos};
  const auto kernel = f.kernel;
  PointCounter counted(c.ctx);
  const int64_t range_ms = c.range_ms;
  const size_t nf = d.t.size(), nh = d.ht.size();
  size_t flo = 0, fhi = 0, hlo = 0, hhi = 0;
  for (int64_t ts = c.grid.start; ts <= c.grid.end; ts += c.grid.interval) {
    const int64_t ref = c.RefTime(ts);
    while (fhi < nf && d.t[fhi] <= ref) ++fhi;
    while (flo < fhi && d.t[flo] <= ref - range_ms) ++flo;
    while (hhi < nh && d.ht[hhi] <= ref) ++hhi;
    while (hlo < hhi && d.ht[hlo] <= ref - range_ms) ++hlo;
    counted.Tick(s.floats.size() + s.histograms.size());
    const size_t fn = fhi - flo, hn = hhi - hlo;
    if (fn == 0 && hn == 0) continue;
    const STWindow fw{d.t.data() + flo, d.v.data() + flo, d.st.data() + flo, fn};
    const HWindow hw{d.ht.data() + hlo, d.hv.data() + hlo, hn, d.hst.data() + hlo};
    if (kernel == &range_fn::Resets) {
      s.floats.push_back({ts, CountResets(fw, hw)});
      continue;
    }
    if (kernel == &range_fn::Rate || kernel == &range_fn::Increase) {
      const bool is_rate = kernel == &range_fn::Rate;
      if (fn > 0 && hn > 0) {
        notes.Mixed();
        continue;
      }
      if (hn == 0) {
        if (auto r = FloatRate(fw, ref - range_ms, ref, range_ms, is_rate, notes)) {
          s.floats.push_back({ts, *r});
        }
        continue;
      }
      if (auto h =
              ExtrapolatedHistogramRate(hw, ref - range_ms, ref, range_ms, true, is_rate, notes)) {
        s.histograms.push_back({ts, std::make_shared<const FloatHistogram>(std::move(*h))});
      }
      continue;
    }
    // irate: the last two samples of both kinds, in time order.
    if (fn + hn < 2) continue;
    const std::vector<STSample> last2 = Merged(fw, hw, fn >= 2 ? fn - 2 : 0, hn >= 2 ? hn - 2 : 0);
    const STSample& v0 = last2[last2.size() - 2];
    const STSample& v1 = last2[last2.size() - 1];
    const int64_t sampled = v1.t - v0.t;
    if (sampled == 0) continue;
    const bool st_reset = IsStartTimestampReset(v0.st, v0.t, v1.st, v1.t);
    if (v0.h == nullptr && v1.h == nullptr) {
      double r = v1.f;
      if (!(v1.f < v0.f || st_reset)) r = v1.f - v0.f;
      s.floats.push_back({ts, r / (static_cast<double>(sampled) / 1000)});
      continue;
    }
    if (v0.h == nullptr || v1.h == nullptr) {
      notes.Mixed();
      continue;
    }
    FloatHistogram h = v1.h->Copy();
    if (v1.h->counter_reset_hint == CounterResetHint::kGauge ||
        v0.h->counter_reset_hint == CounterResetHint::kGauge) {
      notes.NotCounter();
    }
    if (!st_reset && !v1.h->DetectReset(*v0.h)) {
      auto r = h.Sub(*v0.h);
      if (!r.ok()) {
        notes.MixedSchemas();
        continue;
      }
      if (r->nhcb_bounds_reconciled) notes.Reconciled("subtraction");
    }
    h.counter_reset_hint = CounterResetHint::kGauge;
    h.Compact(0);
    h.Div(static_cast<double>(sampled) / 1000);
    s.histograms.push_back({ts, std::make_shared<const FloatHistogram>(std::move(h))});
  }
  counted.Flush(s.floats.size() + s.histograms.size());
}

}  // namespace promlet::promql::internal
