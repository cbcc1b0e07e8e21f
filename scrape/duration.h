// Prometheus duration syntax (model.Duration): "1y2w3d4h5m6s7ms" units in that order, each
// optional, integers only; "0" alone is zero. Years are 365 days, weeks 7 days.
#ifndef PROMLET_SCRAPE_DURATION_H_
#define PROMLET_SCRAPE_DURATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace promlet::scrape {

// Milliseconds; errors as Prometheus: `not a valid duration string: "1x"`.
absl::StatusOr<int64_t> ParseDurationMs(std::string_view s);
// Prometheus' canonical form: 90000 -> "1m30s", 0 -> "0s", 604800000 -> "1w".
std::string FormatDurationMs(int64_t ms);

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_DURATION_H_
