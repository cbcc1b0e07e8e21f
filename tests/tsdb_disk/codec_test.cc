// Persisted chunk encoding: bit-exact round trips for every value mode and timestamp shape.
#include "tsdb/block/chunk_codec.h"

#include <bit>
#include <cmath>
#include <random>

#include "gtest/gtest.h"
#include "tsdb/storage.h"

namespace promlet::tsdb {
namespace {

void RoundTrip(const std::vector<int64_t>& ts, const std::vector<double>& vs) {
  std::string t, v;
  EncodeTimestamps(ts, &t);
  EncodeValues(vs, &v);
  std::vector<int64_t> ts2;
  std::vector<double> vs2;
  ASSERT_TRUE(DecodeTimestamps(t, &ts2).ok());
  ASSERT_TRUE(DecodeValues(v, ts2.size(), &vs2).ok());
  ASSERT_EQ(ts2, ts);
  ASSERT_EQ(vs2.size(), vs.size());
  for (size_t i = 0; i < vs.size(); ++i) {
    EXPECT_EQ(std::bit_cast<uint64_t>(vs2[i]), std::bit_cast<uint64_t>(vs[i])) << i << " " << vs[i];
  }
}

std::vector<int64_t> Regular(size_t n, int64_t start = 1700000000123, int64_t step = 15000) {
  std::vector<int64_t> ts(n);
  for (size_t i = 0; i < n; ++i) ts[i] = start + static_cast<int64_t>(i) * step;
  return ts;
}

TEST(ChunkCodec, ConstantSeriesIsTiny) {
  std::vector<double> vs(480, 1.0);
  std::string t, v;
  EncodeTimestamps(Regular(480), &t);
  EncodeValues(vs, &v);
  EXPECT_LE(t.size() + v.size(), 24u);
  RoundTrip(Regular(480), vs);
}

TEST(ChunkCodec, DecimalsCountersAndGauges) {
  std::mt19937 rng(1);
  std::vector<double> counter, gauge, tiny;
  double c = 12345, g = 0.5;
  for (int i = 0; i < 500; ++i) {
    c += rng() % 1000;
    g = std::round((g + (int(rng() % 200) - 100) / 1000.0) * 1000) / 1000;
    counter.push_back(c);
    gauge.push_back(g);
    tiny.push_back((rng() % 100000) * 1e-9);
  }
  RoundTrip(Regular(500), counter);
  RoundTrip(Regular(500), gauge);
  RoundTrip(Regular(500), tiny);
}

TEST(ChunkCodec, SpecialValuesSurviveBitExactly) {
  std::vector<double> vs = {1.5, StaleNaN(), 2.5, std::nan(""), -0.0, INFINITY, -INFINITY, 3.25, 0};
  RoundTrip(Regular(vs.size()), vs);
  std::vector<double> all_stale(10, StaleNaN());
  RoundTrip(Regular(10), all_stale);
}

TEST(ChunkCodec, ArbitraryFloatsUseXor) {
  std::mt19937_64 rng(7);
  std::vector<double> vs;
  for (int i = 0; i < 300; ++i) vs.push_back(std::bit_cast<double>(rng() & 0x7fefffffffffffffULL));
  RoundTrip(Regular(300), vs);
  std::vector<double> mixed = {1.0 / 3, 2.0 / 3, 1e300, 1e-300, 123456789.123456789};
  RoundTrip(Regular(mixed.size()), mixed);
}

TEST(ChunkCodec, IrregularTimestamps) {
  std::mt19937 rng(3);
  std::vector<int64_t> ts = {-5000};
  for (int i = 0; i < 400; ++i) ts.push_back(ts.back() + 1 + (rng() % 5 == 0 ? rng() % 100000 : 15000));
  RoundTrip(ts, std::vector<double>(ts.size(), 7));
  RoundTrip({42}, {1.0});
  RoundTrip({42, 43}, {1.0, 2.0});
}

TEST(ChunkCodec, GarbageIsAnErrorNotACrash) {
  std::mt19937 rng(5);
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (int i = 0; i < 200; ++i) {
    std::string junk(rng() % 40, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    (void)DecodeTimestamps(junk, &ts);
    (void)DecodeValues(junk, 50, &vs);
  }
  EXPECT_FALSE(DecodeTimestamps("", &ts).ok());
}

}  // namespace
}  // namespace promlet::tsdb
