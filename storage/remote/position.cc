#include "storage/remote/position.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tsdb/encoding/crc32c.h"

namespace promlet::remote {
namespace {

constexpr char kMagic[] = "promlet-remote-write-position-v1";

std::string Body(WalPosition p) { return absl::StrCat(kMagic, " ", p.segment, " ", p.offset); }

}  // namespace

absl::StatusOr<std::optional<WalPosition>> PositionFile::Load() const {
  std::ifstream in(path_);
  if (!in) {
    if (errno == ENOENT) return std::optional<WalPosition>();
    return absl::InternalError(absl::StrCat("read ", path_, ": ", std::strerror(errno)));
  }
  std::string magic;
  int64_t segment = -1;
  uint64_t offset = 0, crc = 0;
  in >> magic >> segment >> offset >> crc;
  WalPosition p{static_cast<int>(segment), offset};
  if (!in || magic != kMagic || segment < 0 || segment > INT32_MAX ||
      crc != tsdb::Crc32c(Body(p))) {
    return absl::DataLossError(absl::StrCat("remote write position file ", path_, " is damaged"));
  }
  return std::optional<WalPosition>(p);
}

absl::Status PositionFile::Store(WalPosition p, bool sync) const {
  const std::string body = Body(p);
  const std::string text = absl::StrCat(body, " ", tsdb::Crc32c(body), "\n");
  const std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return absl::UnavailableError(absl::StrCat("create ", tmp, ": ", std::strerror(errno)));
  ssize_t w = ::write(fd, text.data(), text.size());
  int err = errno;
  bool ok = w == static_cast<ssize_t>(text.size());
  if (ok && sync && ::fsync(fd) != 0) {
    ok = false;
    err = errno;
  }
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return absl::UnavailableError(
        absl::StrCat("write ", tmp, ": ", std::strerror(err ? err : ENOSPC)));
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return absl::UnavailableError(absl::StrCat("rename ", tmp, ": ", std::strerror(err)));
  }
  if (sync) {
    std::string dir = std::filesystem::path(path_).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      (void)::fsync(dfd);
      ::close(dfd);
    }
  }
  return absl::OkStatus();
}

}  // namespace promlet::remote
