// PromQL parser, printer and the duration helpers that go with them.
//
// ParseExpr accepts the Prometheus 3 language (float samples) including the experimental
// syntax the test corpus uses (duration expressions, anchored/smoothed ranges, fill modifiers)
// and returns a tree type-checked exactly like Prometheus' checkAST (see promql/ast.h for the
// invariants). Errors are InvalidArgument with Prometheus' wording and position prefix, e.g.
// `1:5: parse error: unexpected <op:+>` (line:column, column 1-based, in bytes). Only the
// first error is reported. The parser never throws, crashes or loops; queries nested deeper
// than kMaxNestingDepth or with more than kMaxOperators operators are rejected.
#ifndef PROMLET_PROMQL_PARSER_PARSER_H_
#define PROMLET_PROMQL_PARSER_PARSER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "promql/ast.h"
#include "model/matcher.h"

namespace promlet::promql {

// (, [, { nesting; also the bound on prefix +/- and ^ operators, which recurse like nesting.
inline constexpr int kMaxNestingDepth = 256;
inline constexpr int kMaxOperators = 4096;      // binary/unary operators and modifiers

absl::StatusOr<ExprPtr> ParseExpr(std::string_view query);

// A selector as the API's match[] takes it: `up{job="x"}` or `{__name__=~".+"}`. As in
// Prometheus, the "at least one non-empty matcher" rule is not applied here (callers word it).
absl::StatusOr<std::vector<model::Matcher>> ParseMetricSelector(std::string_view s);

// Canonical PromQL in Prometheus' String() style (for /api/v1/format_query). Parsing the
// output gives an equivalent tree.
std::string Print(const Expr& e);

// Duration syntax ("1h30m", "0") is common::ParseDuration / common::FormatDuration
// (common/duration.h); PromQL's extras (float seconds, duration expressions) build on it.
// A PromQL number literal: decimal, exponent, hex/octal integers, Inf/NaN in any case.
absl::StatusOr<double> ParseNumber(std::string_view s);

// Values a duration expression that depends on the query needs (see DurationExpr in ast.h).
struct DurationContext {
  int64_t step_ms = 0;   // step() — the query's resolution step (0 for instant queries)
  int64_t range_ms = 0;  // range() — end - start of the query (0 for instant queries)
};
// Evaluates a DurationExpr's expression to milliseconds.
absl::StatusOr<int64_t> EvalDurationExpr(const Expr& e, const DurationContext& ctx);

// Prometheus accepts `f(x[1m] smoothed|anchored)` when parsing and rejects unsupported
// functions when evaluating: the error text for `call`, or nullopt when the use is fine.
// smoothed: delta, increase, rate; anchored: changes, delta, increase, rate, resets.
std::optional<std::string> ExtendedRangeModifierError(const Call& call);

}  // namespace promlet::promql

#endif  // PROMLET_PROMQL_PARSER_PARSER_H_
