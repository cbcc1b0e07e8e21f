// Pre-scan of the token stream for what Prometheus' lexer rejects and for the size limits
// that keep the recursive parser within the stack.
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

}  // namespace promlet::promql::parse_internal
