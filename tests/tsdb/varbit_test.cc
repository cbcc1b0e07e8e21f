// Port of Prometheus' chunkenc/varbit_test.go: varbit boundary values round-trip, bucket widths,
// truncated streams.
#include "tsdb/chunkenc/varbit.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "tsdb/chunkenc/bstream.h"

namespace promlet::tsdb::chunkenc {
namespace {

BitReader ReaderOf(const BitWriter& w) {
  auto b = w.bytes();
  auto* p = reinterpret_cast<const uint8_t*>(b.data());
  return BitReader(p, p + b.size());
}

TEST(Varbit, IntBoundaryValues) {
  const std::vector<int64_t> numbers = {
      std::numeric_limits<int64_t>::min(),
      -36028797018963968,
      -36028797018963967,
      -16777216,
      -16777215,
      -131072,
      -131071,
      -2048,
      -2047,
      -256,
      -255,
      -32,
      -31,
      -4,
      -3,
      -1,
      0,
      1,
      4,
      5,
      32,
      33,
      256,
      257,
      2048,
      2049,
      131072,
      131073,
      16777216,
      16777217,
      36028797018963968,
      36028797018963969,
      std::numeric_limits<int64_t>::max(),
  };
  BitWriter w;
  for (int64_t n : numbers) PutVarbitInt(w, n);
  BitReader r = ReaderOf(w);
  for (int64_t want : numbers) {
    int64_t got;
    ASSERT_TRUE(ReadVarbitInt(r, &got)) << want;
    EXPECT_EQ(got, want);
  }
  int64_t extra;
  // Only zero padding is left: at most 7 more zero values, then the stream ends.
  int zeros = 0;
  while (ReadVarbitInt(r, &extra)) {
    EXPECT_EQ(extra, 0);
    ++zeros;
  }
  EXPECT_LT(zeros, 8);
}

TEST(Varbit, UintBoundaryValues) {
  const std::vector<uint64_t> numbers = {
      0,
      1,
      7,
      8,
      63,
      64,
      511,
      512,
      4095,
      4096,
      262143,
      262144,
      33554431,
      33554432,
      72057594037927935ULL,
      72057594037927936ULL,
      std::numeric_limits<uint64_t>::max(),
  };
  BitWriter w;
  for (uint64_t n : numbers) PutVarbitUint(w, n);
  BitReader r = ReaderOf(w);
  for (uint64_t want : numbers) {
    uint64_t got;
    ASSERT_TRUE(ReadVarbitUint(r, &got)) << want;
    EXPECT_EQ(got, want);
  }
}

// Bit widths of the buckets: value 4 takes '10'+3b = 5 bits, -4 needs the 6-bit bucket (9 bits).
TEST(Varbit, BucketWidths) {
  struct Case {
    int64_t v;
    uint32_t bits;
  };
  for (const Case& c : std::vector<Case>{{0, 1},
                                         {4, 5},
                                         {-3, 5},
                                         {-4, 9},
                                         {32, 9},
                                         {33, 13},
                                         {2048, 17},
                                         {2049, 24},
                                         {131073, 32},
                                         {16777217, 64},
                                         {std::numeric_limits<int64_t>::max(), 72}}) {
    BitWriter w;
    PutVarbitInt(w, c.v);
    EXPECT_EQ(w.bit_pos(), c.bits) << c.v;
  }
}

TEST(Varbit, TruncatedStreamFails) {
  BitWriter w;
  PutVarbitInt(w, 123456789);
  auto b = w.bytes();
  auto* p = reinterpret_cast<const uint8_t*>(b.data());
  BitReader r(p, p + b.size() - 1);
  int64_t v;
  EXPECT_FALSE(ReadVarbitInt(r, &v));
}

}  // namespace
}  // namespace promlet::tsdb::chunkenc
