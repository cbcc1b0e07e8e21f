// Private ANTLR header of promql/parser: the generated lexer/parser and the ANTLR runtime,
// with the declarations of the parser stages that take ANTLR's types (see internal.h for the
// stages). Only .cc files of promql/parser include it; nothing outside the folder sees ANTLR
// (CMake gives the generated headers' include path to this target only, PRIVATE).
#ifndef PROMLET_PROMQL_PARSER_ANTLR_PRIVATE_H_
#define PROMLET_PROMQL_PARSER_ANTLR_PRIVATE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "PromQLLexer.h"
#include "PromQLParser.h"
#include "antlr4-runtime.h"
#include "promql/parser/internal.h"
#include "promql/parser/lex_util.h"
#include "promql/parser/parser.h"

namespace promlet::promql::parse_internal {

using promql_antlr::PromQLLexer;
using promql_antlr::PromQLParser;
using P = PromQLParser;

// --- tokens.cc ---
// A token as Prometheus' Item.desc() names it: `<op:+>`, `identifier "foo"`, `end of input`.
std::string TokenDesc(antlr4::Token* tok);
// " in <construct>, expected <what>" for a syntax error at `offending`, from the innermost
// rule on the parser's context stack (empty when Prometheus adds nothing).
std::string ErrorContext(antlr4::Parser* parser, antlr4::Token* offending);
bool IsKeywordToken(size_t t);
bool IsAggregatorToken(size_t t);
bool IsOperatorToken(size_t t);

// Collects the first syntax error only; never prints.
class FirstErrorListener : public antlr4::BaseErrorListener {
 public:
  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t, size_t,
                   const std::string&, std::exception_ptr) override {
    if (has_error) return;
    has_error = true;
    if (offending != nullptr) {
      token_index = static_cast<long>(offending->getTokenIndex());
      desc = TokenDesc(offending);
      start = offending->getStartIndex();
      is_eof = offending->getType() == antlr4::Token::EOF;
      if (auto* parser = dynamic_cast<antlr4::Parser*>(recognizer)) {
        desc += ErrorContext(parser, offending);
      }
    }
  }
  bool has_error = false;
  bool is_eof = false;
  long token_index = -1;
  size_t start = 0;
  std::string desc;
};

// --- prescan.cc ---
struct LexIssue {
  long token_index = -1;
  int pos = 0;
  std::string msg;
};

// What Prometheus' lexer rejects (unknown characters, unterminated strings, unbalanced
// brackets, bad number/duration syntax) and the nesting/size limits, or nothing.
std::optional<LexIssue> PreScan(const std::vector<antlr4::Token*>& tokens, std::string_view query,
                                const std::vector<int>& cp_to_byte);

// --- builder.cc, builder_modifiers.cc ---
// The labelled alternatives of `expr`. Dispatch compares the node's dynamic type against a
// table of type_info addresses (a pointer compare each) instead of a chain of dynamic_casts,
// which dominated the builder's profile; a dynamic_cast chain remains as the fallback should a
// type_info ever be duplicated (it is unique within one linked image).
enum class ExprAlt {
  kRange, kRangeModifier, kOffset, kAt, kBinary, kUnary, kAggregation, kCall, kSelector,
  kNumber, kString, kParen, kUnknown,
};

ExprAlt AltOf(P::ExprContext* ctx);
BinaryOp BinaryOpFromToken(size_t t);

class Builder {
 public:
  Builder(std::string_view query, const std::vector<int>& cp_to_byte)
      : query_(query), cp_to_byte_(cp_to_byte) {}

  ExprPtr Expr(P::ExprContext* ctx);
  std::vector<model::Matcher> Matchers(P::LabelMatchersContext* ctx);

 private:
  [[noreturn]] void Fail(int pos, std::string msg) { throw ParseError{pos, std::move(msg)}; }
  int Byte(size_t cp) const {
    if (cp >= cp_to_byte_.size()) return static_cast<int>(query_.size());
    return cp_to_byte_[cp];
  }
  int Start(antlr4::Token* t) const { return Byte(t->getStartIndex()); }
  int End(antlr4::Token* t) const {
    if (t->getType() == antlr4::Token::EOF) return static_cast<int>(query_.size());
    return Byte(t->getStopIndex() + 1);
  }
  PositionRange Range(antlr4::ParserRuleContext* ctx) const {
    PositionRange r;
    r.start = Start(ctx->getStart());
    r.end = ctx->getStop() ? End(ctx->getStop()) : r.start;
    if (r.end < r.start) r.end = r.start;
    return r;
  }
  PositionRange TokRange(antlr4::Token* t) const { return {Start(t), End(t)}; }
  // Source text of a token or rule (no copy; getText() converts from UTF-32 through a
  // stringstream). Rules read this way contain no skipped whitespace or comments.
  std::string_view Text(antlr4::Token* t) const {
    int b = Start(t);
    return query_.substr(b, End(t) - b);
  }
  std::string_view Text(antlr4::ParserRuleContext* ctx) const {
    PositionRange r = Range(ctx);
    return query_.substr(r.start, r.end - r.start);
  }

  std::string Unquote(antlr4::Token* t) {
    auto s = UnquoteString(Text(t));
    if (!s.ok()) Fail(Start(t), std::string(s.status().message()));
    return *std::move(s);
  }

  ExprPtr NumberLit(P::NumberLiteralContext* ctx);
  double FillValue(P::FillValueContext* ctx);
  ExprPtr Selector(P::VectorSelectorContext* ctx);
  ExprPtr Aggregation(P::AggregationContext* ctx);
  ExprPtr Call(P::FunctionCallContext* ctx, bool duration_context);
  ExprPtr Binary(P::BinaryExprContext* ctx);
  ExprPtr Range(P::RangeExprContext* ctx);
  void Offset(P::OffsetExprContext* ctx, promql::Expr* target);
  void At(P::AtExprContext* ctx, promql::Expr* target);
  std::vector<std::string> GroupingLabels(P::GroupingLabelsContext* ctx);
  std::vector<ExprPtr> Args(P::FunctionArgsContext* ctx);

  // Duration expressions: build as an ordinary scalar tree, then validate and fold.
  ExprPtr DurationTree(P::ExprContext* ctx);
  // Shared by Expr() and DurationTree(): wrap an already built operand.
  ExprPtr Paren(P::ParenExprContext* c, ExprPtr inner);
  ExprPtr Unary(P::UnaryExprContext* c, ExprPtr inner);
  void CheckDurationTree(const promql::Expr& e, bool* dynamic);
  // Folds to ms; a plain literal keeps no expression. `positive`: a range or subquery
  // range/step, whose literal (signed and parenthesised ones included) must be > 0;
  // computed expressions are checked when evaluated.
  void FoldDuration(ExprPtr tree, int64_t* ms, std::optional<DurationExpr>* out, bool positive);

  std::string_view query_;
  const std::vector<int>& cp_to_byte_;
};

}  // namespace promlet::promql::parse_internal

#endif  // PROMLET_PROMQL_PARSER_ANTLR_PRIVATE_H_
