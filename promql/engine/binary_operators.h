// Internal to the engine: the binary operators' kernels, applied to evaluated operands over
// a step grid: scalar op scalar, vector op scalar (in place), vector op vector with Prometheus'
// vector matching (on/ignoring, group_left/right, fill modifiers) and the set operators.
// Native-histogram operands follow Prometheus' vectorElemBinop (histogram +/- histogram,
// histogram * and / by a float, ==/!= between histograms, the trim operators </ and >/); other
// pairings drop the sample with the "incompatible sample types" info.
//
// Invariants: operands come counted in the QueryContext (context.h); VectorScalarBinop
// releases the points it drops; VectorVectorBinop and SetOperation count their output step by
// step and leave releasing the operands to the caller. Errors (duplicate match groups,
// many-to-many matching) are Prometheus' messages, raised with Errorf.
#ifndef PROMLET_PROMQL_ENGINE_BINARY_OPERATORS_H_
#define PROMLET_PROMQL_ENGINE_BINARY_OPERATORS_H_

#include <vector>

#include "promql/ast.h"
#include "promql/engine/context.h"
#include "promql/engine/value.h"

namespace promlet::promql::internal {

double ScalarBinop(BinaryOp op, double l, double r);
// sc holds the scalar's value at every step of g; swap: the scalar is the left operand.
EMatrix VectorScalarBinop(const BinaryExpr& b, EMatrix m, const std::vector<double>& sc,
                          bool swap, const StepGrid& g, QueryContext* ctx);
EMatrix VectorVectorBinop(const BinaryExpr& b, EMatrix lhs, EMatrix rhs, const StepGrid& g,
                          QueryContext* ctx);
EMatrix SetOperation(const BinaryExpr& b, EMatrix lhs, EMatrix rhs, const StepGrid& g,
                     QueryContext* ctx);

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_BINARY_OPERATORS_H_
