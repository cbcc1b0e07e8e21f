// Binary adaptive range coder (the LZMA construction: 32-bit range, 64-bit low with carry
// propagation through a cached byte) used by the chunk value codec (chunk_codec.h) to code
// prediction residuals close to their entropy.
//
// Invariants and choices:
//  - AdaptiveBit holds P(bit == 0) in 1/65536 units, clamped to [kProbMin, 65536 - kProbMin],
//    and adapts with rate 1/(seen + 2) until it reaches 1/kRateLimit: it learns quickly from
//    the few hundred decisions of one chunk, then tracks slowly.
//  - The encoder drops LZMA's always-zero first byte and, when finishing, picks the point of
//    the final interval with the most trailing zero bytes and drops up to 4 of them; the
//    decoder reads bytes past the end as zeros, so both are free. A decoder that needs more
//    than kMaxPadding bytes past the end is reading a malformed stream: overran() says so.
//  - The decoder never reads outside its input, whatever the input.
#ifndef PROMLET_TSDB_BLOCK_RANGE_CODER_H_
#define PROMLET_TSDB_BLOCK_RANGE_CODER_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace promlet::tsdb::rc {

inline constexpr uint32_t kTop = 1u << 24;
inline constexpr int kProbBits = 16;
inline constexpr int kProbMin = 31;
inline constexpr int kRateLimit = 30;
inline constexpr size_t kMaxPadding = 4;

// 65536 / r for the adaptation rates r = 2 .. kRateLimit.
struct RateTable {
  int32_t recip[kRateLimit + 1];
  constexpr RateTable() : recip() {
    for (int r = 1; r <= kRateLimit; ++r) recip[r] = 65536 / r;
  }
};
inline constexpr RateTable kRates;

struct AdaptiveBit {
  uint16_t p0 = 32768;  // P(bit == 0) * 65536
  uint16_t seen = 0;

  __attribute__((always_inline)) void Update(int bit) {
    int rate = seen + 2 < kRateLimit ? seen + 2 : kRateLimit;
    int target = 65535 & (bit - 1);
    int p = p0 + (((target - static_cast<int>(p0)) * kRates.recip[rate]) >> 16);
    if (p < kProbMin) p = kProbMin;
    if (p > 65536 - kProbMin) p = 65536 - kProbMin;
    p0 = static_cast<uint16_t>(p);
    if (seen < kRateLimit) ++seen;
  }
};

class Encoder {
 public:
  explicit Encoder(std::string* out) : out_(out) {}

  void Bit(AdaptiveBit& m, int bit) {
    uint32_t bound = (range_ >> kProbBits) * m.p0;
    if (bit == 0) {
      range_ = bound;
    } else {
      low_ += bound;
      range_ -= bound;
    }
    m.Update(bit);
    while (range_ < kTop) {
      range_ <<= 8;
      ShiftLow();
    }
  }

  // The low k bits of v, equiprobable; k <= 16.
  void Direct(uint32_t v, int k) {
    range_ >>= k;
    low_ += static_cast<uint64_t>(v & ((1u << k) - 1)) * range_;
    while (range_ < kTop) {
      range_ <<= 8;
      ShiftLow();
    }
  }

  void Finish() {
    // Any value in [low, low + range) decodes the same: take the one with most trailing zeros.
    for (int s = 32; s >= 8; s -= 8) {
      uint64_t mask = (uint64_t{1} << s) - 1;
      uint64_t v = (low_ + mask) & ~mask;
      if (v >= low_ && v - low_ < range_) {
        low_ = v;
        break;
      }
    }
    size_t start_len = out_->size();
    for (int i = 0; i < 5; ++i) ShiftLow();
    size_t dropped = 0;
    while (dropped < kMaxPadding && out_->size() > start_len && out_->back() == 0) {
      out_->pop_back();
      ++dropped;
    }
  }

 private:
  void ShiftLow() {
    if (static_cast<uint32_t>(low_) < 0xFF000000u || (low_ >> 32) != 0) {
      uint8_t carry = static_cast<uint8_t>(low_ >> 32);
      uint8_t temp = cache_;
      do {
        if (!first_) out_->push_back(static_cast<char>(static_cast<uint8_t>(temp + carry)));
        first_ = false;
        temp = 0xFF;
      } while (--cache_size_ != 0);
      cache_ = static_cast<uint8_t>(low_ >> 24);
    }
    ++cache_size_;
    low_ = (low_ & 0x00FFFFFFu) << 8;
  }

  std::string* out_;
  uint64_t low_ = 0;
  uint32_t range_ = 0xFFFFFFFFu;
  uint8_t cache_ = 0;
  uint64_t cache_size_ = 1;
  bool first_ = true;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in)
      : p_(reinterpret_cast<const uint8_t*>(in.data())), end_(p_ + in.size()) {
    for (int i = 0; i < 4; ++i) code_ = (code_ << 8) | NextByte();
  }

  __attribute__((always_inline)) int Bit(AdaptiveBit& m) {
    uint32_t bound = (range_ >> kProbBits) * m.p0;
    int bit = code_ >= bound;
    // Branch-free: the decisions are what is left after modelling, close to unpredictable.
    uint32_t mask = 0u - static_cast<uint32_t>(bit);
    code_ -= bound & mask;
    range_ = (bound & ~mask) | ((range_ - bound) & mask);
    m.Update(bit);
    if (range_ < kTop) {
      range_ <<= 8;
      code_ = (code_ << 8) | NextByte();
      if (range_ < kTop) {
        range_ <<= 8;
        code_ = (code_ << 8) | NextByte();
      }
    }
    return bit;
  }

  uint32_t Direct(int k) {
    range_ >>= k;
    uint32_t v = code_ / range_;
    if (v >> k) v = (1u << k) - 1;  // only on malformed input
    code_ -= v * range_;
    while (range_ < kTop) {
      range_ <<= 8;
      code_ = (code_ << 8) | NextByte();
    }
    return v;
  }

  // True when the stream was shorter than what was decoded from it (malformed input).
  bool overran() const { return padding_ > kMaxPadding; }

 private:
  uint32_t NextByte() {
    if (p_ < end_) return *p_++;
    ++padding_;
    return 0;
  }

  const uint8_t* p_;
  const uint8_t* end_;
  uint32_t code_ = 0;
  uint32_t range_ = 0xFFFFFFFFu;
  size_t padding_ = 0;
};

// Raw bits next to the range-coded stream: the low bits of residuals are close to uniform,
// and reading them from a plain bit buffer is much cheaper than range decoding them.
class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}
  // The low k bits of v; k <= 57.
  void Put(uint64_t v, int k) {
    if (k == 0) return;
    acc_ |= (v & ((uint64_t{1} << k) - 1)) << n_;
    n_ += k;
    while (n_ >= 8) {
      out_->push_back(static_cast<char>(acc_));
      acc_ >>= 8;
      n_ -= 8;
    }
  }
  void Finish() {
    if (n_ > 0) out_->push_back(static_cast<char>(acc_));
    acc_ = 0;
    n_ = 0;
  }

 private:
  std::string* out_;
  uint64_t acc_ = 0;
  int n_ = 0;
};

class BitReader {
 public:
  explicit BitReader(std::string_view in)
      : begin_(reinterpret_cast<const uint8_t*>(in.data())), p_(begin_), end_(begin_ + in.size()) {}
  // The next k <= 56 bits without consuming them.
  uint64_t Peek(int k) {
    if (avail_ < k) Refill();
    return PeekUnchecked(k);
  }
  void Skip(int k) {
    buf_ >>= k;
    avail_ -= k;
  }
  // k <= 56 bits.
  uint64_t Get(int k) {
    if (avail_ < k) Refill();
    return GetUnchecked(k);
  }
  // After Refill(), up to 56 bits can be taken without checks.
  uint64_t PeekUnchecked(int k) const { return buf_ & ((uint64_t{1} << k) - 1); }
  uint64_t GetUnchecked(int k) {
    uint64_t v = buf_ & ((uint64_t{1} << k) - 1);
    buf_ >>= k;
    avail_ -= k;
    return v;
  }
  // True when more bits were read than the input holds (malformed input).
  bool overran() const {
    uint64_t loaded = static_cast<uint64_t>(p_ - begin_) + padding_;
    return loaded * 8 - static_cast<uint64_t>(avail_) > static_cast<uint64_t>(end_ - begin_) * 8;
  }

  // Makes at least 56 bits available (zeros past the end of the input). Away from the end it
  // loads 8 bytes whether or not bits are missing: no branch on how many bits the last codes
  // took, which follows the data. The bits of buf_ above avail_ are zero or the stream's next
  // ones in place, so OR-ing them in again changes nothing.
  void Refill() {
    if (end_ - p_ >= 8) {
      uint64_t w;
      std::memcpy(&w, p_, 8);  // little-endian hosts only
      buf_ |= w << avail_;
      int take = (63 - avail_) >> 3;
      p_ += take;
      avail_ += take * 8;
      return;
    }
    if (avail_ >= 56) return;
    while (avail_ <= 56) {
      uint64_t b = 0;
      if (p_ < end_) {
        b = *p_++;
      } else {
        ++padding_;
      }
      buf_ |= b << avail_;
      avail_ += 8;
    }
  }

 private:
  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  uint64_t buf_ = 0;
  int avail_ = 0;
  uint64_t padding_ = 0;  // zero bytes loaded past the end
};

}  // namespace promlet::tsdb::rc

#endif  // PROMLET_TSDB_BLOCK_RANGE_CODER_H_
