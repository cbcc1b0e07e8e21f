// PromQL parser: ANTLR parse tree -> typed AST, then Prometheus' checkAST.
//
// The only translation unit that sees ANTLR. Stages:
//   1. Pre-scan of the token stream for what Prometheus' lexer rejects (unknown characters,
//      unterminated strings, unbalanced brackets, bad number/duration syntax) and the
//      nesting/size limits that keep the recursive parser and tree walks off the stack limit.
//   2. ANTLR parse (SLL first, full LL on failure); the first syntax error becomes
//      "unexpected <token>". The lexer, token stream and parser are reused per thread
//      (AntlrPipeline) and read the query through Utf8CharStream; no exception is thrown for a
//      valid query.
//   3. AST building with the checks Prometheus does in its grammar actions (offset/@ placement,
//      ranges only on selectors, unknown functions, aggregation arity, duration expressions).
//   4. The port of checkAST (types, vector matching, argument counts).
// Errors are thrown as ParseError inside this file only and returned as absl::Status.
#include "promql/parser/parser.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "PromQLLexer.h"
#include "PromQLParser.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "antlr4-runtime.h"
#include "common/duration.h"
#include "common/go_format.h"
#include "common/utf8.h"
#include "promql/functions.h"
#include "promql/parser/lex_util.h"
#include "tsdb/labels.h"

namespace promlet::promql {
namespace {

using promql_antlr::PromQLLexer;
using promql_antlr::PromQLParser;
using P = PromQLParser;

struct ParseError {
  int pos;  // byte offset
  std::string msg;
};

std::string FormatError(std::string_view query, int pos, std::string_view msg) {
  if (pos < 0 || pos > static_cast<int>(query.size())) {
    return absl::StrCat("invalid position: parse error: ", std::string(msg));
  }
  int line = 1, last_break = -1;
  for (int i = 0; i < pos; ++i) {
    if (query[i] == '\n') {
      last_break = i;
      ++line;
    }
  }
  return absl::StrCat(line, ":", pos - last_break, ": parse error: ", std::string(msg));
}

bool ValidUtf8(std::string_view s) { return tsdb::IsValidUtf8(s); }

// ----------------------------------------------------------------------------------------
// Token descriptions in Prometheus' wording (Item.desc()).

bool IsKeywordToken(size_t t) {
  switch (t) {
    case P::BOOL: case P::BY: case P::WITHOUT: case P::ON: case P::IGNORING:
    case P::GROUP_LEFT: case P::GROUP_RIGHT: case P::OFFSET: case P::START: case P::END:
    case P::ANCHORED: case P::SMOOTHED: case P::FILL: case P::FILL_LEFT: case P::FILL_RIGHT:
      return true;
    default:
      return false;
  }
}

bool IsAggregatorToken(size_t t) {
  switch (t) {
    case P::SUM: case P::AVG: case P::COUNT: case P::MIN: case P::MAX: case P::GROUP:
    case P::STDDEV: case P::STDVAR: case P::TOPK: case P::BOTTOMK: case P::QUANTILE:
    case P::COUNT_VALUES: case P::LIMITK: case P::LIMIT_RATIO:
      return true;
    default:
      return false;
  }
}

bool IsOperatorToken(size_t t) {
  switch (t) {
    case P::ADD: case P::SUB: case P::MUL: case P::DIV: case P::MOD: case P::POW:
    case P::EQLC: case P::NEQ: case P::GTR: case P::LSS: case P::GTE: case P::LTE:
    case P::EQL_REGEX: case P::NEQ_REGEX: case P::AND: case P::OR: case P::UNLESS:
    case P::ATAN2: case P::AT: case P::TRIM_UPPER: case P::TRIM_LOWER:
      return true;
    default:
      return false;
  }
}

std::string GoQuoteTrunc(const std::string& v) {
  // Go's %.10q: quote at most 10 runes.
  std::string q = QuoteString(v);
  if (v.size() > 10) {
    std::string head;
    int runes = 0;
    for (size_t i = 0; i < v.size() && runes < 10; ++i) {
      if ((static_cast<unsigned char>(v[i]) & 0xC0) != 0x80) ++runes;
      head.push_back(v[i]);
    }
    while (head.size() < v.size() && (static_cast<unsigned char>(v[head.size()]) & 0xC0) == 0x80) {
      head.push_back(v[head.size()]);
    }
    return QuoteString(head) + "...";
  }
  return q;
}

std::string TokenDesc(antlr4::Token* tok) {
  size_t t = tok->getType();
  std::string text = tok->getText();
  if (t == antlr4::Token::EOF) return "end of input";
  if (IsOperatorToken(t)) {
    return "<op:" + text + ">";  // and/or/unless/atan2 are operators too in Prometheus' lexer
  }
  if (IsKeywordToken(t)) return "<" + text + ">";
  if (IsAggregatorToken(t)) return "<aggr:" + text + ">";
  switch (t) {
    case P::LEFT_PAREN: case P::RIGHT_PAREN: case P::LEFT_BRACE: case P::RIGHT_BRACE:
    case P::LEFT_BRACKET: case P::RIGHT_BRACKET: case P::COMMA: case P::EQL: case P::COLON:
      return QuoteString(text);
    case P::IDENTIFIER: return "identifier " + QuoteString(text);
    case P::METRIC_IDENTIFIER: return "metric identifier " + QuoteString(text);
    case P::STRING: return "string " + GoQuoteTrunc(text);
    case P::NUMBER: case P::INF_LIT: case P::NAN_LIT: return "number " + GoQuoteTrunc(text);
    case P::DURATION: return "duration " + GoQuoteTrunc(text);
    default: return QuoteString(text);
  }
}

// Prometheus' yacc grammar names the construct a syntax error happened in, and what it expected
// there ("unexpected \",\" in label matching, expected label matching operator"). Derived from
// the innermost such rule on ANTLR's context stack and the token before the offending one.
std::string ErrorContext(antlr4::Parser* parser, antlr4::Token* offending) {
  antlr4::Token* prev = nullptr;
  if (offending != nullptr && offending->getTokenIndex() > 0) {
    prev = parser->getTokenStream()->get(offending->getTokenIndex() - 1);
  }
  size_t pt = prev ? prev->getType() : 0;
  for (antlr4::ParserRuleContext* ctx = parser->getContext(); ctx != nullptr;
       ctx = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent)) {
    switch (ctx->getRuleIndex()) {
      case P::RuleGrouping:
      case P::RuleGroupingLabels:
      case P::RuleGroupingLabel:
        if (pt == P::BY || pt == P::WITHOUT) return " in grouping opts, expected \"(\"";
        if (pt == P::LEFT_PAREN || pt == P::COMMA) return " in grouping opts, expected label";
        return " in grouping opts, expected \",\" or \")\"";
      case P::RuleLabelMatchers:
      case P::RuleLabelMatcher:
      case P::RuleMatchOp:
        if (pt == P::LEFT_BRACE || pt == P::COMMA) return " in label matching, expected identifier or \"}\"";
        if (pt == P::EQL || pt == P::NEQ || pt == P::EQL_REGEX || pt == P::NEQ_REGEX) {
          return " in label matching, expected string";
        }
        if (pt == P::STRING) return " in label matching, expected \",\" or \"}\"";
        return " in label matching, expected label matching operator";
      case P::RuleOffsetValue:
      case P::RuleOffsetAtom:
        if (pt == P::OFFSET) return " in offset, expected duration";
        return "";
      case P::RuleAtValue:
        return " in @, expected timestamp";
      case P::RuleRangeBody:
        if (pt == P::LEFT_BRACKET) return " in subquery selector, expected duration";
        if (pt == P::COLON) return " in subquery selector, expected duration or \"]\"";
        if (static_cast<P::RangeBodyContext*>(ctx)->colon != nullptr) {
          return " in subquery selector, expected \"]\"";
        }
        return " in subquery or range, expected \":\" or \"]\"";
      case P::RuleAggregation:
        return " in aggregation";
      default:
        break;
    }
  }
  return "";
}

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

// ----------------------------------------------------------------------------------------
// AST building.

// The labelled alternatives of `expr`. Dispatch compares the node's dynamic type against a
// table of type_info addresses (a pointer compare each) instead of a chain of dynamic_casts,
// which dominated the builder's profile; a dynamic_cast chain remains as the fallback should a
// type_info ever be duplicated (it is unique within one linked image).
enum class ExprAlt {
  kRange, kRangeModifier, kOffset, kAt, kBinary, kUnary, kAggregation, kCall, kSelector,
  kNumber, kString, kParen, kUnknown,
};

ExprAlt AltOf(P::ExprContext* ctx) {
  static const std::type_info* const kTypes[] = {
      &typeid(P::RangeExprContext), &typeid(P::RangeModifierExprContext),
      &typeid(P::OffsetExprContext), &typeid(P::AtExprContext), &typeid(P::BinaryExprContext),
      &typeid(P::UnaryExprContext), &typeid(P::AggregationExprContext),
      &typeid(P::CallExprContext), &typeid(P::SelectorExprContext), &typeid(P::NumberExprContext),
      &typeid(P::StringExprContext), &typeid(P::ParenExprContext)};
  const std::type_info* t = &typeid(*ctx);
  for (size_t i = 0; i < std::size(kTypes); ++i) {
    if (kTypes[i] == t) return static_cast<ExprAlt>(i);
  }
  if (dynamic_cast<P::RangeExprContext*>(ctx)) return ExprAlt::kRange;
  if (dynamic_cast<P::RangeModifierExprContext*>(ctx)) return ExprAlt::kRangeModifier;
  if (dynamic_cast<P::OffsetExprContext*>(ctx)) return ExprAlt::kOffset;
  if (dynamic_cast<P::AtExprContext*>(ctx)) return ExprAlt::kAt;
  if (dynamic_cast<P::BinaryExprContext*>(ctx)) return ExprAlt::kBinary;
  if (dynamic_cast<P::UnaryExprContext*>(ctx)) return ExprAlt::kUnary;
  if (dynamic_cast<P::AggregationExprContext*>(ctx)) return ExprAlt::kAggregation;
  if (dynamic_cast<P::CallExprContext*>(ctx)) return ExprAlt::kCall;
  if (dynamic_cast<P::SelectorExprContext*>(ctx)) return ExprAlt::kSelector;
  if (dynamic_cast<P::NumberExprContext*>(ctx)) return ExprAlt::kNumber;
  if (dynamic_cast<P::StringExprContext*>(ctx)) return ExprAlt::kString;
  if (dynamic_cast<P::ParenExprContext*>(ctx)) return ExprAlt::kParen;
  return ExprAlt::kUnknown;
}

class Builder {
 public:
  Builder(std::string_view query, const std::vector<int>& cp_to_byte)
      : query_(query), cp_to_byte_(cp_to_byte) {}

  ExprPtr Expr(P::ExprContext* ctx);
  std::vector<tsdb::Matcher> Matchers(P::LabelMatchersContext* ctx);

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

ExprPtr Builder::NumberLit(P::NumberLiteralContext* ctx) {
  auto n = std::make_unique<NumberLiteral>();
  n->pos = Range(ctx);
  antlr4::Token* t = ctx->getStart();
  std::string_view text = Text(t);
  if (t->getType() == P::DURATION) {
    auto d = common::ParseDuration(text);
    if (!d.ok()) Fail(Start(t), std::string(d.status().message()));
    n->value = static_cast<double>(*d) / 1000.0;
    n->from_duration = true;
  } else {
    auto v = ParseNumber(text);
    if (!v.ok()) Fail(Start(t), std::string(v.status().message()));
    n->value = *v;
  }
  return n;
}

std::vector<tsdb::Matcher> Builder::Matchers(P::LabelMatchersContext* ctx) {
  std::vector<tsdb::Matcher> out;
  out.reserve(ctx->items.size() + 1);  // + the metric name's matcher
  for (auto* m : ctx->items) {
    std::string name, value;
    tsdb::MatchType type = tsdb::MatchType::kEqual;
    if (m->op == nullptr) {
      // A bare quoted string is the metric name: {"my.metric"}.
      name = "__name__";
      value = Unquote(m->quotedName);
    } else {
      if (m->name != nullptr) {
        name = std::string(Text(m->name));
      } else {
        name = Unquote(m->quotedName);
      }
      value = Unquote(m->value);
      switch (m->op->getStart()->getType()) {
        case P::EQL: type = tsdb::MatchType::kEqual; break;
        case P::NEQ: type = tsdb::MatchType::kNotEqual; break;
        case P::EQL_REGEX: type = tsdb::MatchType::kRegexMatch; break;
        default: type = tsdb::MatchType::kRegexNoMatch; break;
      }
    }
    auto matcher = tsdb::Matcher::Make(type, name, value);
    if (!matcher.ok()) Fail(Range(m).start, std::string(matcher.status().message()));
    out.push_back(*std::move(matcher));
  }
  return out;
}

ExprPtr Builder::Selector(P::VectorSelectorContext* ctx) {
  auto vs = std::make_unique<VectorSelector>();
  vs->pos = Range(ctx);
  if (ctx->braces != nullptr) vs->matchers = Matchers(ctx->braces);
  if (auto* mn = ctx->metric) {
    // ":foo" arrives as COLON tokens plus a name; they must be adjacent to form one name.
    for (size_t i = 1; i < mn->children.size(); ++i) {
      auto* prev = dynamic_cast<antlr4::tree::TerminalNode*>(mn->children[i - 1]);
      auto* cur = mn->children[i];
      antlr4::Token* cur_tok = nullptr;
      if (auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(cur)) cur_tok = t->getSymbol();
      if (auto* r = dynamic_cast<antlr4::ParserRuleContext*>(cur)) cur_tok = r->getStart();
      if (prev != nullptr && cur_tok != nullptr &&
          prev->getSymbol()->getStopIndex() + 1 != cur_tok->getStartIndex()) {
        Fail(Start(cur_tok), absl::StrCat("unexpected ", TokenDesc(cur_tok)));
      }
    }
    vs->name = std::string(Text(mn));
    vs->matchers.push_back(tsdb::Matcher::MustMake(tsdb::MatchType::kEqual, "__name__", vs->name));
  }
  return vs;
}

std::vector<std::string> Builder::GroupingLabels(P::GroupingLabelsContext* ctx) {
  std::vector<std::string> out;
  out.reserve(ctx->items.size());
  for (auto* l : ctx->items) {
    if (l->quoted != nullptr) {
      std::string name = Unquote(l->quoted);
      if (!ValidUtf8(name)) {
        Fail(Range(l).start, absl::StrCat("invalid label name ", QuoteString(name)));
      }
      out.push_back(std::move(name));
    } else {
      out.emplace_back(Text(l->name));
    }
  }
  return out;
}

std::vector<ExprPtr> Builder::Args(P::FunctionArgsContext* ctx) {
  std::vector<ExprPtr> args;
  args.reserve(ctx->items.size());
  for (auto* e : ctx->items) args.push_back(Expr(e));
  if (ctx->trailing != nullptr) {
    Fail(Start(ctx->trailing), "trailing commas not allowed in function call args");
  }
  return args;
}

AggregateOp AggregateOpFromToken(size_t t) {
  switch (t) {
    case P::SUM: return AggregateOp::kSum;
    case P::AVG: return AggregateOp::kAvg;
    case P::COUNT: return AggregateOp::kCount;
    case P::MIN: return AggregateOp::kMin;
    case P::MAX: return AggregateOp::kMax;
    case P::GROUP: return AggregateOp::kGroup;
    case P::STDDEV: return AggregateOp::kStddev;
    case P::STDVAR: return AggregateOp::kStdvar;
    case P::TOPK: return AggregateOp::kTopk;
    case P::BOTTOMK: return AggregateOp::kBottomk;
    case P::QUANTILE: return AggregateOp::kQuantile;
    case P::COUNT_VALUES: return AggregateOp::kCountValues;
    case P::LIMITK: return AggregateOp::kLimitk;
    default: return AggregateOp::kLimitRatio;
  }
}

bool AggregatorWithParam(AggregateOp op) {
  return op == AggregateOp::kTopk || op == AggregateOp::kBottomk ||
         op == AggregateOp::kQuantile || op == AggregateOp::kCountValues ||
         op == AggregateOp::kLimitk || op == AggregateOp::kLimitRatio;
}

ExprPtr Builder::Aggregation(P::AggregationContext* ctx) {
  auto agg = std::make_unique<AggregateExpr>();
  agg->pos = Range(ctx);
  agg->op = AggregateOpFromToken(ctx->op->getStart()->getType());
  if (auto* g = ctx->group) {
    agg->without = g->kind->getType() == P::WITHOUT;
    agg->grouping = GroupingLabels(g->labels);
    agg->has_grouping_clause = true;
  }
  std::vector<ExprPtr> args = Args(ctx->args);
  if (args.empty()) Fail(agg->pos.start, "no arguments for aggregate expression provided");
  size_t want = AggregatorWithParam(agg->op) ? 2 : 1;
  if (args.size() != want) {
    Fail(agg->pos.start,
         absl::StrCat("wrong number of arguments for aggregate expression provided, expected ",
                      want, ", got ", args.size()));
  }
  if (want == 2) agg->param = std::move(args[0]);
  agg->expr = std::move(args[want - 1]);
  return agg;
}

// Names that are keywords in Prometheus' lexer and therefore match in any case.
std::string_view CanonicalFunctionName(std::string_view name) {
  for (std::string_view kw : {"step", "range", "start", "end", "min_of", "max_of"}) {
    if (name.size() == kw.size() &&
        absl::EqualsIgnoreCase(absl::string_view(name.data(), name.size()),
                               absl::string_view(kw.data(), kw.size()))) {
      return kw;
    }
  }
  return name;
}

// The two functions that only exist inside duration expressions.
const FunctionInfo* DurationFunction(std::string_view name) {
  static const FunctionInfo* kMinOf =
      new FunctionInfo{"min_of", {ValueType::kScalar, ValueType::kScalar}, 0, ValueType::kScalar, true};
  static const FunctionInfo* kMaxOf =
      new FunctionInfo{"max_of", {ValueType::kScalar, ValueType::kScalar}, 0, ValueType::kScalar, true};
  if (name == "min_of") return kMinOf;
  if (name == "max_of") return kMaxOf;
  return nullptr;
}

ExprPtr Builder::Call(P::FunctionCallContext* ctx, bool duration_context) {
  auto call = std::make_unique<promql::Call>();
  call->pos = Range(ctx);
  std::string_view name = CanonicalFunctionName(Text(ctx->name));
  const FunctionInfo* fn = duration_context ? DurationFunction(name) : nullptr;
  if (fn == nullptr) fn = LookupFunction(name);
  if (fn == nullptr && !duration_context) {
    // Prometheus reduces (and so reports) inner calls first.
    Args(ctx->args);
  }
  if (fn == nullptr) {
    Fail(call->pos.start, absl::StrCat("unknown function with name ", QuoteString(name)));
  }
  call->func = fn;
  if (duration_context) {
    for (auto* e : ctx->args->items) call->args.push_back(DurationTree(e));
    if (ctx->args->trailing != nullptr) {
      Fail(Start(ctx->args->trailing), "trailing commas not allowed in function call args");
    }
  } else {
    call->args = Args(ctx->args);
  }
  return call;
}

BinaryOp BinaryOpFromToken(size_t t) {
  switch (t) {
    case P::ADD: return BinaryOp::kAdd;
    case P::SUB: return BinaryOp::kSub;
    case P::MUL: return BinaryOp::kMul;
    case P::DIV: return BinaryOp::kDiv;
    case P::MOD: return BinaryOp::kMod;
    case P::POW: return BinaryOp::kPow;
    case P::ATAN2: return BinaryOp::kAtan2;
    case P::EQLC: return BinaryOp::kEql;
    case P::NEQ: return BinaryOp::kNeq;
    case P::GTR: return BinaryOp::kGtr;
    case P::LSS: return BinaryOp::kLss;
    case P::GTE: return BinaryOp::kGte;
    case P::LTE: return BinaryOp::kLte;
    case P::AND: return BinaryOp::kAnd;
    case P::TRIM_UPPER: return BinaryOp::kTrimUpper;
    case P::TRIM_LOWER: return BinaryOp::kTrimLower;
    case P::OR: return BinaryOp::kOr;
    default: return BinaryOp::kUnless;
  }
}

ExprPtr Builder::Binary(P::BinaryExprContext* ctx) {
  auto bin = std::make_unique<BinaryExpr>();
  bin->pos = Range(ctx);
  bin->op = BinaryOpFromToken(ctx->op->getType());
  bin->lhs = Expr(ctx->lhs);
  auto* mod = ctx->mod;
  VectorMatching vm;
  bin->return_bool = mod->boolKw != nullptr;
  if (mod->matchKind != nullptr) {
    vm.on = mod->matchKind->getType() == P::ON;
    vm.explicit_matching = true;
    vm.matching_labels = GroupingLabels(mod->matching);
    if (mod->side != nullptr) {
      vm.card = mod->side->getType() == P::GROUP_LEFT ? Cardinality::kManyToOne
                                                      : Cardinality::kOneToMany;
      if (mod->include != nullptr) vm.include = GroupingLabels(mod->include);
    }
  }
  if (auto* f = mod->fills) {
    if (f->both != nullptr) {
      vm.fill_lhs = vm.fill_rhs = FillValue(f->both);
      vm.fill_both = true;
    }
    if (f->left != nullptr) vm.fill_lhs = FillValue(f->left);
    if (f->right != nullptr) vm.fill_rhs = FillValue(f->right);
  }
  bin->matching = std::move(vm);
  bin->rhs = Expr(ctx->rhs);
  return bin;
}

bool IsDurationOp(BinaryOp op) {
  return op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul ||
         op == BinaryOp::kDiv || op == BinaryOp::kMod || op == BinaryOp::kPow;
}

// Prometheus' fill value: `(` [+-] NUMBER `)`; a duration is a DURATION token there.
double Builder::FillValue(P::FillValueContext* ctx) {
  antlr4::Token* t = ctx->num->getStart();
  if (t->getType() == P::DURATION) Fail(Start(t), absl::StrCat("unexpected ", TokenDesc(t)));
  double v = static_cast<NumberLiteral*>(NumberLit(ctx->num).get())->value;
  return ctx->sign != nullptr && ctx->sign->getType() == P::SUB ? -v : v;
}

ExprPtr Builder::Paren(P::ParenExprContext* c, ExprPtr inner) {
  auto p = std::make_unique<ParenExpr>();
  p->pos = Range(c);
  p->expr = std::move(inner);
  return p;
}

// A sign in front of a number literal folds into the literal, as Prometheus' parser does.
ExprPtr Builder::Unary(P::UnaryExprContext* c, ExprPtr inner) {
  if (inner->kind == NodeKind::kNumberLiteral) {
    auto* n = static_cast<NumberLiteral*>(inner.get());
    if (c->op->getType() == P::SUB) n->value = -n->value;
    n->pos.start = Start(c->op);
    return inner;
  }
  auto u = std::make_unique<UnaryExpr>();
  u->pos = Range(c);
  u->op = c->op->getType() == P::SUB ? UnaryOp::kMinus : UnaryOp::kPlus;
  u->expr = std::move(inner);
  return u;
}

ExprPtr Builder::DurationTree(P::ExprContext* ctx) {
  ExprAlt alt = AltOf(ctx);
  if (alt == ExprAlt::kNumber) return NumberLit(static_cast<P::NumberExprContext*>(ctx)->num);
  if (alt == ExprAlt::kParen) {
    auto* c = static_cast<P::ParenExprContext*>(ctx);
    return Paren(c, DurationTree(c->inner));
  }
  if (alt == ExprAlt::kUnary) {
    auto* c = static_cast<P::UnaryExprContext*>(ctx);
    return Unary(c, DurationTree(c->inner));
  }
  if (alt == ExprAlt::kBinary) {
    auto* c = static_cast<P::BinaryExprContext*>(ctx);
    BinaryOp op = BinaryOpFromToken(c->op->getType());
    if (!IsDurationOp(op) || !c->mod->children.empty()) {
      Fail(Start(c->op), absl::StrCat("unexpected ", TokenDesc(c->op), " in duration expression"));
    }
    auto b = std::make_unique<BinaryExpr>();
    b->pos = Range(c);
    b->op = op;
    b->lhs = DurationTree(c->lhs);
    b->rhs = DurationTree(c->rhs);
    return b;
  }
  if (alt == ExprAlt::kCall) {
    auto* c = static_cast<P::CallExprContext*>(ctx);
    std::string_view name = CanonicalFunctionName(Text(c->call->name));
    if (name == "step" || name == "range" || name == "min_of" || name == "max_of") {
      return Call(c->call, true);
    }
  }
  Fail(Range(ctx).start,
       absl::StrCat("unexpected ", TokenDesc(ctx->getStart()), " in duration expression"));
}

void Builder::CheckDurationTree(const promql::Expr& e, bool* dynamic) {
  switch (e.kind) {
    case NodeKind::kNumberLiteral: return;
    case NodeKind::kParen: CheckDurationTree(*static_cast<const ParenExpr&>(e).expr, dynamic); return;
    case NodeKind::kUnary: CheckDurationTree(*static_cast<const UnaryExpr&>(e).expr, dynamic); return;
    case NodeKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      CheckDurationTree(*b.lhs, dynamic);
      CheckDurationTree(*b.rhs, dynamic);
      return;
    }
    case NodeKind::kCall: {
      const auto& c = static_cast<const promql::Call&>(e);
      if (c.args.size() != c.func->arg_types.size()) {
        Fail(e.pos.start, absl::StrCat("expected ", c.func->arg_types.size(),
                                       " argument(s) in call to ", QuoteString(c.func->name),
                                       ", got ", c.args.size()));
      }
      if (c.func->name == "step" || c.func->name == "range") *dynamic = true;
      for (const auto& a : c.args) CheckDurationTree(*a, dynamic);
      return;
    }
    default:
      Fail(e.pos.start, "invalid duration expression");
  }
}

void Builder::FoldDuration(ExprPtr tree, int64_t* ms, std::optional<DurationExpr>* out,
                           bool positive) {
  bool dynamic = false;
  CheckDurationTree(*tree, &dynamic);
  if (positive) {
    const promql::Expr* lit = tree.get();
    while (lit->kind == NodeKind::kParen) lit = static_cast<const ParenExpr*>(lit)->expr.get();
    if (lit->kind == NodeKind::kNumberLiteral &&
        !(static_cast<const NumberLiteral*>(lit)->value > 0)) {
      Fail(lit->pos.start, "duration must be greater than 0");
    }
  }
  if (tree->kind == NodeKind::kNumberLiteral) {
    double v = static_cast<NumberLiteral*>(tree.get())->value;
    double r = std::round(v * 1000.0);
    if (!std::isfinite(r) || std::fabs(r) > 9.2e15) Fail(tree->pos.start, "duration out of range");
    *ms = static_cast<int64_t>(r);
    return;
  }
  DurationExpr de;
  de.depends_on_query = dynamic;
  if (!dynamic) {
    auto v = EvalDurationExpr(*tree, DurationContext{});
    if (!v.ok()) Fail(tree->pos.start, std::string(v.status().message()));
    *ms = *v;
  } else {
    *ms = 0;
  }
  de.expr = std::shared_ptr<const promql::Expr>(std::move(tree));
  *out = std::move(de);
}

ExprPtr Builder::Range(P::RangeExprContext* ctx) {
  ExprPtr inner = Expr(ctx->inner);
  auto* body = ctx->body;
  PositionRange brackets{Start(ctx->lb), End(ctx->rb)};
  if (body->colon == nullptr) {
    // Range selector.
    if (inner->kind != NodeKind::kVectorSelector) {
      Fail(brackets.start, "ranges only allowed for vector selectors");
    }
    auto* vs = static_cast<VectorSelector*>(inner.get());
    if (vs->offset_ms != 0 || vs->offset_expr) Fail(brackets.start, "no offset modifiers allowed before range");
    if (vs->at != AtModifier::kNone) Fail(brackets.start, "no @ modifiers allowed before range");
    auto ms = std::make_unique<MatrixSelector>();
    ms->pos = Range(static_cast<antlr4::ParserRuleContext*>(ctx));
    FoldDuration(DurationTree(body->range), &ms->range_ms, &ms->range_expr, true);
    ms->vector_selector = std::move(inner);
    return ms;
  }
  auto sq = std::make_unique<SubqueryExpr>();
  sq->pos = Range(static_cast<antlr4::ParserRuleContext*>(ctx));
  FoldDuration(DurationTree(body->range), &sq->range_ms, &sq->range_expr, true);
  if (body->step != nullptr) {
    FoldDuration(DurationTree(body->step), &sq->step_ms, &sq->step_expr, true);
  }
  sq->expr = std::move(inner);
  return sq;
}

void Builder::Offset(P::OffsetExprContext* ctx, promql::Expr* target) {
  int64_t* offset_ms = nullptr;
  std::optional<DurationExpr>* offset_expr = nullptr;
  switch (target->kind) {
    case NodeKind::kVectorSelector: {
      auto* vs = static_cast<VectorSelector*>(target);
      offset_ms = &vs->offset_ms;
      offset_expr = &vs->offset_expr;
      break;
    }
    case NodeKind::kMatrixSelector: {
      auto* vs = static_cast<VectorSelector*>(
          static_cast<MatrixSelector*>(target)->vector_selector.get());
      offset_ms = &vs->offset_ms;
      offset_expr = &vs->offset_expr;
      break;
    }
    case NodeKind::kSubquery: {
      auto* sq = static_cast<SubqueryExpr*>(target);
      offset_ms = &sq->offset_ms;
      offset_expr = &sq->offset_expr;
      break;
    }
    default:
      Fail(Start(ctx->OFFSET()->getSymbol()),
           "offset modifier must be preceded by an instant vector selector or range vector "
           "selector or a subquery");
  }
  if (*offset_ms != 0 || offset_expr->has_value()) {
    Fail(Start(ctx->OFFSET()->getSymbol()), "offset may not be set multiple times");
  }
  auto* ov = ctx->value;
  auto* atom = ov->atom;
  ExprPtr tree;
  if (atom->num != nullptr) {
    tree = NumberLit(atom->num);
  } else if (atom->call != nullptr) {
    std::string_view name = CanonicalFunctionName(Text(atom->call->name));
    if (name != "step" && name != "range" && name != "min_of" && name != "max_of") {
      Fail(Range(atom).start,
           absl::StrCat("unexpected ", TokenDesc(atom->getStart()), " in offset, expected duration"));
    }
    tree = Call(atom->call, true);
  } else {
    auto p = std::make_unique<ParenExpr>();
    p->pos = Range(atom);
    p->expr = DurationTree(atom->inner);
    tree = std::move(p);
  }
  if (ov->sign != nullptr) {
    bool minus = ov->sign->getType() == P::SUB;
    if (tree->kind == NodeKind::kNumberLiteral) {
      auto* n = static_cast<NumberLiteral*>(tree.get());
      if (minus) n->value = -n->value;
      n->pos.start = Start(ov->sign);
    } else {
      auto u = std::make_unique<UnaryExpr>();
      u->pos = Range(ov);
      u->op = minus ? UnaryOp::kMinus : UnaryOp::kPlus;
      u->expr = std::move(tree);
      tree = std::move(u);
    }
  }
  FoldDuration(std::move(tree), offset_ms, offset_expr, false);
  target->pos.end = Range(static_cast<antlr4::ParserRuleContext*>(ctx)).end;
}

void Builder::At(P::AtExprContext* ctx, promql::Expr* target) {
  AtModifier* at = nullptr;
  int64_t* at_ms = nullptr;
  switch (target->kind) {
    case NodeKind::kVectorSelector: {
      auto* vs = static_cast<VectorSelector*>(target);
      at = &vs->at;
      at_ms = &vs->at_ms;
      break;
    }
    case NodeKind::kMatrixSelector: {
      auto* vs = static_cast<VectorSelector*>(
          static_cast<MatrixSelector*>(target)->vector_selector.get());
      at = &vs->at;
      at_ms = &vs->at_ms;
      break;
    }
    case NodeKind::kSubquery: {
      auto* sq = static_cast<SubqueryExpr*>(target);
      at = &sq->at;
      at_ms = &sq->at_ms;
      break;
    }
    default:
      Fail(Start(ctx->AT()->getSymbol()),
           "@ modifier must be preceded by an instant vector selector or range vector selector "
           "or a subquery");
  }
  if (*at != AtModifier::kNone) {
    Fail(Start(ctx->AT()->getSymbol()), "@ <timestamp> may not be set multiple times");
  }
  auto* v = ctx->value;
  if (v->preproc != nullptr) {
    *at = v->preproc->getType() == P::START ? AtModifier::kStart : AtModifier::kEnd;
  } else {
    auto lit = NumberLit(v->num);
    double ts = static_cast<NumberLiteral*>(lit.get())->value;
    if (v->sign != nullptr && v->sign->getType() == P::SUB) ts = -ts;
    if (std::isinf(ts) || std::isnan(ts) || ts >= 9.223372036854775807e18 ||
        ts <= -9.223372036854775807e18 || std::fabs(ts * 1000.0) >= 9.2e18) {
      Fail(target->pos.start,
           absl::StrCat("timestamp out of bounds for @ modifier: ", common::GoPrintfF(ts)));
    }
    *at = AtModifier::kTimestamp;
    *at_ms = static_cast<int64_t>(std::round(ts * 1000.0));
  }
  target->pos.end = Range(static_cast<antlr4::ParserRuleContext*>(ctx)).end;
}

ExprPtr Builder::Expr(P::ExprContext* ctx) {
  switch (AltOf(ctx)) {
    case ExprAlt::kBinary: return Binary(static_cast<P::BinaryExprContext*>(ctx));
    case ExprAlt::kSelector: return Selector(static_cast<P::SelectorExprContext*>(ctx)->sel);
    case ExprAlt::kCall: return Call(static_cast<P::CallExprContext*>(ctx)->call, false);
    case ExprAlt::kAggregation:
      return Aggregation(static_cast<P::AggregationExprContext*>(ctx)->agg);
    case ExprAlt::kNumber: return NumberLit(static_cast<P::NumberExprContext*>(ctx)->num);
    case ExprAlt::kString: {
      auto* c = static_cast<P::StringExprContext*>(ctx);
      auto s = std::make_unique<StringLiteral>();
      s->pos = Range(c);
      s->value = Unquote(c->str);
      return s;
    }
    case ExprAlt::kParen: {
      auto* c = static_cast<P::ParenExprContext*>(ctx);
      return Paren(c, Expr(c->inner));
    }
    case ExprAlt::kUnary: {
      auto* c = static_cast<P::UnaryExprContext*>(ctx);
      return Unary(c, Expr(c->inner));
    }
    case ExprAlt::kRange: return Range(static_cast<P::RangeExprContext*>(ctx));
    case ExprAlt::kOffset: {
      auto* c = static_cast<P::OffsetExprContext*>(ctx);
      ExprPtr inner = Expr(c->inner);
      Offset(c, inner.get());
      return inner;
    }
    case ExprAlt::kAt: {
      auto* c = static_cast<P::AtExprContext*>(ctx);
      ExprPtr inner = Expr(c->inner);
      At(c, inner.get());
      return inner;
    }
    case ExprAlt::kRangeModifier: {
      auto* c = static_cast<P::RangeModifierExprContext*>(ctx);
      ExprPtr inner = Expr(c->inner);
      bool* anchored = nullptr;
      bool* smoothed = nullptr;
      if (inner->kind == NodeKind::kMatrixSelector) {
        auto* ms = static_cast<MatrixSelector*>(inner.get());
        anchored = &ms->anchored;
        smoothed = &ms->smoothed;
      } else if (inner->kind == NodeKind::kVectorSelector) {
        auto* vs = static_cast<VectorSelector*>(inner.get());
        anchored = &vs->anchored;
        smoothed = &vs->smoothed;
      } else {
        Fail(Start(c->rangeMod),
             absl::StrCat(c->rangeMod->getType() == P::ANCHORED ? "anchored" : "smoothed",
                          " modifier must be preceded by a vector selector or range vector "
                          "selector"));
      }
      if (*anchored || *smoothed) {
        Fail(Start(c->rangeMod), "anchored and smoothed modifiers may not be set multiple times");
      }
      (c->rangeMod->getType() == P::ANCHORED ? *anchored : *smoothed) = true;
      inner->pos.end = End(c->rangeMod);
      return inner;
    }
    case ExprAlt::kUnknown:
      break;
  }
  Fail(Range(ctx).start, "unsupported expression");
}

// ----------------------------------------------------------------------------------------
// checkAST port.

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

ValueType Checker::Check(promql::Expr* node) {
  ValueType typ = node->type();
  switch (node->kind) {
    case NodeKind::kAggregate: {
      auto* n = static_cast<AggregateExpr*>(node);
      ExpectType(n->expr.get(), ValueType::kVector, "aggregation expression");
      if (n->op == AggregateOp::kTopk || n->op == AggregateOp::kBottomk ||
          n->op == AggregateOp::kQuantile || n->op == AggregateOp::kLimitk ||
          n->op == AggregateOp::kLimitRatio) {
        ExpectType(n->param.get(), ValueType::kScalar, "aggregation parameter");
      }
      if (n->op == AggregateOp::kCountValues) {
        ExpectType(n->param.get(), ValueType::kString, "aggregation parameter");
      }
      break;
    }
    case NodeKind::kBinary: {
      auto* n = static_cast<BinaryExpr*>(node);
      ValueType lt = Check(n->lhs.get());
      ValueType rt = Check(n->rhs.get());
      bool cmp = IsComparisonOp(n->op);
      bool set = IsSetOp(n->op);
      if (n->return_bool && !cmp) {
        Err(OpStart(*n), "bool modifier can only be used on comparison operators");
      }
      if (cmp && !n->return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
        Err(OpStart(*n), "comparisons between scalars must use BOOL modifier");
      }
      VectorMatching& vm = *n->matching;
      if (set && vm.card == Cardinality::kOneToOne) vm.card = Cardinality::kManyToMany;
      if (vm.on) {
        for (const auto& l1 : vm.matching_labels) {
          for (const auto& l2 : vm.include) {
            if (l1 == l2) {
              Err(OpStart(*n), absl::StrCat("label ", QuoteString(l1),
                                            " must not occur in ON and GROUP clause at once"));
            }
          }
        }
      }
      if (lt != ValueType::kScalar && lt != ValueType::kVector) {
        Err(n->lhs->pos.start, "binary expression must contain only scalar and instant vector types");
      }
      if (rt != ValueType::kScalar && rt != ValueType::kVector) {
        Err(n->rhs->pos.start, "binary expression must contain only scalar and instant vector types");
      }
      if (lt != ValueType::kVector || rt != ValueType::kVector) {
        if (!vm.matching_labels.empty()) {
          Err(n->pos.start, "vector matching only allowed between instant vectors");
        }
        n->matching.reset();
      } else if (set) {
        if (vm.card == Cardinality::kOneToMany || vm.card == Cardinality::kManyToOne) {
          Err(n->pos.start, absl::StrCat("no grouping allowed for \"", BinaryOpString(n->op),
                                         "\" operation"));
        }
        if (vm.card != Cardinality::kManyToMany) {
          Err(n->pos.start, "set operations must always be many-to-many");
        }
      }
      if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && set) {
        Err(n->pos.start, absl::StrCat("set operator \"", BinaryOpString(n->op),
                                       "\" not allowed in binary scalar expression"));
      }
      break;
    }
    case NodeKind::kCall: {
      auto* n = static_cast<promql::Call*>(node);
      const FunctionInfo* f = n->func;
      int nargs = static_cast<int>(f->arg_types.size());
      int got = static_cast<int>(n->args.size());
      std::string fname = QuoteString(f->name);
      if (f->variadic == 0) {
        if (nargs != got) {
          Err(n->pos.start, absl::StrCat("expected ", nargs, " argument(s) in call to ", fname,
                                         ", got ", got));
        }
      } else {
        int na = nargs - 1;
        if (na > got) {
          Err(n->pos.start, absl::StrCat("expected at least ", na, " argument(s) in call to ",
                                         fname, ", got ", got));
        } else if (f->variadic > 0 && na + f->variadic < got) {
          Err(n->pos.start, absl::StrCat("expected at most ", na + f->variadic,
                                         " argument(s) in call to ", fname, ", got ", got));
        }
      }
      for (int i = 0; i < got; ++i) {
        int ti = i;
        if (ti >= nargs) {
          if (f->variadic == 0) break;
          ti = nargs - 1;
        }
        if (f->name == "info" && i == 1 && n->args[i]->kind == NodeKind::kVectorSelector) {
          // info()'s label selector may match everything ({data=~".*"}): no non-empty rule.
          continue;
        }
        ExpectType(n->args[i].get(), f->arg_types[ti],
                   absl::StrCat("call to function ", fname));
      }
      break;
    }
    case NodeKind::kParen:
      Check(static_cast<ParenExpr*>(node)->expr.get());
      break;
    case NodeKind::kUnary: {
      auto* n = static_cast<UnaryExpr*>(node);
      ValueType t = Check(n->expr.get());
      if (t != ValueType::kScalar && t != ValueType::kVector) {
        Err(n->pos.start, absl::StrCat("unary expression only allowed on expressions of type "
                                       "scalar or instant vector, got \"",
                                       DocumentedTypeName(t), "\""));
      }
      break;
    }
    case NodeKind::kSubquery: {
      auto* n = static_cast<SubqueryExpr*>(node);
      ValueType t = Check(n->expr.get());
      if (t != ValueType::kVector) {
        Err(n->pos.start, absl::StrCat("subquery is only allowed on instant vector, got ",
                                       ValueTypeName(t), " instead"));
      }
      break;
    }
    case NodeKind::kMatrixSelector:
      Check(static_cast<MatrixSelector*>(node)->vector_selector.get());
      break;
    case NodeKind::kVectorSelector: {
      auto* n = static_cast<VectorSelector*>(node);
      if (!n->name.empty()) {
        for (size_t i = 0; i + 1 < n->matchers.size(); ++i) {
          if (n->matchers[i].name() == "__name__") {
            Err(n->pos.start, absl::StrCat("metric name must not be set twice: ",
                                           QuoteString(n->name), " or ",
                                           QuoteString(n->matchers[i].value())));
          }
        }
        break;
      }
      bool not_empty = false;
      for (const auto& m : n->matchers) {
        if (!m.MatchesEmpty()) {
          not_empty = true;
          break;
        }
      }
      if (!not_empty) Err(n->pos.start, "vector selector must contain at least one non-empty matcher");
      break;
    }
    default:
      break;
  }
  return typ;
}

// ----------------------------------------------------------------------------------------
// Pre-scan: lexer-level errors and limits.

struct LexIssue {
  long token_index = -1;
  int pos = 0;
  std::string msg;
};

// The first rune of s as Go's %q prints a rune, without the quotes: `\'`, `\\`, escapes for
// control characters, \ufffd at the end of input. Lexer errors name characters this way.
std::string GoQuotedRune(std::string_view s) {
  if (s.empty()) return "\\ufffd";
  uint32_t r = 0xFFFD;
  if (common::DecodeRune(s, 0, &r) == 0) r = 0xFFFD;
  switch (r) {
    case '\'': return "\\'";
    case '\\': return "\\\\";
    case '\a': return "\\a";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\v': return "\\v";
    default: break;
  }
  if (common::IsPrintableRune(r)) {
    std::string out;
    common::AppendRune(&out, r);
    return out;
  }
  if (r < 0x80) return absl::StrFormat("\\x%02x", r);
  if (r < 0x10000) return absl::StrFormat("\\u%04x", r);
  return absl::StrFormat("\\U%08x", r);
}

bool IsAlnumByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::optional<LexIssue> PreScan(const std::vector<antlr4::Token*>& tokens, std::string_view query,
                                const std::vector<int>& cp_to_byte) {
  auto byte = [&](size_t cp) {
    return cp < cp_to_byte.size() ? cp_to_byte[cp] : static_cast<int>(query.size());
  };
  std::vector<size_t> stack;  // open bracket token types
  int operators = 0;
  // Prefix +/- and right-associative ^ recurse in the generated parser (binary chains loop).
  int recursive_ops = 0;
  size_t prev_type = 0;
  for (antlr4::Token* t : tokens) {
    size_t type = t->getType();
    long idx = static_cast<long>(t->getTokenIndex());
    int pos = byte(t->getStartIndex());
    size_t before = prev_type;
    prev_type = type;
    if (type == P::POW ||
        ((type == P::ADD || type == P::SUB) &&
         !(before == P::IDENTIFIER || before == P::METRIC_IDENTIFIER || before == P::NUMBER ||
           before == P::DURATION || before == P::STRING || before == P::INF_LIT ||
           before == P::NAN_LIT || before == P::RIGHT_BRACE || before == P::RIGHT_BRACKET ||
           before == P::RIGHT_PAREN || before == P::ANCHORED || before == P::SMOOTHED))) {
      if (++recursive_ops > kMaxNestingDepth) {
        return LexIssue{idx, pos, absl::StrCat("query nesting exceeds the maximum depth of ",
                                               kMaxNestingDepth)};
      }
    }
    if (type == antlr4::Token::EOF) {
      if (!stack.empty()) {
        std::string what = stack.back() == P::LEFT_PAREN ? "unclosed left parenthesis"
                           : stack.back() == P::LEFT_BRACE ? "unexpected end of input inside braces"
                                                           : "unclosed left bracket";
        return LexIssue{idx, pos, what};
      }
      break;
    }
    if (!stack.empty() && stack.back() == P::LEFT_BRACE) {
      // Inside braces Prometheus' lexer only knows label names, strings, matchers and commas.
      bool allowed = type == P::IDENTIFIER || type == P::STRING || type == P::EQL ||
                     type == P::NEQ || type == P::EQL_REGEX || type == P::NEQ_REGEX ||
                     type == P::COMMA || type == P::RIGHT_BRACE || type == P::LEFT_BRACE ||
                     type == P::ERROR_CHAR || type == P::UNTERMINATED_STRING ||
                     type == P::METRIC_IDENTIFIER || type == P::COLON ||
                     IsKeywordToken(type) || IsAggregatorToken(type) || type == P::AND ||
                     type == P::OR || type == P::UNLESS || type == P::ATAN2 ||
                     type == P::INF_LIT || type == P::NAN_LIT;
      if (!allowed) {
        return LexIssue{idx, pos, absl::StrCat("unexpected character inside braces: '",
                                               GoQuotedRune(query.substr(pos)), "'")};
      }
    }
    switch (type) {
      case P::ERROR_CHAR: {
        if (query[pos] == '!') {
          // Prometheus' lexer names the character after '!'.
          return LexIssue{idx, pos, absl::StrCat("unexpected character after '!': '",
                                                 GoQuotedRune(query.substr(pos + 1)), "'")};
        }
        std::string shown = GoQuotedRune(query.substr(pos));
        bool in_braces = !stack.empty() && stack.back() == P::LEFT_BRACE;
        return LexIssue{idx, pos, absl::StrCat(in_braces ? "unexpected character inside braces: '"
                                                         : "unexpected character: '",
                                               shown, "'")};
      }
      case P::UNTERMINATED_STRING:
        return LexIssue{idx, pos, "unterminated quoted string"};
      case P::LEFT_PAREN: case P::LEFT_BRACKET: case P::LEFT_BRACE:
        if (type == P::LEFT_BRACE && !stack.empty() && stack.back() == P::LEFT_BRACE) {
          return LexIssue{idx, pos, "unexpected left brace '{'"};
        }
        if (type == P::LEFT_BRACKET &&
            std::find(stack.begin(), stack.end(), size_t{P::LEFT_BRACKET}) != stack.end()) {
          return LexIssue{idx, pos, "unexpected left bracket '['"};
        }
        stack.push_back(type);
        if (static_cast<int>(stack.size()) > kMaxNestingDepth) {
          return LexIssue{idx, pos, absl::StrCat("query nesting exceeds the maximum depth of ",
                                                 kMaxNestingDepth)};
        }
        break;
      case P::RIGHT_PAREN: case P::RIGHT_BRACKET: case P::RIGHT_BRACE: {
        size_t open = type == P::RIGHT_PAREN ? P::LEFT_PAREN
                      : type == P::RIGHT_BRACKET ? P::LEFT_BRACKET : P::LEFT_BRACE;
        if (type == P::RIGHT_PAREN && !stack.empty() && stack.back() == P::LEFT_BRACKET) {
          // Prometheus lexes ')' inside [...] as a token; its parser reports it in context
          // (first, as it comes earlier). Keep scanning for the limits.
          break;
        }
        if (stack.empty() || stack.back() != open) {
          std::string what = type == P::RIGHT_PAREN ? "unexpected right parenthesis ')'"
                             : type == P::RIGHT_BRACKET ? "unexpected right bracket ']'"
                                                        : "unexpected character: '}'";
          // Prometheus' lexer emits ')' before noticing, so its error points past it.
          return LexIssue{idx, type == P::RIGHT_PAREN ? pos + 1 : pos, what};
        }
        stack.pop_back();
        break;
      }
      case P::NUMBER: case P::DURATION: case P::INF_LIT: case P::NAN_LIT: {
        // Prometheus' lexer rejects a number or duration glued to letters or digits ("1.5m").
        int end = byte(t->getStopIndex() + 1);
        if ((type == P::NUMBER || type == P::DURATION) && end < static_cast<int>(query.size()) &&
            (IsAlnumByte(query[end]) || query[end] == '.')) {
          int e = end;
          while (e < static_cast<int>(query.size()) && (IsAlnumByte(query[e]) || query[e] == '.')) ++e;
          return LexIssue{idx, pos, absl::StrCat("bad number or duration syntax: ",
                                                 QuoteString(query.substr(pos, e - pos)))};
        }
        break;
      }
      case P::COLON:
      case P::METRIC_IDENTIFIER:
        if (!stack.empty() && stack.back() == P::LEFT_BRACE) {
          std::string text = t->getText();
          return LexIssue{idx, pos + static_cast<int>(text.find(':')),
                          "unexpected character inside braces: ':'"};
        }
        break;
      default:
        if (IsOperatorToken(type) || type == P::OFFSET) {
          if (++operators > kMaxOperators) {
            return LexIssue{idx, pos, absl::StrCat("query has more than ", kMaxOperators,
                                                   " operators")};
          }
        }
        break;
    }
  }
  return std::nullopt;
}

// ----------------------------------------------------------------------------------------

// The query as ANTLR's lexer reads it: code points (ANTLR positions count code points), with
// token text sliced from the original UTF-8 bytes. Replaces ANTLRInputStream, whose UTF-8 ->
// UTF-32 conversion and UTF-32 -> UTF-8 getText() were a noticeable share of a short parse.
// The input must be valid UTF-8 (ParseImpl checks that first).
class Utf8CharStream : public antlr4::CharStream {
 public:
  // `cp_to_byte` maps code point index -> byte offset, with one extra entry for the end.
  void Load(std::string_view utf8, const std::vector<int>* cp_to_byte) {
    utf8_ = utf8;
    cp_to_byte_ = cp_to_byte;
    if (utf8.empty() && data_.capacity() > (1u << 14)) std::u32string().swap(data_);  // big query
    data_.clear();
    data_.reserve(utf8.size());
    for (size_t i = 0; i < utf8.size();) {
      unsigned char c = static_cast<unsigned char>(utf8[i]);
      if (c < 0x80) {
        data_.push_back(c);
        ++i;
        continue;
      }
      uint32_t r = 0xFFFD;
      int len = common::DecodeRune(utf8, i, &r);
      data_.push_back(r);
      i += len > 0 ? static_cast<size_t>(len) : 1;
    }
    p_ = 0;
  }

  void consume() override {
    if (p_ >= data_.size()) throw antlr4::IllegalStateException("cannot consume EOF");
    ++p_;
  }
  size_t LA(ssize_t i) override {
    if (i == 0) return 0;
    ssize_t pos = static_cast<ssize_t>(p_) + (i < 0 ? i : i - 1);
    if (pos < 0 || pos >= static_cast<ssize_t>(data_.size())) return antlr4::IntStream::EOF;
    return data_[static_cast<size_t>(pos)];
  }
  ssize_t mark() override { return -1; }
  void release(ssize_t) override {}
  size_t index() override { return p_; }
  void seek(size_t index) override { p_ = std::min(index, data_.size()); }
  size_t size() override { return data_.size(); }
  std::string getSourceName() const override { return "<query>"; }
  std::string getText(const antlr4::misc::Interval& interval) override {
    if (interval.a < 0 || interval.b < interval.a) return "";
    size_t a = static_cast<size_t>(interval.a);
    size_t b = std::min(static_cast<size_t>(interval.b) + 1, data_.size());
    if (a >= b) return "";
    int from = (*cp_to_byte_)[a];
    int to = (*cp_to_byte_)[b];
    return std::string(utf8_.substr(from, to - from));
  }
  std::string toString() const override { return std::string(utf8_); }

 private:
  std::string_view utf8_;
  const std::vector<int>* cp_to_byte_ = nullptr;
  std::u32string data_;
  size_t p_ = 0;
};

// One lexer, token stream and parser per thread, reused across queries: building them costs
// allocations on every query, while their prediction DFAs are static and shared anyway (the
// 4.9 runtime guards those with its own locks). A Session loads one query and, when it ends,
// drops the parse tree and tokens so a large query's memory is not kept until the next one.
// ParseImpl never re-enters itself, so one pipeline per thread is enough.
struct AntlrPipeline {
  Utf8CharStream input;
  PromQLLexer lexer{&input};
  antlr4::CommonTokenStream tokens{&lexer};
  PromQLParser parser{&tokens};
  std::shared_ptr<antlr4::ANTLRErrorStrategy> bail = std::make_shared<antlr4::BailErrorStrategy>();
  std::shared_ptr<antlr4::ANTLRErrorStrategy> report =
      std::make_shared<antlr4::DefaultErrorStrategy>();

  AntlrPipeline() {
    lexer.removeErrorListeners();
    parser.removeErrorListeners();
  }

  static AntlrPipeline& ForThisThread() {
    thread_local AntlrPipeline pipeline;
    return pipeline;
  }

  class Session {
   public:
    Session(AntlrPipeline& p, std::string_view query, const std::vector<int>* cp_to_byte)
        : p_(p) {
      p_.input.Load(query, cp_to_byte);
      p_.lexer.setInputStream(&p_.input);  // resets the lexer
      p_.tokens.setTokenSource(&p_.lexer);  // drops the previous tokens
      p_.parser.setTokenStream(&p_.tokens);  // resets the parser and its tree
      p_.tokens.fill();
    }
    ~Session() {
      p_.parser.removeErrorListeners();
      p_.parser.reset();  // frees the parse tree
      p_.input.Load(std::string_view(), nullptr);
      p_.lexer.setInputStream(&p_.input);
      p_.tokens.setTokenSource(&p_.lexer);  // frees the tokens
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

   private:
    AntlrPipeline& p_;
  };
};

absl::StatusOr<ExprPtr> ParseImpl(std::string_view query, bool type_check) {
  if (!ValidUtf8(query)) {
    int pos = 0;
    while (pos < static_cast<int>(query.size()) && ValidUtf8(query.substr(0, pos + 1))) ++pos;
    return absl::InvalidArgumentError(FormatError(query, pos, "invalid UTF-8 rune"));
  }
  // Map code point index (ANTLR's positions) to byte offsets.
  std::vector<int> cp_to_byte;
  cp_to_byte.reserve(query.size() + 1);
  for (size_t i = 0; i < query.size(); ++i) {
    if ((static_cast<unsigned char>(query[i]) & 0xC0) != 0x80) cp_to_byte.push_back(static_cast<int>(i));
  }
  cp_to_byte.push_back(static_cast<int>(query.size()));

  AntlrPipeline& pipeline = AntlrPipeline::ForThisThread();
  AntlrPipeline::Session session(pipeline, query, &cp_to_byte);
  antlr4::CommonTokenStream& tokens = pipeline.tokens;
  PromQLParser& parser = pipeline.parser;

  bool only_trivia = true;
  for (antlr4::Token* t : tokens.getTokens()) {
    if (t->getType() != antlr4::Token::EOF) only_trivia = false;
  }
  if (only_trivia) {
    return absl::InvalidArgumentError(FormatError(query, 0, "no expression found in input"));
  }

  std::optional<LexIssue> lex_issue = PreScan(tokens.getTokens(), query, cp_to_byte);

  FirstErrorListener listener;
  P::RootContext* root = nullptr;
  // Limits keep the recursive descent within the stack; a failure here is a bug, not input.
  if (lex_issue && lex_issue->msg.rfind("query ", 0) == 0) {
    return absl::InvalidArgumentError(FormatError(query, lex_issue->pos, lex_issue->msg));
  }
  // Two-stage parse: SLL prediction with a bail-out strategy is exact for every valid query
  // (no exception is thrown then); only when it fails is the query re-parsed with full LL and
  // the default strategy, which reports the first syntax error to the listener.
  try {
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::SLL);
    parser.setErrorHandler(pipeline.bail);
    root = parser.root();
  } catch (const antlr4::ParseCancellationException&) {
    root = nullptr;
  } catch (const antlr4::RecognitionException&) {
    root = nullptr;
  }
  if (root == nullptr) {
    tokens.seek(0);
    parser.reset();
    parser.addErrorListener(&listener);
    parser.setErrorHandler(pipeline.report);
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::LL);
    try {
      root = parser.root();
    } catch (const std::exception&) {
      if (!listener.has_error) {
        return absl::InvalidArgumentError(FormatError(query, 0, "unexpected parse failure"));
      }
    }
  }
  if (lex_issue || listener.has_error) {
    // Prometheus reports "unknown function" when it reduces the call (at its ')'), so such a
    // call that closes before the syntax/lexer error is what it reports.
    long err_index = lex_issue ? lex_issue->token_index : std::numeric_limits<long>::max();
    if (listener.has_error && listener.token_index >= 0) err_index = std::min(err_index, listener.token_index);
    const auto& toks = tokens.getTokens();
    long best_close = std::numeric_limits<long>::max();
    antlr4::Token* best = nullptr;
    for (size_t i = 0; i + 1 < toks.size(); ++i) {
      if (toks[i]->getType() != P::IDENTIFIER || toks[i + 1]->getType() != P::LEFT_PAREN) continue;
      if (LookupFunction(CanonicalFunctionName(toks[i]->getText())) != nullptr) continue;
      int depth = 0;
      for (size_t j = i + 1; j < toks.size() && static_cast<long>(j) < err_index; ++j) {
        size_t tt = toks[j]->getType();
        if (tt == P::LEFT_PAREN) ++depth;
        if (tt == P::RIGHT_PAREN && --depth == 0) {
          if (static_cast<long>(j) < best_close) {
            best_close = static_cast<long>(j);
            best = toks[i];
          }
          break;
        }
      }
    }
    if (best != nullptr) {
      int pos = best->getStartIndex() < cp_to_byte.size() ? cp_to_byte[best->getStartIndex()] : 0;
      return absl::InvalidArgumentError(FormatError(
          query, pos, absl::StrCat("unknown function with name ", QuoteString(best->getText()))));
    }
  }
  if (lex_issue && (!listener.has_error || listener.token_index < 0 ||
                    listener.token_index >= lex_issue->token_index)) {
    return absl::InvalidArgumentError(FormatError(query, lex_issue->pos, lex_issue->msg));
  }
  if (listener.has_error) {
    int pos = listener.start < cp_to_byte.size() ? cp_to_byte[listener.start]
                                                  : static_cast<int>(query.size());
    if (listener.is_eof) pos = static_cast<int>(query.size());
    return absl::InvalidArgumentError(
        FormatError(query, pos, absl::StrCat("unexpected ", listener.desc)));
  }
  if (root == nullptr) {
    return absl::InvalidArgumentError(FormatError(query, 0, "unexpected parse failure"));
  }

  ExprPtr expr;
  try {
    Builder builder(query, cp_to_byte);
    expr = builder.Expr(root->expr());
  } catch (const ParseError& e) {
    return absl::InvalidArgumentError(FormatError(query, e.pos, e.msg));
  }
  if (!type_check) return expr;
  Checker checker(query);
  checker.Check(expr.get());
  if (checker.error()) {
    return absl::InvalidArgumentError(FormatError(query, checker.error()->pos, checker.error()->msg));
  }
  return expr;
}

double EvalDurationSeconds(const Expr& e, const DurationContext& ctx, std::string* err) {
  switch (e.kind) {
    case NodeKind::kNumberLiteral:
      return static_cast<const NumberLiteral&>(e).value;
    case NodeKind::kParen:
      return EvalDurationSeconds(*static_cast<const ParenExpr&>(e).expr, ctx, err);
    case NodeKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      double v = EvalDurationSeconds(*u.expr, ctx, err);
      return u.op == UnaryOp::kMinus ? -v : v;
    }
    case NodeKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      double l = EvalDurationSeconds(*b.lhs, ctx, err);
      double r = EvalDurationSeconds(*b.rhs, ctx, err);
      switch (b.op) {
        case BinaryOp::kAdd: return l + r;
        case BinaryOp::kSub: return l - r;
        case BinaryOp::kMul: return l * r;
        case BinaryOp::kDiv:
          if (r == 0) *err = "division by zero";
          return l / r;
        case BinaryOp::kMod:
          if (r == 0) *err = "modulo by zero";
          return std::fmod(l, r);
        case BinaryOp::kPow: return std::pow(l, r);
        default:
          *err = "invalid operator in duration expression";
          return 0;
      }
    }
    case NodeKind::kCall: {
      const auto& c = static_cast<const promql::Call&>(e);
      std::string_view name = c.func ? c.func->name : std::string_view();
      if (name == "step") return static_cast<double>(ctx.step_ms) / 1000.0;
      if (name == "range") return static_cast<double>(ctx.range_ms) / 1000.0;
      if ((name == "min_of" || name == "max_of") && c.args.size() == 2) {
        double a = EvalDurationSeconds(*c.args[0], ctx, err);
        double b = EvalDurationSeconds(*c.args[1], ctx, err);
        return name == "min_of" ? std::min(a, b) : std::max(a, b);
      }
      *err = absl::StrCat("function ", std::string(name), " not allowed in duration expression");
      return 0;
    }
    default:
      *err = "invalid duration expression";
      return 0;
  }
}

}  // namespace

absl::StatusOr<ExprPtr> ParseExpr(std::string_view query) {
  try {
    return ParseImpl(query, /*type_check=*/true);
  } catch (const std::exception& e) {
    // ANTLR may throw on pathological input; never let it escape the module.
    return absl::InvalidArgumentError(absl::StrCat("parse error: ", e.what()));
  }
}

absl::StatusOr<std::vector<tsdb::Matcher>> ParseMetricSelector(std::string_view s) {
  // Like Prometheus' ParseMetricSelector: no checkAST, so `{job=~".*"}` is returned and the
  // caller applies its own "at least one non-empty matcher" rule with its own wording.
  absl::StatusOr<ExprPtr> expr;
  try {
    expr = ParseImpl(s, /*type_check=*/false);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("parse error: ", e.what()));
  }
  if (!expr.ok()) return expr.status();
  if ((*expr)->kind != NodeKind::kVectorSelector) {
    return absl::InvalidArgumentError(
        FormatError(s, 0, "expected a metric selector such as up{job=\"x\"}"));
  }
  auto* vs = static_cast<VectorSelector*>(expr->get());
  if (vs->offset_ms != 0 || vs->offset_expr || vs->at != AtModifier::kNone) {
    return absl::InvalidArgumentError(
        FormatError(s, 0, "modifiers are not allowed in a metric selector"));
  }
  return std::move(vs->matchers);
}

std::optional<std::string> ExtendedRangeModifierError(const Call& call) {
  if (call.func == nullptr) return std::nullopt;
  std::string name(call.func->name);
  for (const auto& arg : call.args) {
    bool anchored = false, smoothed = false;
    if (arg->kind == NodeKind::kMatrixSelector) {
      const auto& ms = static_cast<const MatrixSelector&>(*arg);
      anchored = ms.anchored;
      smoothed = ms.smoothed;
    }
    if (smoothed && name != "delta" && name != "increase" && name != "rate") {
      return "smoothed modifier can only be used with: delta, increase, rate - not with " + name;
    }
    if (anchored && name != "changes" && name != "delta" && name != "increase" &&
        name != "rate" && name != "resets") {
      return "anchored modifier can only be used with: changes, delta, increase, rate, resets - "
             "not with " + name;
    }
  }
  return std::nullopt;
}

absl::StatusOr<int64_t> EvalDurationExpr(const Expr& e, const DurationContext& ctx) {
  std::string err;
  double secs = EvalDurationSeconds(e, ctx, &err);
  if (!err.empty()) return absl::InvalidArgumentError(err);
  double ms = std::round(secs * 1000.0);
  if (!std::isfinite(ms) || std::fabs(ms) > 9.2e18) {
    return absl::InvalidArgumentError("duration expression out of range");
  }
  return static_cast<int64_t>(ms);
}

}  // namespace promlet::promql
