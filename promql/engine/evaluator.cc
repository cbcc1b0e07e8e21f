// The evaluator: the recursion over the AST (Eval and the Eval* that evaluate children),
// selectors and subqueries, and the evaluator's side of operators, aggregations and function
// calls. The kernels they hand evaluated values to live in binary_operators.cc,
// aggregation.cc, range_functions.cc, instant_functions.cc and label_functions.cc.
#include "promql/engine/evaluator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "model/value.h"
#include "promql/engine/aggregation.h"
#include "promql/engine/binary_operators.h"
#include "promql/engine/extended_ranges.h"
#include "promql/engine/function_table.h"
#include "promql/engine/start_timestamps.h"
#include "promql/parser/parser.h"

namespace promlet::promql::internal {

// ---------------------------------------------------------------------------------------------

namespace {

using model::histogram::CounterResetHint;
using model::histogram::FloatHistogram;

// Prometheus' HistogramStatsIterator: the previous full histogram, to detect resets with.
struct StatsDecoding {
  bool on = false;
  std::optional<FloatHistogram> last;
};

// Reads the current sample of `it` (a float or a histogram) into d.
void TakeCurrent(storage::SampleIterator& it, Decoded& d, StatsDecoding& stats) {
  if (it.Type() == storage::ValueType::kFloat) {
    d.t.push_back(it.T());
    d.v.push_back(it.V());
    return;
  }
  auto h = std::make_shared<FloatHistogram>();
  it.AtFloatHistogram(h.get());
  d.ht.push_back(it.T());
  if (stats.on) {
    auto s = std::make_shared<FloatHistogram>();
    s->schema = h->schema;
    s->count = h->count;
    s->sum = h->sum;
    s->counter_reset_hint = h->counter_reset_hint;
    if (!model::IsStaleNaN(h->sum)) {
      if (h->counter_reset_hint == CounterResetHint::kUnknown && stats.last) {
        s->counter_reset_hint =
            h->DetectReset(*stats.last) ? CounterResetHint::kReset : CounterResetHint::kNotReset;
      }
      stats.last = std::move(*h);
      stats.last->counter_reset_hint = s->counter_reset_hint;
    }
    d.hv.push_back(std::move(s));
    return;
  }
  d.hv.push_back(std::move(h));
}

}  // namespace

absl::Status Evaluator::DecodeInto(const QueryContext& ctx, storage::SampleIterator& it,
                                   int64_t mint, int64_t maxt, bool drop_stale, int64_t cap,
                                   Decoded& d, bool stats_only) {
  StatsDecoding stats{stats_only, std::nullopt};
  d.t.clear();
  d.v.clear();
  d.ht.clear();
  d.hv.clear();
  d.st.clear();
  d.hst.clear();
  if (!it.Seek(mint) || it.T() > maxt) return it.status();
  if (ctx.options->use_start_timestamps && it.MayHaveST()) {
    return DecodeWithST(ctx, it, maxt, drop_stale, cap, d);
  }
  TakeCurrent(it, d, stats);
  // Batches are decoded into a stack buffer, cut at maxt and appended: no zero-filled slack
  // in the output (an instant query's lookback window reads a few points per series), one
  // NextBatch call for a series of up to kBatch points, and the output grows to what was read.
  // A histogram stops a batch (NextBatch returns 0 with it current): it is read and Next()
  // moves past it.
  constexpr size_t kBatch = 512;
  int64_t tb[kBatch];
  double vb[kBatch];
  for (size_t batches = 1;; ++batches) {
    const size_t n = it.NextBatch(tb, vb, kBatch);
    if (n == 0 && it.StoppedAtHistogram()) {
      bool more = true;
      while (more && it.T() <= maxt && it.Type() != storage::ValueType::kFloat) {
        TakeCurrent(it, d, stats);
        more = it.Next();
      }
      if (!more || it.T() > maxt) break;
      TakeCurrent(it, d, stats);  // a float after the histograms; batches go on after it
      continue;
    }
    size_t keep = n;
    if (n > 0 && tb[n - 1] > maxt) {
      keep = static_cast<size_t>(std::upper_bound(tb, tb + n, maxt) - tb);
    }
    d.t.insert(d.t.end(), tb, tb + keep);
    d.v.insert(d.v.end(), vb, vb + keep);
    // Past maxt, or exhausted. A short batch may also end before a histogram: the next call
    // tells (it returns 0 at once when the series is exhausted).
    if (keep < n || n == 0) break;
    if (batches % 64 == 0) ctx.CheckInterrupt();
    if (static_cast<int64_t>(d.Size()) > cap) {
      return absl::ResourceExhaustedError(
          "query processing would load too many samples into memory in query execution");
    }
  }
  if (drop_stale) DropStale(d);
  return it.status();
}

storage::SelectHints Evaluator::Hints(int64_t mint, int64_t maxt, int64_t range,
                                   std::string_view func) const {
  storage::SelectHints hints;
  hints.start = mint;
  hints.end = maxt;
  hints.step = interval_;
  hints.range = range;
  hints.func = std::string(func);
  // Only counted: the values matter only as far as stale markers are dropped (such functions
  // never take an anchored/smoothed range, which would read values).
  if (const FunctionInfo* info = func.empty() ? nullptr : LookupFunction(func)) {
    hints.markers_only = FunctionImplOf(info->id).range.counts_only;
  }
  return hints;
}

void Evaluator::SelectEach(const VectorSelector& vs, int64_t mint, int64_t maxt,
                           bool drop_stale, int64_t range, std::string_view func,
                           const std::function<void(Decoded&)>& fn) {
  if (maxt < mint) return;
  storage::SelectHints hints = Hints(mint, maxt, range, func);
  auto set = ctx_->querier->Select(vs.matchers, &hints);
  int64_t total = 0;
  Decoded d;
  while (set->Next()) {
    ctx_->CheckDone();
    const storage::Series& s = set->At();
    auto it = s.Iterator();
    d.labels = s.labels();
    if (absl::Status st = DecodeInto(*ctx_, *it, mint, maxt, drop_stale, ctx_->SampleBudget(), d,
                                     ctx_->stats_only.contains(&vs));
        !st.ok()) {
      Fail(st);
    }
    total += static_cast<int64_t>(d.Size());
    if (!d.Empty()) fn(d);
  }
  if (!set->status().ok()) Fail(set->status());
  ctx_->stats.samples_decoded += total;
}

EMatrix Evaluator::EvalVectorSelector(const VectorSelector& vs, bool record_orig_t,
                                      const SeriesSink* sink, bool info_series) {
  const bool has_at = vs.time.at != AtModifier::kNone;
  const int64_t at = ctx_->At(vs.time.at, vs.time.at_ms);
  const int64_t lookback = ctx_->lookback_ms;
  const int64_t offset = ctx_->Dur(vs.time.offset_ms);
  const int64_t ref_lo = (has_at ? at : start_) - offset;
  const int64_t ref_hi = (has_at ? at : end_) - offset;
  const size_t nsteps = NumSteps();
  EMatrix out;
  const InstantSelect mixed{grid(),       has_at, at, offset, lookback, record_orig_t,
                           info_series};
  // Per series: the sample in the lookback window of every step (no QueryContext access).
  // Output points are counted as they are produced (PointCounter), so a selector inside a
  // fine-grained subquery fails at the sample limit instead of filling memory.
  auto compute = [&](Decoded& d, ESeries& s) {
    if (!d.ht.empty()) {
      // A smoothed one is computed by consume: it warns, so on this thread only.
      if (!vs.smoothed) SelectLatestMixed(d, mixed, ctx_, s);
      return;
    }
    const size_t n = d.t.size();
    size_t idx = 0;
    PointCounter counted(ctx_);
    if (vs.smoothed) {
      size_t lo = 0;
      for (int64_t ts = start_; ts <= end_; ts += interval_) {
        counted.Tick(s.floats.size());
        const int64_t ref = (has_at ? at : ts) - offset;
        while (idx < n && d.t[idx] <= ref + lookback) ++idx;
        while (lo < idx && d.t[lo] <= ref - lookback) ++lo;
        const std::optional<double> v = SmoothedValueAt(d, lo, idx, ref);
        if (!v.has_value()) continue;
        if (s.floats.empty()) s.floats.reserve(ReserveHint(nsteps));
        s.floats.push_back({ts, record_orig_t ? static_cast<double>(ref) / 1000.0 : *v});
      }
      counted.Flush(s.floats.size());
      return;
    }
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      counted.Tick(s.floats.size());
      const int64_t ref = (has_at ? at : ts) - offset;
      while (idx < n && d.t[idx] <= ref) ++idx;
      if (idx == 0) continue;
      const size_t j = idx - 1;
      if (d.t[j] <= ref - lookback) continue;
      if (model::IsStaleNaN(d.v[j])) continue;
      if (s.floats.empty()) s.floats.reserve(ReserveHint(nsteps));
      s.floats.push_back({ts, record_orig_t ? static_cast<double>(d.t[j]) / 1000.0 : d.v[j]});
    }
    counted.Flush(s.floats.size());
  };
  auto consume = [&](Decoded& d, ESeries& s) {
    if (vs.smoothed && !d.ht.empty()) {
      SmoothMixedSeries(d, mixed, ctx_, vs.pos, s);
    }
    if (s.floats.empty() && s.histograms.empty()) return;
    if (sink != nullptr) {
      s.metric = std::move(d.labels);
      (*sink)(s);
      return;
    }
    ESeries r;
    r.metric = std::move(d.labels);
    r.floats = std::move(s.floats);
    r.histograms = std::move(s.histograms);
    out.push_back(std::move(r));
  };
  // Raw samples are not counted (only one batch of series holds them at a time).
  // A smoothed selector reads one lookback delta past the step too, stale markers dropped
  // (as Prometheus' matrixIterSlice does).
  SelectEachSplit(vs, ref_lo - lookback + 1, ref_hi + (vs.smoothed ? lookback : 0), vs.smoothed,
                  0, "", std::numeric_limits<int64_t>::max(), true, compute, consume);
  return out;
}

EMatrix Evaluator::EvalMatrixSelectorInstant(const MatrixSelector& ms) {
  const auto& vs = static_cast<const VectorSelector&>(*ms.vector_selector);
  const bool has_at = vs.time.at != AtModifier::kNone;
  const int64_t ref = (has_at ? ctx_->At(vs.time.at, vs.time.at_ms) : start_) - ctx_->Dur(vs.time.offset_ms);
  const int64_t range = ctx_->Dur(ms.range_ms);
  const RangeExtension extension = ms.anchored   ? RangeExtension::kAnchored
                                   : ms.smoothed ? RangeExtension::kSmoothed
                                                 : RangeExtension::kNone;
  EMatrix out;
  SelectEach(vs, ref - range + 1 - ExtensionBefore(extension, ctx_->lookback_ms),
             ref + ExtensionAfter(extension, ctx_->lookback_ms), true, range, "",
             [&](Decoded& d) {
               ESeries s;
               if (extension != RangeExtension::kNone) {
                 if (!d.ht.empty()) {
                   Errorf(absl::StrCat(ms.anchored ? "anchored" : "smoothed",
                                       " modifier is not supported with histograms"));
                 }
                 ExtendFloats(d, ref - range, ref, extension == RangeExtension::kSmoothed,
                              s.floats);
                 if (s.floats.empty()) return;
               } else {
                 s.floats.reserve(d.t.size());
                 for (size_t i = 0; i < d.t.size(); ++i) s.floats.push_back({d.t[i], d.v[i]});
                 s.histograms.reserve(d.ht.size());
                 for (size_t i = 0; i < d.ht.size(); ++i) {
                   s.histograms.push_back({d.ht[i], std::move(d.hv[i])});
                 }
               }
               s.metric = std::move(d.labels);
               ctx_->AddSamples(static_cast<int64_t>(s.floats.size() + s.histograms.size()));
               out.push_back(std::move(s));
             });
  return out;
}

EMatrix Evaluator::EvalSubquery(const SubqueryExpr& sq) {
  const int64_t step = ctx_->Dur(sq.step_ms) > 0 ? ctx_->Dur(sq.step_ms) : ctx_->options->default_eval_interval_ms;
  const bool has_at = sq.time.at != AtModifier::kNone;
  const int64_t at = ctx_->At(sq.time.at, sq.time.at_ms);
  const int64_t base_start = has_at ? at : start_;
  const int64_t base_end = has_at ? at : end_;
  const int64_t new_end = base_end - ctx_->Dur(sq.time.offset_ms);
  const int64_t lo = base_start - ctx_->Dur(sq.time.offset_ms) - ctx_->Dur(sq.range_ms);
  int64_t new_start = step * (lo / step);
  if (new_start <= lo) new_start += step;
  Evaluator sub(ctx_, new_start, new_end, step);
  EMatrix m = sub.Eval(*sq.expr);
  // A subquery's result behaves like stored series: names marked for removal go now.
  CleanupMetricLabels(m);
  return m;
}

std::vector<double> Evaluator::EvalScalarSteps(const Expr& e) {
  // Eval() has counted the scalar's point per step, so NumSteps() is within the limit.
  EMatrix m = Eval(e);
  std::vector<double> out(NumSteps(), std::numeric_limits<double>::quiet_NaN());
  for (const auto& s : m) {
    for (const auto& p : s.floats) out[StepIndex(p.t)] = p.f;
  }
  ctx_->SubSamples(static_cast<int64_t>(PointCount(m)));
  return out;
}

void Evaluator::CleanupMetricLabels(EMatrix& m) {
  bool any = false;
  for (auto& s : m) {
    if (s.drop_name) {
      if (s.metric.Has(model::kMetricName) || s.metric.Has("__type__") ||
          s.metric.Has("__unit__")) {
        model::LabelsBuilder b(s.metric);
        b.Del(model::kMetricName).Del("__type__").Del("__unit__");
        s.metric = b.Build();
        any = true;
      }
      s.drop_name = false;
    }
  }
  if (any && m.size() > 1) MergeSameLabels(m);
}

EMatrix Evaluator::Eval(const Expr& e) {
  ctx_->CheckDone();
  if (end_ < start_) return {};
  switch (e.kind) {
    case NodeKind::kNumberLiteral: {
      const double v = static_cast<const NumberLiteral&>(e).value;
      EMatrix m;
      m.push_back(FillSteps([v](int64_t, size_t) { return v; }));
      return m;
    }
    case NodeKind::kStringLiteral:
      Errorf("unexpected string literal in evaluation");
    case NodeKind::kVectorSelector:
      return EvalVectorSelector(static_cast<const VectorSelector&>(e), false);
    case NodeKind::kMatrixSelector:
      if (start_ != end_) Errorf("cannot do range evaluation of matrix selector");
      return EvalMatrixSelectorInstant(static_cast<const MatrixSelector&>(e));
    case NodeKind::kSubquery:
      return EvalSubquery(static_cast<const SubqueryExpr&>(e));
    case NodeKind::kAggregate:
      return EvalAggregate(static_cast<const AggregateExpr&>(e));
    case NodeKind::kBinary:
      return EvalBinary(static_cast<const BinaryExpr&>(e));
    case NodeKind::kCall:
      return EvalCall(static_cast<const Call&>(e));
    case NodeKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      EMatrix m = Eval(*u.expr);
      if (u.op == UnaryOp::kMinus) {
        const bool is_vector = u.expr->type() == ValueType::kVector;
        for (auto& s : m) {
          if (is_vector) s.drop_name = true;
          for (auto& p : s.floats) p.f = -p.f;
          for (auto& p : s.histograms) {
            auto h = std::make_shared<model::histogram::FloatHistogram>(p.h->Copy());
            h->Mul(-1);
            p.h = std::move(h);
          }
        }
      }
      return m;
    }
    case NodeKind::kParen:
      return Eval(*static_cast<const ParenExpr&>(e).expr);
    case NodeKind::kStepInvariant:
      return Eval(*static_cast<const StepInvariantExpr&>(e).expr);
  }
  Errorf("unhandled expression kind");
}

EMatrix Evaluator::EvalAggregate(const AggregateExpr& a, std::optional<StepRows>* rows) {
  std::vector<std::string> grouping = a.grouping;
  std::sort(grouping.begin(), grouping.end());
  const Expr& input = UnwrapParens(*a.expr);
  if (a.op == AggregateOp::kCountValues) {
    return CountValues(a, StringArg(*a.param), [&] { return Eval(input); }, grid(), ctx_);
  }
  std::vector<double> params;
  if (AggregateHasParam(a.op)) {
    params = EvalScalarSteps(UnwrapParens(*a.param));
  } else if (StreamedAggregation::Supports(a.op)) {
    StreamedAggregation agg(a, grouping, grid(), ctx_);
    if (EvalInto(input, [&agg](ESeries& s) { agg.Add(s); })) {
      if (rows != nullptr && (*rows = agg.FinishRows())) return {};
      return agg.Finish();
    }
  }
  EMatrix in = Eval(input);
  if (!AggregateHasParam(a.op) && StreamedAggregation::Supports(a.op) &&
      std::any_of(in.begin(), in.end(), [](const ESeries& s) { return !s.histograms.empty(); })) {
    // Histograms are aggregated by the streamed path only (histogram_aggregation.cc).
    StreamedAggregation agg(a, grouping, grid(), ctx_);
    for (auto& s : in) agg.Add(s);
    return agg.Finish();
  }
  return Aggregate(a, grouping, std::move(in), params, grid(), ctx_);
}

EMatrix Evaluator::EvalBinary(const BinaryExpr& b) {
  const ValueType lt = b.lhs->type();
  const ValueType rt = b.rhs->type();
  if (lt == ValueType::kScalar && rt == ValueType::kScalar) {
    auto l = EvalScalarSteps(*b.lhs);
    auto r = EvalScalarSteps(*b.rhs);
    EMatrix m;
    m.push_back(FillSteps([&](int64_t, size_t i) { return ScalarBinop(b.op, l[i], r[i]); }));
    return m;
  }
  if (lt == ValueType::kVector && rt == ValueType::kVector) {
    EMatrix lhs = Eval(*b.lhs);
    EMatrix rhs = Eval(*b.rhs);
    const int64_t in = static_cast<int64_t>(PointCount(lhs) + PointCount(rhs));
    EMatrix out = IsSetOp(b.op) ? SetOperation(b, std::move(lhs), std::move(rhs), grid(), ctx_)
                                : VectorVectorBinop(b, std::move(lhs), std::move(rhs), grid(), ctx_);
    ctx_->SubSamples(in);
    return out;
  }
  // Vector and scalar.
  const bool swap = lt == ValueType::kScalar;
  EMatrix m;
  std::vector<double> sc;
  if (swap) {
    sc = EvalScalarSteps(*b.lhs);
    m = Eval(*b.rhs);
  } else {
    m = Eval(*b.lhs);
    sc = EvalScalarSteps(*b.rhs);
  }
  return VectorScalarBinop(b, std::move(m), sc, swap, grid(), ctx_);
}

// --- Function calls: the row of the function table, then the kernel ---------------------------

namespace {

// The index of the call's range-vector argument, or -1.
int RangeArgIndex(const Call& c) {
  for (size_t i = 0; i < c.args.size(); ++i) {
    const Expr& a = UnwrapParens(*c.args[i]);
    if (a.kind == NodeKind::kMatrixSelector || a.kind == NodeKind::kSubquery) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

[[noreturn]] void NotSupported(const Call& c) {
  Errorf(absl::StrCat("function ", std::string(c.func->name), " not supported"));
}

}  // namespace

EMatrix Evaluator::EvalCall(const Call& c) {
  if (c.func->id == FunctionId::kInfo) return EvalInfo(c);
  if (c.func->id == FunctionId::kStartTimestamp) return EvalStartTimestamp(c);
  const FunctionImpl& f = FunctionImplOf(c.func->id);
  if (f.sample_times) {
    const Expr& arg = UnwrapParens(*c.args[0]);
    if (arg.kind == NodeKind::kVectorSelector) {
      EMatrix m = EvalVectorSelector(static_cast<const VectorSelector&>(arg), true);
      for (auto& s : m) s.drop_name = true;
      return m;
    }
  }
  if (const int mi = RangeArgIndex(c); mi >= 0) {
    if (f.range.kernel == nullptr) NotSupported(c);
    return EvalRangeFunction(c, f.range, static_cast<size_t>(mi));
  }
  FunctionArgs args{c, grid(), ctx_,
                    [this, &c](size_t i) { return Eval(UnwrapParens(*c.args[i])); },
                    [this, &c](size_t i) { return EvalScalarSteps(UnwrapParens(*c.args[i])); },
                    [this, &c](size_t i, std::optional<StepRows>* rows) {
                      const Expr& e = UnwrapParens(*c.args[i]);
                      if (e.kind != NodeKind::kAggregate || end_ < start_) return Eval(e);
                      ctx_->CheckDone();  // as Eval() does on entering a node
                      return EvalAggregate(static_cast<const AggregateExpr&>(e), rows);
                    }};
  if (f.point != nullptr) return ApplyPointwise(f.point, args);
  if (f.whole != nullptr) return f.whole(args);
  NotSupported(c);
}

int Evaluator::StreamableRangeArg(const Call& c) {
  const FunctionImpl& f = FunctionImplOf(c.func->id);
  if (f.range.kernel == nullptr || f.range.absent) return -1;
  return RangeArgIndex(c);
}

bool Evaluator::EvalInto(const Expr& e, const SeriesSink& sink) {
  if (end_ < start_) return false;
  if (e.kind == NodeKind::kVectorSelector) {
    ctx_->CheckDone();  // as Eval() does on entering a node
    EvalVectorSelector(static_cast<const VectorSelector&>(e), false, &sink);
    return true;
  }
  if (e.kind == NodeKind::kCall) {
    const auto& c = static_cast<const Call&>(e);
    const int mi = StreamableRangeArg(c);
    if (mi < 0) return false;
    ctx_->CheckDone();
    EvalRangeFunction(c, FunctionImplOf(c.func->id).range, static_cast<size_t>(mi), &sink);
    return true;
  }
  return false;
}

EMatrix Evaluator::EvalRangeFunction(const Call& c, const RangeFunction& f, size_t mi,
                                     const SeriesSink* sink) {
  // Prometheus checks this when it evaluates the call, so even without data.
  if (auto err = ExtendedRangeModifierError(c)) Errorf(*err);
  std::vector<std::vector<double>> scalar_args(c.args.size());
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (i != mi) scalar_args[i] = EvalScalarSteps(UnwrapParens(*c.args[i]));
  }
  const Expr& arg = UnwrapParens(*c.args[mi]);
  std::vector<Decoded> data;  // subquery input only; selector input is streamed
  const VectorSelector* selector = nullptr;
  int64_t select_lo = 0, select_hi = 0;
  int64_t range_ms, offset_ms;
  RangeExtension extension = RangeExtension::kNone;
  bool has_at;
  int64_t at;
  if (arg.kind == NodeKind::kMatrixSelector) {
    const auto& ms = static_cast<const MatrixSelector&>(arg);
    const auto& vs = static_cast<const VectorSelector&>(*ms.vector_selector);
    range_ms = ctx_->Dur(ms.range_ms);
    offset_ms = ctx_->Dur(vs.time.offset_ms);
    has_at = vs.time.at != AtModifier::kNone;
    at = ctx_->At(vs.time.at, vs.time.at_ms);
    extension = ms.anchored   ? RangeExtension::kAnchored
                : ms.smoothed ? RangeExtension::kSmoothed
                              : RangeExtension::kNone;
    const int64_t lo = (has_at ? at : start_) - offset_ms - range_ms + 1 -
                       ExtensionBefore(extension, ctx_->lookback_ms);
    const int64_t hi =
        (has_at ? at : end_) - offset_ms + ExtensionAfter(extension, ctx_->lookback_ms);
    selector = &vs;
    select_lo = lo;
    select_hi = hi;
  } else {
    const auto& sq = static_cast<const SubqueryExpr&>(arg);
    range_ms = ctx_->Dur(sq.range_ms);
    offset_ms = ctx_->Dur(sq.time.offset_ms);
    has_at = sq.time.at != AtModifier::kNone;
    at = ctx_->At(sq.time.at, sq.time.at_ms);
    // The subquery's points are counted by its evaluation; they are held (as `data`, each
    // series converted and freed in turn) until the function has run.
    EMatrix m = EvalSubquery(sq);
    data.reserve(m.size());
    for (auto& s : m) {
      Decoded d;
      d.labels = std::move(s.metric);
      d.t.reserve(s.floats.size());
      d.v.reserve(s.floats.size());
      for (const auto& p : s.floats) {
        d.t.push_back(p.t);
        d.v.push_back(p.f);
      }
      std::vector<FPoint>().swap(s.floats);
      d.ht.reserve(s.histograms.size());
      d.hv.reserve(s.histograms.size());
      for (auto& p : s.histograms) {
        // A subquery's points are not adjacent samples: their reset hints mean nothing here
        // (Prometheus sets them to unknown).
        if (p.h->counter_reset_hint == model::histogram::CounterResetHint::kReset ||
            p.h->counter_reset_hint == model::histogram::CounterResetHint::kNotReset) {
          auto h = std::make_shared<model::histogram::FloatHistogram>(*p.h);
          h->counter_reset_hint = model::histogram::CounterResetHint::kUnknown;
          p.h = std::move(h);
        }
        d.ht.push_back(p.t);
        d.hv.push_back(std::move(p.h));
      }
      std::vector<HPoint>().swap(s.histograms);
      data.push_back(std::move(d));
    }
  }
  int64_t held = 0;
  for (const auto& d : data) held += static_cast<int64_t>(d.Size());

  EMatrix out;
  out.reserve(data.size());
  bool warned = false;
  const RangeCall call{grid(), has_at,         at,       offset_ms, range_ms, &scalar_args,
                       ctx_,   c.args[0]->pos, &warned, extension, ctx_->lookback_ms};
  // Series with start timestamps go by the ST semantics (which may warn: in consume). Only a
  // selector's data has STs.
  const bool st_aware = ctx_->options->use_start_timestamps && ReadsStartTimestamps(f) &&
                        extension == RangeExtension::kNone;
  // Per-series work: thread-safe unless !f.parallel (then it runs on this thread only).
  auto compute = [&](Decoded& d, ESeries& s) {
    if (!d.ht.empty() || (st_aware && d.HasST())) return;
    if (extension == RangeExtension::kNone) {
      SlideWindows(f, call, d, s);
    } else {
      SlideExtendedWindows(f, call, d, s);
    }
  };
  const bool drop_name = !f.keeps_name;
  auto consume = [&](Decoded& d, ESeries& s) {
    if (st_aware && d.HasST()) {
      SlideStartTimestampWindows(f, call, d, s, c.args[mi]->pos);
    } else if (!d.ht.empty()) {
      if (extension == RangeExtension::kNone) {
        SlideHistogramWindows(f, call, d, s, c.args[mi]->pos);
      } else {
        SlideExtendedHistogramWindows(f, call, d, s, c.args[mi]->pos);
      }
    }
    if (f.counter && !s.floats.empty()) {
      const std::string_view mn = d.labels.MetricName();
      if (!mn.empty() && !mn.ends_with("_total") && !mn.ends_with("_sum") &&
          !mn.ends_with("_count") && !mn.ends_with("_bucket")) {
        ctx_->Info(absl::StrCat("metric might not be a counter, name does not end in "
                                "_total/_sum/_count/_bucket: \"",
                                std::string(mn), "\""),
                   c.args[mi]->pos);
      }
    }
    if (s.floats.empty() && s.histograms.empty()) return;
    s.metric = std::move(d.labels);
    s.drop_name = drop_name;
    if (sink != nullptr) {
      (*sink)(s);
      return;
    }
    ESeries r;
    r.metric = std::move(s.metric);
    r.drop_name = drop_name;
    r.floats = std::move(s.floats);
    r.histograms = std::move(s.histograms);
    out.push_back(std::move(r));
  };
  if (selector != nullptr) {
    // Streamed: one batch of series' raw samples is in memory at a time; the accounting is
    // the same as one series at a time, in selector order.
    SelectEachSplit(*selector, select_lo, select_hi, true, range_ms, c.func->name,
                    ctx_->options->max_samples, f.parallel, compute,
                    [&](Decoded& d, ESeries& s) {
                      const auto n = static_cast<int64_t>(d.Size());
                      ctx_->AddSamples(n);
                      consume(d, s);
                      ctx_->SubSamples(n);
                    });
  } else {
    ESeries s;
    for (auto& d : data) {
      ctx_->CheckDone();
      s.floats.clear();
      s.histograms.clear();
      s.drop_name = false;
      compute(d, s);
      consume(d, s);
      ctx_->SubSamples(static_cast<int64_t>(d.Size()));
      held -= static_cast<int64_t>(d.Size());
      std::vector<int64_t>().swap(d.t);  // frees the points now that they are released
      std::vector<double>().swap(d.v);
      std::vector<int64_t>().swap(d.ht);
      std::vector<HistPtr>().swap(d.hv);
    }
  }
  ctx_->SubSamples(held);

  if (f.absent) {
    const Expr* sel = &arg;
    if (arg.kind == NodeKind::kMatrixSelector) {
      sel = static_cast<const MatrixSelector&>(arg).vector_selector.get();
    }
    return Absent(out, *sel, grid(), ctx_);
  }
  return out;
}

}  // namespace promlet::promql::internal
