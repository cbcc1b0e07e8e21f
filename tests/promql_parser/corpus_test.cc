// Every eval expression of the shared Prometheus PromQL test corpus parses (the reference
// runner parses them while reading the scripts, so none is a parse failure), and printing then
// reparsing gives the same printed form.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "promql/parser/parser.h"

namespace promlet::promql {
namespace {

struct CorpusExpr {
  std::string file;
  int line;
  std::string expr;
};

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::vector<CorpusExpr> LoadCorpus() {
  std::vector<CorpusExpr> out;
  std::filesystem::path dir = std::filesystem::path(PROMLET_SHARED_DIR) / "promql-testdata";
  if (!std::filesystem::exists(dir)) return out;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::string t = Trim(line);
      if (t.rfind("eval", 0) != 0) continue;
      // `eval[_x] instant at <time> <expr>` / `eval[_x] range from <a> to <b> step <c> <expr>`:
      // skip the header words, the rest of the line is the expression (FORMAT.md 5.1).
      std::istringstream words(t);
      std::string w, kind;
      words >> w >> kind;
      int skip = kind == "instant" ? 2 : kind == "range" ? 6 : -1;
      if (skip < 0) {
        ADD_FAILURE() << path << ":" << n << ": unrecognised eval line: " << t;
        continue;
      }
      for (int i = 0; i < skip; ++i) words >> w;
      std::string rest;
      std::getline(words, rest);
      out.push_back({path.filename().string(), n, Trim(rest)});
    }
  }
  return out;
}

TEST(CorpusTest, EveryEvalExpressionParsesAndRoundTrips) {
  std::vector<CorpusExpr> corpus = LoadCorpus();
  if (corpus.empty()) GTEST_SKIP() << "no promql-testdata under " << PROMLET_SHARED_DIR;
  EXPECT_GT(corpus.size(), 2000u);
  int failures = 0;
  for (const auto& c : corpus) {
    auto e = ParseExpr(c.expr);
    if (!e.ok()) {
      if (++failures < 30) {
        ADD_FAILURE() << c.file << ":" << c.line << ": " << c.expr << "\n  " << e.status();
      }
      continue;
    }
    std::string printed = Print(**e);
    auto again = ParseExpr(printed);
    ASSERT_TRUE(again.ok()) << c.file << ":" << c.line << ": " << c.expr << "\n  printed as "
                            << printed << "\n  " << again.status();
    EXPECT_EQ(Print(**again), printed) << c.file << ":" << c.line << ": " << c.expr;
  }
  EXPECT_EQ(failures, 0);
}

TEST(CorpusTest, ExtendedRangeModifierMisuseIsReportedForEvaluation) {
  // The corpus' "expect fail msg: smoothed modifier can only be used with ..." cases parse
  // and are rejected at evaluation with this text.
  auto e = ParseExpr("deriv(foo[3m] smoothed)");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ((*e)->kind, NodeKind::kCall);
  auto msg = ExtendedRangeModifierError(static_cast<const Call&>(**e));
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(*msg, "smoothed modifier can only be used with: delta, increase, rate - not with deriv");
  auto a = ParseExpr("predict_linear(foo[3m] anchored, 4)");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*ExtendedRangeModifierError(static_cast<const Call&>(**a)),
            "anchored modifier can only be used with: changes, delta, increase, rate, resets - "
            "not with predict_linear");
  auto ok = ParseExpr("rate(foo[3m] smoothed)");
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(ExtendedRangeModifierError(static_cast<const Call&>(**ok)).has_value());
}

}  // namespace
}  // namespace promlet::promql
