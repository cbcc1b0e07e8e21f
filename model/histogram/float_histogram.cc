#include "model/histogram/float_histogram.h"

#include <bit>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/go_format.h"
#include "common/kahansum.h"
#include "model/histogram/buckets.h"

namespace promlet::model::histogram {
namespace {

bool FloatBucketsMatch(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<uint64_t>(a[i]) != std::bit_cast<uint64_t>(b[i])) return false;
  }
  return true;
}

std::string G(double v) { return common::GoFloat(v, 'g'); }

}  // namespace

FloatHistogram FloatHistogram::Copy() const {
  FloatHistogram c;
  CopyTo(&c);
  return c;
}

void FloatHistogram::CopyTo(FloatHistogram* to) const {
  to->counter_reset_hint = counter_reset_hint;
  to->schema = schema;
  to->count = count;
  to->sum = sum;
  if (UsesCustomBuckets()) {
    to->zero_threshold = 0;
    to->zero_count = 0;
    to->negative_spans.clear();
    to->negative_buckets.clear();
    to->custom_values = custom_values;
  } else {
    to->zero_threshold = zero_threshold;
    to->zero_count = zero_count;
    to->negative_spans = negative_spans;
    to->negative_buckets = negative_buckets;
    to->custom_values = nullptr;
  }
  to->positive_spans = positive_spans;
  to->positive_buckets = positive_buckets;
}

absl::StatusOr<FloatHistogram> FloatHistogram::CopyToSchema(int32_t target_schema) const {
  if (target_schema == schema) return Copy();
  if (UsesCustomBuckets()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot reduce resolution to ", target_schema,
                                                   " when there are custom buckets"));
  }
  if (IsCustomBucketsSchema(target_schema)) {
    return absl::InvalidArgumentError("cannot reduce resolution to custom buckets schema");
  }
  if (target_schema > schema) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot copy from schema ", schema, " to ", target_schema));
  }
  FloatHistogram c;
  c.schema = target_schema;
  c.zero_threshold = zero_threshold;
  c.zero_count = zero_count;
  c.count = count;
  c.sum = sum;
  absl::Status s =
      histogram::ReduceResolution(positive_spans, positive_buckets, schema, target_schema, false,
                                  &c.positive_spans, &c.positive_buckets);
  if (!s.ok()) return s;
  s = histogram::ReduceResolution(negative_spans, negative_buckets, schema, target_schema, false,
                                  &c.negative_spans, &c.negative_buckets);
  if (!s.ok()) return s;
  return c;
}

std::string FloatHistogram::String() const {
  std::string out = absl::StrCat("{count:", G(count), ", sum:", G(sum));
  std::vector<Bucket<double>> negative;
  for (FloatBucketIterator it = NegativeBucketIterator(); it.Next();) {
    if (it.count() != 0) negative.push_back(it.At());
  }
  for (auto b = negative.rbegin(); b != negative.rend(); ++b)
    absl::StrAppend(&out, ", ", b->String());
  if (zero_count != 0) absl::StrAppend(&out, ", ", ZeroBucket().String());
  for (FloatBucketIterator it = PositiveBucketIterator(); it.Next();) {
    if (it.count() != 0) absl::StrAppend(&out, ", ", it.At().String());
  }
  out.push_back('}');
  return out;
}

std::string FloatHistogram::TestExpression() const {
  FloatHistogram m = Copy();
  m.Compact(std::numeric_limits<int>::max());  // one span per side
  std::vector<std::string> res;
  if (m.schema != 0) res.push_back(absl::StrCat("schema:", m.schema));
  if (m.count != 0) res.push_back(absl::StrCat("count:", G(m.count)));
  if (m.sum != 0) res.push_back(absl::StrCat("sum:", G(m.sum)));
  if (m.zero_count != 0) res.push_back(absl::StrCat("z_bucket:", G(m.zero_count)));
  if (m.zero_threshold != 0) res.push_back(absl::StrCat("z_bucket_w:", G(m.zero_threshold)));
  if (m.UsesCustomBuckets()) {
    std::vector<std::string> bounds;
    for (double b : Bounds(m.custom_values)) bounds.push_back(G(b));
    res.push_back(absl::StrCat("custom_values:[", absl::StrJoin(bounds, " "), "]"));
  }
  switch (m.counter_reset_hint) {
    case CounterResetHint::kUnknown:
      break;
    case CounterResetHint::kReset:
      res.push_back("counter_reset_hint:reset");
      break;
    case CounterResetHint::kNotReset:
      res.push_back("counter_reset_hint:not_reset");
      break;
    case CounterResetHint::kGauge:
      res.push_back("counter_reset_hint:gauge");
      break;
  }
  auto add_buckets = [&](absl::string_view buckets_key, absl::string_view offset_key,
                         const std::vector<double>& buckets, const std::vector<Span>& spans) {
    for (const Span& span : spans) {
      if (span.offset != 0) res.push_back(absl::StrCat(offset_key, ":", span.offset));
    }
    if (buckets.empty()) return;
    std::vector<std::string> strs;
    for (double b : buckets) strs.push_back(G(b));
    res.push_back(absl::StrCat(buckets_key, ":[", absl::StrJoin(strs, " "), "]"));
  };
  add_buckets("buckets", "offset", m.positive_buckets, m.positive_spans);
  add_buckets("n_buckets", "n_offset", m.negative_buckets, m.negative_spans);
  return absl::StrCat("{{", absl::StrJoin(res, " "), "}}");
}

Bucket<double> FloatHistogram::ZeroBucket() const {
  if (UsesCustomBuckets()) return Bucket<double>{0, 0, true, true, 0, 0};
  return Bucket<double>{-zero_threshold, zero_threshold, true, true, zero_count, 0};
}

FloatHistogram& FloatHistogram::Mul(double factor) {
  zero_count *= factor;
  count *= factor;
  sum *= factor;
  for (double& b : positive_buckets) b *= factor;
  for (double& b : negative_buckets) b *= factor;
  if (factor < 0) counter_reset_hint = CounterResetHint::kGauge;
  return *this;
}

FloatHistogram& FloatHistogram::Div(double scalar) {
  zero_count /= scalar;
  count /= scalar;
  sum /= scalar;
  if (scalar == 0) {  // division by zero removes all buckets
    positive_buckets.clear();
    negative_buckets.clear();
    positive_spans.clear();
    negative_spans.clear();
    return *this;
  }
  for (double& b : positive_buckets) b /= scalar;
  for (double& b : negative_buckets) b /= scalar;
  if (scalar < 0) counter_reset_hint = CounterResetHint::kGauge;
  return *this;
}

bool FloatHistogram::Equals(const FloatHistogram& h2) const {
  if (schema != h2.schema || std::bit_cast<uint64_t>(count) != std::bit_cast<uint64_t>(h2.count) ||
      std::bit_cast<uint64_t>(sum) != std::bit_cast<uint64_t>(h2.sum)) {
    return false;
  }
  if (UsesCustomBuckets() && !CustomBucketBoundsMatch(custom_values, h2.custom_values)) {
    return false;
  }
  if (zero_threshold != h2.zero_threshold ||
      std::bit_cast<uint64_t>(zero_count) != std::bit_cast<uint64_t>(h2.zero_count)) {
    return false;
  }
  return SpansMatch(negative_spans, h2.negative_spans) &&
         FloatBucketsMatch(negative_buckets, h2.negative_buckets) &&
         SpansMatch(positive_spans, h2.positive_spans) &&
         FloatBucketsMatch(positive_buckets, h2.positive_buckets);
}

FloatHistogram& FloatHistogram::Compact(int max_empty_buckets) {
  CompactBuckets(positive_buckets, nullptr, positive_spans, max_empty_buckets, false);
  CompactBuckets(negative_buckets, nullptr, negative_spans, max_empty_buckets, false);
  return *this;
}

namespace {

bool DetectResetOnSide(FloatBucketIterator curr, FloatBucketIterator prev) {
  if (!prev.Next()) return false;  // no buckets in previous: nothing can be reset
  auto rest_of_prev_populated = [&]() {
    for (;;) {
      if (prev.count() != 0) return true;
      if (!prev.Next()) return false;
    }
  };
  if (!curr.Next()) return rest_of_prev_populated();
  for (;;) {
    // Forward curr to the bucket corresponding to prev's.
    while (curr.index() < prev.index()) {
      if (!curr.Next()) return rest_of_prev_populated();
    }
    if (curr.index() > prev.index()) {
      if (prev.count() != 0) return true;  // previous has a populated bucket current lacks
    } else if (curr.count() < prev.count()) {
      return true;
    }
    if (!prev.Next()) return false;
  }
}

}  // namespace

bool FloatHistogram::DetectReset(const FloatHistogram& previous) const {
  if (counter_reset_hint == CounterResetHint::kReset) return true;
  if (counter_reset_hint == CounterResetHint::kNotReset) return false;
  // Unknown and Gauge: do the work (PromQL lets users apply counter functions to gauges).
  if (count < previous.count) return true;
  if (UsesCustomBuckets()) {
    if (!previous.UsesCustomBuckets()) return true;
    if (!CustomBucketBoundsMatch(custom_values, previous.custom_values)) {
      return DetectResetWithMismatchedCustomBounds(previous);
    }
  }
  if (schema > previous.schema) return true;
  if (zero_threshold < previous.zero_threshold) return true;
  double previous_zero_count = 0, new_threshold = 0, unused = 0;
  previous.ZeroCountForLargerThreshold(zero_threshold, nullptr, &previous_zero_count,
                                       &new_threshold, &unused);
  if (new_threshold != zero_threshold) return true;  // threshold within a populated bucket
  if (zero_count < previous_zero_count) return true;
  if (DetectResetOnSide(BucketIteratorAt(true, zero_threshold, schema),
                        previous.BucketIteratorAt(true, zero_threshold, schema))) {
    return true;
  }
  return DetectResetOnSide(BucketIteratorAt(false, zero_threshold, schema),
                           previous.BucketIteratorAt(false, zero_threshold, schema));
}

absl::Status FloatHistogram::Validate() const {
  double n_count = 0, p_count = 0;
  if (IsCustomBucketsSchema(schema)) {
    if (absl::Status s =
            CheckHistogramCustomBounds(custom_values, positive_spans, positive_buckets.size());
        !s.ok()) {
      return Wrapped("custom buckets", s.message());
    }
    if (zero_count != 0) return absl::InvalidArgumentError(kErrCustomBucketsZeroCount);
    if (zero_threshold != 0) return absl::InvalidArgumentError(kErrCustomBucketsZeroThresh);
    if (!negative_spans.empty()) return absl::InvalidArgumentError(kErrCustomBucketsNegSpans);
    if (!negative_buckets.empty()) return absl::InvalidArgumentError(kErrCustomBucketsNegBuckets);
  } else if (IsExponentialSchema(schema)) {
    if (absl::Status s = CheckHistogramSpans(positive_spans, positive_buckets.size()); !s.ok()) {
      return Wrapped("positive side", s.message());
    }
    if (absl::Status s = CheckHistogramSpans(negative_spans, negative_buckets.size()); !s.ok()) {
      return Wrapped("negative side", s.message());
    }
    if (absl::Status s = CheckHistogramBuckets(negative_buckets, &n_count, false); !s.ok()) {
      return Wrapped("negative side", s.message());
    }
    if (zero_count < 0) {
      return Wrapped(absl::StrCat("zero bucket has observation count of ", G(zero_count)),
                     kErrNegativeBucketCount);
    }
    if (custom_values != nullptr) return absl::InvalidArgumentError(kErrExpSchemaCustomBounds);
  } else {
    return InvalidSchemaError(schema);
  }
  if (count < 0) {
    return Wrapped(absl::StrCat("observation count is  ", G(count)), kErrNegativeCount);
  }
  if (absl::Status s = CheckHistogramBuckets(positive_buckets, &p_count, false); !s.ok()) {
    return Wrapped("positive side", s.message());
  }
  return absl::OkStatus();
}

absl::Status FloatHistogram::ReduceResolution(int32_t target_schema) {
  if (UsesCustomBuckets()) {
    return absl::InvalidArgumentError("cannot reduce resolution when there are custom buckets");
  }
  if (IsCustomBucketsSchema(target_schema)) {
    return absl::InvalidArgumentError("cannot reduce resolution to custom buckets schema");
  }
  if (target_schema >= schema) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot reduce resolution from schema ", schema, " to ", target_schema));
  }
  if (absl::Status s =
          histogram::ReduceResolution(positive_spans, positive_buckets, schema, target_schema,
                                      false, &positive_spans, &positive_buckets);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          histogram::ReduceResolution(negative_spans, negative_buckets, schema, target_schema,
                                      false, &negative_spans, &negative_buckets);
      !s.ok()) {
    return s;
  }
  schema = target_schema;
  return absl::OkStatus();
}

bool FloatHistogram::HasOverflow() const {
  if (std::isinf(zero_count) || std::isinf(count) || std::isinf(sum)) return true;
  for (double v : positive_buckets) {
    if (std::isinf(v)) return true;
  }
  for (double v : negative_buckets) {
    if (std::isinf(v)) return true;
  }
  for (double v : Bounds(custom_values)) {
    if (std::isinf(v)) return true;
  }
  return false;
}

FloatBucketIterator FloatHistogram::BucketIteratorAt(bool positive, double absolute_start_value,
                                                     int32_t target_schema) const {
  if (positive) {
    return FloatBucketIterator(positive_spans, positive_buckets, schema, true, &custom_values,
                               absolute_start_value, target_schema);
  }
  return FloatBucketIterator(negative_spans, negative_buckets, schema, false, nullptr,
                             absolute_start_value, target_schema);
}

FloatBucketIterator FloatHistogram::PositiveBucketIterator() const {
  return BucketIteratorAt(true, 0, schema);
}

FloatBucketIterator FloatHistogram::NegativeBucketIterator() const {
  return BucketIteratorAt(false, 0, schema);
}

ReverseFloatBucketIterator FloatHistogram::PositiveReverseBucketIterator() const {
  return ReverseFloatBucketIterator(positive_spans, positive_buckets, schema, true, &custom_values);
}

ReverseFloatBucketIterator FloatHistogram::NegativeReverseBucketIterator() const {
  return ReverseFloatBucketIterator(negative_spans, negative_buckets, schema, false, nullptr);
}

AllFloatBucketIterator FloatHistogram::AllBucketIterator() const {
  return AllFloatBucketIterator(NegativeReverseBucketIterator(), PositiveBucketIterator(),
                                zero_threshold, zero_count);
}

AllFloatBucketIterator FloatHistogram::AllReverseBucketIterator() const {
  return AllFloatBucketIterator(PositiveReverseBucketIterator(), NegativeBucketIterator(),
                                zero_threshold, zero_count);
}

}  // namespace promlet::model::histogram
