// MemSeries: one series in the head: its interned labels, closed chunks and the open chunk
// being appended to. Internal to the head (head*.cc); not a public interface.
//
// Invariants (all guarded by mu): chunks are in time order and do not overlap; only the open
// chunk changes, and only at its end (a histogram chunk may also be recoded: rewritten whole
// with the same samples widened by empty buckets). The open chunk is either the XOR encoder
// `open` (floats) or `hist` (native histograms), never both: a sample of another type closes it
// and opens one of its own type. Closed chunks of any encoding live in `closed`. `seq` counts every sample ever appended, so the samples
// still held are the seq range [FirstSeq(), seq). `marks` records, for commits applied while
// some querier was open, where that commit's samples start, so an older querier can hide them:
// the samples of commit c are at seq >= marks[i].seq_before for the first mark with id > C.
#ifndef PROMLET_TSDB_HEAD_SERIES_H_
#define PROMLET_TSDB_HEAD_SERIES_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"
#include "storage/interface.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/float_histogram_chunk.h"
#include "tsdb/chunkenc/histogram_chunk.h"
#include "tsdb/chunkenc/st_column.h"
#include "tsdb/chunkenc/xor.h"
#include "tsdb/small_mutex.h"

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

// The open native-histogram chunk of a series (integer or float, by `encoding`), with what
// duplicate checks and chunk cutting need. Prometheus' memChunk + lastHistogramValue.
struct OpenHistogramChunk {
  chunkenc::Encoding encoding = chunkenc::Encoding::kHistogram;
  std::unique_ptr<chunkenc::HistogramAppender> h;        // kHistogram
  std::unique_ptr<chunkenc::FloatHistogramAppender> fh;  // kFloatHistogram
  int64_t min_time = 0;
  int64_t max_time = 0;
  // Prometheus' histogramChunkHasComputedEndTime: next_cut was moved to the predicted end.
  bool computed_end = false;
  // The last appended sample as given (not as widened by the chunk), for duplicate checks.
  std::shared_ptr<const model::histogram::Histogram> last_h;
  std::shared_ptr<const model::histogram::FloatHistogram> last_fh;

  int num_samples() const { return h ? h->num_samples() : fh->num_samples(); }
  std::string_view bytes() const { return h ? h->bytes() : fh->bytes(); }
  size_t MemoryBytes() const { return h ? h->MemoryBytes() : fh->MemoryBytes(); }
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
  std::unique_ptr<OpenHistogramChunk> hist;  // the open chunk when it holds histograms
  // The open chunk's ST column (either kind); null while no sample of it has an ST, so that
  // appends without STs touch nothing more.
  std::unique_ptr<chunkenc::StColumnBuilder> open_st;
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

  bool HasSamples() const { return !open.empty() || hist != nullptr || !closed.empty(); }
  int64_t MinTime() const {
    if (!closed.empty()) return closed.front()->min_time;
    return hist ? hist->min_time : open.min_time();
  }
  int64_t MaxTime() const {
    if (hist) return hist->max_time;
    return open.empty() ? closed.back()->max_time : open.last_time();
  }
  // The type of the newest sample (kNone without samples).
  storage::ValueType LastType() const;
  uint64_t HeldSamples() const {
    uint64_t n = open.num_samples() + (hist ? hist->num_samples() : 0);
    for (const auto& c : closed) n += c->num_samples;
    return n;
  }
  uint64_t FirstSeq() const { return seq - HeldSamples(); }

  // Appends in order; false if t is not after the newest sample. Cuts the open chunk when it
  // holds `max_per_chunk` samples or t reaches the next multiple of `chunk_range`.
  // `st` is the sample's start timestamp (0: none).
  bool Append(int64_t t, double v, int max_per_chunk, int64_t chunk_range, int64_t st = 0);
  // Appends a native histogram (exactly one of h, fh non-null) in order as Prometheus' head
  // does: a new chunk on a type change, at the chunk range boundary or the size target
  // (Prometheus' histogramsAppendPreprocessor), or where the chunk appender cuts (counter reset,
  // schema change); a recoded chunk replaces the open one. False if t is not after the newest
  // sample or the chunk appender refused the histogram.
  bool AppendHistogram(int64_t t, std::shared_ptr<const model::histogram::Histogram> h,
                       std::shared_ptr<const model::histogram::FloatHistogram> fh,
                       int64_t chunk_range, int64_t st = 0);
  // Records the ST of sample `index` of the open chunk in open_st (created on first use).
  void AddST(size_t index, int64_t t, int64_t st);
  // Moves the open chunk (either kind) into `closed`; returns the histogram one, if it was one.
  std::unique_ptr<OpenHistogramChunk> CloseOpen();
  // The open chunk (either kind) as immutable data; nullptr when there is none. A copy.
  std::shared_ptr<chunkenc::ChunkData> OpenChunkData() const;

  // What a querier that saw commits <= reader_id may see.
  Visible VisibleFor(uint64_t reader_id) const;
  // Records that commit `id` is about to append here, for queriers older than it; drops marks
  // no open querier needs (`min_reader`: smallest open querier id, UINT64_MAX if none).
  void NoteCommit(uint64_t id, uint64_t min_reader);

  size_t ChunkMemoryBytes() const;
};

}  // namespace promlet::tsdb::head_internal

#endif  // PROMLET_TSDB_HEAD_SERIES_H_
