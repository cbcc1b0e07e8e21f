// Postings: for every label pair, the sorted list of series refs carrying it, and the set
// algebra that resolves label matchers against them.
//
// Invariants: every list is sorted ascending without duplicates; All() holds every live ref.
// Keys are string_views into the head's SymbolTable (they live as long as the table).
// MemPostings is not thread-safe: the head guards it with its index lock.
#ifndef PROMLET_TSDB_INDEX_POSTINGS_H_
#define PROMLET_TSDB_INDEX_POSTINGS_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/types/span.h"
#include "model/matcher.h"
#include "storage/interface.h"

namespace promlet::tsdb::index {

using Postings = std::vector<storage::SeriesRef>;
using LabelPairView = std::pair<std::string_view, std::string_view>;

// Sorted-list algebra.
Postings Intersect(const Postings& a, const Postings& b);
Postings Subtract(const Postings& a, const Postings& b);  // a \ b
// Union of many lists. `max_ref` (exclusive upper bound of refs) enables a bitmap merge when the
// inputs are large; 0 disables it.
Postings Merge(absl::Span<const Postings* const> lists, storage::SeriesRef max_ref = 0);

class MemPostings {
 public:
  using ValueMap = absl::btree_map<std::string_view, Postings>;

  // Adds ref under each pair (interned views). Refs normally arrive in increasing order; a
  // late smaller one is inserted in place.
  void Add(storage::SeriesRef ref, absl::Span<const LabelPairView> pairs);
  // Removes `dead` refs from the lists of `pairs` (the pairs the dead series carried) and All().
  void Delete(const absl::flat_hash_set<storage::SeriesRef>& dead, absl::Span<const LabelPairView> pairs);

  const Postings* Get(std::string_view name, std::string_view value) const;
  const ValueMap* Values(std::string_view name) const;
  const Postings& All() const { return all_; }
  // Sorted label names with at least one series.
  std::vector<std::string_view> Names() const;
  template <typename F>
  void ForEachName(F&& f) const {
    for (const auto& [name, values] : map_) f(name, values);
  }

  // Refs of series matching every matcher (Prometheus semantics: a matcher that matches ""
  // also selects series lacking the label). Regex set matches are looked up exactly, literal
  // prefixes narrow value scans, and `=~".*"` costs nothing. `max_ref` as in Merge.
  Postings Select(absl::Span<const model::Matcher> matchers, storage::SeriesRef max_ref = 0) const;

  size_t MemoryBytes() const;
  size_t NumPairs() const { return num_pairs_; }

 private:
  // Union of the lists of the values v of `m.name()` with m.Matches(v) == !invert.
  Postings MatchingValues(const model::Matcher& m, bool invert, storage::SeriesRef max_ref) const;

  absl::flat_hash_map<std::string_view, ValueMap> map_;
  Postings all_;
  size_t num_pairs_ = 0;
};

}  // namespace promlet::tsdb::index

#endif  // PROMLET_TSDB_INDEX_POSTINGS_H_
