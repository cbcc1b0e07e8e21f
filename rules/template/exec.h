// Executes a parsed template set against a data value (text/template/exec.go): pipelines,
// variables, field and map access, if/range/with, template invocation, function calls with
// Go's argument checks, and printing of values as Go's fmt.Fprint does.
//
// Invariants: never throws and never crashes; errors read as Go's ExecError
// (`template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`); execution is bounded in
// template-call depth, total steps (so ranges over large ints and recursive templates end) and
// output size.
#ifndef PROMLET_RULES_TEMPLATE_EXEC_H_
#define PROMLET_RULES_TEMPLATE_EXEC_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "rules/template/ast.h"
#include "rules/template/funcs.h"
#include "rules/template/value.h"

namespace promlet::rules::tmpl {

struct ExecLimits {
  int max_template_depth = 100;        // nested {{template}} calls
  int64_t max_steps = 2'000'000;       // nodes walked plus commands evaluated
  size_t max_output = 1 << 20;         // bytes
};

absl::StatusOr<std::string> Execute(const TemplateSet& set, const Value& data,
                                    const FuncTable& funcs, const FuncContext& ctx,
                                    const ExecLimits& limits = ExecLimits());

}  // namespace promlet::rules::tmpl

#endif  // PROMLET_RULES_TEMPLATE_EXEC_H_
