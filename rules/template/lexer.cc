#include "rules/template/lexer.h"

#include <cstdio>

#include "common/utf8.h"
#include "common/unicode_class.h"

namespace promlet::rules::tmpl {
namespace {

constexpr int kEof = -1;
constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kSpaceChars = " \t\r\n";

bool IsSpace(int r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }
bool IsAlphaNumeric(int r) {
  return r == '_' || (r >= 0 && (common::IsGoLetter(static_cast<uint32_t>(r)) ||
                                 common::IsGoDigit(static_cast<uint32_t>(r))));
}
bool HasLeftTrimMarker(std::string_view s) {
  return s.size() >= 2 && s[0] == '-' && IsSpace(static_cast<unsigned char>(s[1]));
}
bool HasRightTrimMarker(std::string_view s) {
  return s.size() >= 2 && IsSpace(static_cast<unsigned char>(s[0])) && s[1] == '-';
}

Tok Keyword(std::string_view w) {
  if (w == ".") return Tok::kDot;
  if (w == "block") return Tok::kBlock;
  if (w == "break") return Tok::kBreak;
  if (w == "continue") return Tok::kContinue;
  if (w == "define") return Tok::kDefine;
  if (w == "else") return Tok::kElse;
  if (w == "end") return Tok::kEnd;
  if (w == "if") return Tok::kIf;
  if (w == "range") return Tok::kRange;
  if (w == "nil") return Tok::kNil;
  if (w == "template") return Tok::kTemplate;
  if (w == "with") return Tok::kWith;
  return Tok::kError;
}

// %#U of a rune: U+0023 '#'.
std::string SharpU(int r) {
  char buf[32];
  if (r < 0) r = 0xFFFD;
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
  std::string s = buf;
  if (common::IsPrintableRune(static_cast<uint32_t>(r))) {
    s += " '";
    common::AppendRune(&s, static_cast<uint32_t>(r));
    s += "'";
  }
  return s;
}

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  std::vector<Token> Run() {
    enum State { kText, kLeft, kComment, kRight, kInside } state = kText;
    while (!done_) {
      switch (state) {
        case kText: state = LexText() ? kLeft : kText; break;
        case kLeft: state = LexLeftDelim() ? kComment : kInside; break;
        case kComment: LexComment(); state = kText; break;
        case kRight: LexRightDelim(); state = kText; break;
        case kInside: state = LexInsideAction() ? kRight : kInside; break;
      }
    }
    return std::move(out_);
  }

 private:
  int Next() {
    if (pos_ >= in_.size()) {
      width_ = 0;
      return kEof;
    }
    uint32_t r;
    int w = common::DecodeRune(in_, pos_, &r);
    if (w == 0) {
      w = 1;
      r = 0xFFFD;
    }
    width_ = static_cast<size_t>(w);
    pos_ += width_;
    if (r == '\n') ++line_;
    return static_cast<int>(r);
  }
  int Peek() {
    int r = Next();
    Backup();
    return r;
  }
  void Backup() {
    pos_ -= width_;
    if (width_ == 1 && in_[pos_] == '\n') --line_;
  }
  void Emit(Tok t) {
    out_.push_back(Token{t, static_cast<int>(start_), start_line_,
                         std::string(in_.substr(start_, pos_ - start_))});
    start_ = pos_;
    start_line_ = line_;
  }
  void Ignore() {
    for (size_t i = start_; i < pos_; ++i) line_ += in_[i] == '\n';
    start_ = pos_;
    start_line_ = line_;
  }
  void Error(std::string msg) {
    out_.push_back(Token{Tok::kError, static_cast<int>(start_), start_line_, std::move(msg)});
    done_ = true;
  }
  bool Accept(std::string_view valid) {
    int r = Next();
    if (r != kEof && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) {
      return true;
    }
    Backup();
    return false;
  }
  void AcceptRun(std::string_view valid) {
    while (Accept(valid)) {
    }
  }
  std::string_view Rest() const { return in_.substr(pos_); }
  void CountLines(size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) line_ += in_[i] == '\n';
  }

  // Returns true when a left delimiter follows.
  bool LexText() {
    width_ = 0;
    size_t x = Rest().find(kLeftDelim);
    if (x != std::string_view::npos) {
      pos_ += x;
      size_t trim = 0;
      if (HasLeftTrimMarker(in_.substr(pos_ + kLeftDelim.size()))) {
        std::string_view text = in_.substr(start_, pos_ - start_);
        size_t keep = text.find_last_not_of(kSpaceChars);
        trim = keep == std::string_view::npos ? text.size() : text.size() - keep - 1;
      }
      pos_ -= trim;
      if (pos_ > start_) {
        CountLines(start_, pos_);
        Emit(Tok::kText);
      }
      pos_ += trim;
      Ignore();
      return true;
    }
    pos_ = in_.size();
    if (pos_ > start_) {
      CountLines(start_, pos_);
      Emit(Tok::kText);
    }
    Emit(Tok::kEOF);
    done_ = true;
    return false;
  }

  std::pair<bool, bool> AtRightDelim() const {
    if (HasRightTrimMarker(Rest()) && Rest().substr(2).starts_with(kRightDelim)) {
      return {true, true};
    }
    if (Rest().starts_with(kRightDelim)) return {true, false};
    return {false, false};
  }

  // Returns true when a comment follows.
  bool LexLeftDelim() {
    pos_ += kLeftDelim.size();
    bool trim = HasLeftTrimMarker(Rest());
    size_t after = trim ? 2 : 0;
    if (in_.substr(pos_ + after).starts_with("/*")) {
      pos_ += after;
      Ignore();
      return true;
    }
    Emit(Tok::kLeftDelim);
    pos_ += after;
    Ignore();
    paren_depth_ = 0;
    return false;
  }

  void LexComment() {
    pos_ += 2;
    size_t i = Rest().find("*/");
    if (i == std::string_view::npos) {
      Error("unclosed comment");
      return;
    }
    pos_ += i + 2;
    auto [delim, trim] = AtRightDelim();
    if (!delim) {
      Error("comment ends before closing delimiter");
      return;
    }
    if (trim) pos_ += 2;
    pos_ += kRightDelim.size();
    if (trim) {
      size_t n = Rest().find_first_not_of(kSpaceChars);
      pos_ += n == std::string_view::npos ? Rest().size() : n;
    }
    Ignore();
  }

  void LexRightDelim() {
    bool trim = HasRightTrimMarker(Rest());
    if (trim) {
      pos_ += 2;
      Ignore();
    }
    pos_ += kRightDelim.size();
    Emit(Tok::kRightDelim);
    if (trim) {
      size_t n = Rest().find_first_not_of(kSpaceChars);
      pos_ += n == std::string_view::npos ? Rest().size() : n;
      Ignore();
    }
  }

  // Returns true when the right delimiter is next.
  bool LexInsideAction() {
    if (AtRightDelim().first) {
      if (paren_depth_ == 0) return true;
      Error("unclosed left paren");
      return false;
    }
    int r = Next();
    if (r == kEof) {
      Error("unclosed action");
      return false;
    }
    if (IsSpace(r)) {
      Backup();
      return LexSpace();
    }
    switch (r) {
      case '=': Emit(Tok::kAssign); return false;
      case ':':
        if (Next() != '=') {
          Error("expected :=");
          return false;
        }
        Emit(Tok::kDeclare);
        return false;
      case '|': Emit(Tok::kPipe); return false;
      case '"': LexQuote(); return false;
      case '`': LexRawQuote(); return false;
      case '$': LexVariable(); return false;
      case '\'': LexChar(); return false;
      case '(':
        Emit(Tok::kLeftParen);
        ++paren_depth_;
        return false;
      case ')':
        if (--paren_depth_ < 0) {
          Ignore();  // Go reports the error after the paren
          Error("unexpected right paren " + SharpU(r));
        } else {
          Emit(Tok::kRightParen);
        }
        return false;
      default: break;
    }
    if (r == '.') {
      if (pos_ < in_.size() && (in_[pos_] < '0' || in_[pos_] > '9')) {
        LexFieldOrVariable(Tok::kField);
        return false;
      }
    }
    if (r == '.' || r == '+' || r == '-' || (r >= '0' && r <= '9')) {
      Backup();
      LexNumber();
      return false;
    }
    if (IsAlphaNumeric(r)) {
      Backup();
      LexIdentifier();
      return false;
    }
    if (r <= 0x7F && r >= 0x20 && r != 0x7F) {
      Emit(Tok::kChar);
      return false;
    }
    Error("unrecognized character in action: " + SharpU(r));
    return false;
  }

  bool LexSpace() {
    int spaces = 0;
    while (IsSpace(Peek())) {
      Next();
      ++spaces;
    }
    if (HasRightTrimMarker(in_.substr(pos_ - 1)) &&
        in_.substr(pos_ - 1 + 2).starts_with(kRightDelim)) {
      Backup();
      if (spaces == 1) return true;
    }
    Emit(Tok::kSpace);
    return false;
  }

  bool AtTerminator() {
    int r = Peek();
    if (IsSpace(r)) return true;
    switch (r) {
      case kEof: case '.': case ',': case '|': case ':': case ')': case '(': return true;
      default: break;
    }
    return r == '}';
  }

  void LexIdentifier() {
    while (true) {
      int r = Next();
      if (IsAlphaNumeric(r)) continue;
      Backup();
      std::string_view word = in_.substr(start_, pos_ - start_);
      if (!AtTerminator()) {
        Error("bad character " + SharpU(r));
        return;
      }
      Tok k = Keyword(word);
      if (k != Tok::kError) {
        Emit(k);
      } else if (word[0] == '.') {
        Emit(Tok::kField);
      } else if (word == "true" || word == "false") {
        Emit(Tok::kBool);
      } else {
        Emit(Tok::kIdentifier);
      }
      return;
    }
  }

  void LexVariable() {
    if (AtTerminator()) {
      Emit(Tok::kVariable);
      return;
    }
    LexFieldOrVariable(Tok::kVariable);
  }

  void LexFieldOrVariable(Tok typ) {
    if (AtTerminator()) {
      Emit(typ == Tok::kVariable ? Tok::kVariable : Tok::kDot);
      return;
    }
    int r;
    while (true) {
      r = Next();
      if (!IsAlphaNumeric(r)) {
        Backup();
        break;
      }
    }
    if (!AtTerminator()) {
      Error("bad character " + SharpU(r));
      return;
    }
    Emit(typ);
  }

  void LexChar() {
    while (true) {
      int r = Next();
      if (r == '\\') {
        int e = Next();
        if (e != kEof && e != '\n') continue;
        Error("unterminated character constant");
        return;
      }
      if (r == kEof || r == '\n') {
        Error("unterminated character constant");
        return;
      }
      if (r == '\'') break;
    }
    Emit(Tok::kCharConstant);
  }

  bool ScanNumber() {
    Accept("+-");
    std::string_view digits = "0123456789_";
    if (Accept("0")) {
      if (Accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (Accept("oO")) {
        digits = "01234567_";
      } else if (Accept("bB")) {
        digits = "01_";
      }
    }
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (digits.size() == 11 && Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    if (digits.size() == 23 && Accept("pP")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    Accept("i");
    if (IsAlphaNumeric(Peek())) {
      Next();
      return false;
    }
    return true;
  }

  void LexNumber() {
    if (!ScanNumber()) {
      Error("bad number syntax: " + common::GoQuote(in_.substr(start_, pos_ - start_)));
      return;
    }
    int sign = Peek();
    if (sign == '+' || sign == '-') {
      if (!ScanNumber() || in_[pos_ - 1] != 'i') {
        Error("bad number syntax: " + common::GoQuote(in_.substr(start_, pos_ - start_)));
        return;
      }
      Emit(Tok::kComplex);
      return;
    }
    Emit(Tok::kNumber);
  }

  void LexQuote() {
    while (true) {
      int r = Next();
      if (r == '\\') {
        int e = Next();
        if (e != kEof && e != '\n') continue;
        Error("unterminated quoted string");
        return;
      }
      if (r == kEof || r == '\n') {
        Error("unterminated quoted string");
        return;
      }
      if (r == '"') break;
    }
    Emit(Tok::kString);
  }

  void LexRawQuote() {
    while (true) {
      int r = Next();
      if (r == kEof) {
        Error("unterminated raw quoted string");
        return;
      }
      if (r == '`') break;
    }
    Emit(Tok::kRawString);
  }

  std::string_view in_;
  size_t pos_ = 0, start_ = 0, width_ = 0;
  int line_ = 1, start_line_ = 1;
  int paren_depth_ = 0;
  bool done_ = false;
  std::vector<Token> out_;
};

}  // namespace

std::string TokenString(const Token& t) {
  if (t.type == Tok::kEOF) return "EOF";
  if (t.type == Tok::kError) return t.val;
  if (t.type > Tok::kKeyword) return "<" + t.val + ">";
  // %.10q: at most 10 runes, quoted, then "..." when longer than 10 bytes.
  if (t.val.size() > 10) {
    size_t i = 0;
    for (int n = 0; i < t.val.size() && n < 10; ++n) {
      uint32_t r;
      int len = common::DecodeRune(t.val, i, &r);
      i += len == 0 ? 1 : static_cast<size_t>(len);
    }
    return common::GoQuote(std::string_view(t.val).substr(0, i)) + "...";
  }
  return common::GoQuote(t.val);
}

std::vector<Token> Lex(std::string_view input) { return Lexer(input).Run(); }

}  // namespace promlet::rules::tmpl
