// WAL internals shared by the writer, the reader, checkpoints and repair: record framing
// constants, segment and checkpoint names and listings, a read-only view of a file. Not for use
// outside tsdb/wlog.
//
// Invariants: segment files are named by 8 zero-padded digits; a checkpoint is a directory
// checkpoint.NNNNNNNN (a .tmp suffix marks one not finished); nothing here writes to a WAL
// except LatestCheckpoint(dir, clean_tmp=true) and FsyncDir.
#ifndef PROMLET_TSDB_WLOG_SEGMENTS_H_
#define PROMLET_TSDB_WLOG_SEGMENTS_H_

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace promlet::tsdb::wlog_internal {

inline constexpr size_t kHeader = 8;
inline constexpr size_t kMaxSamplesPerRecord = 1 << 16;
inline constexpr char kCheckpointPrefix[] = "checkpoint.";

// Unavailable for a full disk (ENOSPC, EFBIG, EDQUOT), Internal otherwise.
absl::Status ErrnoStatus(const std::string& what, int err);
std::optional<int> ParseSegmentNumber(const std::string& name);
// Numbered segment files in `dir`, ascending.
std::vector<int> ListSegments(const std::string& dir);
// Highest complete checkpoint number, or -1; with clean_tmp removes leftover *.tmp checkpoints.
int LatestCheckpoint(const std::string& dir, bool clean_tmp);
std::string CheckpointName(int n);
void FsyncDir(const std::string& dir);
// Counts well-framed records in `data` (for the "records lost" estimate).
uint64_t CountRecords(std::string_view data, bool skip_first);

// A read-only view of a whole file (mmap; empty files map to an empty view).
class MappedFile {
 public:
  static absl::StatusOr<std::unique_ptr<MappedFile>> Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(absl::StrCat("open ", path), errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return ErrnoStatus(absl::StrCat("stat ", path), e);
    }
    auto f = std::unique_ptr<MappedFile>(new MappedFile());
    f->size_ = static_cast<size_t>(st.st_size);
    if (f->size_ > 0) {
      void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        int e = errno;
        ::close(fd);
        return ErrnoStatus(absl::StrCat("mmap ", path), e);
      }
      ::madvise(p, f->size_, MADV_SEQUENTIAL);
      f->data_ = static_cast<const char*>(p);
    }
    ::close(fd);
    return f;
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view view() const { return {data_, size_}; }

 private:
  MappedFile() = default;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace promlet::tsdb::wlog_internal

#endif  // PROMLET_TSDB_WLOG_SEGMENTS_H_
