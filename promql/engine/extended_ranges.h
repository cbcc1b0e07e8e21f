// Internal to the engine: Prometheus 3's experimental extended range selectors, `x[r] anchored`
// and `x[r] smoothed`, and the smoothed instant selector `x smoothed`, over floats and native
// histograms (extended_histograms.cc); the instant `x[r] anchored|smoothed` over histograms is
// refused, as Prometheus refuses it.
//
// An anchored window also holds the newest sample at or before its start (looked up to one
// lookback delta back), so rate/increase/delta measure from a real sample instead of
// extrapolating, and changes/resets count the step into the window. A smoothed window is
// additionally read one lookback delta past its end and both ends are interpolated linearly to
// the window's boundaries. Results follow Prometheus' extendedRate, extendFloats,
// pickFirstSampleIndices and smoothSeries (promql/functions.go, engine.go).
//
// Invariants: the Decoded samples handed in cover (window start - lookback, window end] for
// anchored and (window start - lookback, window end + lookback] for smoothed windows, stale
// markers dropped; every function emits at most one point per step, in step order, and counts
// its points as SlideWindows does.
#ifndef PROMLET_PROMQL_ENGINE_EXTENDED_RANGES_H_
#define PROMLET_PROMQL_ENGINE_EXTENDED_RANGES_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "promql/engine/range_functions.h"
#include "promql/engine/value.h"

namespace promlet::promql::internal {

// How far before its start (and after its end, when smoothed) a window must be read.
int64_t ExtensionBefore(RangeExtension e, int64_t lookback_ms);
int64_t ExtensionAfter(RangeExtension e, int64_t lookback_ms);

// SlideWindows for a call whose range selector is anchored or smoothed (c.extension).
void SlideExtendedWindows(const RangeFunction& f, const RangeCall& c, const Decoded& d,
                          ESeries& out);

// SlideExtendedWindows for a series with histogram samples (extended_histograms.cc): Prometheus'
// extendedHistogramRate, the anchored changes/resets over both kinds (pickFirstSampleIndices),
// the mixed floats/histograms warning. Annotates through c.ctx: evaluating thread only; pos is
// the range argument's position.
void SlideExtendedHistogramWindows(const RangeFunction& f, const RangeCall& c, const Decoded& d,
                                   ESeries& out, PositionRange pos);

// The samples an anchored or smoothed window is made of (Prometheus' pickFirstSampleIndices and
// the pick-or-interpolate ends), over times t[0, n), n >= 1: `first` is the newest sample at or
// before range_start (else the oldest), `last` the newest one (smoothed: the first at or after
// range_end, else the newest). A smoothed window interpolates its left value between first and
// first + 1 when interpolate_left, its right value between last - 1 and last when
// interpolate_right; [inner_lo, inner_hi] are the samples strictly inside the window (empty
// when inner_lo > inner_hi). nullopt when no sample lies after range_start. Shared by the float
// and histogram kernels so that both pick the same samples.
struct WindowBoundaries {
  size_t first = 0;
  size_t last = 0;
  bool interpolate_left = false;
  bool interpolate_right = false;
  ptrdiff_t inner_lo = 0;
  ptrdiff_t inner_hi = -1;
};
std::optional<WindowBoundaries> FindWindowBoundaries(const int64_t* t, size_t n,
                                                     int64_t range_start, int64_t range_end,
                                                     bool smoothed);

// Index of the first of t[0, n) greater than x (n when none): Go's sort.Search(n, t[i] > x).
size_t FirstAfter(const int64_t* t, size_t n, int64_t x);
// Index of the first of t[0, n) at or after x (n when none).
size_t FirstAtOrAfter(const int64_t* t, size_t n, int64_t x);

// Prometheus' extendedRate over one float window (w.n >= 1): rate/increase/delta measured
// between the window's boundary values; nullopt when no sample lies after range_start.
std::optional<double> ExtendedRate(const Window& w, int64_t range_start, int64_t range_end,
                                   int64_t range_ms, bool smoothed, bool is_counter,
                                   bool is_rate);

// How an instant vector selector reads one series at every step of grid: the data time is
// the @ time or the step, minus offset_ms; record_orig_t asks for the sample's time in seconds
// instead of its value (timestamp()).
struct InstantSelect {
  StepGrid grid;
  bool has_at;
  int64_t at;
  int64_t offset_ms;
  int64_t lookback_ms;
  bool record_orig_t;
  bool histograms_as_is = false;  // record_orig_t for floats only (info series)
};

// `x` for a series with histogram samples: the latest sample, float or histogram, in each
// lookback window (stale markers end the series). Touches ctx only to count points.
void SelectLatestMixed(const Decoded& d, const InstantSelect& sel, QueryContext* ctx,
                       ESeries& out);

// `x smoothed` for a series with histogram samples (smoothSeries): per step, from the samples
// in (ref - lookback, ref + lookback], the histogram at ref, else interpolated between its
// neighbours, else carried forward; a window mixing floats and histograms, or exponential and
// custom buckets, is skipped with a warning at pos. Annotates: evaluating thread only.
void SmoothMixedSeries(const Decoded& d, const InstantSelect& sel, QueryContext* ctx,
                       PositionRange pos, ESeries& out);

// The points an instant query of `x[r] anchored|smoothed` returns for one series: the samples
// strictly inside (range_start, range_end) with a point at each boundary (picked, or
// interpolated when smoothed). Empty when no sample lies after range_start.
void ExtendFloats(const Decoded& d, int64_t range_start, int64_t range_end, bool smoothed,
                  std::vector<FPoint>& out);

// The value of `x smoothed` at data time ref from samples in (ref - lookback, ref + lookback]
// (d.t[lo, hi)): the sample at ref, else the interpolation of its neighbours, else the last
// sample before ref; nullopt when no sample precedes or meets ref.
std::optional<double> SmoothedValueAt(const Decoded& d, size_t lo, size_t hi, int64_t ref);

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_EXTENDED_RANGES_H_
