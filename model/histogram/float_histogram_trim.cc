// FloatHistogram::TrimBuckets, PromQL's </ and >/ on histograms: a port of Prometheus'
// TrimBuckets and its helpers (interpolation inside the bucket holding the trim point, bucket
// midpoints for the new sum).
#include <cmath>

#include "model/histogram/float_histogram.h"

namespace promlet::model::histogram {
namespace {

double ZeroIfInf(double x) { return std::isinf(x) ? 0 : x; }

// Buckets with an infinite bound: what is kept and its midpoint.
void HandleInfinityBuckets(bool is_upper_trim, const Bucket<double>& b, double rhs, double* keep,
                           double* mid) {
  if (std::isinf(b.lower) && b.lower < 0) {
    if (is_upper_trim) {
      if (rhs >= b.upper) {
        *keep = b.count, *mid = 0;
      } else if (rhs > 0 && b.upper > 0 && !(std::isinf(b.upper) && b.upper > 0)) {
        // A finite positive upper bound: treat the lower bound as 0 (only NHCB get here).
        *keep = b.count * rhs / b.upper, *mid = rhs / 2;
      } else if (b.upper <= 0) {
        *keep = b.count, *mid = rhs;
      } else {
        *keep = 0, *mid = ZeroIfInf(b.upper);
      }
      return;
    }
    if (rhs <= b.lower) {
      *keep = b.count, *mid = 0;
    } else if (rhs >= 0 && b.upper > rhs && !(std::isinf(b.upper) && b.upper > 0)) {
      *keep = b.count * (1 - rhs / b.upper), *mid = (rhs + b.upper) / 2;
    } else {
      *keep = 0, *mid = ZeroIfInf(b.upper);
    }
    return;
  }
  // The upper bound is +Inf.
  if (is_upper_trim) {
    *keep = 0, *mid = ZeroIfInf(b.lower);
  } else if (rhs >= b.lower) {
    *keep = b.count, *mid = rhs;
  } else {
    *keep = 0, *mid = ZeroIfInf(b.lower);
  }
}

// The part of the bucket's count at or below rhs.
double ComputeSplit(const Bucket<double>& b, double rhs, bool linear) {
  if (rhs <= b.lower) return 0;
  if (rhs >= b.upper) return b.count;
  return b.count * b.FractionBelow(rhs, linear);
}

void ComputeZeroBucketTrim(const Bucket<double>& zb, double rhs, bool has_negative,
                           bool has_positive, bool is_upper_trim, double* keep, double* mid) {
  double lower = zb.lower, upper = zb.upper;
  if (has_negative && !has_positive) upper = 0;
  if (has_positive && !has_negative) lower = 0;
  double fraction = 0;
  if (is_upper_trim) {
    if (rhs <= lower) {
      *keep = 0, *mid = 0;
      return;
    }
    if (rhs >= upper) {
      *keep = zb.count, *mid = (lower + upper) / 2;
      return;
    }
    fraction = (rhs - lower) / (upper - lower);
    *mid = (lower + rhs) / 2;
  } else {
    if (rhs <= lower) {
      *keep = zb.count, *mid = (lower + upper) / 2;
      return;
    }
    if (rhs >= upper) {
      *keep = 0, *mid = 0;
      return;
    }
    fraction = (upper - rhs) / (upper - lower);
    *mid = (rhs + upper) / 2;
  }
  *keep = zb.count * fraction;
}

double ComputeMidpoint(double lo, double hi, bool is_positive, bool linear) {
  if (std::isinf(lo)) {
    if (std::isinf(hi)) return 0;
    if (hi > 0) return hi / 2;
    return hi;
  }
  if (std::isinf(hi)) return lo;
  if (linear) return (lo + hi) / 2;
  const double geo_mean = std::sqrt(std::fabs(lo * hi));
  return is_positive ? geo_mean : -geo_mean;
}

void ComputeBucketTrim(const Bucket<double>& b, double rhs, bool is_upper_trim, bool is_positive,
                       bool is_custom, double* keep, double* mid) {
  if ((std::isinf(b.lower) && b.lower < 0) || (std::isinf(b.upper) && b.upper > 0)) {
    HandleInfinityBuckets(is_upper_trim, b, rhs, keep, mid);
    return;
  }
  const double under = ComputeSplit(b, rhs, is_custom);
  if (is_upper_trim) {
    *keep = under;
    *mid = ComputeMidpoint(b.lower, rhs, is_positive, is_custom);
  } else {
    *keep = b.count - under;
    *mid = ComputeMidpoint(rhs, b.upper, is_positive, is_custom);
  }
}

}  // namespace

FloatHistogram& FloatHistogram::TrimBuckets(double rhs, bool is_upper_trim) {
  double updated_count = 0, updated_sum = 0;
  bool trimmed = false, has_positive = false, has_negative = false;
  const bool is_custom = UsesCustomBuckets();
  auto trim_side = [&](bool positive) {
    std::vector<double>& buckets = positive ? positive_buckets : negative_buckets;
    FloatBucketIterator it = positive ? PositiveBucketIterator() : NegativeBucketIterator();
    for (size_t i = 0; it.Next(); ++i) {
      const Bucket<double> b = it.At();
      if (b.count == 0) continue;
      (positive ? has_positive : has_negative) = true;
      const bool keep_all = is_upper_trim ? b.upper <= rhs : b.lower >= rhs;
      const bool straddles = is_upper_trim ? b.lower < rhs : b.upper > rhs;
      if (keep_all) {
        updated_count += b.count;
        updated_sum += ComputeMidpoint(b.lower, b.upper, positive, is_custom) * b.count;
      } else if (straddles) {
        double keep = 0, mid = 0;
        ComputeBucketTrim(b, rhs, is_upper_trim, positive, is_custom, &keep, &mid);
        updated_count += keep;
        updated_sum += mid * keep;
        if (buckets[i] != keep) {
          buckets[i] = keep;
          trimmed = true;
        }
      } else {
        buckets[i] = 0;
        trimmed = true;
      }
    }
  };
  trim_side(true);
  trim_side(false);
  if (zero_count > 0) {
    double keep = 0, mid = 0;
    ComputeZeroBucketTrim(ZeroBucket(), rhs, has_negative, has_positive, is_upper_trim, &keep,
                          &mid);
    if (zero_count != keep) {
      zero_count = keep;
      trimmed = true;
    }
    updated_sum += mid * keep;
    updated_count += keep;
  }
  if (trimmed) {  // totals change only when something was (partly) trimmed
    count = updated_count;
    sum = updated_sum;
    Compact(0);
  }
  return *this;
}

}  // namespace promlet::model::histogram
