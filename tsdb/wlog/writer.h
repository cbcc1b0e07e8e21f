// WAL writer: append-only segment files <dir>/00000001, 00000002, ... of at most
// WalOptions::segment_size bytes, plus at most one checkpoint directory <dir>/checkpoint.NNNNNNNN
// holding the live series (and their samples newer than the head's minimum) of every segment up
// to NNNNNNNN (Checkpoint(), in checkpoint.cc).
//
// Record framing (little-endian): u32 payload length, u32 CRC32C of the payload, payload.
// Payload = type byte + body (see wal_records.h). A batch of Log() is written with one write()
// call; when the write fails (ENOSPC, EFBIG, EIO) the segment is truncated back to where the
// batch began, so the file never holds half a batch followed by later batches, and Log() returns
// Unavailable naming the cause; writes resume when space returns.
//
// Durability: Log() returns once the bytes are in the page cache (survives a process crash).
// With WalOptions::fsync_on_commit every Log() also fdatasync()s (survives power loss, slower).
//
// Invariants:
//  - Segment numbers increase by one; a checkpoint.N makes all segments <= N obsolete.
//  - A Wal opened for writing always starts a fresh segment: replay (reader.h) and repair
//    (repair.h) run before, on a directory nobody writes to.
#ifndef PROMLET_TSDB_WLOG_WRITER_H_
#define PROMLET_TSDB_WLOG_WRITER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tsdb/wal_sink.h"
#include "tsdb/wlog/wal_records.h"

namespace promlet::tsdb {

struct WalOptions {
  uint64_t segment_size = 128ull << 20;
  // fdatasync after every Log(): survives power loss, at the cost of one disk flush per commit.
  bool fsync_on_commit = false;
};

struct WalMetrics {
  std::atomic<uint64_t> records_written{0};
  std::atomic<uint64_t> bytes_written{0};
  std::atomic<uint64_t> write_failures{0};
  std::atomic<uint64_t> segments_created{0};
};

class Wal : public WalSink {
 public:
  // Opens `dir` (created if missing) for appending into a new segment after the last one.
  static absl::StatusOr<std::unique_ptr<Wal>> Open(const std::string& dir, WalOptions opts = {});
  ~Wal() override;

  absl::Status Log(absl::Span<const RefSeries> new_series,
                   absl::Span<const RefSample> samples) override;
  // Histogram records (wal_histogram_records.h) after the series and float records; a series
  // whose samples change type within the batch is written in time order across records.
  absl::Status LogBatch(absl::Span<const RefSeries> new_series,
                        absl::Span<const RefSample> samples,
                        absl::Span<const RefHistogramSample> histograms) override;
  // Start-timestamp records (kStartTimestamps) first, then as LogBatch; one write.
  absl::Status LogBatchWithST(absl::Span<const RefSeries> new_series,
                              absl::Span<const RefSample> samples,
                              absl::Span<const RefHistogramSample> histograms,
                              absl::Span<const RefStartTimestamp> sts) override;
  absl::Status LogTombstones(absl::Span<const WalTombstone> tombstones);

  // Flushes the current segment to stable storage.
  absl::Status Sync();
  // Closes the current segment and starts the next one; returns the closed segment's number.
  absl::StatusOr<int> CutSegment();
  int CurrentSegment() const;
  const std::string& dir() const { return dir_; }
  const WalMetrics& metrics() const { return metrics_; }

  // Rewrites every segment <= `upto` (and the previous checkpoint) into checkpoint.<upto>,
  // keeping series records for which keep(ref) is true, samples of kept series with t >= mint,
  // and tombstones of kept series; then deletes those segments and older checkpoints.
  // `upto` must be < CurrentSegment().
  // Segments a reader still needs (remote write queues tailing this WAL) are not deleted: the
  // keeper returns the lowest segment number some reader still needs (INT_MAX: none). They stay
  // on disk beside the checkpoint (replay ignores segments <= the checkpoint) until a later
  // Checkpoint finds them no longer needed.
  absl::Status Checkpoint(int upto, const std::function<bool(storage::SeriesRef)>& keep, int64_t mint);
  void SetSegmentKeeper(std::function<int()> first_needed);

 private:
  Wal(std::string dir, WalOptions opts) : dir_(std::move(dir)), opts_(opts) {}
  absl::Status OpenSegmentLocked(int n);
  absl::Status WriteLocked(const std::string& buf);
  // Log / LogBatch after `records` framed records already in buf; one write.
  absl::Status LogFloats(std::string buf, uint64_t records, absl::Span<const RefSeries> new_series,
                         absl::Span<const RefSample> samples);
  absl::Status LogMixed(std::string buf, uint64_t records, absl::Span<const RefSeries> new_series,
                        absl::Span<const RefSample> samples,
                        absl::Span<const RefHistogramSample> histograms);

  const std::string dir_;
  const WalOptions opts_;
  mutable std::mutex mu_;
  int fd_ = -1;
  int segment_ = 0;
  uint64_t offset_ = 0;  // bytes of the current segment known good
  std::function<int()> keeper_;  // guarded by mu_
  WalMetrics metrics_;
};

// Segment file name for number n: 8 zero-padded digits.
std::string WalSegmentName(int n);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_WLOG_WRITER_H_
