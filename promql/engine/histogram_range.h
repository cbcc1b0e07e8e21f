// Internal to the engine: what the range functions over native histograms share
// (histogram_range.cc, extended_histograms.cc): the per-series annotations with Prometheus'
// texts, a window over a series' histogram samples, and the changes/resets count over floats
// and histograms merged in time.
//
// Invariants: an HWindow's samples are in strictly increasing time; SeriesNotes annotates
// through its QueryContext, so it is used on the evaluating thread only.
#ifndef PROMLET_PROMQL_ENGINE_HISTOGRAM_RANGE_H_
#define PROMLET_PROMQL_ENGINE_HISTOGRAM_RANGE_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "promql/engine/range_functions.h"

namespace promlet::promql::internal {

// The annotations of one series, with Prometheus' texts.
struct SeriesNotes {
  QueryContext* ctx;
  std::string name;
  PositionRange pos;
  void Warn(std::string_view what) const { ctx->Warn(std::string(what), pos); }
  void Mixed() const {
    ctx->Warn(absl::StrCat("encountered a mix of histograms and floats for metric name \"", name,
                           "\""),
              pos);
  }
  void NotCounter() const {
    ctx->Warn(absl::StrCat("this native histogram metric is not a counter: \"", name, "\""), pos);
  }
  void NotGauge() const {
    ctx->Warn(absl::StrCat("this native histogram metric is not a gauge: \"", name, "\""), pos);
  }
  void MixedSchemas() const {
    ctx->Warn(absl::StrCat("vector contains a mix of histograms with exponential and custom "
                           "buckets schemas for metric name \"",
                           name, "\""),
              pos);
  }
  void Reconciled(std::string_view op) const {
    ctx->Info(absl::StrCat("mismatched custom buckets were reconciled during ", std::string(op)), pos);
  }
  void ResetCollision(std::string_view op) const {
    ctx->Warn(absl::StrCat("conflicting counter resets during histogram ", std::string(op)), pos);
  }
  void StartTimeOverlap() const {
    ctx->Warn(absl::StrCat("sample has start time that overlaps with previous sample timestamp "
                           "for metric \"",
                           name, "\""),
              pos);
  }
  void IgnoredInMixedRange() const {
    ctx->Info(absl::StrCat("ignored histograms in a range containing both floats and "
                           "histograms for metric name \"",
                           name, "\""),
              pos);
  }
};

// The histogram samples of one series inside one window.
struct HWindow {
  const int64_t* t;
  const HistPtr* h;
  size_t n;
  const int64_t* st = nullptr;  // their start timestamps, when the engine uses them
};

// Prometheus' isStartTimestampReset: whether the current sample's start timestamp says its
// counter restarted since the previous sample (ST 0: unknown).
bool IsStartTimestampReset(int64_t prev_st, int64_t prev_t, int64_t cur_st, int64_t cur_t);
// Prometheus' checkStartTimeOverlap: the current ST reaches back before the previous sample
// without being the previous sample's own ST.
bool StartTimeOverlaps(int64_t prev_st, int64_t prev_t, int64_t cur_st);

// Prometheus' histogramRate over a window of n >= 2 histograms (counter resets by hint and, with
// w.st, by start timestamp).
std::optional<model::histogram::FloatHistogram> HistogramRate(const HWindow& w, bool is_counter,
                                                              const SeriesNotes& notes);
// extrapolatedRate's tail for a window with start timestamps, floats or histograms: the factor
// that extrapolates the window's increase to its range. `increase` and `first` are the raw
// increase and the first sample's value (a histogram's count). With a counter's first ST inside
// the range, the window starts at a zero sample at the ST instead of extrapolating to the left:
// the caller adds the first sample to the increase (add_first). nullopt: a single sample
// without such an ST.
struct Extrapolation {
  double factor = 1.0;
  bool add_first = false;
};
std::optional<Extrapolation> ExtrapolateWithStart(int64_t first_t, int64_t last_t, size_t samples,
                                                  int64_t first_st, int64_t range_start,
                                                  int64_t range_end, int64_t range_ms,
                                                  bool is_counter, bool is_rate, double increase,
                                                  double first);
// extrapolatedRate over a window of histograms only: n >= 2, or n == 1 with a start timestamp
// inside the range (which then replaces the left extrapolation, as with n >= 2).
std::optional<model::histogram::FloatHistogram> ExtrapolatedHistogramRate(
    const HWindow& w, int64_t range_start, int64_t range_end, int64_t range_ms, bool is_counter,
    bool is_rate, const SeriesNotes& notes);

// changes() (resets when resets) over the floats and histograms of one window merged in time:
// a change of kind counts as a change and as a reset.
double CountTransitions(const Window& fw, const HWindow& hw, bool resets);

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_HISTOGRAM_RANGE_H_
