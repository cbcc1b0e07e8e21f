// The parse tree of a Go template (text/template/parse/node.go): lists, text, actions,
// pipelines, commands and their operands, if/range/with, template invocations, break/continue.
//
// Invariants: nodes are owned by their parent (unique_ptr); every node knows its byte offset in
// the parsed text (for Go's "name:line:col" error locations) and prints back as Go's
// Node.String() does, which execution errors quote ("at <humanize "x">").
#ifndef PROMLET_RULES_TEMPLATE_AST_H_
#define PROMLET_RULES_TEMPLATE_AST_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace promlet::rules::tmpl {

enum class NodeType {
  kText,
  kAction,
  kBool,
  kChain,
  kCommand,
  kDot,
  kField,
  kIdentifier,
  kIf,
  kList,
  kNil,
  kNumber,
  kPipe,
  kRange,
  kString,
  kTemplate,
  kVariable,
  kWith,
  kComment,
  kBreak,
  kContinue,
  kElse,  // parser-internal
  kEnd,   // parser-internal
};

struct Node {
  Node(NodeType t, int p) : type(t), pos(p) {}
  virtual ~Node() = default;
  // Go's Node.String().
  virtual void Write(std::string* out) const = 0;
  std::string String() const {
    std::string s;
    Write(&s);
    return s;
  }
  NodeType type;
  int pos;
};
using NodePtr = std::unique_ptr<Node>;

struct ListNode : Node {
  explicit ListNode(int p) : Node(NodeType::kList, p) {}
  void Write(std::string* out) const override {
    for (const auto& n : nodes) n->Write(out);
  }
  std::vector<NodePtr> nodes;
};

struct TextNode : Node {
  TextNode(int p, std::string t) : Node(NodeType::kText, p), text(std::move(t)) {}
  void Write(std::string* out) const override { out->append(text); }
  std::string text;
};

struct SimpleNode : Node {  // dot, nil, break, continue, else, end
  SimpleNode(NodeType t, int p, int l) : Node(t, p), line(l) {}
  void Write(std::string* out) const override {
    switch (type) {
      case NodeType::kDot: out->append("."); break;
      case NodeType::kNil: out->append("nil"); break;
      case NodeType::kBreak: out->append("{{break}}"); break;
      case NodeType::kContinue: out->append("{{continue}}"); break;
      case NodeType::kElse: out->append("{{else}}"); break;
      case NodeType::kEnd: out->append("{{end}}"); break;
      default: break;
    }
  }
  int line;
};

struct BoolNode : Node {
  BoolNode(int p, bool v) : Node(NodeType::kBool, p), value(v) {}
  void Write(std::string* out) const override { out->append(value ? "true" : "false"); }
  bool value;
};

struct NumberNode : Node {
  NumberNode(int p, std::string t) : Node(NodeType::kNumber, p), text(std::move(t)) {}
  void Write(std::string* out) const override { out->append(text); }
  bool is_int = false, is_uint = false, is_float = false;
  int64_t int64 = 0;
  uint64_t uint64 = 0;
  double float64 = 0;
  std::string text;
};

struct StringNode : Node {
  StringNode(int p, std::string q, std::string t)
      : Node(NodeType::kString, p), quoted(std::move(q)), text(std::move(t)) {}
  void Write(std::string* out) const override { out->append(quoted); }
  std::string quoted, text;
};

struct IdentifierNode : Node {
  IdentifierNode(int p, std::string n) : Node(NodeType::kIdentifier, p), ident(std::move(n)) {}
  void Write(std::string* out) const override { out->append(ident); }
  std::string ident;
};

// $x.Field1.Field2 (ident[0] is the variable) or .Field1.Field2.
struct FieldNode : Node {
  FieldNode(NodeType t, int p, std::vector<std::string> i) : Node(t, p), ident(std::move(i)) {}
  void Write(std::string* out) const override {
    for (size_t k = 0; k < ident.size(); ++k) {
      if (type == NodeType::kField || k > 0) out->push_back('.');
      out->append(ident[k]);
    }
  }
  std::vector<std::string> ident;
};

struct PipeNode;

struct CommandNode : Node {
  explicit CommandNode(int p) : Node(NodeType::kCommand, p) {}
  void Write(std::string* out) const override;
  std::vector<NodePtr> args;
};

struct PipeNode : Node {
  PipeNode(int p, int l) : Node(NodeType::kPipe, p), line(l) {}
  void Write(std::string* out) const override {
    if (!decl.empty()) {
      for (size_t k = 0; k < decl.size(); ++k) {
        if (k > 0) out->append(", ");
        decl[k]->Write(out);
      }
      out->append(is_assign ? " = " : " := ");
    }
    for (size_t k = 0; k < cmds.size(); ++k) {
      if (k > 0) out->append(" | ");
      cmds[k]->Write(out);
    }
  }
  int line;
  bool is_assign = false;
  std::vector<std::unique_ptr<FieldNode>> decl;  // variables
  std::vector<std::unique_ptr<CommandNode>> cmds;
};

inline void CommandNode::Write(std::string* out) const {
  for (size_t k = 0; k < args.size(); ++k) {
    if (k > 0) out->push_back(' ');
    if (args[k]->type == NodeType::kPipe) {
      out->push_back('(');
      args[k]->Write(out);
      out->push_back(')');
    } else {
      args[k]->Write(out);
    }
  }
}

// (pipeline).Field1.Field2
struct ChainNode : Node {
  ChainNode(int p, NodePtr n) : Node(NodeType::kChain, p), node(std::move(n)) {}
  void Write(std::string* out) const override {
    if (node->type == NodeType::kPipe) {
      out->push_back('(');
      node->Write(out);
      out->push_back(')');
    } else {
      node->Write(out);
    }
    for (const auto& f : fields) {
      out->push_back('.');
      out->append(f);
    }
  }
  NodePtr node;
  std::vector<std::string> fields;
};

struct ActionNode : Node {
  ActionNode(int p, int l, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::kAction, p), line(l), pipe(std::move(pp)) {}
  void Write(std::string* out) const override {
    out->append("{{");
    pipe->Write(out);
    out->append("}}");
  }
  int line;
  std::unique_ptr<PipeNode> pipe;
};

// if, range, with.
struct BranchNode : Node {
  BranchNode(NodeType t, int p, int l) : Node(t, p), line(l) {}
  void Write(std::string* out) const override {
    const char* name = type == NodeType::kIf ? "if" : type == NodeType::kRange ? "range" : "with";
    out->append("{{");
    out->append(name);
    out->push_back(' ');
    pipe->Write(out);
    out->append("}}");
    list->Write(out);
    if (else_list) {
      out->append("{{else}}");
      else_list->Write(out);
    }
    out->append("{{end}}");
  }
  int line;
  std::unique_ptr<PipeNode> pipe;
  std::unique_ptr<ListNode> list, else_list;
};

struct TemplateNode : Node {
  TemplateNode(int p, int l, std::string n, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::kTemplate, p), line(l), name(std::move(n)), pipe(std::move(pp)) {}
  void Write(std::string* out) const override;
  int line;
  std::string name;
  std::unique_ptr<PipeNode> pipe;  // may be null
};

// One parsed template text: the main tree and those it defines ({{define}}, {{block}}).
struct TemplateSet {
  std::string name;  // the top-level template
  std::string text;  // the parsed text, for error locations
  std::map<std::string, std::unique_ptr<ListNode>> trees;  // by template name
};

// True when the list holds nothing but spaces and comments (Go's parse.IsEmptyTree).
bool IsEmptyTree(const Node* n);

}  // namespace promlet::rules::tmpl

#endif  // PROMLET_RULES_TEMPLATE_AST_H_
