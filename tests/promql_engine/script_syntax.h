// The syntax of Prometheus' PromQL test scripts (../shared/promql-testdata, FORMAT.md): trimmed
// lines, numbers, durations, Go string literals, series lines with their value sequences, and
// the float comparison and formatting the expectations use. The runner (script_runner.cc)
// interprets the commands built from these.
//
// Invariant: every parser returns nullopt / an error for malformed text, never a partial value.
#ifndef PROMLET_TESTS_PROMQL_ENGINE_SCRIPT_SYNTAX_H_
#define PROMLET_TESTS_PROMQL_ENGINE_SCRIPT_SYNTAX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/histogram/float_histogram.h"
#include "model/labels.h"

namespace promlet::promql::testing {

std::string Trim(std::string_view s);
// FORMAT.md §6.5: equal within the scripts' relative tolerance (NaN equals NaN).
bool AlmostEqual(double a, double b);
std::string FormatValue(double v);
// Script durations (§2), in milliseconds.
std::optional<int64_t> ParseScriptDuration(std::string_view s);
std::optional<double> ParseNumber(std::string_view s, bool allow_hex = true);
// Go string literal at s[*i] ("...", '...' or `raw`); *i ends after it.
bool ParseString(std::string_view s, size_t* i, std::string* out);
// The metric part of a series line; *i ends after it.
absl::StatusOr<model::Labels> ParseMetric(std::string_view s, size_t* i);

// One step of a value sequence: absent ("_"), a float, or a native histogram (h set).
struct Slot {
  bool present = false;
  bool histogram = false;
  double v = 0;
  std::shared_ptr<const model::histogram::FloatHistogram> h = nullptr;
  bool counter_reset_hint_set = false;  // the notation named a hint (compare it then)
};
// promqltest's compareNativeHistogram of both histograms compacted: schema, zero threshold and custom bounds exactly,
// count, sum, zero count and bucket counts within AlmostEqual, spans alike (zero-length spans
// ignored), the counter-reset hint only when the expectation set one.
bool HistogramsMatch(const model::histogram::FloatHistogram& want,
                     const model::histogram::FloatHistogram& got, bool compare_hint);
// Value sequence (§3.2).
absl::StatusOr<std::vector<Slot>> ParseValues(std::string_view s);

struct SeriesLine {
  model::Labels labels;
  std::vector<Slot> slots;
};
absl::StatusOr<SeriesLine> ParseSeriesLine(std::string_view line);

// A start-timestamp line (§3.5): `metric@st offsets`. Per slot the ST's offset from the
// sample's timestamp (ms), or nullopt for "no ST".
struct StartTimestampLine {
  model::Labels labels;
  std::vector<std::optional<int64_t>> offsets;
};
// Whether `line` is a start-timestamp line (its metric is followed by `@st`).
bool IsStartTimestampLine(std::string_view line);
absl::StatusOr<StartTimestampLine> ParseStartTimestampLine(std::string_view line);

}  // namespace promlet::promql::testing

#endif  // PROMLET_TESTS_PROMQL_ENGINE_SCRIPT_SYNTAX_H_
