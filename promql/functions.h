// The PromQL function table: names, argument types and return types, as Prometheus 3 defines
// them. The parser type-checks calls against it; the engine keys its implementations by name.
#ifndef PROMLET_PROMQL_FUNCTIONS_H_
#define PROMLET_PROMQL_FUNCTIONS_H_

#include <string_view>
#include <vector>

#include "promql/ast.h"

namespace promlet::promql {

struct FunctionInfo {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // -1: the last argument type may repeat any number of times (label_join); otherwise the
  // number of trailing arguments that may be omitted (round's to_nearest, ...).
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  bool experimental = false;
};

// nullptr when unknown.
const FunctionInfo* LookupFunction(std::string_view name);
const std::vector<FunctionInfo>& AllFunctions();

}  // namespace promlet::promql

#endif  // PROMLET_PROMQL_FUNCTIONS_H_
