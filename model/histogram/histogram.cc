#include "model/histogram/histogram.h"

#include <bit>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/go_format.h"
#include "model/histogram/buckets.h"

namespace promlet::model::histogram {

Histogram Histogram::Copy() const {
  Histogram c;
  CopyTo(&c);
  return c;
}

void Histogram::CopyTo(Histogram* to) const {
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

std::string Histogram::String() const {
  std::string out = absl::StrCat("{count:", count, ", sum:", common::GoFloat(sum, 'g'));
  std::vector<Bucket<uint64_t>> negative;
  for (RegularBucketIterator it = NegativeBucketIterator(); it.Next();) {
    Bucket<uint64_t> b = it.At();
    if (b.count != 0) negative.push_back(b);
  }
  for (auto b = negative.rbegin(); b != negative.rend(); ++b)
    absl::StrAppend(&out, ", ", b->String());
  if (zero_count != 0) absl::StrAppend(&out, ", ", ZeroBucket().String());
  for (RegularBucketIterator it = PositiveBucketIterator(); it.Next();) {
    Bucket<uint64_t> b = it.At();
    if (b.count != 0) absl::StrAppend(&out, ", ", b.String());
  }
  out.push_back('}');
  return out;
}

Bucket<uint64_t> Histogram::ZeroBucket() const {
  if (UsesCustomBuckets()) return Bucket<uint64_t>{0, 0, true, true, 0, 0};
  return Bucket<uint64_t>{-zero_threshold, zero_threshold, true, true, zero_count, 0};
}

RegularBucketIterator Histogram::PositiveBucketIterator() const {
  return RegularBucketIterator(positive_spans, positive_buckets, schema, true, &custom_values);
}

RegularBucketIterator Histogram::NegativeBucketIterator() const {
  return RegularBucketIterator(negative_spans, negative_buckets, schema, false, nullptr);
}

histogram::CumulativeBucketIterator Histogram::CumulativeBucketIterator() const {
  return histogram::CumulativeBucketIterator(positive_spans, positive_buckets, schema,
                                             &custom_values, zero_threshold, zero_count);
}

bool Histogram::Equals(const Histogram& h2) const {
  if (schema != h2.schema || count != h2.count ||
      std::bit_cast<uint64_t>(sum) != std::bit_cast<uint64_t>(h2.sum)) {
    return false;
  }
  if (UsesCustomBuckets() && !CustomBucketBoundsMatch(custom_values, h2.custom_values)) {
    return false;
  }
  if (zero_threshold != h2.zero_threshold || zero_count != h2.zero_count) return false;
  return SpansMatch(negative_spans, h2.negative_spans) && negative_buckets == h2.negative_buckets &&
         SpansMatch(positive_spans, h2.positive_spans) && positive_buckets == h2.positive_buckets;
}

Histogram& Histogram::Compact(int max_empty_buckets) {
  CompactBuckets(positive_buckets, nullptr, positive_spans, max_empty_buckets, true);
  CompactBuckets(negative_buckets, nullptr, negative_spans, max_empty_buckets, true);
  return *this;
}

FloatHistogram Histogram::ToFloat() const {
  FloatHistogram fh;
  ToFloat(&fh);
  return fh;
}

void Histogram::ToFloat(FloatHistogram* fh) const {
  fh->counter_reset_hint = counter_reset_hint;
  fh->schema = schema;
  fh->count = static_cast<double>(count);
  fh->sum = sum;
  auto decode = [](const std::vector<int64_t>& deltas, std::vector<double>* out) {
    out->resize(deltas.size());
    double current = 0;
    for (size_t i = 0; i < deltas.size(); ++i) {
      current += static_cast<double>(deltas[i]);
      (*out)[i] = current;
    }
  };
  if (UsesCustomBuckets()) {
    fh->zero_threshold = 0;
    fh->zero_count = 0;
    fh->negative_spans.clear();
    fh->negative_buckets.clear();
    fh->custom_values = custom_values;
  } else {
    fh->zero_threshold = zero_threshold;
    fh->zero_count = static_cast<double>(zero_count);
    fh->negative_spans = negative_spans;
    decode(negative_buckets, &fh->negative_buckets);
    fh->custom_values = nullptr;
  }
  fh->positive_spans = positive_spans;
  decode(positive_buckets, &fh->positive_buckets);
}

absl::Status Histogram::Validate() const {
  uint64_t n_count = 0, p_count = 0;
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
    if (absl::Status s = CheckHistogramBuckets(negative_buckets, &n_count, true); !s.ok()) {
      return Wrapped("negative side", s.message());
    }
    if (custom_values != nullptr) return absl::InvalidArgumentError(kErrExpSchemaCustomBounds);
  } else {
    return InvalidSchemaError(schema);
  }
  if (absl::Status s = CheckHistogramBuckets(positive_buckets, &p_count, true); !s.ok()) {
    return Wrapped("positive side", s.message());
  }
  const uint64_t sum_of_buckets = n_count + p_count + zero_count;
  if (std::isnan(sum)) {
    if (sum_of_buckets > count) {
      return Wrapped(absl::StrCat(sum_of_buckets,
                                  " observations found in buckets, but the Count "
                                  "field is ",
                                  count),
                     kErrCountNotBigEnough);
    }
  } else if (sum_of_buckets != count) {
    return Wrapped(absl::StrCat(sum_of_buckets,
                                " observations found in buckets, but the Count field is ", count),
                   kErrCountMismatch);
  }
  return absl::OkStatus();
}

absl::Status Histogram::ReduceResolution(int32_t target_schema) {
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
          histogram::ReduceResolution(positive_spans, positive_buckets, schema, target_schema, true,
                                      &positive_spans, &positive_buckets);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          histogram::ReduceResolution(negative_spans, negative_buckets, schema, target_schema, true,
                                      &negative_spans, &negative_buckets);
      !s.ok()) {
    return s;
  }
  schema = target_schema;
  return absl::OkStatus();
}

}  // namespace promlet::model::histogram
