// Internal to the engine: what the range functions over native histograms share
// (histogram_range.cc, extended_histograms.cc): the per-series annotations with Prometheus'
// texts, a window over a series' histogram samples, and the changes/resets count over floats
// and histograms merged in time.
//
// Invariants: an HWindow's samples are in strictly increasing time; SeriesNotes annotates
// through its QueryContext, so it is used on the evaluating thread only.
#ifndef PROMLET_PROMQL_ENGINE_HISTOGRAM_RANGE_H_
#define PROMLET_PROMQL_ENGINE_HISTOGRAM_RANGE_H_

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
};

// changes() (resets when resets) over the floats and histograms of one window merged in time:
// a change of kind counts as a change and as a reset.
double CountTransitions(const Window& fw, const HWindow& hw, bool resets);

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_HISTOGRAM_RANGE_H_
