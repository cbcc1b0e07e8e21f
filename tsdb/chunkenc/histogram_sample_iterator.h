// HistogramSampleIterator: one integer or float native-histogram chunk (Encoding::kHistogram or
// kFloatHistogram) seen through storage::SampleIterator, so that readers of mixed series (head,
// blocks) walk every chunk kind through one interface.
//
// Invariants: Type() is kHistogram for an integer chunk and kFloatHistogram for a float chunk;
// V() is meaningless (0) for histogram samples; NextBatch never yields a sample (a histogram is
// never a float) and, when a sample follows, makes it current with StoppedAtHistogram() true.
// The bytes must stay valid (and unchanged) for the iterator's lifetime.
#ifndef PROMLET_TSDB_CHUNKENC_HISTOGRAM_SAMPLE_ITERATOR_H_
#define PROMLET_TSDB_CHUNKENC_HISTOGRAM_SAMPLE_ITERATOR_H_

#include <cstdint>
#include <string>

#include "storage/interface.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/float_histogram_chunk.h"
#include "tsdb/chunkenc/histogram_chunk.h"

namespace promlet::tsdb::chunkenc {

class HistogramSampleIterator final : public storage::SampleIterator {
 public:
  HistogramSampleIterator() = default;
  // `e` must be kHistogram or kFloatHistogram.
  HistogramSampleIterator(Encoding e, absl::Span<const uint8_t> bytes) { Reset(e, bytes); }
  void Reset(Encoding e, absl::Span<const uint8_t> bytes);

  bool Next() override;
  bool Seek(int64_t t) override;
  int64_t T() const override;
  double V() const override { return 0; }
  absl::Status status() const override;
  storage::ValueType Type() const override;
  void AtHistogram(mh::Histogram* out) const override;
  void AtFloatHistogram(mh::FloatHistogram* out) const override;
  size_t NextBatch(int64_t* ts, double* vs, size_t max) override;

 private:
  bool is_float_ = false;
  HistogramIterator h_;
  FloatHistogramIterator fh_;
};

// A copy of the histogram chunk `bytes` that holds only its first `limit` samples (the sample
// count in the header is lowered; later bits are ignored by decoders). What a snapshot reader
// needs when an appender keeps writing the chunk past what the snapshot may see.
std::string TruncatedHistogramChunk(std::string_view bytes, int limit);

}  // namespace promlet::tsdb::chunkenc

#endif  // PROMLET_TSDB_CHUNKENC_HISTOGRAM_SAMPLE_ITERATOR_H_
