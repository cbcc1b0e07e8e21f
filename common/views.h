// Conversions between std::string_view and absl::string_view. Debian's Abseil is built with its
// own string_view type (ABSL_OPTION_USE_STD_STRING_VIEW 0), so Abseil's string functions do not
// take std::string_view and Status::message() is not one; these make the crossing explicit.
#ifndef PROMLET_COMMON_VIEWS_H_
#define PROMLET_COMMON_VIEWS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace promlet::common {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace promlet::common

#endif  // PROMLET_COMMON_VIEWS_H_
