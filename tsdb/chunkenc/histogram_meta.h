// What the integer and float histogram chunks share (Prometheus' chunkenc/histogram_meta.go):
// the chunk header, the layout that opens a chunk, and the bucket-layout arithmetic the
// appenders use to decide whether a histogram fits the chunk and how to recode.
//
// Byte layout of both histogram chunks:
//   byte 0-1  sample count, big endian
//   byte 2    flags: the top 2 bits are the CounterResetHeader, the rest is zero
//   then a bit stream (bstream.h) starting with the layout, written once by the first sample:
//     zero threshold: one byte (0 = 0; 1..254 = 2^(b-243-1), a power of two in [2^-243, 2^10];
//                     255 = followed by the 64 bits of the float64)
//     schema varbit int; positive spans, negative spans: varbit uint count, then per span
//     varbit uint length, varbit int offset;
//     custom-bucket schema only: varbit uint count, then per bound either varbit uint
//     (bound*1000)+1 when that is a whole number in 0..33554430, or a 0 bit + 64 float bits.
//
// Invariants: Insert lists are sorted by pos; every function here is pure (no hidden state) and
// never reads a bucket array past the count its spans describe (callers guarantee the arrays
// match their spans).
#ifndef PROMLET_TSDB_CHUNKENC_HISTOGRAM_META_H_
#define PROMLET_TSDB_CHUNKENC_HISTOGRAM_META_H_

#include <cstdint>
#include <vector>

#include "model/histogram/schema.h"
#include "tsdb/chunkenc/bstream.h"

namespace promlet::tsdb::chunkenc {

namespace mh = ::promlet::model::histogram;

// The top 2 bits of the chunk's flag byte (Prometheus' values).
enum class CounterResetHeader : uint8_t {
  kUnknown = 0b00000000,          // counter reset detection has to happen at query time
  kCounterReset = 0b10000000,     // the chunk was cut because of a counter reset
  kNotCounterReset = 0b01000000,  // definitely no counter reset when the chunk was cut
  kGauge = 0b11000000,            // a gauge histogram chunk
};
inline constexpr uint8_t kCounterResetHeaderMask = 0b11000000;
inline constexpr size_t kHistogramHeaderSize = 3;
inline constexpr size_t kHistogramFlagPos = 2;

CounterResetHeader CounterResetHintToHeader(mh::CounterResetHint hint);
// The hint of the num_read'th (1-based) sample of a chunk: Gauge in a gauge chunk, NotReset
// after the first sample, Unknown for the first (the previous chunk may be gone or arrive out
// of order, so its header cannot be trusted: Prometheus issue 15346).
mh::CounterResetHint CounterResetHintFor(CounterResetHeader header, int num_read);

int CountSpans(const std::vector<mh::Span>& spans);

// The layout the first sample of a chunk writes.
struct HistogramChunkLayout {
  int32_t schema = 0;
  double zero_threshold = 0;
  std::vector<mh::Span> positive_spans, negative_spans;
  std::vector<double> custom_values;  // custom-bucket schema only
};
void WriteHistogramChunkLayout(BitWriter& w, int32_t schema, double zero_threshold,
                               const std::vector<mh::Span>& positive_spans,
                               const std::vector<mh::Span>& negative_spans,
                               const std::vector<double>& custom_values);
bool ReadHistogramChunkLayout(BitReader& r, HistogramChunkLayout* out);

void PutZeroThreshold(BitWriter& w, double threshold);
bool ReadZeroThreshold(BitReader& r, double* out);
void PutCustomBound(BitWriter& w, double bound);
bool ReadCustomBound(BitReader& r, double* out);

// Walks the bucket indices a span list covers (zero-length spans contribute none).
class BucketIndexIterator {
 public:
  explicit BucketIndexIterator(const std::vector<mh::Span>& spans) : spans_(&spans) {
    if (!spans.empty()) idx_ += spans[0].offset;
  }
  bool Next(int* idx);

 private:
  const std::vector<mh::Span>* spans_;
  size_t span_ = 0;
  int bucket_ = -1;  // position within the span of the last yielded bucket
  int idx_ = -1;     // bucket index of the last yielded bucket
};

// num new (empty) buckets go before the pos'th bucket of the original list; bucket_idx is the
// index of the first inserted bucket (used to adjust spans).
struct Insert {
  int pos = 0;
  int num = 0;
  int bucket_idx = 0;
  friend bool operator==(const Insert&, const Insert&) = default;
};

// For gauge histograms: the forward inserts expanding a to also cover what only b covers, the
// backward inserts expanding b to what only a covers, and the merged spans (union of both).
void ExpandSpansBothWays(const std::vector<mh::Span>& a, const std::vector<mh::Span>& b,
                         std::vector<Insert>* forward, std::vector<Insert>* backward,
                         std::vector<mh::Span>* merged);

// For counter histograms: the inserts expanding a to b's buckets (forward) and b to a's buckets
// that b lacks and that are empty in a (backward). False when b lacks a non-empty bucket of a or
// any common bucket decreased (a counter reset). Int buckets are deltas, float ones absolute.
bool ExpandIntSpansAndBuckets(const std::vector<mh::Span>& a, const std::vector<mh::Span>& b,
                              const std::vector<int64_t>& a_buckets,
                              const std::vector<int64_t>& b_buckets, std::vector<Insert>* forward,
                              std::vector<Insert>* backward);
bool ExpandFloatSpansAndBuckets(const std::vector<mh::Span>& a, const std::vector<mh::Span>& b,
                                const std::vector<double>& a_buckets,
                                const std::vector<double>& b_buckets, std::vector<Insert>* forward,
                                std::vector<Insert>* backward);

// Merges `in` with empty buckets per `inserts` into *out (resized to in + inserted). With
// deltas, inserted buckets are 0 as absolute counts and the next original delta is fixed up.
void InsertBuckets(const std::vector<int64_t>& in, const std::vector<Insert>& inserts, bool deltas,
                   std::vector<int64_t>* out);
void InsertBuckets(const std::vector<double>& in, const std::vector<Insert>& inserts, bool deltas,
                   std::vector<double>* out);

// spans widened by the buckets the inserts add (by their bucket_idx).
std::vector<mh::Span> AdjustForInserts(const std::vector<mh::Span>& spans,
                                       const std::vector<Insert>& inserts);

}  // namespace promlet::tsdb::chunkenc

#endif  // PROMLET_TSDB_CHUNKENC_HISTOGRAM_META_H_
