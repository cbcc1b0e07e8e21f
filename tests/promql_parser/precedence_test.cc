// Operator precedence and associativity, checked through the tree's shape: every binary and
// unary expression of the parsed tree is printed fully parenthesised. The levels are
// Prometheus 3's yacc declarations (generated_parser.y, loosest first):
//   %left LOR
//   %left LAND LUNLESS
//   %left EQLC GTE GTR LSS LTE NEQ TRIM_UPPER TRIM_LOWER
//   %left ADD SUB
//   %left MUL DIV MOD ATAN2
//   %right POW
// and unary +/- has MUL's precedence (`unary_op expr %prec MUL`).
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "promql/parser/parser.h"

namespace promlet::promql {
namespace {

// Fully parenthesised form: "(a + (b * c))", "(-(a ^ b))". Leaves print as the printer does.
std::string Shape(const Expr& e) {
  switch (e.kind) {
    case NodeKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      std::string op = BinaryOpString(b.op);
      if (b.return_bool) op += " bool";
      return "(" + Shape(*b.lhs) + " " + op + " " + Shape(*b.rhs) + ")";
    }
    case NodeKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      return std::string("(") + (u.op == UnaryOp::kMinus ? "-" : "+") + Shape(*u.expr) + ")";
    }
    case NodeKind::kParen:
      return "[" + Shape(*static_cast<const ParenExpr&>(e).expr) + "]";
    default:
      return Print(e);
  }
}

std::string ShapeOf(const std::string& q) {
  auto e = ParseExpr(q);
  if (!e.ok()) return "error: " + std::string(e.status().message());
  return Shape(**e);
}

const std::vector<std::vector<std::string>> kLevels = {
    {"or"},
    {"and", "unless"},
    {"==", "!=", ">", "<", ">=", "<=", "</", ">/"},
    {"+", "-"},
    {"*", "/", "%", "atan2"},
    {"^"},
};

int LevelOf(const std::string& op) {
  for (size_t i = 0; i < kLevels.size(); ++i) {
    for (const auto& o : kLevels[i]) {
      if (o == op) return static_cast<int>(i);
    }
  }
  return -1;
}

// Every ordered pair of binary operators (all 18, so every pair of levels in both orders and
// every pair within a level): `a op1 b op2 c` groups by level, ties to the left except ^.
TEST(PrecedenceTest, EveryPairOfBinaryOperators) {
  int checked = 0;
  for (const auto& level1 : kLevels) {
    for (const auto& op1 : level1) {
      for (const auto& level2 : kLevels) {
        for (const auto& op2 : level2) {
          std::string q = "a " + op1 + " b " + op2 + " c";
          int l1 = LevelOf(op1), l2 = LevelOf(op2);
          std::string right = "(a " + op1 + " (b " + op2 + " c))";
          std::string left = "((a " + op1 + " b) " + op2 + " c)";
          std::string want;
          if (l1 < l2) {
            want = right;  // op2 binds tighter
          } else if (l1 > l2) {
            want = left;
          } else {
            want = op1 == "^" ? right : left;  // only ^ is right-associative
          }
          EXPECT_EQ(ShapeOf(q), want) << q;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 18 * 18);
}

struct ShapeCase {
  const char* query;
  const char* shape;
};

TEST(PrecedenceTest, UnaryParenthesesAndModifiers) {
  const ShapeCase kCases[] = {
      // Unary minus/plus: MUL's precedence — looser than ^, tighter than everything else.
      {"-a ^ b", "(-(a ^ b))"},
      {"-a * b", "((-a) * b)"},
      {"-a atan2 b", "((-a) atan2 b)"},
      {"-a + b", "((-a) + b)"},
      {"-a == b", "((-a) == b)"},
      {"-a and b", "((-a) and b)"},
      {"+a / b", "((+a) / b)"},
      {"a ^ -b", "(a ^ (-b))"},
      {"a * -b ^ c", "(a * (-(b ^ c)))"},
      {"a - -b", "(a - (-b))"},
      {"a + -b * c", "(a + ((-b) * c))"},
      {"a * -b + c", "((a * (-b)) + c)"},
      {"- - a", "(-(-a))"},
      {"-1 ^ 2", "(-(1 ^ 2))"},        // not folded: the operand is 1 ^ 2
      {"-2 * 3", "(-2 * 3)"},          // folded into the literal
      {"2 ^ -1 ^ 2", "(2 ^ (-(1 ^ 2)))"},
      // Right associativity of ^ over long chains, left associativity elsewhere.
      {"a ^ b ^ c ^ d", "(a ^ (b ^ (c ^ d)))"},
      {"a - b - c - d", "(((a - b) - c) - d)"},
      {"a / b * c % d", "(((a / b) * c) % d)"},
      {"a or b or c", "((a or b) or c)"},
      {"a unless b and c", "((a unless b) and c)"},
      // Parentheses override precedence (kept as ParenExpr, shown as [..]).
      {"(a + b) * c", "([(a + b)] * c)"},
      {"a ^ (b ^ c)", "(a ^ [(b ^ c)])"},
      {"(a ^ b) ^ c", "([(a ^ b)] ^ c)"},
      {"-(a + b)", "(-[(a + b)])"},
      // Modifiers do not change grouping.
      {"a > bool b + c", "(a > bool (b + c))"},
      {"a + on(x) b * ignoring(y) c", "(a + (b * c))"},
      {"a / on(x) group_left b ^ c", "(a / (b ^ c))"},
      {"a or on(x) b and c", "(a or (b and c))"},
      // Every level in one expression, loosest first, then tightest first.
      {"a or b and c == d + e * f ^ g", "(a or (b and (c == (d + (e * (f ^ g))))))"},
      {"a ^ b * c + d > e unless f or g", "((((((a ^ b) * c) + d) > e) unless f) or g)"},
      // Offsets and ranges bind to the selector before any operator.
      {"a offset 5m + b @ 10 offset 1m", "(a offset 5m + b @ 10.000 offset 1m)"},
      {"a + max_over_time(b[5m:] @ 10) * c", "(a + (max_over_time(b[5m:] @ 10.000) * c))"},
      {"-a offset 1m", "(-a offset 1m)"},
  };
  for (const auto& c : kCases) EXPECT_EQ(ShapeOf(c.query), c.shape) << c.query;
}

TEST(PrecedenceTest, BoolOnlyOnComparisonsTrimIsNotOne) {
  for (const char* op : {"==", "!=", ">", "<", ">=", "<="}) {
    EXPECT_TRUE(ParseExpr(std::string("a ") + op + " bool b").ok()) << op;
  }
  for (const char* op : {"+", "-", "*", "/", "%", "^", "atan2", "</", ">/", "and", "or", "unless"}) {
    auto e = ParseExpr(std::string("a ") + op + " bool b");
    ASSERT_FALSE(e.ok()) << op;
    EXPECT_NE(e.status().message().find("bool modifier can only be used on comparison operators"),
              std::string_view::npos)
        << op << ": " << e.status();
  }
}

}  // namespace
}  // namespace promlet::promql
