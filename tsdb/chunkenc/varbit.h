// Field codecs shared by the chunk encodings, byte-compatible with Prometheus' chunkenc
// (varbit.go and xorWrite/xorRead of xor.go).
//
// Varbit (histogram chunks): a unary prefix of up to 8 bits picks the width of the value that
// follows:
//   '0' value 0 | '10'+3b | '110'+6b | '1110'+9b | '11110'+12b | '111110'+18b | '1111110'+25b |
//   '11111110'+56b | '11111111'+64b.
// Signed values use Prometheus' bitRange buckets (-(2^(n-1)-1) .. 2^(n-1)) in n-bit two's
// complement; unsigned ones the plain n-bit range.
//
// XOR value (Gorilla): '0' same bits | '10' + the bits inside the previous leading/trailing
// window | '11' + 5b leading zeros (capped at 31) + 6b significant-bit count (64 is 0) + bits.
// A window with leading == 0xff means "none yet" (the first XOR after a raw value).
//
// Invariants: every reader returns false (never reads past the stream) on truncated input and
// accepts exactly what the matching writer produces; all values round-trip bit-exactly.
#ifndef PROMLET_TSDB_CHUNKENC_VARBIT_H_
#define PROMLET_TSDB_CHUNKENC_VARBIT_H_

#include <bit>
#include <cstdint>

#include "tsdb/chunkenc/bstream.h"

namespace promlet::tsdb::chunkenc {

// Prometheus' bitRange: x fits the nbits bucket (asymmetric two's-complement range).
inline bool BitRange(int64_t x, int nbits) {
  return -((int64_t{1} << (nbits - 1)) - 1) <= x && x <= (int64_t{1} << (nbits - 1));
}

void PutVarbitInt(BitWriter& w, int64_t v);
void PutVarbitUint(BitWriter& w, uint64_t v);
bool ReadVarbitInt(BitReader& r, int64_t* out);
bool ReadVarbitUint(BitReader& r, uint64_t* out);

// Writes the XOR of `value` against `previous` (both float64 bit patterns), updating the
// leading/trailing window. Reserves its room.
inline void XorWriteValue(BitWriter& w, uint64_t value, uint64_t previous, uint8_t* leading,
                          uint8_t* trailing) {
  uint64_t delta = value ^ previous;
  if (delta == 0) {
    w.PutBits(0, 1);
    return;
  }
  uint8_t lead = static_cast<uint8_t>(std::countl_zero(delta));
  uint8_t trail = static_cast<uint8_t>(std::countr_zero(delta));
  if (lead >= 32) lead = 31;  // 5-bit field
  if (*leading != 0xff && lead >= *leading && trail >= *trailing) {
    w.PutBits(0b10, 2);
    w.PutBits(delta >> *trailing, 64 - *leading - *trailing);
    return;
  }
  *leading = lead;
  *trailing = trail;
  int sigbits = 64 - lead - trail;
  // '11', 5 bits leading, 6 bits sigbits (64 wraps to 0).
  w.PutBits((uint64_t{0b11} << 11) | (uint64_t{lead} << 6) | (static_cast<uint64_t>(sigbits) & 63),
            13);
  w.PutBits(delta >> trail, sigbits);
}

// Reads what XorWriteValue wrote, updating *value and the window; false on truncated or
// impossible (leading + significant bits > 64) input.
inline bool XorReadValue(BitReader& r, uint64_t* value, uint8_t* leading, uint8_t* trailing) {
  uint64_t bit;
  if (!r.ReadBit(&bit)) return false;
  if (bit == 0) return true;
  if (!r.ReadBit(&bit)) return false;
  unsigned mbits;
  if (bit == 0) {
    int m = 64 - int{*leading} - int{*trailing};
    if (m <= 0) return false;  // a window never set (corrupt stream)
    mbits = static_cast<unsigned>(m);
  } else {
    if (!r.Fill(11)) return false;
    unsigned lead = static_cast<unsigned>(r.Take(5));
    mbits = static_cast<unsigned>(r.Take(6));
    if (mbits == 0) mbits = 64;
    if (lead + mbits > 64) return false;
    *leading = static_cast<uint8_t>(lead);
    *trailing = static_cast<uint8_t>(64 - lead - mbits);
  }
  uint64_t bits;
  if (!r.ReadBits(mbits, &bits)) return false;
  *value ^= bits << *trailing;
  return true;
}

}  // namespace promlet::tsdb::chunkenc

#endif  // PROMLET_TSDB_CHUNKENC_VARBIT_H_
