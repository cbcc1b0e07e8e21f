// The float native-histogram chunk (Encoding::kFloatHistogram), byte-compatible with
// Prometheus' chunkenc.FloatHistogramChunk (EncFloatHistogram = 3).
//
// Layout: the 3-byte header and the chunk layout of histogram_meta.h, then per sample:
//
//   field      t             count    zero count  sum      buckets (positive, then negative)
//   sample 0   varbit int    64 bits  64 bits     64 bits  64 bits each (absolute counts)
//   sample n   varbit dod    xor      xor         xor      xor each, own window per bucket
// (sample 1's time delta is a dod against 0). A stale-marker sample (sum is the stale NaN)
// writes no buckets.
//
// Invariants: those of histogram_chunk.h (one layout per chunk, recoding on new buckets, only
// the first sample may follow a reset, gauge chunks hold gauge histograms); every float
// round-trips bit-exactly.
#ifndef PROMLET_TSDB_CHUNKENC_FLOAT_HISTOGRAM_CHUNK_H_
#define PROMLET_TSDB_CHUNKENC_FLOAT_HISTOGRAM_CHUNK_H_

#include <bit>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "model/histogram/float_histogram.h"
#include "tsdb/chunkenc/bstream.h"
#include "tsdb/chunkenc/histogram_chunk.h"
#include "tsdb/chunkenc/histogram_meta.h"

namespace promlet::tsdb::chunkenc {

// One XOR-coded float field: its last value's bits and XOR window.
struct XorField {
  uint64_t bits = 0;
  uint8_t leading = 0;
  uint8_t trailing = 0;
  double value() const { return std::bit_cast<double>(bits); }
};

struct XorWindow {
  uint8_t leading = 0;
  uint8_t trailing = 0;
};

struct FloatHistogramChunkState {
  int32_t schema = 0;
  double zero_threshold = 0;
  std::vector<mh::Span> positive_spans, negative_spans;
  mh::CustomValues custom_values;
  int64_t t = 0, t_delta = 0;
  XorField sum, count, zero_count;
  std::vector<double> positive_buckets, negative_buckets;     // absolute counts
  std::vector<XorWindow> positive_windows, negative_windows;  // their XOR windows
};

class FloatHistogramIterator {
 public:
  FloatHistogramIterator() = default;
  explicit FloatHistogramIterator(absl::Span<const uint8_t> bytes) { Reset(bytes); }
  explicit FloatHistogramIterator(std::string_view bytes)
      : FloatHistogramIterator(absl::Span<const uint8_t>(
            reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())) {}
  void Reset(absl::Span<const uint8_t> bytes);

  bool Next();
  bool Seek(int64_t t);
  int64_t T() const { return s_.t; }
  // As HistogramIterator::AtFloatHistogram.
  void AtFloatHistogram(mh::FloatHistogram* fh) const;
  // As AtFloatHistogram but a schema 9..52 stays as stored (what recoding needs).
  void AtFloatHistogramAsStored(mh::FloatHistogram* fh) const;
  absl::Status status() const { return status_; }

  CounterResetHeader counter_reset_header() const { return header_; }
  int num_read() const { return num_read_; }
  const FloatHistogramChunkState& state() const { return s_; }
  uint64_t bit_position() const { return r_.position(); }

 private:
  bool Fail(absl::string_view what);

  BitReader r_;
  int total_ = 0;
  int num_read_ = 0;
  CounterResetHeader header_ = CounterResetHeader::kUnknown;
  FloatHistogramChunkState s_;
  absl::Status status_;
};

class FloatHistogramAppender {
 public:
  static constexpr int kMaxSamples = 65535;

  FloatHistogramAppender();  // an empty chunk
  static absl::StatusOr<std::unique_ptr<FloatHistogramAppender>> FromBytes(std::string_view bytes);

  std::string_view bytes() const { return w_.bytes(); }
  int num_samples() const;
  CounterResetHeader counter_reset_header() const;
  void SetCounterResetHeader(CounterResetHeader h);
  size_t MemoryBytes() const { return w_.capacity(); }

  // As HistogramAppender::AppendResult.
  struct AppendResult {
    std::unique_ptr<FloatHistogramAppender> new_chunk;
    bool recoded = false;
  };
  // Prometheus' AppendFloatHistogram; errors as HistogramAppender::AppendHistogram.
  absl::StatusOr<AppendResult> AppendFloatHistogram(const FloatHistogramAppender* prev, int64_t t,
                                                    const mh::FloatHistogram& h, bool append_only);

  // Prometheus' appendable / appendableGauge. counter_reset is kCounterReset or
  // kNotCounterReset only (Prometheus' float appender returns a bool).
  Appendability Appendable(const mh::FloatHistogram& h) const;
  Appendability AppendableGauge(const mh::FloatHistogram& h) const;

 private:
  int AppendRaw(int num, int64_t t, const mh::FloatHistogram& h);
  std::unique_ptr<FloatHistogramAppender> Recode(const Appendability& a,
                                                 const std::vector<mh::Span>& positive_spans,
                                                 const std::vector<mh::Span>& negative_spans) const;
  void SetNumSamples(int n);

  BitWriter w_;
  FloatHistogramChunkState s_;
};

}  // namespace promlet::tsdb::chunkenc

#endif  // PROMLET_TSDB_CHUNKENC_FLOAT_HISTOGRAM_CHUNK_H_
