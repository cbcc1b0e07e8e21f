// AST building for what follows an expression: range selectors, subqueries, offset and @
// modifiers, and the duration expressions they take.
#include "promql/parser/antlr_private.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/duration.h"
#include "common/go_format.h"
#include "common/utf8.h"
#include "promql/functions.h"
#include "model/labels.h"

namespace promlet::promql::parse_internal {

ExprPtr Builder::DurationTree(P::ExprContext* ctx) {
  ExprAlt alt = AltOf(ctx);
  if (alt == ExprAlt::kNumber) return NumberLit(static_cast<P::NumberExprContext*>(ctx)->num);
  if (alt == ExprAlt::kParen) {
    auto* c = static_cast<P::ParenExprContext*>(ctx);
    return Paren(c, DurationTree(c->inner));
  }
  if (alt == ExprAlt::kUnary) {
    auto* c = static_cast<P::UnaryExprContext*>(ctx);
    return Unary(c, DurationTree(c->inner));
  }
  if (alt == ExprAlt::kBinary) {
    auto* c = static_cast<P::BinaryExprContext*>(ctx);
    BinaryOp op = BinaryOpFromToken(c->op->getType());
    if (!IsDurationOp(op) || !c->mod->children.empty()) {
      Fail(Start(c->op), absl::StrCat("unexpected ", TokenDesc(c->op), " in duration expression"));
    }
    auto b = std::make_unique<BinaryExpr>();
    b->pos = Range(c);
    b->op = op;
    b->lhs = DurationTree(c->lhs);
    b->rhs = DurationTree(c->rhs);
    return b;
  }
  if (alt == ExprAlt::kCall) {
    auto* c = static_cast<P::CallExprContext*>(ctx);
    std::string_view name = CanonicalFunctionName(Text(c->call->name));
    if (name == "step" || name == "range" || name == "min_of" || name == "max_of") {
      return Call(c->call, true);
    }
  }
  Fail(Range(ctx).start,
       absl::StrCat("unexpected ", TokenDesc(ctx->getStart()), " in duration expression"));
}

void Builder::CheckDurationTree(const promql::Expr& e, bool* dynamic) {
  switch (e.kind) {
    case NodeKind::kNumberLiteral: return;
    case NodeKind::kParen: CheckDurationTree(*static_cast<const ParenExpr&>(e).expr, dynamic); return;
    case NodeKind::kUnary: CheckDurationTree(*static_cast<const UnaryExpr&>(e).expr, dynamic); return;
    case NodeKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      CheckDurationTree(*b.lhs, dynamic);
      CheckDurationTree(*b.rhs, dynamic);
      return;
    }
    case NodeKind::kCall: {
      const auto& c = static_cast<const promql::Call&>(e);
      if (c.args.size() != c.func->arg_types.size()) {
        Fail(e.pos.start, absl::StrCat("expected ", c.func->arg_types.size(),
                                       " argument(s) in call to ", QuoteString(c.func->name),
                                       ", got ", c.args.size()));
      }
      if (c.func->name == "step" || c.func->name == "range") *dynamic = true;
      for (const auto& a : c.args) CheckDurationTree(*a, dynamic);
      return;
    }
    default:
      Fail(e.pos.start, "invalid duration expression");
  }
}

void Builder::FoldDuration(ExprPtr tree, int64_t* ms, std::optional<DurationExpr>* out,
                           bool positive) {
  bool dynamic = false;
  CheckDurationTree(*tree, &dynamic);
  if (positive) {
    const promql::Expr* lit = tree.get();
    while (lit->kind == NodeKind::kParen) lit = static_cast<const ParenExpr*>(lit)->expr.get();
    if (lit->kind == NodeKind::kNumberLiteral &&
        !(static_cast<const NumberLiteral*>(lit)->value > 0)) {
      Fail(lit->pos.start, "duration must be greater than 0");
    }
  }
  if (tree->kind == NodeKind::kNumberLiteral) {
    double v = static_cast<NumberLiteral*>(tree.get())->value;
    double r = std::round(v * 1000.0);
    if (!std::isfinite(r) || std::fabs(r) > 9.2e15) Fail(tree->pos.start, "duration out of range");
    *ms = static_cast<int64_t>(r);
    return;
  }
  DurationExpr de;
  de.depends_on_query = dynamic;
  if (!dynamic) {
    auto v = EvalDurationExpr(*tree, DurationContext{});
    if (!v.ok()) Fail(tree->pos.start, std::string(v.status().message()));
    *ms = *v;
  } else {
    *ms = 0;
  }
  de.expr = std::shared_ptr<const promql::Expr>(std::move(tree));
  *out = std::move(de);
}

ExprPtr Builder::Range(P::RangeExprContext* ctx) {
  ExprPtr inner = Expr(ctx->inner);
  auto* body = ctx->body;
  PositionRange brackets{Start(ctx->lb), End(ctx->rb)};
  if (body->colon == nullptr) {
    // Range selector.
    if (inner->kind != NodeKind::kVectorSelector) {
      Fail(brackets.start, "ranges only allowed for vector selectors");
    }
    auto* vs = static_cast<VectorSelector*>(inner.get());
    if (vs->time.has_offset()) Fail(brackets.start, "no offset modifiers allowed before range");
    if (vs->time.at != AtModifier::kNone) Fail(brackets.start, "no @ modifiers allowed before range");
    auto ms = std::make_unique<MatrixSelector>();
    ms->pos = Range(static_cast<antlr4::ParserRuleContext*>(ctx));
    FoldDuration(DurationTree(body->range), &ms->range_ms, &ms->range_expr, true);
    ms->vector_selector = std::move(inner);
    return ms;
  }
  auto sq = std::make_unique<SubqueryExpr>();
  sq->pos = Range(static_cast<antlr4::ParserRuleContext*>(ctx));
  FoldDuration(DurationTree(body->range), &sq->range_ms, &sq->range_expr, true);
  if (body->step != nullptr) {
    FoldDuration(DurationTree(body->step), &sq->step_ms, &sq->step_expr, true);
  }
  sq->expr = std::move(inner);
  return sq;
}

void Builder::Offset(P::OffsetExprContext* ctx, promql::Expr* target) {
  TimeModifiers* time = TimeModifiersOf(target);
  if (time == nullptr) {
    Fail(Start(ctx->OFFSET()->getSymbol()),
         "offset modifier must be preceded by an instant vector selector or range vector "
         "selector or a subquery");
  }
  if (time->has_offset()) {
    Fail(Start(ctx->OFFSET()->getSymbol()), "offset may not be set multiple times");
  }
  auto* ov = ctx->value;
  auto* atom = ov->atom;
  ExprPtr tree;
  if (atom->num != nullptr) {
    tree = NumberLit(atom->num);
  } else if (atom->call != nullptr) {
    std::string_view name = CanonicalFunctionName(Text(atom->call->name));
    if (name != "step" && name != "range" && name != "min_of" && name != "max_of") {
      Fail(Range(atom).start,
           absl::StrCat("unexpected ", TokenDesc(atom->getStart()), " in offset, expected duration"));
    }
    tree = Call(atom->call, true);
  } else {
    auto p = std::make_unique<ParenExpr>();
    p->pos = Range(atom);
    p->expr = DurationTree(atom->inner);
    tree = std::move(p);
  }
  if (ov->sign != nullptr) {
    bool minus = ov->sign->getType() == P::SUB;
    if (tree->kind == NodeKind::kNumberLiteral) {
      auto* n = static_cast<NumberLiteral*>(tree.get());
      if (minus) n->value = -n->value;
      n->pos.start = Start(ov->sign);
    } else {
      auto u = std::make_unique<UnaryExpr>();
      u->pos = Range(ov);
      u->op = minus ? UnaryOp::kMinus : UnaryOp::kPlus;
      u->expr = std::move(tree);
      tree = std::move(u);
    }
  }
  FoldDuration(std::move(tree), &time->offset_ms, &time->offset_expr, false);
  target->pos.end = Range(static_cast<antlr4::ParserRuleContext*>(ctx)).end;
}

void Builder::At(P::AtExprContext* ctx, promql::Expr* target) {
  TimeModifiers* time = TimeModifiersOf(target);
  if (time == nullptr) {
    Fail(Start(ctx->AT()->getSymbol()),
         "@ modifier must be preceded by an instant vector selector or range vector selector "
         "or a subquery");
  }
  if (time->at != AtModifier::kNone) {
    Fail(Start(ctx->AT()->getSymbol()), "@ <timestamp> may not be set multiple times");
  }
  auto* v = ctx->value;
  if (v->preproc != nullptr) {
    time->at = v->preproc->getType() == P::START ? AtModifier::kStart : AtModifier::kEnd;
  } else {
    auto lit = NumberLit(v->num);
    double ts = static_cast<NumberLiteral*>(lit.get())->value;
    if (v->sign != nullptr && v->sign->getType() == P::SUB) ts = -ts;
    if (std::isinf(ts) || std::isnan(ts) || ts >= 9.223372036854775807e18 ||
        ts <= -9.223372036854775807e18 || std::fabs(ts * 1000.0) >= 9.2e18) {
      Fail(target->pos.start,
           absl::StrCat("timestamp out of bounds for @ modifier: ", common::GoPrintfF(ts)));
    }
    time->at = AtModifier::kTimestamp;
    time->at_ms = static_cast<int64_t>(std::round(ts * 1000.0));
  }
  target->pos.end = Range(static_cast<antlr4::ParserRuleContext*>(ctx)).end;
}

}  // namespace promlet::promql::parse_internal
