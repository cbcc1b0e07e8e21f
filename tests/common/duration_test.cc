#include "common/duration.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace promlet::common {
namespace {

TEST(Duration, ParsesAndFormatsAsPrometheus) {
  struct Case {
    const char* in;
    int64_t ms;
    const char* canonical;  // model.Duration.String()
  } cases[] = {
      {"0", 0, "0s"},
      {"0s", 0, "0s"},
      {"15s", 15000, "15s"},
      {"500ms", 500, "500ms"},
      {"20s500ms", 20500, "20s500ms"},
      {"1h30m", 5400000, "1h30m"},
      {"90m", 5400000, "1h30m"},
      {"1d", 86400000, "1d"},
      {"7d", 604800000, "1w"},
      {"1w1d", 8LL * 86400000, "8d"},
      {"2w3d", 1468800000, "17d"},
      {"1y", 365LL * 86400000, "1y"},
      {"1m1ms", 60001, "1m1ms"},
      {"1y2w3d4h5m6s7ms", 365LL * 86400000 + 17LL * 86400000 + 4 * 3600000 + 5 * 60000 + 6007,
       "382d4h5m6s7ms"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<int64_t> r = ParseDuration(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.status();
    EXPECT_EQ(*r, c.ms) << c.in;
    EXPECT_EQ(FormatDuration(c.ms), c.canonical) << c.in;
  }
}

TEST(Duration, RejectsWhatPrometheusRejects) {
  for (const char* bad : {"", "1", "s", "1x", "5x", "1s1m", "1m1h", "1m1m", "1.5s", "1.5h",
                          "-1s", "-5m", "+5m", "1ss", "1 m", " 1m", "1m ", "ms5"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(Duration, ErrorsNameTheInput) {
  EXPECT_EQ(ParseDuration("").status().message(), "empty duration string");
  EXPECT_EQ(ParseDuration("1m1h").status().message(), "not a valid duration string: \"1m1h\"");
  EXPECT_EQ(ParseDuration("5x").status().message(), "unknown unit \"x\" in duration \"5x\"");
  EXPECT_EQ(ParseDuration("1\"x").status().message(),
            "unknown unit \"\\\"x\" in duration \"1\\\"x\"");
}

TEST(Duration, BoundedByGoTimeDuration) {
  // time.Duration holds int64 nanoseconds: up to 9223372036854 ms (about 292 years).
  EXPECT_EQ(*ParseDuration("292y"), 292LL * 365 * 86400000);
  EXPECT_EQ(*ParseDuration("9223372036854ms"), 9223372036854LL);
  EXPECT_EQ(ParseDuration("9223372036855ms").status().message(), "duration out of range");
  EXPECT_EQ(ParseDuration("300y").status().message(), "duration out of range");
  EXPECT_EQ(ParseDuration("292y25w").status().message(), "duration out of range");
  EXPECT_FALSE(ParseDuration("99999999999999999999y").ok());
}

TEST(Duration, FormatsNegativeAndExtremeValues) {
  EXPECT_EQ(FormatDuration(-300000), "-5m");
  EXPECT_EQ(FormatDuration(-1), "-1ms");
  EXPECT_EQ(FormatDuration(14LL * 86400000), "2w");
  EXPECT_EQ(FormatDuration(90LL * 86400000), "90d");
  EXPECT_EQ(FormatDuration(1500), "1s500ms");
  // No overflow at the ends of int64 (UBSan checks the negation).
  std::string lo = FormatDuration(std::numeric_limits<int64_t>::min());
  std::string hi = FormatDuration(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(lo.front(), '-');
  EXPECT_EQ(lo.substr(1, hi.size() - 5), hi.substr(0, hi.size() - 5));
  EXPECT_EQ(hi.substr(hi.size() - 5), "807ms");
  EXPECT_EQ(lo.substr(lo.size() - 5), "808ms");
}

TEST(Duration, FormatThenParseRoundTrips) {
  for (int64_t ms : {1LL, 999LL, 1000LL, 61001LL, 3600000LL, 86400000LL * 8, 86400000LL * 400,
                     123456789012LL}) {
    absl::StatusOr<int64_t> back = ParseDuration(FormatDuration(ms));
    ASSERT_TRUE(back.ok()) << ms;
    EXPECT_EQ(*back, ms);
  }
}

}  // namespace
}  // namespace promlet::common
