// The integer native-histogram chunk (Encoding::kHistogram), byte-compatible with Prometheus'
// chunkenc.HistogramChunk (EncHistogram = 2).
//
// Layout: the 3-byte header and the chunk layout of histogram_meta.h, then per sample
// (t = timestamp, raw = the value itself, dod = delta of delta, xor = Gorilla XOR of the bits):
//
//   field      t       count        zero count   sum      buckets (positive, then negative)
//   sample 0   varbit  varbit uint  varbit uint  64 bits  varbit int (the delta-encoded values)
//   sample n   varbit  varbit dod   varbit dod   xor      varbit int dod per bucket
//              dod
// (sample 1's deltas are dods against a zero delta). A stale-marker sample (sum is the stale
// NaN) writes dods of 0 for both counts and no buckets.
//
// Invariants:
//  - Every sample of a chunk has the layout (schema, zero threshold, spans, custom bounds) the
//    first sample wrote; the appender recodes (rewrites the chunk with empty buckets inserted)
//    when a later histogram adds buckets, or cuts a new chunk where Prometheus does.
//  - Only the first sample may follow a counter reset; the header records what was known about
//    it. Within a gauge chunk (header kGauge) every sample is a gauge histogram.
//  - Arithmetic on timestamps, counts and bucket deltas is modulo 2^64, as Go's int64.
#ifndef PROMLET_TSDB_CHUNKENC_HISTOGRAM_CHUNK_H_
#define PROMLET_TSDB_CHUNKENC_HISTOGRAM_CHUNK_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "model/histogram/histogram.h"
#include "tsdb/chunkenc/bstream.h"
#include "tsdb/chunkenc/histogram_meta.h"

namespace promlet::tsdb::chunkenc {

// What an appender's Appendable/AppendableGauge found out about a histogram (Prometheus'
// multiple return values). counter_reset is the header a new chunk would get (integer chunks
// say Unknown on schema or threshold changes; float chunks only distinguish reset / not).
struct Appendability {
  std::vector<Insert> positive_inserts, negative_inserts;
  std::vector<Insert> backward_positive_inserts, backward_negative_inserts;
  std::vector<mh::Span> positive_spans, negative_spans;  // gauge only: the merged spans
  bool ok = false;
  CounterResetHeader counter_reset = CounterResetHeader::kNotCounterReset;
};

// The decoder state (what the appender needs to continue a chunk).
struct HistogramChunkState {
  int32_t schema = 0;
  double zero_threshold = 0;
  std::vector<mh::Span> positive_spans, negative_spans;
  mh::CustomValues custom_values;
  int64_t t = 0;
  uint64_t count = 0, zero_count = 0;
  int64_t t_delta = 0, count_delta = 0, zero_count_delta = 0;
  std::vector<int64_t> positive_buckets, negative_buckets;  // delta-encoded, as in Histogram
  std::vector<int64_t> positive_deltas, negative_deltas;    // their per-sample deltas
  uint64_t sum_bits = 0;
  uint8_t leading = 0, trailing = 0;
};

class HistogramIterator {
 public:
  HistogramIterator() = default;
  explicit HistogramIterator(absl::Span<const uint8_t> bytes) { Reset(bytes); }
  explicit HistogramIterator(std::string_view bytes)
      : HistogramIterator(absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                    bytes.size())) {}
  void Reset(absl::Span<const uint8_t> bytes);

  bool Next();
  // Advances to the first sample at or after t (stays when the current one is).
  bool Seek(int64_t t);
  int64_t T() const { return s_.t; }
  // The current sample (valid after Next returned true); reuses *h's storage. A stale marker
  // comes back as a histogram with only the stale sum. Schemas 9..52 are reduced to 8.
  void AtHistogram(mh::Histogram* h) const;
  // As AtHistogram but a schema 9..52 stays as stored (what recoding needs).
  void AtHistogramAsStored(mh::Histogram* h) const;
  void AtFloatHistogram(mh::FloatHistogram* fh) const;
  absl::Status status() const { return status_; }

  CounterResetHeader counter_reset_header() const { return header_; }
  int num_read() const { return num_read_; }
  const HistogramChunkState& state() const { return s_; }
  // Bits of the stream (after the header) decoded so far.
  uint64_t bit_position() const { return r_.position(); }

 private:
  bool Fail(absl::string_view what);

  BitReader r_;
  int total_ = 0;
  int num_read_ = 0;
  CounterResetHeader header_ = CounterResetHeader::kUnknown;
  HistogramChunkState s_;
  absl::Status status_;
};

class HistogramAppender {
 public:
  static constexpr int kMaxSamples = 65535;

  HistogramAppender();  // an empty chunk
  HistogramAppender(HistogramAppender&&) = default;
  HistogramAppender& operator=(HistogramAppender&&) = default;

  // An appender continuing the chunk `bytes` (decoded to rebuild the state).
  static absl::StatusOr<std::unique_ptr<HistogramAppender>> FromBytes(std::string_view bytes);

  std::string_view bytes() const { return w_.bytes(); }
  int num_samples() const;
  CounterResetHeader counter_reset_header() const;
  void SetCounterResetHeader(CounterResetHeader h);
  size_t MemoryBytes() const { return w_.capacity(); }

  // Result of AppendHistogram: new_chunk null means h went into this chunk. Otherwise h went
  // into new_chunk, which replaces this chunk when recoded (it holds all of this chunk's samples
  // with a wider layout) or else follows it (a new chunk was cut).
  struct AppendResult {
    std::unique_ptr<HistogramAppender> new_chunk;
    bool recoded = false;
  };
  // Prometheus' AppendHistogram. prev: the appender of the previous chunk, consulted for the
  // counter-reset header of a fresh chunk (may be null). With append_only, anything but a
  // plain append into this chunk fails (FailedPrecondition) and changes nothing. Fails with
  // InvalidArgument when h's buckets do not match its spans or t does not increase, and with
  // ResourceExhausted on a full chunk.
  absl::StatusOr<AppendResult> AppendHistogram(const HistogramAppender* prev, int64_t t,
                                               const mh::Histogram& h, bool append_only);

  // Prometheus' appendable (counter histograms) and appendableGauge (gauge histograms).
  Appendability Appendable(const mh::Histogram& h) const;
  Appendability AppendableGauge(const mh::Histogram& h) const;

 private:
  // appendHistogram: writes h as sample num (the caller keeps the count in the header).
  int AppendRaw(int num, int64_t t, const mh::Histogram& h);
  // A new chunk with this one's samples re-laid out by the forward inserts.
  std::unique_ptr<HistogramAppender> Recode(const Appendability& a,
                                            const std::vector<mh::Span>& positive_spans,
                                            const std::vector<mh::Span>& negative_spans) const;
  void SetNumSamples(int n);

  BitWriter w_;
  HistogramChunkState s_;
};

}  // namespace promlet::tsdb::chunkenc

#endif  // PROMLET_TSDB_CHUNKENC_HISTOGRAM_CHUNK_H_
