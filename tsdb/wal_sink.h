// WalSink: where the head writes each committed batch before making it visible, so that an
// acknowledged sample survives a crash. Implemented by the write-ahead log (tsdb/wlog); the head
// alone (tests, PromQL scripts) runs without one.
//
// Invariant: Log() returns OK only when the records are written (page cache at least); the head
// makes a batch visible only after Log() returned OK, and applies nothing of a failed batch.
#ifndef PROMLET_TSDB_WAL_SINK_H_
#define PROMLET_TSDB_WAL_SINK_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"
#include "model/labels.h"
#include "storage/interface.h"

namespace promlet::tsdb {

struct RefSeries {
  storage::SeriesRef ref;
  model::Labels labels;
};

struct RefSample {
  storage::SeriesRef ref;
  int64_t t;
  double v;
};

// A native-histogram sample: exactly one of h (integer) and fh (float) is set. Immutable and
// shared, so the batch, the WAL and the head's duplicate check hold one copy.
struct RefHistogramSample {
  storage::SeriesRef ref;
  int64_t t;
  std::shared_ptr<const model::histogram::Histogram> h;
  std::shared_ptr<const model::histogram::FloatHistogram> fh;
};

// The start timestamp (Prometheus' st-storage) of the sample of series `ref` at t, float or
// histogram; only samples that have one (st != 0) are listed.
struct RefStartTimestamp {
  storage::SeriesRef ref;
  int64_t t;
  int64_t st;
};

class WalSink {
 public:
  virtual ~WalSink() = default;
  // Series first created by this batch, then the batch's accepted samples.
  virtual absl::Status Log(absl::Span<const RefSeries> new_series,
                           absl::Span<const RefSample> samples) = 0;
  // As Log, for a batch that holds native histograms too (the head calls Log when it holds
  // none). Within a series, samples are in time order across both spans. The default refuses
  // histograms (Unimplemented), for sinks that cannot store them.
  virtual absl::Status LogBatch(absl::Span<const RefSeries> new_series,
                                absl::Span<const RefSample> samples,
                                absl::Span<const RefHistogramSample> histograms) {
    if (!histograms.empty()) {
      return absl::UnimplementedError("this WAL cannot log native-histogram samples");
    }
    return Log(new_series, samples);
  }
  // As LogBatch, for a batch some of whose samples carry start timestamps (`sts`, not empty).
  // The default drops the STs (they are advisory), for sinks that cannot store them.
  virtual absl::Status LogBatchWithST(absl::Span<const RefSeries> new_series,
                                      absl::Span<const RefSample> samples,
                                      absl::Span<const RefHistogramSample> histograms,
                                      absl::Span<const RefStartTimestamp> sts) {
    (void)sts;
    return LogBatch(new_series, samples, histograms);
  }
};

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_WAL_SINK_H_
