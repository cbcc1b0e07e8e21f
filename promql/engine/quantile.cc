// Quantile helpers, after Prometheus' promql/quantile.go: classic-bucket quantile and fraction
// estimation, and the quantile of a list of values.
#include <algorithm>
#include <cmath>
#include <limits>

#include "promql/engine/value.h"

namespace promlet::promql::internal {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A stable sort by upper bound; buckets gathered in order (the usual case) are left as they are.
void SortBuckets(std::vector<Bucket>& b) {
  auto less = [](const Bucket& x, const Bucket& y) { return x.upper_bound < y.upper_bound; };
  if (!std::is_sorted(b.begin(), b.end(), less)) std::stable_sort(b.begin(), b.end(), less);
}

// Merges buckets with the same upper bound. Input sorted.
void CoalesceBuckets(std::vector<Bucket>& b) {
  Bucket last = b[0];
  size_t i = 0;
  for (size_t k = 1; k < b.size(); ++k) {
    if (b[k].upper_bound == last.upper_bound) {
      last.count += b[k].count;
    } else {
      b[i] = last;
      last = b[k];
      ++i;
    }
  }
  b[i] = last;
  b.resize(i + 1);
}

bool EnsureMonotonic(std::vector<Bucket>& b) {
  bool forced = false;
  double max = b[0].count;
  for (size_t i = 1; i < b.size(); ++i) {
    if (b[i].count > max) {
      max = b[i].count;
    } else if (b[i].count < max) {
      b[i].count = max;
      forced = true;
    }
  }
  return forced;
}

void CorrectPrecisionErrors(std::vector<Bucket>& b, double tolerance) {
  double prev = b[0].count;
  for (size_t i = 1; i < b.size(); ++i) {
    const double curr = b[i].count;
    const double delta = std::fabs(curr - prev);
    if (delta == 0) continue;
    if (delta / curr <= tolerance) {
      b[i].count = prev;
    } else {
      prev = curr;
    }
  }
}
}  // namespace

double BucketQuantile(double q, std::vector<Bucket>& buckets, bool* forced_monotonic) {
  *forced_monotonic = false;
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  SortBuckets(buckets);
  if (!(std::isinf(buckets.back().upper_bound) && buckets.back().upper_bound > 0)) return kNaN;
  CoalesceBuckets(buckets);
  CorrectPrecisionErrors(buckets, 1e-12);
  *forced_monotonic = EnsureMonotonic(buckets);
  if (buckets.size() < 2) return kNaN;
  const double observations = buckets.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  // sort.Search over [0, n-1): first index with count >= rank.
  size_t b = 0;
  {
    size_t lo = 0, hi = buckets.size() - 1;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (!(buckets[mid].count >= rank)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    b = lo;
  }
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upper_bound;
  if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;
  double bucket_start = 0;
  const double bucket_end = buckets[b].upper_bound;
  double count = buckets[b].count;
  if (b > 0) {
    bucket_start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return bucket_start + (bucket_end - bucket_start) * (rank / count);
}

double BucketFraction(double lower, double upper, std::vector<Bucket>& buckets) {
  SortBuckets(buckets);
  if (!(std::isinf(buckets.back().upper_bound) && buckets.back().upper_bound > 0)) return kNaN;
  CoalesceBuckets(buckets);
  const double count = buckets.back().count;
  if (count == 0 || std::isnan(lower) || std::isnan(upper)) return kNaN;
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  for (size_t i = 0; i < buckets.size(); ++i) {
    double lower_bound = -kInf;
    if (i > 0) {
      lower_bound = buckets[i - 1].upper_bound;
    } else if (buckets[0].upper_bound > 0) {
      lower_bound = 0;  // natural lower bound, as for quantiles
    }
    const double upper_bound = buckets[i].upper_bound;
    const double bucket_count = buckets[i].count - rank;
    auto interpolate = [&](double v) {
      if (std::isinf(lower_bound) || std::isinf(upper_bound)) {
        // No interpolation possible in an infinite bucket.
        return v <= lower_bound ? rank : rank + bucket_count;
      }
      return rank + bucket_count * (v - lower_bound) / (upper_bound - lower_bound);
    };
    if (!lower_set && lower_bound >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && lower_bound >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && lower_bound < lower && upper_bound > lower) {
      lower_rank = std::isinf(upper_bound) ? rank : interpolate(lower);
      lower_set = true;
    }
    if (!upper_set && lower_bound < upper && upper_bound > upper) {
      upper_rank = std::isinf(upper_bound) ? rank : interpolate(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank = buckets[i].count;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  return (upper_rank - lower_rank) / count;
}

double Quantile(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  // Prometheus sorts with NaN first (vectorByValueHeap.Less).
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
    return a < b;
  });
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) +
         values[static_cast<size_t>(upper)] * weight;
}

}  // namespace promlet::promql::internal
