#include "scrape/duration.h"

#include "absl/strings/str_cat.h"

namespace promlet::scrape {
namespace {

struct Unit {
  std::string_view name;
  int64_t ms;
};
// Order matters: Prometheus requires units from largest to smallest; "ms" before "m" so that
// the longer suffix is tried first at the same position.
constexpr Unit kUnits[] = {{"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000},
                           {"d", 24LL * 3600 * 1000},       {"h", 3600LL * 1000},
                           {"m", 60LL * 1000},              {"s", 1000},
                           {"ms", 1}};

}  // namespace

absl::StatusOr<int64_t> ParseDurationMs(std::string_view s) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("not a valid duration string: \"", std::string(s), "\""));
  };
  if (s.empty()) return absl::InvalidArgumentError("empty duration string");
  if (s == "0") return 0;
  int64_t total = 0;
  size_t i = 0;
  int next_unit = 0;  // index into kUnits; units must appear in order, each at most once
  while (i < s.size()) {
    size_t b = i;
    int64_t v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (v > (INT64_MAX - 9) / 10) return invalid();
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    if (i == b || i == s.size()) return invalid();
    int found = -1;
    // "ms" is the only two-letter unit; check it before "m".
    if (s.substr(i, 2) == "ms") {
      found = 6;
    } else {
      for (int u = 0; u < 6; ++u) {
        if (s[i] == kUnits[u].name[0]) found = u;
      }
    }
    if (found < next_unit) return invalid();
    if (v > INT64_MAX / kUnits[found].ms) return absl::InvalidArgumentError("duration out of range");
    int64_t add = v * kUnits[found].ms;
    if (total > INT64_MAX - add) return absl::InvalidArgumentError("duration out of range");
    total += add;
    i += kUnits[found].name.size();
    next_unit = found + 1;
  }
  return total;
}

std::string FormatDurationMs(int64_t ms) {
  if (ms == 0) return "0s";
  std::string r;
  if (ms < 0) {
    r = "-";
    ms = -ms;
  }
  for (int u = 0; u < 7; ++u) {
    int64_t mult = kUnits[u].ms;
    bool exact = u < 2;  // years and weeks only when nothing remains
    if (exact && ms % mult != 0) continue;
    if (int64_t v = ms / mult; v > 0) {
      absl::StrAppend(&r, v, std::string(kUnits[u].name));
      ms -= v * mult;
    }
  }
  return r;
}

}  // namespace promlet::scrape
