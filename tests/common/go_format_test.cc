// common::FormatGoFloat against outputs of Go's strconv.FormatFloat(v, fmt, -1, 64).
#include "common/go_format.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace promlet::common {
namespace {

struct Case {
  double v;
  const char* e;
  const char* f;
  const char* g;
};

const double kInf = std::numeric_limits<double>::infinity();

// Each row: strconv.FormatFloat(v, 'e'|'f'|'g', -1, 64) as Go 1.22 prints it.
const Case kCases[] = {
    {0, "0e+00", "0", "0"},
    {-0.0, "-0e+00", "-0", "-0"},
    {1, "1e+00", "1", "1"},
    {-1, "-1e+00", "-1", "-1"},
    {0.1, "1e-01", "0.1", "0.1"},
    {1.5, "1.5e+00", "1.5", "1.5"},
    {-1.25, "-1.25e+00", "-1.25", "-1.25"},
    {100000, "1e+05", "100000", "100000"},
    {123456, "1.23456e+05", "123456", "123456"},
    {1e6, "1e+06", "1000000", "1e+06"},
    {1234567, "1.234567e+06", "1234567", "1.234567e+06"},
    {123456789, "1.23456789e+08", "123456789", "1.23456789e+08"},
    {0.0001, "1e-04", "0.0001", "0.0001"},
    {0.00001, "1e-05", "0.00001", "1e-05"},
    {1e-6, "1e-06", "0.000001", "1e-06"},
    {1e-7, "1e-07", "0.0000001", "1e-07"},
    {1.5e-5, "1.5e-05", "0.000015", "1.5e-05"},
    {1e21, "1e+21", "1000000000000000000000", "1e+21"},
    {1e20, "1e+20", "100000000000000000000", "1e+20"},
    {9223372036854775808.0, "9.223372036854776e+18", "9223372036854776000",
     "9.223372036854776e+18"},
    {1e100, "1e+100", nullptr, "1e+100"},
    {1700000000.5, "1.7000000005e+09", "1700000000.5", "1.7000000005e+09"},
    {0.3, "3e-01", "0.3", "0.3"},
    {0.1 + 0.2, "3.0000000000000004e-01", "0.30000000000000004", "0.30000000000000004"},
    {2.2250738585072014e-308, "2.2250738585072014e-308", nullptr, "2.2250738585072014e-308"},
    {5e-324, "5e-324", nullptr, "5e-324"},
    {1.7976931348623157e308, "1.7976931348623157e+308", nullptr, "1.7976931348623157e+308"},
    {std::nan(""), "NaN", "NaN", "NaN"},
    {kInf, "+Inf", "+Inf", "+Inf"},
    {-kInf, "-Inf", "-Inf", "-Inf"},
};

TEST(GoFormatTest, MatchesStrconvFormatFloat) {
  for (const Case& c : kCases) {
    EXPECT_EQ(GoFloat(c.v, 'e'), c.e) << c.e;
    EXPECT_EQ(GoFloat(c.v, 'g'), c.g) << c.g;
    if (c.f != nullptr) {
      EXPECT_EQ(GoFloat(c.v, 'f'), c.f) << c.e;
    }
  }
}

TEST(GoFormatTest, FixedPadsShortestDigitsWithZeros) {
  EXPECT_EQ(GoFloat(1e100, 'f'), "1" + std::string(100, '0'));
  EXPECT_EQ(GoFloat(1.7976931348623157e308, 'f'), "17976931348623157" + std::string(292, '0'));
  // Subnormals: 5e-324 is 0.<323 zeros>5.
  EXPECT_EQ(GoFloat(5e-324, 'f'), "0." + std::string(323, '0') + "5");
  EXPECT_EQ(GoFloat(-5e-324, 'f'), "-0." + std::string(323, '0') + "5");
  EXPECT_EQ(GoFloat(2.2250738585072014e-308, 'f'),
            "0." + std::string(307, '0') + "22250738585072014");
}

TEST(GoFormatTest, LongestOutputFitsTheBuffer) {
  std::string s = GoFloat(-4.9406564584124654e-324, 'f');
  EXPECT_LE(s.size(), kGoFloatMaxLen);
  s = GoFloat(-2.2250738585072009e-308, 'f');  // the largest subnormal
  EXPECT_EQ(s, "-0." + std::string(307, '0') + "2225073858507201");
  EXPECT_LE(s.size(), kGoFloatMaxLen);
}

// Go's 'f' laid out by hand from the shortest digits of the 'e' form ("d.ddde±XX"): the digits
// as they are, zeros to fill the integer part or lead the fraction. An independent route to the
// same string, to check FormatGoFloat's fixed fast path (std::to_chars in fixed notation).
std::string FixedFromE(double v) {
  const std::string e = GoFloat(v, 'e');
  if (e == "NaN" || e == "+Inf" || e == "-Inf") return e;
  size_t i = 0;
  std::string out;
  if (e[0] == '-') {
    out = "-";
    i = 1;
  }
  const size_t epos = e.find('e');
  std::string digits;
  for (size_t k = i; k < epos; ++k) {
    if (e[k] != '.') digits += e[k];
  }
  const int dp = std::stoi(e.substr(epos + 1)) + 1;  // digits = 0.d1d2... * 10^dp
  if (digits == "0") return out + "0";
  const int nd = static_cast<int>(digits.size());
  if (dp <= 0) return out + "0." + std::string(static_cast<size_t>(-dp), '0') + digits;
  if (dp >= nd) return out + digits + std::string(static_cast<size_t>(dp - nd), '0');
  return out + digits.substr(0, static_cast<size_t>(dp)) + "." +
         digits.substr(static_cast<size_t>(dp));
}

TEST(GoFormatTest, FixedEqualsShortestDigitsLaidOutOverManyDoubles) {
  std::mt19937_64 rng(20261203);
  std::uniform_real_distribution<double> exponent(-30, 30);
  int checked = 0;
  auto check = [&](double v) {
    ASSERT_EQ(GoFloat(v, 'f'), FixedFromE(v)) << GoFloat(v, 'e');
    ++checked;
  };
  for (int i = 0; i < 300000; ++i) {
    const uint64_t bits = rng();
    check(std::bit_cast<double>(bits));                       // any double, NaN and Inf too
    const double m = std::pow(10.0, exponent(rng));           // log-uniform magnitudes
    check(m);
    check(-m);
    check(std::round(m * 1000) / 1000);                       // few decimals, like gauges
    check(std::nextafter(std::round(m), 0.0));                // just below an integer
  }
  // Both sides of every power of two and ten up to well past 2^53, the fast path's limit.
  for (double p = 1e-30; p < 1e30; p *= 2) {
    check(p), check(std::nextafter(p, 0.0)), check(std::nextafter(p, 1e300)), check(-p);
  }
  for (double p = 1e-30; p < 1e30; p *= 10) {
    check(p), check(std::nextafter(p, 0.0)), check(std::nextafter(p, 1e300)), check(-p);
  }
  for (double x : {0.0, -0.0, 5e-324, -5e-324, 9007199254740991.5, 9007199254740992.0,
                   9007199254740994.0, 4503599627370495.5, 1.7976931348623157e308}) {
    check(x);
  }
  EXPECT_GT(checked, 1500000);
}

TEST(GoFormatTest, AppendsAndFallsBackToG) {
  std::string out = "v=";
  AppendGoFloat(&out, 1e6, 'g');
  EXPECT_EQ(out, "v=1e+06");
  EXPECT_EQ(GoFloat(1e6, 'x'), "1e+06");
}

}  // namespace
}  // namespace promlet::common
