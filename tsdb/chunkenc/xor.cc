#include "tsdb/chunkenc/xor.h"

#include <bit>

namespace promlet::tsdb::chunkenc {
namespace {

// Prometheus' bitRange: x fits the nbits bucket (asymmetric two's-complement range).
inline bool BitRange(int64_t x, int nbits) {
  return -((int64_t{1} << (nbits - 1)) - 1) <= x && x <= (int64_t{1} << (nbits - 1));
}

void PutUvarint(std::string& out, uint64_t x) {
  while (x >= 0x80) {
    out.push_back(static_cast<char>(x | 0x80));
    x >>= 7;
  }
  out.push_back(static_cast<char>(x));
}

}  // namespace

namespace {
constexpr uint32_t kSlack = 8;  // zeroed bytes kept past the written bits
}

XorEncoder::XorEncoder() { bit_pos_ = 16; }  // 2-byte header; buffer allocated on first Append

XorEncoder& XorEncoder::operator=(XorEncoder&& o) noexcept {
  buf_ = std::move(o.buf_);
  bit_pos_ = o.bit_pos_;
  cap_ = o.cap_;
  min_t_ = o.min_t_;
  t_ = o.t_;
  t_delta_ = o.t_delta_;
  v_ = o.v_;
  num_ = o.num_;
  leading_ = o.leading_;
  trailing_ = o.trailing_;
  o.buf_.reset();
  o.cap_ = 0;
  o.bit_pos_ = 16;
  o.num_ = 0;
  return *this;
}

void XorEncoder::Reserve(size_t bytes) {
  size_t need = bytes + kSlack;
  if (need <= cap_) return;
  size_t cap = cap_ < 32 ? 32 : cap_ + cap_ / 2;
  if (cap < need) cap = need;
  std::unique_ptr<uint8_t[]> nb(new uint8_t[cap]());
  if (buf_) std::memcpy(nb.get(), buf_.get(), (bit_pos_ + 7) >> 3);
  buf_ = std::move(nb);
  cap_ = static_cast<uint32_t>(cap);
}

void XorEncoder::WriteBits(uint64_t u, int nbits) {
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

void XorEncoder::WriteValue(uint64_t v) {
  uint64_t delta = v ^ v_;
  if (delta == 0) {
    WriteBits(0, 1);
    return;
  }
  uint8_t lead = static_cast<uint8_t>(std::countl_zero(delta));
  uint8_t trail = static_cast<uint8_t>(std::countr_zero(delta));
  if (lead >= 32) lead = 31;  // 5-bit field
  if (leading_ != 0xff && lead >= leading_ && trail >= trailing_) {
    WriteBits(0b10, 2);
    WriteBits(delta >> trailing_, 64 - leading_ - trailing_);
    return;
  }
  leading_ = lead;
  trailing_ = trail;
  int sigbits = 64 - lead - trail;
  // '11', 5 bits leading, 6 bits sigbits (64 wraps to 0).
  WriteBits((uint64_t{0b11} << 11) | (uint64_t{lead} << 6) | (static_cast<uint64_t>(sigbits) & 63),
            13);
  WriteBits(delta >> trail, sigbits);
}

bool XorEncoder::Append(int64_t t, double v) {
  uint64_t vb;
  std::memcpy(&vb, &v, 8);
  if (num_ == kMaxSamples) return false;
  if (num_ == 0) {
    // Varint zigzag, as Go's binary.PutVarint.
    uint64_t ux = static_cast<uint64_t>(t) << 1;
    if (t < 0) ux = ~ux;
    // Varint bytes go through the bit writer: the stream may not be byte aligned later on, but
    // here it is (fresh chunk), so appending whole bytes is equivalent.
    std::string tmp;
    PutUvarint(tmp, ux);
    Reserve(2 + tmp.size() + 8);
    for (char c : tmp) WriteBits(static_cast<uint8_t>(c), 8);
    WriteBits(vb, 64);
    min_t_ = t;
  } else {
    if (t <= t_) return false;
    uint64_t delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    Reserve(((bit_pos_ + 7) >> 3) + 20);  // worst case: 4+64 bits dod, 13+64 bits value
    if (num_ == 1) {
      std::string tmp;
      PutUvarint(tmp, delta);
      for (char c : tmp) WriteBits(static_cast<uint8_t>(c), 8);
    } else {
      int64_t dod = static_cast<int64_t>(delta - t_delta_);
      if (dod == 0) {
        WriteBits(0, 1);
      } else if (BitRange(dod, 14)) {
        WriteBits(0b10, 2);
        WriteBits(static_cast<uint64_t>(dod), 14);
      } else if (BitRange(dod, 17)) {
        WriteBits(0b110, 3);
        WriteBits(static_cast<uint64_t>(dod), 17);
      } else if (BitRange(dod, 20)) {
        WriteBits(0b1110, 4);
        WriteBits(static_cast<uint64_t>(dod), 20);
      } else {
        WriteBits(0b1111, 4);
        WriteBits(static_cast<uint64_t>(dod), 64);
      }
    }
    t_delta_ = delta;
    WriteValue(vb);
  }
  t_ = t;
  v_ = vb;
  ++num_;
  buf_[0] = static_cast<uint8_t>(num_ >> 8);
  buf_[1] = static_cast<uint8_t>(num_ & 0xff);
  return true;
}

std::string XorEncoder::Finish() {
  std::string out = buf_ ? std::string(bytes()) : std::string(2, '\0');  // exact-size copy
  *this = XorEncoder();
  return out;
}

// ---- iterator ----

XorIterator::XorIterator(absl::Span<const uint8_t> bytes, int limit) { Reset(bytes, limit); }

void XorIterator::Reset(absl::Span<const uint8_t> bytes, int limit) {
  *this = XorIterator();
  if (bytes.size() < 2) {
    if (!bytes.empty()) status_ = absl::DataLossError("xor chunk: truncated header");
    return;
  }
  total_ = (bytes[0] << 8) | bytes[1];
  if (limit >= 0 && limit < total_) total_ = limit;
  p_ = bytes.data() + 2;
  end_ = bytes.data() + bytes.size();
}

bool XorIterator::Fail() {
  if (status_.ok()) {
    status_ = absl::DataLossError("xor chunk: corrupt or truncated at sample " +
                                  std::to_string(read_));
  }
  read_ = total_;
  return false;
}

bool XorIterator::ReadBitsSlow(unsigned n, uint64_t* out) {
  uint64_t r = 0;
  while (n > 0) {
    unsigned k = n > 32 ? 32 : n;
    if (!Fill(k)) return false;
    r = (k == 64 ? 0 : r << k) | Take(k);
    n -= k;
  }
  *out = r;
  return true;
}

bool XorIterator::ReadVarint(uint64_t* out) {
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

bool XorIterator::DecodeValue() {
  if (!Fill(1)) return false;
  if (Take(1) == 0) return true;
  if (!Fill(1)) return false;
  unsigned mbits;
  if (Take(1) == 0) {
    mbits = 64 - leading_ - trailing_;
  } else {
    if (!Fill(11)) return false;
    unsigned lead = static_cast<unsigned>(Take(5));
    mbits = static_cast<unsigned>(Take(6));
    if (mbits == 0) mbits = 64;
    if (lead + mbits > 64) return false;
    leading_ = static_cast<uint8_t>(lead);
    trailing_ = static_cast<uint8_t>(64 - lead - mbits);
  }
  uint64_t bits;
  if (!ReadBitsSlow(mbits, &bits)) return false;
  v_ ^= bits << trailing_;
  return true;
}

bool XorIterator::Seek(int64_t t) {
  if (read_ > 0 && T() >= t) return true;
  while (Decode()) {
    if (T() >= t) return true;
  }
  return false;
}

size_t XorIterator::NextBatch(int64_t* ts, double* vs, size_t max) {
  size_t n = 0;
  while (n < max && Decode()) {
    ts[n] = static_cast<int64_t>(t_);
    std::memcpy(&vs[n], &v_, 8);
    ++n;
  }
  return n;
}

}  // namespace promlet::tsdb::chunkenc
