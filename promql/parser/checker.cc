// The port of Prometheus' checkAST: value types, vector matching, argument counts.
#include <string>

#include "absl/strings/str_cat.h"
#include "promql/functions.h"
#include "promql/parser/internal.h"
#include "promql/parser/lex_util.h"

namespace promlet::promql::parse_internal {

ValueType Checker::Check(promql::Expr* node) {
  ValueType typ = node->type();
  switch (node->kind) {
    case NodeKind::kAggregate: {
      auto* n = static_cast<AggregateExpr*>(node);
      ExpectType(n->expr.get(), ValueType::kVector, "aggregation expression");
      if (n->op == AggregateOp::kTopk || n->op == AggregateOp::kBottomk ||
          n->op == AggregateOp::kQuantile || n->op == AggregateOp::kLimitk ||
          n->op == AggregateOp::kLimitRatio) {
        ExpectType(n->param.get(), ValueType::kScalar, "aggregation parameter");
      }
      if (n->op == AggregateOp::kCountValues) {
        ExpectType(n->param.get(), ValueType::kString, "aggregation parameter");
      }
      break;
    }
    case NodeKind::kBinary: {
      auto* n = static_cast<BinaryExpr*>(node);
      ValueType lt = Check(n->lhs.get());
      ValueType rt = Check(n->rhs.get());
      bool cmp = IsComparisonOp(n->op);
      bool set = IsSetOp(n->op);
      if (n->return_bool && !cmp) {
        Err(OpStart(*n), "bool modifier can only be used on comparison operators");
      }
      if (cmp && !n->return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
        Err(OpStart(*n), "comparisons between scalars must use BOOL modifier");
      }
      VectorMatching& vm = *n->matching;
      if (set && vm.card == Cardinality::kOneToOne) vm.card = Cardinality::kManyToMany;
      if (vm.on) {
        for (const auto& l1 : vm.matching_labels) {
          for (const auto& l2 : vm.include) {
            if (l1 == l2) {
              Err(OpStart(*n), absl::StrCat("label ", QuoteString(l1),
                                            " must not occur in ON and GROUP clause at once"));
            }
          }
        }
      }
      if (lt != ValueType::kScalar && lt != ValueType::kVector) {
        Err(n->lhs->pos.start, "binary expression must contain only scalar and instant vector types");
      }
      if (rt != ValueType::kScalar && rt != ValueType::kVector) {
        Err(n->rhs->pos.start, "binary expression must contain only scalar and instant vector types");
      }
      if (lt != ValueType::kVector || rt != ValueType::kVector) {
        if (!vm.matching_labels.empty()) {
          Err(n->pos.start, "vector matching only allowed between instant vectors");
        }
        n->matching.reset();
      } else if (set) {
        if (vm.card == Cardinality::kOneToMany || vm.card == Cardinality::kManyToOne) {
          Err(n->pos.start, absl::StrCat("no grouping allowed for \"", BinaryOpString(n->op),
                                         "\" operation"));
        }
        if (vm.card != Cardinality::kManyToMany) {
          Err(n->pos.start, "set operations must always be many-to-many");
        }
      }
      if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && set) {
        Err(n->pos.start, absl::StrCat("set operator \"", BinaryOpString(n->op),
                                       "\" not allowed in binary scalar expression"));
      }
      break;
    }
    case NodeKind::kCall: {
      auto* n = static_cast<promql::Call*>(node);
      const FunctionInfo* f = n->func;
      int nargs = static_cast<int>(f->arg_types.size());
      int got = static_cast<int>(n->args.size());
      std::string fname = QuoteString(f->name);
      if (f->variadic == 0) {
        if (nargs != got) {
          Err(n->pos.start, absl::StrCat("expected ", nargs, " argument(s) in call to ", fname,
                                         ", got ", got));
        }
      } else {
        int na = nargs - 1;
        if (na > got) {
          Err(n->pos.start, absl::StrCat("expected at least ", na, " argument(s) in call to ",
                                         fname, ", got ", got));
        } else if (f->variadic > 0 && na + f->variadic < got) {
          Err(n->pos.start, absl::StrCat("expected at most ", na + f->variadic,
                                         " argument(s) in call to ", fname, ", got ", got));
        }
      }
      for (int i = 0; i < got; ++i) {
        int ti = i;
        if (ti >= nargs) {
          if (f->variadic == 0) break;
          ti = nargs - 1;
        }
        if (f->name == "info" && i == 1 && n->args[i]->kind == NodeKind::kVectorSelector) {
          // info()'s label selector may match everything ({data=~".*"}): no non-empty rule.
          continue;
        }
        ExpectType(n->args[i].get(), f->arg_types[ti],
                   absl::StrCat("call to function ", fname));
      }
      break;
    }
    case NodeKind::kParen:
      Check(static_cast<ParenExpr*>(node)->expr.get());
      break;
    case NodeKind::kUnary: {
      auto* n = static_cast<UnaryExpr*>(node);
      ValueType t = Check(n->expr.get());
      if (t != ValueType::kScalar && t != ValueType::kVector) {
        Err(n->pos.start, absl::StrCat("unary expression only allowed on expressions of type "
                                       "scalar or instant vector, got \"",
                                       DocumentedTypeName(t), "\""));
      }
      break;
    }
    case NodeKind::kSubquery: {
      auto* n = static_cast<SubqueryExpr*>(node);
      ValueType t = Check(n->expr.get());
      if (t != ValueType::kVector) {
        Err(n->pos.start, absl::StrCat("subquery is only allowed on instant vector, got ",
                                       ValueTypeName(t), " instead"));
      }
      break;
    }
    case NodeKind::kMatrixSelector:
      Check(static_cast<MatrixSelector*>(node)->vector_selector.get());
      break;
    case NodeKind::kVectorSelector: {
      auto* n = static_cast<VectorSelector*>(node);
      if (!n->name.empty()) {
        for (size_t i = 0; i + 1 < n->matchers.size(); ++i) {
          if (n->matchers[i].name() == "__name__") {
            Err(n->pos.start, absl::StrCat("metric name must not be set twice: ",
                                           QuoteString(n->name), " or ",
                                           QuoteString(n->matchers[i].value())));
          }
        }
        break;
      }
      bool not_empty = false;
      for (const auto& m : n->matchers) {
        if (!m.MatchesEmpty()) {
          not_empty = true;
          break;
        }
      }
      if (!not_empty) Err(n->pos.start, "vector selector must contain at least one non-empty matcher");
      break;
    }
    default:
      break;
  }
  return typ;
}

}  // namespace promlet::promql::parse_internal
