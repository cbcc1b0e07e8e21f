#include "tsdb/block/block_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "tsdb/block/block_format.h"

namespace promlet::tsdb {
namespace {

// First read of a section: its header and, for most series pages and chunk groups, all of its
// compressed bytes, so one pread usually suffices.
constexpr size_t kSectionReadAhead = 16 * 1024;

}  // namespace

BlockFile::~BlockFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status BlockFile::Open(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  struct stat st;
  if (::fstat(fd_, &st) != 0) {
    return absl::DataLossError(absl::StrCat(path, ": cannot stat: ", std::strerror(errno)));
  }
  if (st.st_size == 0) return absl::DataLossError(absl::StrCat(path, ": empty file"));
  size_ = static_cast<uint64_t>(st.st_size);
  return absl::OkStatus();
}

absl::Status BlockFile::ShortRead(uint64_t offset, size_t want, size_t got) const {
  struct stat st;
  std::string now = ::fstat(fd_, &st) == 0 ? absl::StrCat(st.st_size) : "unknown";
  return absl::DataLossError(absl::StrCat(path_, ": short read at offset ", offset, " (", got,
                                          " of ", want, " bytes): file is now ", now,
                                          " bytes, was ", size_, " when the block was opened"));
}

absl::Status BlockFile::ReadAt(uint64_t offset, size_t n, char* dst) const {
  if (offset > size_ || n > size_ - offset) {
    return absl::DataLossError(absl::StrCat(path_, ": read of ", n, " bytes at offset ", offset,
                                            " beyond the file's ", size_, " bytes"));
  }
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, dst + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      return absl::DataLossError(absl::StrCat(path_, ": read at offset ", offset + done, ": ",
                                              std::strerror(errno)));
    }
    if (r == 0) return ShortRead(offset, n, done);
    done += static_cast<size_t>(r);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> BlockFile::ReadSection(uint64_t offset, uint64_t* consumed) const {
  using blockfmt::kSectionHeader;
  if (offset > size_ || size_ - offset < kSectionHeader) {
    return absl::DataLossError(absl::StrCat(path_, ": section at ", offset, " out of bounds"));
  }
  size_t have = std::min<uint64_t>(size_ - offset, kSectionReadAhead);
  auto buf = std::make_unique_for_overwrite<char[]>(have);
  if (auto st = ReadAt(offset, have, buf.get()); !st.ok()) return st;
  const blockfmt::SectionHeader h = blockfmt::ParseSectionHeader(buf.get());
  if (h.compressed_len > size_ - offset - kSectionHeader) {
    return absl::DataLossError(absl::StrCat(path_, ": section at ", offset, ": bad length"));
  }
  const size_t total = kSectionHeader + h.compressed_len;
  if (total > have) {
    auto whole = std::make_unique_for_overwrite<char[]>(total);
    std::memcpy(whole.get(), buf.get(), have);
    if (auto st = ReadAt(offset + have, total - have, whole.get() + have); !st.ok()) return st;
    buf = std::move(whole);
  }
  auto raw = blockfmt::DecompressSection(h, buf.get() + kSectionHeader, offset);
  if (!raw.ok()) return absl::DataLossError(absl::StrCat(path_, ": ", raw.status().message()));
  if (consumed) *consumed = total;
  return raw;
}

}  // namespace promlet::tsdb
