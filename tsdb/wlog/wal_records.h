// WAL record payloads. Each payload starts with a type byte:
//   1 series:     count, then per series: ref (varint delta from previous), label count,
//                 name/value strings.
//   2 samples:    count, then per sample: ref delta (zigzag, from previous sample), t delta
//                 (zigzag, from previous), value: integral |v| < 2^52 -> uvarint(zigzag(v) << 1),
//                 anything else -> uvarint(1) + 8 raw bytes (bit-exact, so StaleNaN survives).
//   3 tombstones: count, then ref, mint, maxt (zigzag varints).
//   200 start timestamps (promlet's own; Prometheus' SamplesV2 has them inline): count, then
//                 per entry: ref delta and t delta (zigzag, from the previous entry), zigzag(t -
//                 st). Written before the sample records of its batch; replay applies each ST
//                 to the sample (ref, t) that follows.
// Decoders are bounds-checked and return an error on malformed input.
#ifndef PROMLET_TSDB_WLOG_WAL_RECORDS_H_
#define PROMLET_TSDB_WLOG_WAL_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "tsdb/wal_sink.h"

namespace promlet::tsdb {

struct WalTombstone {
  storage::SeriesRef ref;
  int64_t mint;
  int64_t maxt;
};

// 7 and 9: native-histogram samples (wal_histogram_records.h).
enum class WalRecordType : uint8_t {
  kSeries = 1,
  kSamples = 2,
  kTombstones = 3,
  kHistogramSamples = 7,
  kFloatHistogramSamples = 9,
  kStartTimestamps = 200,
};

// Whether `b` is the type byte of a record this WAL writes.
bool IsKnownWalRecordType(uint8_t b);

void EncodeSeriesRecord(absl::Span<const RefSeries> series, std::string* out);
void EncodeSamplesRecord(absl::Span<const RefSample> samples, std::string* out);
void EncodeTombstonesRecord(absl::Span<const WalTombstone> ts, std::string* out);
void EncodeStartTimestampsRecord(absl::Span<const RefStartTimestamp> sts, std::string* out);

// Appends decoded entries to *out.
absl::Status DecodeSeriesRecord(std::string_view payload, std::vector<RefSeries>* out);
absl::Status DecodeSamplesRecord(std::string_view payload, std::vector<RefSample>* out);
absl::Status DecodeTombstonesRecord(std::string_view payload, std::vector<WalTombstone>* out);
absl::Status DecodeStartTimestampsRecord(std::string_view payload,
                                         std::vector<RefStartTimestamp>* out);

// Frames a payload: u32 length, u32 crc32c, payload.
void AppendFramedRecord(std::string_view payload, std::string* out);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_WLOG_WAL_RECORDS_H_
