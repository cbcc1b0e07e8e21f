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
    if (!buf_) return std::string_view("\0\0", 2);  // empty chunk: count 0
    return std::string_view(reinterpret_cast<const char*>(buf_.get()), (bit_pos_ + 7) >> 3);
  }
  // Heap bytes owned.
  size_t MemoryBytes() const { return cap_; }
  // Hands the bytes over (exact size) and resets to an empty chunk.
  std::string Finish();

 private:
  void Reserve(size_t bytes);
  void WriteBits(uint64_t u, int nbits);  // nbits 1..64
  void WriteValue(uint64_t v);

  std::unique_ptr<uint8_t[]> buf_;
  uint32_t bit_pos_ = 0;
  uint32_t cap_ = 0;
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
  inline void Refill();
  inline bool Fill(unsigned n);
  inline uint64_t Take(unsigned n);  // n in 1..56, requires valid_ >= n
  bool ReadBitsSlow(unsigned n, uint64_t* out);
  bool ReadVarint(uint64_t* out);
  bool Fail();
  bool DecodeValue();

  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t buf_ = 0;
  unsigned valid_ = 0;
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

inline void XorIterator::Refill() {
  if (end_ - p_ >= 8) {
    uint64_t w;
    std::memcpy(&w, p_, 8);
    w = __builtin_bswap64(w);
    if (valid_ == 0) {
      buf_ = w;
      p_ += 8;
      valid_ = 64;
      return;
    }
    unsigned bytes = (64 - valid_) >> 3;
    // Bits past valid_ are either zero or already the same next-byte bits: OR is idempotent.
    buf_ |= w >> valid_;
    p_ += bytes;
    valid_ += bytes * 8;
  } else {
    while (valid_ <= 56 && p_ < end_) {
      buf_ |= static_cast<uint64_t>(*p_++) << (56 - valid_);
      valid_ += 8;
    }
  }
}

inline bool XorIterator::Fill(unsigned n) {
  if (valid_ < n) Refill();
  return valid_ >= n;
}

inline uint64_t XorIterator::Take(unsigned n) {
  uint64_t r = buf_ >> (64 - n);
  buf_ <<= n;
  valid_ -= n;
  return r;
}

inline bool XorIterator::Decode() {
  if (read_ >= total_) return false;
  if (read_ < 2) {
    if (read_ == 0) {
      uint64_t ux;
      if (!ReadVarint(&ux)) return Fail();
      uint64_t x = ux >> 1;
      if (ux & 1) x = ~x;
      t_ = x;
      uint64_t v;
      if (!ReadBitsSlow(64, &v)) return Fail();
      v_ = v;
    } else {
      uint64_t d;
      if (!ReadVarint(&d)) return Fail();
      t_delta_ = d;
      t_ += d;
      if (!DecodeValue()) return Fail();
    }
    ++read_;
    return true;
  }
  if (!Fill(4)) {
    // Possibly a 1-bit '0' at the very end.
    if (valid_ >= 1 && (buf_ >> 63) == 0) {
      Take(1);
    } else {
      return Fail();
    }
  } else {
    uint64_t ctl = buf_ >> 60;
    if (ctl < 8) {
      Take(1);
    } else {
      unsigned sz;
      if (ctl < 12) {
        Take(2);
        sz = 14;
      } else if (ctl < 14) {
        Take(3);
        sz = 17;
      } else if (ctl == 14) {
        Take(4);
        sz = 20;
      } else {
        Take(4);
        sz = 64;
      }
      uint64_t bits;
      if (sz == 64) {
        if (!ReadBitsSlow(64, &bits)) return Fail();
      } else {
        if (!Fill(sz)) return Fail();
        bits = Take(sz);
        if (bits > (uint64_t{1} << (sz - 1))) bits -= uint64_t{1} << sz;  // sign (mod 2^64)
      }
      t_delta_ += bits;
    }
  }
  t_ += t_delta_;
  // Value.
  if (!Fill(2)) {
    if (valid_ >= 1 && (buf_ >> 63) == 0) {
      Take(1);
      ++read_;
      return true;
    }
    return Fail();
  }
  if ((buf_ >> 63) == 0) {  // '0': same value
    Take(1);
    ++read_;
    return true;
  }
  unsigned mbits;
  if ((buf_ >> 62) == 2) {  // '10': meaningful bits in the previous window
    Take(2);
    mbits = 64 - leading_ - trailing_;
  } else {
    // '11': new leading/trailing window.
    Take(2);
    if (!Fill(11)) return Fail();
    unsigned lead = static_cast<unsigned>(Take(5));
    mbits = static_cast<unsigned>(Take(6));
    if (mbits == 0) mbits = 64;
    if (lead + mbits > 64) return Fail();
    leading_ = static_cast<uint8_t>(lead);
    trailing_ = static_cast<uint8_t>(64 - lead - mbits);
  }
  uint64_t bits;
  if (mbits <= 56) {
    if (!Fill(mbits)) return Fail();
    bits = Take(mbits);
  } else if (!ReadBitsSlow(mbits, &bits)) {
    return Fail();
  }
  v_ ^= bits << trailing_;
  ++read_;
  return true;
}

}  // namespace promlet::tsdb::chunkenc

#endif  // PROMLET_TSDB_CHUNKENC_XOR_H_
