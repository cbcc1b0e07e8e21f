#include "promql/parser/lex_util.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/utf8.h"
#include "promql/parser/parser.h"
#include "model/labels.h"

namespace promlet::promql {
namespace {

using common::AppendRune;
using common::DecodeRune;

// Go's %#U: "U+0071 'q'".
std::string GoRuneDesc(uint32_t r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "U+%04X", r);
  std::string s = buf;
  if (r >= 0x20 && r != 0x7F) {
    s += " '";
    AppendRune(&s, r);
    s += "'";
  }
  return s;
}

int DigitVal(uint32_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 16;
}

}  // namespace

absl::StatusOr<std::string> UnquoteString(std::string_view tok) {
  if (tok.size() < 2) return absl::InvalidArgumentError("unterminated quoted string");
  char q = tok[0];
  std::string_view body = tok.substr(1, tok.size() - 2);
  if (q == '`') return std::string(body);
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    ++i;
    if (i >= body.size()) return absl::InvalidArgumentError("escape sequence not terminated");
    uint32_t ch;
    int len = DecodeRune(body, i, &ch);
    if (len == 0) {
      ch = static_cast<unsigned char>(body[i]);
      len = 1;
    }
    int n = 0;
    uint32_t base = 0, max = 0;
    switch (ch) {
      case 'a': out.push_back('\a'); i += 1; continue;
      case 'b': out.push_back('\b'); i += 1; continue;
      case 'f': out.push_back('\f'); i += 1; continue;
      case 'n': out.push_back('\n'); i += 1; continue;
      case 'r': out.push_back('\r'); i += 1; continue;
      case 't': out.push_back('\t'); i += 1; continue;
      case 'v': out.push_back('\v'); i += 1; continue;
      case '\\': out.push_back('\\'); i += 1; continue;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        n = 3, base = 8, max = 255;
        break;
      case 'x': n = 2, base = 16, max = 255; i += 1; break;
      case 'u': n = 4, base = 16, max = 0x10FFFF; i += 1; break;
      case 'U': n = 8, base = 16, max = 0x10FFFF; i += 1; break;
      default:
        if (ch == static_cast<uint32_t>(q)) {
          out.push_back(q);
          i += 1;
          continue;
        }
        return absl::InvalidArgumentError(
            absl::StrCat("unknown escape sequence ", GoRuneDesc(ch)));
    }
    uint32_t x = 0;
    for (; n > 0; --n) {
      if (i >= body.size()) {
        // Prometheus' lexer reads the closing quote as the next digit.
        return absl::InvalidArgumentError(absl::StrCat(
            "illegal character ", GoRuneDesc(static_cast<unsigned char>(q)), " in escape sequence"));
      }
      uint32_t d = DigitVal(static_cast<unsigned char>(body[i]));
      if (d >= base) {
        uint32_t bad;
        if (DecodeRune(body, i, &bad) == 0) bad = static_cast<unsigned char>(body[i]);
        return absl::InvalidArgumentError(
            absl::StrCat("illegal character ", GoRuneDesc(bad), " in escape sequence"));
      }
      x = x * base + d;
      ++i;
    }
    if (x > max || (x >= 0xD800 && x < 0xE000)) {
      return absl::InvalidArgumentError("escape sequence is an invalid Unicode code point");
    }
    if (max == 255) {
      out.push_back(static_cast<char>(x));  // \x and octal escapes are raw bytes
    } else {
      AppendRune(&out, x);
    }
  }
  return out;
}

std::string QuoteString(std::string_view s) { return common::GoQuote(s); }

std::string MaybeQuoteName(std::string_view name, bool metric) {
  bool legacy = metric ? model::IsValidLegacyMetricName(name) : model::IsValidLegacyLabelName(name);
  return legacy ? std::string(name) : QuoteString(name);
}

absl::StatusOr<double> ParseNumber(std::string_view s) {
  auto err = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("error parsing number: strconv.ParseFloat: parsing ", QuoteString(s),
                     ": invalid syntax"));
  };
  if (s.empty()) return err();
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::string_view body = lower;
  bool neg = false;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") {
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  if (body == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (body.empty()) return err();
  // Go strconv.ParseInt(s, 0, 64) first: 0x hex, 0o/leading-0 octal, 0b binary.
  int base = 10;
  std::string_view digits = body;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'o' || body[1] == 'b')) {
    base = body[1] == 'x' ? 16 : body[1] == 'o' ? 8 : 2;
    digits = body.substr(2);
  } else if (body.size() > 1 && body[0] == '0') {
    base = 8;
    digits = body.substr(1);
  }
  {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (ec == std::errc() && p == digits.data() + digits.size() &&
        v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + (neg ? 1 : 0)) {
      double d = static_cast<double>(v);
      return neg ? -d : d;
    }
  }
  if (base == 16 || base == 2 || (body.size() > 1 && body[1] == 'o')) return err();
  double v = 0;
  auto [p, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (p != body.data() + body.size()) return err();
  if (ec == std::errc::result_out_of_range) {
    // Go returns ±Inf (or 0 for underflow) with an error; the parser reports it.
    return absl::InvalidArgumentError(
        absl::StrCat("error parsing number: strconv.ParseFloat: parsing ", QuoteString(s),
                     ": value out of range"));
  }
  if (ec != std::errc()) return err();
  return neg ? -v : v;
}


}  // namespace promlet::promql
