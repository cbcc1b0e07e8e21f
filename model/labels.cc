#include "model/labels.h"

#include <algorithm>
#include <cstring>

#include "common/hash.h"

namespace promlet::model {
namespace {

// 64-bit FNV-1a with a final avalanche: stable across processes and builds.
constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

inline uint64_t Mix(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  h ^= 0xff;  // separator, as Prometheus uses 0xff between fields
  h *= kFnvPrime;
  return h;
}

inline uint64_t Finish(uint64_t h) { return common::Fmix64(h); }

void SortAndDedup(std::vector<Label>& v) {
  std::stable_sort(v.begin(), v.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  // Last occurrence of a name wins.
  std::vector<Label> out;
  out.reserve(v.size());
  for (auto& l : v) {
    if (!out.empty() && out.back().name == l.name) {
      out.back() = std::move(l);
    } else {
      out.push_back(std::move(l));
    }
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const Label& l) { return l.value.empty(); }),
            out.end());
  v = std::move(out);
}

bool Contains(const std::vector<std::string>& names, std::string_view n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

}  // namespace

Labels::Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  labels_.reserve(pairs.size());
  for (const auto& [n, v] : pairs) labels_.push_back({std::string(n), std::string(v)});
  SortAndDedup(labels_);
}

Labels Labels::FromSorted(std::vector<Label> sorted_unique) {
  Labels l;
  l.labels_ = std::move(sorted_unique);
  return l;
}

Labels Labels::FromUnsorted(std::vector<Label> pairs) {
  SortAndDedup(pairs);
  return FromSorted(std::move(pairs));
}

std::string_view Labels::Get(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) return it->value;
  return {};
}

bool Labels::Has(std::string_view name) const { return !Get(name).empty(); }

uint64_t Labels::Hash() const {
  uint64_t h = kFnvOffset;
  for (const auto& l : labels_) h = Mix(Mix(h, l.name), l.value);
  return Finish(h);
}

uint64_t Labels::HashForLabels(const std::vector<std::string>& names) const {
  uint64_t h = kFnvOffset;
  for (const auto& l : labels_) {
    if (Contains(names, l.name)) h = Mix(Mix(h, l.name), l.value);
  }
  return Finish(h);
}

uint64_t Labels::HashWithoutLabels(const std::vector<std::string>& names) const {
  uint64_t h = kFnvOffset;
  for (const auto& l : labels_) {
    if (l.name == kMetricName || Contains(names, l.name)) continue;
    h = Mix(Mix(h, l.name), l.value);
  }
  return Finish(h);
}


uint64_t Labels::PrometheusHash() const {
  thread_local std::string buf;
  buf.clear();
  auto put = [](std::string_view s) {
    const size_t n = s.size();
    if (n < 255) {
      buf.push_back(static_cast<char>(n));
    } else {
      buf.push_back(static_cast<char>(255));
      for (int shift : {0, 8, 16}) buf.push_back(static_cast<char>((n >> shift) & 0xff));
    }
    buf.append(s);
  };
  for (const auto& l : labels_) {
    put(l.name);
    put(l.value);
  }
  return common::XxHash64(buf);
}

std::string Labels::ToString() const {
  std::string out;
  std::string_view name = MetricName();
  bool name_is_legacy = !name.empty() && IsValidLegacyMetricName(name);
  if (name_is_legacy) out.append(name);
  out.push_back('{');
  bool first = true;
  if (!name.empty() && !name_is_legacy) {
    common::AppendGoQuoted(&out, name);
    first = false;
  }
  for (const auto& l : labels_) {
    if (l.name == kMetricName) continue;
    if (!first) out += ", ";
    first = false;
    if (IsValidLegacyLabelName(l.name)) {
      out += l.name;
    } else {
      common::AppendGoQuoted(&out, l.name);
    }
    out.push_back('=');
    common::AppendGoQuoted(&out, l.value);
  }
  out.push_back('}');
  if (name_is_legacy && labels_.size() == 1) out.resize(out.size() - 2);  // x{} -> x
  return out;
}

int Labels::Compare(const Labels& a, const Labels& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (int c = a.labels_[i].name.compare(b.labels_[i].name); c != 0) return c < 0 ? -1 : 1;
    if (int c = a.labels_[i].value.compare(b.labels_[i].value); c != 0) return c < 0 ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

void LabelsBuilder::Reset(const Labels& base) { pairs_ = base.pairs(); }

LabelsBuilder& LabelsBuilder::Set(std::string_view name, std::string_view value) {
  if (value.empty()) return Del(name);
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != pairs_.end() && it->name == name) {
    it->value.assign(value);
  } else {
    pairs_.insert(it, Label{std::string(name), std::string(value)});
  }
  return *this;
}

LabelsBuilder& LabelsBuilder::Del(std::string_view name) {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != pairs_.end() && it->name == name) pairs_.erase(it);
  return *this;
}

LabelsBuilder& LabelsBuilder::Keep(const std::vector<std::string>& names) {
  pairs_.erase(std::remove_if(pairs_.begin(), pairs_.end(),
                              [&](const Label& l) { return !Contains(names, l.name); }),
               pairs_.end());
  return *this;
}

std::string_view LabelsBuilder::Get(std::string_view name) const {
  for (const auto& l : pairs_) {
    if (l.name == name) return l.value;
  }
  return {};
}

Labels LabelsBuilder::Build() const { return Labels::FromSorted(pairs_); }

namespace {
inline bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

bool IsValidLegacyMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(IsAlpha(c) || c == '_' || c == ':' || (i > 0 && IsDigit(c)))) return false;
  }
  return true;
}

bool IsValidLegacyLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(IsAlpha(c) || c == '_' || (i > 0 && IsDigit(c)))) return false;
  }
  return true;
}

bool IsValidMetricName(std::string_view name) { return !name.empty() && IsValidUtf8(name); }
bool IsValidLabelName(std::string_view name) { return !name.empty() && IsValidUtf8(name); }

}  // namespace promlet::model
