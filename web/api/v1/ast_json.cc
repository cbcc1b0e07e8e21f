#include "web/api/v1/ast_json.h"


#include "common/go_format.h"
#include "promql/functions.h"

namespace promlet::web {
namespace {

using promql::AtModifier;
using promql::Cardinality;

// Prometheus writes a number literal's value with strconv.FormatFloat(v, 'f', -1, 64).
void WriteFloatF(double v, JsonWriter& w) { w.String(common::GoFloat(v, 'f')); }

void WriteStrings(const std::vector<std::string>& list, JsonWriter& w) {
  w.BeginArray();
  for (const auto& s : list) w.String(s);
  w.EndArray();
}

void WriteMatchers(const std::vector<model::Matcher>& matchers, JsonWriter& w) {
  w.BeginArray();
  for (const auto& m : matchers) {
    w.BeginObject();
    w.Key("name");
    w.String(m.name());
    w.Key("type");
    w.String(model::MatchTypeString(m.type()));
    w.Key("value");
    w.String(m.value());
    w.EndObject();
  }
  w.EndArray();
}

void WriteStartOrEnd(AtModifier at, JsonWriter& w) {
  w.Key("startOrEnd");
  if (at == AtModifier::kStart) {
    w.String("start");
  } else if (at == AtModifier::kEnd) {
    w.String("end");
  } else {
    w.Null();
  }
}

void WriteTimestamp(AtModifier at, int64_t at_ms, JsonWriter& w) {
  w.Key("timestamp");
  if (at == AtModifier::kTimestamp) {
    w.Int(at_ms);
  } else {
    w.Null();
  }
}

const char* CardinalityName(Cardinality c) {
  switch (c) {
    case Cardinality::kOneToOne: return "one-to-one";
    case Cardinality::kManyToOne: return "many-to-one";
    case Cardinality::kOneToMany: return "one-to-many";
    case Cardinality::kManyToMany: return "many-to-many";
  }
  return "one-to-one";
}

void WriteOptionalFloat(const std::optional<double>& v, JsonWriter& w) {
  if (!v) return w.Null();
  // A *float64 in Go's encoding/json: a plain JSON number.
  w.Double(*v);
}

void WriteSelectorFields(const promql::VectorSelector& vs, JsonWriter& w) {
  w.Key("matchers");
  WriteMatchers(vs.matchers, w);
  w.Key("name");
  w.String(vs.name);
  w.Key("offset");
  w.Int(vs.time.offset_ms);
}

void WriteNode(const promql::Expr& e, JsonWriter& w) {
  using promql::NodeKind;
  w.BeginObject();
  switch (e.kind) {
    case NodeKind::kAggregate: {
      const auto& n = static_cast<const promql::AggregateExpr&>(e);
      w.Key("expr");
      WriteNode(*n.expr, w);
      w.Key("grouping");
      WriteStrings(n.grouping, w);
      w.Key("op");
      w.String(promql::AggregateOpName(n.op));
      w.Key("param");
      if (n.param) {
        WriteNode(*n.param, w);
      } else {
        w.Null();
      }
      w.Key("type");
      w.String("aggregation");
      w.Key("without");
      w.Bool(n.without);
      break;
    }
    case NodeKind::kBinary: {
      const auto& n = static_cast<const promql::BinaryExpr&>(e);
      w.Key("bool");
      w.Bool(n.return_bool);
      w.Key("lhs");
      WriteNode(*n.lhs, w);
      w.Key("matching");
      if (n.matching) {
        const auto& m = *n.matching;
        w.BeginObject();
        w.Key("card");
        w.String(CardinalityName(m.card));
        w.Key("fillValues");
        w.BeginObject();
        w.Key("lhs");
        WriteOptionalFloat(m.fill_lhs, w);
        w.Key("rhs");
        WriteOptionalFloat(m.fill_rhs, w);
        w.EndObject();
        w.Key("include");
        WriteStrings(m.include, w);
        w.Key("labels");
        WriteStrings(m.matching_labels, w);
        w.Key("on");
        w.Bool(m.on);
        w.EndObject();
      } else {
        w.Null();
      }
      w.Key("op");
      w.String(promql::BinaryOpString(n.op));
      w.Key("rhs");
      WriteNode(*n.rhs, w);
      w.Key("type");
      w.String("binaryExpr");
      break;
    }
    case NodeKind::kCall: {
      const auto& n = static_cast<const promql::Call&>(e);
      w.Key("args");
      w.BeginArray();
      for (const auto& a : n.args) WriteNode(*a, w);
      w.EndArray();
      w.Key("func");
      w.BeginObject();
      w.Key("argTypes");
      w.BeginArray();
      for (auto t : n.func->arg_types) w.String(promql::ValueTypeName(t));
      w.EndArray();
      w.Key("name");
      w.String(n.func->name);
      w.Key("returnType");
      w.String(promql::ValueTypeName(n.func->return_type));
      w.Key("variadic");
      w.Int(n.func->variadic);
      w.EndObject();
      w.Key("type");
      w.String("call");
      break;
    }
    case NodeKind::kMatrixSelector: {
      const auto& n = static_cast<const promql::MatrixSelector&>(e);
      const auto& vs = static_cast<const promql::VectorSelector&>(*n.vector_selector);
      w.Key("anchored");
      w.Bool(n.anchored || vs.anchored);
      WriteSelectorFields(vs, w);  // matchers, name, offset
      w.Key("range");
      w.Int(n.range_ms);
      w.Key("smoothed");
      w.Bool(n.smoothed || vs.smoothed);
      WriteStartOrEnd(vs.time.at, w);
      WriteTimestamp(vs.time.at, vs.time.at_ms, w);
      w.Key("type");
      w.String("matrixSelector");
      break;
    }
    case NodeKind::kSubquery: {
      const auto& n = static_cast<const promql::SubqueryExpr&>(e);
      // Prometheus sets "alignEvalTime" only for its internal step-aligned rewrites; a parsed
      // query never has it.
      w.Key("alignEvalTime");
      w.Bool(false);
      w.Key("expr");
      WriteNode(*n.expr, w);
      w.Key("offset");
      w.Int(n.time.offset_ms);
      w.Key("range");
      w.Int(n.range_ms);
      WriteStartOrEnd(n.time.at, w);
      w.Key("step");
      w.Int(n.step_ms);
      WriteTimestamp(n.time.at, n.time.at_ms, w);
      w.Key("type");
      w.String("subquery");
      break;
    }
    case NodeKind::kNumberLiteral: {
      w.Key("type");
      w.String("numberLiteral");
      w.Key("val");
      WriteFloatF(static_cast<const promql::NumberLiteral&>(e).value, w);
      break;
    }
    case NodeKind::kStringLiteral: {
      w.Key("type");
      w.String("stringLiteral");
      w.Key("val");
      w.String(static_cast<const promql::StringLiteral&>(e).value);
      break;
    }
    case NodeKind::kParen: {
      w.Key("expr");
      WriteNode(*static_cast<const promql::ParenExpr&>(e).expr, w);
      w.Key("type");
      w.String("parenExpr");
      break;
    }
    case NodeKind::kUnary: {
      const auto& n = static_cast<const promql::UnaryExpr&>(e);
      w.Key("expr");
      WriteNode(*n.expr, w);
      w.Key("op");
      w.String(n.op == promql::UnaryOp::kMinus ? "-" : "+");
      w.Key("type");
      w.String("unaryExpr");
      break;
    }
    case NodeKind::kVectorSelector: {
      const auto& n = static_cast<const promql::VectorSelector&>(e);
      w.Key("anchored");
      w.Bool(n.anchored);
      WriteSelectorFields(n, w);
      w.Key("smoothed");
      w.Bool(n.smoothed);
      WriteStartOrEnd(n.time.at, w);
      WriteTimestamp(n.time.at, n.time.at_ms, w);
      w.Key("type");
      w.String("vectorSelector");
      break;
    }
    case NodeKind::kStepInvariant:  // engine-only wrapper: show what it wraps
      w.Key("expr");
      WriteNode(*static_cast<const promql::StepInvariantExpr&>(e).expr, w);
      w.Key("type");
      w.String("parenExpr");
      break;
  }
  w.EndObject();
}

}  // namespace

void WriteAstJson(const promql::Expr& expr, JsonWriter& w) { WriteNode(expr, w); }

}  // namespace promlet::web
