#include "common/duration.h"

#include <charconv>
#include <cstdio>
#include <limits>

#include "absl/strings/str_cat.h"

namespace promlet::common {
namespace {

struct Unit {
  std::string_view name;
  uint64_t ms;
  int pos;  // units must appear with strictly increasing pos
};
constexpr uint64_t kDayMs = 24ULL * 3600 * 1000;
constexpr Unit kUnits[] = {
    {"y", 365 * kDayMs, 1}, {"w", 7 * kDayMs, 2}, {"d", kDayMs, 3}, {"h", 3600ULL * 1000, 4},
    {"m", 60ULL * 1000, 5}, {"s", 1000, 6},       {"ms", 1, 7},
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Go's %q for the error messages. Duration input is ASCII in practice; other bytes are escaped
// as \xHH rather than decoded as UTF-8 (the PromQL printer has the full strconv.Quote).
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(ch);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

absl::StatusOr<int64_t> ParseDuration(std::string_view s) {
  if (s == "0") return 0;
  if (s.empty()) return absl::InvalidArgumentError("empty duration string");
  auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat("not a valid duration string: ", Quote(s)));
  };
  // Go's time.Duration (int64 nanoseconds) bounds the value, as model.ParseDuration checks.
  constexpr uint64_t kMaxNs = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t total_ns = 0;
  int last_pos = 0;
  std::string_view rest = s;
  while (!rest.empty()) {
    if (!IsDigit(rest[0])) return invalid();
    size_t i = 0;
    while (i < rest.size() && IsDigit(rest[i])) ++i;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + i, v);
    if (ec != std::errc()) return invalid();
    rest.remove_prefix(i);
    size_t j = 0;
    while (j < rest.size() && !IsDigit(rest[j])) ++j;
    if (j == 0) return invalid();
    std::string_view u = rest.substr(0, j);
    rest.remove_prefix(j);
    const Unit* unit = nullptr;
    for (const Unit& cand : kUnits) {
      if (cand.name == u) unit = &cand;
    }
    if (unit == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown unit ", Quote(u), " in duration ", Quote(s)));
    }
    if (unit->pos <= last_pos) return invalid();
    last_pos = unit->pos;
    uint64_t mult_ns = unit->ms * 1000000ULL;
    if (v > (kMaxNs + 1) / mult_ns) return absl::InvalidArgumentError("duration out of range");
    total_ns += v * mult_ns;
    if (total_ns > kMaxNs) return absl::InvalidArgumentError("duration out of range");
  }
  return static_cast<int64_t>(total_ns / 1000000ULL);
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string r;
  uint64_t u;
  if (ms < 0) {
    r = "-";
    u = static_cast<uint64_t>(-(ms + 1)) + 1;  // INT64_MIN safe
  } else {
    u = static_cast<uint64_t>(ms);
  }
  for (const Unit& unit : kUnits) {
    bool exact = unit.pos <= 2;  // years and weeks only when nothing remains
    if (exact && u % unit.ms != 0) continue;
    if (uint64_t v = u / unit.ms; v > 0) {
      absl::StrAppend(&r, v, absl::string_view(unit.name.data(), unit.name.size()));
      u -= v * unit.ms;
    }
  }
  return r;
}

}  // namespace promlet::common
