// Byte-level encoding helpers shared by the WAL, the block format and the protobuf readers (push,
// later remote write): LEB128 varints (protobuf's wire varints), zigzag,
// fixed-width little-endian integers, and a bounds-checked Decoder that never reads past its
// input (a corrupt length or varint makes it fail, never crash).
#ifndef PROMLET_COMMON_VARINT_H_
#define PROMLET_COMMON_VARINT_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace promlet::common {

inline uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t UnZigZag(uint64_t u) { return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1); }

// Two's-complement addition without signed-overflow UB (corrupt input may hold any delta).
inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

inline void PutUvarint(std::string* out, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}
inline void PutVarint(std::string* out, int64_t v) { PutUvarint(out, ZigZag(v)); }
inline void PutFixed32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // little-endian hosts only (x86-64, aarch64)
  out->append(b, 4);
}
inline void PutFixed64(std::string* out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out->append(b, 8);
}
inline void PutString(std::string* out, std::string_view s) {
  PutUvarint(out, s.size());
  out->append(s.data(), s.size());
}
inline uint32_t GetFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t GetFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline int UvarintLen(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Reads from a byte range; every getter returns false (and latches ok() == false) when the
// input is exhausted or malformed.
class Decoder {
 public:
  Decoder() = default;
  explicit Decoder(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}
  Decoder(const char* p, size_t n) : p_(p), end_(p + n) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool empty() const { return p_ == end_; }
  const char* pos() const { return p_; }

  bool Uvarint(uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 64 && p_ < end_; shift += 7) {
      uint8_t b = static_cast<uint8_t>(*p_++);
      r |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) {
        *v = r;
        return true;
      }
    }
    return Fail();
  }
  bool Varint(int64_t* v) {
    uint64_t u;
    if (!Uvarint(&u)) return false;
    *v = UnZigZag(u);
    return true;
  }
  bool Fixed32(uint32_t* v) {
    if (remaining() < 4) return Fail();
    *v = GetFixed32(p_);
    p_ += 4;
    return true;
  }
  bool Fixed64(uint64_t* v) {
    if (remaining() < 8) return Fail();
    *v = GetFixed64(p_);
    p_ += 8;
    return true;
  }
  bool Byte(uint8_t* v) {
    if (p_ >= end_) return Fail();
    *v = static_cast<uint8_t>(*p_++);
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (remaining() < n) return Fail();
    *out = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool String(std::string_view* out) {
    uint64_t n;
    if (!Uvarint(&n)) return false;
    return Bytes(n, out);
  }

 private:
  bool Fail() {
    ok_ = false;
    p_ = end_;
    return false;
  }
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  bool ok_ = true;
};

}  // namespace promlet::common

#endif  // PROMLET_COMMON_VARINT_H_
