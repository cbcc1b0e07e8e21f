// UTF-8 and Go string quoting, shared by every module that prints or checks names and values.
//
// Prometheus is written in Go, so its error messages and its canonical PromQL quote strings
// with strconv.Quote: `"`, `\` and control characters escaped (\a \b \f \n \r \t \v, else
// \xNN), printable runes kept as they are, other runes as \uNNNN / \UNNNNNNNN, and each byte of
// invalid UTF-8 as \xNN. GoQuote follows those rules, so labels, matchers and the PromQL printer
// render strings the way Prometheus does.
#ifndef PROMLET_COMMON_UTF8_H_
#define PROMLET_COMMON_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace promlet::common {

// Decodes the rune starting at s[i] (i < s.size()) into *r; returns its length in bytes, or 0
// when the bytes there are not valid UTF-8 (truncated, overlong, surrogate, > U+10FFFF).
int DecodeRune(std::string_view s, size_t i, uint32_t* r);

// Appends r (a valid code point) encoded as UTF-8.
void AppendRune(std::string* out, uint32_t r);

bool IsValidUtf8(std::string_view s);

// Whether strconv.Quote keeps r as it is (an approximation of Go's unicode.IsPrint that is
// exact for ASCII, Latin-1 and the format/private-use ranges exporters actually produce).
bool IsPrintableRune(uint32_t r);

// strconv.Quote(s).
std::string GoQuote(std::string_view s);
void AppendGoQuoted(std::string* out, std::string_view s);

}  // namespace promlet::common

#endif  // PROMLET_COMMON_UTF8_H_
