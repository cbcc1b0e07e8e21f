// Internal to promql/parser (never included from outside it): what the parser's stages share
// that does not depend on ANTLR. The stages, one file each:
//   prescan.cc            lexer-level errors and size limits, on the token stream
//   tokens.cc             token descriptions and syntax-error context in Prometheus' wording
//   builder.cc            parse tree -> AST, with the checks of Prometheus' grammar actions
//   builder_modifiers.cc  the same for ranges, subqueries, offset, @ and duration expressions
//   checker.cc            the port of Prometheus' checkAST (types, matching, arity)
//   parser.cc             the ANTLR pipeline, ParseImpl and the public functions of parser.h
// antlr_private.h adds the declarations that need ANTLR's types; it is the only header that
// includes ANTLR, and only files of this folder include it.
//
// Errors: the builder throws ParseError (caught in ParseImpl, never crossing the module); the
// checker records the first one. Both become InvalidArgument statuses through FormatError.
#ifndef PROMLET_PROMQL_PARSER_INTERNAL_H_
#define PROMLET_PROMQL_PARSER_INTERNAL_H_

#include <optional>
#include <string>
#include <string_view>

#include "promql/ast.h"
#include "promql/functions.h"

namespace promlet::promql::parse_internal {

struct ParseError {
  int pos;  // byte offset
  std::string msg;
};

// "<line>:<column>: parse error: <msg>" with the column 1-based, in bytes.
std::string FormatError(std::string_view query, int pos, std::string_view msg);

bool ValidUtf8(std::string_view s);

// Names that are keywords in Prometheus' lexer and therefore match in any case.
std::string_view CanonicalFunctionName(std::string_view name);

bool IsDurationOp(BinaryOp op);

// The port of checkAST.
class Checker {
 public:
  explicit Checker(std::string_view query) : query_(query) {}

  ValueType Check(promql::Expr* node);
  const std::optional<ParseError>& error() const { return error_; }

 private:
  void Err(int pos, std::string msg) {
    if (!error_) error_ = ParseError{pos, std::move(msg)};
  }
  void ExpectType(promql::Expr* node, ValueType want, const std::string& context) {
    ValueType t = Check(node);
    if (t != want) {
      Err(node->pos.start, absl::StrCat("expected type ", DocumentedTypeName(want), " in ",
                                        context, ", got ", DocumentedTypeName(t)));
    }
  }
  int OpStart(const BinaryExpr& b) const {
    int p = b.lhs->pos.end;
    while (p < static_cast<int>(query_.size()) &&
           (query_[p] == ' ' || query_[p] == '\t' || query_[p] == '\n' || query_[p] == '\r')) {
      ++p;
    }
    return p;
  }

  std::string_view query_;
  std::optional<ParseError> error_;
};

}  // namespace promlet::promql::parse_internal

#endif  // PROMLET_PROMQL_PARSER_INTERNAL_H_
