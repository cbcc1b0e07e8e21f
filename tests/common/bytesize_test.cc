#include "common/bytesize.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace promlet::common {
namespace {

constexpr int64_t kKi = 1024;
constexpr int64_t kMi = kKi << 10;
constexpr int64_t kGi = kMi << 10;
constexpr int64_t kTi = kGi << 10;
constexpr int64_t kPi = kTi << 10;
constexpr int64_t kEi = kPi << 10;

TEST(ByteSize, UnitsArePowersOf1024InBothSpellings) {
  EXPECT_EQ(*ParseByteSize("0"), 0);
  EXPECT_EQ(*ParseByteSize("0B"), 0);
  EXPECT_EQ(*ParseByteSize("512B"), 512);
  EXPECT_EQ(*ParseByteSize("1KB"), kKi);
  EXPECT_EQ(*ParseByteSize("1KiB"), kKi);
  EXPECT_EQ(*ParseByteSize("10MB"), 10 * kMi);
  EXPECT_EQ(*ParseByteSize("512MiB"), 512 * kMi);
  EXPECT_EQ(*ParseByteSize("10GB"), 10 * kGi);
  EXPECT_EQ(*ParseByteSize("1GiB"), kGi);
  EXPECT_EQ(*ParseByteSize("2TB"), 2 * kTi);
  EXPECT_EQ(*ParseByteSize("2TiB"), 2 * kTi);
  EXPECT_EQ(*ParseByteSize("3PB"), 3 * kPi);
  EXPECT_EQ(*ParseByteSize("3PiB"), 3 * kPi);
  EXPECT_EQ(*ParseByteSize("7EB"), 7 * kEi);
  EXPECT_EQ(*ParseByteSize("7EiB"), 7 * kEi);
  EXPECT_EQ(*ParseByteSize("+5MB"), 5 * kMi);
}

TEST(ByteSize, FractionsAndSequencesAsGoUnits) {
  EXPECT_EQ(*ParseByteSize("1.5GB"), kGi + kGi / 2);
  EXPECT_EQ(*ParseByteSize("1.5TiB"), kTi + kTi / 2);
  EXPECT_EQ(*ParseByteSize(".5KB"), 512);
  EXPECT_EQ(*ParseByteSize("1.KB"), kKi);
  EXPECT_EQ(*ParseByteSize("0.3KB"), 307);  // 307.2 truncated toward zero
  EXPECT_EQ(*ParseByteSize("1GB512MB"), kGi + 512 * kMi);
  EXPECT_EQ(*ParseByteSize("1MiB1B"), kMi + 1);
  // Remainders of elements add up before truncation, as Go's exact rationals do.
  EXPECT_EQ(*ParseByteSize("0.5B0.5B"), 1);
}

TEST(ByteSize, RejectsWhatPrometheusRejects) {
  for (const char* bad : {"", "MB", "512", "10", "1.5", "10mb", "10kb", "10K", "10M", "10XB",
                          "1KiB1KB", ".", ".MB", "1..5MB", " 10MB", "10MB ", "10 MB",
                          "-1MB", "-0"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
}

TEST(ByteSize, ErrorsNameTheUnitAndInput) {
  std::string unit = std::string(ParseByteSize("10XB").status().message());
  EXPECT_NE(unit.find("invalid size unit \"XB\" in \"10XB\""), std::string::npos) << unit;
  EXPECT_NE(unit.find("KiB"), std::string::npos) << unit;
  std::string bare = std::string(ParseByteSize("512").status().message());
  EXPECT_NE(bare.find("invalid size unit \"\" in \"512\""), std::string::npos) << bare;
  std::string neg = std::string(ParseByteSize("-1MB").status().message());
  EXPECT_NE(neg.find("negative"), std::string::npos) << neg;
}

TEST(ByteSize, Int64IsTheLimit) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(*ParseByteSize("9223372036854775807B"), kMax);
  EXPECT_EQ(*ParseByteSize("7EB1023PB"), kMax - (kPi - 1));
  EXPECT_FALSE(ParseByteSize("9223372036854775808B").ok());
  EXPECT_FALSE(ParseByteSize("8EB").ok());
  EXPECT_FALSE(ParseByteSize("7EB1024PB").ok());
  EXPECT_FALSE(ParseByteSize("99999999999999999999999EB").ok());
  EXPECT_FALSE(ParseByteSize("4EB4EB").ok());
  std::string msg = std::string(ParseByteSize("8EB").status().message());
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
}

}  // namespace
}  // namespace promlet::common
