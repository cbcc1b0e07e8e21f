// Go's regexp.Expand rules, as relabeling, label_replace() and reReplaceAll use them.
#include "model/regexp_expand.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace promlet::model {
namespace {

std::string Expand(const std::string& pattern, const std::string& input, const std::string& tmpl) {
  re2::RE2 re(pattern);
  EXPECT_TRUE(re.ok()) << re.error();
  std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups() + 1));
  EXPECT_TRUE(re.Match(input, 0, input.size(), re2::RE2::ANCHOR_BOTH, groups.data(),
                       static_cast<int>(groups.size())));
  std::string out = "<";
  AppendRegexpExpansion(re, tmpl, groups.data(), groups.size(), &out);
  return out;
}

TEST(RegexpExpand, NumbersNamesAndBraces) {
  EXPECT_EQ(Expand("(a)(?P<word>b+)", "abb", "$1-$2-${word}-$word-$0"), "<a-bb-bb-bb-abb");
  EXPECT_EQ(Expand("(a)(b)", "ab", "${1}x"), "<ax");
  // "$1x" names the group "1x", which does not exist: Go expands it to nothing.
  EXPECT_EQ(Expand("(a)(b)", "ab", "$1x|$3|$01"), "<||");
}

TEST(RegexpExpand, MalformedReferencesStayLiteral) {
  EXPECT_EQ(Expand("(a)", "a", "$$1"), "<$1");
  EXPECT_EQ(Expand("(a)", "a", "end$"), "<end$");
  EXPECT_EQ(Expand("(a)", "a", "${1"), "<${1");
  EXPECT_EQ(Expand("(a)", "a", "${}"), "<${}");
  // '€' is neither a letter nor a digit, so "$€" is no reference; 'é' is a letter, so "$é" names
  // a group (absent here) and expands to nothing.
  EXPECT_EQ(Expand("(a)", "a", "$€|$é|x"), "<$€||x");
}

TEST(RegexpExpand, GroupThatDidNotParticipateIsEmpty) {
  EXPECT_EQ(Expand("(a)|(b)", "b", "[$1][$2]"), "<[][b]");
}

}  // namespace
}  // namespace promlet::model
