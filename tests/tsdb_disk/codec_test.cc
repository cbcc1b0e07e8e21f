// Persisted chunk encoding: bit-exact round trips for every value mode, predictor, residual
// coder and timestamp shape; property tests over random and adversarial values; malformed
// input is DataLoss, never a crash or an out-of-bounds read (run under ASan).
#include "tsdb/block/chunk_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cfloat>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "gtest/gtest.h"
#include "tsdb/block/block.h"
#include "tsdb/block/block_writer.h"
#include "tsdb/block/range_coder.h"
#include "model/value.h"
#include "storage/interface.h"
#include "tests/tsdb_disk/test_util.h"

namespace promlet::tsdb {
namespace {

// Positions a partial decode starts at: the ends, their neighbours, a few in between.
std::vector<size_t> FromPositions(size_t n) {
  std::vector<size_t> out = {0, 1, n / 3, n / 2, n > 2 ? n - 2 : 0, n > 0 ? n - 1 : 0, n};
  for (size_t& f : out) f = std::min(f, n);
  return out;
}

// Decodes `stream` from every FromPositions() start and checks against want[from..n).
void ExpectSuffixesDecode(std::string_view stream, std::string_view ref,
                          const std::vector<double>& want) {
  for (size_t from : FromPositions(want.size())) {
    std::vector<double> got;
    ASSERT_TRUE(DecodeValues(stream, want.size(), ref, &got, from).ok()) << "from " << from;
    ASSERT_EQ(got.size(), want.size() - from);
    for (size_t j = 0; j < got.size(); ++j) {
      ASSERT_EQ(std::bit_cast<uint64_t>(got[j]), std::bit_cast<uint64_t>(want[from + j]))
          << "from " << from << " sample " << from + j << " " << want[from + j];
    }
  }
}

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
  ExpectSuffixesDecode(v, {}, vs);
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
  std::vector<double> vs = {1.5, model::StaleNaN(), 2.5, std::nan(""), -0.0, INFINITY, -INFINITY, 3.25, 0};
  RoundTrip(Regular(vs.size()), vs);
  std::vector<double> all_stale(10, model::StaleNaN());
  RoundTrip(Regular(10), all_stale);
}

TEST(ChunkCodec, ArbitraryFloatsRoundTripAsFloatKeys) {
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


int64_t Clamped(__int128 x) {
  return static_cast<int64_t>(std::clamp<__int128>(x, std::numeric_limits<int64_t>::min(),
                                                   std::numeric_limits<int64_t>::max()));
}

// DecodeTimestampsFrom equals DecodeTimestamps followed by dropping what is before mint, on
// regular columns (the skipped-prefix path, extreme values included) and irregular ones.
TEST(CodecTest, TimestampsFromEqualDecodeThenDrop) {
  std::mt19937_64 rng(21);
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  for (int round = 0; round < 3000; ++round) {
    const size_t n = round % 50 == 0 ? rng() % 3 : 1 + rng() % 600;
    int64_t start = 1700000000000 + static_cast<int64_t>(rng() % 100000);
    int64_t step = 1 + static_cast<int64_t>(rng() % 60000);
    if (round % 7 == 1) start = -static_cast<int64_t>(rng() % (uint64_t{1} << 62));
    if (round % 7 == 2 && n > 1) start = kMax - static_cast<int64_t>(n - 1) * step;  // ends at max
    std::vector<int64_t> ts = Regular(n, start, step);
    if (round % 3 == 0 && round % 7 != 2) {
      for (size_t i = 1; i < n; ++i) {  // jitter: the column gets exceptions
        if (rng() % 5 == 0) ts[i] = ts[i - 1] + 1 + static_cast<int64_t>(rng() % 30000);
        else ts[i] = ts[i - 1] + step;
      }
    }
    std::string col;
    EncodeTimestamps(ts, &col);
    std::vector<int64_t> all;
    ASSERT_TRUE(DecodeTimestamps(col, &all).ok());
    for (int k = 0; k < 8; ++k) {
      int64_t mint;
      switch (k) {
        case 0: mint = std::numeric_limits<int64_t>::min(); break;
        case 1: mint = kMax; break;
        case 2: mint = all.empty() ? 0 : all.front(); break;
        case 3: mint = all.empty() ? 0 : all.back(); break;
        case 4: mint = all.empty() ? 0 : Clamped(static_cast<__int128>(all.back()) + 1); break;
        default:  // on a timestamp or next to one
          mint = all.empty() ? 0
                             : Clamped(static_cast<__int128>(all[rng() % all.size()]) - 1 +
                                       static_cast<__int128>(rng() % 3));
      }
      std::vector<int64_t> want = all;
      size_t want_from = 0;
      if (!want.empty() && want.front() < mint) {
        want_from = static_cast<size_t>(std::lower_bound(want.begin(), want.end(), mint) - want.begin());
        want.erase(want.begin(), want.begin() + static_cast<ptrdiff_t>(want_from));
      }
      std::vector<int64_t> got = {42};
      size_t from = 99;
      ASSERT_TRUE(DecodeTimestampsFrom(col, mint, &got, &from).ok()) << round;
      ASSERT_EQ(from, want_from) << "round " << round << " mint " << mint;
      ASSERT_EQ(got, want) << "round " << round << " mint " << mint;
    }
  }
  std::vector<int64_t> out;
  size_t from = 0;
  EXPECT_FALSE(DecodeTimestampsFrom("", 0, &out, &from).ok());
  // i * step beyond int64 while every timestamp fits: min+5, 5 - 2^63 + 2^62, 5.
  const int64_t min = std::numeric_limits<int64_t>::min();
  const std::vector<int64_t> wide = {min + 5, min + 5 + (int64_t{1} << 62),
                                     min + 5 + (int64_t{1} << 62) + (int64_t{1} << 62)};
  std::string col;
  EncodeTimestamps(wide, &col);
  ASSERT_TRUE(DecodeTimestampsFrom(col, min, &out, &from).ok());
  EXPECT_EQ(from, 0u);
  EXPECT_EQ(out, wide);
  ASSERT_TRUE(DecodeTimestampsFrom(col, 0, &out, &from).ok());
  EXPECT_EQ(from, 2u);
  EXPECT_EQ(out, std::vector<int64_t>{5});
}

// Values of one group encoded together (later chunks may reference earlier ones), decoded
// the way Block::ReadChunk does.
void GroupRoundTrip(const std::vector<std::vector<double>>& chunks, bool tail_first = true) {
  ValueEncoder enc(tail_first);
  std::vector<std::string> streams(chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) enc.Encode(chunks[i], static_cast<uint32_t>(i), &streams[i]);
  for (size_t i = 0; i < chunks.size(); ++i) {
    auto ref = ValuesReference(streams[i], static_cast<uint32_t>(i));
    ASSERT_TRUE(ref.ok()) << i;
    ASSERT_LT(*ref, static_cast<int64_t>(i));
    std::string_view refv = *ref >= 0 ? std::string_view(streams[*ref]) : std::string_view();
    std::vector<double> out;
    ASSERT_TRUE(DecodeValues(streams[i], chunks[i].size(), refv, &out).ok()) << i;
    ASSERT_EQ(out.size(), chunks[i].size());
    for (size_t j = 0; j < out.size(); ++j) {
      ASSERT_EQ(std::bit_cast<uint64_t>(out[j]), std::bit_cast<uint64_t>(chunks[i][j]))
          << "chunk " << i << " sample " << j << " " << chunks[i][j];
    }
    ExpectSuffixesDecode(streams[i], refv, chunks[i]);
  }
}

// A random chunk of one of many shapes: decimal counters and gauges of any scale, noise,
// random bit patterns (NaN payloads, denormals, infinities), specials sprinkled in.
std::vector<double> RandomChunk(std::mt19937_64& rng, size_t n) {
  std::vector<double> vs(n);
  int shape = static_cast<int>(rng() % 9);
  double scale = std::pow(10.0, static_cast<int>(rng() % 13) - 6);
  double v = static_cast<double>(rng() % 1000000) * scale;
  std::normal_distribution<double> gauss(0, 1);
  for (size_t i = 0; i < n; ++i) {
    switch (shape) {
      case 0:  // counter with integer increments
        v += static_cast<double>(rng() % 50);
        vs[i] = v;
        break;
      case 1:  // decimal gauge at a random scale
        vs[i] = std::round(gauss(rng) * 1e6) * scale;
        break;
      case 2:  // full-precision random walk
        v += gauss(rng) * (1 + std::fabs(v) * 0.01);
        vs[i] = v;
        break;
      case 3:  // any bit pattern
        vs[i] = std::bit_cast<double>(rng());
        break;
      case 4:  // denormals and tiny values
        vs[i] = std::bit_cast<double>(rng() % 100000);
        break;
      case 5:  // huge magnitudes, both signs
        vs[i] = (rng() % 2 ? 1 : -1) * std::ldexp(1.0 + (rng() % 1000) / 1000.0, 900 + static_cast<int>(rng() % 123));
        break;
      case 6:  // mostly constant with rare steps
        if (rng() % 40 == 0) v += 1;
        vs[i] = v;
        break;
      case 7:  // extreme integers (int64 wrap-around in deltas)
        vs[i] = static_cast<double>(static_cast<int64_t>(rng() % 2 ? 9007199254740991LL : -9007199254740991LL));
        break;
      default:  // non-decimal fractions
        vs[i] = static_cast<double>(rng() % 1000) / 3.0;
        break;
    }
    if (rng() % 23 == 0) {
      const double specials[] = {model::StaleNaN(), std::nan(""), -0.0, INFINITY, -INFINITY, 0.0,
                                 std::bit_cast<double>(uint64_t{0x7ff8dead0000beefULL}),
                                 std::numeric_limits<double>::denorm_min(), DBL_MAX, -DBL_MAX};
      vs[i] = specials[rng() % 10];
    }
  }
  return vs;
}

TEST(ChunkCodec, PropertyRandomChunksRoundTripBitExactly) {
  std::mt19937_64 rng(11);
  for (int iter = 0; iter < 300; ++iter) {
    size_t n = 1 + rng() % (iter % 10 == 0 ? 2048 : 200);
    std::vector<int64_t> ts(n);
    int64_t t = static_cast<int64_t>(rng() % 2000000000000) - 1000000000000;
    for (size_t i = 0; i < n; ++i) {
      ts[i] = t;
      t += rng() % 4 == 0 ? 1 + static_cast<int64_t>(rng() % 100000) : 15000;
    }
    RoundTrip(ts, RandomChunk(rng, n));
  }
}

// DecodeNonFiniteValues (count_over_time's read): from any position, every non-finite value
// (stale markers, NaN, infinities) keeps its bits and every finite value reads as some finite
// value, for random chunks of every mode, with and without stale markers.
TEST(ChunkCodec, NonFiniteValuesKeepTheirBitsFromAnyPosition) {
  std::mt19937_64 rng(31);
  for (int iter = 0; iter < 300; ++iter) {
    const size_t n = 1 + rng() % 300;
    std::vector<double> vs = iter % 3 == 0 ? std::vector<double>(n, 7.5) : RandomChunk(rng, n);
    if (iter % 2 == 0) {
      for (size_t i = 0; i < n; i += 1 + rng() % 40) vs[i] = model::StaleNaN();
    }
    std::string v;
    EncodeValues(vs, &v);
    for (size_t from : FromPositions(n)) {
      std::vector<double> got;
      ASSERT_TRUE(DecodeNonFiniteValues(v, n, {}, &got, from).ok()) << iter << " from " << from;
      ASSERT_EQ(got.size(), n - from);
      for (size_t j = 0; j < got.size(); ++j) {
        const double want = vs[from + j];
        if (std::isfinite(want)) {
          ASSERT_TRUE(std::isfinite(got[j])) << iter << " sample " << from + j;
        } else {
          ASSERT_EQ(std::bit_cast<uint64_t>(got[j]), std::bit_cast<uint64_t>(want))
              << iter << " sample " << from + j;
        }
      }
    }
  }
}

TEST(ChunkCodec, GroupsWithCrossSeriesReferencesRoundTrip) {
  std::mt19937_64 rng(12);
  for (int g = 0; g < 20; ++g) {
    // Histogram-like: cumulative buckets of one series, plus unrelated chunks in between.
    size_t n = 10 + rng() % 300;
    std::vector<std::vector<double>> chunks;
    std::vector<double> inc(n);
    for (int b = 0; b < 8; ++b) {
      std::vector<double> c(n);
      double acc = 1000 * b;
      for (size_t i = 0; i < n; ++i) {
        if (b == 0) inc[i] = static_cast<double>(rng() % 20);
        acc += inc[i] + static_cast<double>(rng() % 3 == 0);
        c[i] = acc;
      }
      chunks.push_back(c);
      if (rng() % 3 == 0) chunks.push_back(RandomChunk(rng, n));
      if (rng() % 5 == 0) chunks.push_back(RandomChunk(rng, 1 + rng() % 50));
    }
    GroupRoundTrip(chunks);
  }
}

// Blocks written before tail-first streams (front to back, always decoded whole) still read,
// alone and as references, from any position.
TEST(ChunkCodec, FrontToBackStreamsOfEarlierBuildsDecode) {
  std::mt19937_64 rng(21);
  for (int g = 0; g < 30; ++g) {
    size_t n = 1 + rng() % 300;
    std::vector<std::vector<double>> chunks;
    std::vector<double> base = RandomChunk(rng, n);
    for (int k = 0; k < 6; ++k) {
      std::vector<double> c = base;
      for (size_t i = 0; i < n; ++i) c[i] += static_cast<double>(k * 10 + (rng() % 5 == 0));
      chunks.push_back(c);
      chunks.push_back(RandomChunk(rng, n));
    }
    GroupRoundTrip(chunks, /*tail_first=*/false);
  }
}

// The two layouts are the same size: tail first costs nothing on disk.
TEST(ChunkCodec, TailFirstCostsNoBytes) {
  std::mt19937_64 rng(22);
  size_t front = 0, tail = 0;
  for (int k = 0; k < 200; ++k) {
    std::vector<double> vs = RandomChunk(rng, 480);
    std::string a, b;
    ValueEncoder(false).Encode(vs, 0, &a);
    ValueEncoder(true).Encode(vs, 0, &b);
    front += a.size();
    tail += b.size();
  }
  EXPECT_LE(tail, front + front / 100);
}

TEST(ChunkCodec, ReferencesMakeSimilarSeriesCheap) {
  std::mt19937 rng(2);
  std::vector<double> a(480), b(480);
  double x = 1e6;
  for (size_t i = 0; i < 480; ++i) {
    x += rng() % 100000;
    a[i] = x;
    b[i] = x + 7;  // same increments, another offset: a histogram bucket above all samples
  }
  ValueEncoder enc;
  std::string sa, sb;
  enc.Encode(a, 0, &sa);
  enc.Encode(b, 1, &sb);
  EXPECT_LT(sb.size(), 40u);
  EXPECT_GT(sa.size(), 480u);
  auto ref = ValuesReference(sb, 1);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(*ref, 0);
  std::vector<double> out;
  EXPECT_FALSE(DecodeValues(sb, 480, &out).ok());  // needs its reference
  GroupRoundTrip({a, b});
  // After NewGroup() nothing refers back across groups.
  enc.NewGroup();
  std::string sc;
  enc.Encode(b, 0, &sc);
  EXPECT_EQ(*ValuesReference(sc, 0), -1);
}

TEST(ChunkCodec, NoisyFloatsCostAboutTheirEntropy) {
  // A random walk of full-precision doubles: ~2^46 ulp steps cost ~48 bits, not 64.
  std::mt19937_64 rng(3);
  std::normal_distribution<double> gauss(0, 1);
  std::vector<double> vs(480);
  double v = 1e-4;
  for (auto& x : vs) x = v += gauss(rng) * 1e-6;
  std::string s;
  EncodeValues(vs, &s);
  EXPECT_LT(s.size() * 8.0 / vs.size(), 52);
  RoundTrip(Regular(480), vs);
}

TEST(ChunkCodec, NearlyConstantCountersStayBelowABitPerSample) {
  // A counter that moves at every 60th sample: the prefix code pays at least a bit per
  // residual (60 bytes here); the adaptive coder, still chosen for such streams, a few bytes.
  std::vector<double> vs(480);
  for (size_t i = 0; i < vs.size(); ++i) vs[i] = static_cast<double>(i / 60);
  std::string s;
  EncodeValues(vs, &s);
  EXPECT_LT(s.size(), 30u);
  RoundTrip(Regular(480), vs);
  // A bucket of moderate traffic: mostly small non-zero increments, any coder, bit-exact.
  std::mt19937_64 rng(5);
  std::poisson_distribution<int> hits(3);
  double c = 0;
  for (auto& x : vs) x = c += hits(rng);
  RoundTrip(Regular(480), vs);
}

// Every truncation and many random corruptions of valid streams: never a crash or an
// out-of-bounds read; truncations that drop payload are DataLoss.
TEST(ChunkCodec, CorruptedStreamsAreErrorsNotCrashes) {
  std::mt19937_64 rng(13);
  for (int iter = 0; iter < 25; ++iter) {
    size_t n = 2 + rng() % 300;
    std::vector<double> a = RandomChunk(rng, n), b = RandomChunk(rng, n);
    for (size_t i = 0; i < n; ++i) b[i] = a[i] + (i % 7 == 0);
    ValueEncoder enc;
    std::string sa, sb;
    enc.Encode(a, 0, &sa);
    enc.Encode(b, 1, &sb);
    std::vector<double> out;
    for (size_t cut = 0; cut < sa.size(); ++cut) {
      // Decoding a prefix may only succeed if the cut fell in the zero padding the encoder
      // dropped; it must never read outside the given bytes (ASan checks).
      std::string prefix = sa.substr(0, cut);
      (void)DecodeValues(prefix, n, &out);
      (void)DecodeValues(sb, n, prefix, &out);
    }
    EXPECT_FALSE(DecodeValues(sa.substr(0, sa.size() / 2), n, &out).ok() &&
                 sa.size() > 64)
        << "half a stream decoded";
    for (int k = 0; k < 200; ++k) {
      std::string bad = k % 2 ? sa : sb;
      size_t pos = rng() % bad.size();
      bad[pos] = static_cast<char>(rng());
      if (rng() % 3 == 0) bad.resize(rng() % (bad.size() + 1));
      (void)ValuesReference(bad, 1);
      (void)DecodeValues(bad, n, sa, &out);
      (void)DecodeValues(bad, n + rng() % 5, &out);
      (void)DecodeValues(bad, n, sa, &out, rng() % (n + 1));  // a tail of it
    }
  }
}

TEST(ChunkCodec, MalformedHeadersAreDataLoss) {
  std::vector<double> out;
  EXPECT_FALSE(DecodeValues(std::string("\x01", 1), 10, &out).ok());
  EXPECT_FALSE(DecodeValues(std::string("\x01\x11\x01", 3), 10, &out).ok());  // kind 17
  EXPECT_FALSE(DecodeValues(std::string("\x01\x00\x09", 3), 10, &out).ok());  // predictor 9
  EXPECT_FALSE(DecodeValues(std::string("\x07", 1), 10, &out).ok());          // mode 7
  EXPECT_FALSE(DecodeValues(std::string("\x00\x01\x02", 3), 10, &out).ok());  // short constant
  // A reference pointing before the group start, or at itself.
  EXPECT_FALSE(ValuesReference(std::string("\x01\x00\x04\x05", 4), 3).ok());
  EXPECT_FALSE(ValuesReference(std::string("\x01\x00\x04\x00", 4), 3).ok());
}

TEST(RangeCoder, RandomDecisionsAndDirectBitsRoundTrip) {
  std::mt19937_64 rng(4);
  for (int iter = 0; iter < 50; ++iter) {
    int n = 1 + static_cast<int>(rng() % 3000);
    double p = (rng() % 1000) / 1000.0;
    std::vector<int> bits(n);
    std::vector<uint32_t> direct(n);
    for (int i = 0; i < n; ++i) {
      bits[i] = (rng() % 1000) < p * 1000;
      direct[i] = static_cast<uint32_t>(rng()) & 0xffff;
    }
    std::string out;
    rc::Encoder enc(&out);
    rc::AdaptiveBit m[2];
    for (int i = 0; i < n; ++i) {
      enc.Bit(m[i % 2], bits[i]);
      if (i % 5 == 0) enc.Direct(direct[i], 1 + i % 16);
    }
    enc.Finish();
    rc::Decoder dec(out);
    rc::AdaptiveBit d[2];
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(dec.Bit(d[i % 2]), bits[i]) << iter << " " << i;
      if (i % 5 == 0) {
        ASSERT_EQ(dec.Direct(1 + i % 16), direct[i] & ((1u << (1 + i % 16)) - 1));
      }
    }
    EXPECT_FALSE(dec.overran());
  }
}

TEST(RangeCoder, BitStreamRoundTrip) {
  std::mt19937_64 rng(5);
  std::string out;
  rc::BitWriter w(&out);
  std::vector<std::pair<uint64_t, int>> items;
  for (int i = 0; i < 5000; ++i) {
    int k = static_cast<int>(rng() % 57);
    uint64_t v = rng() & (k == 0 ? 0 : (~uint64_t{0} >> (64 - k)));
    items.push_back({v, k});
    w.Put(v, k);
  }
  w.Finish();
  rc::BitReader r(out);
  for (auto [v, k] : items) ASSERT_EQ(r.Get(k), v);
  EXPECT_FALSE(r.overran());
  r.Get(40);
  EXPECT_TRUE(r.overran());
}


// Reading a block the way queries do: series pages through a cursor (any order of ordinals)
// give what a fresh read gives, and ReadChunk(mint) returns exactly the samples >= mint of
// every chunk, reference-predicted ones included.
TEST(ChunkCodec, BlockCursorAndTailReadsMatchWholeReads) {
  std::string parent = testing::FreshDir("codec_tail_test");
  auto w = BlockWriter::Create(parent);
  ASSERT_TRUE(w.ok());
  std::mt19937_64 rng(23);
  const size_t kSeries = 300, kSamples = 480;
  std::vector<std::vector<double>> values;
  std::vector<double> inc(kSamples);
  for (auto& x : inc) x = static_cast<double>(rng() % 9);
  for (size_t s = 0; s < kSeries; ++s) {
    std::vector<double> vs = RandomChunk(rng, kSamples);
    if (s % 3 != 0) {  // buckets moving together: reference-predicted chunks
      double acc = static_cast<double>(s);
      for (size_t i = 0; i < kSamples; ++i) vs[i] = acc += inc[i] + static_cast<double>(rng() % 4 == 0);
    }
    char name[16];
    std::snprintf(name, sizeof(name), "s%04zu", s);
    ASSERT_TRUE((*w)->AddSeries(model::Labels{{"__name__", "m"}, {"id", name}}, Regular(kSamples), vs).ok());
    values.push_back(vs);
  }
  auto meta = (*w)->Finish(0, 1800000000000);
  ASSERT_TRUE(meta.ok());
  auto b = Block::Open(parent + "/" + meta->ulid);
  ASSERT_TRUE(b.ok()) << b.status();
  std::vector<uint32_t> order;
  for (uint32_t o = 0; o < kSeries; ++o) order.push_back(o);
  for (uint32_t o = 0; o < kSeries; o += 7) order.push_back(o);  // then backwards jumps
  order.push_back(kSeries - 1);
  order.push_back(0);
  Block::SeriesCursor cursor;
  const std::vector<int64_t> ts = Regular(kSamples);
  for (uint32_t o : order) {
    model::Labels fresh, viacursor;
    std::vector<BlockChunkMeta> cf, cc;
    ASSERT_TRUE((*b)->Series(o, &fresh, &cf).ok());
    ASSERT_TRUE((*b)->Series(o, &viacursor, &cc, &cursor).ok());
    ASSERT_EQ(fresh.ToString(), viacursor.ToString()) << o;
    ASSERT_EQ(cf.size(), 1u);
    ASSERT_EQ(cc.size(), 1u);
    ASSERT_EQ(cf[0].ref, cc[0].ref);
    const std::vector<double>& want = values[std::stoul(std::string(fresh.Get("id")).substr(1))];
    for (size_t from : FromPositions(kSamples)) {
      std::vector<int64_t> got_t;
      std::vector<double> got_v;
      // mint between samples and exactly on one both start at `from`.
      int64_t mint = from < kSamples ? ts[from] - (from % 2) : ts.back() + 1;
      ASSERT_TRUE((*b)->ReadChunk(cf[0].ref, &got_t, &got_v, mint).ok());
      ASSERT_EQ(got_t, std::vector<int64_t>(ts.begin() + from, ts.end())) << o << " " << from;
      ASSERT_EQ(got_v.size(), kSamples - from);
      for (size_t j = 0; j < got_v.size(); ++j) {
        ASSERT_EQ(std::bit_cast<uint64_t>(got_v[j]), std::bit_cast<uint64_t>(want[from + j]))
            << "series " << o << " from " << from << " sample " << j;
      }
    }
  }
  std::filesystem::remove_all(parent);
}

// A block whose chunks file has another format version is refused at open with an error that
// names the version, never read as if it were this format.
TEST(ChunkCodec, BlockOfAnotherFormatVersionIsRefused) {
  std::string parent = testing::FreshDir("codec_version_test");
  auto w = BlockWriter::Create(parent);
  ASSERT_TRUE(w.ok());
  std::vector<double> vs = {1, 2, 3};
  ASSERT_TRUE((*w)->AddSeries(model::Labels{{"__name__", "m"}}, Regular(3), vs).ok());
  auto meta = (*w)->Finish(0, 1800000000000);
  ASSERT_TRUE(meta.ok());
  std::string dir = parent + "/" + meta->ulid;
  ASSERT_TRUE(Block::Open(dir).ok());
  {
    std::fstream f(dir + "/chunks", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(7);
    f.put('1');  // "PLCHUNK1": the previous format
  }
  auto b = Block::Open(dir);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("format version '1' is not supported"), std::string::npos)
      << b.status().message();
  std::filesystem::remove_all(parent);
}

}  // namespace
}  // namespace promlet::tsdb
