// The bit streams every chunk encoding writes and reads (Prometheus' chunkenc/bstream.go):
// bits are packed most-significant first into bytes, so a stream of whole bytes written through
// WriteBits reads back byte for byte.
//
// BitWriter invariants: the buffer keeps kSlack zeroed bytes past the last written bit, so
// WriteBits ORs bits in with one unaligned 64-bit load/store; the bytes past bit_pos() are zero.
// WriteBits needs the room reserved (Reserve) beforehand; PutBits reserves itself.
// BitReader invariants: never reads past `end`; buf_ holds valid_ (0..64) not yet consumed bits,
// left-aligned, and the bits below them are zero or the same next-stream bits.
#ifndef PROMLET_TSDB_CHUNKENC_BSTREAM_H_
#define PROMLET_TSDB_CHUNKENC_BSTREAM_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace promlet::tsdb::chunkenc {

class BitWriter {
 public:
  static constexpr uint32_t kSlack = 8;

  BitWriter() = default;
  BitWriter(BitWriter&& o) noexcept { *this = std::move(o); }
  BitWriter& operator=(BitWriter&& o) noexcept {
    buf_ = std::move(o.buf_);
    bit_pos_ = o.bit_pos_;
    cap_ = o.cap_;
    o.cap_ = 0;
    o.bit_pos_ = 0;
    return *this;
  }
  BitWriter(const BitWriter&) = delete;
  BitWriter& operator=(const BitWriter&) = delete;

  // Ensures `bytes` bytes (from the start of the stream) plus the slack are allocated.
  void Reserve(size_t bytes) {
    size_t need = bytes + kSlack;
    if (need <= cap_) return;
    size_t cap = cap_ < 32 ? 32 : cap_ + cap_ / 2;
    if (cap < need) cap = need;
    std::unique_ptr<uint8_t[]> nb(new uint8_t[cap]());
    if (buf_) std::memcpy(nb.get(), buf_.get(), (bit_pos_ + 7) >> 3);
    buf_ = std::move(nb);
    cap_ = static_cast<uint32_t>(cap);
  }

  // Writes the low nbits (1..64) of u; the room must be reserved.
  void WriteBits(uint64_t u, int nbits) {
    if (nbits > 56) {
      WriteBits(u >> 32, nbits - 32);
      WriteBits(u & 0xffffffffULL, 32);
      return;
    }
    u &= (uint64_t{1} << nbits) - 1;
    uint8_t* p = buf_.get() + (bit_pos_ >> 3);
    unsigned shift = bit_pos_ & 7;
    uint64_t w;
    std::memcpy(&w, p, 8);
    w = __builtin_bswap64(w);
    w |= u << (64 - shift - nbits);
    w = __builtin_bswap64(w);
    std::memcpy(p, &w, 8);
    bit_pos_ += nbits;
  }

  // WriteBits that reserves the room first.
  void PutBits(uint64_t u, int nbits) {
    if (((bit_pos_ + 64) >> 3) + kSlack > cap_) Reserve(((bit_pos_ + 64) >> 3) + 1);
    WriteBits(u, nbits);
  }

  // Skips `bits` zero bits (header space), reserving them.
  void Skip(uint32_t bits) {
    Reserve(((bit_pos_ + bits) >> 3) + 1);
    bit_pos_ += bits;
  }

  bool allocated() const { return buf_ != nullptr; }
  uint8_t* data() { return buf_.get(); }
  const uint8_t* data() const { return buf_.get(); }
  uint32_t bit_pos() const { return bit_pos_; }
  size_t capacity() const { return cap_; }
  // The written bytes (the last one zero-padded).
  std::string_view bytes() const {
    return std::string_view(reinterpret_cast<const char*>(buf_.get()), (bit_pos_ + 7) >> 3);
  }

 private:
  std::unique_ptr<uint8_t[]> buf_;
  uint32_t bit_pos_ = 0;
  uint32_t cap_ = 0;
};

class BitReader {
 public:
  BitReader() = default;
  BitReader(const uint8_t* p, const uint8_t* end) : begin_(p), p_(p), end_(end) {}

  // Bits consumed since the start.
  uint64_t position() const { return static_cast<uint64_t>(p_ - begin_) * 8 - valid_; }

  // Makes at least n (<= 57) bits available unless the stream ends first; true if it did.
  bool Fill(unsigned n) {
    if (valid_ < n) Refill();
    return valid_ >= n;
  }
  // The next n (1..64) bits without consuming them; requires valid() >= n.
  uint64_t Peek(unsigned n) const { return buf_ >> (64 - n); }
  // Consumes n (1..56) bits; requires valid() >= n.
  uint64_t Take(unsigned n) {
    uint64_t r = buf_ >> (64 - n);
    buf_ <<= n;
    valid_ -= n;
    return r;
  }
  unsigned valid() const { return valid_; }

  // Reads n (1..64) bits; false when the stream ends first.
  bool ReadBits(unsigned n, uint64_t* out) {
    uint64_t r = 0;
    while (n > 0) {
      unsigned k = n > 32 ? 32 : n;
      if (!Fill(k)) return false;
      r = (r << k) | Take(k);
      n -= k;
    }
    *out = r;
    return true;
  }
  bool ReadBit(uint64_t* out) {
    if (!Fill(1)) return false;
    *out = Take(1);
    return true;
  }
  // Go's binary.Uvarint over 8-bit groups of the stream (which need not be byte aligned).
  bool ReadUvarint(uint64_t* out) {
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
      if (!Fill(8)) return false;
      uint64_t b = Take(8);
      if (shift == 63 && b > 1) return false;
      x |= (b & 0x7f) << shift;
      if (b < 0x80) {
        *out = x;
        return true;
      }
    }
    return false;
  }

 private:
  void Refill() {
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

  const uint8_t* begin_ = nullptr;
  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t buf_ = 0;
  unsigned valid_ = 0;
};

}  // namespace promlet::tsdb::chunkenc

#endif  // PROMLET_TSDB_CHUNKENC_BSTREAM_H_
