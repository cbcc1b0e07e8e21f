// WalSink: where the head writes each committed batch before making it visible, so that an
// acknowledged sample survives a crash. Implemented by the write-ahead log (tsdb/wlog); the head
// alone (tests, PromQL scripts) runs without one.
//
// Invariant: Log() returns OK only when the records are written (page cache at least); the head
// makes a batch visible only after Log() returned OK, and applies nothing of a failed batch.
#ifndef PROMLET_TSDB_WAL_SINK_H_
#define PROMLET_TSDB_WAL_SINK_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/types/span.h"
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

class WalSink {
 public:
  virtual ~WalSink() = default;
  // Series first created by this batch, then the batch's accepted samples.
  virtual absl::Status Log(absl::Span<const RefSeries> new_series,
                           absl::Span<const RefSample> samples) = 0;
};

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_WAL_SINK_H_
