// Token descriptions and syntax-error context in Prometheus' wording (Item.desc(), the
// yacc grammar's construct names).
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

}  // namespace promlet::promql::parse_internal
