// Prometheus durations (Go model.Duration), the one implementation every module uses: config
// files, flags, API parameters, PromQL literals and ranges, scrape labels.
//
// Syntax: "0", or "1y2w3d4h5m6s7ms" with units y w d h m s ms in that order, each at most once,
// non-negative integers only (no fractions, no sign). A year is 365 days, a week 7 days.
// Invariant as in Prometheus: the value fits Go's time.Duration (int64 nanoseconds, about 292
// years), so every parsed value times 1e6 fits int64. Extras such as PromQL's float-seconds
// range "[1800]" or the API's "1.5" seconds are built by their owners on top of this.
#ifndef PROMLET_COMMON_DURATION_H_
#define PROMLET_COMMON_DURATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace promlet::common {

// Milliseconds. Errors word it as Prometheus does: `empty duration string`,
// `not a valid duration string: "1m1h"`, `unknown unit "x" in duration "5x"`,
// `duration out of range`.
absl::StatusOr<int64_t> ParseDuration(std::string_view s);

// model.Duration's String(): 0 -> "0s", 5400000 -> "1h30m", 1209600000 -> "2w",
// 1500 -> "1s500ms", -300000 -> "-5m". Years and weeks only when they divide exactly.
std::string FormatDuration(int64_t ms);

}  // namespace promlet::common

#endif  // PROMLET_COMMON_DURATION_H_
