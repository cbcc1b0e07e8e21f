// WAL reader: replays checkpoint + segments of a WAL directory, in log order, into a
// WalReplayHandler and reports what it found damaged. It never writes, moves or repairs anything
// (remote write may tail a WAL that the server is writing); repair is a separate step
// (repair.h) that DB::Open runs after replay.
//
// What counts as damage:
//  - a torn tail: an incomplete last record of the last segment (header or payload cut short,
//    or zero bytes to the end) with nothing well-framed after it;
//  - corruption: any other bad record (checksum, framing, zero length, undecodable), wherever
//    it is, offset 0 included. Replay keeps the records before it and goes on with the next
//    segment (samples of series whose records were lost are dropped by the head);
//  - a gap in segment numbers: the segments after it are not replayed.
// Records are decoded on a second thread while `handler` applies the previous ones (handler
// calls are sequential, in log order). A missing dir is an empty log.
// Each file is mmap'ed for the length of its scan: a reader tailing a live WAL must not scan the
// segment being written this way (the writer truncates a failed batch, which would fault the
// mapping); that needs a pread-based path, not written yet.
#ifndef PROMLET_TSDB_WLOG_READER_H_
#define PROMLET_TSDB_WLOG_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tsdb/wal_sink.h"
#include "tsdb/wlog/wal_records.h"

namespace promlet::tsdb {

// Where the reader found a bad record; RepairWal acts on it.
struct WalDamage {
  std::string path;
  uint64_t offset = 0;       // first byte of the bad record
  bool torn = false;         // an incomplete last record of the last segment: truncate
  bool in_checkpoint = false;  // checkpoint files are not repaired (the next checkpoint replaces them)
};

// What replay found (and, once RepairWal ran, repaired).
struct WalReplayReport {
  int segments = 0;
  uint64_t records = 0;
  uint64_t series = 0;
  uint64_t samples = 0;
  uint64_t tombstones = 0;
  uint64_t histogram_samples = 0;
  uint64_t start_timestamps = 0;
  bool torn_tail = false;    // an incomplete last record of the last segment was truncated
  bool corruption = false;   // a bad record anywhere else (see damaged_segments)
  int damaged_segments = 0;  // segments (or checkpoint files) holding a bad record
  std::string damaged_file;  // the last segment holding a bad record
  uint64_t damaged_offset = 0;
  uint64_t damaged_bytes = 0;        // bytes lost (from each bad record to its segment's end)
  uint64_t records_lost_estimate = 0;  // framed records found in the moved-aside bytes
  std::vector<std::string> warnings;   // human-readable, one per event
  std::vector<WalDamage> damage;       // in log order
  std::vector<std::string> after_gap;  // segments after a missing one: not replayed
};

class WalReplayHandler {
 public:
  virtual ~WalReplayHandler() = default;
  virtual void OnSeries(absl::Span<const RefSeries> series) = 0;
  virtual void OnSamples(absl::Span<const RefSample> samples) = 0;
  virtual void OnTombstones(absl::Span<const WalTombstone> tombstones) {}
  // Native-histogram samples (integer and float records alike), in log order with the rest.
  virtual void OnHistograms(absl::Span<const RefHistogramSample> histograms) {}
  // Start timestamps of samples that follow in the log (promlet's own record).
  virtual void OnStartTimestamps(absl::Span<const RefStartTimestamp> sts) {}
};

absl::StatusOr<WalReplayReport> ReadWal(const std::string& dir, WalReplayHandler* handler);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_WLOG_READER_H_
