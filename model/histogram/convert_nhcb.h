// ClassicToNhcb: collects the series of one classic histogram (_bucket{le}, _count, _sum) and
// converts them into a native histogram with custom buckets (schema -53). A port of
// Prometheus' util/convertnhcb TempHistogram (the scrape-time conversion behind
// convert_classic_histograms_to_nhcb).
//
// Invariants: buckets are kept sorted by le (out-of-order ones inserted, duplicates of an le
// ignored); the first error (NaN bound, negative or non-cumulative count) latches and every
// later call returns it. Convert yields an integer histogram when every count is integral, else
// a float one; a missing +Inf bucket is added with the total count; error texts are
// Prometheus' ("count is not cumulative: 1 < 2", "count mismatch: ...").
#ifndef PROMLET_MODEL_HISTOGRAM_CONVERT_NHCB_H_
#define PROMLET_MODEL_HISTOGRAM_CONVERT_NHCB_H_

#include <vector>

#include "absl/status/status.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"

namespace promlet::model::histogram {

class ClassicToNhcb {
 public:
  void Reset();
  absl::Status SetBucketCount(double le, double count);
  absl::Status SetCount(double count);
  absl::Status SetSum(double sum);
  // Writes either *h (returns false for "integer") or *fh (returns true for "float").
  absl::StatusOr<bool> Convert(Histogram* h, FloatHistogram* fh) const;

 private:
  struct TempBucket {
    double le;
    double count;
  };
  std::vector<TempBucket> buckets_;
  double count_ = 0;
  double sum_ = 0;
  bool has_count_ = false;
  absl::Status err_;
};

}  // namespace promlet::model::histogram

#endif  // PROMLET_MODEL_HISTOGRAM_CONVERT_NHCB_H_
