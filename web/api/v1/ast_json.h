// The JSON tree of a parsed PromQL expression that /api/v1/parse_query returns: the shape of
// Prometheus' web/api/v1 translateAST (the UI's tree view and explain), so tools written against
// Prometheus read it unchanged.
//
// One JSON object per node with a "type" of aggregation, binaryExpr, call, matrixSelector,
// subquery, numberLiteral, parenExpr, stringLiteral, unaryExpr or vectorSelector; durations and
// offsets in milliseconds, "@" times in milliseconds or null, "startOrEnd" "start"/"end"/null.
// Keys are written in sorted order because Go's encoding/json sorts map keys.
#ifndef PROMLET_WEB_API_V1_AST_JSON_H_
#define PROMLET_WEB_API_V1_AST_JSON_H_

#include "promql/ast.h"
#include "web/api/v1/json_writer.h"

namespace promlet::web {

void WriteAstJson(const promql::Expr& expr, JsonWriter& w);

}  // namespace promlet::web

#endif  // PROMLET_WEB_API_V1_AST_JSON_H_
