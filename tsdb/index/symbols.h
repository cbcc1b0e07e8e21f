// SymbolTable: interns label names and values so each distinct string is stored once; series
// keep 32-bit symbol ids instead of strings.
//
// Invariants: an id, once handed out, maps to the same bytes for the table's lifetime (strings
// live in append-only arena blocks, never moved). Intern() needs external synchronisation
// (the head's index lock). Get() takes no lock: it is safe for any id the caller obtained
// through a synchronising operation (a mutex, as series publication does) after Intern().
#ifndef PROMLET_TSDB_INDEX_SYMBOLS_H_
#define PROMLET_TSDB_INDEX_SYMBOLS_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace promlet::tsdb::index {

class SymbolTable {
 public:
  static constexpr uint32_t kSegmentBits = 16;
  static constexpr uint32_t kMaxSegments = 1 << 14;  // 2^30 symbols

  SymbolTable() = default;
  SymbolTable(const SymbolTable&) = delete;
  SymbolTable& operator=(const SymbolTable&) = delete;

  uint32_t Intern(std::string_view s);
  // Id of s if interned, else -1.
  int64_t Find(std::string_view s) const;
  std::string_view Get(uint32_t id) const {
    return segments_[id >> kSegmentBits][id & ((1u << kSegmentBits) - 1)];
  }
  size_t size() const { return count_; }
  size_t MemoryBytes() const { return memory_; }

 private:
  std::string_view Store(std::string_view s);

  absl::flat_hash_map<std::string_view, uint32_t> ids_;
  std::unique_ptr<std::unique_ptr<std::string_view[]>[]> segments_{
      new std::unique_ptr<std::string_view[]>[kMaxSegments]};
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* cur_ = nullptr;  // current block for small strings
  size_t block_used_ = 0;
  uint32_t count_ = 0;
  size_t memory_ = 0;
};

}  // namespace promlet::tsdb::index

#endif  // PROMLET_TSDB_INDEX_SYMBOLS_H_
