// Lexical helpers shared by the parser and the printer: Go-compatible string unquoting and
// quoting, and name validity. Internal to promql/parser.
#ifndef PROMLET_PROMQL_PARSER_LEX_UTIL_H_
#define PROMLET_PROMQL_PARSER_LEX_UTIL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace promlet::promql {

// Unquotes a PromQL string token including its quotes: "..." and '...' with Go escapes
// (\a \b \f \n \r \t \v \\ \' \" \xHH \ooo \uHHHH \UHHHHHHHH), `...` raw. The error message is
// Prometheus' lexer wording ("unknown escape sequence ...").
absl::StatusOr<std::string> UnquoteString(std::string_view token);

// Go strconv.Quote (common::GoQuote): double-quoted, escapes for non-printable runes and
// invalid UTF-8.
std::string QuoteString(std::string_view s);

// Quotes a label/metric name only when it is not a legacy name.
std::string MaybeQuoteName(std::string_view name, bool metric);

}  // namespace promlet::promql

#endif  // PROMLET_PROMQL_PARSER_LEX_UTIL_H_
