#include "tsdb/retention.h"

#include <algorithm>

namespace promlet::tsdb {

std::vector<std::string> BlocksBeyondRetention(std::vector<RetentionBlock> blocks,
                                               int64_t newest_time, uint64_t other_bytes,
                                               const RetentionPolicy& policy) {
  std::sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) {
    return a.meta.max_time > b.meta.max_time;  // newest first
  });
  std::vector<std::string> out;
  uint64_t total = other_bytes;
  bool over_size = false;
  for (const auto& b : blocks) {
    total += b.bytes;
    if (policy.size_bytes > 0 && total > policy.size_bytes) over_size = true;
    bool too_old = policy.time_ms > 0 && newest_time - b.meta.max_time >= policy.time_ms;
    if (over_size || too_old) out.push_back(b.meta.ulid);
  }
  return out;
}

}  // namespace promlet::tsdb
