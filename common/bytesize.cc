#include "common/bytesize.h"

#include <limits>
#include <string>

#include "absl/strings/str_cat.h"

namespace promlet::common {
namespace {

struct Unit {
  std::string_view name;
  int shift;  // bytes = 1 << shift
};
// units.ParseBase2Bytes tries the IEC names first, then the old ones; a string must use one set.
constexpr Unit kIecUnits[] = {{"B", 0},    {"KiB", 10}, {"MiB", 20}, {"GiB", 30},
                              {"TiB", 40}, {"PiB", 50}, {"EiB", 60}};
constexpr Unit kOldUnits[] = {{"B", 0},   {"KB", 10}, {"MB", 20}, {"GB", 30},
                              {"TB", 40}, {"PB", 50}, {"EB", 60}};
constexpr char kUnitHint[] = "units: B, KB, MB, GB, TB, PB, EB or KiB, MiB, GiB, TiB, PiB, EiB";

// Fixed point with 18 fractional decimal digits: exact for every fraction a user writes (digits
// beyond the 18th are dropped), and INT64_MAX * 1e18 still fits the 128-bit accumulator.
constexpr unsigned __int128 kScale = 1000000000000000000ULL;
constexpr int kScaleDigits = 18;
constexpr unsigned __int128 kMaxScaled =
    static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max()) * kScale + (kScale - 1);

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

enum class Outcome { kOk, kSyntax, kUnit, kRange };

struct Result {
  Outcome outcome = Outcome::kOk;
  int64_t bytes = 0;
  std::string_view bad_unit;
};

template <size_t N>
Result ParseWith(std::string_view s, const Unit (&units)[N]) {
  Result r;
  unsigned __int128 total = 0;  // bytes * kScale
  while (!s.empty()) {
    if (!IsDigit(s[0]) && s[0] != '.') return {Outcome::kSyntax, 0, {}};
    // Integer part; more than 19 digits always overflows int64 bytes.
    size_t i = 0;
    unsigned __int128 whole = 0;
    while (i < s.size() && IsDigit(s[i])) {
      whole = whole * 10 + static_cast<unsigned>(s[i] - '0');
      if (whole > std::numeric_limits<int64_t>::max()) return {Outcome::kRange, 0, {}};
      ++i;
    }
    bool any_digits = i > 0;
    unsigned __int128 frac = 0;  // scaled by kScale
    if (i < s.size() && s[i] == '.') {
      ++i;
      unsigned __int128 place = kScale;
      int kept = 0;
      while (i < s.size() && IsDigit(s[i])) {
        any_digits = true;
        if (kept < kScaleDigits) {
          place /= 10;
          frac += place * static_cast<unsigned>(s[i] - '0');
          ++kept;
        }
        ++i;
      }
    }
    if (!any_digits) return {Outcome::kSyntax, 0, {}};  // "." or ".MB"
    size_t j = i;
    while (j < s.size() && !IsDigit(s[j]) && s[j] != '.') ++j;
    std::string_view name = s.substr(i, j - i);
    s.remove_prefix(j);
    const Unit* unit = nullptr;
    for (const Unit& u : units) {
      if (u.name == name) unit = &u;
    }
    if (unit == nullptr) return {Outcome::kUnit, 0, name};
    unsigned __int128 scaled = (whole * kScale + frac) << unit->shift;
    // whole < 2^63, kScale < 2^60, shift <= 60: check before shifting past 128 bits.
    if (((whole * kScale + frac) >> (127 - unit->shift)) != 0) return {Outcome::kRange, 0, {}};
    total += scaled;
    if (total > kMaxScaled) return {Outcome::kRange, 0, {}};
  }
  r.bytes = static_cast<int64_t>(total / kScale);
  return r;
}

}  // namespace

absl::StatusOr<int64_t> ParseByteSize(std::string_view s) {
  std::string quoted = absl::StrCat("\"", absl::string_view(s.data(), s.size()), "\"");
  std::string_view body = s;
  if (!body.empty() && body[0] == '+') body.remove_prefix(1);
  if (!body.empty() && body[0] == '-') {
    return absl::InvalidArgumentError(absl::StrCat("invalid size ", quoted, ": negative"));
  }
  if (body == "0") return 0;
  if (body.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid size ", quoted, " (e.g. 512MB)"));
  }
  Result r = ParseWith(body, kIecUnits);
  if (r.outcome != Outcome::kOk) r = ParseWith(body, kOldUnits);
  switch (r.outcome) {
    case Outcome::kOk:
      return r.bytes;
    case Outcome::kSyntax:
      return absl::InvalidArgumentError(
          absl::StrCat("invalid size ", quoted, " (e.g. 512MB, 1.5GiB; ", kUnitHint, ")"));
    case Outcome::kUnit:
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid size unit \"", absl::string_view(r.bad_unit.data(), r.bad_unit.size()),
          "\" in ", quoted, " (", kUnitHint, ")"));
    case Outcome::kRange:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat("size ", quoted, " out of range"));
}

}  // namespace promlet::common
