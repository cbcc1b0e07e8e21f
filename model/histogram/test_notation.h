// The native-histogram notation of Prometheus' test scripts and promtool rule unit tests:
//   {{schema:1 sum:5 count:4 z_bucket:1 z_bucket_w:0.001 buckets:[1 2 1] offset:1
//     n_buckets:[1] n_offset:0 counter_reset_hint:gauge custom_values:[1 2]}}
// and its series forms `{{...}}xN` (N+1 copies), `{{a}}+{{b}}xN` / `{{a}}-{{b}}xN` (a, a±b, ...,
// N+1 values). A hand-written equivalent of promql/parser's lexer states and grammar rules for
// histogram descriptors (lex.go lexHistogram*, generated_parser.y histogram_series_value,
// parse.go buildHistogramFromMap/histogramsSeries). Shared by every script reader (PromQL test
// scripts, `promlet test rules`) so that there is one parser.
//
// Invariants:
//  - A descriptor builds a FloatHistogram with one span per side (offset, len(buckets)) or none
//    when the side has no buckets; fields left out keep their zero value; keys are
//    case-insensitive and each may appear once.
//  - counter_reset_hint_set tells "counter_reset_hint:unknown" from no hint at all (a series
//    form carries the flag of its increment histogram, as Prometheus does).
//  - Errors read "1:<column>: parse error: <Prometheus' message>"; column is 1-based in the
//    whole line (column_offset is where `text` starts in it).
#ifndef PROMLET_MODEL_HISTOGRAM_TEST_NOTATION_H_
#define PROMLET_MODEL_HISTOGRAM_TEST_NOTATION_H_

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/histogram/float_histogram.h"

namespace promlet::model::histogram {

struct HistogramSeriesValue {
  FloatHistogram histogram;
  bool counter_reset_hint_set = false;
};

// The most values one item may expand to (a typo like x99999999 must not eat the memory).
inline constexpr uint64_t kMaxHistogramRepeat = 1'000'000;

// Parses the series item starting at text[*pos] (which must start with "{{"): a descriptor,
// optionally followed by xN or by +/-{{...}}xN. Appends its values to *out and leaves *pos just
// past the item (at a space or the end; anything else is an error).
absl::Status ParseHistogramSeriesItem(absl::string_view text, size_t* pos, size_t column_offset,
                                      std::vector<HistogramSeriesValue>* out);

// Parses text that must be exactly one descriptor "{{...}}" (surrounding spaces allowed).
absl::StatusOr<HistogramSeriesValue> ParseHistogramDescriptor(absl::string_view text);

}  // namespace promlet::model::histogram

#endif  // PROMLET_MODEL_HISTOGRAM_TEST_NOTATION_H_
