// Block value column of integer native-histogram chunks (value mode 3, chunk_codec.h): the
// samples of one Prometheus histogram chunk (histogram_chunk.h) stored column-wise, tighter
// than the chunk's own bytes because blocks are written once and read many times.
//
// Layout: mode byte 3, the chunk's counter-reset header byte, then the chunk layout once
// (varint schema, fixed64 zero threshold bits, uvarint custom bound count + fixed64 bounds,
// uvarint positive span count + (varint offset, uvarint length) per span, the same for the
// negative spans), uvarint length + the sums as a float value stream (EncodeValues: exact,
// stale markers included), then one range-coded stream (range_coder.h) of integer residuals
// for the non-stale samples, sample by sample:
//  - the first non-stale sample: count, zero count, then the absolute bucket counts (negative
//    then positive) as differences from the previous bucket.
//  - every later one, against the previous non-stale sample p: count delta minus p's count
//    delta (its delta itself when p is the first), then the deltas of the zero bucket, the
//    negative and the positive buckets, each minus a prediction from what is already known:
//    the observations of this scrape not yet assigned to a bucket, shared out in proportion
//    to the bucket's share of p's remaining count (the distribution so far predicts where the
//    new observations fall). The prediction's magnitude selects the coding context, so a
//    bucket that rarely moves costs a fraction of a bit.
// Residual coding: zero flag, bit length in unary, sign, the bit under the leading one, each
// an adaptive decision in its context; the remaining low bits go through the coder directly.
//
// Invariants: decoding gives exactly the histograms the chunk's own iterator gives (counter
// reset hints, stale markers, custom bounds, schemas above 8 reduced to 8 as AtHistogram
// does); all count arithmetic wraps modulo 2^64 as in the chunk, so any chunk round-trips.
// Float-histogram chunks are not handled here (they stay in mode 2).
#ifndef PROMLET_TSDB_BLOCK_HISTOGRAM_CODEC_H_
#define PROMLET_TSDB_BLOCK_HISTOGRAM_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "model/histogram/histogram.h"

namespace promlet::tsdb {

inline constexpr uint8_t kHistogramColumnValues = 3;

// Appends the mode-3 column of the integer histogram chunk `chunk` (Prometheus bytes) holding
// n samples. Returns false and appends nothing when the chunk does not decode to n samples or
// has more buckets than the format allows; the caller then stores the chunk bytes (mode 2).
bool EncodeHistogramColumns(std::string_view chunk, size_t n, std::string* out);

inline bool IsHistogramColumnValues(std::string_view in) {
  return !in.empty() && static_cast<uint8_t>(in[0]) == kHistogramColumnValues;
}

// Replaces *out with samples [from, n) of a mode-3 column holding n samples; DataLoss on
// malformed input.
absl::Status DecodeHistogramColumns(std::string_view in, size_t n, size_t from,
                                    std::vector<model::histogram::Histogram>* out);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_BLOCK_HISTOGRAM_CODEC_H_
