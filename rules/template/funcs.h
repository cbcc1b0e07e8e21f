// The function table templates call into: Go's text/template built-ins (builtins.cc) and
// Prometheus' template functions (prom_funcs.cc), each with its Go parameter types so that
// argument checking and its errors ("wrong type for value; expected string; got float64",
// "wrong number of args for humanize: want 1 got 2") match Go's.
//
// Invariants: a FuncImpl never throws; it returns false with *err set to the text Go's
// function would return as its error (the executor wraps it as "error calling NAME: ...").
#ifndef PROMLET_RULES_TEMPLATE_FUNCS_H_
#define PROMLET_RULES_TEMPLATE_FUNCS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rules/template/template.h"
#include "rules/template/value.h"

namespace promlet::rules::tmpl {

// Go parameter types of template functions.
enum class Param : uint8_t {
  kAny,          // interface {}
  kReflect,      // reflect.Value (built-ins that take anything, including nil)
  kString,       // string
  kFloat64,      // float64
  kInt,          // int
  kSample,       // *template.sample
  kQueryResult,  // template.queryResult
};

std::string ParamTypeName(Param p);

struct FuncContext {
  const TemplateData* data = nullptr;
};

using FuncImpl = bool (*)(const FuncContext& ctx, std::vector<Value>& args, Value* out,
                          std::string* err);

struct Func {
  std::vector<Param> params;
  bool variadic = false;  // the last parameter repeats
  bool builtin = false;   // text/template's own (and/or/call are special-cased by name)
  FuncImpl impl = nullptr;
};

using FuncTable = std::map<std::string, Func, std::less<>>;

void AddBuiltinFuncs(FuncTable* table);
void AddPrometheusFuncs(FuncTable* table);

// Both sets, Prometheus' first as Go looks them up; built once.
const FuncTable& TemplateFuncs();

// url.QueryEscape.
std::string GoQueryEscape(std::string_view s);

// The *template.sample struct of a query result.
Value MakeSample(const model::Labels& labels, double value);

}  // namespace promlet::rules::tmpl

#endif  // PROMLET_RULES_TEMPLATE_FUNCS_H_
