// Persisted chunk encoding: tighter than the head's XOR chunks, because blocks are written once
// and read many times and disk bytes per sample is a headline figure. A chunk is two byte
// strings, timestamps and values, that the block writer stores in separate columns of a
// zstd-compressed group of chunks (see block_format.h), so zstd sees similar data side by side.
//
// Timestamps: n, t0, the regular interval d (the first delta), then the exceptions: positions
// whose delta differs from d, as (position gap, delta - d). Regular scrapes (constant interval,
// constant jitter) cost a handful of bytes per chunk.
//
// Values, one of two modes (first byte):
//  0 constant: every value has the same bits: 8 bytes.
//  1 integers: the chunk is mapped bijectively to integers r[0..n): if every value is a
//    decimal with at most 15 digits after the point (what exporters print), r = v * 10^k
//    for the smallest such k (checked bit-exactly, value by value; kind = k); non-finite
//    values and -0.0 are exceptions stored with their raw bits (StaleNaN survives) while r
//    repeats the previous value there. Otherwise r is the double's bits made monotonic in
//    the value (kind 16, "float keys"), so r deltas count ulps and no value is special.
//    Layout: kind byte, predictor byte, [uvarint back], uvarint exception count, per
//    exception (uvarint position gap, fixed64 bits), varint anchor, [varint extra], then
//    the coded residuals (n - 1 of them; n - 2 for order 2).
//    Tail first (flag 0x80 in the predictor byte, set by every writer since): the anchor is
//    r[n-1], order 2's extra is r[n-1] - r[n-2], and the residuals run from position n-1
//    back to 1, so reading only the newest samples of a chunk (an instant query's window,
//    the recent end of a range) decodes only them. Without the flag (blocks of earlier
//    builds): anchor r[0], extra r[1] - r[0], residuals front to back, always decoded whole.
//    Predictors, picked per chunk by estimated cost (the residuals below are written in
//    reverse order when tail first):
//      0 order 0 (r itself), 1 order 1 (r[i] - r[i-1]), 2 order 2 (extra = r[1] - r[0]),
//      3 order 1 minus a base delta (extra = the chunk's median delta: steady counters),
//      4 reference: r[i] - r[i-1] minus the same difference of an earlier chunk of the same
//        group (back = distance in chunk indexes, at most a few chunks back) that has the
//        same kind and length and is not itself a reference. Cross-series prediction: the
//        buckets of one histogram, or the same metric of the next instance, move together.
//    The residuals follow in one of two coders (a byte says which; the encoder tries both):
//     - prefix (1): a per-chunk canonical Huffman code (lengths <= 11, stored as 4-bit
//       lengths for the classes lo..hi) over the residual's class (0 = zero, else its bit
//       length e), then sign and the e - 1 bits under the leading one as plain bits. One
//       table lookup per residual: the default, and within a few percent of the adaptive
//       coder on noisy residuals.
//     - adaptive (0): binary decisions through the range coder (range_coder.h): zero flag,
//       bit length relative to the chunk's median length (equal? above? distance in unary),
//       sign, the bit under the leading one, each with adaptive probabilities in small
//       contexts, then the low bits as plain bits (after a uvarint length of the range-coded
//       part). Used only when it is at least 1.5x smaller: mostly-zero or skewed residuals
//       (sparse counters, histogram buckets), where a prefix code cannot go below 1 bit.
//    Models and codes are per chunk, so a chunk decodes alone (plus its reference).
//
// Native-histogram chunks (their timestamps column is written as for floats; they never serve
// as references; blocks written before these modes existed simply hold none):
//  2 Prometheus' chunk bytes: mode byte, the chunkenc::Encoding byte (kHistogram or
//    kFloatHistogram), then the chunk as the head encodes it (histogram_chunk.h). Float
//    histogram chunks, and integer ones of earlier builds.
//  3 integer histogram chunks as columns (histogram_codec.h): what the writer stores now.
#ifndef PROMLET_TSDB_BLOCK_CHUNK_CODEC_H_
#define PROMLET_TSDB_BLOCK_CHUNK_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace promlet::tsdb {

// ts must be strictly increasing and non-empty.
void EncodeTimestamps(absl::Span<const int64_t> ts, std::string* out);

// Encodes the value columns of the chunks of one group, in group order, and remembers the
// last few chunks that may serve as references for the next ones.
class ValueEncoder {
 public:
  // tail_first = false writes the front-to-back streams of earlier builds (tests only).
  explicit ValueEncoder(bool tail_first = true) : tail_first_(tail_first) {}
  // Appends the values of the chunk with index `index` in the group (indexes increase).
  void Encode(absl::Span<const double> vs, uint32_t index, std::string* out);
  // The next chunk starts a new group: forget the references.
  void NewGroup() { roots_.clear(); }

 private:
  struct Root {
    uint32_t index;
    uint8_t kind;
    std::vector<int64_t> d1;  // r[i] - r[i-1]
  };
  std::vector<Root> roots_;
  bool tail_first_;
};

// A chunk on its own (never a reference to another chunk).
void EncodeValues(absl::Span<const double> vs, std::string* out);

// The value column of a native-histogram chunk (see above).
inline constexpr uint8_t kHistogramChunkValues = 2;
inline void EncodeHistogramChunkValues(uint8_t encoding, std::string_view chunk,
                                       std::string* out) {
  out->push_back(static_cast<char>(kHistogramChunkValues));
  out->push_back(static_cast<char>(encoding));
  out->append(chunk.data(), chunk.size());
}
inline bool IsHistogramChunkValues(std::string_view in) {
  return in.size() >= 2 && static_cast<uint8_t>(in[0]) == kHistogramChunkValues;
}

// Replace *out with the decoded columns; DataLoss on malformed input.
absl::Status DecodeTimestamps(std::string_view in, std::vector<int64_t>* out);
// DecodeTimestamps keeping only the timestamps from the first one >= mint on: *from gets how
// many were dropped. A column without exceptions (regular scrapes) skips its prefix without
// generating it (an instant query reads only a chunk's last few samples).
absl::Status DecodeTimestampsFrom(std::string_view in, int64_t mint, std::vector<int64_t>* out,
                                  size_t* from);
// Index in the group of the chunk whose values `in` (the chunk with index `index`) is
// predicted from, or -1 when it stands alone. DataLoss on a malformed reference.
absl::StatusOr<int64_t> ValuesReference(std::string_view in, uint32_t index);
// `ref` is the value stream of the reference chunk (empty when there is none). *out gets
// the values of positions [from, n): a tail-first stream decodes only those.
absl::Status DecodeValues(std::string_view in, size_t n, std::string_view ref,
                          std::vector<double>* out, size_t from = 0);
absl::Status DecodeValues(std::string_view in, size_t n, std::vector<double>* out);
// DecodeValues for a reader that needs only the non-finite values (stale markers): those keep
// their bits, finite values may read as 0. Decimal chunks list their non-finite values in the
// header, so their residuals are not decoded (nor checked); float-key chunks, whose keys hold
// them, are decoded in full.
absl::Status DecodeNonFiniteValues(std::string_view in, size_t n, std::string_view ref,
                                   std::vector<double>* out, size_t from = 0);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_BLOCK_CHUNK_CODEC_H_
