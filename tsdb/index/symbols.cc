#include "tsdb/index/symbols.h"

#include <cstdlib>
#include <cstring>

namespace promlet::tsdb::index {

namespace {
constexpr size_t kBlockSize = 64 << 10;
}

std::string_view SymbolTable::Store(std::string_view s) {
  if (s.empty()) return std::string_view();
  if (s.size() > kBlockSize / 4) {
    // Large string: a block of its own; the current small-string block stays current.
    blocks_.emplace_back(new char[s.size()]);
    std::memcpy(blocks_.back().get(), s.data(), s.size());
    memory_ += s.size();
    return std::string_view(blocks_.back().get(), s.size());
  }
  if (cur_ == nullptr || block_used_ + s.size() > kBlockSize) {
    blocks_.emplace_back(new char[kBlockSize]);
    cur_ = blocks_.back().get();
    block_used_ = 0;
    memory_ += kBlockSize;
  }
  char* dst = cur_ + block_used_;
  std::memcpy(dst, s.data(), s.size());
  block_used_ += s.size();
  return std::string_view(dst, s.size());
}

uint32_t SymbolTable::Intern(std::string_view s) {
  auto it = ids_.find(s);
  if (it != ids_.end()) return it->second;
  uint32_t id = count_;
  uint32_t seg = id >> kSegmentBits;
  if (seg >= kMaxSegments) std::abort();  // 2^30 distinct strings: out of design range
  if (!segments_[seg]) {
    segments_[seg].reset(new std::string_view[1u << kSegmentBits]);
    memory_ += sizeof(std::string_view) << kSegmentBits;
  }
  std::string_view stored = Store(s);
  segments_[seg][id & ((1u << kSegmentBits) - 1)] = stored;
  ids_.emplace(stored, id);
  memory_ += sizeof(std::pair<std::string_view, uint32_t>) + 8;
  ++count_;
  return id;
}

int64_t SymbolTable::Find(std::string_view s) const {
  auto it = ids_.find(s);
  return it == ids_.end() ? -1 : static_cast<int64_t>(it->second);
}

}  // namespace promlet::tsdb::index
