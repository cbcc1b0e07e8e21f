// SeriesTable: SeriesRef -> value (the head's series handles), a dense two-level array. Refs are
// assigned densely from 1, so a lookup is two dependent loads and one small lock, with
// neighbouring refs sharing cache lines (much faster than hashing into lock stripes).
//
// Invariants: refs must be < kMaxRef; segments are allocated on first use and live as long as
// the table; each block of 64 slots is guarded by its own SmallMutex.
#ifndef PROMLET_TSDB_SERIES_TABLE_H_
#define PROMLET_TSDB_SERIES_TABLE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "tsdb/small_mutex.h"

namespace promlet::tsdb {

template <typename T>
class SeriesTable {
 public:
  static constexpr unsigned kSegBits = 16;
  static constexpr uint64_t kSegSize = uint64_t{1} << kSegBits;
  static constexpr unsigned kLockBits = 6;  // 64 slots per lock
  static constexpr uint64_t kMaxSegments = uint64_t{1} << 14;
  static constexpr uint64_t kMaxRef = kSegSize * kMaxSegments;  // 2^30

  SeriesTable() : segs_(new std::atomic<Segment*>[kMaxSegments]()) {}
  ~SeriesTable() {
    for (uint64_t i = 0; i < kMaxSegments; ++i) delete segs_[i].load();
  }
  SeriesTable(const SeriesTable&) = delete;
  SeriesTable& operator=(const SeriesTable&) = delete;

  // The value at ref, or a default T.
  T Get(uint64_t ref) const {
    if (ref >= kMaxRef) return T();
    Segment* s = segs_[ref >> kSegBits].load(std::memory_order_acquire);
    if (s == nullptr) return T();
    uint64_t i = ref & (kSegSize - 1);
    std::lock_guard<SmallMutex> l(s->locks[i >> kLockBits]);
    return s->slots[i];
  }
  // Calls f(const T&) with the value at ref (a default T if none) under that slot's block lock,
  // without copying the value (no reference-count traffic for shared_ptr values). f must not
  // touch this table.
  template <typename F>
  void With(uint64_t ref, F&& f) const {
    static const T kEmpty{};
    Segment* s = ref < kMaxRef ? segs_[ref >> kSegBits].load(std::memory_order_acquire) : nullptr;
    if (s == nullptr) {
      f(kEmpty);
      return;
    }
    uint64_t i = ref & (kSegSize - 1);
    std::lock_guard<SmallMutex> l(s->locks[i >> kLockBits]);
    f(s->slots[i]);
  }
  // Hints the cache to load ref's slot (for loops that know upcoming refs).
  void Prefetch(uint64_t ref) const {
    if (ref >= kMaxRef) return;
    Segment* s = segs_[ref >> kSegBits].load(std::memory_order_relaxed);
    if (s == nullptr) return;
    uint64_t i = ref & (kSegSize - 1);
    __builtin_prefetch(&s->slots[i]);
    __builtin_prefetch(&s->locks[i >> kLockBits]);
  }
  // False if ref is out of range or taken.
  bool Insert(uint64_t ref, T v) {
    if (ref >= kMaxRef) return false;
    Segment* s = GetOrAllocSegment(ref >> kSegBits);
    uint64_t i = ref & (kSegSize - 1);
    std::lock_guard<SmallMutex> l(s->locks[i >> kLockBits]);
    if (s->slots[i]) return false;
    s->slots[i] = std::move(v);
    return true;
  }
  void Erase(uint64_t ref) {
    if (ref >= kMaxRef) return;
    Segment* s = segs_[ref >> kSegBits].load(std::memory_order_acquire);
    if (s == nullptr) return;
    uint64_t i = ref & (kSegSize - 1);
    T old;
    {
      std::lock_guard<SmallMutex> l(s->locks[i >> kLockBits]);
      old = std::move(s->slots[i]);
      s->slots[i] = T();
    }
  }
  // f(ref, const T&) for every non-empty slot, in ref order, under that slot's block lock.
  template <typename F>
  void ForEach(F&& f) const {
    for (uint64_t si = 0; si < kMaxSegments; ++si) {
      Segment* s = segs_[si].load(std::memory_order_acquire);
      if (s == nullptr) continue;
      for (uint64_t b = 0; b < (kSegSize >> kLockBits); ++b) {
        std::lock_guard<SmallMutex> l(s->locks[b]);
        for (uint64_t i = b << kLockBits; i < ((b + 1) << kLockBits); ++i) {
          if (s->slots[i]) f((si << kSegBits) | i, s->slots[i]);
        }
      }
    }
  }

 private:
  struct Segment {
    SmallMutex locks[kSegSize >> kLockBits];
    T slots[kSegSize];
  };
  Segment* GetOrAllocSegment(uint64_t si) {
    Segment* s = segs_[si].load(std::memory_order_acquire);
    if (s != nullptr) return s;
    std::lock_guard<std::mutex> l(alloc_mu_);
    s = segs_[si].load(std::memory_order_acquire);
    if (s == nullptr) {
      s = new Segment();
      segs_[si].store(s, std::memory_order_release);
    }
    return s;
  }

  std::unique_ptr<std::atomic<Segment*>[]> segs_;
  std::mutex alloc_mu_;
};

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_SERIES_TABLE_H_
