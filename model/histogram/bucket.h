// One bucket of a native histogram with its bounds, as the bucket iterators (iterators.h) yield
// it. Count is uint64_t for integer histograms and double for float histograms.
//
// Invariants: Lower <= Upper; the inclusive flags follow Prometheus (exponential buckets are
// (lower, upper] on the positive side and [lower, upper) on the negative side, the zero bucket is
// [-t, t], custom buckets are (lower, upper] except the first, which is [-Inf, upper]). For a
// cumulative bucket Lower is -Inf and Count includes every lower bucket. Index is the bucket's
// index within its schema and sign (irrelevant for the zero bucket).
#ifndef PROMLET_MODEL_HISTOGRAM_BUCKET_H_
#define PROMLET_MODEL_HISTOGRAM_BUCKET_H_

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/go_format.h"

namespace promlet::model::histogram {

template <typename Count>
struct Bucket {
  double lower = 0;
  double upper = 0;
  bool lower_inclusive = false;
  bool upper_inclusive = false;
  Count count = 0;
  int32_t index = 0;

  friend bool operator==(const Bucket&, const Bucket&) = default;

  // Prometheus' API JSON "boundary rule": 0 (lower exclusive, upper inclusive), 1 (lower
  // inclusive, upper exclusive), 2 (both exclusive), 3 (both inclusive).
  int BoundaryRule() const {
    if (lower_inclusive) return upper_inclusive ? 3 : 1;
    return upper_inclusive ? 0 : 2;
  }

  // Go's Bucket.String: "[-1,-0.5):1", "(0.5,1]:1.5" with %g bounds and %v count.
  std::string String() const {
    std::string out(1, lower_inclusive ? '[' : '(');
    common::AppendGoFloat(&out, lower, 'g');
    out.push_back(',');
    common::AppendGoFloat(&out, upper, 'g');
    out.push_back(upper_inclusive ? ']' : ')');
    out.push_back(':');
    if constexpr (std::is_floating_point_v<Count>) {
      common::AppendGoFloat(&out, count, 'g');
    } else {
      absl::StrAppend(&out, count);
    }
    return out;
  }

  // The fraction (0..1) of this bucket's width at or below v, for lower < v < upper, both
  // finite: linear interpolation when linear (custom buckets, the zero bucket), else on a log2
  // scale (exponential buckets; negative buckets are mirrored). Meaningless outside the bounds.
  double FractionBelow(double v, bool linear) const {
    if (linear) return (v - lower) / (upper - lower);
    const double log_lower = std::log2(std::fabs(lower));
    const double log_upper = std::log2(std::fabs(upper));
    const double log_v = std::log2(std::fabs(v));
    if (v > 0) return (log_v - log_lower) / (log_upper - log_lower);
    return 1 - ((log_v - log_upper) / (log_lower - log_upper));
  }
};

}  // namespace promlet::model::histogram

#endif  // PROMLET_MODEL_HISTOGRAM_BUCKET_H_
