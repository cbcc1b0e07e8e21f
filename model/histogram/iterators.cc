#include "model/histogram/iterators.h"

#include <limits>

namespace promlet::model::histogram {

RegularBucketIterator::RegularBucketIterator(const std::vector<Span>& spans,
                                             const std::vector<int64_t>& buckets, int32_t schema,
                                             bool positive, const CustomValues* custom_values) {
  c_.schema = schema;
  c_.spans = &spans;
  c_.buckets = &buckets;
  c_.positive = positive;
  c_.custom_values = custom_values;
}

bool RegularBucketIterator::Next() {
  const std::vector<Span>& spans = *c_.spans;
  if (c_.spans_idx >= spans.size()) return false;
  Span span = spans[c_.spans_idx];
  if (c_.buckets_idx == 0) {
    c_.curr_idx = span.offset;  // seed for the first bucket
  } else {
    ++c_.curr_idx;
  }
  while (c_.idx_in_span >= span.length) {  // also steps over spans of length 0
    c_.idx_in_span = 0;
    if (++c_.spans_idx >= spans.size()) return false;
    span = spans[c_.spans_idx];
    c_.curr_idx += span.offset;
  }
  if (c_.buckets_idx >= c_.buckets->size()) return false;  // invalid histogram
  c_.curr_count += (*c_.buckets)[c_.buckets_idx];
  ++c_.idx_in_span;
  ++c_.buckets_idx;
  return true;
}

FloatBucketIterator::FloatBucketIterator(const std::vector<Span>& spans,
                                         const std::vector<double>& buckets, int32_t schema,
                                         bool positive, const CustomValues* custom_values,
                                         double absolute_start_value, int32_t target_schema)
    : target_schema_(target_schema),
      absolute_start_value_(absolute_start_value),
      bound_reached_start_value_(absolute_start_value == 0) {
  c_.schema = schema;
  c_.spans = &spans;
  c_.buckets = &buckets;
  c_.positive = positive;
  c_.custom_values = custom_values;
}

bool FloatBucketIterator::Next() {
  for (;;) {
    const std::vector<Span>& spans = *c_.spans;
    const std::vector<double>& buckets = *c_.buckets;
    if (c_.spans_idx >= spans.size()) return false;
    Span span = spans[c_.spans_idx];
    if (c_.schema == target_schema_) {
      // Fast path: no merging.
      if (c_.buckets_idx == 0) {
        c_.curr_idx = span.offset;
      } else {
        ++c_.curr_idx;
      }
      if (c_.buckets_idx >= buckets.size()) return false;  // invalid histogram
      while (c_.idx_in_span >= span.length) {
        c_.idx_in_span = 0;
        if (++c_.spans_idx >= spans.size()) return false;
        span = spans[c_.spans_idx];
        c_.curr_idx += span.offset;
      }
      c_.curr_count = buckets[c_.buckets_idx];
      ++c_.idx_in_span;
      ++c_.buckets_idx;
    } else {
      // Merge all buckets of the original schema that fall into one target bucket, working on
      // copies so that the first bucket of the next target bucket is not consumed.
      int32_t orig_idx = orig_idx_;
      size_t spans_idx = c_.spans_idx;
      uint32_t idx_in_span = c_.idx_in_span;
      bool first_pass = true;
      c_.curr_count = 0;
      for (;;) {
        if (c_.buckets_idx == 0) {
          orig_idx = span.offset;
        } else {
          ++orig_idx;
        }
        if (c_.buckets_idx >= buckets.size()) {
          if (first_pass) return false;
          break;
        }
        bool exhausted = false;
        while (idx_in_span >= span.length) {
          idx_in_span = 0;
          if (++spans_idx >= spans.size()) {
            exhausted = true;
            break;
          }
          span = spans[spans_idx];
          orig_idx += span.offset;
        }
        if (exhausted) {
          if (first_pass) return false;
          break;
        }
        const int32_t curr_idx = TargetIdx(orig_idx, c_.schema, target_schema_);
        if (first_pass) {
          c_.curr_idx = curr_idx;
          first_pass = false;
        } else if (curr_idx != c_.curr_idx) {
          break;  // reached the next target bucket
        }
        c_.curr_count += buckets[c_.buckets_idx];
        ++idx_in_span;
        ++c_.buckets_idx;
        orig_idx_ = orig_idx;
        c_.spans_idx = spans_idx;
        c_.idx_in_span = idx_in_span;
      }
    }
    // Skip buckets up to absolute_start_value (exponential schemas only).
    if (!bound_reached_start_value_ && IsExponentialSchema(target_schema_) &&
        GetBoundExponential(c_.curr_idx, target_schema_) <= absolute_start_value_) {
      continue;
    }
    bound_reached_start_value_ = true;
    return true;
  }
}

ReverseFloatBucketIterator::ReverseFloatBucketIterator(const std::vector<Span>& spans,
                                                       const std::vector<double>& buckets,
                                                       int32_t schema, bool positive,
                                                       const CustomValues* custom_values) {
  c_.schema = schema;
  c_.spans = &spans;
  c_.buckets = &buckets;
  c_.positive = positive;
  c_.custom_values = custom_values;
  spans_idx_ = static_cast<int64_t>(spans.size()) - 1;
  buckets_idx_ = static_cast<int64_t>(buckets.size()) - 1;
  idx_in_span_ = spans_idx_ >= 0 ? static_cast<int64_t>(spans[spans_idx_].length) - 1 : 0;
  c_.curr_idx = 0;
  for (const Span& s : spans) c_.curr_idx += s.offset + static_cast<int32_t>(s.length);
}

bool ReverseFloatBucketIterator::Next() {
  --c_.curr_idx;
  if (buckets_idx_ < 0) return false;
  const std::vector<Span>& spans = *c_.spans;
  while (idx_in_span_ < 0) {
    if (--spans_idx_ < 0) return false;  // invalid histogram
    idx_in_span_ = static_cast<int64_t>(spans[spans_idx_].length) - 1;
    c_.curr_idx -= spans[spans_idx_ + 1].offset;
  }
  c_.curr_count = (*c_.buckets)[buckets_idx_];
  --buckets_idx_;
  --idx_in_span_;
  return true;
}

AllFloatBucketIterator::AllFloatBucketIterator(ReverseFloatBucketIterator outer_first,
                                               FloatBucketIterator inner_first,
                                               double zero_threshold, double zero_count)
    : left_(outer_first),
      right_(inner_first),
      zero_threshold_(zero_threshold),
      zero_count_(zero_count) {}

bool AllFloatBucketIterator::Next() {
  for (;;) {
    switch (state_) {
      case -1:
        if (left_.Next()) {
          curr_ = left_.At();
          if (curr_.upper < 0 && curr_.upper > -zero_threshold_) {
            curr_.upper = -zero_threshold_;
          } else if (curr_.lower > 0 && curr_.lower < zero_threshold_) {
            curr_.lower = zero_threshold_;
          }
          return true;
        }
        state_ = 0;
        continue;
      case 0:
        state_ = 1;
        if (zero_count_ > 0) {
          curr_ = Bucket<double>{-zero_threshold_, zero_threshold_, true, true, zero_count_, 0};
          return true;
        }
        continue;
      case 1:
        if (right_.Next()) {
          curr_ = right_.At();
          if (curr_.lower > 0 && curr_.lower < zero_threshold_) {
            curr_.lower = zero_threshold_;
          } else if (curr_.upper < 0 && curr_.upper > -zero_threshold_) {
            curr_.upper = -zero_threshold_;
          }
          return true;
        }
        state_ = 42;
        return false;
      default:
        return false;
    }
  }
}

CumulativeBucketIterator::CumulativeBucketIterator(const std::vector<Span>& spans,
                                                   const std::vector<int64_t>& buckets,
                                                   int32_t schema,
                                                   const CustomValues* custom_values,
                                                   double zero_threshold, uint64_t zero_count)
    : spans_(spans),
      buckets_(buckets),
      schema_(schema),
      custom_values_(custom_values),
      zero_threshold_(zero_threshold),
      zero_count_(zero_count) {}

bool CumulativeBucketIterator::Next() {
  static const CustomValues kNone;
  const CustomValues& cv = custom_values_ ? *custom_values_ : kNone;
  if (pos_spans_idx_ == -1) {  // the zero bucket
    ++pos_spans_idx_;
    if (zero_count_ != 0) {
      curr_upper_ = zero_threshold_;
      curr_count_ = static_cast<int64_t>(zero_count_);
      curr_cumulative_count_ = zero_count_;
      return true;
    }
  }
  if (pos_spans_idx_ >= static_cast<int64_t>(spans_.size())) return false;
  if (empty_bucket_count_ > 0) {  // walking the empty buckets between two spans
    curr_upper_ = GetBound(curr_idx_, schema_, cv);
    ++curr_idx_;
    --empty_bucket_count_;
    return true;
  }
  const Span span = spans_[pos_spans_idx_];
  if (pos_spans_idx_ == 0 && !initialized_) {
    curr_idx_ = span.offset;
    curr_count_ = 0;  // the first bucket is absolute, not a delta to the zero bucket
    initialized_ = true;
  }
  if (pos_buckets_idx_ >= buckets_.size()) return false;  // invalid histogram
  curr_count_ += buckets_[pos_buckets_idx_];
  curr_cumulative_count_ += static_cast<uint64_t>(curr_count_);
  curr_upper_ = GetBound(curr_idx_, schema_, cv);
  ++pos_buckets_idx_;
  ++idx_in_span_;
  ++curr_idx_;
  if (idx_in_span_ >= span.length) {
    ++pos_spans_idx_;
    idx_in_span_ = 0;
    if (pos_spans_idx_ < static_cast<int64_t>(spans_.size())) {
      empty_bucket_count_ = spans_[pos_spans_idx_].offset;
    }
  }
  return true;
}

Bucket<uint64_t> CumulativeBucketIterator::At() const {
  return Bucket<uint64_t>{-std::numeric_limits<double>::infinity(),
                          curr_upper_,
                          true,
                          true,
                          curr_cumulative_count_,
                          curr_idx_ - 1};
}

}  // namespace promlet::model::histogram
