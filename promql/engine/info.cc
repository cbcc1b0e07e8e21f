// info(v, [data-label selector]): enriches every series of v with the data labels of the info
// series (target_info by default) that share its identifying labels (instance, job), step by
// step, as Prometheus 3's experimental info() does.
//
// Per step: the info series are those present (lookback) at the step, as of the time of the
// first selector of v (its @ and offset, and those of the subqueries around it); of two info
// series of one metric with the same identifying labels the one with the later sample wins
// (the same sample time is an error). Data labels already on the base series are kept from the
// base; two info metrics giving one label different values is an error. A base series with
// no matching info series passes unchanged only when every data-label matcher accepts "".
// Series that are themselves info series (their name matches the info-name matchers) pass
// through unenriched.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/views.h"
#include "model/matcher.h"
#include "promql/engine/evaluator.h"
#include "promql/functions.h"
#include "re2/re2.h"

namespace promlet::promql::internal {

namespace {

constexpr const char* kTargetInfo = "target_info";
constexpr const char* kIdentifyingLabels[] = {"instance", "job"};

// The time of the info lookup: the first vector selector of e (pre-order, as Go's Inspect
// visits) gives its @ and offset; without @ the offsets and @ of the subqueries around it are
// taken, innermost first, until one has @.
struct InfoTime {
  AtModifier at = AtModifier::kNone;
  int64_t at_ms = 0;
  int64_t offset_ms = 0;
};

bool FindInfoTime(const Expr& e, std::vector<const SubqueryExpr*>& path, const QueryContext& ctx,
                  InfoTime* out) {
  switch (e.kind) {
    case NodeKind::kVectorSelector: {
      const auto& vs = static_cast<const VectorSelector&>(e);
      out->at = vs.time.at;
      out->at_ms = vs.time.at_ms;
      out->offset_ms = ctx.Dur(vs.time.offset_ms);
      for (auto it = path.rbegin(); out->at == AtModifier::kNone && it != path.rend(); ++it) {
        out->offset_ms += ctx.Dur((*it)->time.offset_ms);
        out->at = (*it)->time.at;
        out->at_ms = (*it)->time.at_ms;
      }
      return true;
    }
    case NodeKind::kMatrixSelector:
      return FindInfoTime(*static_cast<const MatrixSelector&>(e).vector_selector, path, ctx, out);
    case NodeKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(e);
      path.push_back(&sq);
      const bool found = FindInfoTime(*sq.expr, path, ctx, out);
      path.pop_back();
      return found;
    }
    case NodeKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      if (a.expr && FindInfoTime(*a.expr, path, ctx, out)) return true;
      return a.param && FindInfoTime(*a.param, path, ctx, out);
    }
    case NodeKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      return FindInfoTime(*b.lhs, path, ctx, out) || FindInfoTime(*b.rhs, path, ctx, out);
    }
    case NodeKind::kCall:
      for (const auto& arg : static_cast<const Call&>(e).args) {
        if (FindInfoTime(*arg, path, ctx, out)) return true;
      }
      return false;
    case NodeKind::kUnary:
      return FindInfoTime(*static_cast<const UnaryExpr&>(e).expr, path, ctx, out);
    case NodeKind::kParen:
      return FindInfoTime(*static_cast<const ParenExpr&>(e).expr, path, ctx, out);
    case NodeKind::kStepInvariant:
      return FindInfoTime(*static_cast<const StepInvariantExpr&>(e).expr, path, ctx, out);
    default:
      return false;
  }
}

// The matchers a series name must pass to be an info series: the written __name__ matchers
// when one of them is positive; with only negative ones, those plus `=~".+_info"`; with none,
// `="target_info"`.
std::vector<model::Matcher> EffectiveInfoNameMatchers(const std::vector<model::Matcher>& ms) {
  for (const auto& m : ms) {
    if (m.type() == model::MatchType::kEqual || m.type() == model::MatchType::kRegexMatch) {
      return ms;
    }
  }
  if (!ms.empty()) {
    std::vector<model::Matcher> out{
        model::Matcher::MustMake(model::MatchType::kRegexMatch, model::kMetricName, ".+_info")};
    out.insert(out.end(), ms.begin(), ms.end());
    return out;
  }
  return {model::Matcher::MustMake(model::MatchType::kEqual, model::kMetricName, kTargetInfo)};
}

// The join key of a series for one info metric: that name plus the identifying labels it has.
std::string InfoSignature(std::string_view info_name, const model::Labels& l) {
  std::string sig(info_name);
  for (const char* name : kIdentifyingLabels) {
    if (!l.Has(name)) continue;
    absl::StrAppend(&sig, "\xff", name, "\xff", common::ToAbsl(l.Get(name)));
  }
  return sig;
}

}  // namespace

EMatrix Evaluator::EvalInfo(const Call& c) {
  InfoTime when;
  std::vector<const SubqueryExpr*> path;
  FindInfoTime(*c.args[0], path, *ctx_, &when);
  EMatrix base = Eval(UnwrapParens(*c.args[0]));

  // Data-label matchers by label name; the __name__ ones also choose the info metrics.
  std::map<std::string, std::vector<model::Matcher>> data_matchers;
  std::vector<model::Matcher> name_matchers;
  if (c.args.size() > 1) {
    const auto& sel = static_cast<const VectorSelector&>(UnwrapParens(*c.args[1]));
    for (const auto& m : sel.matchers) {
      if (m.name() == model::kMetricName) {
        name_matchers.push_back(m);
      } else {
        data_matchers[m.name()].push_back(m);
      }
    }
  }
  const std::vector<model::Matcher> info_names = EffectiveInfoNameMatchers(name_matchers);
  auto is_info_series = [&](const model::Labels& l) {
    const std::string_view name = l.MetricName();
    for (const auto& m : info_names) {
      if (!m.Matches(name)) return false;
    }
    return true;
  };
  std::vector<bool> ignored(base.size());
  for (size_t i = 0; i < base.size(); ++i) ignored[i] = is_info_series(base[i].metric);

  // The info series: those whose identifying labels some base series has.
  EMatrix info;
  std::map<std::string, std::vector<std::string>> id_values;
  for (size_t i = 0; i < base.size(); ++i) {
    if (ignored[i]) continue;
    for (const char* name : kIdentifyingLabels) {
      const std::string_view v = base[i].metric.Get(name);
      if (!v.empty()) id_values[name].emplace_back(v);
    }
  }
  if (!id_values.empty()) {
    VectorSelector sel;
    for (auto& [name, values] : id_values) {
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      std::vector<std::string> quoted;
      quoted.reserve(values.size());
      for (const auto& v : values) quoted.push_back(re2::RE2::QuoteMeta(v));
      sel.matchers.push_back(model::Matcher::MustMake(model::MatchType::kRegexMatch, name,
                                                      absl::StrJoin(quoted, "|")));
    }
    for (const auto& [name, ms] : data_matchers) {
      sel.matchers.insert(sel.matchers.end(), ms.begin(), ms.end());
    }
    sel.matchers.insert(sel.matchers.end(), info_names.begin(), info_names.end());
    sel.time.at = when.at;
    sel.time.at_ms = when.at_ms;
    sel.time.offset_ms = when.offset_ms;  // already resolved: not a key of ctx_->durations
    info = EvalVectorSelector(sel, /*record_orig_t=*/true, nullptr, /*info_series=*/true);
    for (const auto& s : info) {
      if (!s.histograms.empty()) {
        Errorf(absl::StrCat("this should be an info metric, with float samples: ",
                            s.metric.ToString()));
      }
    }
  }

  bool all_data_matchers_match_empty = true;
  for (const auto& [name, ms] : data_matchers) {
    for (const auto& m : ms) all_data_matchers_match_empty &= m.Matches("");
  }

  // Signatures: per info series its own; per base series one per info metric name present.
  std::vector<std::string> info_metric_names;
  std::vector<std::string> info_sigs(info.size());
  for (size_t i = 0; i < info.size(); ++i) {
    const std::string name(info[i].metric.MetricName());
    if (std::find(info_metric_names.begin(), info_metric_names.end(), name) ==
        info_metric_names.end()) {
      info_metric_names.push_back(name);
    }
    info_sigs[i] = InfoSignature(name, info[i].metric);
  }
  std::sort(info_metric_names.begin(), info_metric_names.end());
  std::vector<std::vector<std::string>> base_sigs(base.size());
  for (size_t i = 0; i < base.size(); ++i) {
    for (const auto& name : info_metric_names) {
      base_sigs[i].push_back(InfoSignature(name, base[i].metric));
    }
  }

  // Step by step; output series keyed by their labels (and the drop-name flag they carry).
  struct Out {
    ESeries series;
    int64_t last_t = std::numeric_limits<int64_t>::min();
  };
  absl::flat_hash_map<model::Labels, size_t> out_index;
  std::vector<Out> outs;
  std::vector<size_t> base_pos(base.size()), info_pos(info.size());
  absl::flat_hash_map<std::string, size_t> chosen;  // signature -> info series index
  std::vector<double> chosen_t;
  for (int64_t ts = start_; ts <= end_; ts += interval_) {
    ctx_->CheckDone();
    chosen.clear();
    for (size_t i = 0; i < info.size(); ++i) {
      auto& pos = info_pos[i];
      const auto& pts = info[i].floats;
      if (pos >= pts.size() || pts[pos].t != ts) continue;
      const double orig_t = pts[pos++].f;
      auto [it, inserted] = chosen.try_emplace(info_sigs[i], i);
      if (inserted) continue;
      const auto& existing = info[it->second];
      const double existing_t = existing.floats[info_pos[it->second] - 1].f;
      if (existing_t < orig_t) {
        it->second = i;
      } else if (existing_t == orig_t) {
        Errorf(absl::StrCat("found duplicate series for info metric: existing ",
                            existing.metric.ToString(), " @ ",
                            static_cast<int64_t>(std::llround(existing_t * 1000)), ", new ",
                            info[i].metric.ToString(), " @ ",
                            static_cast<int64_t>(std::llround(orig_t * 1000))));
      }
    }
    for (size_t b = 0; b < base.size(); ++b) {
      auto& pos = base_pos[b];
      const auto& pts = base[b].floats;
      if (pos >= pts.size() || pts[pos].t != ts) continue;
      const double value = pts[pos++].f;
      model::Labels labels = base[b].metric;
      if (!ignored[b]) {
        model::LabelsBuilder added{model::Labels()};
        bool seen_any = false;
        for (size_t k = 0; k < info_metric_names.size(); ++k) {
          auto it = chosen.find(base_sigs[b][k]);
          if (it == chosen.end()) continue;
          seen_any = true;
          for (const auto& l : info[it->second].metric) {
            if (l.name == model::kMetricName) continue;
            if (!data_matchers.empty() && !data_matchers.count(l.name)) continue;
            const std::string_view have = added.Get(l.name);
            if (!have.empty() && have != l.value) {
              Errorf(absl::StrCat("conflicting label: ", l.name));
            }
            if (base[b].metric.Has(l.name)) continue;
            added.Set(l.name, l.value);
          }
        }
        if (!seen_any && !all_data_matchers_match_empty) continue;
        const model::Labels extra = added.Build();
        if (!extra.empty()) {
          model::LabelsBuilder lb(labels);
          for (const auto& l : extra) lb.Set(l.name, l.value);
          labels = lb.Build();
        }
      }
      auto [it, inserted] = out_index.try_emplace(labels, outs.size());
      if (inserted) {
        outs.push_back({});
        outs.back().series.metric = labels;
        outs.back().series.drop_name = base[b].drop_name;
      }
      Out& o = outs[it->second];
      if (o.last_t == ts) Errorf("vector cannot contain metrics with the same labelset");
      o.last_t = ts;
      o.series.floats.push_back({ts, value});
    }
  }
  // The output holds as many points as the base did, minus the dropped ones; the info series
  // are released.
  ctx_->SubSamples(static_cast<int64_t>(PointCount(base) + PointCount(info)));
  EMatrix result;
  result.reserve(outs.size());
  for (auto& o : outs) result.push_back(std::move(o.series));
  ctx_->AddSamples(static_cast<int64_t>(PointCount(result)));
  return result;
}

}  // namespace promlet::promql::internal
