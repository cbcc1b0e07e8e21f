// Prometheus byte sizes (Go units.ParseBase2Bytes), the one implementation every module uses:
// scrape configs' body_size_limit, --storage.tsdb.retention.size.
//
// Syntax, as Prometheus accepts it: "0", or one or more <number><unit> elements ("1GB512MB"),
// where <number> is decimal with an optional fraction ("1.5GB"; the total is truncated toward
// zero) and <unit> is, case-sensitively, one of B KB MB GB TB PB EB or B KiB MiB GiB TiB PiB EiB
// (not mixed within one string). Every unit is a power of 1024: 1KB = 1KiB = 1024 bytes. A bare
// number other than "0" has no unit and is an error, as in Prometheus. Unlike Go, a negative
// size is an error (no caller has a meaning for it).
#ifndef PROMLET_COMMON_BYTESIZE_H_
#define PROMLET_COMMON_BYTESIZE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace promlet::common {

// Bytes, 0..INT64_MAX. Errors name the input: `invalid size unit "XB" in "10XB" (...)`,
// `invalid size "1..5GB" (...)`, `size "9EB" out of range`.
absl::StatusOr<int64_t> ParseByteSize(std::string_view s);

}  // namespace promlet::common

#endif  // PROMLET_COMMON_BYTESIZE_H_
