// A remote write queue's durable read position in promlet's WAL: the (segment, byte offset)
// just past the last WAL record whose samples the receiver acknowledged (or that were dropped on
// purpose), kept in one small file per queue under <data dir>/remote/<queue>/.
//
// Invariants: the file is replaced atomically (written beside, then renamed), so a crash or a
// full disk leaves the previous position, never a torn one; a file that does not checksum is
// an error (the caller starts over from the WAL's end, and says so), never a wrong position.
#ifndef PROMLET_STORAGE_REMOTE_POSITION_H_
#define PROMLET_STORAGE_REMOTE_POSITION_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace promlet::remote {

struct WalPosition {
  int segment = 0;
  uint64_t offset = 0;
  friend auto operator<=>(const WalPosition&, const WalPosition&) = default;
};

class PositionFile {
 public:
  explicit PositionFile(std::string path) : path_(std::move(path)) {}
  // nullopt when there is no file yet.
  absl::StatusOr<std::optional<WalPosition>> Load() const;
  // Replaces the file; with sync, fsyncs the file and its directory (power-loss safe).
  absl::Status Store(WalPosition p, bool sync) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace promlet::remote

#endif  // PROMLET_STORAGE_REMOTE_POSITION_H_
