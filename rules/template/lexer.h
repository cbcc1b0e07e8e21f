// The lexer of Go's text/template (text/template/parse/lex.go): text, actions between "{{" and
// "}}", "{{-"/"-}}" space trimming, comments, and the tokens inside actions.
//
// Invariants: Lex() returns every token of the input in order, ending with exactly one kEOF or
// kError token (an error token carries Go's message, e.g. "unclosed action"); token values
// are views into the input, which must outlive them; each token has Go's 1-based line.
#ifndef PROMLET_RULES_TEMPLATE_LEXER_H_
#define PROMLET_RULES_TEMPLATE_LEXER_H_

#include <string>
#include <string_view>
#include <vector>

namespace promlet::rules::tmpl {

enum class Tok {
  kError,
  kBool,
  kChar,          // printable ASCII character inside an action: a grab bag for ',' etc.
  kCharConstant,  // 'x'
  kComplex,
  kAssign,   // =
  kDeclare,  // :=
  kEOF,
  kField,       // .Name
  kIdentifier,  // a function name
  kLeftDelim,
  kLeftParen,
  kNumber,
  kPipe,
  kRawString,
  kRightDelim,
  kRightParen,
  kSpace,
  kString,
  kText,
  kVariable,  // $, $x
  // Keywords after this point.
  kKeyword,
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Token {
  Tok type = Tok::kEOF;
  int pos = 0;   // byte offset in the input
  int line = 1;  // line at the start of the token
  std::string val;  // the text of the token, or the error message
};

// Go's item.String(): EOF, <keyword>, "quoted" (at most 10 runes, then ...), or the error.
std::string TokenString(const Token& t);

std::vector<Token> Lex(std::string_view input);

}  // namespace promlet::rules::tmpl

#endif  // PROMLET_RULES_TEMPLATE_LEXER_H_
