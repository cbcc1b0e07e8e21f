// Go's text/template built-in functions (text/template/funcs.go): and, or, not, call, len,
// index, slice, print, printf, println, html, js, urlquery, eq, ne, lt, le, gt, ge.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/utf8.h"
#include "rules/template/funcs.h"
#include "rules/template/go_fmt.h"

namespace promlet::rules::tmpl {

std::string ParamTypeName(Param p) {
  switch (p) {
    case Param::kAny: return "interface {}";
    case Param::kReflect: return "reflect.Value";
    case Param::kString: return "string";
    case Param::kFloat64: return "float64";
    case Param::kInt: return "int";
    case Param::kSample: return "*template.sample";
    case Param::kQueryResult: return "template.queryResult";
  }
  return "?";
}

namespace {

// The value printed by html/js/urlquery: fmt.Sprint of the arguments with pointers followed.
std::string EvalArgs(const std::vector<Value>& args) {
  if (args.size() == 1 && args[0].kind == Kind::kString && !args[0].html) return args[0].s;
  std::vector<Value> printable;
  printable.reserve(args.size());
  for (const Value& a : args) {
    Value v = a;
    if (v.kind == Kind::kStruct) v.pointer = false;
    printable.push_back(std::move(v));
  }
  return GoSprint(printable);
}

bool Not(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  *out = Value::Bool(!IsTrue(a[0]));
  return true;
}

bool AndOr(const FuncContext&, std::vector<Value>&, Value*, std::string* err) {
  *err = "unreachable";  // the executor short-circuits and/or itself
  return false;
}

bool Call(const FuncContext&, std::vector<Value>& a, Value*, std::string* err) {
  // a[0] is the callee's text, a[1] the callee: no template value is a function.
  if (!a[1].valid()) {
    *err = "call of nil";
  } else {
    *err = "non-function " + a[0].s + " of type " + a[1].TypeName();
  }
  return false;
}

bool Len(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  if (a[0].kind == Kind::kStruct && a[0].pointer && !a[0].st) {
    *err = "len of nil pointer";
    return false;
  }
  int64_t n = Length(a[0]);
  if (n < 0) {
    // Go's length() asks the type of the zero Value, and reflect panics.
    *err = a[0].valid() ? "len of type " + a[0].TypeName()
                        : "reflect: call of reflect.Value.Type on zero Value";
    return false;
  }
  *out = Value::Int(n);
  return true;
}

bool IndexArg(const Value& index, int64_t cap, int64_t* x, std::string* err) {
  if (index.kind == Kind::kInt) {
    *x = index.i;
  } else if (!index.valid()) {
    *err = "cannot index slice/array with nil";
    return false;
  } else {
    *err = "cannot index slice/array with type " + index.TypeName();
    return false;
  }
  if (*x < 0 || *x > cap) {
    *err = absl::StrCat("index out of range: ", *x);
    return false;
  }
  return true;
}

bool Index(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  Value item = a[0];
  if (!item.valid()) {
    *err = "index of untyped nil";
    return false;
  }
  for (size_t k = 1; k < a.size(); ++k) {
    const Value& index = a[k];
    if (item.kind == Kind::kStruct && item.pointer && !item.st) {
      *err = "index of nil pointer";
      return false;
    }
    switch (item.kind) {
      case Kind::kString:
      case Kind::kList: {
        int64_t len = Length(item), x;
        if (!IndexArg(index, len, &x, err)) return false;
        if (x == len) {
          *err = item.kind == Kind::kString ? "reflect: string index out of range"
                                            : "reflect: slice index out of range";
          return false;
        }
        if (item.kind == Kind::kString) {
          item = Value::Int(static_cast<unsigned char>(item.s[static_cast<size_t>(x)]));
          item.kind = Kind::kInt;  // a byte (uint8) in Go; printed the same
        } else {
          item = item.list->items[static_cast<size_t>(x)];
        }
        break;
      }
      case Kind::kMap: {
        if (!index.valid()) {
          *err = "value is nil; should be of type string";
          return false;
        }
        if (index.kind != Kind::kString || index.html) {
          *err = "value has type " + index.TypeName() + "; should be string";
          return false;
        }
        auto it = item.map->find(index.s);
        item = it == item.map->end() ? MapZero(item) : it->second;
        if (!item.valid() && k + 1 < a.size()) {
          *err = "index of nil pointer";
          return false;
        }
        break;
      }
      default:
        *err = "can't index item of type " + item.TypeName();
        return false;
    }
  }
  *out = item;
  return true;
}

bool Slice(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  const Value& item = a[0];
  if (!item.valid()) {
    *err = "slice of untyped nil";
    return false;
  }
  size_t nidx = a.size() - 1;
  if (nidx > 3) {
    *err = absl::StrCat("too many slice indexes: ", nidx);
    return false;
  }
  if (item.kind != Kind::kString && item.kind != Kind::kList) {
    *err = "can't slice item of type " + item.TypeName();
    return false;
  }
  if (item.kind == Kind::kString && nidx == 3) {
    *err = "cannot 3-index slice a string";
    return false;
  }
  int64_t len = Length(item);
  int64_t idx[3] = {0, len, len};
  for (size_t k = 0; k < nidx; ++k) {
    if (!IndexArg(a[k + 1], len, &idx[k], err)) return false;
  }
  if (idx[0] > idx[1]) {
    *err = absl::StrCat("invalid slice index: ", idx[0], " > ", idx[1]);
    return false;
  }
  if (nidx == 3 && idx[1] > idx[2]) {
    *err = absl::StrCat("invalid slice index: ", idx[1], " > ", idx[2]);
    return false;
  }
  if (item.kind == Kind::kString) {
    *out = Value::String(item.s.substr(static_cast<size_t>(idx[0]),
                                       static_cast<size_t>(idx[1] - idx[0])),
                         item.html);
    return true;
  }
  auto list = std::make_shared<ListData>();
  list->items.assign(item.list->items.begin() + idx[0], item.list->items.begin() + idx[1]);
  Value v = item;
  v.list = std::move(list);
  *out = std::move(v);
  return true;
}

bool Print(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  *out = Value::String(GoSprint(a));
  return true;
}
bool Printf(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  std::vector<Value> rest(a.begin() + 1, a.end());
  *out = Value::String(GoSprintf(a[0].s, rest));
  return true;
}
bool Println(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  *out = Value::String(GoSprintln(a));
  return true;
}

bool Html(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  std::string s = EvalArgs(a), r;
  for (char c : s) {
    switch (c) {
      case '\0': r += "\xEF\xBF\xBD"; break;
      case '"': r += "&#34;"; break;
      case '\'': r += "&#39;"; break;
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      default: r.push_back(c);
    }
  }
  *out = Value::String(std::move(r));
  return true;
}

bool Js(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  std::string s = EvalArgs(a), r;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '\\': r += "\\\\"; break;
        case '\'': r += "\\'"; break;
        case '"': r += "\\\""; break;
        case '<': r += "\\u003C"; break;
        case '>': r += "\\u003E"; break;
        case '&': r += "\\u0026"; break;
        case '=': r += "\\u003D"; break;
        default:
          if (c < ' ') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04X", c);
            r += buf;
          } else {
            r.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    uint32_t rune;
    int len = common::DecodeRune(s, i, &rune);
    if (len == 0) {
      r += "\\uFFFD";
      ++i;
      continue;
    }
    if (common::IsPrintableRune(rune)) {
      r.append(s, i, static_cast<size_t>(len));
    } else {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u%04X", rune);
      r += buf;
    }
    i += static_cast<size_t>(len);
  }
  *out = Value::String(std::move(r));
  return true;
}

bool UrlQuery(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  *out = Value::String(GoQueryEscape(EvalArgs(a)));
  return true;
}

enum class BasicKind { kInvalid, kBool, kInt, kFloat, kString };

BasicKind KindOf(const Value& v) {
  switch (v.kind) {
    case Kind::kBool: return BasicKind::kBool;
    case Kind::kInt: return BasicKind::kInt;
    case Kind::kFloat: return BasicKind::kFloat;
    case Kind::kString: return BasicKind::kString;
    default: return BasicKind::kInvalid;
  }
}

std::string GoS(const Value& v) {
  std::string s;
  AppendGoValue(&s, v, 's');
  return s;
}

bool EqImpl(const Value& a1, const std::vector<Value>& rest, bool* result, std::string* err) {
  if (rest.empty()) {
    *err = "missing argument for comparison";
    return false;
  }
  BasicKind k1 = KindOf(a1);
  for (const Value& a : rest) {
    BasicKind k2 = KindOf(a);
    bool truth = false;
    if (k1 != k2) {
      if (a1.valid() && a.valid()) {
        *err = "incompatible types for comparison: " + a1.TypeName() + " and " + a.TypeName();
        return false;
      }
      truth = false;
      if (k1 == BasicKind::kInvalid && k2 == BasicKind::kInvalid) truth = !a1.valid() && !a.valid();
    } else {
      switch (k1) {
        case BasicKind::kBool: truth = a1.b == a.b; break;
        case BasicKind::kInt: truth = a1.i == a.i; break;
        case BasicKind::kFloat: truth = a1.f == a.f; break;
        case BasicKind::kString: truth = a1.s == a.s; break;
        case BasicKind::kInvalid:
          if (!a1.valid() || !a.valid()) {
            truth = a1.valid() == a.valid();
          } else if (a1.kind == Kind::kStruct && a1.pointer) {
            truth = a1.st == a.st;
          } else if (a1.kind == Kind::kTime) {
            truth = a1.i == a.i;
          } else {
            *err = "non-comparable type " + GoS(a) + ": " + a.TypeName();
            return false;
          }
          break;
      }
    }
    if (truth) {
      *result = true;
      return true;
    }
  }
  *result = false;
  return true;
}

bool LtImpl(const Value& a1, const Value& a2, bool* result, std::string* err) {
  BasicKind k1 = KindOf(a1), k2 = KindOf(a2);
  if (k1 == BasicKind::kInvalid || k2 == BasicKind::kInvalid) {
    *err = "invalid type for comparison";
    return false;
  }
  if (k1 != k2) {
    *err = "incompatible types for comparison: " + a1.TypeName() + " and " + a2.TypeName();
    return false;
  }
  switch (k1) {
    case BasicKind::kBool: *err = "invalid type for comparison"; return false;
    case BasicKind::kInt: *result = a1.i < a2.i; break;
    case BasicKind::kFloat: *result = a1.f < a2.f; break;
    case BasicKind::kString: *result = a1.s < a2.s; break;
    default: break;
  }
  return true;
}

bool Eq(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  bool r;
  if (!EqImpl(a[0], std::vector<Value>(a.begin() + 1, a.end()), &r, err)) return false;
  *out = Value::Bool(r);
  return true;
}
bool Ne(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  bool r;
  if (!EqImpl(a[0], {a[1]}, &r, err)) return false;
  *out = Value::Bool(!r);
  return true;
}
bool Lt(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  bool r;
  if (!LtImpl(a[0], a[1], &r, err)) return false;
  *out = Value::Bool(r);
  return true;
}
bool Le(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  bool r;
  if (!LtImpl(a[0], a[1], &r, err)) return false;
  if (!r && !EqImpl(a[0], {a[1]}, &r, err)) return false;
  *out = Value::Bool(r);
  return true;
}
bool Gt(const FuncContext& c, std::vector<Value>& a, Value* out, std::string* err) {
  if (!Le(c, a, out, err)) return false;
  out->b = !out->b;
  return true;
}
bool Ge(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  bool r;
  if (!LtImpl(a[0], a[1], &r, err)) return false;
  *out = Value::Bool(!r);
  return true;
}

}  // namespace

std::string GoQueryEscape(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string r;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      r.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      r.push_back('+');
    } else {
      r.push_back('%');
      r.push_back(kHex[c >> 4]);
      r.push_back(kHex[c & 15]);
    }
  }
  return r;
}

void AddBuiltinFuncs(FuncTable* t) {
  using P = Param;
  auto add = [t](const char* name, std::vector<Param> params, bool variadic, FuncImpl impl) {
    (*t)[name] = Func{std::move(params), variadic, true, impl};
  };
  add("and", {P::kReflect, P::kReflect}, true, AndOr);
  add("or", {P::kReflect, P::kReflect}, true, AndOr);
  add("call", {P::kReflect, P::kReflect}, true, Call);
  add("html", {P::kAny}, true, Html);
  add("index", {P::kReflect, P::kReflect}, true, Index);
  add("slice", {P::kReflect, P::kReflect}, true, Slice);
  add("js", {P::kAny}, true, Js);
  add("len", {P::kReflect}, false, Len);
  add("not", {P::kReflect}, false, Not);
  add("print", {P::kAny}, true, Print);
  add("printf", {P::kString, P::kAny}, true, Printf);
  add("println", {P::kAny}, true, Println);
  add("urlquery", {P::kAny}, true, UrlQuery);
  add("eq", {P::kReflect, P::kReflect}, true, Eq);
  add("ne", {P::kReflect, P::kReflect}, false, Ne);
  add("lt", {P::kReflect, P::kReflect}, false, Lt);
  add("le", {P::kReflect, P::kReflect}, false, Le);
  add("gt", {P::kReflect, P::kReflect}, false, Gt);
  add("ge", {P::kReflect, P::kReflect}, false, Ge);
}

}  // namespace promlet::rules::tmpl
