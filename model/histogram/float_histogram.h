// FloatHistogram: a native histogram with absolute double bucket counts, what PromQL computes
// with (rates, sums and scaled histograms have fractional counts). A port of Prometheus'
// model/histogram/float_histogram.go; methods that panic there return a Status here.
//
// Invariants (of a valid histogram, see Validate):
//  - schema is exponential (-4..8) or kCustomBucketsSchema (-53). With custom buckets,
//    custom_values holds the upper bounds (strictly increasing, finite) and zero_threshold,
//    zero_count and the negative side are unused (0 / empty); otherwise custom_values is null.
//  - positive_spans describe positive_buckets exactly (sum of lengths == size), the same for
//    the negative side; later spans have offset >= 0.
//  - counts are absolute (not deltas) and >= 0; count is the number of observations (it can
//    exceed the buckets' total by the NaN observations); sum is also the stale marker's carrier.
//  - Arithmetic (Mul, Div, Add, Sub, KahanAdd, Compact, TrimBuckets, ReduceResolution) edits
//    the receiver in place; the other operand is never modified.
#ifndef PROMLET_MODEL_HISTOGRAM_FLOAT_HISTOGRAM_H_
#define PROMLET_MODEL_HISTOGRAM_FLOAT_HISTOGRAM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/histogram/bucket.h"
#include "model/histogram/iterators.h"
#include "model/histogram/schema.h"

namespace promlet::model::histogram {

// What Add, Sub and KahanAdd report besides the result. counter_reset_collision: one operand
// said CounterReset, the other NotCounterReset (the result's hint is then Unknown).
// nhcb_bounds_reconciled: custom bounds differed and the result uses their intersection.
struct ArithResult {
  bool counter_reset_collision = false;
  bool nhcb_bounds_reconciled = false;
};

struct FloatHistogram {
  CounterResetHint counter_reset_hint = CounterResetHint::kUnknown;
  int32_t schema = 0;
  double zero_threshold = 0;
  double zero_count = 0;
  double count = 0;
  double sum = 0;
  std::vector<Span> positive_spans, negative_spans;
  std::vector<double> positive_buckets, negative_buckets;
  CustomValues custom_values;  // custom-bucket schema only (shared, immutable)

  bool UsesCustomBuckets() const { return IsCustomBucketsSchema(schema); }

  // A deep copy (custom values shared) leaving out the fields the schema does not use.
  FloatHistogram Copy() const;
  void CopyTo(FloatHistogram* to) const;
  // A copy reduced to target_schema (<= schema); fails for custom buckets on either side.
  absl::StatusOr<FloatHistogram> CopyToSchema(int32_t target_schema) const;

  // Go's String(): "{count:4, sum:5, [-1,-0.5):1, [-0.001,0.001]:2, (0.5,1]:1}" (populated
  // buckets only, ascending).
  std::string String() const;
  // The test-script notation ("{{schema:1 count:4 sum:5 buckets:[1 2 1]}}"), compacted to one
  // span per side; fields with their zero value are left out.
  std::string TestExpression() const;

  // The zero bucket [-zero_threshold, zero_threshold] (zero-width for custom buckets, where
  // Prometheus panics).
  Bucket<double> ZeroBucket() const;

  // Scales every count and the sum; a negative factor/divisor makes the hint Gauge. Division by
  // zero removes all buckets (counts become ±Inf or NaN).
  FloatHistogram& Mul(double factor);
  FloatHistogram& Div(double scalar);

  // Adds (subtracts) other, reconciling zero thresholds and schemas (the result has the lower
  // schema and the larger zero threshold) and, for custom buckets with different bounds, mapping
  // both to the intersection of the bounds. Fails (receiver unchanged) when one side uses custom
  // buckets and the other not; on a layout whose spans and buckets disagree (Prometheus panics)
  // it fails with the receiver partly updated. Empty buckets and adjacent spans may remain: call
  // Compact.
  absl::StatusOr<ArithResult> Add(const FloatHistogram& other);
  absl::StatusOr<ArithResult> Sub(const FloatHistogram& other);
  // Add with Kahan compensation kept in *c (created with this layout if empty; a given one must
  // have this histogram's bucket counts, else nothing changes and an error is returned); the
  // compensated total is *this plus *c (c shares this histogram's layout afterwards).
  absl::StatusOr<ArithResult> KahanAdd(const FloatHistogram& other,
                                       std::optional<FloatHistogram>* c);

  // Exact equality: same schema, bit-identical count, sum, zero count and bucket counts, same
  // zero threshold and custom bounds, same bucket layout (zero-length spans ignored).
  bool Equals(const FloatHistogram& other) const;

  // Removes empty buckets at span ends, merges spans at most max_empty_buckets apart and splits
  // spans at longer runs of empty buckets.
  FloatHistogram& Compact(int max_empty_buckets);

  // Whether this histogram, following previous, starts after a counter reset (hint first, then
  // any count, bucket or zero-bucket decrease, a schema increase, a zero-threshold decrease).
  bool DetectReset(const FloatHistogram& previous) const;

  // Prometheus' Validate: layout and value checks with Prometheus' error texts.
  absl::Status Validate() const;

  // Merges the buckets into target_schema (< schema); fails for custom buckets, a custom target
  // schema or an inconsistent layout.
  absl::Status ReduceResolution(int32_t target_schema);

  // Whether any count, the sum or a custom bound is infinite.
  bool HasOverflow() const;

  // Keeps only the observations below (is_upper_trim, PromQL's </) or above (>/) rhs,
  // interpolating within the bucket containing rhs; recomputes count and sum from bucket
  // midpoints when anything was trimmed.
  FloatHistogram& TrimBuckets(double rhs, bool is_upper_trim);

  // Bucket iterators (they borrow this histogram: keep it alive and unchanged).
  FloatBucketIterator PositiveBucketIterator() const;
  FloatBucketIterator NegativeBucketIterator() const;
  ReverseFloatBucketIterator PositiveReverseBucketIterator() const;
  ReverseFloatBucketIterator NegativeReverseBucketIterator() const;
  AllFloatBucketIterator AllBucketIterator() const;
  AllFloatBucketIterator AllReverseBucketIterator() const;
  // The positive or negative buckets merged into target_schema (<= schema, the same schema for
  // custom buckets), skipping exponential buckets with |upper bound| <= absolute_start_value.
  FloatBucketIterator BucketIteratorAt(bool positive, double absolute_start_value,
                                       int32_t target_schema) const;

  // Internals shared by the implementation files.
  void AdjustCounterReset(const FloatHistogram& other, bool* collision);
  FloatHistogram NewCompensationHistogram() const;
  void ZeroCountForLargerThreshold(double larger_threshold, const FloatHistogram* c,
                                   double* zero_count, double* threshold,
                                   double* c_zero_count) const;
  void TrimBucketsInZeroBucket(FloatHistogram* c);
  void ReconcileZeroBuckets(const FloatHistogram& other, FloatHistogram* c,
                            double* other_zero_count, double* other_c_zero_count);
  bool DetectResetWithMismatchedCustomBounds(const FloatHistogram& previous) const;
};

// Intersection of two sorted bound lists (null when empty).
CustomValues IntersectCustomBucketBounds(const std::vector<double>& a,
                                         const std::vector<double>& b);

}  // namespace promlet::model::histogram

#endif  // PROMLET_MODEL_HISTOGRAM_FLOAT_HISTOGRAM_H_
