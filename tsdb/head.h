// Head: the in-memory TSDB. Series (labels -> SeriesRef), their XOR chunks, and the postings
// index; the Storage that scraping and PromQL use, and the source the block writer compacts.
//
// Invariants:
//  - SeriesRefs are assigned monotonically from 1 and never reused within a head's life
//    (ReplaySeries keeps replayed refs and moves the counter above them).
//  - A sample is a float or a native histogram (integer or float); a series may change type,
//    which starts a chunk of the new type (XOR, kHistogram or kFloatHistogram, Prometheus'
//    byte-compatible encodings). AppendHistogram follows Prometheus' head_append.go: Validate()
//    errors, an identical histogram at the same timestamp is accepted silently, anything else
//    there is a duplicate, a float stale NaN on a histogram series is stored as a histogram
//    stale marker, and histogram chunks are cut by size (1 KiB target, >= 10 samples), at the
//    chunk range, or where the chunk appender says (counter reset, schema change).
//  - Samples of a series are strictly increasing in time. An Append older than the series'
//    newest sample fails with ErrOutOfOrderSample(); the same timestamp with a different value
//    (bitwise: stale NaN differs from NaN) fails with ErrDuplicateSample(); the same value is
//    accepted silently (and not stored twice). Older than the last Truncate(mint), or later
//    than MaxValidTime() (wall clock + HeadOptions::max_future_ms, read when the appender is
//    created): ErrOutOfBounds(), counted in out_of_bounds. The upper bound keeps one sample
//    stamped in the year 2999 (or a target whose clock runs a day fast) from dragging the head's
//    max time, and with it compaction, truncation and retention, into the future. Samples that
//    got in before (an old WAL) are kept; DB keeps its maintenance robust to them.
//  - Commit(): validated samples are logged to HeadOptions::wal (if set) before anything becomes
//    visible; a failed Log applies nothing (series created by the batch stay, without samples).
//  - A querier sees exactly the commits completed before NewQuerier() returned: none of a later
//    batch, all of an earlier one. Appenders on different series never share a lock for the
//    sample path (series and ref map are lock-striped); only series creation takes the index lock.
//  - Replay*() and Truncate() are safe concurrently with appends and queries (Head::Replayer is
//    not: it needs the head to itself, as during DB::Open).
//  - The symbol table holds exactly the symbols of live series plus those of series removed by
//    a Truncate() that something begun before it (a querier, a chunk series set, a walk over
//    the series) may still read: those are freed when the last such reader ends, so churning
//    label values do not grow the head's memory without bound.
//  - The Head must outlive its appenders, queriers, series sets and iterators' creation
//    (iterators themselves own their chunk data and may outlive the querier).
#ifndef PROMLET_TSDB_HEAD_H_
#define PROMLET_TSDB_HEAD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/index/postings.h"
#include "tsdb/index/symbols.h"
#include "tsdb/series_table.h"
#include "tsdb/small_mutex.h"
#include "storage/interface.h"
#include "tsdb/wal_sink.h"

namespace promlet::tsdb {

namespace head_internal {
class MemSeries;
}

struct HeadOptions {
  // Receives each committed batch before it becomes visible; nullptr: no durability.
  WalSink* wal = nullptr;
  // Chunks are cut when they hold this many samples...
  int samples_per_chunk = 120;
  // ...or when a sample reaches the next multiple of this (ms), so no chunk straddles a block
  // boundary (blocks are aligned to this range). <= 0 disables.
  int64_t chunk_range_ms = 2 * 3600 * 1000;
  // Lock stripes of the labels -> series map; rounded up to a power of two.
  int stripes = 4096;
  // Appends later than now_ms() + max_future_ms fail with ErrOutOfBounds(); <= 0: no bound.
  // Prometheus bounds the past only (appendableMinValidTime); the future bound is promlet's.
  // It must stay below chunk_range_ms / 2, so that truncating the head after compaction never
  // moves its min valid time past the wall clock (which would refuse every current sample).
  int64_t max_future_ms = kDefaultMaxFutureMs;
  // Wall clock (ms since the epoch) for that bound; null: the system clock.
  std::function<int64_t()> now_ms = nullptr;
  // Prometheus' st-storage feature: keep samples' start timestamps (an ST column per chunk,
  // logged to the WAL). Off: STs given to AppendWithST are dropped.
  bool store_start_timestamps = false;

  static constexpr int64_t kDefaultMaxFutureMs = 10 * 60 * 1000;
};

struct HeadStats {
  uint64_t num_series = 0;
  uint64_t num_chunks = 0;          // closed + open (non-empty)
  uint64_t samples_appended = 0;    // float samples committed + replayed
  uint64_t histogram_samples_appended = 0;  // native-histogram samples committed + replayed
  uint64_t series_created = 0;
  uint64_t series_removed = 0;
  uint64_t out_of_order = 0;        // rejected samples
  uint64_t duplicates = 0;
  uint64_t out_of_bounds = 0;
  uint64_t chunk_bytes = 0;         // heap bytes of chunk data (closed + open)
  uint64_t index_bytes = 0;         // postings + symbols + series records (estimate of layout)
  uint64_t num_symbols = 0;
  int64_t min_time = std::numeric_limits<int64_t>::max();  // max int64 when empty
  int64_t max_time = std::numeric_limits<int64_t>::min();  // min int64 when empty
};

// What /api/v1/status/tsdb shows; each list sorted by count descending, at most top_n long.
struct HeadCardinality {
  struct Entry {
    std::string name;
    uint64_t value;
  };
  uint64_t num_series = 0;
  uint64_t num_label_pairs = 0;
  std::vector<Entry> series_count_by_metric_name;
  std::vector<Entry> label_value_count_by_label_name;
  std::vector<Entry> memory_in_bytes_by_label_name;   // sum of value lengths x series
  std::vector<Entry> series_count_by_label_value_pair;  // name="value"
};

// For the block writer: series in Labels::Compare order with the chunks overlapping a range.
// Chunk data is immutable and shared (ChunkData: encoding, num_samples, min/max time, bytes);
// decode with chunkenc::NewChunkIterator(c->encoding, bytes) or chunkenc::XorIterator.
class HeadChunkSeriesSet {
 public:
  virtual ~HeadChunkSeriesSet() = default;
  virtual bool Next() = 0;
  virtual storage::SeriesRef ref() const = 0;
  virtual const model::Labels& labels() const = 0;
  // Chunks in time order, each overlapping [mint, maxt] of the request.
  virtual const std::vector<std::shared_ptr<const chunkenc::ChunkData>>& chunks() const = 0;
};

class Head : public storage::Storage {
 public:
  explicit Head(HeadOptions opts = {});
  ~Head() override;
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // Storage.
  std::unique_ptr<storage::Appender> NewAppender() override;
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override;

  // Drops chunks whose samples are all older than mint, and series left without samples that
  // no appender holds; later appends older than mint fail with ErrOutOfBounds(). Appends are
  // not stalled (each series is locked only briefly). Returns the removed series' refs.
  struct TruncateResult {
    std::vector<storage::SeriesRef> removed_series;
    uint64_t removed_chunks = 0;
  };
  TruncateResult Truncate(int64_t mint);

  // Every live series (for WAL checkpoints), in ref order. `fn` runs without head locks held.
  void ForEachSeries(const std::function<void(storage::SeriesRef, const model::Labels&)>& fn) const;
  std::vector<RefSeries> LiveSeries() const;
  bool IsLive(storage::SeriesRef ref) const;

  // WAL replay, bypassing the WalSink and transaction visibility. ReplaySeries keeps `ref`
  // (new refs are assigned above the largest replayed one); if the labels already exist under
  // another ref, `ref` becomes an alias of that series. AlreadyExists if `ref` is taken by other
  // labels. ReplaySamples appends in order and silently drops (and counts) out-of-order,
  // duplicate and unknown-ref samples. Both may run from several threads at once; for speed,
  // give each thread a disjoint set of series (e.g. alternate runs of 64 refs, which match the
  // ref table's lock blocks).
  absl::Status ReplaySeries(storage::SeriesRef ref, const model::Labels& labels);
  void ReplaySamples(absl::Span<const RefSample> samples);
  // As ReplaySamples for native-histogram samples.
  void ReplayHistograms(absl::Span<const RefHistogramSample> samples);
  uint64_t replay_unknown_refs() const { return replay_unknown_.load(); }
  // The faster, sharded replay DB::Open uses (defined below).
  class Replayer;

  // Per-series chunks overlapping [mint, maxt], sorted by labels. Closed chunks only unless
  // include_open (then a copy of the open chunk is included too). A snapshot of which series
  // exist is taken now; chunks are read per series at Next().
  std::unique_ptr<HeadChunkSeriesSet> ChunkSeries(int64_t mint, int64_t maxt,
                                                  bool include_open = false);

  HeadStats Stats() const;  // O(series): walks every series for chunk figures
  HeadCardinality Cardinality(size_t top_n = 10) const;
  int64_t MinTime() const { return min_time_.load(std::memory_order_relaxed); }
  int64_t MaxTime() const { return max_time_.load(std::memory_order_relaxed); }
  // The latest timestamp an appender created now accepts (max int64 without a bound).
  int64_t MaxValidTime() const;
  uint64_t NumSeries() const { return num_series_.load(std::memory_order_relaxed); }

  const HeadOptions& options() const { return opts_; }

 private:
  friend class HeadAppender;
  friend class HeadQuerier;
  friend class HeadSeriesSet;
  friend class HeadChunkSeriesSetImpl;
  using SeriesPtr = std::shared_ptr<head_internal::MemSeries>;

  struct alignas(64) HashStripe {
    SmallMutex mu;
    absl::flat_hash_map<uint64_t, absl::InlinedVector<SeriesPtr, 1>> series;
  };

  SeriesPtr GetByRef(storage::SeriesRef ref) const;
  // ReplaySeries, returning the series `ref` now resolves to (the alias target for an alias).
  absl::StatusOr<SeriesPtr> ReplaySeriesResolved(storage::SeriesRef ref, const model::Labels& labels);
  // Finds or creates the live series with these labels; `created` tells which. `want_ref`
  // (replay) forces the ref of a new series.
  absl::StatusOr<SeriesPtr> GetOrCreate(const model::Labels& labels, bool* created,
                                        storage::SeriesRef want_ref = 0);
  SeriesPtr FindByLabels(const model::Labels& labels, uint64_t hash) const;
  bool LabelsEqual(const head_internal::MemSeries& s, const model::Labels& labels) const;
  model::Labels LabelsOf(const head_internal::MemSeries& s) const;
  int CompareSeries(const head_internal::MemSeries& a, const head_internal::MemSeries& b) const;
  void SortByLabels(std::vector<SeriesPtr>& v) const;
  // Rank of every symbol in string order (cached; rebuilt when symbols were added), so large
  // result sets sort on integers instead of string compares.
  std::shared_ptr<const std::vector<uint32_t>> SymbolRanks() const;
  std::vector<SeriesPtr> AllSeries() const;

  // Symbols released by one Truncate(), freed when the last reader that may still hold a series
  // removed by it is gone. Readers pin the current epoch before they look up series; each epoch
  // keeps the next one alive, so an old reader also holds back every later release.
  struct SymbolEpoch {
    SymbolEpoch(Head* h, uint32_t s) : head(h), serial(s) {}
    ~SymbolEpoch();
    Head* head;
    const uint32_t serial;           // the release tag of its symbols
    std::vector<uint32_t> released;  // symbols whose count reached 0
    std::shared_ptr<SymbolEpoch> next;
  };
  using SymbolPin = std::shared_ptr<SymbolEpoch>;
  SymbolPin PinSymbols() const;

  // Commit path: applies validated samples, grouped by series (each series in one run), and
  // releases the appender's pending hold on each of those series.
  struct Pending {
    head_internal::MemSeries* series;
    int64_t t;
    double v;
    const RefHistogramSample* hist;  // non-null: a histogram sample (v unused)
    int64_t st = 0;                  // start timestamp (0: none)
  };
  void Apply(absl::Span<const Pending> samples);
  uint64_t RegisterReader();
  void UnregisterReader(uint64_t id);
  void NoteTimes(int64_t mint, int64_t maxt);

  const HeadOptions opts_;
  const size_t stripe_mask_;
  SeriesTable<SeriesPtr> refs_;
  std::unique_ptr<HashStripe[]> hash_stripes_;
  std::atomic<storage::SeriesRef> next_ref_{1};

  // Symbols + postings; writers: series creation and truncation.
  mutable std::shared_mutex index_mu_;
  index::SymbolTable symbols_;
  index::MemPostings postings_;

  mutable std::mutex ranks_mu_;
  mutable std::shared_ptr<const std::vector<uint32_t>> ranks_;
  mutable uint64_t ranks_version_ = 0;  // symbols_.version() ranks_ was built for

  // Declared after symbols_ and index_mu_: the last epoch frees symbols as it goes.
  mutable std::mutex epoch_mu_;
  std::shared_ptr<SymbolEpoch> epoch_;
  std::mutex truncate_mu_;  // one Truncate at a time: it retires the current epoch

  // Refs that alias another series' ref (replayed duplicates).
  mutable std::mutex alias_mu_;
  absl::flat_hash_map<storage::SeriesRef, storage::SeriesRef> aliases_;
  std::atomic<bool> has_aliases_{false};

  // Isolation: commits apply while counted in inflight_commits_; NewQuerier closes the gate,
  // waits for in-flight commits to drain and reads commit_counter_, so no commit is
  // half-applied at that point (Dekker-style handshake on seq_cst atomics).
  void EnterCommit();
  void ExitCommit();
  std::mutex snapshot_mu_;  // serialises gate closers
  std::atomic<bool> gate_closed_{false};
  std::atomic<uint32_t> inflight_commits_{0};
  std::atomic<uint64_t> commit_counter_{0};
  std::mutex readers_mu_;
  std::multiset<uint64_t> open_readers_;
  std::atomic<uint64_t> min_open_reader_{std::numeric_limits<uint64_t>::max()};

  std::atomic<int64_t> min_valid_time_{std::numeric_limits<int64_t>::min()};
  std::atomic<int64_t> min_time_{std::numeric_limits<int64_t>::max()};
  std::atomic<int64_t> max_time_{std::numeric_limits<int64_t>::min()};

  std::atomic<uint64_t> num_series_{0};
  std::atomic<uint64_t> samples_appended_{0};
  std::atomic<uint64_t> histogram_samples_appended_{0};
  std::atomic<uint64_t> series_created_{0};
  std::atomic<uint64_t> series_removed_{0};
  std::atomic<uint64_t> out_of_order_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> out_of_bounds_{0};
  std::atomic<uint64_t> replay_unknown_{0};
};

// WAL replay into a head that nothing else reads or writes meanwhile (DB::Open), split into
// `shards` parts that apply concurrently, with exactly the result of replaying the log
// sequentially through ReplaySeries/ReplaySamples (same series, refs, aliases, samples, and
// out-of-order / duplicate / unknown-ref counts).
//
// Threads: AddSeries and Route run on one thread, in log order (that is what makes the result
// exact: a sample sees precisely the series defined before it in the log, and an alias's samples
// go to its target's shard, behind the target's own earlier samples). Apply(k, ...) runs on
// shard k's thread; different shards run concurrently, batches of one shard in Route order.
// Route's output must be handed to the shard threads with a happens-before edge (a mutex-guarded
// queue). Apply takes no lock per sample: each series belongs to exactly one shard, and the
// exclusive-use precondition means no querier, appender or Truncate touches the series.
//
// Series handles are resolved once per ref (a dense two-level array, no hashing or table lock per
// sample), and Apply prefetches series and chunk tails ahead of use, since with many series
// nearly every sample touches a series that is not in cache.
class Head::Replayer {
  struct Entry {
    head_internal::MemSeries* series = nullptr;
    uint32_t shard = 0;
  };

 public:
  // A sample bound to the series it is appended to.
  struct Sample {
    head_internal::MemSeries* series;
    int64_t t;
    double v;
  };

  // Samples older than min_valid are skipped (not counted), as blocks hold them already.
  Replayer(Head* head, int shards, int64_t min_valid = std::numeric_limits<int64_t>::min());
  ~Replayer();  // Finish()es
  Replayer(const Replayer&) = delete;
  Replayer& operator=(const Replayer&) = delete;

  int shards() const { return shards_; }

  // As Head::ReplaySeries, and remembers what `ref` resolves to for Route.
  absl::Status AddSeries(storage::SeriesRef ref, const model::Labels& labels);
  // Appends each sample to out[shard of its series] (`out` holds shards() vectors), in order.
  // Samples of refs no AddSeries defined so far are dropped and counted as unknown refs.
  void Route(absl::Span<const RefSample> samples, std::vector<Sample>* out);
  // Appends shard `shard`'s routed samples in order; out-of-order and duplicate samples are
  // dropped and counted.
  void Apply(int shard, absl::Span<const Sample> samples);
  // Appends native-histogram samples in order on the calling thread, resolving refs as Route
  // does. Call it only while no Apply runs (the caller drains the shards first), so that each
  // series sees its samples in log order.
  void ApplyHistograms(absl::Span<const RefHistogramSample> samples);
  // Start timestamps of samples still to come (the WAL logs them before their batch's
  // samples); each is used by its sample (ref, t) and then forgotten.
  void NoteStartTimestamps(absl::Span<const RefStartTimestamp> sts);
  bool HasPendingStartTimestamps() const { return !pending_st_.empty(); }
  // Apply for a batch while start timestamps are pending: in order on the calling thread,
  // giving each sample its ST. Call it only while no Apply runs, as ApplyHistograms.
  void ApplyWithStartTimestamps(absl::Span<const RefSample> samples);
  // Publishes the counters and time range into the head. Call after every Apply returned.
  void Finish();

 private:
  // The entry `ref` resolves to (through the head's table for a head that had series).
  const Entry* Resolve(storage::SeriesRef ref);
  // The pending ST of sample (ref, t), forgotten once taken; 0 if none.
  int64_t TakeStartTimestamp(storage::SeriesRef ref, int64_t t);

  static constexpr unsigned kSegBits = 16;
  Entry* Find(storage::SeriesRef ref) const;
  void Set(storage::SeriesRef ref, const SeriesPtr& s);

  struct alignas(64) ShardStats {
    uint64_t applied = 0, out_of_order = 0, duplicates = 0;
    int64_t mint = std::numeric_limits<int64_t>::max();
    int64_t maxt = std::numeric_limits<int64_t>::min();
  };
  // For the in-order paths (ApplyHistograms, ApplyWithStartTimestamps): the series sample
  // (ref, t) goes to, its ST taken into *start; nullptr when it is skipped (older than
  // min_valid_) or its ref is unknown (counted).
  head_internal::MemSeries* TargetOf(storage::SeriesRef ref, int64_t t, int64_t* start);
  // Counts the outcome of appending a sample at t to s: applied, duplicate or out of order.
  static void CountAppend(bool appended, const head_internal::MemSeries& s, int64_t t,
                          ShardStats& st);

  Head* const head_;
  const int shards_;
  const int64_t min_valid_;
  const bool head_had_series_;  // refs may resolve through the head's own table too
  std::vector<std::unique_ptr<Entry[]>> segs_;  // ref >> kSegBits -> 2^kSegBits entries
  std::vector<SeriesPtr> keep_;                 // keeps every resolved series alive
  std::unique_ptr<ShardStats[]> stats_;
  ShardStats histogram_stats_;  // ApplyHistograms' (applied counts histogram samples)
  uint64_t unknown_ = 0;
  bool finished_ = false;
  absl::flat_hash_map<std::pair<storage::SeriesRef, int64_t>, int64_t> pending_st_;
};

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_HEAD_H_
