// /api/v1/parse_query's tree: the JSON Prometheus' translateAST produces (keys sorted, as Go's
// encoding/json writes maps).
#include "web/api/v1/ast_json.h"

#include <gtest/gtest.h>

#include <string>

#include "promql/parser/parser.h"

namespace promlet::web {
namespace {

std::string Tree(const std::string& query) {
  auto expr = promql::ParseExpr(query);
  EXPECT_TRUE(expr.ok()) << query << ": " << expr.status();
  if (!expr.ok()) return "";
  std::string out;
  JsonWriter w(&out);
  WriteAstJson(**expr, w);
  return out;
}

TEST(AstJson, AggregationOverRate) {
  EXPECT_EQ(
      Tree("sum by (job) (rate(x[5m] offset 1m))"),
      R"({"expr":{"args":[{"anchored":false,"matchers":[{"name":"__name__","type":"=","value":"x"}],)"
      R"("name":"x","offset":60000,"range":300000,"smoothed":false,"startOrEnd":null,"timestamp":null,)"
      R"("type":"matrixSelector"}],"func":{"argTypes":["matrix"],"name":"rate","returnType":"vector",)"
      R"("variadic":0},"type":"call"},"grouping":["job"],"op":"sum","param":null,"type":"aggregation",)"
      R"("without":false})");
}

TEST(AstJson, BinaryWithMatchingAndParam) {
  EXPECT_EQ(
      Tree(R"(topk(3, a) / on (i) group_left (j) b{c!~"d.*"} @ 100)"),
      R"({"bool":false,"lhs":{"expr":{"anchored":false,"matchers":[{"name":"__name__","type":"=","value":"a"}],)"
      R"("name":"a","offset":0,"smoothed":false,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"},)"
      R"("grouping":[],"op":"topk","param":{"type":"numberLiteral","val":"3"},"type":"aggregation",)"
      R"("without":false},"matching":{"card":"many-to-one","fillValues":{"lhs":null,"rhs":null},)"
      R"("include":["j"],"labels":["i"],"on":true},"op":"/","rhs":{"anchored":false,"matchers":[)"
      R"({"name":"c","type":"!~","value":"d.*"},{"name":"__name__","type":"=","value":"b"}],"name":"b",)"
      R"("offset":0,"smoothed":false,"startOrEnd":null,"timestamp":100000,"type":"vectorSelector"},)"
      R"("type":"binaryExpr"})");
}

TEST(AstJson, ScalarsStringsSubqueriesAndUnary) {
  EXPECT_EQ(Tree("1e3 > bool 2"),
            R"({"bool":true,"lhs":{"type":"numberLiteral","val":"1000"},"matching":null,"op":"\u003e",)"
            R"("rhs":{"type":"numberLiteral","val":"2"},"type":"binaryExpr"})");
  EXPECT_EQ(Tree("-Inf"), R"({"type":"numberLiteral","val":"-Inf"})");
  EXPECT_EQ(Tree(R"("a<b")"), R"({"type":"stringLiteral","val":"a\u003cb"})");
  EXPECT_EQ(
      Tree("-(max_over_time(up[1h:5m] @ start()))"),
      R"({"expr":{"expr":{"args":[{"alignEvalTime":false,"expr":{"anchored":false,"matchers":[)"
      R"({"name":"__name__","type":"=","value":"up"}],"name":"up","offset":0,"smoothed":false,)"
      R"("startOrEnd":null,"timestamp":null,"type":"vectorSelector"},"offset":0,"range":3600000,)"
      R"("startOrEnd":"start","step":300000,"timestamp":null,"type":"subquery"}],"func":{"argTypes":)"
      R"(["matrix"],"name":"max_over_time","returnType":"vector","variadic":0},"type":"call"},)"
      R"("type":"parenExpr"},"op":"-","type":"unaryExpr"})");
}

}  // namespace
}  // namespace promlet::web
