// The range-vector function kernels and the window slide that runs them over one series.
#include "promql/engine/range_functions.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "absl/strings/str_cat.h"
#include "common/go_format.h"
#include "promql/engine/simd.h"

namespace promlet::promql::internal {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::optional<double> ExtrapolatedRate(const Window& w, int64_t range_start, int64_t range_end,
                                       int64_t range_ms, bool is_counter, bool is_rate,
                                       bool has_resets = true) {
  if (w.n < 2) return std::nullopt;
  const size_t last = w.n - 1;
  const int64_t first_t = w.t[0], last_t = w.t[last];
  double result = w.v[last] - w.v[0];
  if (is_counter && has_resets) {  // without a reset the loop below adds nothing
    double prev = w.v[0];
    for (size_t i = 1; i < w.n; ++i) {
      if (w.v[i] < prev) result += prev;
      prev = w.v[i];
    }
  }
  double duration_to_start = static_cast<double>(first_t - range_start) / 1000;
  double duration_to_end = static_cast<double>(range_end - last_t) / 1000;
  const double sampled_interval = static_cast<double>(last_t - first_t) / 1000;
  const double avg_between = sampled_interval / static_cast<double>(last);
  const double threshold = avg_between * 1.1;
  double extrapolate_to = sampled_interval;
  if (duration_to_start >= threshold) duration_to_start = avg_between / 2;
  if (is_counter && result > 0 && w.v[0] >= 0) {
    const double duration_to_zero = sampled_interval * (w.v[0] / result);
    if (duration_to_zero < duration_to_start) duration_to_start = duration_to_zero;
  }
  extrapolate_to += duration_to_start;
  if (duration_to_end >= threshold) duration_to_end = avg_between / 2;
  extrapolate_to += duration_to_end;
  double factor = extrapolate_to / sampled_interval;
  if (is_rate) factor /= static_cast<double>(range_ms) / 1000;
  return result * factor;
}

std::optional<double> InstantValue(const Window& w, bool is_rate) {
  if (w.n < 2) return std::nullopt;
  const double last = w.v[w.n - 1], prev = w.v[w.n - 2];
  double r;
  if (is_rate && last < prev) {
    r = last;
  } else {
    r = last - prev;
  }
  if (is_rate) {
    const int64_t sampled = w.t[w.n - 1] - w.t[w.n - 2];
    if (sampled == 0) return std::nullopt;
    r /= static_cast<double>(sampled) / 1000;
  }
  return r;
}

void LinearRegression(const Window& w, int64_t intercept_time, double* slope,
                      double* intercept) {
  double n = 0, sum_x = 0, cx = 0, sum_y = 0, cy = 0, sum_xy = 0, cxy = 0, sum_x2 = 0, cx2 = 0;
  const double init_y = w.v[0];
  bool const_y = true;
  for (size_t i = 0; i < w.n; ++i) {
    if (const_y && i > 0 && w.v[i] != init_y) const_y = false;
    n += 1;
    const double x = static_cast<double>(w.t[i] - intercept_time) / 1e3;
    KahanSumInc(x, sum_x, cx);
    KahanSumInc(w.v[i], sum_y, cy);
    KahanSumInc(x * w.v[i], sum_xy, cxy);
    KahanSumInc(x * x, sum_x2, cx2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = kNaN;
      *intercept = kNaN;
      return;
    }
    *slope = 0;
    *intercept = init_y;
    return;
  }
  sum_x += cx;
  sum_y += cy;
  sum_xy += cxy;
  sum_x2 += cx2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  *slope = cov_xy / var_x;
  *intercept = sum_y / n - *slope * sum_x / n;
}

// KahanSumIncNoBranch for a sum that stays finite (so without its infinity reset).
inline void FiniteKahanStep(double f, double& sum, double& c) {
  const double t = sum + f;
  c += common::KahanTerm(sum, f, t);
  sum = t;
}

#ifdef __SSE2__
// FiniteKahanStep on two independent sums at once (one per lane).
inline void FiniteKahanStep2(__m128d f, __m128d& sum, __m128d& c) {
  const __m128d abs_mask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffff));
  const __m128d t = _mm_add_pd(sum, f);
  const __m128d big_sum = _mm_add_pd(_mm_sub_pd(sum, t), f);
  const __m128d big_inc = _mm_add_pd(_mm_sub_pd(f, t), sum);
  const __m128d mask = _mm_cmpge_pd(_mm_and_pd(sum, abs_mask), _mm_and_pd(f, abs_mask));
  c = _mm_add_pd(c, _mm_or_pd(_mm_and_pd(mask, big_sum), _mm_andnot_pd(mask, big_inc)));
  sum = t;
}
#endif

#ifdef PROMLET_X86_TARGETS
// Wide FiniteKahanStep over 8 or 4 windows at once, each lane making the same IEEE operations
// in the same order as FiniteKahanStep (no multiplication, so nothing can be fused), each
// lane to its own window's end (a lane whose window is summed keeps its sums: masked
// operations), so that no window is left to finish one sample at a time. The windows' samples
// [first[k], end[k]) start and end in order (first and end nondecreasing): one step's window
// usually starts a sample after the previous one's, but scrape jitter around the step grid
// makes it 0 or 2 samples as often. Loads read no sample at or past end[lanes - 1].

// Where kLanes windows lie against the first one: each one's length and start (from first[0]),
// the longest length, and whether lane k's window is lane 0's moved k samples on.
template <size_t kLanes>
struct LaneWindows {
  LaneWindows(const size_t* first, const size_t* end) {
    for (size_t k = 0; k < kLanes; ++k) {
      len[k] = static_cast<int64_t>(end[k] - first[k]);
      offset[k] = static_cast<int64_t>(first[k] - first[0]);
      max_len = std::max(max_len, end[k] - first[k]);
      one_apart = one_apart && offset[k] == static_cast<int64_t>(k) && len[k] == len[0];
    }
  }
  alignas(64) int64_t len[kLanes];
  alignas(64) int64_t offset[kLanes];
  size_t max_len = 0;
  bool one_apart = true;
};

// The general case of KahanLockstep8: lane k sums w.len[k] samples from p + w.offset[k],
// reading no sample at or past p + last.
__attribute__((target("avx512f"), always_inline)) inline void KahanLanes8(const double* p,
                                                                          size_t last,
                                                                          const LaneWindows<8>& w,
                                                                          __m512d& s, __m512d& c) {
  const __m512i lens = _mm512_load_si512(w.len), lane_of = _mm512_load_si512(w.offset);
  const auto span = static_cast<size_t>(w.offset[7]);
  const bool gather = span > 15;
  const unsigned needed = gather ? 0 : (2u << span) - 1;  // samples 0..span of each 16
  for (size_t j = 0; j < w.max_len; ++j) {
    const __mmask8 active =
        _mm512_cmplt_epi64_mask(_mm512_set1_epi64(static_cast<int64_t>(j)), lens);
    __m512d f;
    if (gather) {
      f = _mm512_mask_i64gather_pd(_mm512_setzero_pd(), active, lane_of, p + j, 8);
    } else {
      const size_t avail = last - j;
      const unsigned loadable = avail >= 16 ? needed : needed & ((1u << avail) - 1);
      f = _mm512_permutex2var_pd(
          _mm512_maskz_loadu_pd(static_cast<__mmask8>(loadable & 0xff), p + j), lane_of,
          _mm512_maskz_loadu_pd(static_cast<__mmask8>(loadable >> 8), p + j + 8));
    }
    const __m512d t = _mm512_add_pd(s, f);
    c = _mm512_mask_add_pd(c, active, c, KahanTerm8(s, f, t));
    s = _mm512_mask_mov_pd(s, active, t);
  }
}

// AVX-512: one load when the windows start and end one sample apart (each target scraped at a
// fixed offset from the step grid, the usual case). Else lane k takes sample first[k] -
// first[0] of the 16 from first[0] + j on (one two-source permute of two masked loads) when
// the windows start within 16 samples, or a masked gather (steps several scrapes apart).
__attribute__((target("avx512f"))) void KahanLockstep8(const double* v, size_t* first,
                                                       const size_t* end, double* sum,
                                                       double* comp) {
  __m512d s = _mm512_loadu_pd(sum), c = _mm512_loadu_pd(comp);
  const double* p = v + first[0];
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  const auto first0 = static_cast<int64_t>(first[0]), end0 = static_cast<int64_t>(end[0]);
  const __mmask8 one_apart =  // lane k's window is lane 0's moved k samples on
      _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(first),
                              _mm512_add_epi64(_mm512_set1_epi64(first0), lane)) &
      _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(end),
                              _mm512_add_epi64(_mm512_set1_epi64(end0), lane));
  if (one_apart == 0xff) {
    for (size_t j = 0, len = end[0] - first[0]; j < len; ++j) {
      const __m512d f = _mm512_loadu_pd(p + j);
      const __m512d t = _mm512_add_pd(s, f);
      c = _mm512_add_pd(c, KahanTerm8(s, f, t));
      s = t;
    }
  } else {
    KahanLanes8(p, end[7] - first[0], LaneWindows<8>(first, end), s, c);
  }
  _mm512_storeu_pd(sum, s);
  _mm512_storeu_pd(comp, c);
  for (size_t k = 0; k < 8; ++k) first[k] = end[k];
}

// AVX2: one load when the windows start and end one sample apart, else a masked gather.
__attribute__((target("avx2"))) void KahanLockstep4(const double* v, size_t* first,
                                                    const size_t* end, double* sum,
                                                    double* comp) {
  const LaneWindows<4> w(first, end);
  __m256d s = _mm256_loadu_pd(sum), c = _mm256_loadu_pd(comp);
  const double* p = v + first[0];
  if (w.one_apart) {
    for (size_t j = 0; j < w.max_len; ++j) {
      const __m256d f = _mm256_loadu_pd(p + j);
      const __m256d t = _mm256_add_pd(s, f);
      c = _mm256_add_pd(c, KahanTerm4(s, f, t));
      s = t;
    }
  } else {
    const __m256i lens = _mm256_load_si256(reinterpret_cast<const __m256i*>(w.len));
    const __m256i lane_of = _mm256_load_si256(reinterpret_cast<const __m256i*>(w.offset));
    for (size_t j = 0; j < w.max_len; ++j) {
      const __m256d active = _mm256_castsi256_pd(
          _mm256_cmpgt_epi64(lens, _mm256_set1_epi64x(static_cast<int64_t>(j))));
      const __m256d f = _mm256_mask_i64gather_pd(_mm256_setzero_pd(), p + j, lane_of, active, 8);
      const __m256d t = _mm256_add_pd(s, f);
      c = _mm256_blendv_pd(c, _mm256_add_pd(c, KahanTerm4(s, f, t)), active);
      s = _mm256_blendv_pd(s, t, active);
    }
  }
  _mm256_storeu_pd(sum, s);
  _mm256_storeu_pd(comp, c);
  for (size_t k = 0; k < 4; ++k) first[k] = end[k];
}

// The lockstep SlideKahan runs (lanes 0: none): the CPU's widest unless a test chose another.
struct KahanLockstep {
  size_t lanes = 0;
  void (*run)(const double*, size_t*, const size_t*, double*, double*) = nullptr;
};
KahanLockstep LockstepOf(size_t lanes) {
  __builtin_cpu_init();
  if (lanes == 8 && __builtin_cpu_supports("avx512f")) return KahanLockstep{8, &KahanLockstep8};
  if (lanes == 4 && __builtin_cpu_supports("avx2")) return KahanLockstep{4, &KahanLockstep4};
  return KahanLockstep{};
}
KahanLockstep& WideKahan() {
  static KahanLockstep wide = [] {
    const KahanLockstep eight = LockstepOf(8);
    return eight.lanes != 0 ? eight : LockstepOf(4);
  }();
  return wide;
}
#endif

double AvgOf(const Window& w) {
  {
    // While the running sum stays finite this is plain compensated summation (KahanSumInc
    // without its infinity branch); a sum that ever overflowed stays infinite or
    // NaN, and then the loop below redoes the window exactly as Prometheus does.
    double sum = w.v[0], c = 0;
    for (size_t i = 1; i < w.n; ++i) FiniteKahanStep(w.v[i], sum, c);
    if (std::isfinite(sum)) {
      const double count = static_cast<double>(w.n);
      return sum / count + c / count;
    }
  }
  double sum = w.v[0], count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < w.n; ++i) {
    const double f = w.v[i];
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double ns = sum, nc = c;
      KahanSumInc(f, ns, nc);
      if (!std::isinf(ns)) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const double q = (count - 1) / count;
    double m = q * mean, cc = q * c;
    KahanSumInc(f / count, m, cc);
    mean = m;
    c = cc;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

double StdvarOf(const Window& w) {
  double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
  for (size_t i = 0; i < w.n; ++i) {
    const double f = w.v[i];
    count++;
    const double delta = f - (mean + cmean);
    KahanSumInc(delta / count, mean, cmean);
    KahanSumInc(delta * (f - (mean + cmean)), aux, caux);
  }
  return (aux + caux) / count;
}

std::optional<double> TsOfExtreme(const Window& w, bool max) {
  size_t best = 0;
  for (size_t i = 1; i < w.n; ++i) {
    const bool better = max ? (w.v[i] >= w.v[best]) : (w.v[i] <= w.v[best]);
    if (better || std::isnan(w.v[best])) best = i;
  }
  return static_cast<double>(w.t[best]) / 1000;
}

// Counter functions: resets_upto[i] = resets among samples [0, i]. A window without one
// skips the per-sample reset scan, whose result would be the same.
const std::vector<uint32_t>& CountResets(const Decoded& d) {
  thread_local std::vector<uint32_t> resets_upto;
  const size_t n = d.t.size();
  resets_upto.resize(n);
  uint32_t r = 0;
  if (n > 0) resets_upto[0] = 0;
  for (size_t i = 1; i < n; ++i) {
    if (d.v[i] < d.v[i - 1]) ++r;
    resets_upto[i] = r;
  }
  return resets_upto;
}

// ExtrapolatedRate's arithmetic for n windows, written without branches (selects only) so that
// it vectorises.
template <bool kCounter, bool kRate>
__attribute__((always_inline)) inline void Extrapolate(size_t n, const double* to_start,
                                                       const double* to_end, const double* sampled,
                                                       const double* gaps, const double* first_v,
                                                       const double* result, double range_s,
                                                       double* out) {
  for (size_t i = 0; i < n; ++i) {
    const double sampled_interval = sampled[i] / 1000;
    const double avg_between = sampled_interval / gaps[i];
    const double threshold = avg_between * 1.1;
    const double start0 = to_start[i] / 1000;
    const double end0 = to_end[i] / 1000;
    const double half = avg_between / 2;
    double duration_to_start = start0 >= threshold ? half : start0;
    if constexpr (kCounter) {
      const double duration_to_zero = sampled_interval * (first_v[i] / result[i]);
      const bool to_zero = (result[i] > 0) & (first_v[i] >= 0) &
                           (duration_to_zero < duration_to_start);
      duration_to_start = to_zero ? duration_to_zero : duration_to_start;
    }
    double extrapolate_to = sampled_interval + duration_to_start;
    extrapolate_to += end0 >= threshold ? half : end0;
    double factor = extrapolate_to / sampled_interval;
    if constexpr (kRate) factor /= range_s;
    out[i] = result[i] * factor;
  }
}

// Extrapolate compiled for the baseline, AVX2 and AVX-512 (divisions are most of its time, and
// a wider division costs about what a narrower one does; AVX-512 over AVX2: 0.97x on the
// engine bench's sum by (job) (rate)); the same IEEE operations per lane either way (no FMA is
// enabled, so nothing is fused).
template <bool kCounter, bool kRate>
void ExtrapolateBaseline(size_t n, const double* to_start, const double* to_end,
                         const double* sampled, const double* gaps, const double* first_v,
                         const double* result, double range_s, double* out) {
  Extrapolate<kCounter, kRate>(n, to_start, to_end, sampled, gaps, first_v, result, range_s, out);
}
#ifdef PROMLET_X86_TARGETS
template <bool kCounter, bool kRate>
__attribute__((target("avx2"))) void ExtrapolateAvx2(size_t n, const double* to_start,
                                                     const double* to_end, const double* sampled,
                                                     const double* gaps, const double* first_v,
                                                     const double* result, double range_s,
                                                     double* out) {
  Extrapolate<kCounter, kRate>(n, to_start, to_end, sampled, gaps, first_v, result, range_s, out);
}
template <bool kCounter, bool kRate>
__attribute__((target("avx512f"))) void ExtrapolateAvx512(
    size_t n, const double* to_start, const double* to_end, const double* sampled,
    const double* gaps, const double* first_v, const double* result, double range_s, double* out) {
  Extrapolate<kCounter, kRate>(n, to_start, to_end, sampled, gaps, first_v, result, range_s, out);
}
#endif
using ExtrapolateFn = void (*)(size_t, const double*, const double*, const double*, const double*,
                               const double*, const double*, double, double*);

template <bool kCounter, bool kRate>
ExtrapolateFn BestExtrapolate() {
#ifdef PROMLET_X86_TARGETS
  return Widest(&ExtrapolateBaseline<kCounter, kRate>, &ExtrapolateAvx2<kCounter, kRate>,
                &ExtrapolateAvx512<kCounter, kRate>);
#else
  return &ExtrapolateBaseline<kCounter, kRate>;
#endif
}

// Appends a chunk's nw points (step chunk_first + step_of[w], value out[w]) to s at once and
// counts the chunk's steps as the generic loop counts them (a Tick a step).
void AppendChunkPoints(const RangeCall& c, size_t chunk_first, size_t chunk_end,
                       const uint32_t* step_of, const double* out, size_t nw, PointCounter& counted,
                       ESeries& s) {
  if (nw != 0) {
    if (s.floats.empty()) {
      s.floats.reserve(
          std::min<size_t>(c.grid.NumSteps(), static_cast<size_t>(c.ctx->SampleBudget())));
    }
    const size_t before = s.floats.size();
    s.floats.resize(before + nw);
    FPoint* points = s.floats.data() + before;
    for (size_t w = 0; w < nw; ++w) {
      const auto step = static_cast<int64_t>(chunk_first + step_of[w]);
      points[w] = {c.grid.start + step * c.grid.interval, out[w]};
    }
  }
  counted.Tick(s.floats.size(), static_cast<int64_t>(chunk_end - chunk_first));
}

// rate, increase and delta over the steps of one series, kChunk steps at a time: the windows
// of the chunk are located first (with their counter-corrected differences), then
// extrapolated in one loop without calls or unpredictable branches, so that the divisions of
// neighbouring windows overlap instead of waiting on each other; then the points are appended
// with the same per-step accounting as the generic loop. Each value is made of the same
// operations, in the same order, as ExtrapolatedRate's.
void SlideExtrapolated(const RangeFunction& f, const RangeCall& c, const Decoded& d,
                       ESeries& s) {
  const bool is_counter = f.batch != WindowBatch::kDelta;
  const bool is_rate = f.batch == WindowBatch::kRate;
  const size_t n = d.t.size();
  const int64_t* t = d.t.data();
  const double* v = d.v.data();
  const std::vector<uint32_t>* resets = is_counter ? &CountResets(d) : nullptr;
  const double range_s = static_cast<double>(c.range_ms) / 1000;
  constexpr size_t kChunk = 256;
  // Per window of the chunk (n >= 2 samples): the step it belongs to and its inputs, all
  // doubles so that the extrapolation loop vectorises (SSE2 has no int64 conversion).
  uint32_t step_of[kChunk];
  double to_start[kChunk], to_end[kChunk], sampled[kChunk];
  double gaps[kChunk], first_v[kChunk], result[kChunk];
  PointCounter counted(c.ctx);
  const size_t nsteps = c.grid.NumSteps();
  size_t lo = 0, hi = 0;
  for (size_t chunk_first = 0; chunk_first < nsteps; chunk_first += kChunk) {
    const size_t chunk_end = std::min(nsteps, chunk_first + kChunk);
    size_t nw = 0;
    for (size_t step = chunk_first; step < chunk_end; ++step) {
      const int64_t ts = c.grid.start + static_cast<int64_t>(step) * c.grid.interval;
      const int64_t ref = c.RefTime(ts);
      while (hi < n && t[hi] <= ref) ++hi;
      while (lo < hi && t[lo] <= ref - c.range_ms) ++lo;
      if (hi < lo + 2) continue;  // fewer than two samples: no value
      const size_t last = hi - 1;
      double r = v[last] - v[lo];
      if (is_counter && (*resets)[last] != (*resets)[lo]) {
        double prev = v[lo];
        for (size_t i = lo + 1; i < hi; ++i) {
          if (v[i] < prev) r += prev;
          prev = v[i];
        }
      }
      step_of[nw] = static_cast<uint32_t>(step - chunk_first);
      to_start[nw] = static_cast<double>(t[lo] - (ref - c.range_ms));
      to_end[nw] = static_cast<double>(ref - t[last]);
      sampled[nw] = static_cast<double>(t[last] - t[lo]);
      gaps[nw] = static_cast<double>(last - lo);
      first_v[nw] = v[lo];
      result[nw] = r;
      ++nw;
    }
    double out[kChunk];
    static const ExtrapolateFn kRateFn = BestExtrapolate<true, true>();
    static const ExtrapolateFn kIncreaseFn = BestExtrapolate<true, false>();
    static const ExtrapolateFn kDeltaFn = BestExtrapolate<false, false>();
    (is_rate ? kRateFn : is_counter ? kIncreaseFn : kDeltaFn)(nw, to_start, to_end, sampled, gaps,
                                                             first_v, result, range_s, out);
    AppendChunkPoints(c, chunk_first, chunk_end, step_of, out, nw, counted, s);
  }
  counted.Flush(s.floats.size());
}

// min_over_time / max_over_time over the steps of one series with a monotonic deque of the
// window's non-NaN samples: O(samples + steps) instead of O(window) per step. The kernels keep
// the first of equal extremes (strict comparisons: -0 and 0 tie) and ignore NaN unless the
// window holds nothing else, when they return its last sample; so does the front of a deque
// that drops only strictly worse samples and holds no NaN.
void SlideExtreme(bool max, const RangeCall& c, const Decoded& d, ESeries& s) {
  const size_t n = d.t.size();
  const int64_t* t = d.t.data();
  const double* v = d.v.data();
  thread_local std::vector<uint32_t> deque;
  deque.resize(n);
  size_t head = 0, tail = 0;  // deque[head, tail): indices, values monotonic from the front
  PointCounter counted(c.ctx);
  const size_t nsteps = c.grid.NumSteps();
  size_t lo = 0, hi = 0, step = 0;
  for (int64_t ts = c.grid.start; ts <= c.grid.end; ts += c.grid.interval, ++step) {
    const int64_t ref = c.RefTime(ts);
    while (hi < n && t[hi] <= ref) {
      const double x = v[hi];
      if (!std::isnan(x)) {
        if (max) {
          while (tail > head && v[deque[tail - 1]] < x) --tail;
        } else {
          while (tail > head && v[deque[tail - 1]] > x) --tail;
        }
        deque[tail++] = static_cast<uint32_t>(hi);
      }
      ++hi;
    }
    while (lo < hi && t[lo] <= ref - c.range_ms) ++lo;
    while (head < tail && deque[head] < lo) ++head;
    counted.Tick(s.floats.size());
    if (hi <= lo) continue;
    if (s.floats.empty()) {
      s.floats.reserve(std::min<size_t>(nsteps, static_cast<size_t>(c.ctx->SampleBudget())));
    }
    s.floats.push_back({ts, head < tail ? v[deque[head]] : v[hi - 1]});
  }
  counted.Flush(s.floats.size());
}

// The results of n compensated window sums: in/out holds each window's sample count and
// becomes avg's sum/count + c/count, or sum + c. Compiled for the baseline and for AVX2 like
// Extrapolate: the same IEEE operations per lane.
__attribute__((always_inline)) inline void KahanResults(size_t n, bool avg, const double* sum,
                                                        const double* comp, double* inout) {
  if (avg) {
    for (size_t i = 0; i < n; ++i) inout[i] = sum[i] / inout[i] + comp[i] / inout[i];
  } else {
    for (size_t i = 0; i < n; ++i) inout[i] = sum[i] + comp[i];
  }
}
void KahanResultsBaseline(size_t n, bool avg, const double* sum, const double* comp,
                          double* inout) {
  KahanResults(n, avg, sum, comp, inout);
}
#ifdef PROMLET_X86_TARGETS
__attribute__((target("avx2"))) void KahanResultsAvx2(size_t n, bool avg, const double* sum,
                                                      const double* comp, double* inout) {
  KahanResults(n, avg, sum, comp, inout);
}
#endif
using KahanResultsFn = void (*)(size_t, bool, const double*, const double*, double*);
KahanResultsFn BestKahanResults() {
#ifdef PROMLET_X86_TARGETS
  return Widest(&KahanResultsBaseline, &KahanResultsAvx2);
#else
  return &KahanResultsBaseline;
#endif
}

// avg_over_time / sum_over_time over the steps of one series, kChunk steps at a time: the
// chunk's windows are located first, then summed as many at a time as the CPU's widest
// KahanLockstep takes (8 or 4 lanes; the chunk's last few four at a time, interleaved so that
// their dependent additions overlap), each window by the same FiniteKahanStep sequence as
// AvgOf / SumOverTime (avg starts from the first sample, sum from 0). A window whose sum does
// not stay finite goes to the kernel (Prometheus' loop).
void SlideKahan(const RangeFunction& f, const RangeCall& c, const Decoded& d, ESeries& s) {
  const bool avg = f.batch == WindowBatch::kAvg;
  const size_t n = d.t.size();
  const int64_t* t = d.t.data();
  const double* v = d.v.data();
  constexpr size_t kChunk = 256;
  uint32_t step_of[kChunk];
  size_t lo_of[kChunk];               // the window is samples [lo_of, end)
  size_t first[kChunk], end[kChunk];  // samples [first, end) are still to be summed
  double sum[kChunk], comp[kChunk];
  std::vector<double> scratch;
  PointCounter counted(c.ctx);
  const size_t nsteps = c.grid.NumSteps();
  size_t lo = 0, hi = 0;
  for (size_t chunk_first = 0; chunk_first < nsteps; chunk_first += kChunk) {
    const size_t chunk_end = std::min(nsteps, chunk_first + kChunk);
    size_t nw = 0;
    for (size_t step = chunk_first; step < chunk_end; ++step) {
      const int64_t ts = c.grid.start + static_cast<int64_t>(step) * c.grid.interval;
      const int64_t ref = c.RefTime(ts);
      while (hi < n && t[hi] <= ref) ++hi;
      while (lo < hi && t[lo] <= ref - c.range_ms) ++lo;
      if (hi <= lo) continue;
      step_of[nw] = static_cast<uint32_t>(step - chunk_first);
      lo_of[nw] = lo;
      first[nw] = avg ? lo + 1 : lo;
      end[nw] = hi;
      sum[nw] = avg ? v[lo] : 0;
      comp[nw] = 0;
      ++nw;
    }
    size_t i = 0;
#ifdef PROMLET_X86_TARGETS
    const KahanLockstep& wide = WideKahan();
#endif
    while (i + 4 <= nw) {
#ifdef PROMLET_X86_TARGETS
      if (wide.lanes != 0 && i + wide.lanes <= nw) {
        wide.run(v, first + i, end + i, sum + i, comp + i);
        i += wide.lanes;
        continue;
      }
#endif
      // The four windows in lockstep while all have samples left, then each on its own.
      size_t len = end[i] - first[i];
      for (size_t k = 1; k < 4; ++k) len = std::min(len, end[i + k] - first[i + k]);
      double s0 = sum[i], s1 = sum[i + 1], s2 = sum[i + 2], s3 = sum[i + 3];
      double c0 = comp[i], c1 = comp[i + 1], c2 = comp[i + 2], c3 = comp[i + 3];
      const double *v0 = v + first[i], *v1 = v + first[i + 1], *v2 = v + first[i + 2],
                   *v3 = v + first[i + 3];
#ifdef __SSE2__
      // Two windows per register: the same IEEE operations lane by lane.
      __m128d sa = _mm_set_pd(s1, s0), sb = _mm_set_pd(s3, s2);
      __m128d ca = _mm_set_pd(c1, c0), cb = _mm_set_pd(c3, c2);
      for (size_t j = 0; j < len; ++j) {
        FiniteKahanStep2(_mm_set_pd(v1[j], v0[j]), sa, ca);
        FiniteKahanStep2(_mm_set_pd(v3[j], v2[j]), sb, cb);
      }
      s0 = _mm_cvtsd_f64(sa), s1 = _mm_cvtsd_f64(_mm_unpackhi_pd(sa, sa));
      s2 = _mm_cvtsd_f64(sb), s3 = _mm_cvtsd_f64(_mm_unpackhi_pd(sb, sb));
      c0 = _mm_cvtsd_f64(ca), c1 = _mm_cvtsd_f64(_mm_unpackhi_pd(ca, ca));
      c2 = _mm_cvtsd_f64(cb), c3 = _mm_cvtsd_f64(_mm_unpackhi_pd(cb, cb));
#else
      for (size_t j = 0; j < len; ++j) {
        FiniteKahanStep(v0[j], s0, c0);
        FiniteKahanStep(v1[j], s1, c1);
        FiniteKahanStep(v2[j], s2, c2);
        FiniteKahanStep(v3[j], s3, c3);
      }
#endif
      const double sums[4] = {s0, s1, s2, s3}, comps[4] = {c0, c1, c2, c3};
      for (size_t k = 0; k < 4; ++k) {
        sum[i + k] = sums[k];
        comp[i + k] = comps[k];
        first[i + k] += len;
      }
      i += 4;
    }
    // What the lockstep left of each window, then every window's result in one loop (its
    // divisions overlap); a window whose sum did not stay finite takes the kernel's.
    double out[kChunk];
    for (size_t w = 0; w < nw; ++w) {
      for (size_t j = first[w]; j < end[w]; ++j) FiniteKahanStep(v[j], sum[w], comp[w]);
      out[w] = static_cast<double>(end[w] - lo_of[w]);
    }
    static const KahanResultsFn kResults = BestKahanResults();
    kResults(nw, avg, sum, comp, out);
    for (size_t w = 0; w < nw; ++w) {
      if (std::isfinite(sum[w])) [[likely]]
        continue;
      const size_t step = chunk_first + step_of[w];
      const int64_t ts = c.grid.start + static_cast<int64_t>(step) * c.grid.interval;
      const Window win{t + lo_of[w], v + lo_of[w], end[w] - lo_of[w]};
      const WindowAt at{c, ts, c.RefTime(ts), step, false, scratch};
      out[w] = *f.kernel(win, at);
    }
    AppendChunkPoints(c, chunk_first, chunk_end, step_of, out, nw, counted, s);
  }
  counted.Flush(s.floats.size());
}

}  // namespace

bool UseKahanLanes(size_t lanes) {
#ifdef PROMLET_X86_TARGETS
  const KahanLockstep chosen = LockstepOf(lanes);
  if (chosen.lanes != lanes) return false;
  WideKahan() = chosen;
  return true;
#else
  return lanes == 0;
#endif
}

void SlideWindows(const RangeFunction& f, const RangeCall& c, const Decoded& d, ESeries& s) {
  switch (f.batch) {
    case WindowBatch::kNone:
      break;
    case WindowBatch::kMin:
    case WindowBatch::kMax:
      SlideExtreme(f.batch == WindowBatch::kMax, c, d, s);
      return;
    case WindowBatch::kAvg:
    case WindowBatch::kSum:
      SlideKahan(f, c, d, s);
      return;
    default:
      SlideExtrapolated(f, c, d, s);
      return;
  }
  std::vector<double> scratch;
  const size_t n = d.t.size();
  const std::vector<uint32_t>* resets_upto = f.counter ? &CountResets(d) : nullptr;
  // Output points are counted as they are made; slow kernels (quantile, mad: a sort per
  // step) tick by their window size so the deadline is checked every ~1,000 samples sorted.
  PointCounter counted(c.ctx);
  const size_t nsteps = c.grid.NumSteps();
  const int64_t range_ms = c.range_ms;
  size_t lo = 0, hi = 0, step = 0;
  for (int64_t ts = c.grid.start; ts <= c.grid.end; ts += c.grid.interval, ++step) {
    const int64_t ref = c.RefTime(ts);
    while (hi < n && d.t[hi] <= ref) ++hi;
    while (lo < hi && d.t[lo] <= ref - range_ms) ++lo;
    counted.Tick(s.floats.size(), f.sorts ? static_cast<int64_t>(hi - lo) + 1 : 1);
    if (hi <= lo) continue;
    const Window w{d.t.data() + lo, d.v.data() + lo, hi - lo};
    const WindowAt at{c, ts, ref, step,
                      f.counter && (*resets_upto)[hi - 1] != (*resets_upto)[lo], scratch};
    const std::optional<double> r = f.kernel(w, at);
    if (r.has_value()) {
      if (s.floats.empty()) {
        s.floats.reserve(std::min<size_t>(nsteps, static_cast<size_t>(c.ctx->SampleBudget())));
      }
      s.floats.push_back({ts, *r});
    }
  }
  counted.Flush(s.floats.size());
}

namespace range_fn {

std::optional<double> Rate(const Window& w, const WindowAt& a) {
  return ExtrapolatedRate(w, a.ref - a.call.range_ms, a.ref, a.call.range_ms, true, true,
                          a.has_resets);
}

std::optional<double> Increase(const Window& w, const WindowAt& a) {
  return ExtrapolatedRate(w, a.ref - a.call.range_ms, a.ref, a.call.range_ms, true, false,
                          a.has_resets);
}

std::optional<double> Delta(const Window& w, const WindowAt& a) {
  return ExtrapolatedRate(w, a.ref - a.call.range_ms, a.ref, a.call.range_ms, false, false);
}

std::optional<double> Irate(const Window& w, const WindowAt&) { return InstantValue(w, true); }
std::optional<double> Idelta(const Window& w, const WindowAt&) { return InstantValue(w, false); }

std::optional<double> Deriv(const Window& w, const WindowAt&) {
  if (w.n < 2) return std::nullopt;
  double slope, icpt;
  LinearRegression(w, w.t[0], &slope, &icpt);
  return slope;
}

std::optional<double> PredictLinear(const Window& w, const WindowAt& a) {
  if (w.n < 2) return std::nullopt;
  double slope, icpt;
  LinearRegression(w, a.ts, &slope, &icpt);
  return slope * (*a.call.scalar_args)[1][a.step] + icpt;
}

std::optional<double> Resets(const Window& w, const WindowAt&) {
  double resets = 0;
  for (size_t i = 1; i < w.n; ++i) {
    if (w.v[i] < w.v[i - 1]) resets++;
  }
  return resets;
}

std::optional<double> Changes(const Window& w, const WindowAt&) {
  double changes = 0;
  for (size_t i = 1; i < w.n; ++i) {
    const double cur = w.v[i], prev = w.v[i - 1];
    if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) changes++;
  }
  return changes;
}

std::optional<double> AvgOverTime(const Window& w, const WindowAt&) { return AvgOf(w); }

std::optional<double> SumOverTime(const Window& w, const WindowAt&) {
  {
    // As in AvgOf: branch-free while the sum stays finite (then KahanSumInc never takes its
    // infinity branch), Prometheus' loop otherwise.
    double sum = 0, c = 0;
    for (size_t i = 0; i < w.n; ++i) FiniteKahanStep(w.v[i], sum, c);
    if (std::isfinite(sum)) return sum + c;
  }
  double sum = 0, cc = 0;
  for (size_t i = 0; i < w.n; ++i) KahanSumInc(w.v[i], sum, cc);
  return std::isinf(sum) ? sum : sum + cc;
}

std::optional<double> CountOverTime(const Window& w, const WindowAt&) {
  return static_cast<double>(w.n);
}

std::optional<double> MinOverTime(const Window& w, const WindowAt&) {
  double m = w.v[0];
  for (size_t i = 0; i < w.n; ++i) {
    if (w.v[i] < m || std::isnan(m)) m = w.v[i];
  }
  return m;
}

std::optional<double> MaxOverTime(const Window& w, const WindowAt&) {
  double m = w.v[0];
  for (size_t i = 0; i < w.n; ++i) {
    if (w.v[i] > m || std::isnan(m)) m = w.v[i];
  }
  return m;
}

std::optional<double> LastOverTime(const Window& w, const WindowAt&) { return w.v[w.n - 1]; }
std::optional<double> FirstOverTime(const Window& w, const WindowAt&) { return w.v[0]; }
std::optional<double> PresentOverTime(const Window&, const WindowAt&) { return 1; }
std::optional<double> StdvarOverTime(const Window& w, const WindowAt&) { return StdvarOf(w); }

std::optional<double> StddevOverTime(const Window& w, const WindowAt&) {
  return std::sqrt(StdvarOf(w));
}

std::optional<double> QuantileOverTime(const Window& w, const WindowAt& a) {
  const double q = (*a.call.scalar_args)[0][a.step];
  if (!*a.call.warned && (std::isnan(q) || q < 0 || q > 1)) {
    a.call.ctx->Warn(absl::StrCat("quantile value should be between 0 and 1, got ",
                                  common::GoFloat(q, 'g')),
                     a.call.param_pos);
    *a.call.warned = true;
  }
  a.scratch.assign(w.v, w.v + w.n);
  return Quantile(q, a.scratch);
}

std::optional<double> MadOverTime(const Window& w, const WindowAt& a) {
  std::vector<double>& scratch = a.scratch;
  scratch.assign(w.v, w.v + w.n);
  if (std::any_of(scratch.begin(), scratch.end(), [](double x) { return std::isnan(x); })) {
    return kNaN;  // a NaN sample makes the deviation undefined
  }
  const double median = Quantile(0.5, scratch);
  for (auto& x : scratch) x = std::fabs(x - median);
  return Quantile(0.5, scratch);
}

std::optional<double> TsOfMaxOverTime(const Window& w, const WindowAt&) {
  return TsOfExtreme(w, true);
}
std::optional<double> TsOfMinOverTime(const Window& w, const WindowAt&) {
  return TsOfExtreme(w, false);
}
std::optional<double> TsOfLastOverTime(const Window& w, const WindowAt&) {
  return static_cast<double>(w.t[w.n - 1]) / 1000;
}
std::optional<double> TsOfFirstOverTime(const Window& w, const WindowAt&) {
  return static_cast<double>(w.t[0]) / 1000;
}

std::optional<double> DoubleExponentialSmoothing(const Window& w, const WindowAt& a) {
  const double sf = (*a.call.scalar_args)[1][a.step], tf = (*a.call.scalar_args)[2][a.step];
  if (sf <= 0 || sf >= 1) {
    Errorf(absl::StrCat("invalid smoothing factor. Expected: 0 < sf < 1, got: ",
                        common::GoPrintfF(sf)));
  }
  if (tf <= 0 || tf >= 1) {
    Errorf(absl::StrCat("invalid trend factor. Expected: 0 < tf < 1, got: ",
                        common::GoPrintfF(tf)));
  }
  if (w.n < 2) return std::nullopt;
  double s0 = 0, s1 = w.v[0], b = w.v[1] - w.v[0];
  for (size_t i = 1; i < w.n; ++i) {
    const double x = sf * w.v[i];
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    const double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

}  // namespace range_fn

}  // namespace promlet::promql::internal
