// The functions of native histograms: histogram_count, histogram_sum, histogram_avg,
// histogram_stddev, histogram_stdvar (one float per histogram point), and the native halves
// of histogram_quantile and histogram_fraction (Prometheus' promql/quantile.go
// HistogramQuantile / HistogramFraction), which HistogramFunction (instant_functions.cc) calls
// for the histogram points of its input.
#include <cmath>
#include <limits>

#include "common/kahansum.h"
#include "promql/engine/instant_functions.h"

namespace promlet::promql::internal {

namespace {

using model::histogram::FloatHistogram;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Prometheus' simpleHistogramFunc: every histogram point becomes f(h) at its time; float
// points are dropped; the name goes (delayed).
template <typename Fn>
EMatrix SimpleHistogramFunction(FunctionArgs& a, Fn f) {
  EMatrix m = a.vector(0);
  EMatrix out;
  int64_t dropped = 0;
  for (auto& s : m) {
    a.ctx->CheckDone();
    dropped += static_cast<int64_t>(s.floats.size());
    s.floats.clear();
    if (s.histograms.empty()) continue;
    s.floats.reserve(s.histograms.size());
    for (const auto& p : s.histograms) s.floats.push_back({p.t, f(*p.h)});
    std::vector<HPoint>().swap(s.histograms);
    s.drop_name = true;
    out.push_back(std::move(s));
  }
  a.ctx->SubSamples(dropped);
  return out;
}

// Prometheus' histogramVariance.
double HistogramVariance(const FloatHistogram& h) {
  const double mean = h.sum / h.count;
  double variance = 0, c = 0;
  auto it = h.AllBucketIterator();
  while (it.Next()) {
    const auto b = it.At();
    if (b.count == 0) continue;
    double val;
    if (h.UsesCustomBuckets()) {
      val = (b.upper + b.lower) / 2.0;
    } else if (b.lower <= 0 && b.upper >= 0) {
      val = 0;
    } else {
      val = std::sqrt(b.upper * b.lower);
      if (b.upper < 0) val = -val;
    }
    const double delta = val - mean;
    common::KahanSumInc(b.count * delta * delta, variance, c);
  }
  variance += c;
  return variance / h.count;
}

}  // namespace

double NativeHistogramQuantile(double q, const FloatHistogram& h, bool* nan_result,
                               bool* nan_skew) {
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  if (h.count == 0 || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  const bool forward = std::isnan(h.sum) || q < 0.5;
  auto it = forward ? h.AllBucketIterator() : h.AllReverseBucketIterator();
  double rank = forward ? q * h.count : (1 - q) * h.count;
  double count = 0;
  model::histogram::Bucket<double> bucket;
  while (it.Next()) {
    bucket = it.At();
    if (bucket.count == 0) continue;
    count += bucket.count;
    if (count >= rank) break;
  }
  if (!h.UsesCustomBuckets() && bucket.lower < 0 && bucket.upper > 0) {
    if (h.negative_buckets.empty() && !h.positive_buckets.empty()) {
      bucket.lower = 0;
    } else if (h.positive_buckets.empty() && !h.negative_buckets.empty()) {
      bucket.upper = 0;
    }
  } else if (h.UsesCustomBuckets()) {
    if (bucket.lower == -kInf) {
      if (bucket.upper <= 0) return bucket.upper;
      bucket.lower = 0;
    } else if (bucket.upper == kInf) {
      return bucket.lower;
    }
  }
  if (count > h.count) count = h.count;
  if (count < rank) {
    if (std::isnan(h.sum)) {
      *nan_result = true;
      return std::numeric_limits<double>::quiet_NaN();
    }
    return bucket.upper;
  }
  if (forward) {
    rank -= count - bucket.count;
  } else {
    rank = count - rank;
  }
  if (std::isnan(h.sum)) {
    while (it.Next()) count += it.At().count;
    if (count < h.count) *nan_skew = true;
  }
  const double fraction = rank / bucket.count;
  if (h.UsesCustomBuckets() || (bucket.lower <= 0 && bucket.upper >= 0)) {
    return bucket.lower + (bucket.upper - bucket.lower) * fraction;
  }
  const double log_lower = std::log2(std::fabs(bucket.lower));
  const double log_upper = std::log2(std::fabs(bucket.upper));
  if (bucket.lower > 0) return std::exp2(log_lower + (log_upper - log_lower) * fraction);
  return -std::exp2(log_upper + (log_lower - log_upper) * (1 - fraction));
}

double NativeHistogramFraction(double lower, double upper, const FloatHistogram& h, bool* nans) {
  if (h.count == 0 || std::isnan(lower) || std::isnan(upper)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (lower >= upper) return 0;
  double count = 0, rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  auto it = h.AllBucketIterator();
  while (it.Next()) {
    auto b = it.At();
    count += b.count;
    bool zero_bucket = false;
    auto interpolate_linearly = [&](double v) {
      if (b.lower == -kInf) return b.count;
      return rank + b.count * b.FractionBelow(v, true);
    };
    auto interpolate_exponentially = [&](double v) {
      return rank + b.count * b.FractionBelow(v, false);
    };
    if (b.lower <= 0 && b.upper >= 0) {
      zero_bucket = true;
      if (h.negative_buckets.empty() && !h.positive_buckets.empty()) {
        b.lower = 0;
      } else if (h.positive_buckets.empty() && !h.negative_buckets.empty()) {
        b.upper = 0;
      }
    }
    if (!lower_set && b.lower >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && b.lower >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    const bool linear = h.UsesCustomBuckets() || zero_bucket;
    if (!lower_set && b.lower < lower && b.upper > lower) {
      lower_rank = linear ? interpolate_linearly(lower) : interpolate_exponentially(lower);
      lower_set = true;
    }
    if (!upper_set && b.lower < upper && b.upper > upper) {
      upper_rank = linear ? interpolate_linearly(upper) : interpolate_exponentially(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank += b.count;
  }
  if (std::isnan(h.sum)) {
    while (it.Next()) count += it.At().count;
    if (count < h.count) *nans = true;
  } else {
    count = h.count;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  return (upper_rank - lower_rank) / h.count;
}

namespace instant_fn {

EMatrix HistogramCount(FunctionArgs& a) {
  return SimpleHistogramFunction(a, [](const FloatHistogram& h) { return h.count; });
}
EMatrix HistogramSum(FunctionArgs& a) {
  return SimpleHistogramFunction(a, [](const FloatHistogram& h) { return h.sum; });
}
EMatrix HistogramAvg(FunctionArgs& a) {
  return SimpleHistogramFunction(a, [](const FloatHistogram& h) { return h.sum / h.count; });
}
EMatrix HistogramStddev(FunctionArgs& a) {
  return SimpleHistogramFunction(
      a, [](const FloatHistogram& h) { return std::sqrt(HistogramVariance(h)); });
}
EMatrix HistogramStdvar(FunctionArgs& a) {
  return SimpleHistogramFunction(a, [](const FloatHistogram& h) { return HistogramVariance(h); });
}

}  // namespace instant_fn

}  // namespace promlet::promql::internal
