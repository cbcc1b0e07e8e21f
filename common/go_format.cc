#include "common/go_format.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "absl/strings/str_format.h"

namespace promlet::common {
namespace {

// 2^53: the magnitude below which a double's integer part is exact.
constexpr double kExactIntegerLimit = 9007199254740992.0;

// Go's decimalSlice: value = 0.d[0]d[1]...d[nd-1] * 10^dp, with the shortest digits.
struct Decimal {
  char d[20];
  int nd = 0;
  int dp = 0;
};

Decimal ShortestDigits(double a) {  // a finite and > 0
  char sci[40];
  auto r = std::to_chars(sci, sci + sizeof sci, a, std::chars_format::scientific);
  Decimal dec;
  const char* p = sci;
  for (; p < r.ptr && *p != 'e'; ++p) {
    if (*p != '.') dec.d[dec.nd++] = *p;
  }
  int exp = 0;
  std::from_chars(p + (p[1] == '+' ? 2 : 1), r.ptr, exp);
  dec.dp = exp + 1;
  return dec;
}

char* WriteE(char* p, const Decimal& dec) {
  *p++ = dec.nd > 0 ? dec.d[0] : '0';
  if (dec.nd > 1) {
    *p++ = '.';
    std::memcpy(p, dec.d + 1, static_cast<size_t>(dec.nd - 1));
    p += dec.nd - 1;
  }
  *p++ = 'e';
  int exp = dec.nd == 0 ? 0 : dec.dp - 1;
  if (exp < 0) {
    *p++ = '-';
    exp = -exp;
  } else {
    *p++ = '+';
  }
  if (exp < 10) {
    *p++ = '0';
    *p++ = static_cast<char>('0' + exp);
  } else if (exp < 100) {
    *p++ = static_cast<char>('0' + exp / 10);
    *p++ = static_cast<char>('0' + exp % 10);
  } else {
    *p++ = static_cast<char>('0' + exp / 100);
    *p++ = static_cast<char>('0' + exp / 10 % 10);
    *p++ = static_cast<char>('0' + exp % 10);
  }
  return p;
}

char* WriteF(char* p, const Decimal& dec) {
  if (dec.dp > 0) {
    int m = dec.dp < dec.nd ? dec.dp : dec.nd;
    std::memcpy(p, dec.d, static_cast<size_t>(m));
    p += m;
    for (int i = m; i < dec.dp; ++i) *p++ = '0';
  } else {
    *p++ = '0';
  }
  int frac = dec.nd - dec.dp;
  if (frac > 0) {
    *p++ = '.';
    for (int i = 1; i <= frac; ++i) {
      int j = dec.dp + i - 1;
      *p++ = j >= 0 && j < dec.nd ? dec.d[j] : '0';
    }
  }
  return p;
}

}  // namespace

size_t FormatGoFloat(double v, char fmt, char* buf) {
  if (std::isnan(v)) {
    std::memcpy(buf, "NaN", 3);
    return 3;
  }
  if (std::isinf(v)) {
    std::memcpy(buf, v > 0 ? "+Inf" : "-Inf", 4);
    return 4;
  }
  if (fmt == 'f' && v != 0 && std::fabs(v) < kExactIntegerLimit) {
    // Below 2^53 every integer digit of v is significant, so the fewest characters that
    // round-trip in fixed notation (to_chars' rule) are the shortest digits laid out by 'f'
    // (Go's rule), with no detour through scientific digits. Above it they differ
    // (to_chars writes 2^63 exactly): the general path below.
    return static_cast<size_t>(
        std::to_chars(buf, buf + kGoFloatMaxLen, v, std::chars_format::fixed).ptr - buf);
  }
  char* p = buf;
  if (std::signbit(v)) *p++ = '-';
  Decimal dec;
  if (v != 0) dec = ShortestDigits(std::fabs(v));
  if (fmt == 'e') {
    p = WriteE(p, dec);
  } else if (fmt == 'f') {
    p = WriteF(p, dec);
  } else {
    // Go: with shortest precision, %e is used when the exponent is < -4 or >= 6 (eprec = 6).
    int exp = dec.dp - 1;
    p = (dec.nd > 0 && (exp < -4 || exp >= 6)) ? WriteE(p, dec) : WriteF(p, dec);
  }
  return static_cast<size_t>(p - buf);
}

std::string GoFloat(double v, char fmt) {
  char buf[kGoFloatMaxLen];
  return std::string(buf, FormatGoFloat(v, fmt, buf));
}

void AppendGoFloat(std::string* out, double v, char fmt) {
  char buf[kGoFloatMaxLen];
  out->append(buf, FormatGoFloat(v, fmt, buf));
}

std::string FormatOpenMetricsFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::string s = GoFloat(v, 'g');
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string GoPrintfF(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // C's %f rounds the exact binary value half-to-even at six decimals, as Go's does.
  return absl::StrFormat("%f", v);
}

}  // namespace promlet::common
