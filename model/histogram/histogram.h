// Histogram: a native histogram with integer counts, as scraped and stored (buckets are
// delta-encoded: the first bucket of a side is absolute, each later one the difference to its
// predecessor). A port of Prometheus' model/histogram/histogram.go.
//
// Invariants (of a valid histogram, see Validate): those of FloatHistogram (float_histogram.h)
// with integer counts; every decoded (absolute) bucket count is >= 0; count equals zero_count
// plus all bucket counts, or exceeds it only when sum is NaN (NaN observations are counted but
// fall in no bucket).
#ifndef PROMLET_MODEL_HISTOGRAM_HISTOGRAM_H_
#define PROMLET_MODEL_HISTOGRAM_HISTOGRAM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "model/histogram/bucket.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/iterators.h"
#include "model/histogram/schema.h"

namespace promlet::model::histogram {

struct Histogram {
  CounterResetHint counter_reset_hint = CounterResetHint::kUnknown;
  int32_t schema = 0;
  double zero_threshold = 0;
  uint64_t zero_count = 0;
  uint64_t count = 0;
  double sum = 0;
  std::vector<Span> positive_spans, negative_spans;
  std::vector<int64_t> positive_buckets, negative_buckets;  // deltas
  CustomValues custom_values;  // custom-bucket schema only (shared, immutable)

  bool UsesCustomBuckets() const { return IsCustomBucketsSchema(schema); }

  // A deep copy (custom values shared) leaving out the fields the schema does not use.
  Histogram Copy() const;
  void CopyTo(Histogram* to) const;

  // Go's String(): "{count:19, sum:2.7, [-64,-32):1, [-0.001,0.001]:2, (1,2]:3}".
  std::string String() const;

  // The zero bucket (zero-width for custom buckets, where Prometheus panics).
  Bucket<uint64_t> ZeroBucket() const;

  RegularBucketIterator PositiveBucketIterator() const;
  RegularBucketIterator NegativeBucketIterator() const;
  // Cumulative view of the zero and positive buckets (negative buckets are not represented).
  histogram::CumulativeBucketIterator CumulativeBucketIterator() const;

  // Exact equality (sum by bits; layouts equal up to zero-length spans).
  bool Equals(const Histogram& other) const;

  // As FloatHistogram::Compact, keeping the delta encoding right.
  Histogram& Compact(int max_empty_buckets);

  // The float version (absolute counts), written into *to (reusing its storage) and returned.
  FloatHistogram ToFloat() const;
  void ToFloat(FloatHistogram* to) const;

  // Prometheus' Validate (error texts included).
  absl::Status Validate() const;

  // Merges buckets into target_schema (< schema); fails for custom buckets, a custom target
  // schema or an inconsistent layout.
  absl::Status ReduceResolution(int32_t target_schema);
};

}  // namespace promlet::model::histogram

#endif  // PROMLET_MODEL_HISTOGRAM_HISTOGRAM_H_
