// Go's float formatting, the one copy in the tree: strconv.FormatFloat(v, fmt, -1, 64) for
// fmt 'e', 'f' and 'g', which is how Prometheus prints every float it shows a user (API sample
// values, scalars, label values made from numbers, the text exposition, error messages with
// %v/%g).
//
// Invariants:
//  - Digits are the shortest that round-trip to v (std::to_chars' shortest digits, the same
//    digits Go's Ryu-based shortest formatting produces), laid out by Go's rules:
//      'e': d.ddde±XX, exponent at least two digits ("1e-07", "1e+21", "5e-324").
//      'f': never an exponent; digits past the shortest ones are zeros (2^63 is
//           "9223372036854776000", not the exact "9223372036854775808").
//      'g': 'e' when the decimal exponent is < -4 or >= 6 (Go's rule for shortest precision:
//           "1e+06", "1e-05"), else 'f' ("100000", "0.0001").
//  - NaN is "NaN", infinities "+Inf" and "-Inf"; negative zero keeps its sign ("-0").
//  - The formatting functions write at most kGoFloatMaxLen bytes and never allocate.
#ifndef PROMLET_COMMON_GO_FORMAT_H_
#define PROMLET_COMMON_GO_FORMAT_H_

#include <cstddef>
#include <string>

namespace promlet::common {

// Longest output: 'f' of the smallest subnormal, "-0." + 323 zeros + 17 digits.
inline constexpr size_t kGoFloatMaxLen = 350;

// Writes strconv.FormatFloat(v, fmt, -1, 64) into buf and returns its length. fmt is 'e',
// 'f' or 'g' (anything else is treated as 'g'). kGoFloatMaxLen bytes always suffice; 'e' and
// 'g' never take more than 24, nor does 'f' for 1e-6 <= |v| < 1e21 (callers that bound the
// magnitude, like JSON sample values, use smaller buffers).
size_t FormatGoFloat(double v, char fmt, char* buf);

// The same as a string.
std::string GoFloat(double v, char fmt);

// Appends the same to *out.
void AppendGoFloat(std::string* out, double v, char fmt);

// Prometheus' labels.FormatOpenMetricsFloat: Go's %g with ".0" appended when that has neither
// '.' nor 'e' ("1.0", "0.25", "1e+06", "+Inf", "NaN"): the le and quantile label values of the
// protobuf parser and histogram_quantiles' labels.
std::string FormatOpenMetricsFloat(double v);

// Go's fmt "%f" (six decimals, every integer digit): "1.500000", "NaN", "+Inf".
std::string GoPrintfF(double v);

}  // namespace promlet::common

#endif  // PROMLET_COMMON_GO_FORMAT_H_
