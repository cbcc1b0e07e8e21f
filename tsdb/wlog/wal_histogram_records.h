// WAL record payloads for native-histogram samples (promlet's WAL format, like the float
// records in wal_records.h; the type numbers follow Prometheus' record.HistogramSamples = 7 and
// record.FloatHistogramSamples = 9, the layout is promlet's own):
//   7 histogram samples:       count, then per sample: ref delta, t delta (zigzag varints, from
//                              the previous sample), then the histogram:
//       hint byte, schema (varint), zero threshold (8 raw bytes), zero count and count
//       (uvarints), sum (8 raw bytes, so the stale NaN survives), positive then negative spans
//       (uvarint n, then per span varint offset + uvarint length), positive then negative
//       buckets (uvarint n, then varint deltas), custom-bucket schema only: uvarint n + n bounds
//       (8 raw bytes each).
//   9 float histogram samples: the same with zero count, count and every bucket as 8 raw bytes.
// Decoders are bounds-checked (every count is checked against the bytes left) and return
// DataLoss on malformed input; they never build a histogram that the record did not hold.
#ifndef PROMLET_TSDB_WLOG_WAL_HISTOGRAM_RECORDS_H_
#define PROMLET_TSDB_WLOG_WAL_HISTOGRAM_RECORDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "tsdb/wal_sink.h"

namespace promlet::tsdb {

// Encodes the samples of `samples` that hold an integer histogram (h) / a float one (fh).
void EncodeHistogramSamplesRecord(absl::Span<const RefHistogramSample> samples, std::string* out);
void EncodeFloatHistogramSamplesRecord(absl::Span<const RefHistogramSample> samples,
                                       std::string* out);

// Append decoded samples to *out.
absl::Status DecodeHistogramSamplesRecord(std::string_view payload,
                                          std::vector<RefHistogramSample>* out);
absl::Status DecodeFloatHistogramSamplesRecord(std::string_view payload,
                                               std::vector<RefHistogramSample>* out);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_WLOG_WAL_HISTOGRAM_RECORDS_H_
