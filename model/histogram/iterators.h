// Bucket iterators over a native histogram's layout: forward (from the zero bucket outwards),
// forward merged into a lower target schema, reverse (from the outermost bucket inwards), all
// buckets in ascending or descending order with the zero bucket, and cumulative. A port of the
// iterators of Prometheus' model/histogram (generic.go, histogram.go, float_histogram.go).
//
// Invariants:
//  - An iterator borrows the spans, buckets and custom values it walks: they must outlive it and
//    stay unchanged while it is used.
//  - Next() returns false at the end and also, instead of reading out of range, on a layout
//    whose spans need more buckets than there are (only an invalid histogram has one).
//  - At() is only meaningful after Next() returned true.
#ifndef PROMLET_MODEL_HISTOGRAM_ITERATORS_H_
#define PROMLET_MODEL_HISTOGRAM_ITERATORS_H_

#include <cstdint>
#include <vector>

#include "model/histogram/bucket.h"
#include "model/histogram/schema.h"

namespace promlet::model::histogram {

// State shared by the iterators: which layout, where in it, and the current bucket.
template <typename Count, typename Internal>
struct BucketCursor {
  int32_t schema = 0;
  const std::vector<Span>* spans = nullptr;
  const std::vector<Internal>* buckets = nullptr;
  const CustomValues* custom_values = nullptr;  // positive side of a custom-bucket schema only
  bool positive = true;

  size_t spans_idx = 0;      // current span
  uint32_t idx_in_span = 0;  // 0 <= idx_in_span < span.length
  size_t buckets_idx = 0;    // current bucket in buckets
  Internal curr_count = 0;   // count of the current bucket
  int32_t curr_idx = 0;      // the bucket's index in the schema

  Bucket<Count> At(int32_t at_schema) const {
    static const CustomValues kNone;
    const CustomValues& cv = custom_values ? *custom_values : kNone;
    Bucket<Count> b;
    b.count = static_cast<Count>(curr_count);
    b.index = curr_idx;
    if (positive) {
      b.upper = GetBound(curr_idx, at_schema, cv);
      b.lower = GetBound(curr_idx - 1, at_schema, cv);
    } else {
      b.lower = -GetBound(curr_idx, at_schema, cv);
      b.upper = -GetBound(curr_idx - 1, at_schema, cv);
    }
    if (IsCustomBucketsSchema(at_schema)) {
      b.lower_inclusive = curr_idx == 0;
      b.upper_inclusive = true;
    } else {
      b.lower_inclusive = b.lower < 0;
      b.upper_inclusive = b.upper > 0;
    }
    return b;
  }
};

// Positive or negative buckets of an integer histogram (delta-encoded), from the zero bucket out.
class RegularBucketIterator {
 public:
  RegularBucketIterator(const std::vector<Span>& spans, const std::vector<int64_t>& buckets,
                        int32_t schema, bool positive, const CustomValues* custom_values);
  bool Next();
  Bucket<uint64_t> At() const { return c_.At(c_.schema); }

 private:
  BucketCursor<uint64_t, int64_t> c_;
};

// Positive or negative buckets of a float histogram from the zero bucket out, merged into
// target_schema (<= schema; a custom-bucket schema only to itself). For exponential schemas,
// buckets whose absolute upper bound is <= absolute_start_value are skipped.
class FloatBucketIterator {
 public:
  FloatBucketIterator(const std::vector<Span>& spans, const std::vector<double>& buckets,
                      int32_t schema, bool positive, const CustomValues* custom_values,
                      double absolute_start_value, int32_t target_schema);
  bool Next();
  Bucket<double> At() const { return c_.At(target_schema_); }
  // The current bucket's count and index (cheaper than At: no bounds).
  double count() const { return c_.curr_count; }
  int32_t index() const { return c_.curr_idx; }

 private:
  BucketCursor<double, double> c_;
  int32_t target_schema_;
  int32_t orig_idx_ = 0;  // the bucket index within the original schema
  double absolute_start_value_;
  bool bound_reached_start_value_;
};

// Positive or negative buckets of a float histogram from the outermost bucket in.
class ReverseFloatBucketIterator {
 public:
  ReverseFloatBucketIterator(const std::vector<Span>& spans, const std::vector<double>& buckets,
                             int32_t schema, bool positive, const CustomValues* custom_values);
  bool Next();
  Bucket<double> At() const { return c_.At(c_.schema); }

 private:
  BucketCursor<double, double> c_;
  int64_t buckets_idx_;  // may go below 0
  int64_t idx_in_span_;  // may go below 0
  int64_t spans_idx_;
};

// Every bucket of a float histogram: negative, zero (if populated), positive, in ascending order
// (or descending when built for reverse). Buckets overlapping the zero bucket are clipped to
// the zero threshold.
class AllFloatBucketIterator {
 public:
  AllFloatBucketIterator(ReverseFloatBucketIterator outer_first, FloatBucketIterator inner_first,
                         double zero_threshold, double zero_count);
  bool Next();
  Bucket<double> At() const { return curr_; }

 private:
  ReverseFloatBucketIterator left_;
  FloatBucketIterator right_;
  double zero_threshold_;
  double zero_count_;
  int state_ = -1;  // -1: left side, 0: zero bucket, 1: right side, else done
  Bucket<double> curr_;
};

// Cumulative view of an integer histogram's zero and positive buckets (with the empty buckets
// between spans); Lower is -Inf. Only meaningful without negative buckets.
class CumulativeBucketIterator {
 public:
  CumulativeBucketIterator(const std::vector<Span>& spans, const std::vector<int64_t>& buckets,
                           int32_t schema, const CustomValues* custom_values, double zero_threshold,
                           uint64_t zero_count);
  bool Next();
  Bucket<uint64_t> At() const;

 private:
  const std::vector<Span>& spans_;
  const std::vector<int64_t>& buckets_;
  int32_t schema_;
  const CustomValues* custom_values_;
  double zero_threshold_;
  uint64_t zero_count_;

  int64_t pos_spans_idx_ = -1;  // -1: the zero bucket
  size_t pos_buckets_idx_ = 0;
  uint32_t idx_in_span_ = 0;
  bool initialized_ = false;
  int32_t curr_idx_ = 0;
  double curr_upper_ = 0;
  int64_t curr_count_ = 0;
  uint64_t curr_cumulative_count_ = 0;
  int32_t empty_bucket_count_ = 0;  // empty buckets still to walk between two spans
};

}  // namespace promlet::model::histogram

#endif  // PROMLET_MODEL_HISTOGRAM_ITERATORS_H_
