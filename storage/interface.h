// The faces of storage that scraping, PromQL and the API use. Mirrors Prometheus' storage
// package: an Appendable hands out Appenders (one batch each), a Queryable hands out Queriers
// over a time range, a Querier selects series by matchers.
//
// Invariants:
//  - A sample is (int64 milliseconds, value) where the value is a float64, an integer native
//    histogram or a float native histogram (ValueType). One series may hold samples of several
//    types (a type change starts a new chunk). The staleness marker is the NaN with bits
//    model::kStaleNaNBits (model/value.h), as a float or as a histogram's sum, and must survive
//    storage bit-exactly.
//  - An Appender's batch becomes visible to queriers atomically at Commit(); a querier created
//    before the commit sees none of it.
//  - Select returns series sorted by Labels::Compare; iterators yield strictly increasing
//    timestamps within the querier's [mint, maxt] (both inclusive).
//  - A sample may carry a start timestamp (ST, ms; Prometheus' st-storage): when the counter
//    it belongs to (re)started. 0 means none/unknown. STs are advisory: a storage that keeps
//    none drops them and reads back 0.
#ifndef PROMLET_STORAGE_INTERFACE_H_
#define PROMLET_STORAGE_INTERFACE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/value.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "model/histogram/histogram.h"

namespace promlet::storage {

using SeriesRef = uint64_t;

// Append errors that callers (scrape loops, remote write) must tell apart and count. They are
// FailedPrecondition / AlreadyExists / OutOfRange with Prometheus' messages.
absl::Status ErrOutOfOrderSample();   // "out of order sample"
absl::Status ErrDuplicateSample();    // "duplicate sample for timestamp"
absl::Status ErrOutOfBounds();        // "out of bounds" (outside the time range the head accepts)
bool IsOutOfOrder(const absl::Status& s);
bool IsDuplicateSample(const absl::Status& s);
bool IsOutOfBounds(const absl::Status& s);

struct Sample {
  int64_t t;
  double v;
};

// The type of a sample (Prometheus' chunkenc.ValueType, same numbering).
enum class ValueType : uint8_t { kNone = 0, kFloat = 1, kHistogram = 2, kFloatHistogram = 3 };

class SampleIterator {
 public:
  virtual ~SampleIterator() = default;
  // Advances to the next sample; false when exhausted or on error (see status()).
  virtual bool Next() = 0;
  // Advances to the first sample with timestamp >= t. If the current sample already satisfies
  // that, does nothing. False when no such sample exists.
  virtual bool Seek(int64_t t) = 0;
  virtual int64_t T() const = 0;
  // The current sample's value when Type() is kFloat.
  virtual double V() const = 0;
  virtual absl::Status status() const { return absl::OkStatus(); }
  // The type of the current sample (valid after Next()/Seek() returned true). Iterators over
  // float-only data keep the default.
  virtual ValueType Type() const { return ValueType::kFloat; }
  // The current sample when Type() is kHistogram, copied into *out (reusing its storage).
  virtual void AtHistogram(model::histogram::Histogram* out) const;
  // The current sample when Type() is kHistogram or kFloatHistogram (an integer histogram is
  // converted), copied into *out (reusing its storage).
  virtual void AtFloatHistogram(model::histogram::FloatHistogram* out) const;
  // Decodes up to `max` following FLOAT samples into ts/vs (as Next()+T()/V() would), returning
  // how many. Fast paths override it. It stops before a histogram sample: when it returns 0
  // either the series is exhausted or the next sample is a histogram, which is then current
  // (as after Next()) and StoppedAtHistogram() is true. Once a caller has used NextBatch it
  // keeps using it until a 0 return (Next() may then continue past a histogram).
  virtual size_t NextBatch(int64_t* ts, double* vs, size_t max);
  bool StoppedAtHistogram() const { return stopped_at_histogram_; }
  // The start timestamp of the current sample (0: none). NextBatch does not carry STs: a
  // reader that wants them reads through Next()/Seek() when MayHaveST() is true.
  virtual int64_t ST() const { return 0; }
  // False when no sample this iterator yields has an ST (then ST() is always 0); checked once
  // per series, so series without STs keep the batch path.
  virtual bool MayHaveST() const { return false; }

 protected:
  // Set by NextBatch implementations: the 0 they returned means "a histogram is current".
  bool stopped_at_histogram_ = false;

 private:
  // The default NextBatch advanced onto a histogram after returning floats: report it next.
  bool histogram_held_ = false;
};

class Series {
 public:
  virtual ~Series() = default;
  virtual const model::Labels& labels() const = 0;
  virtual std::unique_ptr<SampleIterator> Iterator() const = 0;
};

class SeriesSet {
 public:
  virtual ~SeriesSet() = default;
  virtual bool Next() = 0;
  virtual const Series& At() const = 0;
  virtual absl::Status status() const { return absl::OkStatus(); }
};

// What the engine will do with the selected data; storage may use it to skip work.
struct SelectHints {
  int64_t start = 0;  // ms, inclusive
  int64_t end = 0;    // ms, inclusive
  int64_t step = 0;
  int64_t range = 0;
  std::string func;
  bool by = false;
  std::vector<std::string> grouping;
  // The reader needs each sample's timestamp and whether its value is a stale marker, not the
  // value itself (count_over_time, present_over_time): a storage may then read every finite
  // float value as 0 and skip decoding them. Non-finite values (stale markers among them)
  // keep their bits; histograms are read as usual.
  bool markers_only = false;
};

class Querier {
 public:
  virtual ~Querier() = default;
  // Series matching all matchers that have samples in the querier's range, sorted by labels.
  virtual std::unique_ptr<SeriesSet> Select(absl::Span<const model::Matcher> matchers,
                                            const SelectHints* hints = nullptr) = 0;
  // Sorted label names of series matching the matchers (all series if none).
  virtual absl::StatusOr<std::vector<std::string>> LabelNames(
      absl::Span<const model::Matcher> matchers) = 0;
  // Sorted values of `name` among series matching the matchers.
  virtual absl::StatusOr<std::vector<std::string>> LabelValues(
      std::string_view name, absl::Span<const model::Matcher> matchers) = 0;
};

class Queryable {
 public:
  virtual ~Queryable() = default;
  // A querier over [mint, maxt] ms, both inclusive, seeing a consistent snapshot.
  virtual absl::StatusOr<std::unique_ptr<Querier>> NewQuerier(int64_t mint, int64_t maxt) = 0;
  // Times in (mint, maxt] at which every stored chunk starts anew (a block's or the head's
  // first time), ascending: a reader that splits a long read just before one of them decodes
  // no chunk twice. Empty when the storage knows none.
  virtual std::vector<int64_t> ChunkBoundaries(int64_t mint, int64_t maxt) {
    (void)mint;
    (void)maxt;
    return {};
  }
};

class Appender {
 public:
  virtual ~Appender() = default;
  // Adds a sample. With ref != 0 (from an earlier Append) the labels may be empty and lookup
  // is skipped. Returns the series' ref for the caller's cache.
  virtual absl::StatusOr<SeriesRef> Append(SeriesRef ref, const model::Labels& labels, int64_t t,
                                           double v) = 0;
  // Adds a native-histogram sample: exactly one of h (integer) and fh (float) is non-null. The
  // appender copies what it keeps. A histogram whose sum is the staleness marker is a stale
  // marker; a float staleness marker appended to a histogram series marks it stale too.
  // Storages without histogram support keep the default, which refuses with Unimplemented.
  virtual absl::StatusOr<SeriesRef> AppendHistogram(SeriesRef ref, const model::Labels& labels,
                                                    int64_t t,
                                                    const model::histogram::Histogram* h,
                                                    const model::histogram::FloatHistogram* fh);
  // Append / AppendHistogram of a sample with start timestamp st (ms, 0 = none). Storages that
  // keep no STs keep these defaults, which drop the ST.
  virtual absl::StatusOr<SeriesRef> AppendWithST(SeriesRef ref, const model::Labels& labels,
                                                 int64_t st, int64_t t, double v) {
    (void)st;
    return Append(ref, labels, t, v);
  }
  virtual absl::StatusOr<SeriesRef> AppendHistogramWithST(
      SeriesRef ref, const model::Labels& labels, int64_t st, int64_t t,
      const model::histogram::Histogram* h, const model::histogram::FloatHistogram* fh) {
    (void)st;
    return AppendHistogram(ref, labels, t, h, fh);
  }
  // Makes the batch durable (per the storage's WAL policy) and visible. The Appender must not be
  // used afterwards.
  virtual absl::Status Commit() = 0;
  virtual void Rollback() = 0;
};

class Appendable {
 public:
  virtual ~Appendable() = default;
  virtual std::unique_ptr<Appender> NewAppender() = 0;
};

// Storage is what the binary wires: both faces at once.
class Storage : public Queryable, public Appendable {};

}  // namespace promlet::storage

#endif  // PROMLET_STORAGE_INTERFACE_H_
