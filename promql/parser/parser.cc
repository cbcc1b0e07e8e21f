// PromQL parser: ANTLR parse tree -> typed AST, then Prometheus' checkAST.
//
// The ANTLR pipeline and the public entry points; the stages live in their own files of this
// folder (internal.h lists them), which alone see ANTLR, through antlr_private.h. Stages:
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
// Errors are thrown as ParseError inside the builder only and returned as absl::Status.
#include "promql/parser/parser.h"

#include "promql/parser/antlr_private.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/duration.h"
#include "common/go_format.h"
#include "common/utf8.h"
#include "promql/functions.h"
#include "model/labels.h"

namespace promlet::promql::parse_internal {

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

bool ValidUtf8(std::string_view s) { return model::IsValidUtf8(s); }

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

}  // namespace promlet::promql::parse_internal

namespace promlet::promql {

using parse_internal::EvalDurationSeconds;
using parse_internal::FormatError;
using parse_internal::ParseImpl;

absl::StatusOr<ExprPtr> ParseExpr(std::string_view query) {
  try {
    return ParseImpl(query, /*type_check=*/true);
  } catch (const std::exception& e) {
    // ANTLR may throw on pathological input; never let it escape the module.
    return absl::InvalidArgumentError(absl::StrCat("parse error: ", e.what()));
  }
}

absl::StatusOr<std::vector<model::Matcher>> ParseMetricSelector(std::string_view s) {
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
  if (vs->time.has_offset() || vs->time.at != AtModifier::kNone) {
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
