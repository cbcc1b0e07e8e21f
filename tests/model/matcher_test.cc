#include "model/matcher.h"

#include <gtest/gtest.h>
#include <random>
#include <regex>

#include "model/labels.h"

namespace promlet::tsdb {
namespace {

TEST(MatcherTest, EqualityAndEmptySemantics) {
  auto eq = model::Matcher::MustMake(model::MatchType::kEqual, "job", "api");
  EXPECT_TRUE(eq.Matches("api"));
  EXPECT_FALSE(eq.Matches("api2"));
  EXPECT_FALSE(eq.MatchesEmpty());
  auto eq_empty = model::Matcher::MustMake(model::MatchType::kEqual, "job", "");
  EXPECT_TRUE(eq_empty.MatchesEmpty());  // selects series lacking "job"
  auto ne = model::Matcher::MustMake(model::MatchType::kNotEqual, "job", "api");
  EXPECT_TRUE(ne.MatchesEmpty());
  EXPECT_TRUE(ne.Matches("x"));
  EXPECT_FALSE(ne.Matches("api"));
}

TEST(MatcherTest, RegexIsFullyAnchored) {
  auto m = model::Matcher::MustMake(model::MatchType::kRegexMatch, "a", "foo");
  EXPECT_TRUE(m.Matches("foo"));
  EXPECT_FALSE(m.Matches("foobar"));
  EXPECT_FALSE(m.Matches("xfoo"));
  auto alt = model::Matcher::MustMake(model::MatchType::kRegexMatch, "a", "a|b");
  EXPECT_TRUE(alt.Matches("a"));
  EXPECT_FALSE(alt.Matches("ab"));  // anchoring wraps the whole alternation
  auto dot = model::Matcher::MustMake(model::MatchType::kRegexMatch, "a", "a.b");
  EXPECT_TRUE(dot.Matches("a\nb"));  // (?s): dot matches newline as in Prometheus
  auto nre = model::Matcher::MustMake(model::MatchType::kRegexNoMatch, "a", "foo.*");
  EXPECT_FALSE(nre.Matches("foobar"));
  EXPECT_TRUE(nre.Matches("bar"));
  EXPECT_TRUE(nre.MatchesEmpty());
  auto ci = model::Matcher::MustMake(model::MatchType::kRegexMatch, "a", "(?i)FOO");
  EXPECT_TRUE(ci.Matches("foo"));
}

TEST(MatcherTest, EmptyMatchingRegexes) {
  EXPECT_TRUE(model::Matcher::MustMake(model::MatchType::kRegexMatch, "a", ".*").MatchesEmpty());
  EXPECT_TRUE(model::Matcher::MustMake(model::MatchType::kRegexMatch, "a", "x|").MatchesEmpty());
  EXPECT_FALSE(model::Matcher::MustMake(model::MatchType::kRegexMatch, "a", ".+").MatchesEmpty());
  EXPECT_TRUE(model::Matcher::MustMake(model::MatchType::kRegexNoMatch, "a", ".+").MatchesEmpty());
  EXPECT_FALSE(model::Matcher::MustMake(model::MatchType::kRegexNoMatch, "a", ".*").MatchesEmpty());
}

TEST(MatcherTest, InvalidRegexGivesClearError) {
  auto m = model::Matcher::Make(model::MatchType::kRegexMatch, "job", "a(b");
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(m.status()));
  EXPECT_NE(m.status().message().find("a(b"), std::string_view::npos);
  EXPECT_NE(m.status().message().find("job"), std::string_view::npos);
  EXPECT_NE(m.status().message().find("missing )"), std::string_view::npos)
      << m.status().message();
}

TEST(MatcherTest, SetMatchesAndPrefix) {
  auto alt = model::Matcher::MustMake(model::MatchType::kRegexMatch, "a", "x|yy|z");
  ASSERT_TRUE(alt.SetMatches().has_value());
  EXPECT_EQ(*alt.SetMatches(), (std::vector<std::string>{"x", "yy", "z"}));
  EXPECT_FALSE(model::Matcher::MustMake(model::MatchType::kRegexMatch, "a", "x.*").SetMatches().has_value());
  EXPECT_EQ(model::Matcher::MustMake(model::MatchType::kRegexMatch, "a", "node_.+").LiteralPrefix(), "node_");
  EXPECT_EQ(model::Matcher::MustMake(model::MatchType::kRegexMatch, "a", "nodes?").LiteralPrefix(), "node");
  EXPECT_EQ(model::Matcher::MustMake(model::MatchType::kRegexMatch, "a", "ab|c.*").LiteralPrefix(), "");
}

TEST(MatcherTest, ToStringQuotes) {
  EXPECT_EQ(model::Matcher::MustMake(model::MatchType::kRegexMatch, "job", "a\"b").ToString(), "job=~\"a\\\"b\"");
  EXPECT_EQ(model::Matcher::MustMake(model::MatchType::kNotEqual, "label.x", "v").ToString(),
            "\"label.x\"!=\"v\"");
}

// Brute force: matcher results against std::regex (ECMAScript, anchored with ^...$) for a set
// of regexes whose meaning is the same in both dialects, over random strings.
TEST(MatcherTest, AgreesWithReferenceRegexOnRandomStrings) {
  const std::vector<std::string> patterns = {"a.*", "a|b|", "[ab]+c?", "(ab)*", ".", "b{2,3}",
                                             "[^a]*", "a?b?", "x|ab.*"};
  std::mt19937 rng(42);
  for (const auto& p : patterns) {
    auto m = model::Matcher::MustMake(model::MatchType::kRegexMatch, "l", p);
    auto nm = model::Matcher::MustMake(model::MatchType::kRegexNoMatch, "l", p);
    std::regex ref("^(?:" + p + ")$");
    for (int i = 0; i < 300; ++i) {
      std::string s;
      int len = rng() % 5;
      for (int k = 0; k < len; ++k) s.push_back("abcx"[rng() % 4]);
      bool want = std::regex_match(s, ref);
      EXPECT_EQ(m.Matches(s), want) << p << " on " << s;
      EXPECT_EQ(nm.Matches(s), !want) << p << " on " << s;
    }
    EXPECT_EQ(m.MatchesEmpty(), std::regex_match("", ref)) << p;
  }
}

}  // namespace
}  // namespace promlet::tsdb
