// BlockFile: one immutable file of a block (index or chunks), read with pread() through a file
// descriptor kept open for the block's lifetime. Nothing is memory-mapped: a file truncated
// under the running server (disk error, operator mistake) makes reads fail with DataLoss naming
// the file, the offset and the sizes, where touching mmap'ed pages beyond the new end of file
// would kill the process with SIGBUS. A deleted file stays readable until the block closes.
//
// Invariants:
//  - size() is the file's size at Open(); every read is bounds-checked against it before the
//    syscall, so the cost per read is that check plus one pread (no fstat).
//  - A read that returns fewer bytes than asked means the file shrank: the error says so.
//  - Thread-safe (pread has no shared file position).
#ifndef PROMLET_TSDB_BLOCK_BLOCK_FILE_H_
#define PROMLET_TSDB_BLOCK_BLOCK_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace promlet::tsdb {

class BlockFile {
 public:
  BlockFile() = default;
  BlockFile(const BlockFile&) = delete;
  BlockFile& operator=(const BlockFile&) = delete;
  ~BlockFile();

  // Opens `path`; an empty file is DataLoss, a missing one NotFound.
  absl::Status Open(const std::string& path);
  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }

  // Reads exactly n bytes at offset into dst.
  absl::Status ReadAt(uint64_t offset, size_t n, char* dst) const;
  // Reads, verifies and decompresses the section at offset (block_format.h); *consumed = bytes
  // the section spans in the file.
  absl::StatusOr<std::string> ReadSection(uint64_t offset, uint64_t* consumed = nullptr) const;

 private:
  absl::Status ShortRead(uint64_t offset, size_t want, size_t got) const;

  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_BLOCK_BLOCK_FILE_H_
