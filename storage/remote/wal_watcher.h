// WalWatcher: follows promlet's own WAL read-only (tsdb/wlog/tail.h) for one remote write
// queue, from a start position on, handing series records and sample records (with the WAL
// position just past each record) to a sink, in log order. It follows new segments as the
// writer cuts them and never writes to the WAL directory.
//
// Invariants:
//  - Series are known before their samples: at start the latest checkpoint's series and every
//    series record before the start position are read (series only) first.
//  - A sample record is handed over at most once per run, with its end position, in order; the
//    sink may block (backpressure); Stop() unblocks by making Append return false.
//  - Data is skipped only out loud: a segment older than max_retention that a later segment
//    follows (its unsent samples are counted as dropped and logged), a segment removed under the
//    watcher (logged), damage in a finished segment (logged; the watcher moves to the next).
//  - Histogram records (integer and float) go to AppendHistograms like samples to Append, only
//    when read_histograms is set.
//  - A record cut short in the live segment is not damage: the watcher waits for its end.
#ifndef PROMLET_STORAGE_REMOTE_WAL_WATCHER_H_
#define PROMLET_STORAGE_REMOTE_WAL_WATCHER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/types/span.h"
#include "storage/remote/position.h"
#include "tsdb/wlog/wal_records.h"

namespace promlet::remote {

class WalSampleSink {
 public:
  virtual ~WalSampleSink() = default;
  virtual void StoreSeries(absl::Span<const tsdb::RefSeries> series) = 0;
  // Samples of one WAL record ending at `end`. May block; false means "stop".
  virtual bool Append(absl::Span<const tsdb::RefSample> samples, WalPosition end) = 0;
  // Native-histogram samples of one WAL record (only with read_histograms). May block.
  virtual bool AppendHistograms(absl::Span<const tsdb::RefHistogramSample> histograms,
                                WalPosition end) {
    (void)histograms;
    (void)end;
    return true;
  }
  // Samples skipped on purpose (max retention), counted as dropped.
  virtual void Dropped(uint64_t samples) = 0;
};

struct WalWatcherOptions {
  std::string wal_dir;
  // Where to start; nullopt: at the end of the WAL as it is now (a new queue sends new data).
  std::optional<WalPosition> start;
  int64_t max_retention_ms = 4LL * 3600 * 1000;  // 0: keep nothing for a lagging queue
  int64_t poll_interval_ms = 50;
  // Hand histogram records to the sink (remote_write send_native_histograms); otherwise they
  // are skipped unread, as Prometheus' watcher does.
  bool read_histograms = false;
  std::function<int64_t()> now_ms;  // wall clock, ms since the epoch
  std::function<void(std::string_view)> log;
};

class WalWatcher {
 public:
  WalWatcher(WalWatcherOptions options, WalSampleSink* sink);
  ~WalWatcher();  // Stop()s
  void Start();
  void Stop();
  // Position just past the last record handed over (or skipped).
  WalPosition read_position() const;
  // The highest sample timestamp seen in the WAL (ms), or INT64_MIN.
  int64_t highest_timestamp() const { return highest_ts_.load(std::memory_order_relaxed); }

 private:
  void Run();
  // Reads series records (only) of every file before `until`; returns false when stopping.
  bool LoadSeriesBefore(WalPosition until);
  // Reads records of segment `seg` from `*offset`; samples go to the sink unless drop_samples
  // (then they are counted as dropped). Sets *stop_kind to the reader's stop reason.
  bool ReadSegment(int seg, uint64_t* offset, bool series_only, bool drop_samples, int* stop_kind);
  bool Sleep(int64_t ms);
  void Log(std::string_view msg) const;
  int64_t Now() const;

  const WalWatcherOptions options_;
  WalSampleSink* const sink_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  WalPosition pos_;    // guarded by mu_
  std::atomic<int64_t> highest_ts_{INT64_MIN};
};

}  // namespace promlet::remote

#endif  // PROMLET_STORAGE_REMOTE_WAL_WATCHER_H_
