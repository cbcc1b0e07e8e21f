// Engine: the public entry points. Validates parameters, opens a querier over the time range
// the expression touches (one per window of steps of a long range query), runs the evaluator
// over each window, joins the windows and converts the matrix into the result value.
#include "promql/engine/engine.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "promql/engine/evaluator.h"
#include "promql/engine/helper_pool.h"
#include "promql/functions.h"
#include "promql/parser/parser.h"

namespace promlet::promql {

ValueType Result::type() const {
  switch (value.index()) {
    case 0: return ValueType::kScalar;
    case 1: return ValueType::kString;
    case 2: return ValueType::kVector;
    default: return ValueType::kMatrix;
  }
}

namespace {

using internal::EMatrix;

// Prometheus' detectHistogramStatsDecoding: a vector selector below histogram_count,
// histogram_sum or histogram_avg reads histograms as count and sum only, unless a subquery,
// a function that needs the buckets or a trim operator is above it.
enum class StatsState { kNone, kSkipBuckets, kBlocked };
void MarkStatsOnly(const Expr& e, StatsState state, internal::QueryContext& ctx) {
  switch (e.kind) {
    case NodeKind::kVectorSelector:
      if (state == StatsState::kSkipBuckets) {
        ctx.stats_only.insert(&static_cast<const VectorSelector&>(e));
      }
      return;
    case NodeKind::kMatrixSelector:
      MarkStatsOnly(*static_cast<const MatrixSelector&>(e).vector_selector, state, ctx);
      return;
    case NodeKind::kSubquery:
      MarkStatsOnly(*static_cast<const SubqueryExpr&>(e).expr, StatsState::kBlocked, ctx);
      return;
    case NodeKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      if (a.param) MarkStatsOnly(*a.param, state, ctx);
      MarkStatsOnly(*a.expr, state, ctx);
      return;
    }
    case NodeKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      const StatsState s = b.op == BinaryOp::kTrimUpper || b.op == BinaryOp::kTrimLower
                               ? StatsState::kBlocked
                               : state;
      MarkStatsOnly(*b.lhs, s, ctx);
      MarkStatsOnly(*b.rhs, s, ctx);
      return;
    }
    case NodeKind::kCall: {
      const auto& c = static_cast<const Call&>(e);
      StatsState s = state;
      const std::string_view name = c.func->name;
      if (state != StatsState::kBlocked) {
        if (name == "histogram_count" || name == "histogram_sum" || name == "histogram_avg") {
          s = StatsState::kSkipBuckets;
        } else if (name == "histogram_quantile" || name == "histogram_quantiles" ||
                   name == "histogram_fraction") {
          s = StatsState::kBlocked;
        }
      }
      for (const auto& arg : c.args) MarkStatsOnly(*arg, s, ctx);
      return;
    }
    case NodeKind::kUnary:
      MarkStatsOnly(*static_cast<const UnaryExpr&>(e).expr, state, ctx);
      return;
    case NodeKind::kParen:
      MarkStatsOnly(*static_cast<const ParenExpr&>(e).expr, state, ctx);
      return;
    case NodeKind::kStepInvariant:
      MarkStatsOnly(*static_cast<const StepInvariantExpr&>(e).expr, state, ctx);
      return;
    default:
      return;
  }
}

// Earliest and latest sample time the expression can read (Prometheus' FindMinMaxTime).
struct MinMax {
  int64_t min = std::numeric_limits<int64_t>::max();
  int64_t max = std::numeric_limits<int64_t>::min();
};

void WalkTimes(const internal::QueryContext& ctx, const Expr& e, int64_t start, int64_t end, int64_t lookback, int64_t subq_offset,
               int64_t subq_range, bool subq_has_ts, int64_t subq_ts, int64_t eval_range,
               MinMax& mm) {
  switch (e.kind) {
    case NodeKind::kVectorSelector: {
      const auto& vs = static_cast<const VectorSelector&>(e);
      int64_t s = start, en = end;
      if (subq_has_ts) s = en = subq_ts;
      if (vs.time.at != AtModifier::kNone) {
        s = en = ctx.At(vs.time.at, vs.time.at_ms);
      } else {
        s = s - subq_offset - subq_range;
        en -= subq_offset;
      }
      if (eval_range == 0) {
        s -= lookback - 1;
        if (vs.smoothed) en += lookback;
      } else {
        s -= eval_range - 1;
      }
      s -= ctx.Dur(vs.time.offset_ms);
      en -= ctx.Dur(vs.time.offset_ms);
      mm.min = std::min(mm.min, s);
      mm.max = std::max(mm.max, en);
      return;
    }
    case NodeKind::kMatrixSelector: {
      const auto& ms = static_cast<const MatrixSelector&>(e);
      MinMax own;
      WalkTimes(ctx, *ms.vector_selector, start, end, lookback, subq_offset, subq_range, subq_has_ts,
                subq_ts, ctx.Dur(ms.range_ms), own);
      // Anchored and smoothed windows reach one lookback delta further back (smoothed also
      // forward), as Prometheus' getTimeRangesForSelector.
      if (ms.anchored || ms.smoothed) own.min -= lookback;
      if (ms.smoothed) own.max += lookback;
      mm.min = std::min(mm.min, own.min);
      mm.max = std::max(mm.max, own.max);
      return;
    }
    case NodeKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(e);
      int64_t off = subq_offset + ctx.Dur(sq.time.offset_ms);
      int64_t rng = subq_range + ctx.Dur(sq.range_ms);
      bool has_ts = subq_has_ts;
      int64_t ts = subq_ts;
      if (sq.time.at != AtModifier::kNone) {
        off = ctx.Dur(sq.time.offset_ms);
        rng = ctx.Dur(sq.range_ms);
        has_ts = true;
        ts = ctx.At(sq.time.at, sq.time.at_ms);
      }
      WalkTimes(ctx, *sq.expr, start, end, lookback, off, rng, has_ts, ts, 0, mm);
      return;
    }
    case NodeKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      if (a.param) WalkTimes(ctx, *a.param, start, end, lookback, subq_offset, subq_range, subq_has_ts, subq_ts, 0, mm);
      WalkTimes(ctx, *a.expr, start, end, lookback, subq_offset, subq_range, subq_has_ts, subq_ts, 0, mm);
      return;
    }
    case NodeKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      WalkTimes(ctx, *b.lhs, start, end, lookback, subq_offset, subq_range, subq_has_ts, subq_ts, 0, mm);
      WalkTimes(ctx, *b.rhs, start, end, lookback, subq_offset, subq_range, subq_has_ts, subq_ts, 0, mm);
      return;
    }
    case NodeKind::kCall:
      for (const auto& a : static_cast<const Call&>(e).args) {
        WalkTimes(ctx, *a, start, end, lookback, subq_offset, subq_range, subq_has_ts, subq_ts, 0, mm);
      }
      return;
    case NodeKind::kUnary:
      WalkTimes(ctx, *static_cast<const UnaryExpr&>(e).expr, start, end, lookback, subq_offset,
                subq_range, subq_has_ts, subq_ts, 0, mm);
      return;
    case NodeKind::kParen:
      WalkTimes(ctx, *static_cast<const ParenExpr&>(e).expr, start, end, lookback, subq_offset,
                subq_range, subq_has_ts, subq_ts, eval_range, mm);
      return;
    case NodeKind::kStepInvariant:
      WalkTimes(ctx, *static_cast<const StepInvariantExpr&>(e).expr, start, end, lookback,
                subq_offset, subq_range, subq_has_ts, subq_ts, eval_range, mm);
      return;
    default:
      return;
  }
}

// The steps of a range query cut into windows of about max_steps steps: one window when
// max_steps <= 0 or the query has no more steps, without asking the storage for its chunk
// boundaries (the DB lists them under a lock). A window ends just before one of the storage's
// chunk boundaries where one lies in its second half, or else in the first max_steps steps
// after it: the next window then reads only the newest samples of the chunks before the cut
// (for its lookback and ranges), and no chunk is decoded whole twice. Without such a boundary
// the rest is cut evenly (1,441 steps in windows of 1,440 make 721 and 720).
struct StepWindow {
  int64_t start, end;
};
std::vector<StepWindow> SplitSteps(int64_t start, int64_t end, int64_t step, int64_t max_steps,
                                   storage::Queryable& storage) {
  const int64_t steps = (end - start) / step + 1;
  if (max_steps <= 0 || steps <= max_steps) return {{start, end}};
  // The first step at or after each boundary: a window ending before it reads none of the
  // chunks that start there.
  std::vector<int64_t> cuts;
  for (int64_t b : storage.ChunkBoundaries(start, end)) {
    const int64_t c = b <= start ? 0 : (b - start + step - 1) / step;
    if (c > 0 && c < steps) cuts.push_back(c);
  }
  std::vector<StepWindow> out;
  int64_t first = 0;
  while (first < steps) {
    const int64_t rest = steps - first;
    int64_t next = steps;
    if (rest > max_steps) {
      const int64_t count = (rest + max_steps - 1) / max_steps;
      next = first + (rest + count - 1) / count;
      auto it = std::upper_bound(cuts.begin(), cuts.end(), first + max_steps);
      if (it != cuts.begin() && *std::prev(it) >= first + max_steps / 2) {
        next = *std::prev(it);
      } else if (it != cuts.end() && *it <= first + 2 * max_steps) {
        next = *it;
      }
    }
    out.push_back({start + first * step, start + (next - 1) * step});
    first = next;
  }
  return out;
}

// Evaluates the step()/range()-dependent duration expressions of the tree for this query.
absl::Status ResolveDurations(const Expr& e, const DurationContext& d, internal::QueryContext& ctx) {
  auto resolve = [&](const std::optional<DurationExpr>& de, const int64_t& field) -> absl::Status {
    if (!de.has_value() || !de->depends_on_query || !de->expr) return absl::OkStatus();
    auto v = EvalDurationExpr(*de->expr, d);
    if (!v.ok()) return absl::InvalidArgumentError(v.status().message());
    ctx.durations[&field] = *v;
    return absl::OkStatus();
  };
  switch (e.kind) {
    case NodeKind::kVectorSelector: {
      const auto& vs = static_cast<const VectorSelector&>(e);
      return resolve(vs.time.offset_expr, vs.time.offset_ms);
    }
    case NodeKind::kMatrixSelector: {
      const auto& ms = static_cast<const MatrixSelector&>(e);
      absl::Status st = resolve(ms.range_expr, ms.range_ms);
      if (!st.ok()) return st;
      return ResolveDurations(*ms.vector_selector, d, ctx);
    }
    case NodeKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(e);
      for (auto st : {resolve(sq.range_expr, sq.range_ms), resolve(sq.step_expr, sq.step_ms),
                      resolve(sq.time.offset_expr, sq.time.offset_ms)}) {
        if (!st.ok()) return st;
      }
      return ResolveDurations(*sq.expr, d, ctx);
    }
    case NodeKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      if (a.param) {
        absl::Status st = ResolveDurations(*a.param, d, ctx);
        if (!st.ok()) return st;
      }
      return ResolveDurations(*a.expr, d, ctx);
    }
    case NodeKind::kBinary: {
      absl::Status st = ResolveDurations(*static_cast<const BinaryExpr&>(e).lhs, d, ctx);
      if (!st.ok()) return st;
      return ResolveDurations(*static_cast<const BinaryExpr&>(e).rhs, d, ctx);
    }
    case NodeKind::kCall:
      for (const auto& a : static_cast<const Call&>(e).args) {
        absl::Status st = ResolveDurations(*a, d, ctx);
        if (!st.ok()) return st;
      }
      return absl::OkStatus();
    case NodeKind::kUnary:
      return ResolveDurations(*static_cast<const UnaryExpr&>(e).expr, d, ctx);
    case NodeKind::kParen:
      return ResolveDurations(*static_cast<const ParenExpr&>(e).expr, d, ctx);
    case NodeKind::kStepInvariant:
      return ResolveDurations(*static_cast<const StepInvariantExpr&>(e).expr, d, ctx);
    default:
      return absl::OkStatus();
  }
}

// Range queries: every sort call is pointless (matrices are ordered by labels); Prometheus
// warns about each, at the call's position.
void WarnSortCalls(const Expr& e, internal::QueryContext& ctx) {
  switch (e.kind) {
    case NodeKind::kCall: {
      const auto& c = static_cast<const Call&>(e);
      const std::string_view n = c.func->name;
      if (n == "sort" || n == "sort_desc" || n == "sort_by_label" || n == "sort_by_label_desc") {
        ctx.Warn("sort is ineffective for range queries since results are always ordered by labels",
                 e.pos);
      }
      for (const auto& a : c.args) WarnSortCalls(*a, ctx);
      return;
    }
    case NodeKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      if (a.param) WarnSortCalls(*a.param, ctx);
      WarnSortCalls(*a.expr, ctx);
      return;
    }
    case NodeKind::kBinary:
      WarnSortCalls(*static_cast<const BinaryExpr&>(e).lhs, ctx);
      WarnSortCalls(*static_cast<const BinaryExpr&>(e).rhs, ctx);
      return;
    case NodeKind::kUnary:
      WarnSortCalls(*static_cast<const UnaryExpr&>(e).expr, ctx);
      return;
    case NodeKind::kParen:
      WarnSortCalls(*static_cast<const ParenExpr&>(e).expr, ctx);
      return;
    case NodeKind::kStepInvariant:
      WarnSortCalls(*static_cast<const StepInvariantExpr&>(e).expr, ctx);
      return;
    case NodeKind::kSubquery:
      WarnSortCalls(*static_cast<const SubqueryExpr&>(e).expr, ctx);
      return;
    default:
      return;
  }
}

absl::StatusOr<Result> Exec(const EngineOptions& options, storage::Queryable& storage,
                            const Expr& expr, int64_t start, int64_t end, int64_t step,
                            bool instant, const QueryOptions& opts, std::string_view text) {
  const ValueType type = expr.type();
  if (!instant) {
    if (step <= 0) {
      return absl::InvalidArgumentError(
          "zero or negative query resolution step widths are not accepted. Try a positive "
          "integer");
    }
    if (end < start) return absl::InvalidArgumentError("end timestamp must not be before start time");
    if (type != ValueType::kScalar && type != ValueType::kVector) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid expression type \"", DocumentedTypeName(type),
          "\" for range query, must be Scalar or instant Vector"));
    }
  }
  internal::QueryContext ctx;
  ctx.options = &options;
  ctx.lookback_ms = (opts.lookback_delta_ms.has_value() && *opts.lookback_delta_ms > 0)
                        ? *opts.lookback_delta_ms
                        : options.lookback_delta_ms;
  ctx.query_start = start;
  ctx.query_end = end;
  ctx.query_step = instant ? 0 : step;
  ctx.query_text = text;
  ctx.deadline = absl::Now() + options.timeout;
  ctx.cancel = opts.cancel;

  Result res;
  if (type == ValueType::kString) {
    res.value = String{start, internal::StringArg(expr)};
    return res;
  }
  {
    DurationContext dctx;
    dctx.step_ms = instant ? 0 : step;
    dctx.range_ms = instant ? 0 : end - start;
    absl::Status st = ResolveDurations(expr, dctx, ctx);
    if (!st.ok()) return st;
  }
  MarkStatsOnly(expr, StatsState::kNone, ctx);
  const std::vector<StepWindow> windows =
      instant ? std::vector<StepWindow>{{start, start}}
              : SplitSteps(start, end, step, options.max_steps_per_window, storage);
  std::vector<std::unique_ptr<storage::Querier>> queriers;
  for (const StepWindow& w : windows) {
    MinMax mm;
    WalkTimes(ctx, expr, w.start, w.end, ctx.lookback_ms, 0, 0, false, 0, 0, mm);
    if (mm.max == std::numeric_limits<int64_t>::min()) mm.min = mm.max = 0;
    auto querier = storage.NewQuerier(mm.min, mm.max);
    if (!querier.ok()) return querier.status();
    queriers.push_back(std::move(*querier));
  }

  try {
    EMatrix m;
    internal::WindowJoin joined;
    for (size_t i = 0; i < windows.size(); ++i) {
      ctx.querier = queriers[i].get();
      internal::Evaluator ev(&ctx, windows[i].start, windows[i].end, instant ? 1 : step);
      m = ev.Eval(expr);
      ctx.querier = nullptr;
      queriers[i].reset();
      if (windows.size() > 1) joined.Add(std::move(m));
    }
    if (windows.size() > 1) m = joined.Take();
    if (instant && (type == ValueType::kVector || type == ValueType::kScalar)) {
      if (type == ValueType::kScalar) {
        double v = std::numeric_limits<double>::quiet_NaN();
        if (!m.empty() && !m[0].floats.empty()) v = m[0].floats[0].f;
        res.value = Scalar{start, v};
      } else {
        for (auto& s : m) {
          if (s.drop_name) {
            model::LabelsBuilder b(s.metric);
            b.Del(model::kMetricName).Del("__type__").Del("__unit__");
            s.metric = b.Build();
          }
        }
        // Duplicate label sets are an error (they can appear once names are dropped).
        std::vector<const model::Labels*> ls;
        for (const auto& s : m) ls.push_back(&s.metric);
        std::sort(ls.begin(), ls.end(),
                  [](const model::Labels* a, const model::Labels* b) { return *a < *b; });
        for (size_t i = 1; i < ls.size(); ++i) {
          if (*ls[i] == *ls[i - 1]) {
            internal::Errorf("vector cannot contain metrics with the same labelset");
          }
        }
        Vector vec;
        vec.reserve(m.size());
        for (auto& s : m) {
          for (const auto& p : s.floats) vec.push_back(Sample{std::move(s.metric), p.t, p.f});
          for (auto& p : s.histograms) {
            vec.push_back(Sample{std::move(s.metric), p.t, 0, std::move(p.h)});
          }
        }
        res.value = std::move(vec);
      }
    } else {
      internal::Evaluator::CleanupMetricLabels(m);
      std::sort(m.begin(), m.end(), [](const internal::ESeries& a, const internal::ESeries& b) {
        return a.metric < b.metric;
      });
      Matrix mat;
      mat.reserve(m.size());
      for (auto& s : m) {
        Series out;
        out.labels = std::move(s.metric);
        out.points.reserve(s.floats.size());
        for (const auto& p : s.floats) out.points.push_back({p.t, p.f});
        out.histograms.reserve(s.histograms.size());
        for (auto& p : s.histograms) out.histograms.push_back({p.t, std::move(p.h)});
        mat.push_back(std::move(out));
      }
      res.value = std::move(mat);
      if (!instant) WarnSortCalls(expr, ctx);
    }
  } catch (internal::EvalError& e) {
    if (opts.stats != nullptr) *opts.stats = ctx.Stats();
    return e.status;
  }
  res.warnings = std::move(ctx.warnings);
  res.infos = std::move(ctx.infos);
  res.stats = ctx.Stats();
  if (opts.stats != nullptr) *opts.stats = res.stats;
  return res;
}

}  // namespace

Engine::Engine(EngineOptions options) : options_(options) {}

void Engine::ShareWork(size_t n, const std::function<void(size_t)>& work,
                       const std::function<void(size_t)>& consume) const {
  internal::WorkEstimate estimate;
  internal::RunShared(n, options_.parallelism, options_.max_threads, estimate, work, consume);
}

absl::StatusOr<Result> Engine::InstantQuery(storage::Queryable& storage, std::string_view query,
                                            int64_t t_ms, const QueryOptions& opts) const {
  auto expr = ParseExpr(query);
  if (!expr.ok()) return absl::InvalidArgumentError(expr.status().message());
  return InstantQuery(storage, **expr, t_ms, opts, query);
}

absl::StatusOr<Result> Engine::RangeQuery(storage::Queryable& storage, std::string_view query,
                                          int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                          const QueryOptions& opts) const {
  auto expr = ParseExpr(query);
  if (!expr.ok()) return absl::InvalidArgumentError(expr.status().message());
  return RangeQuery(storage, **expr, start_ms, end_ms, step_ms, opts, query);
}

absl::StatusOr<Result> Engine::InstantQuery(storage::Queryable& storage, const Expr& expr,
                                            int64_t t_ms, const QueryOptions& opts,
                                            std::string_view query_text) const {
  return Exec(options_, storage, expr, t_ms, t_ms, 1, true, opts, query_text);
}

absl::StatusOr<Result> Engine::RangeQuery(storage::Queryable& storage, const Expr& expr,
                                          int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                          const QueryOptions& opts,
                                          std::string_view query_text) const {
  return Exec(options_, storage, expr, start_ms, end_ms, step_ms, false, opts, query_text);
}

}  // namespace promlet::promql
