// Native-histogram schemas, bucket spans, counter-reset hints and bucket bounds: the vocabulary
// every native-histogram type (histogram.h, float_histogram.h) and every later layer (WAL,
// chunks, PromQL) shares. A port of Prometheus' model/histogram/generic.go.
//
// Invariants:
//  - Exponential schemas are kExponentialSchemaMin..kExponentialSchemaMax (-4..8): bucket i of
//    schema s covers (2^((i-1)·2^-s), 2^(i·2^-s)]; schemas -9..52 are "known" (they can be
//    reduced to 8 or -4) and -53 (kCustomBucketsSchema) means explicit upper bounds
//    (CustomValues, strictly increasing, finite, +Inf implied as the last bound).
//  - GetBound is bit-identical to Prometheus' getBound: the table of bounds in [0.5, 1) is
//    Prometheus' constants, and the last finite bucket's upper bound is DBL_MAX, not +Inf.
//  - Error texts are Prometheus' (the Err* strings below, wrapped as Go's %w wraps them:
//    "<context>: <base text>"); every error is an InvalidArgument status.
#ifndef PROMLET_MODEL_HISTOGRAM_SCHEMA_H_
#define PROMLET_MODEL_HISTOGRAM_SCHEMA_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace promlet::model::histogram {

inline constexpr int32_t kExponentialSchemaMax = 8;
inline constexpr int32_t kExponentialSchemaMaxReserved = 52;
inline constexpr int32_t kExponentialSchemaMin = -4;
inline constexpr int32_t kExponentialSchemaMinReserved = -9;
inline constexpr int32_t kCustomBucketsSchema = -53;

inline bool IsCustomBucketsSchema(int32_t s) { return s == kCustomBucketsSchema; }
inline bool IsExponentialSchema(int32_t s) {
  return s >= kExponentialSchemaMin && s <= kExponentialSchemaMax;
}
inline bool IsExponentialSchemaReserved(int32_t s) {
  return s >= kExponentialSchemaMinReserved && s <= kExponentialSchemaMaxReserved;
}
inline bool IsValidSchema(int32_t s) { return IsCustomBucketsSchema(s) || IsExponentialSchema(s); }
// A schema promlet accepts but has to reduce to the nearest supported one.
inline bool IsKnownSchema(int32_t s) {
  return IsCustomBucketsSchema(s) || IsExponentialSchemaReserved(s);
}

// Prometheus' error texts (model/histogram/generic.go).
inline constexpr absl::string_view kErrCountNotBigEnough =
    "histogram's observation count should be at least the number of observations found in the "
    "buckets";
inline constexpr absl::string_view kErrCountMismatch =
    "histogram's observation count should equal the number of observations found in the buckets "
    "(in absence of NaN)";
inline constexpr absl::string_view kErrNegativeCount = "histogram's observation count is negative";
inline constexpr absl::string_view kErrNegativeBucketCount =
    "histogram has a bucket whose observation count is negative";
inline constexpr absl::string_view kErrSpanNegativeOffset =
    "histogram has a span whose offset is negative";
inline constexpr absl::string_view kErrSpansBucketsMismatch =
    "histogram spans specify different number of buckets than provided";
inline constexpr absl::string_view kErrCustomBucketsMismatch =
    "histogram custom bounds are too few";
inline constexpr absl::string_view kErrCustomBucketsInvalid =
    "histogram custom bounds must be in strictly increasing order";
inline constexpr absl::string_view kErrCustomBucketsInfinite =
    "histogram custom bounds must be finite";
inline constexpr absl::string_view kErrCustomBucketsNaN = "histogram custom bounds must not be NaN";
inline constexpr absl::string_view kErrIncompatibleSchema =
    "cannot apply this operation on histograms with a mix of exponential and custom bucket schemas";
inline constexpr absl::string_view kErrCustomBucketsZeroCount =
    "custom buckets: must have zero count of 0";
inline constexpr absl::string_view kErrCustomBucketsZeroThresh =
    "custom buckets: must have zero threshold of 0";
inline constexpr absl::string_view kErrCustomBucketsNegSpans =
    "custom buckets: must not have negative spans";
inline constexpr absl::string_view kErrCustomBucketsNegBuckets =
    "custom buckets: must not have negative buckets";
inline constexpr absl::string_view kErrExpSchemaCustomBounds =
    "histogram with exponential schema must not have custom bounds";
// "histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or
// -53 for custom buckets, got schema <s>".
absl::Status InvalidSchemaError(int32_t schema);
// The same with -9 and 52 ("unknown schema").
absl::Status UnknownSchemaError(int32_t schema);

// A continuous run of buckets: Offset is the gap to the previous span (never negative except
// for the first span, where it is the index of the first bucket).
struct Span {
  int32_t offset = 0;
  uint32_t length = 0;
  friend bool operator==(const Span&, const Span&) = default;
};

// What is known about a counter reset at this sample (the values are Prometheus' wire values).
enum class CounterResetHint : uint8_t {
  kUnknown = 0,   // cannot say whether this histogram starts after a counter reset
  kReset = 1,     // there was definitely a counter reset starting from this histogram
  kNotReset = 2,  // there was definitely no counter reset with this histogram
  kGauge = 3,     // a gauge histogram: counter resets do not apply
};

// Custom bucket bounds. Shared and immutable once built (Prometheus interns them), so copying a
// histogram copies a pointer. nullptr is "no custom values" (Go's nil), distinct from an empty
// list, because Validate refuses any non-nil list on an exponential schema.
using CustomValues = std::shared_ptr<const std::vector<double>>;
inline CustomValues MakeCustomValues(std::vector<double> bounds) {
  return std::make_shared<const std::vector<double>>(std::move(bounds));
}
// The bounds as a (possibly empty) list.
inline const std::vector<double>& Bounds(const CustomValues& cv) {
  static const std::vector<double> kNone;
  return cv ? *cv : kNone;
}
// CustomBucketBoundsMatch: same length and every bound equal (==, so NaN never matches).
bool CustomBucketBoundsMatch(const CustomValues& a, const CustomValues& b);

// The upper bound of bucket idx (its lower bound is GetBound(idx - 1, ...)). For custom buckets
// idx must be in [-1, len(bounds)]: -1 is -Inf, len(bounds) is +Inf (out-of-range indices also
// give ±Inf rather than failing).
double GetBound(int32_t idx, int32_t schema, const CustomValues& custom_values);
double GetBoundExponential(int32_t idx, int32_t schema);

// The index in target_schema (<= origin_schema) of the bucket that contains bucket idx of
// origin_schema.
inline int32_t TargetIdx(int32_t idx, int32_t origin_schema, int32_t target_schema) {
  // Go's >> of an int32 by 32 or more is 0 or -1 (schemas up to 52 reduce to 8: shift 44).
  const int32_t shift = origin_schema - target_schema;
  return (shift >= 31 ? ((idx - 1) < 0 ? -1 : 0) : ((idx - 1) >> shift)) + 1;
}

}  // namespace promlet::model::histogram

#endif  // PROMLET_MODEL_HISTOGRAM_SCHEMA_H_
