// Gorilla XOR chunk, byte-compatible with Prometheus' chunkenc.XORChunk:
//   2 bytes big-endian sample count, then a bit stream:
//   sample 0: varint(t) (zigzag), 64 raw value bits;
//   sample 1: uvarint(t1-t0), XOR value;
//   sample n: delta-of-delta of t in buckets '0' | '10'+14b | '110'+17b | '1110'+20b | '1111'+64b,
//             XOR value: '0' same | '10' bits in the previous leading/trailing window |
//             '11' + 5b leading + 6b significant-bit count (0 means 64) + bits.
//
// Invariants: timestamps strictly increase (XorEncoder refuses others); all arithmetic on
// timestamps is modulo 2^64, so any int64 gap round-trips; values round-trip bit-exactly.
#ifndef PROMLET_TSDB_CHUNKENC_XOR_H_
#define PROMLET_TSDB_CHUNKENC_XOR_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "storage/interface.h"
#include "tsdb/chunkenc/bstream.h"

namespace promlet::tsdb::chunkenc {

// Appends samples to one growing XOR chunk in O(1) amortised. The buffer keeps 8 zeroed bytes of
// slack past the written bits, so bits are OR-ed in with one unaligned 64-bit store.
class XorEncoder {
 public:
  static constexpr uint16_t kMaxSamples = 65535;

  XorEncoder();
  XorEncoder(XorEncoder&& o) noexcept { *this = std::move(o); }
  XorEncoder& operator=(XorEncoder&& o) noexcept;
  XorEncoder(const XorEncoder&) = delete;
  XorEncoder& operator=(const XorEncoder&) = delete;

  // False (and nothing written) when t is not greater than the last timestamp or the chunk
  // holds kMaxSamples already.
  bool Append(int64_t t, double v);

  uint16_t num_samples() const { return num_; }
  bool empty() const { return num_ == 0; }
  int64_t min_time() const { return min_t_; }
  int64_t last_time() const { return t_; }
  uint64_t last_value_bits() const { return v_; }
  // The chunk bytes so far (a valid XOR chunk between Appends).
  std::string_view bytes() const {
    if (!w_.allocated()) return std::string_view("\0\0", 2);  // empty chunk: count 0
    return w_.bytes();
  }
  // Heap bytes owned.
  size_t MemoryBytes() const { return w_.capacity(); }
  // Hands the bytes over (exact size) and resets to an empty chunk.
  std::string Finish();

 private:
  BitWriter w_;
  int64_t min_t_ = 0;
  int64_t t_ = 0;
  uint64_t t_delta_ = 0;
  uint64_t v_ = 0;
  uint16_t num_ = 0;
  uint8_t leading_ = 0xff;
  uint8_t trailing_ = 0;
};

// Decodes an XOR chunk. Reads at most `limit` samples (default: the header count), which lets
// a reader see a prefix of a chunk that is being appended to (on a private copy).
class XorIterator final : public storage::SampleIterator {
 public:
  explicit XorIterator(absl::Span<const uint8_t> bytes, int limit = -1);
  XorIterator() = default;
  void Reset(absl::Span<const uint8_t> bytes, int limit = -1);

  bool Next() override { return Decode(); }
  bool Seek(int64_t t) override;
  int64_t T() const override { return static_cast<int64_t>(t_); }
  double V() const override {
    double d;
    std::memcpy(&d, &v_, 8);
    return d;
  }
  absl::Status status() const override { return status_; }
  size_t NextBatch(int64_t* ts, double* vs, size_t max) override;

  int samples_left() const { return total_ - read_; }

  // The inline decoder behind Next().
  inline bool Decode();

 private:
  bool Fail();
  bool DecodeValue();

  BitReader r_;
  int total_ = 0;
  int read_ = 0;
  uint64_t t_ = 0;
  uint64_t t_delta_ = 0;
  uint64_t v_ = 0;
  uint8_t leading_ = 0;
  uint8_t trailing_ = 0;
  absl::Status status_;
};

// ---- inline decoding ----

inline bool XorIterator::Decode() {
  if (read_ >= total_) return false;
  if (read_ < 2) {
    if (read_ == 0) {
      uint64_t ux;
      if (!r_.ReadUvarint(&ux)) return Fail();
      uint64_t x = ux >> 1;
      if (ux & 1) x = ~x;
      t_ = x;
      uint64_t v;
      if (!r_.ReadBits(64, &v)) return Fail();
      v_ = v;
    } else {
      uint64_t d;
      if (!r_.ReadUvarint(&d)) return Fail();
      t_delta_ = d;
      t_ += d;
      if (!DecodeValue()) return Fail();
    }
    ++read_;
    return true;
  }
  if (!r_.Fill(4)) {
    // Possibly a 1-bit '0' at the very end.
    if (r_.valid() >= 1 && r_.Peek(1) == 0) {
      r_.Take(1);
    } else {
      return Fail();
    }
  } else {
    uint64_t ctl = r_.Peek(4);
    if (ctl < 8) {
      r_.Take(1);
    } else {
      unsigned sz;
      if (ctl < 12) {
        r_.Take(2);
        sz = 14;
      } else if (ctl < 14) {
        r_.Take(3);
        sz = 17;
      } else if (ctl == 14) {
        r_.Take(4);
        sz = 20;
      } else {
        r_.Take(4);
        sz = 64;
      }
      uint64_t bits;
      if (sz == 64) {
        if (!r_.ReadBits(64, &bits)) return Fail();
      } else {
        if (!r_.Fill(sz)) return Fail();
        bits = r_.Take(sz);
        if (bits > (uint64_t{1} << (sz - 1))) bits -= uint64_t{1} << sz;  // sign (mod 2^64)
      }
      t_delta_ += bits;
    }
  }
  t_ += t_delta_;
  // Value.
  if (!r_.Fill(2)) {
    if (r_.valid() >= 1 && r_.Peek(1) == 0) {
      r_.Take(1);
      ++read_;
      return true;
    }
    return Fail();
  }
  if (r_.Peek(1) == 0) {  // '0': same value
    r_.Take(1);
    ++read_;
    return true;
  }
  unsigned mbits;
  if (r_.Peek(2) == 2) {  // '10': meaningful bits in the previous window
    r_.Take(2);
    mbits = 64 - leading_ - trailing_;
  } else {
    // '11': new leading/trailing window.
    r_.Take(2);
    if (!r_.Fill(11)) return Fail();
    unsigned lead = static_cast<unsigned>(r_.Take(5));
    mbits = static_cast<unsigned>(r_.Take(6));
    if (mbits == 0) mbits = 64;
    if (lead + mbits > 64) return Fail();
    leading_ = static_cast<uint8_t>(lead);
    trailing_ = static_cast<uint8_t>(64 - lead - mbits);
  }
  uint64_t bits;
  if (mbits <= 56) {
    if (!r_.Fill(mbits)) return Fail();
    bits = r_.Take(mbits);
  } else if (!r_.ReadBits(mbits, &bits)) {
    return Fail();
  }
  v_ ^= bits << trailing_;
  ++read_;
  return true;
}

}  // namespace promlet::tsdb::chunkenc

#endif  // PROMLET_TSDB_CHUNKENC_XOR_H_
