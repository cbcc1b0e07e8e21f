#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace promlet::common {
namespace {

TEST(Utf8, DecodeRuneRejectsInvalidSequences) {
  uint32_t r = 0;
  EXPECT_EQ(DecodeRune("a", 0, &r), 1);
  EXPECT_EQ(r, 'a');
  EXPECT_EQ(DecodeRune("日", 0, &r), 3);
  EXPECT_EQ(r, 0x65E5u);
  EXPECT_EQ(DecodeRune(std::string("\xc3", 1), 0, &r), 0);          // truncated
  EXPECT_EQ(DecodeRune(std::string("\xc0\xaf", 2), 0, &r), 0);      // overlong
  EXPECT_EQ(DecodeRune(std::string("\xed\xa0\x80", 3), 0, &r), 0);  // surrogate
  EXPECT_EQ(DecodeRune(std::string("\xf4\x90\x80\x80", 4), 0, &r), 0);  // > U+10FFFF
}

TEST(Utf8, AppendRuneRoundTrips) {
  for (uint32_t r : {0x24u, 0xA2u, 0x20ACu, 0x10348u}) {
    std::string s;
    AppendRune(&s, r);
    uint32_t back = 0;
    ASSERT_EQ(DecodeRune(s, 0, &back), static_cast<int>(s.size()));
    EXPECT_EQ(back, r);
  }
}

TEST(Utf8, IsValidUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("node_cpu{日本}"));
  EXPECT_FALSE(IsValidUtf8(std::string("ok\xff", 3)));
  EXPECT_FALSE(IsValidUtf8(std::string("\xe6\x97", 2)));
}

// Expected strings are what Go's strconv.Quote returns for the same input.
TEST(GoQuote, MatchesStrconvQuote) {
  EXPECT_EQ(GoQuote(""), "\"\"");
  EXPECT_EQ(GoQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(GoQuote("tab\there\nnl\rcr"), "\"tab\\there\\nnl\\rcr\"");
  EXPECT_EQ(GoQuote(std::string("\a\b\f\v\x01\x7f", 6)), "\"\\a\\b\\f\\v\\x01\\x7f\"");
  EXPECT_EQ(GoQuote("日本"), "\"日本\"");
  EXPECT_EQ(GoQuote(std::string("\xff" "a", 2)), "\"\\xffa\"");
  EXPECT_EQ(GoQuote("\u00ad"), "\"\\u00ad\"");  // soft hyphen is not printable
  EXPECT_EQ(GoQuote("\U000F0000"), "\"\\U000f0000\"");  // supplementary private use
}

}  // namespace
}  // namespace promlet::common
