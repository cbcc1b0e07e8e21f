// The evaluator's side of start timestamps: decoding a series' samples with their STs, and
// start_timestamp() over a vector selector (Prometheus'
// rangeEvalTimestampFunctionOverVectorSelector with use-start-timestamps).
#include <memory>

#include "model/value.h"
#include "promql/engine/evaluator.h"

namespace promlet::promql::internal {

absl::Status Evaluator::DecodeWithST(const QueryContext& ctx, storage::SampleIterator& it,
                                     int64_t maxt, bool drop_stale, int64_t cap, Decoded& d) {
  do {
    if (it.Type() == storage::ValueType::kFloat) {
      d.t.push_back(it.T());
      d.v.push_back(it.V());
      d.st.push_back(it.ST());
    } else {
      auto h = std::make_shared<model::histogram::FloatHistogram>();
      it.AtFloatHistogram(h.get());
      d.ht.push_back(it.T());
      d.hv.push_back(std::move(h));
      d.hst.push_back(it.ST());
    }
    if (d.Size() % 4096 == 0) {
      ctx.CheckInterrupt();
      if (static_cast<int64_t>(d.Size()) > cap) {
        return absl::ResourceExhaustedError(
            "query processing would load too many samples into memory in query execution");
      }
    }
  } while (it.Next() && it.T() <= maxt);
  if (drop_stale) DropStale(d);
  return it.status();
}

EMatrix Evaluator::EvalStartTimestamp(const Call& c) {
  const Expr& arg = UnwrapParens(*c.args[0]);
  if (arg.kind != NodeKind::kVectorSelector || !ctx_->options->use_start_timestamps) {
    // Prometheus: only a selector's samples carry STs; the argument is still evaluated.
    Eval(arg);
    return {};
  }
  const auto& vs = static_cast<const VectorSelector&>(arg);
  const bool has_at = vs.time.at != AtModifier::kNone;
  const int64_t at = ctx_->At(vs.time.at, vs.time.at_ms);
  const int64_t lookback = ctx_->lookback_ms;
  const int64_t offset = ctx_->Dur(vs.time.offset_ms);
  const int64_t ref_lo = (has_at ? at : start_) - offset;
  const int64_t ref_hi = (has_at ? at : end_) - offset;
  EMatrix out;
  SelectEach(vs, ref_lo - lookback + 1, ref_hi, false, 0, "", [&](Decoded& d) {
    ESeries s;
    PointCounter counted(ctx_);
    const size_t nf = d.t.size(), nh = d.ht.size();
    size_t fi = 0, hi = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      counted.Tick(s.floats.size());
      const int64_t ref = (has_at ? at : ts) - offset;
      while (fi < nf && d.t[fi] <= ref) ++fi;
      while (hi < nh && d.ht[hi] <= ref) ++hi;
      if (fi == 0 && hi == 0) continue;
      // The latest sample at or before ref, float or histogram.
      const bool use_h = hi > 0 && (fi == 0 || d.ht[hi - 1] > d.t[fi - 1]);
      const size_t i = (use_h ? hi : fi) - 1;
      const int64_t t = use_h ? d.ht[i] : d.t[i];
      if (t <= ref - lookback) continue;
      if (use_h ? model::IsStaleNaN(d.hv[i]->sum) : model::IsStaleNaN(d.v[i])) continue;
      const std::vector<int64_t>& sts = use_h ? d.hst : d.st;
      const int64_t st = sts.empty() ? 0 : sts[i];
      s.floats.push_back({ts, static_cast<double>(st) / 1000.0});
    }
    counted.Flush(s.floats.size());
    if (s.floats.empty()) return;
    s.metric = std::move(d.labels);
    s.drop_name = true;
    out.push_back(std::move(s));
  });
  return out;
}

}  // namespace promlet::promql::internal
