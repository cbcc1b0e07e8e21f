// Internal to the engine: the (group, step) cells that the aggregation operators fold samples
// into, shared by Aggregate (aggregation.cc) and StreamedAggregation
// (streamed_aggregation.cc): grouping, Accumulate and Finalize, as Prometheus' aggregation()
// folds and finishes a group.
//
// Invariants: a cell folds its samples in the order it is given them (Kahan sums depend on
// it); Finalize reads a cell that has seen at least one sample.
#ifndef PROMLET_PROMQL_ENGINE_AGGREGATION_CELLS_H_
#define PROMLET_PROMQL_ENGINE_AGGREGATION_CELLS_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "common/kahansum.h"
#include "model/labels.h"
#include "promql/engine/aggregation.h"
#include "promql/engine/value.h"

namespace promlet::promql::internal {

// The key of l's group: the grouping labels' hash (by), or the hash of the others (without).
inline uint64_t GroupingKey(const model::Labels& l, const std::vector<std::string>& grouping,
                            bool without) {
  if (without) return l.HashWithoutLabels(grouping);
  if (grouping.empty()) return 0;
  return l.HashForLabels(grouping);
}

// The labels of l's group: the grouping labels (by), or l without them and its name (without).
inline model::Labels GroupingLabels(const model::Labels& l,
                                    const std::vector<std::string>& grouping, bool without) {
  if (without) {
    model::LabelsBuilder b(l);
    for (const auto& g : grouping) b.Del(g);
    b.Del(model::kMetricName);
    return b.Build();
  }
  if (grouping.empty()) return model::Labels();
  model::LabelsBuilder b(l);
  b.Keep(grouping);
  return b.Build();
}

// The running state of one (group, step) cell. Cell is all that the ops other than quantile
// need (the streamed path's tables hold millions of them); Group adds quantile's values.
using Cell = AggregationCell;
struct Group : Cell {
  std::vector<double> values;  // quantile
};

// avg's two running states, shared by the whole and the compact cells. Like Prometheus 3, avg
// keeps a Kahan sum while it stays finite (AvgSumUnlessInf leaves sum and c as they were and
// returns false when adding f would overflow it), then an incremental mean of `count` samples,
// whose compensation it keeps too.
inline bool AvgSumUnlessInf(double f, double& sum, double& c) {
  double nv = sum, nc = c;
  common::KahanSumIncNoBranch(f, nv, nc);
  if (std::isinf(nv)) return false;
  sum = nv;
  c = nc;
  return true;
}
inline void AvgIncrementalMean(double f, double count, double& mean, double& c) {
  const double q = (count - 1) / count;
  double m = q * mean, comp = q * c;
  common::KahanSumInc(f / count, m, comp);
  mean = m;
  c = comp;
}

// Folds one sample into a group, as Prometheus' aggregation() does.
template <typename G>
void Accumulate(AggregateOp op, G& g, double f, bool drop_name) {
  constexpr bool kHasValues = std::is_same_v<G, Group>;
  if (!g.seen) {
    g.seen = true;
    g.value = f;
    g.mean = f;
    g.count = 1;
    g.kahan_c = 0;
    g.incremental_mean = false;
    g.drop_name = drop_name;
    if constexpr (kHasValues) g.values.clear();
    switch (op) {
      case AggregateOp::kStddev:
      case AggregateOp::kStdvar:
        g.value = (std::isnan(f) || std::isinf(f)) ? std::numeric_limits<double>::quiet_NaN() : 0;
        break;
      case AggregateOp::kQuantile:
        if constexpr (kHasValues) g.values.push_back(f);
        break;
      case AggregateOp::kGroup:
        g.value = 1;
        break;
      default:
        break;
    }
    return;
  }
  if (drop_name) g.drop_name = true;
  switch (op) {
    case AggregateOp::kSum:
      common::KahanSumIncNoBranch(f, g.value, g.kahan_c);
      break;
    case AggregateOp::kAvg: {
      g.count++;
      if (!g.incremental_mean) {
        if (AvgSumUnlessInf(f, g.value, g.kahan_c)) break;
        g.incremental_mean = true;
        g.mean = g.value / (g.count - 1);
        g.kahan_c /= g.count - 1;
      }
      AvgIncrementalMean(f, g.count, g.mean, g.kahan_c);
      break;
    }
    case AggregateOp::kMax:
      if (g.value < f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kMin:
      if (g.value > f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kCount:
      g.count++;
      break;
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar: {
      g.count++;
      const double delta = f - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (f - g.mean);
      break;
    }
    case AggregateOp::kQuantile:
      if constexpr (kHasValues) g.values.push_back(f);
      break;
    default:
      break;
  }
}

template <typename G>
double Finalize(AggregateOp op, G& g, double param) {
  switch (op) {
    case AggregateOp::kAvg:
      return g.incremental_mean ? g.mean + g.kahan_c : g.value / g.count + g.kahan_c / g.count;
    case AggregateOp::kCount:
      return g.count;
    case AggregateOp::kStdvar:
      return g.value / g.count;
    case AggregateOp::kStddev:
      return std::sqrt(g.value / g.count);
    case AggregateOp::kQuantile:
      if constexpr (std::is_same_v<G, Group>) return Quantile(param, g.values);
      return 0;  // never: quantile keeps its values in a Group
    case AggregateOp::kSum:
      return g.value + g.kahan_c;
    default:
      return g.value;
  }
}

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_AGGREGATION_CELLS_H_
