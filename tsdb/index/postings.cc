#include "tsdb/index/postings.h"

#include <algorithm>

namespace promlet::tsdb::index {

Postings Intersect(const Postings& a, const Postings& b) {
  const Postings& small = a.size() <= b.size() ? a : b;
  const Postings& large = a.size() <= b.size() ? b : a;
  Postings out;
  out.reserve(small.size());
  if (small.size() * 16 < large.size()) {
    // Gallop through the large list.
    auto it = large.begin();
    for (storage::SeriesRef r : small) {
      it = std::lower_bound(it, large.end(), r);
      if (it == large.end()) break;
      if (*it == r) out.push_back(r);
    }
    return out;
  }
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Postings Subtract(const Postings& a, const Postings& b) {
  Postings out;
  out.reserve(a.size());
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Postings Merge(absl::Span<const Postings* const> lists, storage::SeriesRef max_ref) {
  if (lists.empty()) return {};
  if (lists.size() == 1) return *lists[0];
  size_t total = 0;
  for (const Postings* p : lists) total += p->size();
  if (lists.size() == 2) {
    Postings out;
    out.reserve(total);
    std::set_union(lists[0]->begin(), lists[0]->end(), lists[1]->begin(), lists[1]->end(),
                   std::back_inserter(out));
    return out;
  }
  bool in_range = max_ref > 0;
  if (in_range) {
    for (const Postings* p : lists) {
      if (!p->empty() && p->back() >= max_ref) in_range = false;
    }
  }
  if (in_range && total * 8 >= max_ref / 8) {
    // Dense: a bitmap over the ref space is linear in the input.
    std::vector<uint64_t> bits((max_ref + 63) / 64, 0);
    for (const Postings* p : lists) {
      for (storage::SeriesRef r : *p) bits[r >> 6] |= uint64_t{1} << (r & 63);
    }
    Postings out;
    out.reserve(total);
    for (size_t w = 0; w < bits.size(); ++w) {
      uint64_t x = bits[w];
      while (x) {
        out.push_back(w * 64 + static_cast<storage::SeriesRef>(__builtin_ctzll(x)));
        x &= x - 1;
      }
    }
    return out;
  }
  Postings out;
  out.reserve(total);
  for (const Postings* p : lists) out.insert(out.end(), p->begin(), p->end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {
void InsertSorted(Postings& p, storage::SeriesRef ref) {
  if (p.empty() || p.back() < ref) {
    p.push_back(ref);
    return;
  }
  auto it = std::lower_bound(p.begin(), p.end(), ref);
  if (it != p.end() && *it == ref) return;
  p.insert(it, ref);
}
}  // namespace

void MemPostings::Add(storage::SeriesRef ref, absl::Span<const LabelPairView> pairs) {
  for (const auto& [name, value] : pairs) {
    Postings& p = map_[name][value];
    if (p.empty()) ++num_pairs_;
    InsertSorted(p, ref);
  }
  InsertSorted(all_, ref);
}

void MemPostings::Delete(const absl::flat_hash_set<storage::SeriesRef>& dead,
                         absl::Span<const LabelPairView> pairs) {
  auto drop = [&](Postings& p) {
    p.erase(std::remove_if(p.begin(), p.end(), [&](storage::SeriesRef r) { return dead.contains(r); }),
            p.end());
  };
  for (const auto& [name, value] : pairs) {
    auto nit = map_.find(name);
    if (nit == map_.end()) continue;
    auto vit = nit->second.find(value);
    if (vit == nit->second.end()) continue;
    drop(vit->second);
    if (vit->second.empty()) {
      nit->second.erase(vit);
      --num_pairs_;
      if (nit->second.empty()) map_.erase(nit);
    } else if (vit->second.capacity() > 2 * vit->second.size() + 16) {
      vit->second.shrink_to_fit();
    }
  }
  drop(all_);
}

const Postings* MemPostings::Get(std::string_view name, std::string_view value) const {
  auto nit = map_.find(name);
  if (nit == map_.end()) return nullptr;
  auto vit = nit->second.find(value);
  return vit == nit->second.end() ? nullptr : &vit->second;
}

const MemPostings::ValueMap* MemPostings::Values(std::string_view name) const {
  auto nit = map_.find(name);
  return nit == map_.end() ? nullptr : &nit->second;
}

std::vector<std::string_view> MemPostings::Names() const {
  std::vector<std::string_view> out;
  out.reserve(map_.size());
  for (const auto& [name, values] : map_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

Postings MemPostings::MatchingValues(const model::Matcher& m, bool invert, storage::SeriesRef max_ref) const {
  const ValueMap* vm = Values(m.name());
  if (vm == nullptr) return {};
  std::vector<const Postings*> lists;
  const bool is_regex = m.type() == model::MatchType::kRegexMatch || m.type() == model::MatchType::kRegexNoMatch;
  // want_positive: we want values v for which the matcher's core predicate (v == value, or the
  // regex matching v) holds; otherwise values for which it does not hold.
  const bool core_positive = m.type() == model::MatchType::kEqual || m.type() == model::MatchType::kRegexMatch;
  const bool want_positive = core_positive != invert;
  auto core = [&](std::string_view v) {
    // m.Matches(v) == core(v) for positive types, == !core(v) for negative ones.
    return core_positive ? m.Matches(v) : !m.Matches(v);
  };
  if (!is_regex) {
    if (want_positive) {
      auto it = vm->find(m.value());
      if (it == vm->end()) return {};
      return it->second;
    }
    for (const auto& [v, p] : *vm) {
      if (v != m.value()) lists.push_back(&p);
    }
    return Merge(lists, max_ref);
  }
  const bool match_all = m.value() == ".*";
  if (want_positive) {
    if (match_all) {
      for (const auto& [v, p] : *vm) lists.push_back(&p);
    } else if (m.SetMatches()) {
      for (const std::string& s : *m.SetMatches()) {
        auto it = vm->find(s);
        if (it != vm->end()) lists.push_back(&it->second);
      }
      std::sort(lists.begin(), lists.end());
      lists.erase(std::unique(lists.begin(), lists.end()), lists.end());
    } else {
      const std::string& prefix = m.LiteralPrefix();
      for (auto it = vm->lower_bound(prefix); it != vm->end(); ++it) {
        if (it->first.substr(0, prefix.size()) != prefix) break;
        if (core(it->first)) lists.push_back(&it->second);
      }
    }
  } else {
    if (match_all) return {};
    for (const auto& [v, p] : *vm) {
      if (!core(v)) lists.push_back(&p);
    }
  }
  return Merge(lists, max_ref);
}

Postings MemPostings::Select(absl::Span<const model::Matcher> matchers, storage::SeriesRef max_ref) const {
  std::vector<Postings> intersect;
  std::vector<Postings> subtract;
  for (const model::Matcher& m : matchers) {
    if (m.type() == model::MatchType::kRegexMatch && m.value() == ".*") continue;
    if (m.MatchesEmpty()) {
      // Everything except series whose value of the label does not match.
      Postings p = MatchingValues(m, /*invert=*/true, max_ref);
      if (!p.empty()) subtract.push_back(std::move(p));
    } else {
      Postings p = MatchingValues(m, /*invert=*/false, max_ref);
      if (p.empty()) return {};
      intersect.push_back(std::move(p));
    }
  }
  Postings result;
  if (intersect.empty()) {
    result = all_;
  } else {
    std::sort(intersect.begin(), intersect.end(),
              [](const Postings& a, const Postings& b) { return a.size() < b.size(); });
    result = std::move(intersect[0]);
    for (size_t i = 1; i < intersect.size() && !result.empty(); ++i) {
      result = Intersect(result, intersect[i]);
    }
  }
  for (const Postings& s : subtract) {
    if (result.empty()) break;
    result = Subtract(result, s);
  }
  return result;
}

size_t MemPostings::MemoryBytes() const {
  size_t n = all_.capacity() * sizeof(storage::SeriesRef);
  for (const auto& [name, values] : map_) {
    n += 64;
    for (const auto& [v, p] : values) n += 48 + p.capacity() * sizeof(storage::SeriesRef);
  }
  return n;
}

}  // namespace promlet::tsdb::index
