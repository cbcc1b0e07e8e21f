#include "tsdb/wlog/tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/varint.h"
#include "tsdb/wlog/segments.h"
#include "tsdb/wlog/writer.h"

namespace promlet::tsdb {
using namespace wlog_internal;

WalListing ListWalDir(const std::string& dir) {
  WalListing l;
  l.segments = ListSegments(dir);
  l.checkpoint = LatestCheckpoint(dir, /*clean_tmp=*/false);
  return l;
}

std::string WalSegmentPath(const std::string& dir, int n) {
  return absl::StrCat(dir, "/", WalSegmentName(n));
}

std::string WalCheckpointPath(const std::string& dir, int n) {
  return absl::StrCat(dir, "/", CheckpointName(n));
}

std::vector<std::string> WalCheckpointFiles(const std::string& cpdir) {
  std::vector<std::string> out;
  for (int n : ListSegments(cpdir)) out.push_back(WalSegmentPath(cpdir, n));
  return out;
}

absl::StatusOr<WalTailRead> ReadSegmentRecords(const std::string& path, uint64_t offset,
                                               size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("wal segment ", path, " is gone"));
    return ErrnoStatus(absl::StrCat("open ", path), errno);
  }
  WalTailRead out;
  out.offset = offset;
  // Reads exactly n bytes at off; false when the file ends first.
  auto read_at = [&](char* dst, size_t n, uint64_t off, bool* whole) -> absl::Status {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd, dst + got, n - got, static_cast<off_t>(off + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return ErrnoStatus(absl::StrCat("read ", path), errno);
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    *whole = got == n;
    if (got == 0 && n > 0) *whole = false;
    return absl::OkStatus();
  };
  size_t payload_bytes = 0;
  absl::Status st;
  char header[kHeader];
  std::string payload;
  for (;;) {
    if (payload_bytes >= max_bytes) {
      out.stop = WalTailStop::kLimit;
      break;
    }
    bool whole = false;
    if (st = read_at(header, kHeader, out.offset, &whole); !st.ok()) break;
    if (!whole) {
      // Nothing more (kEnd), or a header still being written (kPartial).
      struct stat sb;
      out.stop = ::fstat(fd, &sb) == 0 && static_cast<uint64_t>(sb.st_size) > out.offset
                     ? WalTailStop::kPartial
                     : WalTailStop::kEnd;
      break;
    }
    const uint32_t len = GetFixed32(header);
    const uint32_t crc = GetFixed32(header + 4);
    if (len == 0) {
      out.stop = WalTailStop::kPartial;  // zero padding, or a header not yet written
      break;
    }
    payload.resize(len);
    if (st = read_at(payload.data(), len, out.offset + kHeader, &whole); !st.ok()) break;
    if (!whole || Crc32c(payload.data(), len) != crc) {
      out.stop = WalTailStop::kPartial;
      break;
    }
    out.offset += kHeader + len;
    out.ends.push_back(out.offset);
    payload_bytes += len;
    out.payloads.push_back(std::move(payload));
    payload.clear();
  }
  ::close(fd);
  if (!st.ok()) return st;
  return out;
}

}  // namespace promlet::tsdb
