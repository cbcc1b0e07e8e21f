#include "tsdb/chunkenc/varbit.h"

namespace promlet::tsdb::chunkenc {
namespace {

// Width of the value after a prefix of `ones` one-bits (then a zero, except after 8 ones).
constexpr unsigned kWidths[9] = {0, 3, 6, 9, 12, 18, 25, 56, 64};

inline bool BitRangeUint(uint64_t x, int nbits) { return std::countl_zero(x) >= 64 - nbits; }

// Writes the prefix for bucket i (1..8) and the low kWidths[i] bits of u.
inline void PutBucket(BitWriter& w, unsigned i, uint64_t u) {
  if (i == 8) {
    w.PutBits(0xff, 8);
    w.PutBits(u, 64);
    return;
  }
  // i ones then a zero: (2^(i+1) - 2) over i+1 bits.
  w.PutBits((uint64_t{1} << (i + 1)) - 2, static_cast<int>(i + 1));
  w.PutBits(u, static_cast<int>(kWidths[i]));
}

// Reads the prefix: how many one-bits (0..8) before the terminating zero.
inline bool ReadPrefix(BitReader& r, unsigned* ones) {
  unsigned n = 0;
  while (n < 8) {
    uint64_t bit;
    if (!r.ReadBit(&bit)) return false;
    if (bit == 0) break;
    ++n;
  }
  *ones = n;
  return true;
}

}  // namespace

void PutVarbitInt(BitWriter& w, int64_t v) {
  if (v == 0) {
    w.PutBits(0, 1);
    return;
  }
  for (unsigned i = 1; i < 8; ++i) {
    if (BitRange(v, static_cast<int>(kWidths[i]))) {
      PutBucket(w, i, static_cast<uint64_t>(v));
      return;
    }
  }
  PutBucket(w, 8, static_cast<uint64_t>(v));
}

void PutVarbitUint(BitWriter& w, uint64_t v) {
  if (v == 0) {
    w.PutBits(0, 1);
    return;
  }
  for (unsigned i = 1; i < 8; ++i) {
    if (BitRangeUint(v, static_cast<int>(kWidths[i]))) {
      PutBucket(w, i, v);
      return;
    }
  }
  PutBucket(w, 8, v);
}

bool ReadVarbitUint(BitReader& r, uint64_t* out) {
  unsigned ones;
  if (!ReadPrefix(r, &ones)) return false;
  if (ones == 0) {
    *out = 0;
    return true;
  }
  return r.ReadBits(kWidths[ones], out);
}

bool ReadVarbitInt(BitReader& r, int64_t* out) {
  unsigned ones;
  if (!ReadPrefix(r, &ones)) return false;
  if (ones == 0) {
    *out = 0;
    return true;
  }
  const unsigned sz = kWidths[ones];
  uint64_t bits;
  if (!r.ReadBits(sz, &bits)) return false;
  if (sz < 64 && bits > (uint64_t{1} << (sz - 1))) bits -= uint64_t{1} << sz;  // sign (mod 2^64)
  *out = static_cast<int64_t>(bits);
  return true;
}

}  // namespace promlet::tsdb::chunkenc
