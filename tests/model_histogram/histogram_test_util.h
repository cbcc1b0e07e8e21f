// Test helpers for model/histogram: builders named after Prometheus' Go fields so that the case
// tables ported from Prometheus' *_test.go read like the originals (FH().Schema(1).Count(4)...),
// and an exact comparison that prints both histograms on failure.
//
// Invariants: FH/IH build exactly the fields they are given (nothing else is set); Same
// compares every field (float counts by value, NaN equal to NaN; layouts span for span, not
// up to zero-length spans; custom bounds by content).
#ifndef PROMLET_TESTS_MODEL_HISTOGRAM_HISTOGRAM_TEST_UTIL_H_
#define PROMLET_TESTS_MODEL_HISTOGRAM_HISTOGRAM_TEST_UTIL_H_

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "gtest/gtest.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"

// The ported tables leave out fields exactly as the Go literals do.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace promlet::model::histogram::testutil {

namespace h = ::promlet::model::histogram;

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline const double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr h::CounterResetHint UnknownCounterReset = h::CounterResetHint::kUnknown;
inline constexpr h::CounterResetHint CounterReset = h::CounterResetHint::kReset;
inline constexpr h::CounterResetHint NotCounterReset = h::CounterResetHint::kNotReset;
inline constexpr h::CounterResetHint GaugeType = h::CounterResetHint::kGauge;
inline constexpr int32_t CustomBucketsSchema = h::kCustomBucketsSchema;
#define NIL std::nullopt

template <typename Hist, typename CountT, typename BucketT>
struct Builder {
  Hist v;
  Builder& CounterResetHint(h::CounterResetHint x) {
    v.counter_reset_hint = x;
    return *this;
  }
  Builder& Schema(int32_t x) {
    v.schema = x;
    return *this;
  }
  Builder& ZeroThreshold(double x) {
    v.zero_threshold = x;
    return *this;
  }
  Builder& ZeroCount(CountT x) {
    v.zero_count = x;
    return *this;
  }
  Builder& Count(CountT x) {
    v.count = x;
    return *this;
  }
  Builder& Sum(double x) {
    v.sum = x;
    return *this;
  }
  Builder& PositiveSpans(std::vector<h::Span> x) {
    v.positive_spans = std::move(x);
    return *this;
  }
  Builder& NegativeSpans(std::vector<h::Span> x) {
    v.negative_spans = std::move(x);
    return *this;
  }
  Builder& PositiveSpans(std::nullopt_t) {
    v.positive_spans.clear();
    return *this;
  }
  Builder& NegativeSpans(std::nullopt_t) {
    v.negative_spans.clear();
    return *this;
  }
  Builder& PositiveBuckets(std::vector<BucketT> x) {
    v.positive_buckets = std::move(x);
    return *this;
  }
  Builder& NegativeBuckets(std::vector<BucketT> x) {
    v.negative_buckets = std::move(x);
    return *this;
  }
  Builder& PositiveBuckets(std::nullopt_t) {
    v.positive_buckets.clear();
    return *this;
  }
  Builder& NegativeBuckets(std::nullopt_t) {
    v.negative_buckets.clear();
    return *this;
  }
  Builder& CustomValues(std::vector<double> x) {
    v.custom_values = h::MakeCustomValues(std::move(x));
    return *this;
  }
  Builder& CustomValues(std::nullopt_t) {
    v.custom_values = nullptr;
    return *this;
  }
  operator Hist() const { return v; }                 // NOLINT: implicit on purpose
  operator std::optional<Hist>() const { return v; }  // NOLINT
};
using FH = Builder<FloatHistogram, double, double>;
using IH = Builder<Histogram, uint64_t, int64_t>;

template <typename CountT>
struct BucketBuilder {
  h::Bucket<CountT> v;
  BucketBuilder& Lower(double x) {
    v.lower = x;
    return *this;
  }
  BucketBuilder& Upper(double x) {
    v.upper = x;
    return *this;
  }
  BucketBuilder& LowerInclusive(bool x) {
    v.lower_inclusive = x;
    return *this;
  }
  BucketBuilder& UpperInclusive(bool x) {
    v.upper_inclusive = x;
    return *this;
  }
  BucketBuilder& Count(CountT x) {
    v.count = x;
    return *this;
  }
  BucketBuilder& Index(int32_t x) {
    v.index = x;
    return *this;
  }
  operator h::Bucket<CountT>() const { return v; }  // NOLINT
};
using BU = BucketBuilder<uint64_t>;
using BF = BucketBuilder<double>;

// Every bucket an iterator yields.
template <typename It>
std::vector<h::Bucket<double>> Drain(It it) {
  std::vector<h::Bucket<double>> out;
  while (it.Next()) out.push_back(it.At());
  return out;
}

inline bool SameDouble(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

template <typename T>
bool SameVector(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      if (!SameDouble(a[i], b[i])) return false;
    } else if (!(a[i] == b[i])) {
      return false;
    }
  }
  return true;
}

inline std::string SpansString(const std::vector<h::Span>& s) {
  std::string out;
  for (const h::Span& x : s)
    out += "{" + std::to_string(x.offset) + "," + std::to_string(x.length) + "}";
  return out;
}

template <typename Hist>
std::string Dump(const Hist& x) {
  std::string out = x.String() + " schema=" + std::to_string(x.schema) +
                    " hint=" + std::to_string(static_cast<int>(x.counter_reset_hint)) +
                    " zt=" + std::to_string(x.zero_threshold) +
                    " pspans=" + SpansString(x.positive_spans) +
                    " nspans=" + SpansString(x.negative_spans) + " pb=";
  for (auto b : x.positive_buckets) out += std::to_string(b) + " ";
  out += "nb=";
  for (auto b : x.negative_buckets) out += std::to_string(b) + " ";
  out += "cv=";
  for (double b : h::Bounds(x.custom_values)) out += std::to_string(b) + " ";
  return out;
}

template <typename Hist>
::testing::AssertionResult Same(const Hist& want, const Hist& got) {
  bool same =
      want.counter_reset_hint == got.counter_reset_hint && want.schema == got.schema &&
      SameDouble(want.zero_threshold, got.zero_threshold) &&
      SameDouble(static_cast<double>(want.zero_count), static_cast<double>(got.zero_count)) &&
      SameDouble(static_cast<double>(want.count), static_cast<double>(got.count)) &&
      SameDouble(want.sum, got.sum) && want.positive_spans == got.positive_spans &&
      want.negative_spans == got.negative_spans &&
      SameVector(want.positive_buckets, got.positive_buckets) &&
      SameVector(want.negative_buckets, got.negative_buckets) &&
      SameVector(h::Bounds(want.custom_values), h::Bounds(got.custom_values));
  if (same) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\n want " << Dump(want) << "\n  got " << Dump(got);
}

}  // namespace promlet::model::histogram::testutil

#endif  // PROMLET_TESTS_MODEL_HISTOGRAM_HISTOGRAM_TEST_UTIL_H_
