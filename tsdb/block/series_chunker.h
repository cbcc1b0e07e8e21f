// SeriesChunker: turns the samples of one series, in time order and of any type, into the
// chunks BlockWriter::AddSeriesChunks takes: runs of floats, and native histograms re-encoded
// into Prometheus' histogram chunks (the head's encodings, histogram_chunk.h) as the head cuts
// them: a new chunk on a type change, where the chunk appender cuts (counter reset, schema
// change; recoding replaces the open chunk), and past 1 KiB with at least 10 samples.
//
// Invariants: samples must come in strictly increasing time order (the caller filters); every
// sample added is in exactly one chunk of Take(), bit-exact (histograms may gain empty buckets
// where the chunk layout widens, as in the head).
#ifndef PROMLET_TSDB_BLOCK_SERIES_CHUNKER_H_
#define PROMLET_TSDB_BLOCK_SERIES_CHUNKER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"
#include "storage/interface.h"
#include "tsdb/block/block_writer.h"

namespace promlet::tsdb {

namespace chunkenc {
class HistogramAppender;
class FloatHistogramAppender;
}  // namespace chunkenc

class SeriesChunker {
 public:
  SeriesChunker();
  ~SeriesChunker();

  // `st`: the sample's start timestamp (0: none), kept in its chunk's BlockWriter::Chunk::sts.
  void AddFloat(int64_t t, double v, int64_t st = 0);
  absl::Status AddHistogram(int64_t t, const model::histogram::Histogram& h, int64_t st = 0);
  absl::Status AddFloatHistogram(int64_t t, const model::histogram::FloatHistogram& fh,
                                 int64_t st = 0);
  // Adds the iterator's current sample, whatever its type, with its start timestamp.
  absl::Status AddCurrent(const storage::SampleIterator& it) { return AddCurrent(it, it.ST()); }
  // The same with the ST given (iterators over a bare chunk do not know it).
  absl::Status AddCurrent(const storage::SampleIterator& it, int64_t st);

  bool empty() const { return chunks_.empty() && hist_ts_.empty(); }
  // The chunks so far; the chunker starts over empty.
  std::vector<BlockWriter::Chunk> Take();

 private:
  void CloseHistogramChunk();

  std::vector<BlockWriter::Chunk> chunks_;
  std::unique_ptr<chunkenc::HistogramAppender> h_;
  std::unique_ptr<chunkenc::FloatHistogramAppender> fh_;
  std::vector<int64_t> hist_ts_;  // timestamps of the open histogram chunk
  std::vector<int64_t> hist_sts_;  // their STs (empty while none has one)
  model::histogram::Histogram scratch_h_;
  model::histogram::FloatHistogram scratch_fh_;
};

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_BLOCK_SERIES_CHUNKER_H_
