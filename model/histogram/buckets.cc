#include "model/histogram/buckets.h"

#include <cmath>
#include <limits>

namespace promlet::model::histogram {

absl::Status CheckHistogramSpans(const std::vector<Span>& spans, size_t num_buckets) {
  uint64_t span_buckets = 0;
  for (size_t n = 0; n < spans.size(); ++n) {
    if (n > 0 && spans[n].offset < 0) {
      return Wrapped(absl::StrCat("span number ", n + 1, " with offset ", spans[n].offset),
                     kErrSpanNegativeOffset);
    }
    span_buckets += spans[n].length;
  }
  if (span_buckets != num_buckets) {
    return Wrapped(
        absl::StrCat("spans need ", span_buckets, " buckets, have ", num_buckets, " buckets"),
        kErrSpansBucketsMismatch);
  }
  return absl::OkStatus();
}

absl::Status CheckHistogramCustomBounds(const CustomValues& custom_values,
                                        const std::vector<Span>& spans, size_t num_buckets) {
  const std::vector<double>& bounds = Bounds(custom_values);
  double prev = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < bounds.size(); ++i) {
    const double curr = bounds[i];
    if (std::isnan(curr)) return absl::InvalidArgumentError(kErrCustomBucketsNaN);
    if (i > 0 && curr <= prev) {
      return Wrapped(absl::StrCat("previous bound is ", common::GoPrintfF(prev), " and current is ",
                                  common::GoPrintfF(curr)),
                     kErrCustomBucketsInvalid);
    }
    prev = curr;
  }
  if (prev == std::numeric_limits<double>::infinity()) {
    return Wrapped("last +Inf bound must not be explicitly defined", kErrCustomBucketsInfinite);
  }
  uint64_t span_buckets = 0;
  int64_t total_span_length = 0;
  for (size_t n = 0; n < spans.size(); ++n) {
    if (spans[n].offset < 0) {
      return Wrapped(absl::StrCat("span number ", n + 1, " with offset ", spans[n].offset),
                     kErrSpanNegativeOffset);
    }
    span_buckets += spans[n].length;
    total_span_length += static_cast<int64_t>(spans[n].length) + spans[n].offset;
  }
  if (span_buckets != num_buckets) {
    return Wrapped(
        absl::StrCat("spans need ", span_buckets, " buckets, have ", num_buckets, " buckets"),
        kErrSpansBucketsMismatch);
  }
  if (static_cast<int64_t>(bounds.size()) + 1 < total_span_length) {
    return Wrapped(absl::StrCat("only ", bounds.size(),
                                " custom bounds defined which is insufficient to cover total "
                                "span length of ",
                                total_span_length),
                   kErrCustomBucketsMismatch);
  }
  return absl::OkStatus();
}

namespace {

bool AllEmptySpans(const std::vector<Span>& s, size_t from) {
  for (size_t i = from; i < s.size(); ++i) {
    if (s[i].length > 0) return false;
  }
  return true;
}

// The next span of s from *idx with zero-length spans folded into the following one.
Span NextFolded(const std::vector<Span>& s, size_t* idx) {
  Span curr = s[(*idx)++];
  if (curr.length == 0) {
    for (; *idx < s.size() && s[*idx].length == 0; ++*idx) curr.offset += s[*idx].offset;
    if (*idx < s.size()) {
      curr.offset += s[*idx].offset;
      curr.length = s[*idx].length;
      ++*idx;
    }
  }
  return curr;
}

}  // namespace

bool SpansMatch(const std::vector<Span>& a, const std::vector<Span>& b) {
  if (a.empty() && b.empty()) return true;
  size_t ia = 0, ib = 0;
  for (;;) {
    if (ia >= a.size()) return AllEmptySpans(b, ib);
    if (ib >= b.size()) return AllEmptySpans(a, ia);
    const Span sa = NextFolded(a, &ia);
    const Span sb = NextFolded(b, &ib);
    if (sa.length == 0 && sb.length == 0) return true;  // both ended in zero-length spans
    if (sa.offset != sb.offset || sa.length != sb.length) return false;
  }
}

}  // namespace promlet::model::histogram
