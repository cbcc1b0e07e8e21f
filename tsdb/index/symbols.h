// SymbolTable: interns label names and values so each distinct string is stored once; series
// keep 32-bit symbol ids instead of strings. Symbols are reference-counted (one reference per
// use by a series), so a head whose series churn keeps only the symbols its live series use.
//
// Invariants: an id maps to the same bytes from Intern() until Free() (Free only releases an id
// whose count is zero; its bytes and id may then be reused). Strings live in arena blocks and
// never move; a block is released when its last string is freed. Intern(), Unref() and Free()
// need external synchronisation (the head's index lock, exclusively). Get() takes no lock: it
// is safe for any id the caller obtained through a synchronising operation (a mutex, as series
// publication does) after Intern() and that cannot be freed meanwhile (the head defers Free()
// until no reader that could still see a removed series is left).
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

  // The id of s, taking one reference on it.
  uint32_t Intern(std::string_view s);
  // Drops one reference; true when it was the last. The id stays readable until
  // Free(id, release_tag) with the same tag (the caller's name for this release).
  bool Unref(uint32_t id, uint32_t release_tag);
  // Releases an id whose last reference went with `release_tag`. A no-op if it was interned
  // again since, or released again under another tag (only the latest release frees it).
  void Free(uint32_t id, uint32_t release_tag);
  // Id of s if interned, else -1.
  int64_t Find(std::string_view s) const;
  std::string_view Get(uint32_t id) const { return SlotOf(id).str; }
  size_t size() const { return live_; }           // symbols interned and not freed
  uint32_t id_limit() const { return next_id_; }  // every id handed out is below this
  // Changes whenever an id is assigned or freed (for caches keyed by the id -> string map).
  uint64_t version() const { return version_; }
  size_t MemoryBytes() const { return memory_; }

 private:
  struct Slot {
    std::string_view str;
    uint32_t refs = 0;
    uint32_t block = kNoBlock;
    uint32_t release_tag = 0;  // of the Unref that took refs to 0
  };
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size = 0;  // bytes allocated
    size_t used = 0;
    size_t live = 0;  // strings stored and not freed
  };
  static constexpr uint32_t kNoBlock = 0xffffffffu;

  Slot& SlotOf(uint32_t id) const {
    return segments_[id >> kSegmentBits][id & ((1u << kSegmentBits) - 1)];
  }
  // Copies s into an arena block; returns the stored view and its block.
  std::string_view Store(std::string_view s, uint32_t* block);
  uint32_t NewBlock(size_t size);

  absl::flat_hash_map<std::string_view, uint32_t> ids_;
  std::unique_ptr<std::unique_ptr<Slot[]>[]> segments_{
      new std::unique_ptr<Slot[]>[kMaxSegments]};
  std::vector<Block> blocks_;
  std::vector<uint32_t> free_blocks_;  // indexes of released blocks_, for reuse
  std::vector<uint32_t> free_ids_;
  uint32_t cur_ = kNoBlock;  // current block for small strings
  uint32_t next_id_ = 0;
  size_t live_ = 0;
  uint64_t version_ = 0;
  size_t memory_ = 0;
};

}  // namespace promlet::tsdb::index

#endif  // PROMLET_TSDB_INDEX_SYMBOLS_H_
