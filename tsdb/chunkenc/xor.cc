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

XorEncoder::XorEncoder() { bytes_.assign(2, '\0'); }

void XorEncoder::WriteBit(bool b) { WriteBits(b ? 1 : 0, 1); }

void XorEncoder::WriteBits(uint64_t u, int nbits) {
  while (nbits > 0) {
    if (free_bits_ == 0) {
      bytes_.push_back('\0');
      free_bits_ = 8;
    }
    int take = nbits < free_bits_ ? nbits : free_bits_;
    uint64_t part = (u >> (nbits - take)) & ((uint64_t{1} << take) - 1);
    bytes_.back() = static_cast<char>(static_cast<uint8_t>(bytes_.back()) |
                                      static_cast<uint8_t>(part << (free_bits_ - take)));
    free_bits_ -= take;
    nbits -= take;
  }
}

void XorEncoder::WriteValue(uint64_t v) {
  uint64_t delta = v ^ v_;
  if (delta == 0) {
    WriteBit(false);
    return;
  }
  WriteBit(true);
  uint8_t lead = static_cast<uint8_t>(std::countl_zero(delta));
  uint8_t trail = static_cast<uint8_t>(std::countr_zero(delta));
  if (lead >= 32) lead = 31;  // 5-bit field
  if (leading_ != 0xff && lead >= leading_ && trail >= trailing_) {
    WriteBit(false);
    WriteBits(delta >> trailing_, 64 - leading_ - trailing_);
    return;
  }
  leading_ = lead;
  trailing_ = trail;
  WriteBit(true);
  WriteBits(lead, 5);
  int sigbits = 64 - lead - trail;
  WriteBits(static_cast<uint64_t>(sigbits), 6);  // 64 wraps to 0
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
    for (char c : tmp) WriteBits(static_cast<uint8_t>(c), 8);
    WriteBits(vb, 64);
    min_t_ = t;
  } else {
    if (t <= t_) return false;
    uint64_t delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    if (num_ == 1) {
      std::string tmp;
      PutUvarint(tmp, delta);
      for (char c : tmp) WriteBits(static_cast<uint8_t>(c), 8);
    } else {
      int64_t dod = static_cast<int64_t>(delta - t_delta_);
      if (dod == 0) {
        WriteBit(false);
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
  bytes_[0] = static_cast<char>(num_ >> 8);
  bytes_[1] = static_cast<char>(num_ & 0xff);
  return true;
}

std::string XorEncoder::Finish() {
  std::string out(bytes_.data(), bytes_.size());  // exact-size copy
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
