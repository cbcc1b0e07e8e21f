// MemSeries: one series in the head: its interned labels, closed chunks and the open chunk
// being appended to. Internal to the head (head*.cc); not a public interface.
//
// Invariants (all guarded by mu): chunks are in time order and do not overlap; only the open
// chunk changes, and only at its end; `seq` counts every sample ever appended, so the samples
// still held are the seq range [FirstSeq(), seq). `marks` records, for commits applied while
// some querier was open, where that commit's samples start, so an older querier can hide them:
// the samples of commit c are at seq >= marks[i].seq_before for the first mark with id > C.
#ifndef PROMLET_TSDB_HEAD_SERIES_H_
#define PROMLET_TSDB_HEAD_SERIES_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/xor.h"
#include "tsdb/small_mutex.h"
#include "storage/interface.h"

namespace promlet::tsdb::head_internal {

struct TxnMark {
  uint64_t commit_id;
  uint64_t seq_before;
  int64_t maxt_before;
};

struct Visible {
  uint64_t seq;  // samples with seq < this are visible
  int64_t max_time;
};

class MemSeries {
 public:
  MemSeries(storage::SeriesRef r, uint64_t h, std::unique_ptr<uint32_t[]> s, uint32_t n)
      : ref(r), hash(h), syms(std::move(s)), num_labels(n) {}

  const storage::SeriesRef ref;
  const uint64_t hash;
  // Interned (name, value) symbol ids, interleaved, sorted by name. Immutable.
  const std::unique_ptr<uint32_t[]> syms;
  const uint32_t num_labels;

  mutable SmallMutex mu;  // guards everything below
  std::vector<std::shared_ptr<const chunkenc::ChunkData>> closed;
  chunkenc::XorEncoder open;
  int64_t next_cut = std::numeric_limits<int64_t>::min();
  uint64_t seq = 0;
  uint32_t pending = 0;  // appenders holding this series in a batch
  // Batch tag: the appender (id) that holds this series at entries_[batch_index], so that it
  // finds its own entry without a per-batch map. Meaningful only while that appender holds the
  // series (pending > 0); a stale tag is taken over by the next appender that finds pending == 0.
  uint32_t batch_owner = 0;
  uint32_t batch_index = 0;
  bool deleted = false;
  std::unique_ptr<std::vector<TxnMark>> marks;

  bool HasSamples() const { return !open.empty() || !closed.empty(); }
  int64_t MinTime() const {
    return closed.empty() ? open.min_time() : closed.front()->min_time;
  }
  int64_t MaxTime() const {
    return open.empty() ? closed.back()->max_time : open.last_time();
  }
  uint64_t HeldSamples() const {
    uint64_t n = open.num_samples();
    for (const auto& c : closed) n += c->num_samples;
    return n;
  }
  uint64_t FirstSeq() const { return seq - HeldSamples(); }

  // Appends in order; false if t is not after the newest sample. Cuts the open chunk when it
  // holds `max_per_chunk` samples or t reaches the next multiple of `chunk_range`.
  bool Append(int64_t t, double v, int max_per_chunk, int64_t chunk_range);

  // What a querier that saw commits <= reader_id may see.
  Visible VisibleFor(uint64_t reader_id) const;
  // Records that commit `id` is about to append here, for queriers older than it; drops marks
  // no open querier needs (`min_reader`: smallest open querier id, UINT64_MAX if none).
  void NoteCommit(uint64_t id, uint64_t min_reader);

  size_t ChunkMemoryBytes() const;
};

}  // namespace promlet::tsdb::head_internal

#endif  // PROMLET_TSDB_HEAD_SERIES_H_
