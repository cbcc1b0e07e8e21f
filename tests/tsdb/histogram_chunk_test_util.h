// Test inputs shared by the histogram chunk tests: Prometheus' test histograms
// (tsdbutil.GenerateTestHistogram and friends, and the fixtures of chunkenc's histogram tests).
#ifndef PROMLET_TESTS_TSDB_HISTOGRAM_CHUNK_TEST_UTIL_H_
#define PROMLET_TESTS_TSDB_HISTOGRAM_CHUNK_TEST_UTIL_H_

#include <cstdint>

#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"

namespace promlet::tsdb::chunkenc {

namespace mh = ::promlet::model::histogram;

inline constexpr int64_t kSetupTs = 1234567890;

// tsdbutil.GenerateTestHistogram(i).
inline mh::Histogram GenerateTestHistogram(int64_t i) {
  mh::Histogram h;
  h.count = 12 + static_cast<uint64_t>(i * 9);
  h.zero_count = 2 + static_cast<uint64_t>(i);
  h.zero_threshold = 0.001;
  h.sum = 18.4 * static_cast<double>(i + 1);
  h.schema = 1;
  h.positive_spans = {{0, 2}, {1, 2}};
  h.positive_buckets = {i + 1, 1, -1, 0};
  h.negative_spans = {{0, 2}, {1, 2}};
  h.negative_buckets = {i + 1, 1, -1, 0};
  return h;
}

// tsdbutil.GenerateTestCustomBucketsHistogram(i).
inline mh::Histogram GenerateTestCustomBucketsHistogram(int64_t i) {
  mh::Histogram h;
  h.count = 5 + static_cast<uint64_t>(i * 4);
  h.sum = 18.4 * static_cast<double>(i + 1);
  h.schema = mh::kCustomBucketsSchema;
  h.positive_spans = {{0, 2}, {1, 2}};
  h.positive_buckets = {i + 1, 1, -1, 0};
  h.custom_values = mh::MakeCustomValues({0, 1, 2, 3, 4});
  return h;
}

// The first histogram of TestHistogramChunkSameBuckets.
inline mh::Histogram SameBucketsHistogram() {
  mh::Histogram h;
  h.count = 15;
  h.zero_count = 2;
  h.sum = 18.4;
  h.zero_threshold = 1e-100;
  h.schema = 1;
  h.positive_spans = {{0, 2}, {1, 2}};
  h.positive_buckets = {1, 1, -1, 0};  // counts: 1, 2, 1, 1 (total 5)
  h.negative_spans = {{1, 1}, {2, 3}};
  h.negative_buckets = {2, 1, -1, -1};  // counts: 2, 3, 2, 1 (total 8)
  return h;
}

// "eh" of TestHistogramChunkAppendable.
inline mh::Histogram AppendableHistogram() {
  mh::Histogram h;
  h.count = 5;
  h.zero_count = 2;
  h.sum = 18.4;
  h.zero_threshold = 1e-125;
  h.schema = 1;
  h.positive_spans = {{0, 2}, {2, 1}, {3, 2}, {3, 1}, {1, 1}};
  h.positive_buckets = {6, -3, 0, -1, 2, 1, -4};  // counts: 6, 3, 3, 2, 4, 5, 1 (total 24)
  return h;
}

// "cbh" of TestHistogramChunkAppendable.
inline mh::Histogram AppendableCustomBucketsHistogram() {
  mh::Histogram h;
  h.count = 24;
  h.sum = 18.4;
  h.schema = mh::kCustomBucketsSchema;
  h.positive_spans = {{0, 2}, {2, 1}, {3, 2}, {3, 1}, {1, 1}};
  h.positive_buckets = {6, -3, 0, -1, 2, 1, -4};
  h.custom_values =
      mh::MakeCustomValues({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20});
  return h;
}

// The histogram of TestHistogramIteratorFailIfSchemaInValid / ReduceSchema.
inline mh::Histogram ReducibleHistogram(int32_t schema) {
  mh::Histogram h;
  h.schema = schema;
  h.count = 10;
  h.sum = 15.0;
  h.zero_threshold = 1e-100;
  h.positive_spans = {{0, 2}, {1, 2}};
  h.positive_buckets = {1, 2, 3, 4};
  return h;
}

}  // namespace promlet::tsdb::chunkenc

#endif  // PROMLET_TESTS_TSDB_HISTOGRAM_CHUNK_TEST_UTIL_H_
