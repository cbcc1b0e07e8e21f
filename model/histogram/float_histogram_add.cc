// FloatHistogram addition and subtraction (plain and Kahan-compensated) with the zero-bucket,
// schema and custom-bound reconciliation they need; a port of the corresponding half of
// Prometheus' float_histogram.go, down to the order of floating-point operations.
#include <cmath>
#include <limits>

#include "common/kahansum.h"
#include "model/histogram/buckets.h"
#include "model/histogram/float_histogram.h"

namespace promlet::model::histogram {
namespace {

using common::KahanSumDec;
using common::KahanSumInc;

// Adds (negative: subtracts) the buckets (spans_b, buckets_b) into (spans_a, buckets_a), all in
// `schema`, inserting buckets and spans as needed; B's exponential buckets with an upper bound
// <= threshold are skipped (they are inside A's zero bucket). With comp_a, sums are Kahan
// steps with A's compensation (and B's, comp_b, when given), Prometheus' kahanAddBuckets;
// without, plain additions, Prometheus' addBuckets.
void AddBuckets(int32_t schema, double threshold, bool negative, std::vector<Span>& spans_a,
                std::vector<double>& buckets_a, const std::vector<Span>& spans_b,
                const std::vector<double>& buckets_b, std::vector<double>* comp_a,
                const std::vector<double>* comp_b) {
  int64_t i_span = -1, i_bucket = -1;
  int32_t i_in_span = 0, index_a = 0, index_b = 0;
  size_t b_idx_b = 0;
  bool lower_than_threshold = true;
  double comp_bucket_b = 0;

  auto insert_bucket = [&](size_t at, double v, double c) {
    buckets_a.insert(buckets_a.begin() + at, v);
    if (comp_a) comp_a->insert(comp_a->begin() + at, c);
  };
  auto add_at = [&](size_t at, double v, double c) {
    if (!comp_a) {
      buckets_a[at] += v;
      return;
    }
    KahanSumInc(v, buckets_a[at], (*comp_a)[at]);
    if (c != 0) KahanSumInc(c, buckets_a[at], (*comp_a)[at]);
  };
  // One bucket of B; returning is Prometheus' `goto nextLoop`.
  auto add_one = [&]() {
    if (lower_than_threshold && IsExponentialSchema(schema) &&
        GetBoundExponential(index_b, schema) <= threshold) {
      return;
    }
    lower_than_threshold = false;
    double bucket_b = buckets_b[b_idx_b];
    if (comp_b) comp_bucket_b = (*comp_b)[b_idx_b];
    if (negative) {
      bucket_b *= -1;
      comp_bucket_b *= -1;
    }
    if (i_span == -1) {
      if (spans_a.empty() || spans_a[0].offset > index_b) {
        // Before all other buckets.
        insert_bucket(0, bucket_b, comp_bucket_b);
        if (!spans_a.empty() && spans_a[0].offset == index_b + 1) {
          spans_a[0].length++;
          spans_a[0].offset--;
          return;
        }
        spans_a.insert(spans_a.begin(), Span{index_b, 1});
        if (spans_a.size() > 1) spans_a[1].offset -= index_b + 1;  // absolute -> relative
        return;
      }
      if (spans_a[0].offset == index_b) {
        add_at(0, bucket_b, comp_bucket_b);
        return;
      }
      i_span = 0;
      i_bucket = 0;
      i_in_span = 0;
      index_a = spans_a[0].offset;
    }
    int32_t delta_index = index_b - index_a;
    for (;;) {
      const int32_t remaining_in_span = static_cast<int32_t>(spans_a[i_span].length) - i_in_span;
      if (delta_index < remaining_in_span) {  // in the current span
        i_bucket += delta_index;
        i_in_span += delta_index;
        add_at(i_bucket, bucket_b, comp_bucket_b);
        return;
      }
      delta_index -= remaining_in_span;
      i_bucket += remaining_in_span;
      ++i_span;
      const int64_t n_spans = static_cast<int64_t>(spans_a.size());
      if (i_span == n_spans || delta_index < spans_a[i_span].offset) {
        // In the gap behind the previous span (or after the last span).
        insert_bucket(i_bucket, bucket_b, comp_bucket_b);
        if (delta_index == 0) {  // directly after the previous span: extend it
          if (i_span < n_spans) spans_a[i_span].offset--;
          --i_span;
          i_in_span = static_cast<int32_t>(spans_a[i_span].length);
          spans_a[i_span].length++;
        } else if (i_span < n_spans && delta_index == spans_a[i_span].offset - 1) {
          // Directly before the next span: extend that one.
          i_in_span = 0;
          spans_a[i_span].offset--;
          spans_a[i_span].length++;
        } else {  // a new span
          i_in_span = 0;
          if (i_span < n_spans) spans_a[i_span].offset -= delta_index + 1;
          spans_a.insert(spans_a.begin() + i_span, Span{delta_index, 1});
        }
        return;
      }
      delta_index -= spans_a[i_span].offset;  // try the start of the next span
      i_in_span = 0;
    }
  };
  for (const Span& span_b : spans_b) {
    index_b += span_b.offset;
    for (uint32_t j = 0; j < span_b.length; ++j) {
      add_one();
      index_a = index_b;
      ++index_b;
      ++b_idx_b;
    }
  }
}

// Prometheus' kahanReduceResolution: ReduceResolution of float buckets with their Kahan
// compensation merged alongside (layouts are trusted to be consistent).
void KahanReduceResolution(std::vector<Span>& spans, std::vector<double>& buckets,
                           std::vector<double>& comp, int32_t origin_schema,
                           int32_t target_schema) {
  std::vector<Span> t_spans;
  std::vector<double> t_buckets, t_comp;
  int32_t bucket_idx = 0, last_target_bucket_idx = 0;
  size_t bucket_count_idx = 0;
  for (const Span& span : spans) {
    bucket_idx += span.offset;
    for (uint32_t j = 0; j < span.length; ++j) {
      const int32_t target_bucket_idx = TargetIdx(bucket_idx, origin_schema, target_schema);
      if (t_spans.empty()) {
        t_spans.push_back({target_bucket_idx, 1});
        t_buckets.push_back(buckets[bucket_count_idx]);
        last_target_bucket_idx = target_bucket_idx;
        t_comp.push_back(comp[bucket_count_idx]);
      } else if (last_target_bucket_idx == target_bucket_idx) {
        KahanSumInc(buckets[bucket_count_idx], t_buckets.back(), t_comp.back());
        KahanSumInc(comp[bucket_count_idx], t_buckets.back(), t_comp.back());
      } else {
        if (last_target_bucket_idx + 1 == target_bucket_idx) {
          t_spans.back().length++;
          ++last_target_bucket_idx;
        } else {
          t_spans.push_back({target_bucket_idx - last_target_bucket_idx - 1, 1});
          last_target_bucket_idx = target_bucket_idx;
        }
        t_buckets.push_back(buckets[bucket_count_idx]);
        t_comp.push_back(comp[bucket_count_idx]);
      }
      ++bucket_idx;
      ++bucket_count_idx;
    }
  }
  spans = std::move(t_spans);
  buckets = std::move(t_buckets);
  comp = std::move(t_comp);
}

// Prometheus' addCustomBucketsWithMismatches: maps A (with its compensation comp_a, if any) and
// B (negated when negative) onto the intersected bounds with Kahan steps, then keeps the
// buckets whose value or compensation is non-zero. Writes A's new layout and compensation.
void AddCustomBucketsWithMismatches(
    bool negative, std::vector<Span>& spans_a, std::vector<double>& buckets_a,
    const std::vector<double>& bounds_a, const std::vector<Span>& spans_b,
    const std::vector<double>& buckets_b, const std::vector<double>& bounds_b,
    std::vector<double>* comp_a, const std::vector<double>& intersected,
    std::vector<double>* comp_out) {
  std::vector<double> target(intersected.size() + 1, 0.0), c_target(intersected.size() + 1, 0.0);
  auto map_buckets = [&](const std::vector<Span>& spans, const std::vector<double>& buckets,
                         const std::vector<double>& bounds, bool neg,
                         const std::vector<double>* comp) {
    size_t src_idx = 0, bucket_idx = 0, intersect_idx = 0;
    for (const Span& span : spans) {
      src_idx += static_cast<size_t>(span.offset);
      for (uint32_t k = 0; k < span.length; ++k) {
        if (bucket_idx < buckets.size()) {
          const double value = buckets[bucket_idx];
          size_t t = target.size() - 1;  // the +Inf bucket by default
          if (src_idx < bounds.size()) {
            const double src_bound = bounds[src_idx];
            for (; intersect_idx < intersected.size(); ++intersect_idx) {
              if (intersected[intersect_idx] >= src_bound) {
                t = intersect_idx;
                break;
              }
            }
          }
          if (neg) {
            KahanSumDec(value, target[t], c_target[t]);
          } else {
            KahanSumInc(value, target[t], c_target[t]);
            if (comp) KahanSumInc((*comp)[bucket_idx], target[t], c_target[t]);
          }
        }
        ++src_idx;
        ++bucket_idx;
      }
    }
  };
  map_buckets(spans_a, buckets_a, bounds_a, false, comp_a);
  map_buckets(spans_b, buckets_b, bounds_b, negative, nullptr);

  std::vector<Span> dest_spans;
  std::vector<double> dest, c_dest;
  int32_t last_idx = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && c_target[i] == 0) continue;
    dest.push_back(target[i]);
    c_dest.push_back(c_target[i]);
    const int32_t idx = static_cast<int32_t>(i);
    if (!dest_spans.empty() && idx == last_idx + 1) {
      dest_spans.back().length++;
    } else {
      dest_spans.push_back({dest_spans.empty() ? idx : idx - last_idx - 1, 1});
    }
    last_idx = idx;
  }
  spans_a = std::move(dest_spans);
  buckets_a = std::move(dest);
  if (comp_out) *comp_out = std::move(c_dest);
}

// Add or Sub without compensation.
absl::StatusOr<ArithResult> AddOrSub(FloatHistogram& h, const FloatHistogram& other,
                                     bool negative) {
  if (h.UsesCustomBuckets() != other.UsesCustomBuckets()) {
    return absl::InvalidArgumentError(kErrIncompatibleSchema);
  }
  ArithResult r;
  h.AdjustCounterReset(other, &r.counter_reset_collision);
  if (!h.UsesCustomBuckets()) {
    double other_zero_count = 0, unused = 0;
    h.ReconcileZeroBuckets(other, nullptr, &other_zero_count, &unused);
    if (negative) {
      h.zero_count -= other_zero_count;
    } else {
      h.zero_count += other_zero_count;
    }
  }
  if (negative) {  // a - b, not a + (-b): the two differ in the sign of a NaN result
    h.count -= other.count;
    h.sum -= other.sum;
  } else {
    h.count += other.count;
    h.sum += other.sum;
  }

  if (h.UsesCustomBuckets()) {
    if (CustomBucketBoundsMatch(h.custom_values, other.custom_values)) {
      AddBuckets(h.schema, h.zero_threshold, negative, h.positive_spans, h.positive_buckets,
                 other.positive_spans, other.positive_buckets, nullptr, nullptr);
    } else {
      r.nhcb_bounds_reconciled = true;
      CustomValues intersected =
          IntersectCustomBucketBounds(Bounds(h.custom_values), Bounds(other.custom_values));
      AddCustomBucketsWithMismatches(negative, h.positive_spans, h.positive_buckets,
                                     Bounds(h.custom_values), other.positive_spans,
                                     other.positive_buckets, Bounds(other.custom_values), nullptr,
                                     Bounds(intersected), nullptr);
      h.custom_values = std::move(intersected);
    }
    return r;
  }

  const std::vector<Span>* o_pos_spans = &other.positive_spans;
  const std::vector<double>* o_pos_buckets = &other.positive_buckets;
  const std::vector<Span>* o_neg_spans = &other.negative_spans;
  const std::vector<double>* o_neg_buckets = &other.negative_buckets;
  std::vector<Span> rps, rns;
  std::vector<double> rpb, rnb;
  if (other.schema < h.schema) {
    if (absl::Status s = h.ReduceResolution(other.schema); !s.ok()) return s;
  } else if (other.schema > h.schema) {
    if (absl::Status s = ReduceResolution(other.positive_spans, other.positive_buckets,
                                          other.schema, h.schema, false, &rps, &rpb);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = ReduceResolution(other.negative_spans, other.negative_buckets,
                                          other.schema, h.schema, false, &rns, &rnb);
        !s.ok()) {
      return s;
    }
    o_pos_spans = &rps;
    o_pos_buckets = &rpb;
    o_neg_spans = &rns;
    o_neg_buckets = &rnb;
  }
  AddBuckets(h.schema, h.zero_threshold, negative, h.positive_spans, h.positive_buckets,
             *o_pos_spans, *o_pos_buckets, nullptr, nullptr);
  AddBuckets(h.schema, h.zero_threshold, negative, h.negative_spans, h.negative_buckets,
             *o_neg_spans, *o_neg_buckets, nullptr, nullptr);
  return r;
}

}  // namespace

absl::StatusOr<ArithResult> FloatHistogram::Add(const FloatHistogram& other) {
  return AddOrSub(*this, other, false);
}

absl::StatusOr<ArithResult> FloatHistogram::Sub(const FloatHistogram& other) {
  return AddOrSub(*this, other, true);
}

absl::StatusOr<ArithResult> FloatHistogram::KahanAdd(const FloatHistogram& other,
                                                     std::optional<FloatHistogram>* c_opt) {
  if (UsesCustomBuckets() != other.UsesCustomBuckets()) {
    return absl::InvalidArgumentError(kErrIncompatibleSchema);
  }
  // Prometheus indexes the compensation buckets by this histogram's layout (and panics when they
  // do not line up); refuse instead, before changing anything.
  if (c_opt->has_value() &&
      ((*c_opt)->positive_buckets.size() != positive_buckets.size() ||
       (!UsesCustomBuckets() && (*c_opt)->negative_buckets.size() != negative_buckets.size()))) {
    return absl::InvalidArgumentError(
        "compensation histogram's buckets do not match the histogram's bucket layout");
  }
  ArithResult r;
  AdjustCounterReset(other, &r.counter_reset_collision);
  if (!c_opt->has_value()) c_opt->emplace(NewCompensationHistogram());
  FloatHistogram& c = **c_opt;
  if (!UsesCustomBuckets()) {
    double other_zero_count = 0, other_c_zero_count = 0;
    ReconcileZeroBuckets(other, &c, &other_zero_count, &other_c_zero_count);
    KahanSumInc(other_zero_count, zero_count, c.zero_count);
    KahanSumInc(other_c_zero_count, zero_count, c.zero_count);
  }
  KahanSumInc(other.count, count, c.count);
  KahanSumInc(other.sum, sum, c.sum);

  if (UsesCustomBuckets()) {
    if (CustomBucketBoundsMatch(custom_values, other.custom_values)) {
      AddBuckets(schema, zero_threshold, false, positive_spans, positive_buckets,
                 other.positive_spans, other.positive_buckets, &c.positive_buckets, nullptr);
    } else {
      r.nhcb_bounds_reconciled = true;
      CustomValues intersected =
          IntersectCustomBucketBounds(Bounds(custom_values), Bounds(other.custom_values));
      AddCustomBucketsWithMismatches(false, positive_spans, positive_buckets, Bounds(custom_values),
                                     other.positive_spans, other.positive_buckets,
                                     Bounds(other.custom_values), &c.positive_buckets,
                                     Bounds(intersected), &c.positive_buckets);
      custom_values = intersected;
      c.custom_values = std::move(intersected);
    }
    c.positive_spans = positive_spans;
    return r;
  }

  std::vector<Span> o_pos_spans = other.positive_spans, o_neg_spans = other.negative_spans;
  std::vector<double> o_pos = other.positive_buckets, o_neg = other.negative_buckets;
  std::vector<double> o_pos_c, o_neg_c;
  if (other.schema < schema) {
    KahanReduceResolution(positive_spans, positive_buckets, c.positive_buckets, schema,
                          other.schema);
    KahanReduceResolution(negative_spans, negative_buckets, c.negative_buckets, schema,
                          other.schema);
    schema = other.schema;
  } else if (other.schema > schema) {
    if (!o_pos.empty()) {
      o_pos_c.assign(o_pos.size(), 0.0);
      KahanReduceResolution(o_pos_spans, o_pos, o_pos_c, other.schema, schema);
    }
    if (!o_neg.empty()) {
      o_neg_c.assign(o_neg.size(), 0.0);
      KahanReduceResolution(o_neg_spans, o_neg, o_neg_c, other.schema, schema);
    }
  }
  AddBuckets(schema, zero_threshold, false, positive_spans, positive_buckets, o_pos_spans, o_pos,
             &c.positive_buckets, o_pos_c.empty() ? nullptr : &o_pos_c);
  AddBuckets(schema, zero_threshold, false, negative_spans, negative_buckets, o_neg_spans, o_neg,
             &c.negative_buckets, o_neg_c.empty() ? nullptr : &o_neg_c);
  c.schema = schema;
  c.zero_threshold = zero_threshold;
  c.positive_spans = positive_spans;
  c.negative_spans = negative_spans;
  return r;
}

void FloatHistogram::AdjustCounterReset(const FloatHistogram& other, bool* collision) {
  *collision = false;
  const CounterResetHint o = other.counter_reset_hint;
  if (o == counter_reset_hint || counter_reset_hint == CounterResetHint::kGauge) return;
  if (o == CounterResetHint::kGauge) {
    counter_reset_hint = CounterResetHint::kGauge;  // something added to a gauge is a gauge
    return;
  }
  if (counter_reset_hint == CounterResetHint::kUnknown) return;
  if (o == CounterResetHint::kUnknown) {
    counter_reset_hint = CounterResetHint::kUnknown;
    return;
  }
  // CounterReset meets NotCounterReset.
  counter_reset_hint = CounterResetHint::kUnknown;
  *collision = true;
}

FloatHistogram FloatHistogram::NewCompensationHistogram() const {
  FloatHistogram c;
  c.counter_reset_hint = counter_reset_hint;
  c.schema = schema;
  c.zero_threshold = zero_threshold;
  c.custom_values = custom_values;
  c.positive_buckets.assign(positive_buckets.size(), 0.0);
  c.positive_spans = positive_spans;
  c.negative_spans = negative_spans;
  if (!UsesCustomBuckets()) c.negative_buckets.assign(negative_buckets.size(), 0.0);
  return c;
}

void FloatHistogram::ZeroCountForLargerThreshold(double larger_threshold, const FloatHistogram* c,
                                                 double* h_zero_count, double* threshold,
                                                 double* c_zero_count) const {
  *c_zero_count = c ? c->zero_count : 0;
  if (larger_threshold == zero_threshold) {  // fast path
    *h_zero_count = zero_count;
    *threshold = larger_threshold;
    return;
  }
  // Callers never pass a smaller threshold (Prometheus panics on one).
  for (;;) {
    *h_zero_count = zero_count;
    size_t buckets_idx = 0;
    for (FloatBucketIterator it = PositiveBucketIterator(); it.Next();) {
      const Bucket<double> b = it.At();
      if (b.lower >= larger_threshold) break;
      // Bucket merged into the zero bucket.
      KahanSumInc(b.count, *h_zero_count, *c_zero_count);
      if (c) KahanSumInc(c->positive_buckets[buckets_idx], *h_zero_count, *c_zero_count);
      if (b.upper > larger_threshold) {
        // The new threshold is within this bucket: move it to the bucket's upper bound if the
        // bucket is populated.
        if (b.count != 0) larger_threshold = b.upper;
        break;
      }
      ++buckets_idx;
    }
    bool redo = false;
    buckets_idx = 0;
    for (FloatBucketIterator it = NegativeBucketIterator(); it.Next();) {
      const Bucket<double> b = it.At();
      if (b.upper <= -larger_threshold) break;
      KahanSumInc(b.count, *h_zero_count, *c_zero_count);
      if (c) KahanSumInc(c->negative_buckets[buckets_idx], *h_zero_count, *c_zero_count);
      if (b.lower < -larger_threshold) {
        // Within a populated bucket: the positive side has to be redone with the new threshold
        // (the compensation is not reset, as in Prometheus).
        if (b.count != 0) {
          larger_threshold = -b.lower;
          redo = true;
        }
        break;
      }
      ++buckets_idx;
    }
    if (redo) continue;
    *threshold = larger_threshold;
    return;
  }
}

void FloatHistogram::TrimBucketsInZeroBucket(FloatHistogram* c) {
  size_t buckets_idx = 0;
  for (FloatBucketIterator it = PositiveBucketIterator(); it.Next();) {
    if (it.At().lower >= zero_threshold) break;
    positive_buckets[buckets_idx] = 0;
    if (c) c->positive_buckets[buckets_idx] = 0;
    ++buckets_idx;
  }
  buckets_idx = 0;
  for (FloatBucketIterator it = NegativeBucketIterator(); it.Next();) {
    if (it.At().upper <= -zero_threshold) break;
    negative_buckets[buckets_idx] = 0;
    if (c) c->negative_buckets[buckets_idx] = 0;
    ++buckets_idx;
  }
  // Compact(0) trims the buckets just emptied.
  if (c) {
    CompactBuckets(positive_buckets, &c->positive_buckets, positive_spans, 0, false);
    CompactBuckets(negative_buckets, &c->negative_buckets, negative_spans, 0, false);
  } else {
    Compact(0);
  }
}

void FloatHistogram::ReconcileZeroBuckets(const FloatHistogram& other, FloatHistogram* c,
                                          double* other_zero_count, double* other_c_zero_count) {
  *other_zero_count = other.zero_count;
  *other_c_zero_count = 0;
  double other_zero_threshold = other.zero_threshold;
  while (other_zero_threshold != zero_threshold) {
    if (zero_threshold > other_zero_threshold) {
      other.ZeroCountForLargerThreshold(zero_threshold, nullptr, other_zero_count,
                                        &other_zero_threshold, other_c_zero_count);
    }
    if (other_zero_threshold > zero_threshold) {
      double new_zero_count = 0, new_threshold = 0, c_zero_count = 0;
      ZeroCountForLargerThreshold(other_zero_threshold, c, &new_zero_count, &new_threshold,
                                  &c_zero_count);
      zero_count = new_zero_count;
      zero_threshold = new_threshold;
      if (c) c->zero_count = c_zero_count;
      TrimBucketsInZeroBucket(c);
    }
  }
}

bool FloatHistogram::DetectResetWithMismatchedCustomBounds(const FloatHistogram& previous) const {
  const std::vector<double>& curr_bounds = Bounds(custom_values);
  const std::vector<double>& prev_bounds = Bounds(previous.custom_values);
  FloatBucketIterator curr_it = BucketIteratorAt(true, 0, kCustomBucketsSchema);
  FloatBucketIterator prev_it = previous.BucketIteratorAt(true, 0, kCustomBucketsSchema);
  // Sums the buckets of it up to bound; *bucket is the first bucket above it (if *has_more).
  auto rollup = [](FloatBucketIterator& it, bool started, Bucket<double>* bucket, double bound,
                   bool* has_more) {
    if (!started) {
      if (!it.Next()) {
        *has_more = false;
        return 0.0;
      }
      *bucket = it.At();
    }
    double s = 0;
    while (bucket->upper <= bound) {
      s += bucket->count;
      if (!it.Next()) {
        *has_more = false;
        return s;
      }
      *bucket = it.At();
    }
    *has_more = true;
    return s;
  };
  size_t ci = 0, pi = 0;
  Bucket<double> curr_bucket, prev_bucket;
  bool curr_started = false, curr_more = false, prev_started = false, prev_more = false;
  const double inf = std::numeric_limits<double>::infinity();
  while (ci <= curr_bounds.size() && pi <= prev_bounds.size()) {
    const double cb = ci < curr_bounds.size() ? curr_bounds[ci] : inf;
    const double pb = pi < prev_bounds.size() ? prev_bounds[pi] : inf;
    if (cb == pb) {
      double curr_sum = 0, prev_sum = 0;
      if (!curr_started || curr_more) {
        curr_sum = rollup(curr_it, curr_started, &curr_bucket, cb, &curr_more);
        curr_started = true;
      }
      if (!prev_started || prev_more) {
        prev_sum = rollup(prev_it, prev_started, &prev_bucket, cb, &prev_more);
        prev_started = true;
      }
      if (curr_sum < prev_sum) return true;
      ++ci;
      ++pi;
    } else if (cb < pb) {
      ++ci;
    } else {
      ++pi;
    }
  }
  return false;
}

CustomValues IntersectCustomBucketBounds(const std::vector<double>& a,
                                         const std::vector<double>& b) {
  if (a.empty() || b.empty()) return nullptr;
  std::vector<double> result;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      result.push_back(a[i]);
      ++i;
      ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  if (result.empty()) return nullptr;
  return MakeCustomValues(std::move(result));
}

}  // namespace promlet::model::histogram
