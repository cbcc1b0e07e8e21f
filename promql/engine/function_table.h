// Internal to the engine: the implementation of every PromQL function, indexed by the
// FunctionId the parser's catalogue (promql/functions.h) gives each call, as Prometheus'
// FunctionCalls. The evaluator looks a call's row up once and hands the kernel the evaluated
// arguments: a range function gets one series' samples at a time (range_functions.h), a
// point-wise function each point, any other function its whole call (instant_functions.h).
//
// Invariants: exactly one of range.kernel, point and whole is set in a supported function's
// row; a row with none is a function the engine does not implement ("function X not
// supported"). Adding a function = one row here + one kernel.
#ifndef PROMLET_PROMQL_ENGINE_FUNCTION_TABLE_H_
#define PROMLET_PROMQL_ENGINE_FUNCTION_TABLE_H_

#include "promql/engine/instant_functions.h"
#include "promql/engine/range_functions.h"
#include "promql/functions.h"

namespace promlet::promql::internal {

struct FunctionImpl {
  RangeFunction range;           // range.kernel set: a function of a range vector
  PointKernel point = nullptr;   // applied to each point of argument 0 (ApplyPointwise)
  VectorKernel whole = nullptr;  // computes the whole call
  // timestamp(): an argument that is a plain selector is read with its samples' own times,
  // which `point` cannot recover from values already aligned to steps.
  bool sample_times = false;
};

const FunctionImpl& FunctionImplOf(FunctionId id);

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_FUNCTION_TABLE_H_
