// StreamedAggregation (aggregation.h): folding series into (group, step) cells as they come,
// with sum's and avg's fold of a gapless series eight cells at a time where AVX-512 is there.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "promql/engine/aggregation.h"
#include "promql/engine/aggregation_cells.h"
#include "promql/engine/simd.h"

namespace promlet::promql::internal {

bool StreamedAggregation::Supports(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
    case AggregateOp::kAvg:
    case AggregateOp::kCount:
    case AggregateOp::kMin:
    case AggregateOp::kMax:
    case AggregateOp::kGroup:
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar:
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
         op == AggregateOp::kMax || op == AggregateOp::kGroup || op == AggregateOp::kAvg;
}
}  // namespace

size_t StreamedAggregation::MaxCells(AggregateOp op) {
  if (op == AggregateOp::kAvg) return kMaxAvgCells;
  return UsesCompactCells(op) ? kMaxCompactCells : kMaxCells;
}

// The input's series are folded into (group, step) cells as they come, in selector order,
// exactly as the table fast path of Aggregate folds a materialised input: every cell sees the
// same samples in the same order. The table holds at most MaxCells(op) cells; series of later
// groups are kept and folded at the end, a table's worth of groups at a time.
StreamedAggregation::StreamedAggregation(const AggregateExpr& a,
                                         const std::vector<std::string>& grouping,
                                         const StepGrid& g, QueryContext* ctx)
    : a_(a),
      grouping_(grouping),
      g_(g),
      ctx_(ctx),
      nsteps_(g.NumSteps()),
      compact_(UsesCompactCells(a.op)),
      max_rows_(std::max<size_t>(1, MaxCells(a.op) / nsteps_)) {}

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

// avg's compact cell: its mode is kept in the seen byte. Summing, the value is the Kahan sum;
// once the sum would overflow, the value is the mean, updated incrementally (Accumulate's
// incremental_mean), and the compensation is the mean's.
enum AvgMode : uint8_t { kAvgUnseen = 0, kAvgSumming = 1, kAvgIncremental = 2 };

// Folds one sample into an avg cell as Accumulate(kAvg) folds it into a whole one.
inline void AccumulateAvg(CompactCell& c, uint8_t& mode, double& count, double f) {
  if (mode == kAvgUnseen) {
    mode = kAvgSumming;
    c.value = f;
    c.kahan_c = 0;
    count = 1;
    return;
  }
  count++;
  if (mode == kAvgSumming) {
    if (AvgSumUnlessInf(f, c.value, c.kahan_c)) return;
    mode = kAvgIncremental;
    c.value /= count - 1;
    c.kahan_c /= count - 1;
  }
  AvgIncrementalMean(f, count, c.value, c.kahan_c);
}

// Finalize(kAvg) of an avg cell that was seen.
inline double AvgValue(const CompactCell& c, uint8_t mode, double count) {
  return mode == kAvgIncremental ? c.value + c.kahan_c : c.value / count + c.kahan_c / count;
}

// sum's (avg's) fold of n points at consecutive steps into cells[0, n): AccumulateCompact<kSum>
// (AccumulateAvg) of each point in turn. sum has no counts.
using FoldRunFn = void (*)(CompactCell* cells, uint8_t* seen, double* counts, const FPoint* pts,
                           size_t n);
void FoldSumRunBaseline(CompactCell* cells, uint8_t* seen, double*, const FPoint* pts, size_t n) {
  for (size_t j = 0; j < n; ++j) AccumulateCompact<AggregateOp::kSum>(cells[j], seen[j], pts[j].f);
}
void FoldAvgRunBaseline(CompactCell* cells, uint8_t* seen, double* counts, const FPoint* pts,
                        size_t n) {
  for (size_t j = 0; j < n; ++j) AccumulateAvg(cells[j], seen[j], counts[j], pts[j].f);
}
#ifdef PROMLET_X86_TARGETS
// Eight cells at a time, each lane making AccumulateCompact<kSum>'s IEEE operations: a seen
// cell adds the value with its Kahan term (compensation reset where the sum is infinite), an
// unseen one takes the value with no compensation.
__attribute__((target("avx512f"))) void FoldSumRunAvx512(CompactCell* cells, uint8_t* seen, double*,
                                                         const FPoint* pts, size_t n) {
  static_assert(sizeof(FPoint) == 16 && sizeof(CompactCell) == 16);
  const __m512i evens = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odds = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
  const __m512i low_pairs = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
  const __m512i high_pairs = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
  const __m512d inf = _mm512_set1_pd(std::numeric_limits<double>::infinity());
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const auto* p = reinterpret_cast<const double*>(pts + j);
    const __m512d f = _mm512_permutex2var_pd(_mm512_loadu_pd(p), odds, _mm512_loadu_pd(p + 8));
    auto* c = reinterpret_cast<double*>(cells + j);
    const __m512i seen8 = _mm512_maskz_cvtepu8_epi64(
        0xff, _mm_loadl_epi64(reinterpret_cast<const __m128i*>(seen + j)));
    const __mmask8 was_seen = _mm512_test_epi64_mask(seen8, seen8);
    if (was_seen == 0) {
      // Cells nobody folded into yet are written without being read: a fresh table's pages
      // are then faulted in once, for writing (a read first maps the zero page, and the
      // write after it copies it and flushes every core's TLB).
      const __m512d zero = _mm512_setzero_pd();
      _mm512_storeu_pd(c, _mm512_permutex2var_pd(f, low_pairs, zero));
      _mm512_storeu_pd(c + 8, _mm512_permutex2var_pd(f, high_pairs, zero));
      std::memset(seen + j, 1, 8);
      continue;
    }
    const __m512d lo = _mm512_loadu_pd(c), hi = _mm512_loadu_pd(c + 8);
    const __m512d sum = _mm512_permutex2var_pd(lo, evens, hi);
    const __m512d comp = _mm512_permutex2var_pd(lo, odds, hi);
    const __m512d t = _mm512_add_pd(sum, f);
    const __mmask8 finite_sum = _mm512_cmp_pd_mask(_mm512_abs_pd(t), inf, _CMP_NEQ_UQ);
    const __m512d new_comp =
        _mm512_maskz_add_pd(was_seen & finite_sum, comp, KahanTerm8(sum, f, t));
    const __m512d new_sum = _mm512_mask_mov_pd(f, was_seen, t);
    _mm512_storeu_pd(c, _mm512_permutex2var_pd(new_sum, low_pairs, new_comp));
    _mm512_storeu_pd(c + 8, _mm512_permutex2var_pd(new_sum, high_pairs, new_comp));
    std::memset(seen + j, 1, 8);
  }
  _mm256_zeroupper();  // the tail runs baseline code: no wide registers left dirty for it
  FoldSumRunBaseline(cells + j, seen + j, nullptr, pts + j, n - j);
}

// Eight avg cells at a time: the lanes that are unseen, or summing and stay finite, as
// AccumulateAvg makes them (the same IEEE operations); the others (a sum that overflows, a
// mean already incremental) one at a time after, untouched until then.
__attribute__((target("avx512f"))) void FoldAvgRunAvx512(CompactCell* cells, uint8_t* seen,
                                                         double* counts, const FPoint* pts,
                                                         size_t n) {
  const __m512i evens = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odds = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
  const __m512i low_pairs = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
  const __m512i high_pairs = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
  const __m512d inf = _mm512_set1_pd(std::numeric_limits<double>::infinity());
  const __m512d one = _mm512_set1_pd(1);
  const __m512i summing = _mm512_set1_epi64(kAvgSumming);
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const auto* p = reinterpret_cast<const double*>(pts + j);
    const __m512d f = _mm512_permutex2var_pd(_mm512_loadu_pd(p), odds, _mm512_loadu_pd(p + 8));
    auto* c = reinterpret_cast<double*>(cells + j);
    const __m512i modes = _mm512_maskz_cvtepu8_epi64(
        0xff, _mm_loadl_epi64(reinterpret_cast<const __m128i*>(seen + j)));
    const __mmask8 unseen = _mm512_testn_epi64_mask(modes, modes);
    if (unseen == 0xff) {  // written without being read, as in FoldSumRunAvx512
      const __m512d zero = _mm512_setzero_pd();
      _mm512_storeu_pd(c, _mm512_permutex2var_pd(f, low_pairs, zero));
      _mm512_storeu_pd(c + 8, _mm512_permutex2var_pd(f, high_pairs, zero));
      _mm512_storeu_pd(counts + j, one);
      std::memset(seen + j, kAvgSumming, 8);
      continue;
    }
    const __m512d lo = _mm512_loadu_pd(c), hi = _mm512_loadu_pd(c + 8);
    const __m512d sum = _mm512_permutex2var_pd(lo, evens, hi);
    const __m512d comp = _mm512_permutex2var_pd(lo, odds, hi);
    const __mmask8 was_summing = _mm512_cmpeq_epi64_mask(modes, summing);
    const __m512d t = _mm512_add_pd(sum, f);
    const __mmask8 finite_sum = _mm512_cmp_pd_mask(_mm512_abs_pd(t), inf, _CMP_NEQ_UQ);
    const __mmask8 adds = was_summing & finite_sum;
    const __mmask8 done = unseen | adds;
    const __m512d new_comp = _mm512_maskz_add_pd(adds, comp, KahanTerm8(sum, f, t));
    const __m512d new_sum = _mm512_mask_mov_pd(f, adds, t);
    const __m512d count = _mm512_loadu_pd(counts + j);
    _mm512_mask_storeu_pd(counts + j, done, _mm512_mask_add_pd(one, adds, count, one));
    // Each cell is two doubles: lane k's mask bit covers doubles 2k and 2k + 1.
    const auto pairs = [](unsigned m4) {
      unsigned m = 0;
      for (unsigned k = 0; k < 4; ++k) m |= ((m4 >> k) & 1u) * (3u << (2 * k));
      return static_cast<__mmask8>(m);
    };
    _mm512_mask_storeu_pd(c, pairs(done & 0xf),
                          _mm512_permutex2var_pd(new_sum, low_pairs, new_comp));
    _mm512_mask_storeu_pd(c + 8, pairs(done >> 4),
                          _mm512_permutex2var_pd(new_sum, high_pairs, new_comp));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(seen + j),
                     _mm512_maskz_cvtepi64_epi8(0xff, _mm512_mask_mov_epi64(modes, done, summing)));
    for (unsigned rest = static_cast<uint8_t>(~done); rest != 0; rest &= rest - 1) {
      const unsigned k = static_cast<unsigned>(__builtin_ctz(rest));
      AccumulateAvg(cells[j + k], seen[j + k], counts[j + k], pts[j + k].f);
    }
  }
  _mm256_zeroupper();  // as in FoldSumRunAvx512
  FoldAvgRunBaseline(cells + j, seen + j, counts + j, pts + j, n - j);
}
#endif

// The widest fold of runs for sum (avg), picked once.
FoldRunFn BestFoldRun(AggregateOp op) {
  const bool avg = op == AggregateOp::kAvg;
#ifdef PROMLET_X86_TARGETS
  if (avg) return Widest(&FoldAvgRunBaseline, &FoldAvgRunBaseline, &FoldAvgRunAvx512);
  return Widest(&FoldSumRunBaseline, &FoldSumRunBaseline, &FoldSumRunAvx512);
#else
  return avg ? &FoldAvgRunBaseline : &FoldSumRunBaseline;
#endif
}

// Whether s's points lie at consecutive steps (a selector's or a range function's series
// without gaps, the usual case).
bool Gapless(const ESeries& s, const StepGrid& g) {
  const auto& fl = s.floats;
  return !fl.empty() &&
         fl.back().t - fl.front().t == static_cast<int64_t>(fl.size() - 1) * g.interval;
}

// sum's fold of one series: at once when it is Gapless, else point by point.
void FoldSumRow(CompactCell* row, uint8_t* seen, const ESeries& s, const StepGrid& g) {
  static const FoldRunFn fold_run = BestFoldRun(AggregateOp::kSum);
  if (Gapless(s, g)) {
    const size_t k0 = g.StepIndex(s.floats.front().t);
    fold_run(row + k0, seen + k0, nullptr, s.floats.data(), s.floats.size());
    return;
  }
  FoldCompactRow<AggregateOp::kSum>(row, seen, s, g);
}

// avg's fold of one series, likewise.
void FoldAvgRow(CompactCell* row, uint8_t* seen, double* counts, const ESeries& s,
                const StepGrid& g) {
  static const FoldRunFn fold_run = BestFoldRun(AggregateOp::kAvg);
  if (Gapless(s, g)) {
    const size_t k0 = g.StepIndex(s.floats.front().t);
    fold_run(row + k0, seen + k0, counts + k0, s.floats.data(), s.floats.size());
    return;
  }
  ForEachStepPoint(s, g, [&](size_t k, double f) { AccumulateAvg(row[k], seen[k], counts[k], f); });
}
}  // namespace

StreamedAggregation::Row StreamedAggregation::NewRow() const {
  Row row;
  if (compact_) {
    row.compact = std::make_unique_for_overwrite<CompactCell[]>(nsteps_);
    row.seen.assign(nsteps_, 0);
    if (a_.op == AggregateOp::kAvg) row.counts = std::make_unique_for_overwrite<double[]>(nsteps_);
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
      FoldSumRow(compact, seen, s, g_);
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
      FoldAvgRow(compact, seen, row.counts.get(), s, g_);
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
  if (a_.op == AggregateOp::kAvg) {
    for (size_t k = 0; k < nsteps_; ++k) {
      if (row.seen[k]) emit(k, AvgValue(row.compact[k], row.seen[k], row.counts[k]));
    }
    return;
  }
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

void StreamedAggregation::ForEachRow(const std::function<void(size_t, Row&)>& fn) {
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
  out.cells.reserve(nrows);
  out.present.reserve(nrows);
  // Each cell is finished in place (a whole cell into a compact one) and the row handed over.
  ForEachRow([&](size_t, Row& row) {
    if (!compact_) {
      row.compact = std::make_unique_for_overwrite<CompactCell[]>(nsteps_);
      row.seen.assign(nsteps_, 0);
    }
    EmitRow(row, [&](size_t k, double v) {
      row.compact[k].value = v;
      row.seen[k] = 1;
      ++out.points;
    });
    out.cells.push_back(std::move(row.compact));
    out.present.push_back(std::move(row.seen));
  });
  // Every group has a point (Add skips empty series), so rows are Finish's series.
  out.labels.reserve(nrows);
  for (auto& r : result_) out.labels.push_back(std::move(r.metric));
  ctx_->SubSamples(in_points_);
  ctx_->AddSamples(static_cast<int64_t>(out.points));
  return out;
}

}  // namespace promlet::promql::internal
