#include "tsdb/wlog/segments.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/varint.h"
#include "tsdb/wlog/writer.h"

namespace promlet::tsdb {

std::string WalSegmentName(int n) { return absl::StrFormat("%08d", n); }

namespace wlog_internal {
namespace fs = std::filesystem;

absl::Status ErrnoStatus(const std::string& what, int err) {
  if (err == ENOSPC || err == EFBIG || err == EDQUOT) {
    return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(err)));
  }
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(err)));
}

std::optional<int> ParseSegmentNumber(const std::string& name) {
  if (name.size() != 8) return std::nullopt;
  int n;
  if (!absl::SimpleAtoi(name, &n)) return std::nullopt;
  return n;
}

std::vector<int> ListSegments(const std::string& dir) {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    if (auto n = ParseSegmentNumber(e.path().filename().string())) out.push_back(*n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

int LatestCheckpoint(const std::string& dir, bool clean_tmp) {
  int best = -1;
  std::error_code ec;
  std::vector<fs::path> tmps;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(kCheckpointPrefix, 0) != 0) continue;
    std::string rest = name.substr(sizeof(kCheckpointPrefix) - 1);
    if (rest.size() > 4 && rest.substr(rest.size() - 4) == ".tmp") {
      tmps.push_back(e.path());
      continue;
    }
    int n;
    if (absl::SimpleAtoi(rest, &n)) best = std::max(best, n);
  }
  if (clean_tmp) {
    for (const auto& p : tmps) fs::remove_all(p, ec);
  }
  return best;
}

std::string CheckpointName(int n) { return absl::StrFormat("checkpoint.%08d", n); }

void FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

uint64_t CountRecords(std::string_view data, bool skip_first) {
  uint64_t n = 0;
  size_t pos = 0;
  bool first = skip_first;
  while (data.size() - pos >= kHeader) {
    uint32_t len = GetFixed32(data.data() + pos);
    uint32_t crc = GetFixed32(data.data() + pos + 4);
    if (len == 0 || len > data.size() - pos - kHeader) break;
    if (!first && Crc32c(data.data() + pos + kHeader, len) != crc) break;
    n += first ? 1 : 1;
    first = false;
    pos += kHeader + len;
  }
  return n;
}

}  // namespace wlog_internal
}  // namespace promlet::tsdb
