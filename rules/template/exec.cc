#include "rules/template/exec.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/utf8.h"
#include "rules/template/go_fmt.h"

namespace promlet::rules::tmpl {
namespace {

struct ExecError {
  std::string message;
};

enum class Flow { kNormal, kBreak, kContinue };

bool CanBeNil(Param p) { return p != Param::kString && p != Param::kFloat64 && p != Param::kInt; }

Value ZeroOf(Param p) {
  Value v;
  if (p == Param::kSample) {
    v.kind = Kind::kStruct;
    v.pointer = true;  // a nil *template.sample: st stays null
  } else if (p == Param::kQueryResult) {
    v.kind = Kind::kList;
    v.list = std::make_shared<ListData>();
  }
  return v;
}

bool Assignable(const Value& v, Param p) {
  switch (p) {
    case Param::kAny:
    case Param::kReflect: return true;
    case Param::kString: return v.kind == Kind::kString && !v.html;
    case Param::kFloat64: return v.kind == Kind::kFloat;
    case Param::kInt: return v.kind == Kind::kInt;
    case Param::kSample:
      return v.kind == Kind::kStruct && v.pointer && (!v.st || v.st->type_name == "template.sample");
    case Param::kQueryResult: return v.kind == Kind::kList;
  }
  return false;
}

class Executor {
 public:
  Executor(const TemplateSet& set, const FuncTable& funcs, const FuncContext& ctx,
           const ExecLimits& limits)
      : set_(set), funcs_(funcs), ctx_(ctx), limits_(limits), tmpl_name_(set.name) {}

  std::string Run(const Value& data) {
    auto it = set_.trees.find(set_.name);
    if (it == set_.trees.end()) {
      Errorf(common::GoQuote(set_.name) + " is an incomplete or empty template");
    }
    vars_.push_back({"$", data});
    Walk(data, it->second.get());
    return std::move(out_);
  }

 private:
  [[noreturn]] void Errorf(const std::string& msg) {
    if (node_ == nullptr) throw ExecError{absl::StrCat("template: ", tmpl_name_, ": ", msg)};
    size_t pos = std::min(static_cast<size_t>(std::max(node_->pos, 0)), set_.text.size());
    std::string_view before = std::string_view(set_.text).substr(0, pos);
    size_t nl = before.rfind('\n');
    size_t col = nl == std::string_view::npos ? pos : pos - nl - 1;
    size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
    throw ExecError{absl::StrCat("template: ", set_.name, ":", line, ":", col, ": executing ",
                                 common::GoQuote(tmpl_name_), " at <", node_->String(),
                                 ">: ", msg)};
  }
  void At(const Node* n) { node_ = n; }
  void Step() {
    if (++steps_ > limits_.max_steps) {
      Errorf(absl::StrCat("template execution exceeded ", limits_.max_steps, " steps"));
    }
  }

  // Variables.
  size_t Mark() const { return vars_.size(); }
  void Pop(size_t mark) { vars_.resize(mark); }
  void SetVar(const std::string& name, const Value& v) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].first == name) {
        vars_[i].second = v;
        return;
      }
    }
    Errorf("undefined variable: " + name);
  }
  const Value& VarValue(const std::string& name) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].first == name) return vars_[i].second;
    }
    Errorf("undefined variable: " + name);
  }

  void Write(std::string_view s) {
    if (out_.size() + s.size() > limits_.max_output) {
      Errorf(absl::StrCat("template output exceeds ", limits_.max_output, " bytes"));
    }
    out_.append(s);
  }

  // Bounds the C++ recursion of nested control structures across template calls.
  struct DepthGuard {
    explicit DepthGuard(Executor* e) : e_(e) {
      if (++e_->walk_depth_ > kMaxWalkDepth) {
        e_->Errorf(absl::StrCat("exceeded maximum nesting depth (", kMaxWalkDepth, ")"));
      }
    }
    ~DepthGuard() { --e_->walk_depth_; }
    Executor* e_;
  };
  static constexpr int kMaxWalkDepth = 1000;

  Flow Walk(const Value& dot, const Node* node) {
    At(node);
    Step();
    DepthGuard guard(this);
    switch (node->type) {
      case NodeType::kAction: {
        const auto* a = static_cast<const ActionNode*>(node);
        Value v = EvalPipeline(dot, a->pipe.get());
        if (a->pipe->decl.empty()) PrintValue(node, v);
        return Flow::kNormal;
      }
      case NodeType::kBreak: return Flow::kBreak;
      case NodeType::kContinue: return Flow::kContinue;
      case NodeType::kComment: return Flow::kNormal;
      case NodeType::kIf:
      case NodeType::kWith: return WalkIfOrWith(dot, static_cast<const BranchNode*>(node));
      case NodeType::kList:
        for (const auto& n : static_cast<const ListNode*>(node)->nodes) {
          Flow f = Walk(dot, n.get());
          if (f != Flow::kNormal) return f;
        }
        return Flow::kNormal;
      case NodeType::kRange: WalkRange(dot, static_cast<const BranchNode*>(node)); break;
      case NodeType::kTemplate: WalkTemplate(dot, static_cast<const TemplateNode*>(node)); break;
      case NodeType::kText: Write(static_cast<const TextNode*>(node)->text); break;
      default: Errorf("unknown node: " + node->String());
    }
    return Flow::kNormal;
  }

  Flow WalkIfOrWith(const Value& dot, const BranchNode* n) {
    size_t mark = Mark();
    Value v = EvalPipeline(dot, n->pipe.get());
    bool ok;
    bool truth = IsTrue(v, &ok);
    if (!ok) {
      std::string s;
      AppendGoValue(&s, v);
      Errorf("if/with can't use " + s);
    }
    Flow f = Flow::kNormal;
    if (truth) {
      f = Walk(n->type == NodeType::kWith ? v : dot, n->list.get());
    } else if (n->else_list) {
      f = Walk(dot, n->else_list.get());
    }
    Pop(mark);
    return f;
  }

  // Returns false when the loop body asked to break.
  bool OneIteration(const BranchNode* r, size_t mark, const Value& index, const Value& elem) {
    const PipeNode* p = r->pipe.get();
    if (!p->decl.empty()) {
      if (p->is_assign) {
        SetVar(p->decl[0]->ident[0], p->decl.size() > 1 ? index : elem);
      } else {
        vars_[vars_.size() - 1].second = elem;
      }
    }
    if (p->decl.size() > 1) {
      if (p->is_assign) {
        SetVar(p->decl[1]->ident[0], elem);
      } else {
        vars_[vars_.size() - 2].second = index;
      }
    }
    Flow f = Walk(elem, r->list.get());
    Pop(mark);
    return f != Flow::kBreak;
  }

  void WalkRange(const Value& dot, const BranchNode* r) {
    At(r);
    size_t outer = Mark();
    Value val = EvalPipeline(dot, r->pipe.get());
    size_t mark = Mark();
    bool ran = false;
    switch (val.kind) {
      case Kind::kList: {
        std::shared_ptr<ListData> keep = val.list;  // the body may reassign the variable
        for (size_t i = 0; i < keep->items.size(); ++i) {
          ran = true;
          if (!OneIteration(r, mark, Value::Int(static_cast<int64_t>(i)), keep->items[i])) break;
        }
        break;
      }
      case Kind::kMap: {
        std::shared_ptr<const MapData> keep = val.map;
        for (const auto& [k, e] : *keep) {
          ran = true;
          if (!OneIteration(r, mark, Value::String(k), e)) break;
        }
        break;
      }
      case Kind::kInt: {
        if (r->pipe->decl.size() > 1) {
          std::string s;
          AppendGoValue(&s, val);
          Errorf("can't use " + s + " to iterate over more than one variable");
        }
        for (int64_t i = 0; i < val.i; ++i) {
          ran = true;
          Step();
          if (!OneIteration(r, mark, Value::Int(i), Value::Int(i))) break;
        }
        break;
      }
      case Kind::kInvalid: break;
      default: {
        std::string s;
        AppendGoValue(&s, val);
        Errorf("range can't iterate over " + s);
      }
    }
    if (!ran && r->else_list) Walk(dot, r->else_list.get());
    Pop(outer);
  }

  void WalkTemplate(const Value& dot, const TemplateNode* t) {
    At(t);
    auto it = set_.trees.find(t->name);
    if (it == set_.trees.end()) Errorf("template " + common::GoQuote(t->name) + " not defined");
    if (depth_ >= limits_.max_template_depth) {
      Errorf(absl::StrCat("exceeded maximum template depth (", limits_.max_template_depth, ")"));
    }
    Value new_dot = EvalPipeline(dot, t->pipe.get());
    std::vector<std::pair<std::string, Value>> saved_vars;
    saved_vars.swap(vars_);
    vars_.push_back({"$", new_dot});
    std::string saved_name = std::move(tmpl_name_);
    tmpl_name_ = t->name;
    ++depth_;
    Walk(new_dot, it->second.get());
    --depth_;
    tmpl_name_ = std::move(saved_name);
    vars_.swap(saved_vars);
  }

  Value EvalPipeline(const Value& dot, const PipeNode* pipe) {
    if (pipe == nullptr) return Value();
    At(pipe);
    Value v;
    bool have = false;
    for (const auto& cmd : pipe->cmds) {
      v = EvalCommand(dot, cmd.get(), have ? &v : nullptr);
      v.nil_iface = false;  // Go digs the value out of its interface{}
      have = true;
    }
    for (const auto& var : pipe->decl) {
      if (pipe->is_assign) {
        SetVar(var->ident[0], v);
      } else {
        vars_.push_back({var->ident[0], v});
      }
    }
    return v;
  }

  void NotAFunction(const std::vector<NodePtr>& args, const Value* final) {
    if (args.size() > 1 || final != nullptr) {
      Errorf("can't give argument to non-function " + args[0]->String());
    }
  }

  Value EvalCommand(const Value& dot, const CommandNode* cmd, const Value* final) {
    Step();
    const Node* first = cmd->args[0].get();
    switch (first->type) {
      case NodeType::kField:
        return EvalFieldNode(dot, static_cast<const FieldNode*>(first), &cmd->args, final);
      case NodeType::kChain:
        return EvalChainNode(dot, static_cast<const ChainNode*>(first), &cmd->args, final);
      case NodeType::kIdentifier:
        return EvalFunction(dot, static_cast<const IdentifierNode*>(first), cmd, &cmd->args,
                            final);
      case NodeType::kPipe:
        NotAFunction(cmd->args, final);
        return EvalPipeline(dot, static_cast<const PipeNode*>(first));
      case NodeType::kVariable:
        return EvalVariableNode(dot, static_cast<const FieldNode*>(first), &cmd->args, final);
      default: break;
    }
    At(first);
    NotAFunction(cmd->args, final);
    switch (first->type) {
      case NodeType::kBool: return Value::Bool(static_cast<const BoolNode*>(first)->value);
      case NodeType::kDot: return dot;
      case NodeType::kNil: Errorf("nil is not a command");
      case NodeType::kNumber: return IdealConstant(static_cast<const NumberNode*>(first));
      case NodeType::kString: return Value::String(static_cast<const StringNode*>(first)->text);
      default: break;
    }
    Errorf("can't evaluate command " + common::GoQuote(first->String()));
  }

  Value IdealConstant(const NumberNode* n) {
    At(n);
    const std::string& t = n->text;
    bool hex_int = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') &&
                   t.find_first_of("pP") == std::string::npos;
    bool rune_int = !t.empty() && t[0] == '\'';
    if (n->is_float && !hex_int && !rune_int && t.find_first_of(".eEpP") != std::string::npos) {
      return Value::Float(n->float64);
    }
    if (n->is_int) return Value::Int(n->int64);
    if (n->is_uint) Errorf(t + " overflows int");
    return Value();
  }

  Value EvalFieldNode(const Value& dot, const FieldNode* f, const std::vector<NodePtr>* args,
                      const Value* final) {
    At(f);
    return EvalFieldChain(dot, dot, f, f->ident, 0, args, final);
  }

  Value EvalChainNode(const Value& dot, const ChainNode* c, const std::vector<NodePtr>* args,
                      const Value* final) {
    At(c);
    if (c->node->type == NodeType::kNil) {
      Errorf("indirection through explicit nil in " + c->String());
    }
    Value pipe = EvalArg(dot, Param::kReflect, c->node.get());
    return EvalFieldChain(dot, pipe, c, c->fields, 0, args, final);
  }

  Value EvalVariableNode(const Value& dot, const FieldNode* v, const std::vector<NodePtr>* args,
                         const Value* final) {
    At(v);
    Value value = VarValue(v->ident[0]);
    if (v->ident.size() == 1) {
      if (args != nullptr) NotAFunction(*args, final);
      return value;
    }
    return EvalFieldChain(dot, value, v, v->ident, 1, args, final);
  }

  Value EvalFieldChain(const Value& dot, Value receiver, const Node* node,
                       const std::vector<std::string>& ident, size_t from,
                       const std::vector<NodePtr>* args, const Value* final) {
    size_t n = ident.size();
    for (size_t i = from; i + 1 < n; ++i) {
      receiver = EvalField(dot, ident[i], node, nullptr, nullptr, receiver);
    }
    return EvalField(dot, ident[n - 1], node, args, final, receiver);
  }

  Value EvalField(const Value& dot, const std::string& name, const Node* node,
                  const std::vector<NodePtr>* args, const Value* final, const Value& receiver) {
    if (!receiver.valid()) {
      if (receiver.nil_iface) Errorf("nil pointer evaluating interface {}." + name);
      return Value();  // missingkey=zero
    }
    bool has_args = (args != nullptr && args->size() > 1) || final != nullptr;
    if (receiver.kind == Kind::kTime || receiver.kind == Kind::kDuration) {
      Value out;
      if (Method(receiver, name, &out)) {
        if (has_args) {
          Errorf(absl::StrCat("wrong number of args for ", name, ": want 0 got ",
                              (args != nullptr ? args->size() - 1 : 0) + (final ? 1 : 0)));
        }
        return out;
      }
    }
    switch (receiver.kind) {
      case Kind::kStruct: {
        if (!receiver.st) {
          Errorf("nil pointer evaluating " + receiver.TypeName() + "." + name);
        }
        if (const Value* f = receiver.st->Field(name)) {
          if (has_args) Errorf(name + " has arguments but cannot be invoked as function");
          return *f;
        }
        break;
      }
      case Kind::kMap: {
        if (has_args) Errorf(name + " is not a method but has arguments");
        auto it = receiver.map->find(name);
        return it == receiver.map->end() ? MapZero(receiver) : it->second;
      }
      default: break;
    }
    Errorf("can't evaluate field " + name + " in type " + receiver.TypeName());
  }

  // The methods of *time.Time and *time.Duration that templates use.
  static bool Method(const Value& r, const std::string& name, Value* out) {
    if (name == "String") {
      *out = Value::String(r.kind == Kind::kTime ? GoTimeString(r.i) : GoDurationString(r.i));
      return true;
    }
    if (r.kind == Kind::kTime) {
      int64_t sec = r.i / 1000000000 - (r.i % 1000000000 < 0 ? 1 : 0);
      if (name == "Unix") *out = Value::Int(sec);
      else if (name == "UnixMilli") *out = Value::Int(r.i / 1000000 - (r.i % 1000000 < 0 ? 1 : 0));
      else if (name == "UnixNano") *out = Value::Int(r.i);
      else if (name == "UTC") *out = r;
      else return false;
      return true;
    }
    if (name == "Seconds") *out = Value::Float(static_cast<double>(r.i) / 1e9);
    else if (name == "Minutes") *out = Value::Float(static_cast<double>(r.i) / 6e10);
    else if (name == "Hours") *out = Value::Float(static_cast<double>(r.i) / 3.6e12);
    else if (name == "Milliseconds") *out = Value::Int(r.i / 1000000);
    else if (name == "Nanoseconds") *out = Value::Int(r.i);
    else return false;
    return true;
  }

  Value EvalFunction(const Value& dot, const IdentifierNode* node, const Node* cmd,
                     const std::vector<NodePtr>* args, const Value* final) {
    At(node);
    auto it = funcs_.find(node->ident);
    if (it == funcs_.end()) Errorf(common::GoQuote(node->ident) + " is not a defined function");
    return EvalCall(dot, it->second, cmd, node->ident, args, final);
  }

  Value EvalCall(const Value& dot, const Func& fn, const Node* node, const std::string& name,
                 const std::vector<NodePtr>* all_args, const Value* final) {
    std::vector<const Node*> args;
    if (all_args != nullptr) {
      for (size_t i = 1; i < all_args->size(); ++i) args.push_back((*all_args)[i].get());
    }
    size_t num_in = args.size() + (final != nullptr ? 1 : 0);
    size_t num_fixed = args.size();
    if (fn.variadic) {
      num_fixed = fn.params.size() - 1;
      if (num_in < num_fixed) {
        Errorf(absl::StrCat("wrong number of args for ", name, ": want at least ", num_fixed,
                            " got ", args.size()));
      }
    } else if (num_in != fn.params.size()) {
      Errorf(absl::StrCat("wrong number of args for ", name, ": want ", fn.params.size(), " got ",
                          num_in));
    }
    if (fn.builtin && (name == "and" || name == "or")) {
      Value v;
      for (const Node* a : args) {
        v = EvalArg(dot, Param::kReflect, a);
        if (IsTrue(v) == (name == "or")) return v;
      }
      if (final != nullptr) v = *final;
      return v;
    }
    std::vector<Value> argv;
    argv.reserve(num_in + 1);
    size_t i = 0;
    for (; i < num_fixed && i < args.size(); ++i) argv.push_back(EvalArg(dot, fn.params[i], args[i]));
    if (fn.variadic) {
      for (; i < args.size(); ++i) argv.push_back(EvalArg(dot, fn.params.back(), args[i]));
    }
    if (final != nullptr) {
      Param p = fn.params.back();
      if (fn.variadic && num_in - 1 < num_fixed) p = fn.params[num_in - 1];
      argv.push_back(ValidateType(*final, p));
    }
    if (fn.builtin && name == "call") {
      argv.insert(argv.begin(), Value::String(args.empty() ? std::string() : args[0]->String()));
    }
    Value out;
    std::string err;
    if (!fn.impl(ctx_, argv, &out, &err)) {
      At(node);
      Errorf("error calling " + name + ": " + err);
    }
    return out;
  }

  Value ValidateType(const Value& v, Param p) {
    if (v.nil_iface && p != Param::kAny && p != Param::kReflect) {
      Errorf("wrong type for value; expected " + ParamTypeName(p) + "; got interface {}");
    }
    if (!v.valid()) {
      if (CanBeNil(p)) return ZeroOf(p);
      Errorf("invalid value; expected " + ParamTypeName(p));
    }
    if (!Assignable(v, p)) {
      Errorf("wrong type for value; expected " + ParamTypeName(p) + "; got " + v.TypeName());
    }
    return v;
  }

  Value EvalArg(const Value& dot, Param p, const Node* n) {
    At(n);
    switch (n->type) {
      case NodeType::kDot: return ValidateType(dot, p);
      case NodeType::kNil:
        if (CanBeNil(p)) return ZeroOf(p);
        Errorf("cannot assign nil to " + ParamTypeName(p));
      case NodeType::kField: {
        std::vector<NodePtr>* none = nullptr;
        return ValidateType(EvalFieldNode(dot, static_cast<const FieldNode*>(n), none, nullptr), p);
      }
      case NodeType::kVariable:
        return ValidateType(
            EvalVariableNode(dot, static_cast<const FieldNode*>(n), nullptr, nullptr), p);
      case NodeType::kPipe:
        return ValidateType(EvalPipeline(dot, static_cast<const PipeNode*>(n)), p);
      case NodeType::kIdentifier:
        return ValidateType(
            EvalFunction(dot, static_cast<const IdentifierNode*>(n), n, nullptr, nullptr), p);
      case NodeType::kChain:
        return ValidateType(EvalChainNode(dot, static_cast<const ChainNode*>(n), nullptr, nullptr),
                            p);
      default: break;
    }
    switch (p) {
      case Param::kFloat64: {
        if (n->type == NodeType::kNumber && static_cast<const NumberNode*>(n)->is_float) {
          return Value::Float(static_cast<const NumberNode*>(n)->float64);
        }
        Errorf("expected float; found " + n->String());
      }
      case Param::kInt: {
        if (n->type == NodeType::kNumber && static_cast<const NumberNode*>(n)->is_int) {
          return Value::Int(static_cast<const NumberNode*>(n)->int64);
        }
        Errorf("expected integer; found " + n->String());
      }
      case Param::kString:
        if (n->type == NodeType::kString) {
          return Value::String(static_cast<const StringNode*>(n)->text);
        }
        Errorf("expected string; found " + n->String());
      case Param::kAny:
      case Param::kReflect:
        switch (n->type) {
          case NodeType::kBool: return Value::Bool(static_cast<const BoolNode*>(n)->value);
          case NodeType::kNumber: return IdealConstant(static_cast<const NumberNode*>(n));
          case NodeType::kString: return Value::String(static_cast<const StringNode*>(n)->text);
          default: break;
        }
        Errorf("can't handle assignment of " + n->String() + " to empty interface argument");
      default: break;
    }
    Errorf("can't handle " + n->String() + " for arg of type " + ParamTypeName(p));
  }

  void PrintValue(const Node* n, const Value& v) {
    At(n);
    if (!v.valid()) {
      Write("<no value>");
      return;
    }
    std::string s;
    if (v.kind == Kind::kStruct && v.pointer) {
      if (!v.st) {
        s = "<nil>";
      } else {
        Value deref = v;
        deref.pointer = false;
        AppendGoValue(&s, deref);
      }
    } else if (v.kind == Kind::kString) {
      Write(v.s);
      return;
    } else {
      AppendGoValue(&s, v);
    }
    Write(s);
  }

  const TemplateSet& set_;
  const FuncTable& funcs_;
  const FuncContext& ctx_;
  const ExecLimits& limits_;
  std::string tmpl_name_;
  const Node* node_ = nullptr;
  std::vector<std::pair<std::string, Value>> vars_;
  std::string out_;
  int depth_ = 0;
  int walk_depth_ = 0;
  int64_t steps_ = 0;
};

}  // namespace

absl::StatusOr<std::string> Execute(const TemplateSet& set, const Value& data,
                                    const FuncTable& funcs, const FuncContext& ctx,
                                    const ExecLimits& limits) {
  try {
    Executor e(set, funcs, ctx, limits);
    return e.Run(data);
  } catch (const ExecError& e) {
    return absl::InvalidArgumentError(e.message);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("template: " + set.name + ": out of memory");
  }
}

}  // namespace promlet::rules::tmpl
