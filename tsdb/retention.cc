#include "tsdb/retention.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

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

bool ParseByteSize(const std::string& s, uint64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || v < 0) return false;
  std::string unit(end);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double mult = 1;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "KB" || unit == "KIB") mult = 1024.0;
  else if (unit == "MB" || unit == "MIB") mult = 1024.0 * 1024;
  else if (unit == "GB" || unit == "GIB") mult = 1024.0 * 1024 * 1024;
  else if (unit == "TB" || unit == "TIB") mult = 1024.0 * 1024 * 1024 * 1024;
  else if (unit == "PB" || unit == "PIB") mult = 1024.0 * 1024 * 1024 * 1024 * 1024;
  else if (unit == "EB" || unit == "EIB") mult = 1024.0 * 1024 * 1024 * 1024 * 1024 * 1024;
  else return false;
  *out = static_cast<uint64_t>(v * mult);
  return true;
}

}  // namespace promlet::tsdb
