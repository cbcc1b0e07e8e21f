// The parser of Go's text/template (text/template/parse/parse.go) over the lexer's tokens:
// builds a TemplateSet (main tree plus {{define}}/{{block}} trees) with Go's checks (undefined
// variables and functions, {{break}} outside {{range}}, misplaced else/end, ...).
//
// Invariants: never throws; an error reads exactly like Go's parse error
// (`template: NAME:LINE: MESSAGE`); nesting depth is bounded (parenthesized expressions and
// control structures), so hostile input cannot exhaust the stack.
#ifndef PROMLET_RULES_TEMPLATE_PARSER_H_
#define PROMLET_RULES_TEMPLATE_PARSER_H_

#include <functional>
#include <string_view>

#include "absl/status/status.h"
#include "rules/template/ast.h"

namespace promlet::rules::tmpl {

// Deepest nesting of parenthesized pipelines and of if/range/with/define blocks.
inline constexpr int kMaxParseDepth = 200;

using HasFunction = std::function<bool(std::string_view name)>;

// Parses `text` as the template `name` into *set (set->name and set->text are filled in).
absl::Status ParseTemplate(std::string_view name, std::string_view text,
                           const HasFunction& has_function, TemplateSet* set);

// strconv.Unquote of a Go string literal ("..." or `...`) or character literal; false when the
// literal is malformed.
bool GoUnquote(std::string_view quoted, std::string* out);

}  // namespace promlet::rules::tmpl

#endif  // PROMLET_RULES_TEMPLATE_PARSER_H_
