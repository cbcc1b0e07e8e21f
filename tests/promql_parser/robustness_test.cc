// The parser always returns on hostile input: random mutations of real queries, deep nesting,
// long operator chains, invalid UTF-8. Whatever parses must print and reparse identically.
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "promql/parser/parser.h"

namespace promlet::promql {
namespace {

const std::vector<std::string> kSeeds = {
    "sum by (job) (rate(http_requests_total{job=\"api\",code=~\"5..\"}[5m]))",
    "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) > bool 0.5",
    "a + on(x) group_left(y) b offset 5m @ 100",
    "max_over_time(rate(foo[1m])[1h:5m] offset -1m)",
    "topk(3, foo) without (a, b) or label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")",
    "-foo ^ 2 * 3 % 4 atan2 5 unless bar and baz",
    "{\"my.metric\", \"label.x\"=\"v\", a!~'x'} # comment",
    "count_over_time(metric1_total[step()+1ms]) + left + fill(0) right",
    "0x1f + .5e3 + Inf - NaN / 5m",
};

std::string Mutate(const std::string& s, std::mt19937& rng) {
  static const std::string kAlphabet = "(){}[]\"'`,:=!~<>+-*/^%@#. \\abcxyz019mhsONoffsetbygroup_left";
  std::string out = s;
  int edits = 1 + rng() % 4;
  for (int i = 0; i < edits; ++i) {
    size_t pos = out.empty() ? 0 : rng() % (out.size() + 1);
    switch (rng() % 4) {
      case 0: out.insert(pos, 1, kAlphabet[rng() % kAlphabet.size()]); break;
      case 1: if (pos < out.size()) out.erase(pos, 1 + rng() % 3); break;
      case 2: if (pos < out.size()) out[pos] = kAlphabet[rng() % kAlphabet.size()]; break;
      case 3: out = out.substr(0, pos); break;
    }
  }
  return out;
}

TEST(RobustnessTest, RandomMutationsAlwaysReturn) {
  std::mt19937 rng(12345);
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string q = Mutate(kSeeds[i % kSeeds.size()], rng);
    auto e = ParseExpr(q);
    if (!e.ok()) {
      EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << q;
      EXPECT_NE(e.status().message().find("parse error"), std::string_view::npos) << q;
      continue;
    }
    ++parsed;
    std::string printed = Print(**e);
    auto again = ParseExpr(printed);
    ASSERT_TRUE(again.ok()) << q << " printed as " << printed << ": " << again.status();
    EXPECT_EQ(Print(**again), printed) << q;
  }
  EXPECT_GT(parsed, 100);  // the mutations leave plenty of valid queries
}

TEST(RobustnessTest, DeepNestingIsRejectedNotCrashing) {
  std::string deep(100000, '(');
  auto e = ParseExpr(deep + "1" + std::string(100000, ')'));
  ASSERT_FALSE(e.ok());
  // Prometheus' error shape, pointing at the first bracket past the limit.
  EXPECT_EQ(e.status().message(),
            "1:257: parse error: query nesting exceeds the maximum depth of 256");
  std::string limit(kMaxNestingDepth, '(');
  EXPECT_TRUE(ParseExpr(limit + "1" + std::string(kMaxNestingDepth, ')')).ok());
  auto braces = ParseExpr("sum(" + std::string(300, '[') + "x");
  ASSERT_FALSE(braces.ok());
  EXPECT_NE(braces.status().message().find("parse error"), std::string_view::npos);

  std::string ok_depth(100, '(');
  EXPECT_TRUE(ParseExpr(ok_depth + "1" + std::string(100, ')')).ok());

  std::string calls;
  for (int i = 0; i < 5000; ++i) calls += "abs(";
  EXPECT_FALSE(ParseExpr(calls + "x" + std::string(5000, ')')).ok());
}

TEST(RobustnessTest, LongOperatorChainsAreBounded) {
  std::string chain = "1";
  for (int i = 0; i < 1000; ++i) chain += " + 1";
  auto ok = ParseExpr(chain);
  ASSERT_TRUE(ok.ok()) << ok.status();
  std::string pow = "2";
  for (int i = 0; i < 200; ++i) pow += " ^ 2";
  EXPECT_TRUE(ParseExpr(pow).ok());
  std::string unary(200, '-');
  EXPECT_TRUE(ParseExpr(unary + "foo").ok());
  // Prefix operators and ^ recurse in the parser: bounded like nesting, never a stack overflow.
  EXPECT_FALSE(ParseExpr(std::string(100000, '-') + "foo").ok());
  std::string pows = "2";
  for (int i = 0; i < 100000; ++i) pows += "^2";
  EXPECT_FALSE(ParseExpr(pows).ok());
  std::string huge = "1";
  for (int i = 0; i < 20000; ++i) huge += "+1";
  auto e = ParseExpr(huge);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("operators"), std::string_view::npos) << e.status();
}

// The parser keeps one ANTLR pipeline per thread: results must not depend on what was parsed
// before on the same thread (errors included) or on other threads parsing at the same time.
TEST(RobustnessTest, ConcurrentAndInterleavedParsesAgree) {
  std::vector<std::string> queries = kSeeds;
  queries.push_back("sum(rate(");                  // syntax error midway
  queries.push_back("foo{a=\"\\q\"}");            // lexer-level error
  queries.push_back("{\"métrique.ü\"} / on(\"ü\") group_left bar");
  std::vector<std::string> want;
  for (const auto& q : queries) {
    auto e = ParseExpr(q);
    want.push_back(e.ok() ? Print(**e) : std::string(e.status().message()));
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 25; ++round) {
        for (size_t i = 0; i < queries.size(); ++i) {
          size_t k = (i * 7 + static_cast<size_t>(t + round)) % queries.size();
          auto e = ParseExpr(queries[k]);
          std::string got = e.ok() ? Print(**e) : std::string(e.status().message());
          if (got != want[k]) ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST(RobustnessTest, InvalidUtf8AndControlBytes) {
  EXPECT_FALSE(ParseExpr(std::string("foo{a=\"\xff\"}")).ok());
  EXPECT_FALSE(ParseExpr(std::string("\x00", 1)).ok());
  EXPECT_FALSE(ParseExpr("").ok());
  EXPECT_FALSE(ParseExpr("   # only a comment").ok());
}

}  // namespace
}  // namespace promlet::promql
