// SectionCache: decompressed block sections (series pages of the index, chunk groups) kept
// between reads, shared by every block of a DB and bounded by bytes. A block's files are
// compressed and read with pread (block_file.h), so without it every query decompresses every
// group it touches, most of which holds chunks of other series: selecting 1,200 of the 9,600
// `node_cpu_seconds_total` series at 600 instances spent half its time in zstd. This is the
// blocks' equivalent of the page cache that Prometheus' mmap'ed chunks live in.
//
// Invariants:
//  - usage() <= capacity() after every call. A value charged more than the capacity is not
//    kept (capacity 0 keeps nothing).
//  - Scan resistant (segmented LRU): a new entry is on probation; a hit moves it to the
//    protected segment, which holds at most half the capacity (its least recently used go back
//    to probation). Eviction takes probation's least recently used first, so one large query
//    that reads more than the cache holds churns probation and leaves the sections that
//    queries read again (a dashboard's small panels) in place.
//  - Values are immutable and shared: an evicted or erased value stays valid for whoever holds
//    it.
//  - Keys carry an owner (one per Block, from NewOwner()) so a block that closes takes its
//    entries with it (EraseOwner), and two blocks never share an entry.
//  - Thread-safe; one mutex, held only for the map and list updates (the caller decompresses
//    outside it, so two readers missing the same key both decompress, and the later insert
//    replaces the earlier).
#ifndef PROMLET_TSDB_BLOCK_SECTION_CACHE_H_
#define PROMLET_TSDB_BLOCK_SECTION_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace promlet::tsdb {

class SectionCache {
 public:
  struct Key {
    uint64_t owner = 0;
    uint64_t file = 0;  // which file of the owner (e.g. 0 index, 1 chunks)
    uint64_t offset = 0;
    bool operator==(const Key&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.owner, k.file, k.offset);
    }
  };

  explicit SectionCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}
  SectionCache(const SectionCache&) = delete;
  SectionCache& operator=(const SectionCache&) = delete;

  // A process-unique owner id for a new block.
  static uint64_t NewOwner();

  // The capacity "auto" stands for, given the memory the process may use: 1/16 of it, at least
  // 32 MiB and at most 1 GiB. The cache fills only with what queries read, so a small store
  // never uses it all; a large one keeps its dashboards' working set (the 30 dashboard panels
  // at 600 instances x 2 h read 84 MB of sections: with 32 MB each panel re-read and
  // re-checked its groups on every refresh, 12% of the set's CPU, and the CPU grew faster than
  // the data from 60 to 600 instances). Prometheus' chunks live in the page cache, bounded only
  // by free memory.
  static size_t AutoCapacity(uint64_t memory_limit_bytes);
  // A capacity as the flag and the library option give it: "auto" (AutoCapacity of
  // common::MemoryLimitBytes) or a byte size (common::ParseByteSize, its errors unchanged).
  static absl::StatusOr<int64_t> ParseCapacity(std::string_view value);

  // The value cached for k (now the most recently used), or nullptr.
  std::shared_ptr<const void> Lookup(const Key& k);
  // Caches value for k at `charge` bytes, replacing an entry for k, and evicts the least
  // recently used entries beyond the capacity.
  void Insert(const Key& k, std::shared_ptr<const void> value, size_t charge);
  // Drops every entry of `owner`.
  void EraseOwner(uint64_t owner);

  size_t capacity() const { return capacity_; }
  size_t usage() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Entry {
    Key key;
    std::shared_ptr<const void> value;
    size_t charge;
    bool protected_ = false;
  };
  using List = std::list<Entry>;
  void EraseLocked(List::iterator it);

  const size_t capacity_;
  mutable std::mutex mu_;
  List probation_, protected_;  // each most recently used first
  absl::flat_hash_map<Key, List::iterator> index_;
  size_t usage_ = 0, protected_usage_ = 0;
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_BLOCK_SECTION_CACHE_H_
