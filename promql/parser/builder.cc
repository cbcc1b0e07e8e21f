// AST building from the ANTLR parse tree: selectors, calls, aggregations, binary and unary
// expressions, with the checks Prometheus makes in its grammar actions.
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

// ----------------------------------------------------------------------------------------
// AST building.

ExprAlt AltOf(P::ExprContext* ctx) {
  static const std::type_info* const kTypes[] = {
      &typeid(P::RangeExprContext), &typeid(P::RangeModifierExprContext),
      &typeid(P::OffsetExprContext), &typeid(P::AtExprContext), &typeid(P::BinaryExprContext),
      &typeid(P::UnaryExprContext), &typeid(P::AggregationExprContext),
      &typeid(P::CallExprContext), &typeid(P::SelectorExprContext), &typeid(P::NumberExprContext),
      &typeid(P::StringExprContext), &typeid(P::ParenExprContext)};
  const std::type_info* t = &typeid(*ctx);
  for (size_t i = 0; i < std::size(kTypes); ++i) {
    if (kTypes[i] == t) return static_cast<ExprAlt>(i);
  }
  if (dynamic_cast<P::RangeExprContext*>(ctx)) return ExprAlt::kRange;
  if (dynamic_cast<P::RangeModifierExprContext*>(ctx)) return ExprAlt::kRangeModifier;
  if (dynamic_cast<P::OffsetExprContext*>(ctx)) return ExprAlt::kOffset;
  if (dynamic_cast<P::AtExprContext*>(ctx)) return ExprAlt::kAt;
  if (dynamic_cast<P::BinaryExprContext*>(ctx)) return ExprAlt::kBinary;
  if (dynamic_cast<P::UnaryExprContext*>(ctx)) return ExprAlt::kUnary;
  if (dynamic_cast<P::AggregationExprContext*>(ctx)) return ExprAlt::kAggregation;
  if (dynamic_cast<P::CallExprContext*>(ctx)) return ExprAlt::kCall;
  if (dynamic_cast<P::SelectorExprContext*>(ctx)) return ExprAlt::kSelector;
  if (dynamic_cast<P::NumberExprContext*>(ctx)) return ExprAlt::kNumber;
  if (dynamic_cast<P::StringExprContext*>(ctx)) return ExprAlt::kString;
  if (dynamic_cast<P::ParenExprContext*>(ctx)) return ExprAlt::kParen;
  return ExprAlt::kUnknown;
}


ExprPtr Builder::NumberLit(P::NumberLiteralContext* ctx) {
  auto n = std::make_unique<NumberLiteral>();
  n->pos = Range(ctx);
  antlr4::Token* t = ctx->getStart();
  std::string_view text = Text(t);
  if (t->getType() == P::DURATION) {
    auto d = common::ParseDuration(text);
    if (!d.ok()) Fail(Start(t), std::string(d.status().message()));
    n->value = static_cast<double>(*d) / 1000.0;
    n->from_duration = true;
  } else {
    auto v = ParseNumber(text);
    if (!v.ok()) Fail(Start(t), std::string(v.status().message()));
    n->value = *v;
  }
  return n;
}

std::vector<model::Matcher> Builder::Matchers(P::LabelMatchersContext* ctx) {
  std::vector<model::Matcher> out;
  out.reserve(ctx->items.size() + 1);  // + the metric name's matcher
  for (auto* m : ctx->items) {
    std::string name, value;
    model::MatchType type = model::MatchType::kEqual;
    if (m->op == nullptr) {
      // A bare quoted string is the metric name: {"my.metric"}.
      name = "__name__";
      value = Unquote(m->quotedName);
    } else {
      if (m->name != nullptr) {
        name = std::string(Text(m->name));
      } else {
        name = Unquote(m->quotedName);
      }
      value = Unquote(m->value);
      switch (m->op->getStart()->getType()) {
        case P::EQL: type = model::MatchType::kEqual; break;
        case P::NEQ: type = model::MatchType::kNotEqual; break;
        case P::EQL_REGEX: type = model::MatchType::kRegexMatch; break;
        default: type = model::MatchType::kRegexNoMatch; break;
      }
    }
    auto matcher = model::Matcher::Make(type, name, value);
    if (!matcher.ok()) Fail(Range(m).start, std::string(matcher.status().message()));
    out.push_back(*std::move(matcher));
  }
  return out;
}

ExprPtr Builder::Selector(P::VectorSelectorContext* ctx) {
  auto vs = std::make_unique<VectorSelector>();
  vs->pos = Range(ctx);
  if (ctx->braces != nullptr) vs->matchers = Matchers(ctx->braces);
  if (auto* mn = ctx->metric) {
    // ":foo" arrives as COLON tokens plus a name; they must be adjacent to form one name.
    for (size_t i = 1; i < mn->children.size(); ++i) {
      auto* prev = dynamic_cast<antlr4::tree::TerminalNode*>(mn->children[i - 1]);
      auto* cur = mn->children[i];
      antlr4::Token* cur_tok = nullptr;
      if (auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(cur)) cur_tok = t->getSymbol();
      if (auto* r = dynamic_cast<antlr4::ParserRuleContext*>(cur)) cur_tok = r->getStart();
      if (prev != nullptr && cur_tok != nullptr &&
          prev->getSymbol()->getStopIndex() + 1 != cur_tok->getStartIndex()) {
        Fail(Start(cur_tok), absl::StrCat("unexpected ", TokenDesc(cur_tok)));
      }
    }
    vs->name = std::string(Text(mn));
    vs->matchers.push_back(model::Matcher::MustMake(model::MatchType::kEqual, "__name__", vs->name));
  }
  return vs;
}

std::vector<std::string> Builder::GroupingLabels(P::GroupingLabelsContext* ctx) {
  std::vector<std::string> out;
  out.reserve(ctx->items.size());
  for (auto* l : ctx->items) {
    if (l->quoted != nullptr) {
      std::string name = Unquote(l->quoted);
      if (!ValidUtf8(name)) {
        Fail(Range(l).start, absl::StrCat("invalid label name ", QuoteString(name)));
      }
      out.push_back(std::move(name));
    } else {
      out.emplace_back(Text(l->name));
    }
  }
  return out;
}

std::vector<ExprPtr> Builder::Args(P::FunctionArgsContext* ctx) {
  std::vector<ExprPtr> args;
  args.reserve(ctx->items.size());
  for (auto* e : ctx->items) args.push_back(Expr(e));
  if (ctx->trailing != nullptr) {
    Fail(Start(ctx->trailing), "trailing commas not allowed in function call args");
  }
  return args;
}

AggregateOp AggregateOpFromToken(size_t t) {
  switch (t) {
    case P::SUM: return AggregateOp::kSum;
    case P::AVG: return AggregateOp::kAvg;
    case P::COUNT: return AggregateOp::kCount;
    case P::MIN: return AggregateOp::kMin;
    case P::MAX: return AggregateOp::kMax;
    case P::GROUP: return AggregateOp::kGroup;
    case P::STDDEV: return AggregateOp::kStddev;
    case P::STDVAR: return AggregateOp::kStdvar;
    case P::TOPK: return AggregateOp::kTopk;
    case P::BOTTOMK: return AggregateOp::kBottomk;
    case P::QUANTILE: return AggregateOp::kQuantile;
    case P::COUNT_VALUES: return AggregateOp::kCountValues;
    case P::LIMITK: return AggregateOp::kLimitk;
    default: return AggregateOp::kLimitRatio;
  }
}

bool AggregatorWithParam(AggregateOp op) {
  return op == AggregateOp::kTopk || op == AggregateOp::kBottomk ||
         op == AggregateOp::kQuantile || op == AggregateOp::kCountValues ||
         op == AggregateOp::kLimitk || op == AggregateOp::kLimitRatio;
}

ExprPtr Builder::Aggregation(P::AggregationContext* ctx) {
  auto agg = std::make_unique<AggregateExpr>();
  agg->pos = Range(ctx);
  agg->op = AggregateOpFromToken(ctx->op->getStart()->getType());
  if (auto* g = ctx->group) {
    agg->without = g->kind->getType() == P::WITHOUT;
    agg->grouping = GroupingLabels(g->labels);
    agg->has_grouping_clause = true;
  }
  std::vector<ExprPtr> args = Args(ctx->args);
  if (args.empty()) Fail(agg->pos.start, "no arguments for aggregate expression provided");
  size_t want = AggregatorWithParam(agg->op) ? 2 : 1;
  if (args.size() != want) {
    Fail(agg->pos.start,
         absl::StrCat("wrong number of arguments for aggregate expression provided, expected ",
                      want, ", got ", args.size()));
  }
  if (want == 2) agg->param = std::move(args[0]);
  agg->expr = std::move(args[want - 1]);
  return agg;
}

// Names that are keywords in Prometheus' lexer and therefore match in any case.
std::string_view CanonicalFunctionName(std::string_view name) {
  for (std::string_view kw : {"step", "range", "start", "end", "min_of", "max_of"}) {
    if (name.size() == kw.size() &&
        absl::EqualsIgnoreCase(absl::string_view(name.data(), name.size()),
                               absl::string_view(kw.data(), kw.size()))) {
      return kw;
    }
  }
  return name;
}

// The two functions that only exist inside duration expressions.
const FunctionInfo* DurationFunction(std::string_view name) {
  static const FunctionInfo* kMinOf =
      new FunctionInfo{"min_of", {ValueType::kScalar, ValueType::kScalar}, 0, ValueType::kScalar, true};
  static const FunctionInfo* kMaxOf =
      new FunctionInfo{"max_of", {ValueType::kScalar, ValueType::kScalar}, 0, ValueType::kScalar, true};
  if (name == "min_of") return kMinOf;
  if (name == "max_of") return kMaxOf;
  return nullptr;
}

ExprPtr Builder::Call(P::FunctionCallContext* ctx, bool duration_context) {
  auto call = std::make_unique<promql::Call>();
  call->pos = Range(ctx);
  std::string_view name = CanonicalFunctionName(Text(ctx->name));
  const FunctionInfo* fn = duration_context ? DurationFunction(name) : nullptr;
  if (fn == nullptr) fn = LookupFunction(name);
  if (fn == nullptr && !duration_context) {
    // Prometheus reduces (and so reports) inner calls first.
    Args(ctx->args);
  }
  if (fn == nullptr) {
    Fail(call->pos.start, absl::StrCat("unknown function with name ", QuoteString(name)));
  }
  call->func = fn;
  if (duration_context) {
    for (auto* e : ctx->args->items) call->args.push_back(DurationTree(e));
    if (ctx->args->trailing != nullptr) {
      Fail(Start(ctx->args->trailing), "trailing commas not allowed in function call args");
    }
  } else {
    call->args = Args(ctx->args);
  }
  return call;
}

BinaryOp BinaryOpFromToken(size_t t) {
  switch (t) {
    case P::ADD: return BinaryOp::kAdd;
    case P::SUB: return BinaryOp::kSub;
    case P::MUL: return BinaryOp::kMul;
    case P::DIV: return BinaryOp::kDiv;
    case P::MOD: return BinaryOp::kMod;
    case P::POW: return BinaryOp::kPow;
    case P::ATAN2: return BinaryOp::kAtan2;
    case P::EQLC: return BinaryOp::kEql;
    case P::NEQ: return BinaryOp::kNeq;
    case P::GTR: return BinaryOp::kGtr;
    case P::LSS: return BinaryOp::kLss;
    case P::GTE: return BinaryOp::kGte;
    case P::LTE: return BinaryOp::kLte;
    case P::AND: return BinaryOp::kAnd;
    case P::TRIM_UPPER: return BinaryOp::kTrimUpper;
    case P::TRIM_LOWER: return BinaryOp::kTrimLower;
    case P::OR: return BinaryOp::kOr;
    default: return BinaryOp::kUnless;
  }
}

ExprPtr Builder::Binary(P::BinaryExprContext* ctx) {
  auto bin = std::make_unique<BinaryExpr>();
  bin->pos = Range(ctx);
  bin->op = BinaryOpFromToken(ctx->op->getType());
  bin->lhs = Expr(ctx->lhs);
  auto* mod = ctx->mod;
  VectorMatching vm;
  bin->return_bool = mod->boolKw != nullptr;
  if (mod->matchKind != nullptr) {
    vm.on = mod->matchKind->getType() == P::ON;
    vm.explicit_matching = true;
    vm.matching_labels = GroupingLabels(mod->matching);
    if (mod->side != nullptr) {
      vm.card = mod->side->getType() == P::GROUP_LEFT ? Cardinality::kManyToOne
                                                      : Cardinality::kOneToMany;
      if (mod->include != nullptr) vm.include = GroupingLabels(mod->include);
    }
  }
  if (auto* f = mod->fills) {
    if (f->both != nullptr) {
      vm.fill_lhs = vm.fill_rhs = FillValue(f->both);
      vm.fill_both = true;
    }
    if (f->left != nullptr) vm.fill_lhs = FillValue(f->left);
    if (f->right != nullptr) vm.fill_rhs = FillValue(f->right);
  }
  bin->matching = std::move(vm);
  bin->rhs = Expr(ctx->rhs);
  return bin;
}

bool IsDurationOp(BinaryOp op) {
  return op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul ||
         op == BinaryOp::kDiv || op == BinaryOp::kMod || op == BinaryOp::kPow;
}

// Prometheus' fill value: `(` [+-] NUMBER `)`; a duration is a DURATION token there.
double Builder::FillValue(P::FillValueContext* ctx) {
  antlr4::Token* t = ctx->num->getStart();
  if (t->getType() == P::DURATION) Fail(Start(t), absl::StrCat("unexpected ", TokenDesc(t)));
  double v = static_cast<NumberLiteral*>(NumberLit(ctx->num).get())->value;
  return ctx->sign != nullptr && ctx->sign->getType() == P::SUB ? -v : v;
}

ExprPtr Builder::Paren(P::ParenExprContext* c, ExprPtr inner) {
  auto p = std::make_unique<ParenExpr>();
  p->pos = Range(c);
  p->expr = std::move(inner);
  return p;
}

// A sign in front of a number literal folds into the literal, as Prometheus' parser does.
ExprPtr Builder::Unary(P::UnaryExprContext* c, ExprPtr inner) {
  if (inner->kind == NodeKind::kNumberLiteral) {
    auto* n = static_cast<NumberLiteral*>(inner.get());
    if (c->op->getType() == P::SUB) n->value = -n->value;
    n->pos.start = Start(c->op);
    return inner;
  }
  auto u = std::make_unique<UnaryExpr>();
  u->pos = Range(c);
  u->op = c->op->getType() == P::SUB ? UnaryOp::kMinus : UnaryOp::kPlus;
  u->expr = std::move(inner);
  return u;
}

ExprPtr Builder::Expr(P::ExprContext* ctx) {
  switch (AltOf(ctx)) {
    case ExprAlt::kBinary: return Binary(static_cast<P::BinaryExprContext*>(ctx));
    case ExprAlt::kSelector: return Selector(static_cast<P::SelectorExprContext*>(ctx)->sel);
    case ExprAlt::kCall: return Call(static_cast<P::CallExprContext*>(ctx)->call, false);
    case ExprAlt::kAggregation:
      return Aggregation(static_cast<P::AggregationExprContext*>(ctx)->agg);
    case ExprAlt::kNumber: return NumberLit(static_cast<P::NumberExprContext*>(ctx)->num);
    case ExprAlt::kString: {
      auto* c = static_cast<P::StringExprContext*>(ctx);
      auto s = std::make_unique<StringLiteral>();
      s->pos = Range(c);
      s->value = Unquote(c->str);
      return s;
    }
    case ExprAlt::kParen: {
      auto* c = static_cast<P::ParenExprContext*>(ctx);
      return Paren(c, Expr(c->inner));
    }
    case ExprAlt::kUnary: {
      auto* c = static_cast<P::UnaryExprContext*>(ctx);
      return Unary(c, Expr(c->inner));
    }
    case ExprAlt::kRange: return Range(static_cast<P::RangeExprContext*>(ctx));
    case ExprAlt::kOffset: {
      auto* c = static_cast<P::OffsetExprContext*>(ctx);
      ExprPtr inner = Expr(c->inner);
      Offset(c, inner.get());
      return inner;
    }
    case ExprAlt::kAt: {
      auto* c = static_cast<P::AtExprContext*>(ctx);
      ExprPtr inner = Expr(c->inner);
      At(c, inner.get());
      return inner;
    }
    case ExprAlt::kRangeModifier: {
      auto* c = static_cast<P::RangeModifierExprContext*>(ctx);
      ExprPtr inner = Expr(c->inner);
      bool* anchored = nullptr;
      bool* smoothed = nullptr;
      if (inner->kind == NodeKind::kMatrixSelector) {
        auto* ms = static_cast<MatrixSelector*>(inner.get());
        anchored = &ms->anchored;
        smoothed = &ms->smoothed;
      } else if (inner->kind == NodeKind::kVectorSelector) {
        auto* vs = static_cast<VectorSelector*>(inner.get());
        anchored = &vs->anchored;
        smoothed = &vs->smoothed;
      } else {
        Fail(Start(c->rangeMod),
             absl::StrCat(c->rangeMod->getType() == P::ANCHORED ? "anchored" : "smoothed",
                          " modifier must be preceded by a vector selector or range vector "
                          "selector"));
      }
      if (*anchored || *smoothed) {
        Fail(Start(c->rangeMod), "anchored and smoothed modifiers may not be set multiple times");
      }
      (c->rangeMod->getType() == P::ANCHORED ? *anchored : *smoothed) = true;
      inner->pos.end = End(c->rangeMod);
      return inner;
    }
    case ExprAlt::kUnknown:
      break;
  }
  Fail(Range(ctx).start, "unsupported expression");
}

}  // namespace promlet::promql::parse_internal
