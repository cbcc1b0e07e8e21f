// WAL tailing for readers that follow a live WAL (remote write's WAL watcher): what the
// directory holds now, and records read from a segment with pread(), from a byte offset, without
// ever mapping, writing, repairing or deleting anything.
//
// Invariants:
//  - ReadSegmentRecords returns only whole, checksummed records, in order, and the offset just
//    past the last one. It stops (without error) at a record that is incomplete or does not
//    checksum yet: in the segment being written that is a batch still arriving (the writer may
//    also truncate a failed batch back; nothing past the returned offset was returned). The
//    caller decides that such a stop is damage only once a later segment exists
//    (WalTailStop::kDamaged vs kEnd).
//  - Offsets are byte offsets into the segment file, so (segment, offset) is a durable read
//    position: the writer never rewrites bytes before the end of an acknowledged batch.
#ifndef PROMLET_TSDB_WLOG_TAIL_H_
#define PROMLET_TSDB_WLOG_TAIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace promlet::tsdb {

// What a WAL directory holds right now.
struct WalListing {
  std::vector<int> segments;  // ascending
  int checkpoint = -1;        // highest complete checkpoint.N, or -1
};
WalListing ListWalDir(const std::string& dir);
// <dir>/<8-digit n> and <dir>/checkpoint.<8-digit n>.
std::string WalSegmentPath(const std::string& dir, int n);
std::string WalCheckpointPath(const std::string& dir, int n);
// The files of checkpoint directory `cpdir`, in order.
std::vector<std::string> WalCheckpointFiles(const std::string& cpdir);

enum class WalTailStop {
  kEnd,      // read up to the end of the file (for now)
  kPartial,  // stopped before bytes that are not (yet) a whole checksummed record
  kLimit,    // stopped at max_bytes
};

struct WalTailRead {
  uint64_t offset = 0;                // just past the last record returned
  std::vector<std::string> payloads;  // type byte + body (wal_records.h)
  std::vector<uint64_t> ends;         // offset just past each payload's record
  WalTailStop stop = WalTailStop::kEnd;
};

// Reads whole records of segment file `path` from byte `offset` on, up to about max_bytes of
// payload. NotFound when the file does not exist (removed by a checkpoint).
absl::StatusOr<WalTailRead> ReadSegmentRecords(const std::string& path, uint64_t offset,
                                               size_t max_bytes);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_WLOG_TAIL_H_
