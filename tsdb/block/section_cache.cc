#include "tsdb/block/section_cache.h"

#include <algorithm>
#include <atomic>

#include "common/bytesize.h"
#include "common/memory_limit.h"

namespace promlet::tsdb {

size_t SectionCache::AutoCapacity(uint64_t memory_limit_bytes) {
  constexpr uint64_t kMin = uint64_t{32} << 20, kMax = uint64_t{1} << 30;
  return static_cast<size_t>(std::clamp(memory_limit_bytes / 16, kMin, kMax));
}

absl::StatusOr<int64_t> SectionCache::ParseCapacity(std::string_view value) {
  if (value == "auto") return static_cast<int64_t>(AutoCapacity(common::MemoryLimitBytes()));
  return common::ParseByteSize(value);
}

uint64_t SectionCache::NewOwner() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

std::shared_ptr<const void> SectionCache::Lookup(const Key& k) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = index_.find(k);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  List::iterator e = it->second;
  const bool was_protected = e->protected_;
  protected_.splice(protected_.begin(), was_protected ? protected_ : probation_, e);
  if (!was_protected) {
    e->protected_ = true;
    protected_usage_ += e->charge;
  }
  while (protected_usage_ > capacity_ / 2) {
    List::iterator last = std::prev(protected_.end());
    last->protected_ = false;
    protected_usage_ -= last->charge;
    probation_.splice(probation_.begin(), protected_, last);
  }
  return e->value;
}

void SectionCache::Insert(const Key& k, std::shared_ptr<const void> value, size_t charge) {
  std::lock_guard<std::mutex> l(mu_);
  if (auto it = index_.find(k); it != index_.end()) EraseLocked(it->second);
  if (charge > capacity_) return;
  while (usage_ + charge > capacity_) {
    EraseLocked(std::prev(probation_.empty() ? protected_.end() : probation_.end()));
  }
  probation_.push_front(Entry{k, std::move(value), charge});
  index_.emplace(k, probation_.begin());
  usage_ += charge;
}

void SectionCache::EraseOwner(uint64_t owner) {
  std::lock_guard<std::mutex> l(mu_);
  for (List* list : {&probation_, &protected_}) {
    for (auto it = list->begin(); it != list->end();) {
      auto next = std::next(it);
      if (it->key.owner == owner) EraseLocked(it);
      it = next;
    }
  }
}

void SectionCache::EraseLocked(List::iterator it) {
  usage_ -= it->charge;
  if (it->protected_) protected_usage_ -= it->charge;
  index_.erase(it->key);
  (it->protected_ ? protected_ : probation_).erase(it);
}

size_t SectionCache::usage() const {
  std::lock_guard<std::mutex> l(mu_);
  return usage_;
}

uint64_t SectionCache::hits() const {
  std::lock_guard<std::mutex> l(mu_);
  return hits_;
}

uint64_t SectionCache::misses() const {
  std::lock_guard<std::mutex> l(mu_);
  return misses_;
}

}  // namespace promlet::tsdb
