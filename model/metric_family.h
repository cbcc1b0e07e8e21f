// The protobuf exposition format: a body of varint-length-delimited io.prometheus.client.
// MetricFamily messages (Content-Type application/vnd.google.protobuf;
// proto=io.prometheus.client.MetricFamily; encoding=delimited), decoded by hand. The one
// decoder of that format in promlet: scrapes (model/protoparse.h) and pushes (push/proto_body.h)
// both read it through MetricFamilyReader.
//
// Invariants:
//  - Zero copy: every string_view of a decoded family points into the body, which the caller
//    keeps alive and unchanged while it uses the family. A reader reuses the family's vectors.
//  - All fields of client_model's metrics.proto that Prometheus reads are decoded: labels,
//    gauge/counter/untyped values, summaries, classic buckets (integer and float cumulative
//    counts), native histograms (schema, zero threshold, integer and float zero counts, spans,
//    integer deltas and float counts on both sides), timestamp_ms and the start (created)
//    timestamps of counters, summaries and histograms. Repeated scalars are accepted packed and
//    unpacked. Exemplars (and unknown fields) are skipped: promlet stores no exemplars.
//  - The schema carries no custom bucket bounds, so a histogram exposed with schema -53 is
//    decoded as exposed and refused later by Validate, as Prometheus does.
//  - Errors are InvalidArgument and name the byte offset of the message and, once its name is
//    known, the family: `metric family "x" at byte 120: broken histogram`.
#ifndef PROMLET_MODEL_METRIC_FAMILY_H_
#define PROMLET_MODEL_METRIC_FAMILY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"

namespace promlet::model::proto {

// The MetricType enum of metrics.proto (wire values).
enum class WireType : uint32_t {
  kCounter = 0,
  kGauge = 1,
  kSummary = 2,
  kUntyped = 3,
  kHistogram = 4,
  kGaugeHistogram = 5,
};

struct LabelPair {
  std::string_view name;
  std::string_view value;
};

struct Quantile {
  double quantile = 0;
  double value = 0;
};

struct Bucket {
  uint64_t cumulative_count = 0;
  double cumulative_count_float = 0;  // overrides cumulative_count if > 0
  double upper_bound = 0;
  // The count Prometheus uses: the float one when > 0, else the integer one.
  double Count() const {
    return cumulative_count_float > 0 ? cumulative_count_float
                                      : static_cast<double>(cumulative_count);
  }
};

struct Summary {
  uint64_t sample_count = 0;
  double sample_sum = 0;
  std::vector<Quantile> quantiles;
};

struct Histogram {
  uint64_t sample_count = 0;
  double sample_count_float = 0;  // overrides sample_count if > 0
  double sample_sum = 0;
  std::vector<Bucket> buckets;  // classic buckets, increasing upper bounds; +Inf optional
  int32_t schema = 0;
  double zero_threshold = 0;
  uint64_t zero_count = 0;
  double zero_count_float = 0;  // overrides zero_count if > 0
  std::vector<histogram::Span> negative_spans, positive_spans;
  std::vector<int64_t> negative_deltas, positive_deltas;
  std::vector<double> negative_counts, positive_counts;

  // The observation count Prometheus uses for the classic series (_count, +Inf bucket).
  double ClassicCount() const {
    return sample_count_float > 0 ? sample_count_float : static_cast<double>(sample_count);
  }
  // Prometheus' isNativeHistogram: any span, a zero threshold or a zero count. (A native
  // histogram without observations needs a no-op span to be recognised.)
  bool IsNative() const {
    return !positive_spans.empty() || !negative_spans.empty() || zero_threshold > 0 ||
           zero_count > 0;
  }
  // Float histogram when either float count is set (Prometheus' test).
  bool IsFloat() const { return sample_count_float > 0 || zero_count_float > 0; }
  // Prometheus' checkNativeHistogramConsistency: "positive side: spans require 3 buckets,
  // have 2".
  absl::Status CheckSpans() const;
  // The native histogram as Prometheus' ProtobufParser.Histogram builds it (compacted; hint
  // Gauge for a gauge histogram). Call CheckSpans first.
  void ToHistogram(bool gauge, histogram::Histogram* out) const;
  void ToFloatHistogram(bool gauge, histogram::FloatHistogram* out) const;
};

struct Metric {
  std::vector<LabelPair> labels;
  bool has_gauge = false, has_counter = false, has_untyped = false;
  bool has_summary = false, has_histogram = false;
  double value = 0;  // of the gauge, counter or untyped field
  Summary summary;
  Histogram histogram;
  int64_t timestamp_ms = 0;  // 0 = none (proto3 cannot tell; Prometheus reads 0 as unset)
  // start_timestamp of the counter, summary or histogram, in ms.
  std::optional<int64_t> start_timestamp_ms;
};

struct MetricFamily {
  std::string_view name;
  std::string_view help;
  std::string_view unit;
  uint32_t type = static_cast<uint32_t>(WireType::kCounter);  // raw: may be out of range
  size_t offset = 0;  // byte offset of the length prefix of this family in the body

  size_t size() const { return num_metrics; }
  const Metric& metric(size_t i) const { return metrics[i]; }
  Metric& metric(size_t i) { return metrics[i]; }

  // Storage reused across families (only the first num_metrics entries are valid).
  std::vector<Metric> metrics;
  size_t num_metrics = 0;
};

// Reads the families of a delimited body one by one.
class MetricFamilyReader {
 public:
  explicit MetricFamilyReader(std::string_view body) : body_(body) {}
  // Decodes the next family into *f (reusing its storage). Returns false at the end of the
  // body; an error for a broken length prefix or message (the reader is then finished).
  absl::StatusOr<bool> Next(MetricFamily* f);
  // Byte offset of the next family.
  size_t offset() const { return pos_; }

 private:
  std::vector<std::string_view>& metric_msgs_scratch();

  std::string_view body_;
  size_t pos_ = 0;
  bool failed_ = false;
  std::vector<std::string_view> scratch_;  // the metric messages of the current family
};

// `metric family "name" at byte 12: what` (or `at byte 12: what` without a name).
absl::Status FamilyError(const MetricFamily& f, std::string_view what);

// True for a Content-Type naming the delimited MetricFamily encoding (parameters in any order,
// case-insensitive).
bool IsDelimitedMetricFamily(std::string_view content_type);

}  // namespace promlet::model::proto

#endif  // PROMLET_MODEL_METRIC_FAMILY_H_
