// The typed PromQL AST, shared by the parser (which builds it), the printer and the engine.
//
// Invariants: a tree returned by the parser is type-checked: every node's type() is what
// Prometheus' checker would assign, function calls reference an entry of the function table,
// VectorMatching is set exactly on vector-vector binary expressions (and set operators).
// Nodes own their children. Positions are byte offsets into the query text.
#ifndef PROMLET_PROMQL_AST_H_
#define PROMLET_PROMQL_AST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/matcher.h"

namespace promlet::promql {

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };
// "scalar", "instant vector", "range vector", "string" as Prometheus' errors name them.
const char* DocumentedTypeName(ValueType t);
// "scalar", "vector", "matrix", "string" as the API's resultType names them.
const char* ValueTypeName(ValueType t);

// A duration written as an expression in a range, subquery step or offset ("[5m+1m]",
// "offset step()", "[1h/2]"). Kept for the printer; the folded value is stored beside it in
// milliseconds unless the expression depends on the query (step(), range()), in which case
// `depends_on_query` is true and the folded value is 0: evaluate it per query with
// EvalDurationExpr (promql/parser/parser.h). The expression is a scalar tree of number
// literals, parens, unary/binary arithmetic and calls to step(), range(), min_of(), max_of().
struct Expr;
struct DurationExpr {
  std::shared_ptr<const Expr> expr;
  bool depends_on_query = false;
};

struct PositionRange {
  int start = 0;  // byte offset, inclusive
  int end = 0;    // byte offset, exclusive
};

enum class NodeKind {
  kNumberLiteral,
  kStringLiteral,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kAggregate,
  kBinary,
  kCall,
  kUnary,
  kParen,
  kStepInvariant,  // inserted by the engine only, never by the parser
};

struct Expr {
  explicit Expr(NodeKind k) : kind(k) {}
  virtual ~Expr() = default;
  virtual ValueType type() const = 0;
  NodeKind kind;
  PositionRange pos;
};
using ExprPtr = std::unique_ptr<Expr>;

// `@` modifier: a fixed time, or start()/end() of the query.
enum class AtModifier { kNone, kTimestamp, kStart, kEnd };

// The offset and `@` modifiers of a vector selector or a subquery (a matrix selector's live in
// its vector selector), as written; the engine resolves `@` and duration expressions.
struct TimeModifiers {
  int64_t offset_ms = 0;  // may be negative
  // Set when the offset was written as an expression; "offset 0s" is not printed.
  std::optional<DurationExpr> offset_expr;
  AtModifier at = AtModifier::kNone;
  int64_t at_ms = 0;  // valid when at == kTimestamp
  bool has_offset() const { return offset_ms != 0 || offset_expr.has_value(); }
};

struct NumberLiteral : Expr {
  NumberLiteral() : Expr(NodeKind::kNumberLiteral) {}
  ValueType type() const override { return ValueType::kScalar; }
  double value = 0;
  // Set when the literal was written as a duration ("5m" used as a number): seconds.
  bool from_duration = false;
};

struct StringLiteral : Expr {
  StringLiteral() : Expr(NodeKind::kStringLiteral) {}
  ValueType type() const override { return ValueType::kString; }
  std::string value;
};

struct VectorSelector : Expr {
  VectorSelector() : Expr(NodeKind::kVectorSelector) {}
  ValueType type() const override { return ValueType::kVector; }
  std::string name;  // metric name if written outside braces (also present as a matcher)
  std::vector<model::Matcher> matchers;  // includes __name__="name" when name is set
  TimeModifiers time;
  // Experimental `metric smoothed` / `metric anchored` on an instant selector.
  bool anchored = false;
  bool smoothed = false;
};

struct MatrixSelector : Expr {
  MatrixSelector() : Expr(NodeKind::kMatrixSelector) {}
  ValueType type() const override { return ValueType::kMatrix; }
  ExprPtr vector_selector;  // always a VectorSelector (offset/@ live there)
  int64_t range_ms = 0;
  std::optional<DurationExpr> range_expr;  // set when the range was written as an expression
  // Experimental extended range selectors: `x[1m] anchored`, `x[1m] smoothed`.
  bool anchored = false;
  bool smoothed = false;
};

struct SubqueryExpr : Expr {
  SubqueryExpr() : Expr(NodeKind::kSubquery) {}
  ValueType type() const override { return ValueType::kMatrix; }
  ExprPtr expr;
  int64_t range_ms = 0;
  int64_t step_ms = 0;  // 0 = default (the global evaluation interval)
  TimeModifiers time;
  std::optional<DurationExpr> range_expr;   // see DurationExpr
  std::optional<DurationExpr> step_expr;
};

enum class AggregateOp {
  kSum, kAvg, kCount, kMin, kMax, kGroup, kStddev, kStdvar,
  kTopk, kBottomk, kQuantile, kCountValues, kLimitk, kLimitRatio,
};
const char* AggregateOpName(AggregateOp op);  // lower-case keyword

struct AggregateExpr : Expr {
  AggregateExpr() : Expr(NodeKind::kAggregate) {}
  ValueType type() const override { return ValueType::kVector; }
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // topk/bottomk/quantile/count_values/limitk/limit_ratio
  std::vector<std::string> grouping;
  bool without = false;
  // True when `by ()` or `without ()` was written (distinct from no clause) — printer only.
  bool has_grouping_clause = false;
};

enum class BinaryOp {
  kAdd, kSub, kMul, kDiv, kMod, kPow, kAtan2,
  kEql, kNeq, kGtr, kLss, kGte, kLte,
  kAnd, kOr, kUnless,
  kTrimUpper,  // "</": native histogram trimmed to observations below the scalar (experimental)
  kTrimLower,  // ">/": native histogram trimmed to observations above the scalar
};
const char* BinaryOpString(BinaryOp op);  // "+", "==", "and", "atan2", ...
bool IsComparisonOp(BinaryOp op);
bool IsSetOp(BinaryOp op);

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  std::vector<std::string> matching_labels;  // on(...) or ignoring(...)
  bool on = false;                            // true: on(...), false: ignoring(...)
  std::vector<std::string> include;           // group_left(...)/group_right(...) labels
  // True when on/ignoring was written explicitly (printer and error wording).
  bool explicit_matching = false;
  // Experimental fill modifiers (`a + fill(0) b`, fill_left(..), fill_right(..)): the value used
  // for a series missing on that side instead of dropping the match.
  std::optional<double> fill_lhs;
  std::optional<double> fill_rhs;
  // True when written as one `fill(v)` for both sides (printed back that way, as Prometheus does;
  // `fill_left(v) fill_right(v)` keeps its two modifiers).
  bool fill_both = false;
};

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(NodeKind::kBinary) {}
  ValueType type() const override {
    return (lhs->type() == ValueType::kScalar && rhs->type() == ValueType::kScalar)
               ? ValueType::kScalar
               : ValueType::kVector;
  }
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs, rhs;
  std::optional<VectorMatching> matching;  // set when both sides are vectors
  bool return_bool = false;
};

struct FunctionInfo;  // promql/functions.h

struct Call : Expr {
  Call() : Expr(NodeKind::kCall) {}
  ValueType type() const override;
  const FunctionInfo* func = nullptr;
  std::vector<ExprPtr> args;
};

enum class UnaryOp { kPlus, kMinus };

struct UnaryExpr : Expr {
  UnaryExpr() : Expr(NodeKind::kUnary) {}
  ValueType type() const override { return expr->type(); }
  UnaryOp op = UnaryOp::kMinus;
  ExprPtr expr;
};

struct ParenExpr : Expr {
  ParenExpr() : Expr(NodeKind::kParen) {}
  ValueType type() const override { return expr->type(); }
  ExprPtr expr;
};

// The time modifiers of a vector selector, a matrix selector (its vector selector's) or a
// subquery; nullptr for every other node.
TimeModifiers* TimeModifiersOf(Expr* e);
const TimeModifiers* TimeModifiersOf(const Expr* e);

// Engine-only wrapper: the subtree evaluates to the same value at every step.
struct StepInvariantExpr : Expr {
  StepInvariantExpr() : Expr(NodeKind::kStepInvariant) {}
  ValueType type() const override { return expr->type(); }
  ExprPtr expr;
};

}  // namespace promlet::promql

#endif  // PROMLET_PROMQL_AST_H_
