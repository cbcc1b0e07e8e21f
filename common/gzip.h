// gzip decoding shared by every body reader (scrape responses, pushed bodies).
//
// Invariant: the output never grows past the caller's limit; a stream that would is refused
// (ResourceExhausted) before more memory is taken, so a small "zip bomb" cannot exhaust memory.
#ifndef PROMLET_COMMON_GZIP_H_
#define PROMLET_COMMON_GZIP_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace promlet::common {

// Inflates a gzip stream (RFC 1952), failing once the output would exceed `limit` bytes
// (0 = unlimited): ResourceExhausted "body size limit exceeded"; corrupt or truncated input:
// DataLoss "gzip: ...".
absl::StatusOr<std::string> GunzipWithLimit(std::string_view compressed, int64_t limit);

}  // namespace promlet::common

#endif  // PROMLET_COMMON_GZIP_H_
