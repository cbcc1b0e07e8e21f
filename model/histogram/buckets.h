// Algorithms on span/bucket layouts shared by Histogram (delta-encoded int64 buckets) and
// FloatHistogram (absolute double buckets): compaction, resolution reduction, layout checks and
// layout equality. A port of the generic half of Prometheus' model/histogram/generic.go.
//
// Invariants:
//  - A layout is (spans, buckets) with sum(span.length) == buckets.size(); with delta encoding
//    the first bucket is absolute and every later one a delta to its predecessor (across spans).
//  - CompactBuckets and ReduceResolution keep the represented (index -> count) mapping
//    unchanged apart from dropping empty buckets / merging buckets into the coarser schema;
//    compensation buckets (Kahan terms of a FloatHistogram) are kept aligned with the primary
//    buckets at every step.
#ifndef PROMLET_MODEL_HISTOGRAM_BUCKETS_H_
#define PROMLET_MODEL_HISTOGRAM_BUCKETS_H_

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/go_format.h"
#include "model/histogram/schema.h"

namespace promlet::model::histogram {

// Go's %v of a bucket count (decimal integer, or %g for a double).
template <typename T>
std::string FormatCount(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return common::GoFloat(v, 'g');
  } else {
    return absl::StrCat(v);
  }
}

// "<context>: <base>" as Go's fmt.Errorf("...: %w", err) reads.
inline absl::Status Wrapped(absl::string_view context, absl::string_view base) {
  return absl::InvalidArgumentError(absl::StrCat(context, ": ", base));
}

// Removes empty buckets at the start and end of every span, splits spans at runs of more than
// max_empty_buckets empty buckets, drops zero-length spans and merges spans at most
// max_empty_buckets apart (filling the gap with empty buckets). compensation, if non-null, is
// edited in step (float buckets only; a bucket is empty only when its compensation is 0 too).
template <typename T>
void CompactBuckets(std::vector<T>& primary, std::vector<double>* compensation,
                    std::vector<Span>& spans, int max_empty_buckets, bool delta_buckets) {
  // Fast path: no empty bucket, no span offset <= max_empty_buckets, no zero-length span.
  bool nothing_to_do = true;
  T current = 0;
  for (const T& b : primary) {
    current = delta_buckets ? current + b : b;
    if (current == 0) {
      nothing_to_do = false;
      break;
    }
  }
  if (nothing_to_do) {
    for (const Span& s : spans) {
      if (static_cast<int64_t>(s.offset) <= max_empty_buckets || s.length == 0) {
        nothing_to_do = false;
        break;
      }
    }
    if (nothing_to_do) return;
  }

  size_t i_bucket = 0, i_span = 0;
  uint32_t pos_in_span = 0;
  current = 0;
  auto comp_at = [&](size_t i) { return compensation ? (*compensation)[i] : 0.0; };
  auto empty_buckets_here = [&]() -> size_t {
    size_t i = 0;
    T abs = current;
    double comp = comp_at(i_bucket);
    while (static_cast<uint64_t>(i) + pos_in_span < spans[i_span].length && abs == 0 && comp == 0) {
      ++i;
      if (i + i_bucket >= primary.size()) break;
      abs = primary[i + i_bucket];
      comp = comp_at(i + i_bucket);
    }
    return i;
  };

  // Merge spans with zero offset into their predecessor.
  if (spans.size() > 1) {
    for (size_t i = 1; i < spans.size(); ++i) {
      const Span span = spans[i];
      if (span.offset == 0) {
        spans[i_span].length += span.length;
        continue;
      }
      ++i_span;
      if (i != i_span) spans[i_span] = span;
    }
    spans.resize(i_span + 1);
    i_span = 0;
  }
  // Drop zero-length spans, moving their offset to the next span.
  for (size_t i = 0; i < spans.size(); ++i) {
    const Span span = spans[i];
    if (span.length == 0) {
      if (i + 1 < spans.size()) spans[i + 1].offset += span.offset;
      continue;
    }
    if (i != i_span) spans[i_span] = span;
    ++i_span;
  }
  spans.resize(i_span);
  i_span = 0;
  if (spans.empty()) {
    primary.clear();
    if (compensation) compensation->clear();
    return;
  }

  // Cut out empty buckets at the start and end of spans, and in the middle of a span if there
  // are more than max_empty_buckets in a row.
  while (i_bucket < primary.size() && i_span < spans.size()) {
    current = delta_buckets ? current + primary[i_bucket] : primary[i_bucket];
    if (size_t n_empty = empty_buckets_here(); n_empty > 0) {
      if (pos_in_span > 0 && n_empty < spans[i_span].length - pos_in_span &&
          static_cast<int64_t>(n_empty) <= max_empty_buckets) {
        // Few enough empty buckets in the middle of a span: keep them.
        i_bucket += n_empty;
        if (delta_buckets) current = 0;
        pos_in_span += static_cast<uint32_t>(n_empty);
        continue;
      }
      if (delta_buckets && i_bucket + n_empty < primary.size()) {
        current = -primary[i_bucket];
        primary[i_bucket + n_empty] += primary[i_bucket];
      }
      primary.erase(primary.begin() + i_bucket, primary.begin() + i_bucket + n_empty);
      if (compensation) {
        compensation->erase(compensation->begin() + i_bucket,
                            compensation->begin() + i_bucket + n_empty);
      }
      if (pos_in_span == 0) {                   // start of a span
        if (n_empty == spans[i_span].length) {  // the whole span is empty
          const int32_t offset = spans[i_span].offset;
          spans.erase(spans.begin() + i_span);
          if (spans.size() > i_span) spans[i_span].offset += offset + static_cast<int32_t>(n_empty);
          continue;
        }
        spans[i_span].length -= static_cast<uint32_t>(n_empty);
        spans[i_span].offset += static_cast<int32_t>(n_empty);
        continue;
      }
      // In the middle or at the end of the span: split it.
      const Span new_span{static_cast<int32_t>(n_empty),
                          spans[i_span].length - pos_in_span - static_cast<uint32_t>(n_empty)};
      spans[i_span].length = pos_in_span;
      ++i_span;
      pos_in_span = 0;
      if (new_span.length == 0) {
        // We were at the end of the span: only the next span's offset grows.
        if (i_span < spans.size()) spans[i_span].offset += static_cast<int32_t>(n_empty);
        continue;
      }
      spans.insert(spans.begin() + i_span, new_span);
      continue;
    }
    ++i_bucket;
    ++pos_in_span;
    if (pos_in_span >= spans[i_span].length) {
      pos_in_span = 0;
      ++i_span;
    }
  }
  if (max_empty_buckets == 0 || primary.empty()) return;

  // Merge spans that are at most max_empty_buckets apart.
  i_bucket = spans[0].length;
  if (delta_buckets) {
    current = 0;
    for (size_t k = 0; k < i_bucket; ++k) current += primary[k];
  }
  i_span = 1;
  while (i_span < spans.size()) {
    if (static_cast<int64_t>(spans[i_span].offset) > max_empty_buckets) {
      const size_t l = spans[i_span].length;
      if (delta_buckets) {
        for (size_t k = i_bucket; k < i_bucket + l; ++k) current += primary[k];
      }
      i_bucket += l;
      ++i_span;
      continue;
    }
    const size_t offset = static_cast<size_t>(spans[i_span].offset);
    const size_t l = spans[i_span].length;
    spans[i_span - 1].length += static_cast<uint32_t>(offset) + spans[i_span].length;
    spans.erase(spans.begin() + i_span);
    primary.insert(primary.begin() + i_bucket, offset, T{0});
    if (delta_buckets) {
      primary[i_bucket] = -current;
      primary[i_bucket + offset] += current;
    }
    if (compensation) compensation->insert(compensation->begin() + i_bucket, offset, 0.0);
    i_bucket += offset;
    // The inserted empty buckets reset the running absolute count, so the merged span's deltas
    // add up to the absolute count of its last bucket.
    if (delta_buckets) {
      current = 0;
      for (size_t k = i_bucket; k < i_bucket + l; ++k) current += primary[k];
    }
    i_bucket += l;
  }
}

// Merges the buckets of (spans, buckets) in origin_schema into target_schema (< origin_schema).
// Fails with Prometheus' texts on a negative offset of a later span or a spans/buckets count
// mismatch (the output is then unspecified).
template <typename T>
absl::Status ReduceResolution(const std::vector<Span>& origin_spans,
                              const std::vector<T>& origin_buckets, int32_t origin_schema,
                              int32_t target_schema, bool delta_buckets,
                              std::vector<Span>* target_spans, std::vector<T>* target_buckets) {
  std::vector<Span> spans;
  std::vector<T> buckets;
  int32_t bucket_idx = 0;
  size_t bucket_count_idx = 0;
  T last_bucket_count = 0, last_target_bucket_count = 0;
  int32_t last_target_bucket_idx = 0;
  for (size_t n = 0; n < origin_spans.size(); ++n) {
    const Span& span = origin_spans[n];
    if (n > 0 && span.offset < 0) {
      return Wrapped(absl::StrCat("span number ", n + 1, " with offset ", span.offset),
                     kErrSpanNegativeOffset);
    }
    bucket_idx += span.offset;
    for (uint32_t j = 0; j < span.length; ++j) {
      if (bucket_count_idx >= origin_buckets.size()) {
        return Wrapped(absl::StrCat("have ", origin_buckets.size(), " buckets but spans need more"),
                       kErrSpansBucketsMismatch);
      }
      const T origin = origin_buckets[bucket_count_idx];
      const int32_t target_idx = TargetIdx(bucket_idx, origin_schema, target_schema);
      if (spans.empty()) {
        spans.push_back({target_idx, 1});
        buckets.push_back(origin);
        last_target_bucket_idx = target_idx;
        last_bucket_count = origin;
        last_target_bucket_count = origin;
      } else if (last_target_bucket_idx == target_idx) {
        // Merged into the same target bucket as the previous bucket.
        if (delta_buckets) {
          last_bucket_count += origin;
          buckets.back() += last_bucket_count;
          last_target_bucket_count += last_bucket_count;
        } else {
          buckets.back() += origin;
        }
      } else {
        if (last_target_bucket_idx + 1 == target_idx) {
          spans.back().length++;  // the next target bucket: same span
        } else {
          spans.push_back({target_idx - last_target_bucket_idx - 1, 1});  // after a gap
        }
        last_target_bucket_idx = target_idx;
        if (delta_buckets) {
          last_bucket_count += origin;
          buckets.push_back(last_bucket_count - last_target_bucket_count);
          last_target_bucket_count = last_bucket_count;
        } else {
          buckets.push_back(origin);
        }
      }
      ++bucket_idx;
      ++bucket_count_idx;
    }
  }
  if (bucket_count_idx != origin_buckets.size()) {
    return Wrapped(absl::StrCat("spans need ", bucket_count_idx, " buckets, have ",
                                origin_buckets.size(), " buckets"),
                   kErrSpansBucketsMismatch);
  }
  *target_spans = std::move(spans);
  *target_buckets = std::move(buckets);
  return absl::OkStatus();
}

// Prometheus' checkHistogramSpans: later spans have non-negative offsets and the spans cover
// exactly num_buckets buckets.
absl::Status CheckHistogramSpans(const std::vector<Span>& spans, size_t num_buckets);

// Prometheus' checkHistogramBuckets: no bucket count (absolute, after decoding deltas) is
// negative; adds every absolute count to *count.
template <typename Count, typename T>
absl::Status CheckHistogramBuckets(const std::vector<T>& buckets, Count* count, bool deltas) {
  T last = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const T c = deltas ? last + buckets[i] : buckets[i];
    if (c < 0) {
      return Wrapped(
          absl::StrCat("bucket number ", i + 1, " has observation count of ", FormatCount(c)),
          kErrNegativeBucketCount);
    }
    last = c;
    *count += static_cast<Count>(c);
  }
  return absl::OkStatus();
}

// Prometheus' checkHistogramCustomBounds: bounds strictly increasing, not NaN, last not +Inf;
// span offsets non-negative; spans cover num_buckets buckets and fit within the bounds.
absl::Status CheckHistogramCustomBounds(const CustomValues& bounds, const std::vector<Span>& spans,
                                        size_t num_buckets);

// Whether two span lists describe the same bucket layout once zero-length spans are folded into
// the following span.
bool SpansMatch(const std::vector<Span>& a, const std::vector<Span>& b);

}  // namespace promlet::model::histogram

#endif  // PROMLET_MODEL_HISTOGRAM_BUCKETS_H_
