// Remote Write and Remote Read codecs: snappy block compression (what both protocols use, not
// snappy's framed format), Remote Write 1.0 (prometheus.WriteRequest) and 2.0
// (io.prometheus.write.v2.Request) requests, the write Content-Type negotiation, and the
// length+CRC framing of remote read's streamed responses. The protobuf types stay inside
// codec.cc and read_handler.cc: callers see plain structs.
//
// Invariants:
//  - Every decoder is total: malformed input (bad snappy, bad protobuf, bad symbol references,
//    a frame cut short, a size over the caller's bound) is an InvalidArgument naming what is
//    wrong, never a crash or a partial result.
//  - Decoded series carry model::Labels (sorted, no empty values); a series whose labels are
//    invalid (no metric name, bad UTF-8, empty or duplicate names) is not returned but counted
//    in DecodedWrite::invalid_series, as Prometheus' receiver skips and counts them.
//  - Encoders write what Prometheus' decoders read; Decode(Encode(x)) == x for valid series.
//  - Native histograms map as Prometheus' prompb codec does: a histogram whose count is
//    count_float is a FloatHistogram (absolute counts), one with count_int (or no count) an
//    integer Histogram (delta-encoded buckets); reset hints keep their numbers; custom_values
//    are kept as sent (empty = none). Validation is the storage's (AppendHistogram).
#ifndef PROMLET_STORAGE_REMOTE_CODEC_H_
#define PROMLET_STORAGE_REMOTE_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"
#include "model/labels.h"
#include "storage/interface.h"

namespace promlet::remote {

// Snappy block format.
std::string SnappyCompress(std::string_view raw);
// Fails on corrupt input or when the uncompressed size would exceed max_bytes.
absl::StatusOr<std::string> SnappyUncompress(std::string_view compressed, size_t max_bytes);
// The same into *buf, which only grows (a caller reusing it decodes without allocating); the
// result views *buf and is valid until its next use.
absl::StatusOr<std::string_view> SnappyUncompressInto(std::string_view compressed, size_t max_bytes,
                                                      std::string* buf);

// The two write protocols and their wire names.
enum class WriteProto { kV1, kV2 };
inline constexpr std::string_view kWriteProtoV1 = "prometheus.WriteRequest";
inline constexpr std::string_view kWriteProtoV2 = "io.prometheus.write.v2.Request";
inline constexpr std::string_view kRemoteWriteVersionV1 = "0.1.0";
inline constexpr std::string_view kRemoteWriteVersionV2 = "2.0.0";
// "application/x-protobuf;proto=<name>" (1.0 senders may omit ";proto=...").
std::string WriteContentType(WriteProto proto);
// The protocol a request's Content-Type names: empty or "application/x-protobuf" alone means
// 1.0, ";proto=" picks one. Anything else is InvalidArgument (the receiver answers 415).
absl::StatusOr<WriteProto> ParseWriteContentType(std::string_view content_type);
// Parses a remote_write `protobuf_message` config value.
absl::StatusOr<WriteProto> ParseWriteProtoName(std::string_view name);

// One native histogram sample: h when !is_float, fh when is_float (the other stays empty).
struct HistogramSample {
  int64_t t = 0;
  bool is_float = false;
  model::histogram::Histogram h;
  model::histogram::FloatHistogram fh;
};

struct WriteSeries {
  model::Labels labels;
  std::vector<storage::Sample> samples;     // in timestamp order
  std::vector<HistogramSample> histograms;  // in timestamp order
};

struct DecodedWrite {
  std::vector<WriteSeries> series;
  size_t invalid_series = 0;  // skipped: invalid labels
  size_t histograms = 0;      // native histogram samples (of valid and invalid series)
  size_t exemplars = 0;       // exemplars (not stored by promlet)
  size_t metadata = 0;        // 1.0 metadata entries
};

// Decodes an uncompressed request body.
absl::StatusOr<DecodedWrite> DecodeWriteRequest(WriteProto proto, std::string_view body);
// Encodes series as an uncompressed request body.
std::string EncodeWriteRequest(WriteProto proto, absl::Span<const WriteSeries> series);

// Remote read's streamed response frame: uvarint(len(message)), big-endian CRC32C (Castagnoli)
// of the message, the message.
void AppendChunkedFrame(std::string_view message, std::string* out);
// Reads the frame at *pos (advancing it); NotFound at the end of data. Frames larger than
// max_bytes, cut short or with a bad checksum are InvalidArgument.
absl::StatusOr<std::string_view> NextChunkedFrame(std::string_view data, size_t* pos,
                                                  size_t max_bytes);

// Labels from (name, value) pairs as they came off the wire; InvalidArgument naming the
// problem (no metric name, invalid UTF-8, empty or duplicate name).
absl::StatusOr<model::Labels> LabelsFromWire(std::vector<model::Label> pairs);

}  // namespace promlet::remote

#endif  // PROMLET_STORAGE_REMOTE_CODEC_H_
