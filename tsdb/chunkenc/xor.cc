#include "tsdb/chunkenc/xor.h"

#include <bit>

#include "tsdb/chunkenc/varbit.h"

namespace promlet::tsdb::chunkenc {
namespace {

void PutUvarint(std::string& out, uint64_t x) {
  while (x >= 0x80) {
    out.push_back(static_cast<char>(x | 0x80));
    x >>= 7;
  }
  out.push_back(static_cast<char>(x));
}

}  // namespace

XorEncoder::XorEncoder() = default;  // buffer (with the 2-byte header) allocated on first Append

XorEncoder& XorEncoder::operator=(XorEncoder&& o) noexcept {
  w_ = std::move(o.w_);
  min_t_ = o.min_t_;
  t_ = o.t_;
  t_delta_ = o.t_delta_;
  v_ = o.v_;
  num_ = o.num_;
  leading_ = o.leading_;
  trailing_ = o.trailing_;
  o.num_ = 0;
  o.leading_ = 0xff;  // a reused moved-from encoder starts a fresh XOR window
  o.trailing_ = 0;
  return *this;
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
    w_.Skip(16);  // the sample count
    w_.Reserve(2 + tmp.size() + 8);
    for (char c : tmp) w_.WriteBits(static_cast<uint8_t>(c), 8);
    w_.WriteBits(vb, 64);
    min_t_ = t;
  } else {
    if (t <= t_) return false;
    uint64_t delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    w_.Reserve(((w_.bit_pos() + 7) >> 3) + 20);  // worst case: 4+64 bits dod, 13+64 bits value
    if (num_ == 1) {
      std::string tmp;
      PutUvarint(tmp, delta);
      for (char c : tmp) w_.WriteBits(static_cast<uint8_t>(c), 8);
    } else {
      int64_t dod = static_cast<int64_t>(delta - t_delta_);
      if (dod == 0) {
        w_.WriteBits(0, 1);
      } else if (BitRange(dod, 14)) {
        w_.WriteBits(0b10, 2);
        w_.WriteBits(static_cast<uint64_t>(dod), 14);
      } else if (BitRange(dod, 17)) {
        w_.WriteBits(0b110, 3);
        w_.WriteBits(static_cast<uint64_t>(dod), 17);
      } else if (BitRange(dod, 20)) {
        w_.WriteBits(0b1110, 4);
        w_.WriteBits(static_cast<uint64_t>(dod), 20);
      } else {
        w_.WriteBits(0b1111, 4);
        w_.WriteBits(static_cast<uint64_t>(dod), 64);
      }
    }
    t_delta_ = delta;
    XorWriteValue(w_, vb, v_, &leading_, &trailing_);
  }
  t_ = t;
  v_ = vb;
  ++num_;
  w_.data()[0] = static_cast<uint8_t>(num_ >> 8);
  w_.data()[1] = static_cast<uint8_t>(num_ & 0xff);
  return true;
}

std::string XorEncoder::Finish() {
  std::string out(bytes());  // exact-size copy
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
  r_ = BitReader(bytes.data() + 2, bytes.data() + bytes.size());
}

bool XorIterator::Fail() {
  if (status_.ok()) {
    status_ = absl::DataLossError("xor chunk: corrupt or truncated at sample " +
                                  std::to_string(read_));
  }
  read_ = total_;
  return false;
}

bool XorIterator::DecodeValue() { return XorReadValue(r_, &v_, &leading_, &trailing_); }

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
