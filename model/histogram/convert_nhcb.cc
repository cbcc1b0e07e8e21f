#include "model/histogram/convert_nhcb.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/go_format.h"

namespace promlet::model::histogram {
namespace {

std::string G(double v) { return common::GoFloat(v, 'g'); }

}  // namespace

void ClassicToNhcb::Reset() {
  buckets_.clear();
  count_ = 0;
  sum_ = 0;
  has_count_ = false;
  err_ = absl::OkStatus();
}

absl::Status ClassicToNhcb::SetBucketCount(double le, double count) {
  if (!err_.ok()) return err_;
  if (std::isnan(le)) return err_ = absl::InvalidArgumentError("bucket boundary must not be NaN");
  if (count < 0) {
    return err_ = absl::InvalidArgumentError(absl::StrCat(
               "bucket count must be non-negative: le=", G(le), ", count=", G(count)));
  }
  if (buckets_.empty() || buckets_.back().le < le) {
    if (!buckets_.empty() && count < buckets_.back().count) {
      return err_ = absl::InvalidArgumentError(absl::StrCat(
                 "count is not cumulative: ", G(count), " < ", G(buckets_.back().count)));
    }
    buckets_.push_back({le, count});
    return absl::OkStatus();
  }
  if (buckets_.back().le == le) return absl::OkStatus();  // a duplicate sample
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), le,
                             [](const TempBucket& b, double v) { return b.le < v; });
  if (it->le == le) return absl::OkStatus();
  if (it != buckets_.begin() && count < (it - 1)->count) {
    return err_ = absl::InvalidArgumentError(
               absl::StrCat("count is not cumulative: ", G(count), " < ", G((it - 1)->count)));
  }
  if (count > it->count) {
    return err_ = absl::InvalidArgumentError(
               absl::StrCat("count is not cumulative: ", G(count), " > ", G(it->count)));
  }
  buckets_.insert(it, {le, count});
  return absl::OkStatus();
}

absl::Status ClassicToNhcb::SetCount(double count) {
  if (!err_.ok()) return err_;
  if (count < 0) {
    return err_ = absl::InvalidArgumentError(
               absl::StrCat("count must be non-negative: count=", G(count)));
  }
  count_ = count;
  has_count_ = true;
  return absl::OkStatus();
}

absl::Status ClassicToNhcb::SetSum(double sum) {
  if (!err_.ok()) return err_;
  sum_ = sum;
  return absl::OkStatus();
}

absl::StatusOr<bool> ClassicToNhcb::Convert(Histogram* h, FloatHistogram* fh) const {
  if (!err_.ok()) return err_;
  std::vector<TempBucket> buckets = buckets_;
  double count = count_;
  if (!has_count_ && !buckets.empty()) count = buckets.back().count;
  const double inf = std::numeric_limits<double>::infinity();
  if (buckets.empty() || buckets.back().le != inf) buckets.push_back({inf, count});

  bool is_float = false;
  for (const auto& b : buckets) {
    if (b.count != std::round(b.count)) is_float = true;
  }
  if (count != std::round(count)) is_float = true;

  std::vector<double> bounds;
  if (buckets.size() > 1) {
    for (size_t i = 0; i + 1 < buckets.size(); ++i) bounds.push_back(buckets[i].le);
  }
  const TempBucket& last = buckets.back();
  if (!is_float) {
    const uint64_t icount = static_cast<uint64_t>(std::llround(count));
    if (icount != static_cast<uint64_t>(last.count)) {
      return absl::InvalidArgumentError(absl::StrCat("count mismatch: count=", icount,
                                                     " != le=", G(last.le), " count=",
                                                     G(last.count)));
    }
    *h = Histogram();
    h->schema = kCustomBucketsSchema;
    h->count = icount;
    h->sum = sum_;
    h->positive_spans = {Span{0, static_cast<uint32_t>(buckets.size())}};
    h->positive_buckets.resize(buckets.size());
    int64_t prev_count = 0, prev_delta = 0;
    for (size_t i = 0; i < buckets.size(); ++i) {
      const int64_t c = static_cast<int64_t>(buckets[i].count);
      const int64_t delta = c - prev_count;
      h->positive_buckets[i] = delta - prev_delta;
      prev_count = c;
      prev_delta = delta;
    }
    if (!bounds.empty()) h->custom_values = MakeCustomValues(std::move(bounds));
    h->Compact(2);
    return false;
  }
  if (count != last.count) {
    return absl::InvalidArgumentError(absl::StrCat("count mismatch: count=", G(count), " != le=",
                                                   G(last.le), " count=", G(last.count)));
  }
  *fh = FloatHistogram();
  fh->schema = kCustomBucketsSchema;
  fh->count = count;
  fh->sum = sum_;
  fh->positive_spans = {Span{0, static_cast<uint32_t>(buckets.size())}};
  fh->positive_buckets.resize(buckets.size());
  double prev = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    fh->positive_buckets[i] = buckets[i].count - prev;
    prev = buckets[i].count;
  }
  if (!bounds.empty()) fh->custom_values = MakeCustomValues(std::move(bounds));
  fh->Compact(0);
  return true;
}

}  // namespace promlet::model::histogram
