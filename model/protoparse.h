// ProtoParser: the protobuf exposition format (model/metric_family.h) presented entry by entry
// like the text parsers (model/textparse.h), as Prometheus' textparse.ProtobufParser does, so
// that the scrape loop handles every format with one loop.
//
// Per family with at least one metric (empty families are skipped, metadata included): kHelp,
// kUnit (only when a unit is set), kType, then per metric:
//  - counter, gauge, untyped: one kSeries named as the family (no suffix is added);
//  - summary: <name>_count, <name>_sum, then <name>{quantile="q"} per quantile;
//  - histogram / gauge histogram exposed as native (spans, zero threshold or zero count) and
//    native histograms not ignored: one kHistogram named as the family; then, with
//    keep_classic_histograms and classic buckets present, its classic series as below;
//  - classic histogram: <name>_count, <name>_sum, <name>_bucket{le="b"} per bucket up to the
//    first +Inf bucket (one with the count is added when missing); with
//    convert_classic_to_nhcb the same buckets become one kHistogram of schema -53 instead
//    (after the classic series when keep_classic_histograms).
// quantile and le values are formatted as Prometheus' FormatOpenMetricsFloat ("1.0", "+Inf").
// A value the metric lacks reads as 0 (Prometheus reads the proto getters' defaults).
//
// RawSeries() is Prometheus' key for the series: the name, then for each other label (sorted)
// 0xFF name 0xFF value. Accessors are valid until the next Next(). Errors (InvalidArgument)
// name the family and the byte offset of its message; after one the parser is finished.
#ifndef PROMLET_MODEL_PROTOPARSE_H_
#define PROMLET_MODEL_PROTOPARSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/histogram/convert_nhcb.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"
#include "model/labels.h"
#include "model/metric_family.h"
#include "model/textparse.h"

namespace promlet::model {

struct ProtoParserOptions {
  bool ignore_native_histograms = false;  // !scrape_native_histograms
  bool keep_classic_histograms = false;   // always_scrape_classic_histograms
  bool convert_classic_to_nhcb = false;   // convert_classic_histograms_to_nhcb
};

class ProtoParser {
 public:
  // `body` must outlive the parser and stay unchanged.
  ProtoParser(std::string_view body, ProtoParserOptions options);
  ProtoParser(const ProtoParser&) = delete;
  ProtoParser& operator=(const ProtoParser&) = delete;

  absl::StatusOr<Entry> Next();

  // --- kSeries / kHistogram ---
  std::string_view RawSeries() const { return key_; }
  absl::Status ParseLabels(Labels* out) const;
  double Value() const { return value_; }
  std::optional<int64_t> TimestampMs() const;
  bool IsCreatedSeries() const { return false; }
  // The start (created) timestamp of the current metric, if exposed (not stored by promlet).
  std::optional<int64_t> StartTimestampMs() const;
  // kHistogram: exactly one is non-null; the scrape loop may reduce it in place.
  histogram::Histogram* IntHistogram() { return is_float_ ? nullptr : &h_; }
  histogram::FloatHistogram* FloatHistogram() { return is_float_ ? &fh_ : nullptr; }

  // --- kType / kHelp / kUnit ---
  std::string_view FamilyName() const { return family_.name; }
  MetricType Type() const;
  std::optional<std::string_view> PlainHelp() const { return family_.help; }
  std::string Help() const { return std::string(family_.help); }
  std::string_view Unit() const { return family_.unit; }

 private:
  // Where the parser is within the current metric.
  enum class Step {
    kFamilyStart,  // next: metadata of a new family
    kHelp,
    kUnit,
    kType,
    kClassic,      // emitted classic field field_ (-2 count, -1 sum, >= 0 quantile/bucket)
    kNative,       // emitted the native histogram of metric_
    kMetricDone,   // emitted the last entry of metric_
  };
  struct ViewLabel {
    std::string_view name;
    std::string_view value;
  };

  absl::Status Fail(absl::Status s);
  absl::StatusOr<Entry> StartMetric();
  absl::StatusOr<Entry> EmitClassic();
  absl::StatusOr<Entry> AfterClassic();
  absl::StatusOr<Entry> NextMetric();
  bool IsHistogramFamily() const;
  bool IsClassic() const;  // a histogram metric read as classic
  const proto::Metric& metric() const { return family_.metric(metric_); }
  // Sets the current series: family name + suffix, the metric's labels plus an optional magic
  // label; builds the key.
  absl::Status SetSeries(std::string_view suffix, std::string_view magic_name,
                         std::string_view magic_value);
  absl::Status EmitNative();
  absl::Status EmitNhcb();

  ProtoParserOptions opts_;
  proto::MetricFamilyReader reader_;
  proto::MetricFamily family_;
  Step step_ = Step::kFamilyStart;
  size_t metric_ = 0;
  int field_ = -2;
  bool classic_done_ = false;
  bool done_ = false;
  absl::Status error_;

  // Current series.
  std::string name_;
  std::vector<ViewLabel> labels_;  // sorted, with __name__ (views into the body and buffers)
  std::string magic_value_;
  std::string key_;
  double value_ = 0;
  bool is_float_ = false;
  histogram::Histogram h_;
  histogram::FloatHistogram fh_;
  histogram::ClassicToNhcb nhcb_;
};

}  // namespace promlet::model

#endif  // PROMLET_MODEL_PROTOPARSE_H_
