// DB: the durable Storage the binary wires: Head + write-ahead log + immutable blocks, with
// background compaction, retention, tombstones and snapshots.
//
//   <dir>/wal/                 WAL segments + checkpoint (tsdb/wlog/wal.h)
//   <dir>/<ULID>/              blocks (tsdb/block/block_format.h)
//   <dir>/<ULID>.tmp-for-creation   half-written blocks: removed at Open
//
// Open(): removes half-written blocks and blocks superseded by a compacted child, opens every
// block (a damaged one is reported in open_report() and skipped; the rest is served), replays
// the WAL into the head (a reader thread decodes records, one thread creates series and routes
// samples in log order, one apply thread per core appends them; torn tails truncated, corruption
// moved aside and reported), then opens the WAL for appending.
//
// The data directory is locked while a DB is open: Open() takes an exclusive flock on
// <dir>/lock (holding the owner's pid) and fails naming that pid when another process (or
// another DB in this one) holds it; DBOptions::no_lockfile opts out, as Prometheus'
// --storage.tsdb.no-lockfile.
//
// Timestamps far in the future: the head refuses appends later than now + head.max_future_ms,
// but blocks (backfill, an older promlet) and the WAL of an older version may hold such data.
// Everything that steers maintenance by data time ignores times beyond that bound ("future
// data"): head truncation at Open, the head's span that decides when to cut a block, compaction
// planning, and the retention reference (Prometheus': the newest block's max time). So a block
// ending in the year 2999 is kept and served, but cannot make retention delete every other
// block nor move the head's min valid time past the wall clock; each such block is logged once.
//
// Invariants:
//  - Commit() of an appender returns OK only after the batch's WAL record is written (page
//    cache; fdatasync too with wal.fsync_on_commit). A failed write (disk full) fails the
//    commit with Unavailable naming the cause, is counted in metrics().append_failures (and the
//    WAL's write_failures), leaves nothing half-applied, and later commits succeed once space
//    is back. The first failure after a success is logged (the WAL segment's path, the bytes
//    it needed, the cause), and so is the first success after failures; nothing in between.
//  - Queriers merge head and blocks; samples present in several (overlap) appear once.
//  - Compaction never blocks appends; queries keep the blocks they started with alive.
//  - A block found damaged by a read after open (e.g. its files truncated under the server) is
//    logged, counted in metrics().blocks_damaged, listed by DamagedBlocks() and no longer
//    queried or compacted; the rest keeps serving.
//  - The DB must outlive its appenders and queriers.
#ifndef PROMLET_TSDB_DB_H_
#define PROMLET_TSDB_DB_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "tsdb/block/block.h"
#include "tsdb/block/block_writer.h"
#include "tsdb/head.h"
#include "tsdb/retention.h"
#include "storage/interface.h"
#include "tsdb/tombstones.h"
#include "tsdb/wlog/wal.h"

namespace promlet::tsdb {

struct DBOptions {
  int64_t block_range_ms = 2 * 3600 * 1000;  // head blocks (level 1)
  // Largest compacted block; 0: 10% of retention time, at most 31 days.
  int64_t max_block_range_ms = 0;
  RetentionPolicy retention{15LL * 24 * 3600 * 1000, 0};
  bool wal_enabled = true;
  WalOptions wal;
  int zstd_level = 9;
  // Bytes of decompressed block sections (series pages, chunk groups) kept between queries,
  // shared by all blocks (section_cache.h); at least Block::kPrivateCacheBytes (a query reads
  // each series page and chunk group through it, and would decompress one for every series).
  size_t block_cache_bytes = 32 << 20;
  // Background compaction/retention loop; tests call Compact() themselves.
  bool background_compaction = true;
  int64_t compaction_interval_ms = 60 * 1000;
  // Injectable wall clock (ms since epoch): ULIDs of new blocks and the background loop's pace.
  std::function<int64_t()> now_ms;
  // Where warnings go (open-time repairs, compaction failures); default: stderr.
  std::function<void(const std::string&)> log;
  // Called by the background loop after a round that wrote or merged blocks (on its thread):
  // the server hands the memory that work freed back to the OS.
  std::function<void()> after_compaction;
  HeadOptions head;  // head.wal is set by DB; head.now_ms defaults to now_ms
  // Do not take <dir>/lock (Prometheus: --storage.tsdb.no-lockfile).
  bool no_lockfile = false;
};

struct DBOpenReport {
  WalReplayReport wal;
  std::vector<std::string> skipped_blocks;  // "<dir>: <reason>"
  std::vector<std::string> removed_tmp;     // half-written blocks removed
  std::vector<std::string> removed_parents; // blocks superseded by a compacted block
  double replay_seconds = 0;
};

struct DBMetrics {
  std::atomic<uint64_t> append_failures{0};  // commits that failed (WAL write errors etc.)
  std::atomic<uint64_t> compactions{0};
  std::atomic<uint64_t> compaction_failures{0};
  std::atomic<uint64_t> head_truncations{0};
  std::atomic<uint64_t> blocks_deleted_by_retention{0};
  std::atomic<uint64_t> checkpoints{0};
  std::atomic<uint64_t> blocks_damaged{0};  // found damaged by a read after open
};

class DB : public storage::Storage {
 public:
  static absl::StatusOr<std::unique_ptr<DB>> Open(const std::string& dir, DBOptions opts = {});
  ~DB() override;  // stops the background loop, syncs the WAL

  std::unique_ptr<storage::Appender> NewAppender() override;
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override;
  // The blocks' and the head's first times.
  std::vector<int64_t> ChunkBoundaries(int64_t mint, int64_t maxt) override;

  // One round of maintenance: cut the head's oldest block_range while the head spans more than
  // 1.5 x block_range (then truncate head and checkpoint the WAL), merge blocks as planned,
  // apply retention. The background loop calls this; tests call it with simulated time.
  absl::Status Compact();

  // Marks samples of matching series in [mint, maxt] deleted (head and blocks).
  absl::Status Delete(absl::Span<const model::Matcher> matchers, int64_t mint, int64_t maxt);
  // Rewrites blocks that have tombstones without the deleted data.
  absl::Status CleanTombstones();
  // A consistent copy in `dir`: blocks hard-linked, plus (with_head) the head written as
  // blocks. `dir` must not exist or be empty.
  absl::Status Snapshot(const std::string& dir, bool with_head);

  std::vector<BlockMeta> Blocks() const;
  // Blocks not served: refused at open, or found damaged since ("<dir>: <reason>").
  std::vector<std::string> DamagedBlocks() const;
  Head* head() { return head_.get(); }
  const Wal* wal() const { return wal_.get(); }
  // See Wal::SetSegmentKeeper: WAL segments remote write still needs survive checkpoints.
  void SetWalSegmentKeeper(std::function<int()> first_needed) {
    if (wal_) wal_->SetSegmentKeeper(std::move(first_needed));
  }
  const std::string& dir() const { return dir_; }
  const DBOpenReport& open_report() const { return open_report_; }
  const DBMetrics& metrics() const { return metrics_; }
  const SectionCache& block_cache() const { return *block_cache_; }
  // Bytes under the data dir (blocks, WAL, checkpoints), as the size retention counts them.
  uint64_t DiskBytes() const;

 private:
  DB(std::string dir, DBOptions opts);
  absl::Status OpenBlocks();
  absl::Status ReplayWal();
  absl::Status CompactHead();
  absl::Status CompactBlocksOnce(bool* did);
  absl::Status ApplyRetention();
  void BackgroundLoop();
  int64_t Now() const;
  void Log(const std::string& msg) const;
  absl::Status LockDir();
  // Latest data time maintenance trusts: now + head.max_future_ms (max int64 without a bound).
  int64_t FutureLimit() const;
  // True for a block ending beyond FutureLimit(); logs each such block once.
  bool IsFutureBlock(const BlockMeta& m);
  // Logs the WAL failing or recovering, once per change of state (Commit()).
  void NoteCommitResult(const absl::Status& st);
  Intervals HeadDeleted(storage::SeriesRef ref) const;
  // Opens a block of this DB, reading through its block cache.
  absl::StatusOr<std::shared_ptr<Block>> OpenBlock(const std::string& path,
                                                   bool verify_chunks) const;
  void AddBlock(std::shared_ptr<Block> b);
  // Routes the block's damage report to OnBlockDamaged.
  void WatchBlock(Block* b);
  void OnBlockDamaged(const Block& b, const absl::Status& st);
  void RemoveBlocks(const std::vector<std::string>& ulids);
  BlockWriterOptions WriterOptions() const;

  friend class DBAppender;
  friend class DBHeadQuerier;

  // Forwards the head's batches to the WAL once it is open.
  struct WalForwarder : WalSink {
    absl::Status Log(absl::Span<const RefSeries> s, absl::Span<const RefSample> x) override {
      if (target == nullptr) return absl::FailedPreconditionError("wal not open");
      return target->Log(s, x);
    }
    absl::Status LogBatch(absl::Span<const RefSeries> s, absl::Span<const RefSample> x,
                          absl::Span<const RefHistogramSample> h) override {
      if (target == nullptr) return absl::FailedPreconditionError("wal not open");
      return target->LogBatch(s, x, h);
    }
    absl::Status LogBatchWithST(absl::Span<const RefSeries> s, absl::Span<const RefSample> x,
                                absl::Span<const RefHistogramSample> h,
                                absl::Span<const RefStartTimestamp> sts) override {
      if (target == nullptr) return absl::FailedPreconditionError("wal not open");
      return target->LogBatchWithST(s, x, h, sts);
    }
    Wal* target = nullptr;
  };

  const std::string dir_;
  DBOptions opts_;
  WalForwarder sink_;
  std::unique_ptr<Wal> wal_;
  std::unique_ptr<Head> head_;

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Block>> blocks_;  // guarded by mu_; sorted by min_time
  std::shared_ptr<SectionCache> block_cache_;
  std::vector<std::string> damaged_blocks_;  // guarded by mu_; found damaged after open

  // Head tombstones, by ref (compaction, WAL) and by labels (queries).
  mutable std::mutex tomb_mu_;
  absl::flat_hash_map<storage::SeriesRef, Intervals> head_tombs_;  // guarded by tomb_mu_
  absl::flat_hash_map<model::Labels, Intervals> head_tombs_by_labels_;  // guarded by tomb_mu_
  std::atomic<bool> has_head_tombs_{false};

  std::mutex compact_mu_;
  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool stop_ = false;
  std::thread bg_;
  DBOpenReport open_report_;
  DBMetrics metrics_;
  int lock_fd_ = -1;
  std::atomic<bool> wal_failing_{false};
  std::mutex future_mu_;
  std::set<std::string> future_blocks_logged_;  // guarded by future_mu_
};

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_DB_H_
