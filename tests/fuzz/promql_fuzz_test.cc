// Fuzz: the PromQL parser (promql/parser) on mutated queries from the shared script corpus.
// A query that parses must print, and its printed form must parse again (the API's
// format_query and the engine's error messages print ASTs).
#include <gtest/gtest.h>

#include "promql/parser/parser.h"
#include "tests/fuzz/mutator.h"

namespace promlet::promql {
namespace {

const std::vector<std::string> kDictionary = {
    "(", ")", "[", "]", "{", "}", "[5m]", "[1h:1m]", " offset ", " @ ", "start()", "end()",
    " by (", " without (", " on(", " ignoring(", " group_left", " group_right", " bool ",
    "sum(", "rate(", "histogram_quantile(", "label_replace(", "topk(", "count_values(",
    "quantile_over_time(", "=~", "!~", "!=", "\"", "'", "`", "\\", "+", "-", "*", "/", "%", "^",
    " and ", " or ", " unless ", "==", ">=", "<", "atan2", ",", "1e308", "Inf", "NaN", "0x",
    "5m", "1h30m", "-", "__name__", "step()", "\xc3\xa9", "\xff", "#", "\n"};

TEST(FuzzPromQL, ParseExpr) {
  fuzz::RunFuzz(
      fuzz::ReadCorpusFile(fuzz::CorpusPath("promql.txt")), kDictionary, 6000,
      [](const std::string& in) {
        absl::StatusOr<ExprPtr> e = ParseExpr(in);
        if (!e.ok()) {
          PROMLET_EXPECT_ERROR_HAS_MESSAGE(e.status());
          return;
        }
        std::string printed = Print(**e);
        absl::StatusOr<ExprPtr> again = ParseExpr(printed);
        if (!again.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(again.status());
      },
      4096);
}

TEST(FuzzPromQL, ParseMetricSelector) {
  std::vector<std::string> corpus = {"up", "{job=\"a\"}", "x{a=~\"b.*\",c!=\"\"}",
                                     "{\"utf8.name\"}", "{__name__=~\"a|b\"}"};
  fuzz::RunFuzz(corpus, kDictionary, 3000, [](const std::string& in) {
    auto m = ParseMetricSelector(in);
    if (!m.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(m.status());
  });
}

}  // namespace
}  // namespace promlet::promql
