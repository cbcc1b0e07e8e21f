// The aggregation operators' kernels (see aggregation.h).
#include "promql/engine/aggregation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/go_format.h"
#include "promql/engine/aggregation_cells.h"
#include "promql/engine/collector.h"

namespace promlet::promql::internal {

namespace {

// One element of a topk/bottomk heap.
struct HeapElem {
  int series;
  double f;
  const HistPtr* h = nullptr;  // limitk keeps histogram samples
};

// Go's container/heap over a slice with a Less function, so ties resolve as in Prometheus.
template <typename Less>
void HeapUp(std::vector<HeapElem>& h, int j, Less less) {
  while (true) {
    int i = (j - 1) / 2;
    if (i == j || !less(h[j], h[i])) break;
    std::swap(h[i], h[j]);
    j = i;
  }
}
template <typename Less>
bool HeapDown(std::vector<HeapElem>& h, int i0, int n, Less less) {
  int i = i0;
  while (true) {
    int j1 = 2 * i + 1;
    if (j1 >= n || j1 < 0) break;
    int j = j1;
    if (int j2 = j1 + 1; j2 < n && less(h[j2], h[j1])) j = j2;
    if (!less(h[j], h[i])) break;
    std::swap(h[i], h[j]);
    i = j;
  }
  return i > i0;
}

bool ByValueLess(const HeapElem& a, const HeapElem& b) {
  if (std::isnan(a.f)) return true;
  return a.f < b.f;
}
// limit_ratio's deterministic sample (Prometheus' HashRatioSampler): a series is in when its
// hash offset in [0, 1) is below r, or for negative r at or above 1 + r (the complement).
bool InRatioSample(double r, const model::Labels& labels) {
  const double offset = static_cast<double>(labels.PrometheusHash()) /
                        static_cast<double>(std::numeric_limits<uint64_t>::max());
  return r >= 0 ? offset < r : offset >= 1 + r;
}

bool ByReverseValueLess(const HeapElem& a, const HeapElem& b) {
  if (std::isnan(a.f)) return true;
  return a.f > b.f;
}

}  // namespace

bool AggregateHasParam(AggregateOp op) {
  return op == AggregateOp::kTopk || op == AggregateOp::kBottomk ||
         op == AggregateOp::kQuantile || op == AggregateOp::kLimitk ||
         op == AggregateOp::kLimitRatio;
}

EMatrix Aggregate(const AggregateExpr& a, const std::vector<std::string>& grouping,
                  EMatrix input, const std::vector<double>& params, const StepGrid& grid,
                  QueryContext* ctx) {
  const bool has_param = AggregateHasParam(a.op);
  const int64_t in_points = [&] {
    int64_t n = 0;
    for (const auto& s : input) n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
    return n;
  }();
  // Histogram samples: limitk keeps them; topk, bottomk and quantile ignore them (with an
  // info); the other ops come here only without histograms (EvalAggregate streams them).
  const bool any_histograms = std::any_of(input.begin(), input.end(), [](const ESeries& s) {
    return !s.histograms.empty();
  });
  if (any_histograms && a.op != AggregateOp::kLimitk && a.op != AggregateOp::kLimitRatio) {
    ctx->Info(absl::StrCat("ignored histogram in ", AggregateOpName(a.op), " aggregation"),
              a.expr->pos);
  }
  std::vector<size_t> hpos(any_histograms ? input.size() : 0, 0);

  const bool k_op = a.op == AggregateOp::kTopk || a.op == AggregateOp::kBottomk ||
                    a.op == AggregateOp::kLimitk || a.op == AggregateOp::kLimitRatio;
  // Map input series to groups.
  absl::flat_hash_map<uint64_t, int> group_index;
  std::vector<int> series_group(input.size());
  EMatrix result;  // one row per group (non-k ops)
  int ngroups = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    const uint64_t key = GroupingKey(input[i].metric, grouping, a.without);
    auto [it, inserted] = group_index.try_emplace(key, ngroups);
    if (inserted) {
      if (!k_op) {
        ESeries s;
        s.metric = GroupingLabels(input[i].metric, grouping, a.without);
        result.push_back(std::move(s));
      }
      ++ngroups;
    }
    series_group[i] = it->second;
  }
  std::vector<Group> groups(ngroups);

  // An empty result: the input's points are released.
  auto released = [ctx](EMatrix, int64_t points) {
    ctx->SubSamples(points);
    return EMatrix();
  };
  if (has_param) {
    double pmin = std::numeric_limits<double>::infinity();
    double pmax = -std::numeric_limits<double>::infinity();
    bool any_nan = false;
    for (double p : params) {
      if (std::isnan(p)) {
        any_nan = true;
        continue;
      }
      pmin = std::min(pmin, p);
      pmax = std::max(pmax, p);
    }
    switch (a.op) {
      case AggregateOp::kTopk:
      case AggregateOp::kBottomk:
      case AggregateOp::kLimitk:
        if (pmax < 1 && !any_nan) return released(std::move(input), in_points);
        if (any_nan) Errorf("Parameter value is NaN");
        if (pmin <= -9.223372036854775e18) {
          Errorf(absl::StrCat("Scalar value ", common::GoFloat(pmin, 'g'), " underflows int64"));
        }
        if (pmax >= 9.223372036854775e18) {
          Errorf(absl::StrCat("Scalar value ", common::GoFloat(pmax, 'g'), " overflows int64"));
        }
        if (pmax < 1) return released(std::move(input), in_points);
        break;
      case AggregateOp::kLimitRatio:
        if (pmax == 0 && pmin == 0 && !any_nan) return released(std::move(input), in_points);
        if (any_nan) Errorf("Ratio value is NaN");
        if (pmax > 1.0) {
          ctx->Warn(absl::StrCat("ratio value should be between -1 and 1, got ",
                                 common::GoFloat(pmax, 'g'), ", capping to 1"),
                    a.param->pos);
        }
        if (pmin < -1.0) {
          ctx->Warn(absl::StrCat("ratio value should be between -1 and 1, got ",
                                 common::GoFloat(pmin, 'g'), ", capping to -1"),
                    a.param->pos);
        }
        break;
      case AggregateOp::kQuantile:
        if (any_nan) {
          ctx->Warn("quantile value should be between 0 and 1, got NaN", a.param->pos);
        }
        if (pmax > 1) {
          ctx->Warn(absl::StrCat("quantile value should be between 0 and 1, got ",
                                  common::GoFloat(pmax, 'g')),
                     a.param->pos);
        }
        if (pmin < 0) {
          ctx->Warn(absl::StrCat("quantile value should be between 0 and 1, got ",
                                  common::GoFloat(pmin, 'g')),
                     a.param->pos);
        }
        break;
      default:
        break;
    }
  }

  const bool instant = grid.start == grid.end;
  std::vector<size_t> pos(input.size(), 0);
  // k ops: per-input-series output rows (range) or ordered output (instant).
  EMatrix k_rows;
  if (k_op && !instant) {
    k_rows.resize(input.size());
    for (size_t i = 0; i < input.size(); ++i) {
      k_rows[i].metric = input[i].metric;
      k_rows[i].drop_name = input[i].drop_name;
    }
  }
  EMatrix k_instant;
  std::vector<std::vector<HeapElem>> heaps(k_op ? ngroups : 0);

  // Fast path: fold series by series into a (group, step) table. Each cell still sees the
  // samples in series order, exactly as the step-by-step loop below, so results are identical;
  // but the input is read sequentially. Only when the table stays small.
  const size_t nsteps = grid.NumSteps();
  if (!k_op && a.op != AggregateOp::kQuantile &&
      static_cast<size_t>(ngroups) * nsteps <= (size_t{1} << 18)) {
    std::vector<Group> cells(static_cast<size_t>(ngroups) * nsteps);
    for (size_t si = 0; si < input.size(); ++si) {
      if ((si & 255) == 0) ctx->CheckDone();
      Group* row = &cells[static_cast<size_t>(series_group[si]) * nsteps];
      const bool drop = input[si].drop_name;
      for (const auto& pt : input[si].floats) {
        Accumulate(a.op, row[grid.StepIndex(pt.t)], pt.f, drop);
      }
    }
    for (int gi = 0; gi < ngroups; ++gi) {
      Group* row = &cells[static_cast<size_t>(gi) * nsteps];
      ESeries& out_row = result[gi];
      for (size_t k = 0; k < nsteps; ++k) {
        if (!row[k].seen) continue;
        out_row.floats.push_back({grid.start + static_cast<int64_t>(k) * grid.interval,
                                  Finalize(a.op, row[k], 0)});
        if (row[k].drop_name) out_row.drop_name = true;
      }
    }
    ctx->SubSamples(in_points);
    EMatrix out;
    for (auto& r : result) {
      if (!r.floats.empty()) out.push_back(std::move(r));
    }
    int64_t n = 0;
    for (const auto& r : out) n += static_cast<int64_t>(r.floats.size());
    ctx->AddSamples(n);
    return out;
  }

  size_t step = 0;
  int64_t added = 0;  // output points of the current step, counted at its end
  for (int64_t ts = grid.start; ts <= grid.end; ts += grid.interval, ++step) {
    ctx->CheckDone();
    ctx->AddSamples(added);
    added = 0;
    const double param = has_param ? params[step] : 0;
    for (auto& g : groups) g.seen = false;
    if (k_op) {
      int64_t k = 0;
      const bool ratio = a.op == AggregateOp::kLimitRatio;
      if (!ratio) {
        k = std::min<int64_t>(static_cast<int64_t>(param), static_cast<int64_t>(input.size()));
      }
      const double r = std::clamp(param, -1.0, 1.0);
      for (auto& h : heaps) h.clear();
      for (size_t si = 0; si < input.size(); ++si) {
        const auto& fl = input[si].floats;
        size_t& p = pos[si];
        while (p < fl.size() && fl[p].t < ts) ++p;
        const HistPtr* hist = nullptr;
        if (p >= fl.size() || fl[p].t != ts) {
          // limitk and limit_ratio keep histogram samples (ordered as value 0, as Go's Sample.F).
          if ((a.op != AggregateOp::kLimitk && !ratio) || input[si].histograms.empty()) continue;
          const auto& hs = input[si].histograms;
          size_t& q = hpos[si];
          while (q < hs.size() && hs[q].t < ts) ++q;
          if (q >= hs.size() || hs[q].t != ts) continue;
          hist = &hs[q].h;
        }
        const double f = hist != nullptr ? 0 : fl[p].f;
        if (ratio) {
          if (param == 0 || !InRatioSample(r, input[si].metric)) continue;
          auto& h = heaps[series_group[si]];
          HeapElem e{static_cast<int>(si), f};
          e.h = hist;
          h.push_back(e);
          HeapUp(h, static_cast<int>(h.size()) - 1, ByValueLess);  // Go's heap.Push order
          continue;
        }
        if (k < 1) continue;
        auto& h = heaps[series_group[si]];
        HeapElem e{static_cast<int>(si), f};
        e.h = hist;
        switch (a.op) {
          case AggregateOp::kTopk:
            if (static_cast<int64_t>(h.size()) < k) {
              h.push_back(e);
              HeapUp(h, static_cast<int>(h.size()) - 1, ByValueLess);
            } else if (h[0].f < f || (std::isnan(h[0].f) && !std::isnan(f))) {
              h[0] = e;
              if (k > 1 && !HeapDown(h, 0, static_cast<int>(h.size()), ByValueLess)) {
                HeapUp(h, 0, ByValueLess);
              }
            }
            break;
          case AggregateOp::kBottomk:
            if (static_cast<int64_t>(h.size()) < k) {
              h.push_back(e);
              HeapUp(h, static_cast<int>(h.size()) - 1, ByReverseValueLess);
            } else if (h[0].f > f || (std::isnan(h[0].f) && !std::isnan(f))) {
              h[0] = e;
              if (k > 1 && !HeapDown(h, 0, static_cast<int>(h.size()), ByReverseValueLess)) {
                HeapUp(h, 0, ByReverseValueLess);
              }
            }
            break;
          case AggregateOp::kLimitk:
            if (static_cast<int64_t>(h.size()) < k) h.push_back(e);
            break;
          default:
            break;
        }
      }
      for (auto& h : heaps) {
        if (a.op == AggregateOp::kTopk) {
          // sort.Sort(sort.Reverse(heap)): descending, NaN last.
          std::stable_sort(h.begin(), h.end(),
                           [](const HeapElem& x, const HeapElem& y) { return ByValueLess(y, x); });
        } else if (a.op == AggregateOp::kBottomk) {
          std::stable_sort(h.begin(), h.end(), [](const HeapElem& x, const HeapElem& y) {
            return ByReverseValueLess(y, x);
          });
        }
        added += static_cast<int64_t>(h.size());
        for (const auto& e : h) {
          if (instant) {
            ESeries s;
            s.metric = input[e.series].metric;
            s.drop_name = input[e.series].drop_name;
            if (e.h != nullptr) {
              s.histograms.push_back({ts, *e.h});
            } else {
              s.floats.push_back({ts, e.f});
            }
            k_instant.push_back(std::move(s));
          } else if (e.h != nullptr) {
            k_rows[e.series].histograms.push_back({ts, *e.h});
          } else {
            k_rows[e.series].floats.push_back({ts, e.f});
          }
        }
      }
      continue;
    }

    for (size_t si = 0; si < input.size(); ++si) {
      const auto& fl = input[si].floats;
      size_t& p = pos[si];
      while (p < fl.size() && fl[p].t < ts) ++p;
      if (p >= fl.size() || fl[p].t != ts) continue;
      Accumulate(a.op, groups[series_group[si]], fl[p].f, input[si].drop_name);
    }
    for (int gi = 0; gi < ngroups; ++gi) {
      Group& g = groups[gi];
      if (!g.seen) continue;
      const double v = Finalize(a.op, g, param);
      ESeries& row = result[gi];
      if (row.floats.empty()) row.floats.reserve(std::min<size_t>(grid.NumSteps(), static_cast<size_t>(ctx->SampleBudget())));
      row.floats.push_back({ts, v});
      ++added;
      if (g.drop_name) row.drop_name = true;
    }
  }
  ctx->AddSamples(added);
  ctx->SubSamples(in_points);
  EMatrix out;
  if (k_op) {
    if (instant) return k_instant;
    for (auto& r : k_rows) {
      if (!r.floats.empty() || !r.histograms.empty()) out.push_back(std::move(r));
    }
  } else {
    for (auto& r : result) {
      if (!r.floats.empty()) out.push_back(std::move(r));
    }
  }
  return out;
}

namespace {
// Go's strconv.Quote for the error message of count_values (bytes of invalid UTF-8 as \xNN).
std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\x%02x", c);
            out += buf;
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    int len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
      ++i;
    }
  }
  out += "\"";
  return out;
}
}  // namespace

EMatrix CountValues(const AggregateExpr& a, const std::string& label,
                    const std::function<EMatrix()>& eval_input, const StepGrid& g,
                    QueryContext* ctx) {
  if (!model::IsValidLabelName(label)) {
    Errorf(absl::StrCat("invalid label name ", GoQuote(label)));
  }
  std::vector<std::string> grouping = a.grouping;
  if (!a.without) grouping.push_back(label);
  std::sort(grouping.begin(), grouping.end());
  EMatrix input = eval_input();
  Collector col(g.start == g.end);
  std::vector<size_t> pos(input.size(), 0), hpos(input.size(), 0);
  int64_t added = 0;  // output points of the current step, counted at its end
  for (int64_t ts = g.start; ts <= g.end; ts += g.interval) {
    ctx->CheckDone();
    ctx->AddSamples(added);
    added = 0;
    struct GC {
      model::Labels labels;
      int count;
    };
    std::vector<GC> order;
    absl::flat_hash_map<uint64_t, size_t> idx;
    for (size_t si = 0; si < input.size(); ++si) {
      const auto& fl = input[si].floats;
      size_t& p = pos[si];
      while (p < fl.size() && fl[p].t < ts) ++p;
      std::string value;
      if (p < fl.size() && fl[p].t == ts) {
        value = common::GoFloat(fl[p].f, 'f');
      } else {
        // A histogram counts by its String() (Prometheus' count_values).
        const auto& hs = input[si].histograms;
        size_t& q = hpos[si];
        while (q < hs.size() && hs[q].t < ts) ++q;
        if (q >= hs.size() || hs[q].t != ts) continue;
        value = hs[q].h->String();
      }
      model::LabelsBuilder b(input[si].metric);
      b.Set(label, value);
      model::Labels m = b.Build();
      const uint64_t key = GroupingKey(m, grouping, a.without);
      auto [it, inserted] = idx.try_emplace(key, order.size());
      if (inserted) {
        order.push_back({GroupingLabels(m, grouping, a.without), 1});
      } else {
        order[it->second].count++;
      }
    }
    for (auto& g : order) col.Add(col.Intern(g.labels, false), ts, g.count);
    added = static_cast<int64_t>(order.size());
  }
  ctx->AddSamples(added);
  ctx->SubSamples(static_cast<int64_t>(PointCount(input)));
  return col.Take();
}

}  // namespace promlet::promql::internal
