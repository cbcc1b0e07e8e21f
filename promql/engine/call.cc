// Function calls: the evaluator's side of them. It finds the call's row in the function table
// once, evaluates or streams the arguments, and hands them to the kernels (range_functions.cc,
// instant_functions.cc, label_functions.cc), which never see the evaluator.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "promql/engine/evaluator.h"
#include "promql/engine/function_table.h"

namespace promlet::promql::internal {

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
                    [this, &c](size_t i) { return EvalScalarSteps(UnwrapParens(*c.args[i])); }};
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
  std::vector<std::vector<double>> scalar_args(c.args.size());
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (i != mi) scalar_args[i] = EvalScalarSteps(UnwrapParens(*c.args[i]));
  }
  const Expr& arg = UnwrapParens(*c.args[mi]);
  std::vector<Decoded> data;  // subquery input only; selector input is streamed
  const VectorSelector* selector = nullptr;
  int64_t select_lo = 0, select_hi = 0;
  int64_t range_ms, offset_ms;
  bool has_at;
  int64_t at;
  if (arg.kind == NodeKind::kMatrixSelector) {
    const auto& ms = static_cast<const MatrixSelector&>(arg);
    const auto& vs = static_cast<const VectorSelector&>(*ms.vector_selector);
    range_ms = ctx_->Dur(ms.range_ms);
    offset_ms = ctx_->Dur(vs.offset_ms);
    has_at = vs.at != AtModifier::kNone;
    at = ctx_->At(vs.at, vs.at_ms);
    const int64_t lo = (has_at ? at : start_) - offset_ms - range_ms + 1;
    const int64_t hi = (has_at ? at : end_) - offset_ms;
    selector = &vs;
    select_lo = lo;
    select_hi = hi;
  } else {
    const auto& sq = static_cast<const SubqueryExpr&>(arg);
    range_ms = ctx_->Dur(sq.range_ms);
    offset_ms = ctx_->Dur(sq.offset_ms);
    has_at = sq.at != AtModifier::kNone;
    at = ctx_->At(sq.at, sq.at_ms);
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
      data.push_back(std::move(d));
    }
  }
  int64_t held = 0;
  for (const auto& d : data) held += static_cast<int64_t>(d.t.size());

  EMatrix out;
  out.reserve(data.size());
  bool warned = false;
  const RangeCall call{grid(), has_at, at, offset_ms, range_ms, &scalar_args, ctx_,
                       c.args[0]->pos, &warned};
  // Per-series work: thread-safe unless !f.parallel (then it runs on this thread only).
  auto compute = [&](Decoded& d, ESeries& s) { SlideWindows(f, call, d, s); };
  const bool drop_name = !f.keeps_name;
  auto consume = [&](Decoded& d, ESeries& s) {
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
    if (s.floats.empty()) return;
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
    out.push_back(std::move(r));
  };
  if (selector != nullptr) {
    // Streamed: one batch of series' raw samples is in memory at a time; the accounting is
    // the same as one series at a time, in selector order.
    SelectEachSplit(*selector, select_lo, select_hi, true, range_ms, c.func->name,
                    ctx_->options->max_samples, f.parallel, compute,
                    [&](Decoded& d, ESeries& s) {
                      const auto n = static_cast<int64_t>(d.t.size());
                      ctx_->AddSamples(n);
                      consume(d, s);
                      ctx_->SubSamples(n);
                    });
  } else {
    ESeries s;
    for (auto& d : data) {
      ctx_->CheckDone();
      s.floats.clear();
      s.drop_name = false;
      compute(d, s);
      consume(d, s);
      ctx_->SubSamples(static_cast<int64_t>(d.t.size()));
      held -= static_cast<int64_t>(d.t.size());
      std::vector<int64_t>().swap(d.t);  // frees the points now that they are released
      std::vector<double>().swap(d.v);
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
