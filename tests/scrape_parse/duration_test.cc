#include "scrape/duration.h"

#include <gtest/gtest.h>

namespace promlet::scrape {
namespace {

TEST(Duration, ParseAndFormatAsPrometheus) {
  struct C {
    const char* in;
    int64_t ms;
    const char* canonical;
  } cases[] = {
      {"0", 0, "0s"},       {"0s", 0, "0s"},           {"15s", 15000, "15s"},
      {"500ms", 500, "500ms"}, {"1h30m", 5400000, "1h30m"}, {"90m", 5400000, "1h30m"},
      {"1d", 86400000, "1d"}, {"7d", 604800000, "1w"},    {"1y", 31536000000, "1y"},
      {"1m1ms", 60001, "1m1ms"}, {"2w3d", 1468800000, "17d"},
  };
  for (const C& c : cases) {
    auto r = ParseDurationMs(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.status();
    EXPECT_EQ(*r, c.ms) << c.in;
    EXPECT_EQ(FormatDurationMs(c.ms), c.canonical) << c.in;
  }
  for (const char* bad : {"", "1", "s", "1x", "1s1m", "1.5s", "-1s", "1ss", "1m1m", "99999999999999999999y"}) {
    EXPECT_FALSE(ParseDurationMs(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace promlet::scrape
