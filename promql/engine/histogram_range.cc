// Range functions over series that hold native-histogram samples (Prometheus' functions.go:
// extrapolatedRate/histogramRate, instantValue, sum/avg_over_time's aggrHistOverTime,
// count/present/last/first_over_time, resets, changes, and the float-only functions that
// ignore histograms). Float-only series never come here: SlideWindows keeps them.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "promql/engine/histogram_range.h"

namespace promlet::promql::internal {

namespace {

using model::histogram::CounterResetHint;
using model::histogram::FloatHistogram;

bool IsGauge(const FloatHistogram& h) { return h.counter_reset_hint == CounterResetHint::kGauge; }

}  // namespace

bool IsStartTimestampReset(int64_t prev_st, int64_t prev_t, int64_t cur_st, int64_t cur_t) {
  // No ST, an invalid one (after t) or OTel's unknown start (ST == t): no reset.
  if (cur_st == 0 || cur_st >= cur_t) return false;
  if (cur_st < prev_t) return false;
  if (cur_st > prev_t) return true;
  // The ST points at the previous sample: a delta (reset) if the previous sample's own ST is
  // known and valid, a cumulative series with an unknown start otherwise.
  if (prev_st > prev_t) return false;
  return prev_st != 0 && prev_st != prev_t;
}

bool StartTimeOverlaps(int64_t prev_st, int64_t prev_t, int64_t cur_st) {
  return cur_st != 0 && cur_st < prev_t && cur_st != prev_st;
}

std::optional<FloatHistogram> HistogramRate(const HWindow& w, bool is_counter,
                                            const SeriesNotes& notes) {
  const int64_t* st = w.st;
  const FloatHistogram* prev = w.h[0].get();
  const FloatHistogram& last = *w.h[w.n - 1];
  bool custom = prev->UsesCustomBuckets();
  if (is_counter && (IsGauge(*prev) || IsGauge(last))) notes.NotCounter();
  FloatHistogram zero;
  if (is_counter) {
    const FloatHistogram& second = *w.h[1];
    if ((st != nullptr && IsStartTimestampReset(st[0], w.t[0], st[1], w.t[1])) ||
        second.DetectReset(*prev)) {
      zero.schema = second.schema;
      zero.custom_values = second.custom_values;
      prev = &zero;
      custom = second.UsesCustomBuckets();
    }
  }
  if (last.UsesCustomBuckets() != custom) {
    notes.MixedSchemas();
    return std::nullopt;
  }
  int32_t min_schema = std::min(last.schema, prev->schema);
  for (size_t i = 1; i + 1 < w.n; ++i) {
    const FloatHistogram& curr = *w.h[i];
    if (!is_counter) continue;
    if (IsGauge(curr)) notes.NotCounter();
    min_schema = std::min(min_schema, curr.schema);
    if (curr.UsesCustomBuckets() != custom) {
      notes.MixedSchemas();
      return std::nullopt;
    }
  }
  FloatHistogram h;
  if (min_schema == last.schema) {
    h = last.Copy();
  } else {
    auto reduced = last.CopyToSchema(min_schema);
    if (!reduced.ok()) {
      notes.MixedSchemas();
      return std::nullopt;
    }
    h = std::move(*reduced);
  }
  auto sub = h.Sub(*prev);
  if (!sub.ok()) {
    notes.MixedSchemas();
    return std::nullopt;
  }
  if (sub->nhcb_bounds_reconciled) notes.Reconciled("subtraction");
  if (is_counter) {
    const FloatHistogram* p = prev;
    bool overlap_noted = false;
    for (size_t i = 1; i < w.n; ++i) {
      const FloatHistogram& curr = *w.h[i];
      if (st != nullptr && !overlap_noted && StartTimeOverlaps(st[i - 1], w.t[i - 1], st[i])) {
        notes.StartTimeOverlap();
        overlap_noted = true;
      }
      if ((st != nullptr && IsStartTimestampReset(st[i - 1], w.t[i - 1], st[i], w.t[i])) ||
          curr.DetectReset(*p)) {
        auto add = h.Add(*p);
        if (!add.ok()) {
          notes.MixedSchemas();
          return std::nullopt;
        }
        if (add->nhcb_bounds_reconciled) notes.Reconciled("addition");
      }
      p = &curr;
    }
  } else if (!IsGauge(*w.h[0]) || !IsGauge(last)) {
    notes.NotGauge();
  }
  h.counter_reset_hint = CounterResetHint::kGauge;
  h.Compact(0);
  return h;
}

std::optional<Extrapolation> ExtrapolateWithStart(int64_t first_t, int64_t last_t, size_t samples,
                                                  int64_t first_st, int64_t range_start,
                                                  int64_t range_end, int64_t range_ms,
                                                  bool is_counter, bool is_rate, double increase,
                                                  double first) {
  const size_t last = samples - 1;
  Extrapolation x;
  double duration_to_start = static_cast<double>(first_t - range_start) / 1000;
  double duration_to_end = static_cast<double>(range_end - last_t) / 1000;
  double sampled_interval = static_cast<double>(last_t - first_t) / 1000;
  const double avg_between = last > 0 ? sampled_interval / static_cast<double>(last) : 0;
  const double threshold = avg_between * 1.1;
  if (is_counter && first_st != 0 && first_st > range_start && first_st < first_t) {
    // Prometheus (use-start-timestamps): the first sample's ST lies inside the range, so
    // assume a zero sample at the ST instead of extrapolating to the left.
    duration_to_start = 0;
    sampled_interval = static_cast<double>(last_t - first_st) / 1000;
    x.add_first = true;
  } else if (last == 0) {
    return std::nullopt;  // one sample and no usable ST
  } else {
    if (duration_to_start >= threshold) duration_to_start = avg_between / 2;
    if (is_counter && increase > 0 && first >= 0) {
      const double duration_to_zero = sampled_interval * (first / increase);
      if (duration_to_zero < duration_to_start) duration_to_start = duration_to_zero;
    }
  }
  if (duration_to_end >= threshold) duration_to_end = avg_between / 2;
  if (sampled_interval != 0) {
    x.factor = (sampled_interval + duration_to_start + duration_to_end) / sampled_interval;
  }
  if (is_rate) x.factor /= static_cast<double>(range_ms) / 1000;
  return x;
}

std::optional<FloatHistogram> ExtrapolatedHistogramRate(const HWindow& w, int64_t range_start,
                                                        int64_t range_end, int64_t range_ms,
                                                        bool is_counter, bool is_rate,
                                                        const SeriesNotes& notes) {
  std::optional<FloatHistogram> result;
  if (w.n > 1) {
    result = HistogramRate(w, is_counter, notes);
    if (!result) return std::nullopt;
  }
  const auto x = ExtrapolateWithStart(w.t[0], w.t[w.n - 1], w.n, w.st != nullptr ? w.st[0] : 0,
                                      range_start, range_end, range_ms, is_counter, is_rate,
                                      result ? result->count : 0, w.h[0]->count);
  if (!x) return std::nullopt;
  if (x->add_first) {
    if (!result) {
      result = w.h[0]->Copy();
    } else {
      auto add = result->Add(*w.h[0]);
      if (!add.ok()) {
        notes.MixedSchemas();
        return std::nullopt;
      }
      if (add->nhcb_bounds_reconciled) notes.Reconciled("addition");
    }
  }
  result->Mul(x->factor);
  return result;
}

namespace {

void TrackHint(const FloatHistogram& h, bool* reset_seen, bool* not_reset_seen) {
  if (h.counter_reset_hint == CounterResetHint::kReset) *reset_seen = true;
  if (h.counter_reset_hint == CounterResetHint::kNotReset) *not_reset_seen = true;
}

// sum_over_time of histograms (aggrHistOverTime's sum).
std::optional<FloatHistogram> SumHistograms(const HWindow& w, const SeriesNotes& notes) {
  bool reset_seen = false, not_reset_seen = false, reconciled = false;
  FloatHistogram sum = w.h[0]->Copy();
  TrackHint(sum, &reset_seen, &not_reset_seen);
  std::optional<FloatHistogram> comp;
  bool failed = false;
  for (size_t i = 1; i < w.n && !failed; ++i) {
    TrackHint(*w.h[i], &reset_seen, &not_reset_seen);
    auto r = sum.KahanAdd(*w.h[i], &comp);
    if (!r.ok()) {
      failed = true;
    } else if (r->nhcb_bounds_reconciled) {
      reconciled = true;
    }
  }
  if (!failed && comp) {
    auto r = sum.Add(*comp);
    if (!r.ok()) {
      failed = true;
    } else if (r->nhcb_bounds_reconciled) {
      reconciled = true;
    }
  }
  if (reset_seen && not_reset_seen) notes.ResetCollision("aggregation");
  if (reconciled) notes.Reconciled("aggregation");
  if (failed) {
    notes.MixedSchemas();
    return std::nullopt;
  }
  return sum;
}

// avg_over_time of histograms: direct mean with Kahan compensation, incremental once the sum
// overflows (Prometheus' funcAvgOverTime).
std::optional<FloatHistogram> AvgHistograms(const HWindow& w, const SeriesNotes& notes) {
  bool reset_seen = false, not_reset_seen = false, reconciled = false, failed = false;
  FloatHistogram sum = w.h[0]->Copy();
  TrackHint(sum, &reset_seen, &not_reset_seen);
  std::optional<FloatHistogram> mean, c;
  bool incremental = false;
  double count = 1;
  for (size_t i = 1; i < w.n && !failed; ++i) {
    const FloatHistogram& h = *w.h[i];
    TrackHint(h, &reset_seen, &not_reset_seen);
    count = static_cast<double>(i + 1);
    if (!incremental) {
      FloatHistogram sum_copy = sum.Copy();
      std::optional<FloatHistogram> c_copy;
      if (c) c_copy = c->Copy();
      auto r = sum_copy.KahanAdd(h, &c_copy);
      if (!r.ok()) {
        failed = true;
        break;
      }
      if (r->nhcb_bounds_reconciled) reconciled = true;
      if (!sum_copy.HasOverflow()) {
        sum = std::move(sum_copy);
        c = std::move(c_copy);
        continue;
      }
      incremental = true;
      mean = sum.Copy();
      mean->Div(count - 1);
      if (c) c->Div(count - 1);
    }
    const double q = (count - 1) / count;
    if (c) c->Mul(q);
    FloatHistogram to_add = h.Copy();
    to_add.Div(count);
    mean->Mul(q);
    auto r = mean->KahanAdd(to_add, &c);
    if (!r.ok()) {
      failed = true;
      break;
    }
    if (r->nhcb_bounds_reconciled) reconciled = true;
  }
  if (reset_seen && not_reset_seen) notes.ResetCollision("aggregation");
  if (reconciled) notes.Reconciled("aggregation");
  if (failed) {
    notes.MixedSchemas();
    return std::nullopt;
  }
  if (incremental) {
    if (c) (void)mean->Add(*c);
    return mean;
  }
  sum.Div(count);
  if (c) {
    c->Div(count);
    (void)sum.Add(*c);
  }
  return sum;
}

// irate / idelta over the last two samples, floats and histograms merged in time.
struct TimedValue {
  int64_t t = 0;
  double f = 0;
  const FloatHistogram* h = nullptr;
};

}  // namespace

double CountTransitions(const Window& fw, const HWindow& hw, bool resets) {
  double n = 0;
  TimedValue prev;
  size_t i = 0, j = 0;
  bool first = true;
  while (i < fw.n || j < hw.n) {
    TimedValue cur;
    if (j >= hw.n || (i < fw.n && fw.t[i] < hw.t[j])) {
      cur = {fw.t[i], fw.v[i], nullptr};
      ++i;
    } else {
      cur = {hw.t[j], 0, hw.h[j].get()};
      ++j;
    }
    if (!first) {
      if (cur.h == nullptr && prev.h == nullptr) {
        if (resets) {
          n += cur.f < prev.f ? 1 : 0;
        } else {
          n += cur.f != prev.f && !(std::isnan(cur.f) && std::isnan(prev.f)) ? 1 : 0;
        }
      } else if ((cur.h == nullptr) != (prev.h == nullptr)) {
        n += 1;
      } else if (resets) {
        n += cur.h->DetectReset(*prev.h) ? 1 : 0;
      } else {
        n += cur.h->Equals(*prev.h) ? 0 : 1;
      }
    }
    first = false;
    prev = cur;
  }
  return n;
}

void SlideHistogramWindows(const RangeFunction& f, const RangeCall& c, const Decoded& d,
                           ESeries& s, PositionRange pos) {
  const SeriesNotes notes{c.ctx, std::string(d.labels.MetricName()), pos};
  const auto kernel = f.kernel;
  const bool rate_like = kernel == &range_fn::Rate || kernel == &range_fn::Increase ||
                         kernel == &range_fn::Delta;
  const bool instant_like = kernel == &range_fn::Irate || kernel == &range_fn::Idelta;
  const bool sum_like = kernel == &range_fn::SumOverTime || kernel == &range_fn::AvgOverTime;
  const bool counts = kernel == &range_fn::CountOverTime || kernel == &range_fn::PresentOverTime;
  const bool latest = kernel == &range_fn::LastOverTime || kernel == &range_fn::TsOfLastOverTime;
  const bool earliest =
      kernel == &range_fn::FirstOverTime || kernel == &range_fn::TsOfFirstOverTime;
  const bool sequence = kernel == &range_fn::Resets || kernel == &range_fn::Changes;
  std::vector<double> scratch;
  PointCounter counted(c.ctx);
  const int64_t range_ms = c.range_ms;
  const size_t nf = d.t.size(), nh = d.ht.size();
  size_t flo = 0, fhi = 0, hlo = 0, hhi = 0, step = 0;
  for (int64_t ts = c.grid.start; ts <= c.grid.end; ts += c.grid.interval, ++step) {
    const int64_t ref = c.RefTime(ts);
    while (fhi < nf && d.t[fhi] <= ref) ++fhi;
    while (flo < fhi && d.t[flo] <= ref - range_ms) ++flo;
    while (hhi < nh && d.ht[hhi] <= ref) ++hhi;
    while (hlo < hhi && d.ht[hlo] <= ref - range_ms) ++hlo;
    counted.Tick(s.floats.size() + s.histograms.size());
    const size_t fn = fhi - flo, hn = hhi - hlo;
    if (fn == 0 && hn == 0) continue;
    const Window fw{d.t.data() + flo, d.v.data() + flo, fn};
    const HWindow hw{d.ht.data() + hlo, d.hv.data() + hlo, hn};
    auto push_float = [&](std::optional<double> r) {
      if (r) s.floats.push_back({ts, *r});
    };
    auto push_hist = [&](std::optional<FloatHistogram> h) {
      if (h) s.histograms.push_back({ts, std::make_shared<const FloatHistogram>(std::move(*h))});
    };
    const WindowAt at{c, ts, ref, step, true, scratch};
    if (counts) {
      push_float(kernel == &range_fn::CountOverTime ? static_cast<double>(fn + hn) : 1.0);
      continue;
    }
    if (latest || earliest) {
      const bool use_h = fn == 0 || (hn > 0 && (latest ? hw.t[hn - 1] > fw.t[fn - 1]
                                                       : hw.t[0] < fw.t[0]));
      const size_t i = latest ? (use_h ? hn : fn) - 1 : 0;
      const int64_t t = use_h ? hw.t[i] : fw.t[i];
      if (kernel == &range_fn::TsOfLastOverTime || kernel == &range_fn::TsOfFirstOverTime) {
        push_float(static_cast<double>(t) / 1000.0);
      } else if (use_h) {
        s.histograms.push_back({ts, hw.h[i]});
      } else {
        push_float(fw.v[i]);
      }
      continue;
    }
    if (sequence) {
      push_float(CountTransitions(fw, hw, kernel == &range_fn::Resets));
      continue;
    }
    if (rate_like) {
      if (fn > 0 && hn > 0) {
        notes.Mixed();
        continue;
      }
      if (hn == 0) {
        push_float(kernel(fw, at));
        continue;
      }
      if (hn < 2) continue;
      const bool is_counter = kernel != &range_fn::Delta;
      push_hist(ExtrapolatedHistogramRate(hw, ref - range_ms, ref, range_ms, is_counter,
                                          kernel == &range_fn::Rate, notes));
      continue;
    }
    if (instant_like) {
      if (fn + hn < 2) continue;
      if (hn == 0) {
        push_float(kernel(fw, at));
        continue;
      }
      // The last two samples of both kinds, in time order.
      TimedValue v0, v1;
      std::vector<TimedValue> last;
      for (size_t i = fn >= 2 ? fn - 2 : 0; i < fn; ++i) last.push_back({fw.t[i], fw.v[i], nullptr});
      for (size_t i = hn >= 2 ? hn - 2 : 0; i < hn; ++i) last.push_back({hw.t[i], 0, hw.h[i].get()});
      std::stable_sort(last.begin(), last.end(),
                       [](const TimedValue& a, const TimedValue& b) { return a.t < b.t; });
      v0 = last[last.size() - 2];
      v1 = last[last.size() - 1];
      const bool is_rate = kernel == &range_fn::Irate;
      const int64_t sampled = v1.t - v0.t;
      if (sampled == 0) continue;
      if (v0.h == nullptr && v1.h == nullptr) {
        double r = v1.f;
        if (!is_rate || !(v1.f < v0.f)) r = v1.f - v0.f;
        if (is_rate) r /= static_cast<double>(sampled) / 1000;
        push_float(r);
        continue;
      }
      if (v0.h == nullptr || v1.h == nullptr) {
        notes.Mixed();
        continue;
      }
      FloatHistogram h = v1.h->Copy();
      if (is_rate && (IsGauge(*v1.h) || IsGauge(*v0.h))) notes.NotCounter();
      if (!is_rate && (!IsGauge(*v1.h) || !IsGauge(*v0.h))) notes.NotGauge();
      if (!is_rate || !v1.h->DetectReset(*v0.h)) {
        auto r = h.Sub(*v0.h);
        if (!r.ok()) {
          notes.MixedSchemas();
          continue;
        }
        if (r->nhcb_bounds_reconciled) notes.Reconciled("subtraction");
      }
      h.counter_reset_hint = CounterResetHint::kGauge;
      h.Compact(0);
      if (is_rate) h.Div(static_cast<double>(sampled) / 1000);
      push_hist(std::move(h));
      continue;
    }
    if (sum_like) {
      if (fn > 0 && hn > 0) {
        notes.Mixed();
        continue;
      }
      if (hn == 0) {
        push_float(kernel(fw, at));
        continue;
      }
      push_hist(kernel == &range_fn::SumOverTime ? SumHistograms(hw, notes)
                                                 : AvgHistograms(hw, notes));
      continue;
    }
    // The other functions take floats only and ignore histograms (with an info when the
    // window has floats too).
    if (fn == 0) continue;
    if (hn > 0) notes.IgnoredInMixedRange();
    push_float(kernel(fw, at));
  }
  counted.Flush(s.floats.size() + s.histograms.size());
}

}  // namespace promlet::promql::internal
