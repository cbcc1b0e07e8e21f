#include "rules/template/parser.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/utf8.h"
#include "rules/template/lexer.h"

namespace promlet::rules::tmpl {

void TemplateNode::Write(std::string* out) const {
  out->append("{{template ");
  common::AppendGoQuoted(out, name);
  if (pipe) {
    out->push_back(' ');
    pipe->Write(out);
  }
  out->append("}}");
}

bool IsEmptyTree(const Node* n) {
  if (n == nullptr) return true;
  switch (n->type) {
    case NodeType::kComment: return true;
    case NodeType::kList:
      for (const auto& c : static_cast<const ListNode*>(n)->nodes) {
        if (!IsEmptyTree(c.get())) return false;
      }
      return true;
    case NodeType::kText: {
      const std::string& t = static_cast<const TextNode*>(n)->text;
      return t.find_first_not_of(" \t\r\n\v\f") == std::string::npos;
    }
    default: return false;
  }
}

namespace {

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// strconv.UnquoteChar: decodes one character or escape of s[*i..] inside `quote` quotes.
bool UnquoteChar(std::string_view s, size_t* i, char quote, std::string* out) {
  if (*i >= s.size()) return false;
  char c = s[*i];
  if (c == quote && (quote == '\'' || quote == '"')) return false;
  if (c != '\\') {
    uint32_t r;
    int len = common::DecodeRune(s, *i, &r);
    if (len == 0) {
      out->push_back(c);  // Go keeps invalid bytes as U+FFFD; keep the byte as it is
      ++*i;
      return true;
    }
    out->append(s.substr(*i, static_cast<size_t>(len)));
    *i += static_cast<size_t>(len);
    return true;
  }
  if (*i + 1 >= s.size()) return false;
  char e = s[*i + 1];
  *i += 2;
  switch (e) {
    case 'a': out->push_back('\a'); return true;
    case 'b': out->push_back('\b'); return true;
    case 'f': out->push_back('\f'); return true;
    case 'n': out->push_back('\n'); return true;
    case 'r': out->push_back('\r'); return true;
    case 't': out->push_back('\t'); return true;
    case 'v': out->push_back('\v'); return true;
    case '\\': out->push_back('\\'); return true;
    case '\'':
    case '"':
      if (e != quote) return false;
      out->push_back(e);
      return true;
    case 'x':
    case 'u':
    case 'U': {
      size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (*i + n > s.size()) return false;
      uint32_t v = 0;
      for (size_t k = 0; k < n; ++k) {
        int h = HexVal(s[*i + k]);
        if (h < 0) return false;
        v = v * 16 + static_cast<uint32_t>(h);
      }
      *i += n;
      if (e == 'x') {
        out->push_back(static_cast<char>(v));
        return true;
      }
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
      common::AppendRune(out, v);
      return true;
    }
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
      if (*i + 2 > s.size()) return false;
      uint32_t v = static_cast<uint32_t>(e - '0');
      for (size_t k = 0; k < 2; ++k) {
        char d = s[*i + k];
        if (d < '0' || d > '7') return false;
        v = v * 8 + static_cast<uint32_t>(d - '0');
      }
      if (v > 255) return false;
      *i += 2;
      out->push_back(static_cast<char>(v));
      return true;
    }
    default: return false;
  }
}

// strconv's underscoreOK: underscores only between digits or after a base prefix.
bool UnderscoreOk(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);
    if (p == 'b' || p == 'o' || p == 'x') {
      i = 2;
      saw = '0';
      hex = p == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// strconv.ParseInt/ParseUint(text, 0, 64): sign (signed only), 0x/0o/0b/0 prefixes,
// underscores as digit separators.
bool ParseGoInt(std::string_view text, bool is_signed, int64_t* i, uint64_t* u) {
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    if (!is_signed) return false;
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  int base = 10;
  if (s[0] == '0') {
    base = 8;
    if (s.size() >= 2) {
      char p = static_cast<char>(s[1] | 0x20);
      if (p == 'x' || p == 'o' || p == 'b') {
        base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
        s.remove_prefix(2);
        if (s.empty()) return false;
      }
    }
  }
  uint64_t v = 0;
  bool underscores = false;
  for (char c : s) {
    if (c == '_') {
      underscores = true;
      continue;
    }
    int d = HexVal(c);
    if (d < 0 || d >= base) return false;
    if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) return false;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  if (underscores && !UnderscoreOk(text)) return false;
  if (!is_signed) {
    *u = v;
    return true;
  }
  if (neg) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *i = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *i = static_cast<int64_t>(v);
  }
  return true;
}

// strconv.ParseFloat for the number syntax the lexer produces (decimal and hex floats).
bool ParseGoFloat(std::string_view s, double* f) {
  std::string clean;
  for (char c : s) {
    if (c != '_') clean.push_back(c);
  }
  if (clean.size() != s.size() && !UnderscoreOk(s)) return false;
  if (clean.empty()) return false;
  bool hex = clean.size() > 2 && clean[clean[0] == '-' || clean[0] == '+' ? 1 : 0] == '0' &&
             (clean[(clean[0] == '-' || clean[0] == '+' ? 1 : 0) + 1] | 0x20) == 'x';
  if (hex && clean.find_first_of("pP") == std::string::npos) return false;
  bool digit = false;
  for (char c : clean) digit = digit || (c >= '0' && c <= '9');
  if (!digit) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return false;
  if (errno == ERANGE && std::isinf(v)) return false;
  *f = v;
  return true;
}

struct ParseError {
  std::string message;
};

class Parser {
 public:
  Parser(std::string_view name, std::string_view text, const HasFunction& has_function,
         TemplateSet* set)
      : name_(name), has_function_(has_function), set_(set) {
    toks_ = Lex(text);
  }

  void ParseAll() {
    vars_ = {"$"};
    auto root = std::make_unique<ListNode>(Peek().pos);
    while (Peek().type != Tok::kEOF) {
      if (Peek().type == Tok::kLeftDelim) {
        Token delim = Next();
        if (NextNonSpace().type == Tok::kDefine) {
          ParseDefinition();
          continue;
        }
        Backup2(delim);
      }
      NodePtr n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        Errorf("unexpected " + n->String());
      }
      root->nodes.push_back(std::move(n));
    }
    Add(std::string(name_), std::move(root));
  }

 private:
  // Token stream with Go's three-token look-ahead.
  Token Next() {
    if (peek_count_ > 0) {
      --peek_count_;
    } else {
      token_[0] = LexNext();
    }
    return token_[peek_count_];
  }
  Token LexNext() {
    if (next_tok_ < toks_.size()) return toks_[next_tok_++];
    return toks_.back();  // EOF or error repeats
  }
  void Backup() { ++peek_count_; }
  void Backup2(Token t1) {
    token_[1] = std::move(t1);
    peek_count_ = 2;
  }
  void Backup3(Token t2, Token t1) {
    token_[1] = std::move(t1);
    token_[2] = std::move(t2);
    peek_count_ = 3;
  }
  Token Peek() {
    if (peek_count_ > 0) return token_[peek_count_ - 1];
    peek_count_ = 1;
    token_[0] = LexNext();
    return token_[0];
  }
  Token NextNonSpace() {
    Token t;
    do {
      t = Next();
    } while (t.type == Tok::kSpace);
    return t;
  }
  Token PeekNonSpace() {
    Token t = NextNonSpace();
    Backup();
    return t;
  }

  [[noreturn]] void Errorf(const std::string& msg) {
    throw ParseError{absl::StrCat("template: ", name_, ":", token_[0].line, ": ", msg)};
  }
  Token Expect(Tok expected, const std::string& context) {
    Token t = NextNonSpace();
    if (t.type != expected) Unexpected(t, context);
    return t;
  }
  [[noreturn]] void Unexpected(const Token& t, const std::string& context) {
    if (t.type == Tok::kError) {
      std::string extra;
      if (action_line_ != 0 && action_line_ != t.line) {
        extra = absl::StrCat(" in action started at ", name_, ":", action_line_);
        if (t.val.size() >= 7 && t.val.ends_with(" action")) extra = extra.substr(10);
      }
      Errorf(t.val + extra);
    }
    Errorf("unexpected " + TokenString(t) + " in " + context);
  }

  void Add(const std::string& tree_name, std::unique_ptr<ListNode> root) {
    auto it = set_->trees.find(tree_name);
    if (it == set_->trees.end() || IsEmptyTree(it->second.get())) {
      set_->trees[tree_name] = std::move(root);
      return;
    }
    if (!IsEmptyTree(root.get())) {
      Errorf("template: multiple definition of template " + common::GoQuote(tree_name));
    }
  }

  // Runs `body` as a separate tree (define/block): fresh variables, no enclosing range.
  template <typename F>
  void InSubTree(F body) {
    std::vector<std::string> saved_vars = std::move(vars_);
    int saved_range = range_depth_;
    vars_ = {"$"};
    range_depth_ = 0;
    body();
    vars_ = std::move(saved_vars);
    range_depth_ = saved_range;
  }

  void ParseDefinition() {
    const std::string context = "define clause";
    Token name = NextNonSpace();
    if (name.type != Tok::kString && name.type != Tok::kRawString) Unexpected(name, context);
    std::string tree_name;
    if (!GoUnquote(name.val, &tree_name)) Errorf("invalid syntax");
    Expect(Tok::kRightDelim, context);
    InSubTree([&] {
      auto [list, end] = ItemList();
      if (end->type != NodeType::kEnd) Errorf("unexpected " + end->String() + " in " + context);
      Add(tree_name, std::move(list));
    });
  }

  std::pair<std::unique_ptr<ListNode>, NodePtr> ItemList() {
    if (++nest_depth_ > kMaxParseDepth) Errorf("max nesting depth exceeded");
    auto list = std::make_unique<ListNode>(PeekNonSpace().pos);
    while (PeekNonSpace().type != Tok::kEOF) {
      NodePtr n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        --nest_depth_;
        return {std::move(list), std::move(n)};
      }
      list->nodes.push_back(std::move(n));
    }
    Errorf("unexpected EOF");
  }

  NodePtr TextOrAction() {
    Token t = NextNonSpace();
    switch (t.type) {
      case Tok::kText: return std::make_unique<TextNode>(t.pos, t.val);
      case Tok::kLeftDelim: {
        action_line_ = t.line;
        NodePtr n = Action();
        action_line_ = 0;
        return n;
      }
      default: Unexpected(t, "input");
    }
  }

  NodePtr Action() {
    Token t = NextNonSpace();
    switch (t.type) {
      case Tok::kBlock: return BlockControl();
      case Tok::kBreak: return LoopControl(t, NodeType::kBreak, "{{break}}");
      case Tok::kContinue: return LoopControl(t, NodeType::kContinue, "{{continue}}");
      case Tok::kElse: return ElseControl();
      case Tok::kEnd: return std::make_unique<SimpleNode>(NodeType::kEnd,
                                                          Expect(Tok::kRightDelim, "end").pos, 0);
      case Tok::kIf: return Control(NodeType::kIf, "if");
      case Tok::kRange: return Control(NodeType::kRange, "range");
      case Tok::kTemplate: return TemplateControl();
      case Tok::kWith: return Control(NodeType::kWith, "with");
      default: break;
    }
    Backup();
    Token p = Peek();
    return std::make_unique<ActionNode>(p.pos, p.line, Pipeline("command", Tok::kRightDelim));
  }

  NodePtr LoopControl(const Token& t, NodeType type, const std::string& what) {
    Token n = NextNonSpace();
    if (n.type != Tok::kRightDelim) Unexpected(n, what);
    if (range_depth_ == 0) Errorf(what + " outside {{range}}");
    return std::make_unique<SimpleNode>(type, t.pos, t.line);
  }

  std::unique_ptr<PipeNode> Pipeline(const std::string& context, Tok end) {
    Token t = PeekNonSpace();
    auto pipe = std::make_unique<PipeNode>(t.pos, t.line);
  decls:
    if (Token v = PeekNonSpace(); v.type == Tok::kVariable) {
      Next();
      Token after = Peek();
      Token next = PeekNonSpace();
      if (next.type == Tok::kAssign || next.type == Tok::kDeclare) {
        pipe->is_assign = next.type == Tok::kAssign;
        NextNonSpace();
        pipe->decl.push_back(std::make_unique<FieldNode>(NodeType::kVariable, v.pos,
                                                         std::vector<std::string>{v.val}));
        vars_.push_back(v.val);
      } else if (next.type == Tok::kChar && next.val == ",") {
        NextNonSpace();
        pipe->decl.push_back(std::make_unique<FieldNode>(NodeType::kVariable, v.pos,
                                                         std::vector<std::string>{v.val}));
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          Tok k = PeekNonSpace().type;
          if (k == Tok::kVariable || k == Tok::kRightDelim || k == Tok::kRightParen) goto decls;
          Errorf("range can only initialize variables");
        }
        Errorf("too many declarations in " + context);
      } else if (after.type == Tok::kSpace) {
        Backup3(v, after);
      } else {
        Backup2(v);
      }
    }
    while (true) {
      Token tok = NextNonSpace();
      if (tok.type == end) {
        if (pipe->cmds.empty()) Errorf("missing value for " + context);
        for (size_t i = 1; i < pipe->cmds.size(); ++i) {
          NodeType k = pipe->cmds[i]->args[0]->type;
          if (k == NodeType::kBool || k == NodeType::kDot || k == NodeType::kNil ||
              k == NodeType::kNumber || k == NodeType::kString) {
            Errorf(absl::StrCat("non executable command in pipeline stage ", i + 1));
          }
        }
        return pipe;
      }
      switch (tok.type) {
        case Tok::kBool: case Tok::kCharConstant: case Tok::kComplex: case Tok::kDot:
        case Tok::kField: case Tok::kIdentifier: case Tok::kNumber: case Tok::kNil:
        case Tok::kRawString: case Tok::kString: case Tok::kVariable: case Tok::kLeftParen:
          Backup();
          pipe->cmds.push_back(Command());
          break;
        default: Unexpected(tok, context);
      }
    }
  }

  NodePtr Control(NodeType type, const std::string& context) {
    size_t mark = vars_.size();
    auto node = std::make_unique<BranchNode>(type, 0, 0);
    node->pipe = Pipeline(context, Tok::kRightDelim);
    node->pos = node->pipe->pos;
    node->line = node->pipe->line;
    if (type == NodeType::kRange) ++range_depth_;
    auto [list, next] = ItemList();
    if (type == NodeType::kRange) --range_depth_;
    node->list = std::move(list);
    if (next->type == NodeType::kElse) {
      if ((type == NodeType::kIf && Peek().type == Tok::kIf) ||
          (type == NodeType::kWith && Peek().type == Tok::kWith)) {
        Next();
        node->else_list = std::make_unique<ListNode>(next->pos);
        if (++nest_depth_ > kMaxParseDepth) Errorf("max nesting depth exceeded");
        node->else_list->nodes.push_back(Control(type, context));
        --nest_depth_;
      } else {
        auto [else_list, end] = ItemList();
        if (end->type != NodeType::kEnd) Errorf("expected end; found " + end->String());
        node->else_list = std::move(else_list);
      }
    }
    vars_.resize(mark);
    return node;
  }

  NodePtr ElseControl() {
    Token p = PeekNonSpace();
    if (p.type == Tok::kIf || p.type == Tok::kWith) {
      return std::make_unique<SimpleNode>(NodeType::kElse, p.pos, p.line);
    }
    Token t = Expect(Tok::kRightDelim, "else");
    return std::make_unique<SimpleNode>(NodeType::kElse, t.pos, t.line);
  }

  std::string TemplateName(const Token& t, const std::string& context) {
    if (t.type != Tok::kString && t.type != Tok::kRawString) Unexpected(t, context);
    std::string s;
    if (!GoUnquote(t.val, &s)) Errorf("invalid syntax");
    return s;
  }

  NodePtr BlockControl() {
    const std::string context = "block clause";
    Token t = NextNonSpace();
    std::string name = TemplateName(t, context);
    auto pipe = Pipeline(context, Tok::kRightDelim);
    InSubTree([&] {
      auto [list, end] = ItemList();
      if (end->type != NodeType::kEnd) Errorf("unexpected " + end->String() + " in " + context);
      Add(name, std::move(list));
    });
    return std::make_unique<TemplateNode>(t.pos, t.line, name, std::move(pipe));
  }

  NodePtr TemplateControl() {
    const std::string context = "template clause";
    Token t = NextNonSpace();
    std::string name = TemplateName(t, context);
    std::unique_ptr<PipeNode> pipe;
    if (NextNonSpace().type != Tok::kRightDelim) {
      Backup();
      pipe = Pipeline(context, Tok::kRightDelim);
    }
    return std::make_unique<TemplateNode>(t.pos, t.line, name, std::move(pipe));
  }

  std::unique_ptr<CommandNode> Command() {
    auto cmd = std::make_unique<CommandNode>(PeekNonSpace().pos);
    while (true) {
      PeekNonSpace();
      NodePtr operand = Operand();
      if (operand) cmd->args.push_back(std::move(operand));
      Token t = Next();
      if (t.type == Tok::kSpace) continue;
      if (t.type == Tok::kRightDelim || t.type == Tok::kRightParen) {
        Backup();
      } else if (t.type != Tok::kPipe) {
        Unexpected(t, "operand");
      }
      break;
    }
    if (cmd->args.empty()) Errorf("empty command");
    return cmd;
  }

  NodePtr Operand() {
    NodePtr node = Term();
    if (!node) return nullptr;
    if (Peek().type == Tok::kField) {
      auto chain = std::make_unique<ChainNode>(Peek().pos, nullptr);
      std::vector<std::string> fields;
      while (Peek().type == Tok::kField) fields.push_back(Next().val.substr(1));
      switch (node->type) {
        case NodeType::kField:
        case NodeType::kVariable: {
          // Go rebuilds the node at the chain's position: that of the first trailing field.
          auto* f = static_cast<FieldNode*>(node.get());
          for (auto& x : fields) f->ident.push_back(std::move(x));
          f->pos = chain->pos;
          return node;
        }
        case NodeType::kBool: case NodeType::kString: case NodeType::kNumber:
        case NodeType::kNil: case NodeType::kDot:
          Errorf("unexpected . after term " + common::GoQuote(node->String()));
        default:
          chain->node = std::move(node);
          chain->fields = std::move(fields);
          return chain;
      }
    }
    return node;
  }

  NodePtr Term() {
    Token t = NextNonSpace();
    switch (t.type) {
      case Tok::kIdentifier:
        if (!has_function_(t.val)) Errorf("function " + common::GoQuote(t.val) + " not defined");
        return std::make_unique<IdentifierNode>(t.pos, t.val);
      case Tok::kDot: return std::make_unique<SimpleNode>(NodeType::kDot, t.pos, t.line);
      case Tok::kNil: return std::make_unique<SimpleNode>(NodeType::kNil, t.pos, t.line);
      case Tok::kVariable: return UseVar(t.pos, t.val);
      case Tok::kField: {
        std::vector<std::string> ident{t.val.substr(1)};
        return std::make_unique<FieldNode>(NodeType::kField, t.pos, std::move(ident));
      }
      case Tok::kBool: return std::make_unique<BoolNode>(t.pos, t.val == "true");
      case Tok::kCharConstant: case Tok::kComplex: case Tok::kNumber: return Number(t);
      case Tok::kLeftParen: {
        if (stack_depth_ >= kMaxParseDepth) Errorf("max expression depth exceeded");
        ++stack_depth_;
        auto p = Pipeline("parenthesized pipeline", Tok::kRightParen);
        --stack_depth_;
        return p;
      }
      case Tok::kString:
      case Tok::kRawString: {
        std::string s;
        if (!GoUnquote(t.val, &s)) Errorf("invalid syntax");
        return std::make_unique<StringNode>(t.pos, t.val, std::move(s));
      }
      default: break;
    }
    Backup();
    return nullptr;
  }

  NodePtr UseVar(int pos, const std::string& name) {
    std::vector<std::string> ident;
    size_t start = 0;
    for (size_t k = 1; k <= name.size(); ++k) {
      if (k == name.size() || name[k] == '.') {
        ident.push_back(name.substr(start, k - start));
        start = k + 1;
      }
    }
    for (const auto& v : vars_) {
      if (v == ident[0]) {
        return std::make_unique<FieldNode>(NodeType::kVariable, pos, std::move(ident));
      }
    }
    Errorf("undefined variable " + common::GoQuote(ident[0]));
  }

  NodePtr Number(const Token& t) {
    auto n = std::make_unique<NumberNode>(t.pos, t.val);
    const std::string& text = t.val;
    if (t.type == Tok::kCharConstant) {
      std::string s;
      size_t i = 1;
      if (!UnquoteChar(text, &i, '\'', &s)) Errorf("invalid syntax");
      if (text.substr(i) != "'") Errorf("malformed character constant: " + text);
      uint32_t r = static_cast<unsigned char>(s[0]);
      if (s.size() > 1) common::DecodeRune(s, 0, &r);
      n->is_int = n->is_uint = n->is_float = true;
      n->int64 = r;
      n->uint64 = r;
      n->float64 = r;
      return n;
    }
    if (t.type == Tok::kComplex || (!text.empty() && text.back() == 'i')) {
      Errorf("complex numbers are not supported: " + common::GoQuote(text));
    }
    uint64_t u = 0;
    int64_t i = 0;
    if (ParseGoInt(text, false, nullptr, &u)) {
      n->is_uint = true;
      n->uint64 = u;
    }
    if (ParseGoInt(text, true, &i, nullptr)) {
      n->is_int = true;
      n->int64 = i;
      if (i == 0) {
        n->is_uint = true;
        n->uint64 = u;
      }
    }
    if (n->is_int) {
      n->is_float = true;
      n->float64 = static_cast<double>(n->int64);
    } else if (n->is_uint) {
      n->is_float = true;
      n->float64 = static_cast<double>(n->uint64);
    } else {
      double f;
      if (ParseGoFloat(text, &f)) {
        if (text.find_first_of(".eEpP") == std::string::npos) {
          Errorf("integer overflow: " + common::GoQuote(text));
        }
        n->is_float = true;
        n->float64 = f;
        if (f >= -9223372036854775808.0 && f < 9223372036854775808.0 &&
            static_cast<double>(static_cast<int64_t>(f)) == f) {
          n->is_int = true;
          n->int64 = static_cast<int64_t>(f);
        }
        if (f >= 0 && f < 18446744073709551616.0 &&
            static_cast<double>(static_cast<uint64_t>(f)) == f) {
          n->is_uint = true;
          n->uint64 = static_cast<uint64_t>(f);
        }
      }
    }
    if (!n->is_int && !n->is_uint && !n->is_float) {
      Errorf("illegal number syntax: " + common::GoQuote(text));
    }
    return n;
  }

  std::string name_;
  const HasFunction& has_function_;
  TemplateSet* set_;
  std::vector<Token> toks_;
  size_t next_tok_ = 0;
  Token token_[3];
  int peek_count_ = 0;
  std::vector<std::string> vars_;
  int action_line_ = 0;
  int range_depth_ = 0;
  int stack_depth_ = 0;
  int nest_depth_ = 0;
};

}  // namespace

bool GoUnquote(std::string_view q, std::string* out) {
  out->clear();
  if (q.size() < 2) return false;
  char quote = q[0];
  if (quote != q.back()) return false;
  std::string_view body = q.substr(1, q.size() - 2);
  if (quote == '`') {
    if (body.find('`') != std::string_view::npos) return false;
    for (char c : body) {
      if (c != '\r') out->push_back(c);
    }
    return true;
  }
  if (quote != '"' && quote != '\'') return false;
  if (body.find('\n') != std::string_view::npos) return false;
  size_t i = 0;
  while (i < body.size()) {
    if (!UnquoteChar(body, &i, quote, out)) return false;
    if (quote == '\'' && i < body.size()) return false;
  }
  return quote == '"' || !out->empty();
}

absl::Status ParseTemplate(std::string_view name, std::string_view text,
                           const HasFunction& has_function, TemplateSet* set) {
  set->name = std::string(name);
  set->text = std::string(text);
  set->trees.clear();
  try {
    Parser p(name, set->text, has_function, set);
    p.ParseAll();
  } catch (const ParseError& e) {
    set->trees.clear();
    return absl::InvalidArgumentError(e.message);
  }
  return absl::OkStatus();
}

}  // namespace promlet::rules::tmpl
