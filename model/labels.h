// Labels: a series identity, a set of (name, value) pairs sorted by name, names unique.
//
// Invariants: pairs are sorted by name with no duplicate names and no empty values (an empty
// value means "label absent", as in Prometheus). The metric name is the label "__name__".
// Labels is a value type; the head interns symbols on its own, so this type favours simplicity.
#ifndef PROMLET_MODEL_LABELS_H_
#define PROMLET_MODEL_LABELS_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/utf8.h"

namespace promlet::model {

inline constexpr std::string_view kMetricName = "__name__";
inline constexpr std::string_view kAddressLabel = "__address__";  // a target's host:port

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
};

class Labels {
 public:
  Labels() = default;
  // Sorts, drops empty values; for duplicate names the last one wins.
  Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
  static Labels FromSorted(std::vector<Label> sorted_unique);
  static Labels FromUnsorted(std::vector<Label> pairs);

  // Value of `name`, or "" if absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string_view MetricName() const { return Get(kMetricName); }

  // Stable 64-bit hash of the pairs (xxhash-like mixing of name and value bytes); equal sets
  // hash equally in every process, so it may be persisted.
  uint64_t Hash() const;
  // Hash over only the named labels (on/by) or all but the named ones (ignoring/without).
  uint64_t HashForLabels(const std::vector<std::string>& names) const;
  uint64_t HashWithoutLabels(const std::vector<std::string>& names) const;
  // Prometheus 3's labels.Hash(): XXH64 of its default (stringlabels) layout, each name and
  // value prefixed by its length (one byte below 255, else 255 and three little-endian bytes).
  // Where a result depends on Prometheus' hash values (limit_ratio's sampling).
  uint64_t PrometheusHash() const;

  // Prometheus' text form: {__name__="x", a="b"} rendered as x{a="b"}.
  std::string ToString() const;

  size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  const Label& operator[](size_t i) const { return labels_[i]; }
  std::vector<Label>::const_iterator begin() const { return labels_.begin(); }
  std::vector<Label>::const_iterator end() const { return labels_.end(); }
  const std::vector<Label>& pairs() const { return labels_; }

  // Orders as Prometheus' labels.Compare: pairwise by name, then value, then by length.
  static int Compare(const Labels& a, const Labels& b);
  friend bool operator==(const Labels& a, const Labels& b) { return a.labels_ == b.labels_; }
  friend bool operator<(const Labels& a, const Labels& b) { return Compare(a, b) < 0; }

  template <typename H>
  friend H AbslHashValue(H h, const Labels& l) {
    return H::combine(std::move(h), l.Hash());
  }

 private:
  std::vector<Label> labels_;
};

// Builds a Labels from a base with sets and deletions; cheap to reuse across calls.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base) { Reset(base); }
  void Reset(const Labels& base);
  // Setting an empty value deletes the label.
  LabelsBuilder& Set(std::string_view name, std::string_view value);
  LabelsBuilder& Del(std::string_view name);
  // Keep only the named labels.
  LabelsBuilder& Keep(const std::vector<std::string>& names);
  std::string_view Get(std::string_view name) const;
  Labels Build() const;

 private:
  std::vector<Label> pairs_;  // kept sorted by name
};

// Name rules. Prometheus 3 accepts any valid UTF-8 name (quoted in PromQL and exposition); the
// legacy rules decide whether a name needs quoting.
bool IsValidLegacyMetricName(std::string_view name);  // [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidLegacyLabelName(std::string_view name);   // [a-zA-Z_][a-zA-Z0-9_]*
using common::IsValidUtf8;
bool IsValidMetricName(std::string_view name);  // non-empty valid UTF-8
bool IsValidLabelName(std::string_view name);   // non-empty valid UTF-8

}  // namespace promlet::model

#endif  // PROMLET_MODEL_LABELS_H_
