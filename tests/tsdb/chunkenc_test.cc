// XOR chunk round-trip properties: bit-exact values, any strictly increasing timestamps.
#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/xor.h"

namespace promlet::tsdb::chunkenc {
namespace {

struct S {
  int64_t t;
  uint64_t bits;
};

absl::Span<const uint8_t> Bytes(std::string_view s) {
  return absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

void RoundTrip(const std::vector<S>& in) {
  XorEncoder enc;
  for (const S& s : in) ASSERT_TRUE(enc.Append(s.t, std::bit_cast<double>(s.bits)));
  ASSERT_EQ(enc.num_samples(), in.size());
  // Next()
  XorIterator it(Bytes(enc.bytes()));
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_TRUE(it.Next()) << i << " " << it.status();
    ASSERT_EQ(it.T(), in[i].t) << i;
    ASSERT_EQ(std::bit_cast<uint64_t>(it.V()), in[i].bits) << i;
  }
  EXPECT_FALSE(it.Next());
  EXPECT_TRUE(it.status().ok()) << it.status();
  // NextBatch
  XorIterator it2(Bytes(enc.bytes()));
  std::vector<int64_t> ts(in.size() + 3);
  std::vector<double> vs(in.size() + 3);
  size_t got = 0;
  while (size_t k = it2.NextBatch(ts.data() + got, vs.data() + got, 7)) got += k;
  ASSERT_EQ(got, in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_EQ(ts[i], in[i].t);
    ASSERT_EQ(std::bit_cast<uint64_t>(vs[i]), in[i].bits);
  }
  // Through the generic factory, finishing the encoder.
  std::string finished = enc.Finish();
  auto gen = NewChunkIterator(Encoding::kXOR, Bytes(finished));
  ASSERT_TRUE(gen.ok());
  size_t n = 0;
  while ((*gen)->Next()) ++n;
  EXPECT_EQ(n, in.size());
}

TEST(XorChunk, EmptyChunk) {
  XorEncoder enc;
  XorIterator it(Bytes(enc.bytes()));
  EXPECT_FALSE(it.Next());
  EXPECT_TRUE(it.status().ok());
}

TEST(XorChunk, SpecialFloatsBitExact) {
  std::vector<uint64_t> specials = {
      std::bit_cast<uint64_t>(0.0),
      std::bit_cast<uint64_t>(-0.0),
      0x7ff0000000000002ULL,  // stale marker
      0x7ff8000000000001ULL,  // quiet NaN (Prometheus' normal NaN)
      0x7ff8000000000000ULL,
      0xfff8000000000000ULL,
      0x7ff4000000000abcULL,  // signalling NaN payload
      std::bit_cast<uint64_t>(std::numeric_limits<double>::infinity()),
      std::bit_cast<uint64_t>(-std::numeric_limits<double>::infinity()),
      std::bit_cast<uint64_t>(std::numeric_limits<double>::denorm_min()),
      std::bit_cast<uint64_t>(-std::numeric_limits<double>::denorm_min()),
      std::bit_cast<uint64_t>(std::numeric_limits<double>::max()),
      std::bit_cast<uint64_t>(std::numeric_limits<double>::lowest()),
      std::bit_cast<uint64_t>(std::numeric_limits<double>::min()),
      1, 0xffffffffffffffffULL, 0x8000000000000000ULL,
  };
  std::vector<S> in;
  int64_t t = 1000;
  // Every ordered pair, so each transition is exercised.
  for (uint64_t a : specials) {
    for (uint64_t b : specials) {
      in.push_back({t += 15000, a});
      in.push_back({t += 15000, b});
    }
  }
  RoundTrip(in);
}

TEST(XorChunk, TimestampExtremesAndLargeGaps) {
  RoundTrip({{std::numeric_limits<int64_t>::min(), 1}, {0, 2},
             {std::numeric_limits<int64_t>::max() - 1, 3},
             {std::numeric_limits<int64_t>::max(), 4}});
  RoundTrip({{-5, 1}, {-4, 1}, {1000000000000, 1}, {1000000000001, 1}, {1000000000003, 2},
             {4000000000000, 2}, {4000000000001, 2}});
  RoundTrip({{42, 7}});
  // Every dod bucket edge (Prometheus' asymmetric ranges).
  std::vector<S> in;
  int64_t t = 0, d = 1 << 21;
  in.push_back({t, 0});
  for (int64_t dod : {0LL, 1LL, -1LL, 8191LL, 8192LL, -8191LL, -8192LL, 8193LL, 65536LL, 65537LL,
                      -65535LL, -65536LL, 524288LL, 524289LL, -524287LL, -524288LL,
                      1LL << 40, -(1LL << 39)}) {
    d += dod;
    ASSERT_GT(d, 0);
    t += d;
    in.push_back({t, static_cast<uint64_t>(t)});
  }
  RoundTrip(in);
}

TEST(XorChunk, RefusesNonIncreasingTimestamps) {
  XorEncoder enc;
  ASSERT_TRUE(enc.Append(100, 1));
  EXPECT_FALSE(enc.Append(100, 2));
  EXPECT_FALSE(enc.Append(99, 2));
  ASSERT_TRUE(enc.Append(101, 2));
  EXPECT_FALSE(enc.Append(50, 2));
  EXPECT_EQ(enc.num_samples(), 2);
  RoundTrip({{100, std::bit_cast<uint64_t>(1.0)}, {101, std::bit_cast<uint64_t>(2.0)}});
}

TEST(XorChunk, RandomProperty) {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 300; ++round) {
    std::vector<S> in;
    int n = 1 + static_cast<int>(rng() % 300);
    int64_t t = static_cast<int64_t>(rng()) >> (rng() % 64);
    int kind = static_cast<int>(rng() % 5);
    double gauge = 100;
    uint64_t counter = 0;
    for (int i = 0; i < n; ++i) {
      uint64_t step;
      switch (rng() % 4) {
        case 0: step = 15000; break;
        case 1: step = 15000 + (rng() % 50) - 25; break;
        case 2: step = 1 + rng() % 3; break;
        default: step = 1 + (rng() >> (rng() % 64)); break;
      }
      const int64_t delta = static_cast<int64_t>(step >> 2) + 1;
      if (i > 0) {
        if (t > std::numeric_limits<int64_t>::max() - delta) break;
        t += delta;
      }
      uint64_t bits;
      switch (kind) {
        case 0: bits = rng(); break;                                   // random bit patterns
        case 1: counter += rng() % 1000; bits = std::bit_cast<uint64_t>(double(counter)); break;
        case 2: gauge += (double(rng() % 2001) - 1000) / 7.0; bits = std::bit_cast<uint64_t>(gauge); break;
        case 3: bits = std::bit_cast<uint64_t>(1.0); break;            // constant
        default: bits = (rng() % 3 == 0) ? 0x7ff0000000000002ULL : rng() & 0x800fffffffffffffULL;
      }
      in.push_back({t, bits});
    }
    RoundTrip(in);
    if (HasFatalFailure()) return;
  }
}

TEST(XorChunk, SeekAndLimit) {
  XorEncoder enc;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(enc.Append(i * 10, i));
  XorIterator it(Bytes(enc.bytes()));
  ASSERT_TRUE(it.Seek(255));
  EXPECT_EQ(it.T(), 260);
  ASSERT_TRUE(it.Seek(100));  // already past: stays
  EXPECT_EQ(it.T(), 260);
  EXPECT_FALSE(it.Seek(991));
  XorIterator lim(Bytes(enc.bytes()), 5);
  int n = 0;
  while (lim.Next()) ++n;
  EXPECT_EQ(n, 5);
}

TEST(XorChunk, CorruptInputIsAnErrorNotACrash) {
  XorEncoder enc;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(enc.Append(i * 1000 + (i * i) % 7, i * 1.5));
  std::string b(enc.bytes());
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string c = b.substr(0, rng() % b.size());
    if (!c.empty() && rng() % 2) c[rng() % c.size()] ^= static_cast<char>(1 << (rng() % 8));
    if (c.size() >= 2 && rng() % 2) c[1] = static_cast<char>(0xff);
    XorIterator it(Bytes(c));
    int n = 0;
    while (it.Next()) ++n;
    EXPECT_LE(n, 0xffff);
  }
  auto unknown = NewChunkIterator(static_cast<Encoding>(77), Bytes(b));
  EXPECT_FALSE(unknown.ok());
}

TEST(XorChunk, CompatibleWithPrometheusLayout) {
  // Two samples: header 0x0002, varint(zigzag(1000)) = d0 0f, 64 bits of 1.0, uvarint(15) = 0f,
  // then value XOR 0 -> one '0' bit.
  XorEncoder enc;
  ASSERT_TRUE(enc.Append(1000, 1.0));
  ASSERT_TRUE(enc.Append(1015, 1.0));
  std::string_view b = enc.bytes();
  ASSERT_EQ(b.size(), 2u + 2 + 8 + 1 + 1);
  EXPECT_EQ(static_cast<uint8_t>(b[0]), 0);
  EXPECT_EQ(static_cast<uint8_t>(b[1]), 2);
  EXPECT_EQ(static_cast<uint8_t>(b[2]), 0xd0);
  EXPECT_EQ(static_cast<uint8_t>(b[3]), 0x0f);
  EXPECT_EQ(static_cast<uint8_t>(b[4]), 0x3f);
  EXPECT_EQ(static_cast<uint8_t>(b[5]), 0xf0);
  EXPECT_EQ(static_cast<uint8_t>(b[12]), 0x0f);
  EXPECT_EQ(static_cast<uint8_t>(b[13]), 0x00);
}

// Regression: a moved-from encoder kept the old XOR window, so reusing it wrote '10' values
// against a window the decoder (starting fresh) does not have.
TEST(XorChunk, MovedFromEncoderIsReusable) {
  XorEncoder a;
  ASSERT_TRUE(a.Append(1000, 1.5));
  ASSERT_TRUE(a.Append(2000, 1.75));  // sets a narrow XOR window
  XorEncoder b(std::move(a));
  EXPECT_EQ(b.num_samples(), 2);
  // 3.0 -> 3.5 XORs within the old window (13 leading, 50 trailing zero bits).
  std::vector<S> in = {{10, std::bit_cast<uint64_t>(3.0)},
                       {20, std::bit_cast<uint64_t>(3.5)},
                       {30, std::bit_cast<uint64_t>(3.0)}};
  for (const S& s : in) ASSERT_TRUE(a.Append(s.t, std::bit_cast<double>(s.bits)));
  XorIterator it(Bytes(a.bytes()));
  for (const S& s : in) {
    ASSERT_TRUE(it.Next()) << it.status();
    EXPECT_EQ(it.T(), s.t);
    EXPECT_EQ(std::bit_cast<uint64_t>(it.V()), s.bits);
  }
  EXPECT_FALSE(it.Next());
}

}  // namespace
}  // namespace promlet::tsdb::chunkenc
