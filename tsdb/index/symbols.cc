#include "tsdb/index/symbols.h"

#include <cstdlib>
#include <cstring>

namespace promlet::tsdb::index {

namespace {
constexpr size_t kBlockSize = 64 << 10;
constexpr size_t kIdBytes = sizeof(std::pair<std::string_view, uint32_t>) + 8;
}  // namespace

uint32_t SymbolTable::NewBlock(size_t size) {
  uint32_t b;
  if (!free_blocks_.empty()) {
    b = free_blocks_.back();
    free_blocks_.pop_back();
  } else {
    b = static_cast<uint32_t>(blocks_.size());
    blocks_.emplace_back();
  }
  Block& blk = blocks_[b];
  blk.data.reset(new char[size]);
  blk.size = size;
  blk.used = 0;
  blk.live = 0;
  memory_ += size;
  return b;
}

std::string_view SymbolTable::Store(std::string_view s, uint32_t* block) {
  *block = kNoBlock;
  if (s.empty()) return std::string_view();
  uint32_t b;
  if (s.size() > kBlockSize / 4) {
    b = NewBlock(s.size());  // a block of its own; the current small-string block stays current
  } else {
    if (cur_ == kNoBlock || blocks_[cur_].used + s.size() > kBlockSize) {
      // A full current block is released by its last Free(), like any other.
      if (cur_ != kNoBlock && blocks_[cur_].live == 0) {
        blocks_[cur_].used = 0;
      } else {
        cur_ = NewBlock(kBlockSize);
      }
    }
    b = cur_;
  }
  Block& blk = blocks_[b];
  char* dst = blk.data.get() + blk.used;
  std::memcpy(dst, s.data(), s.size());
  blk.used += s.size();
  ++blk.live;
  *block = b;
  return std::string_view(dst, s.size());
}

uint32_t SymbolTable::Intern(std::string_view s) {
  auto it = ids_.find(s);
  if (it != ids_.end()) {
    ++SlotOf(it->second).refs;
    return it->second;
  }
  uint32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    id = next_id_;
    uint32_t seg = id >> kSegmentBits;
    if (seg >= kMaxSegments) std::abort();  // 2^30 distinct strings: out of design range
    if (!segments_[seg]) {
      segments_[seg].reset(new Slot[1u << kSegmentBits]);
      memory_ += sizeof(Slot) << kSegmentBits;
    }
    ++next_id_;
  }
  Slot& slot = SlotOf(id);
  slot.str = Store(s, &slot.block);
  slot.refs = 1;
  ids_.emplace(slot.str, id);
  memory_ += kIdBytes;
  ++live_;
  ++version_;
  return id;
}

bool SymbolTable::Unref(uint32_t id, uint32_t release_tag) {
  Slot& slot = SlotOf(id);
  if (slot.refs == 0 || --slot.refs != 0) return false;
  slot.release_tag = release_tag;
  return true;
}

void SymbolTable::Free(uint32_t id, uint32_t release_tag) {
  if (id >= next_id_) return;
  Slot& slot = SlotOf(id);
  if (slot.refs != 0 || slot.release_tag != release_tag) return;
  auto it = ids_.find(slot.str);
  if (it == ids_.end() || it->second != id) return;  // freed already
  ids_.erase(it);
  memory_ -= kIdBytes;
  if (slot.block != kNoBlock) {
    Block& blk = blocks_[slot.block];
    if (--blk.live == 0) {
      if (slot.block == cur_) {
        blk.used = 0;  // the current block is reused in place
      } else {
        memory_ -= blk.size;
        blk.data.reset();
        blk.size = blk.used = 0;
        free_blocks_.push_back(slot.block);
      }
    }
  }
  slot = Slot{};
  free_ids_.push_back(id);
  --live_;
  ++version_;
}

int64_t SymbolTable::Find(std::string_view s) const {
  auto it = ids_.find(s);
  return it == ids_.end() ? -1 : static_cast<int64_t>(it->second);
}

}  // namespace promlet::tsdb::index
