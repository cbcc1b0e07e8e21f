// Anchored and smoothed range selectors (floats): Prometheus' extendedRate, extendFloats,
// pickFirstSampleIndices and smoothSeries.
#include "promql/engine/extended_ranges.h"

#include <algorithm>

namespace promlet::promql::internal {

size_t FirstAfter(const int64_t* t, size_t n, int64_t x) {
  return static_cast<size_t>(std::upper_bound(t, t + n, x) - t);
}
size_t FirstAtOrAfter(const int64_t* t, size_t n, int64_t x) {
  return static_cast<size_t>(std::lower_bound(t, t + n, x) - t);
}

std::optional<WindowBoundaries> FindWindowBoundaries(const int64_t* t, size_t n,
                                                     int64_t range_start, int64_t range_end,
                                                     bool smoothed) {
  WindowBoundaries b;
  b.last = n - 1;
  b.first = FirstAfter(t, b.last, range_start);
  b.first = b.first == 0 ? 0 : b.first - 1;
  if (smoothed) b.last = FirstAtOrAfter(t, b.last, range_end);
  if (t[b.last] <= range_start) return std::nullopt;
  b.interpolate_left = smoothed && t[b.first] < range_start;
  b.interpolate_right = smoothed && b.last > 0 && t[b.last] > range_end;
  b.inner_lo = static_cast<ptrdiff_t>(b.first);
  b.inner_hi = static_cast<ptrdiff_t>(b.last);
  if (t[b.first] <= range_start) ++b.inner_lo;
  if (t[b.last] >= range_end) --b.inner_hi;
  return b;
}

namespace {

// Linear interpolation at t between (t1, y1) and (t2, y2), in Go's evaluation order; a counter
// that fell is taken to have restarted from 0.
double Interpolate(int64_t t1, double y1, int64_t t2, double y2, int64_t t, bool is_counter) {
  if (is_counter && y2 < y1) y1 = 0;
  return y1 + (y2 - y1) * static_cast<double>(t - t1) / static_cast<double>(t2 - t1);
}

// changes/resets over an anchored window: from the newest sample at or before the window's
// start on; nothing when no sample lies after the start.
std::optional<double> AnchoredCount(const Window& w, int64_t range_start, const WindowAt& at,
                                    WindowKernel kernel) {
  const size_t after = FirstAfter(w.t, w.n, range_start);
  if (after >= w.n) return std::nullopt;
  const size_t first = after == 0 ? 0 : after - 1;
  return kernel(Window{w.t + first, w.v + first, w.n - first}, at);
}

}  // namespace

std::optional<double> ExtendedRate(const Window& w, int64_t range_start, int64_t range_end,
                                   int64_t range_ms, bool smoothed, bool is_counter,
                                   bool is_rate) {
  const int64_t* t = w.t;
  const double* v = w.v;
  const auto b = FindWindowBoundaries(t, w.n, range_start, range_end, smoothed);
  if (!b || (smoothed && t[b->first] > range_end)) return std::nullopt;
  const size_t first = b->first, last = b->last;
  const double left = b->interpolate_left ? Interpolate(t[first], v[first], t[first + 1],
                                                        v[first + 1], range_start, is_counter)
                                          : v[first];
  const double right = b->interpolate_right ? Interpolate(t[last - 1], v[last - 1], t[last],
                                                          v[last], range_end, is_counter)
                                            : v[last];
  double result = right - left;
  if (is_counter) {
    // Resets at the boundaries are in left/right already; the samples strictly inside count.
    double correction = 0, prev = left;
    for (ptrdiff_t i = b->inner_lo; i <= b->inner_hi; ++i) {
      if (v[i] < prev) correction += prev;
      prev = v[i];
    }
    if (right < prev) correction += prev;
    result += correction;
  }
  if (is_rate) result /= static_cast<double>(range_ms) / 1000;
  return result;
}

int64_t ExtensionBefore(RangeExtension e, int64_t lookback_ms) {
  return e == RangeExtension::kNone ? 0 : lookback_ms;
}
int64_t ExtensionAfter(RangeExtension e, int64_t lookback_ms) {
  return e == RangeExtension::kSmoothed ? lookback_ms : 0;
}

void SlideExtendedWindows(const RangeFunction& f, const RangeCall& c, const Decoded& d,
                          ESeries& s) {
  const bool smoothed = c.extension == RangeExtension::kSmoothed;
  const int64_t before = ExtensionBefore(c.extension, c.lookback_ms);
  const int64_t after = ExtensionAfter(c.extension, c.lookback_ms);
  std::vector<double> scratch;
  PointCounter counted(c.ctx);
  const size_t n = d.t.size();
  size_t lo = 0, hi = 0, step = 0;
  for (int64_t ts = c.grid.start; ts <= c.grid.end; ts += c.grid.interval, ++step) {
    const int64_t ref = c.RefTime(ts);
    const int64_t range_start = ref - c.range_ms;
    while (hi < n && d.t[hi] <= ref + after) ++hi;
    while (lo < hi && d.t[lo] <= range_start - before) ++lo;
    counted.Tick(s.floats.size());
    if (hi <= lo) continue;
    const Window w{d.t.data() + lo, d.v.data() + lo, hi - lo};
    const WindowAt at{c, ts, ref, step, true, scratch};
    std::optional<double> r;
    switch (f.extended) {
      case ExtendedKind::kRate:
      case ExtendedKind::kIncrease:
      case ExtendedKind::kDelta:
        r = ExtendedRate(w, range_start, ref, c.range_ms, smoothed,
                         f.extended != ExtendedKind::kDelta, f.extended == ExtendedKind::kRate);
        break;
      case ExtendedKind::kChanges:
      case ExtendedKind::kResets:
        r = AnchoredCount(w, range_start, at, f.kernel);
        break;
      case ExtendedKind::kNone:
        r = f.kernel(w, at);  // the parser admits no other function; kept total
        break;
    }
    if (r.has_value()) s.floats.push_back({ts, *r});
  }
  counted.Flush(s.floats.size());
}

void ExtendFloats(const Decoded& d, int64_t range_start, int64_t range_end, bool smoothed,
                  std::vector<FPoint>& out) {
  out.clear();
  const size_t n = d.t.size();
  if (n == 0) return;
  const int64_t* t = d.t.data();
  const double* v = d.v.data();
  const auto b = FindWindowBoundaries(t, n, range_start, range_end, smoothed);
  if (!b) return;
  const size_t first = b->first, last = b->last;
  const double left = b->interpolate_left ? Interpolate(t[first], v[first], t[first + 1],
                                                        v[first + 1], range_start, false)
                                          : v[first];
  const double right = b->interpolate_right ? Interpolate(t[last - 1], v[last - 1], t[last],
                                                          v[last], range_end, false)
                                            : v[last];
  const ptrdiff_t lo = b->inner_lo, hi = b->inner_hi;
  out.reserve(static_cast<size_t>(std::max<ptrdiff_t>(hi - lo + 1, 0)) + 2);
  out.push_back({range_start, left});
  for (ptrdiff_t i = lo; i <= hi; ++i) out.push_back({t[i], v[i]});
  out.push_back({range_end, right});
}

std::optional<double> SmoothedValueAt(const Decoded& d, size_t lo, size_t hi, int64_t ref) {
  const size_t i = lo + FirstAtOrAfter(d.t.data() + lo, hi - lo, ref);
  if (i < hi && d.t[i] == ref) return d.v[i];
  if (i == lo) return std::nullopt;
  if (i < hi) return Interpolate(d.t[i - 1], d.v[i - 1], d.t[i], d.v[i], ref, false);
  return d.v[i - 1];
}

}  // namespace promlet::promql::internal
