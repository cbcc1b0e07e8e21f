// Collector: assembles per-step output samples into series (Prometheus' rangeEval collation).
//
// Invariants: in range mode a label set maps to exactly one output series and a series gets at
// most one point per step (a second one is the "vector cannot contain metrics with the same
// labelset" error). In instant mode (one step) every Intern() makes a new series so the output
// keeps the order the operator produced; duplicates are left to the final cleanup, as in
// Prometheus.
#ifndef PROMLET_PROMQL_ENGINE_COLLECTOR_H_
#define PROMLET_PROMQL_ENGINE_COLLECTOR_H_

#include <cstdint>
#include <limits>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "promql/engine/value.h"

namespace promlet::promql::internal {

class Collector {
 public:
  explicit Collector(bool instant) : instant_(instant) {}

  int Intern(const model::Labels& l, bool drop_name) {
    if (!instant_) {
      auto& bucket = index_[l.Hash()];
      for (int i : bucket) {
        if (out_[i].metric == l) return i;
      }
      bucket.push_back(static_cast<int>(out_.size()));
    }
    ESeries s;
    s.metric = l;
    s.drop_name = drop_name;
    out_.push_back(std::move(s));
    last_t_.push_back(std::numeric_limits<int64_t>::min());
    return static_cast<int>(out_.size()) - 1;
  }

  void Add(int idx, int64_t t, double f) {
    if (last_t_[idx] == t) Errorf("vector cannot contain metrics with the same labelset");
    last_t_[idx] = t;
    out_[idx].floats.push_back({t, f});
  }

  void AddHistogram(int idx, int64_t t, HistPtr h) {
    if (last_t_[idx] == t) Errorf("vector cannot contain metrics with the same labelset");
    last_t_[idx] = t;
    out_[idx].histograms.push_back({t, std::move(h)});
  }

  // The collected series with at least one point, in creation order.
  EMatrix Take() {
    EMatrix r;
    r.reserve(out_.size());
    for (auto& s : out_) {
      if (!s.floats.empty() || !s.histograms.empty()) r.push_back(std::move(s));
    }
    out_.clear();
    return r;
  }

 private:
  bool instant_;
  EMatrix out_;
  std::vector<int64_t> last_t_;
  absl::flat_hash_map<uint64_t, std::vector<int>> index_;
};

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_COLLECTOR_H_
