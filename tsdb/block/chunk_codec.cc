#include "tsdb/block/chunk_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "tsdb/block/varint.h"

namespace promlet::tsdb {
namespace {

enum ValueMode : uint8_t { kConstant = 0, kDecimal = 1, kXor = 2 };

constexpr int kMaxScale = 15;
constexpr double kMaxExact = 9007199254740992.0;  // 2^53

constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                             1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

absl::Status Bad(const char* what) {
  return absl::DataLossError(std::string("chunk: malformed ") + what);
}

bool IsException(double v) {
  return !std::isfinite(v) || (v == 0 && std::signbit(v));
}

// r with v == r / 10^k bit-exactly, if one exists.
bool ScaledAt(double v, int k, int64_t* r) {
  double x = v * kPow10[k];
  if (!(std::fabs(x) < kMaxExact)) return false;
  double rr = std::nearbyint(x);
  if (rr / kPow10[k] != v) return false;
  *r = static_cast<int64_t>(rr);
  return true;
}

// Bits needed for u: a cost estimate close to what an entropy coder pays.
int BitLen(uint64_t u) { return 64 - std::countl_zero(u); }

// Residuals as byte planes: width w (bytes of the largest), then byte 0 of every residual,
// byte 1 of every residual, ... Planes of similar bytes are what zstd's entropy stage models
// best (most high planes are all zero).
void PutPlanar(const std::vector<uint64_t>& res, std::string* out) {
  uint64_t all = 0;
  for (uint64_t x : res) all |= x;
  int w = 0;
  while (w < 8 && (all >> (8 * w)) != 0) ++w;
  out->push_back(static_cast<char>(w));
  size_t start = out->size();
  out->resize(start + res.size() * w);
  char* p = out->data() + start;
  for (int b = 0; b < w; ++b) {
    for (uint64_t x : res) *p++ = static_cast<char>(x >> (8 * b));
  }
}

bool GetPlanar(Decoder* dec, size_t n, std::vector<uint64_t>* res) {
  uint8_t w;
  if (!dec->Byte(&w) || w > 8) return false;
  std::string_view bytes;
  if (!dec->Bytes(n * w, &bytes)) return false;
  res->assign(n, 0);
  const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
  for (int b = 0; b < w; ++b) {
    for (size_t i = 0; i < n; ++i) (*res)[i] |= static_cast<uint64_t>(*p++) << (8 * b);
  }
  return true;
}

}  // namespace

void EncodeTimestamps(absl::Span<const int64_t> ts, std::string* out) {
  size_t n = ts.size();
  PutUvarint(out, n);
  if (n == 0) return;
  PutVarint(out, ts[0]);
  if (n == 1) return;
  int64_t d = ts[1] - ts[0];
  PutVarint(out, d);
  std::string exc;
  size_t count = 0, last = 1;
  for (size_t i = 2; i < n; ++i) {
    int64_t delta = ts[i] - ts[i - 1];
    if (delta != d) {
      PutUvarint(&exc, i - last);
      PutVarint(&exc, delta - d);
      last = i;
      ++count;
    }
  }
  PutUvarint(out, count);
  out->append(exc);
}

absl::Status DecodeTimestamps(std::string_view in, std::vector<int64_t>* out) {
  Decoder dec(in);
  uint64_t n;
  out->clear();
  if (!dec.Uvarint(&n) || n > (1u << 16)) return Bad("timestamps");
  if (n == 0) return absl::OkStatus();
  int64_t t0;
  if (!dec.Varint(&t0)) return Bad("timestamps");
  out->resize(n);
  (*out)[0] = t0;
  if (n == 1) return absl::OkStatus();
  int64_t d;
  uint64_t count;
  if (!dec.Varint(&d) || !dec.Uvarint(&count) || count > n) return Bad("timestamps");
  uint64_t next_exc = n;  // position of the next exception
  int64_t exc_delta = 0;
  auto read_exc = [&](uint64_t from) -> bool {
    if (count == 0) {
      next_exc = n;
      return true;
    }
    uint64_t gap;
    if (!dec.Uvarint(&gap) || !dec.Varint(&exc_delta) || gap == 0) return false;
    next_exc = from + gap;
    --count;
    return true;
  };
  (*out)[1] = WrapAdd(t0, d);
  if (!read_exc(1)) return Bad("timestamps");
  int64_t t = WrapAdd(t0, d);
  for (uint64_t i = 2; i < n; ++i) {
    if (i == next_exc) {
      t = WrapAdd(t, WrapAdd(d, exc_delta));
      if (!read_exc(i)) return Bad("timestamps");
    } else {
      t = WrapAdd(t, d);
    }
    (*out)[i] = t;
  }
  if (next_exc != n) return Bad("timestamps");
  return absl::OkStatus();
}

void EncodeValues(absl::Span<const double> vs, std::string* out) {
  size_t n = vs.size();
  if (n == 0) return;
  uint64_t first_bits = std::bit_cast<uint64_t>(vs[0]);
  bool constant = true;
  for (double v : vs) {
    if (std::bit_cast<uint64_t>(v) != first_bits) {
      constant = false;
      break;
    }
  }
  if (constant) {
    out->push_back(kConstant);
    PutFixed64(out, first_bits);
    return;
  }
  // Try the decimal model.
  int k = 0;
  bool decimal = true;
  std::vector<int64_t> r(n);
  std::vector<uint32_t> exceptions;
  int64_t prev = 0;
  for (size_t i = 0; i < n && decimal; ++i) {
    double v = vs[i];
    if (IsException(v)) {
      exceptions.push_back(static_cast<uint32_t>(i));
      r[i] = prev;
      continue;
    }
    int64_t x = 0;
    while (!ScaledAt(v, k, &x)) {
      if (++k > kMaxScale) {
        decimal = false;
        break;
      }
    }
    r[i] = prev = x;
  }
  if (decimal) {
    // Values before the final scale was reached were scaled less: rescale them all.
    prev = 0;
    size_t e = 0;
    for (size_t i = 0; i < n; ++i) {
      if (e < exceptions.size() && exceptions[e] == i) {
        r[i] = prev;
        ++e;
        continue;
      }
      int64_t x;
      if (!ScaledAt(vs[i], k, &x)) {
        decimal = false;
        break;
      }
      r[i] = prev = x;
    }
  }
  if (decimal) {
    // Pick the delta order with the fewest varint bytes.
    // Order 3 is order 1 minus the chunk's median delta: a steady counter rate leaves only
    // the jitter around it.
    int64_t base = 0;
    if (n >= 2) {
      std::vector<int64_t> deltas(n - 1);
      for (size_t i = 1; i < n; ++i) deltas[i - 1] = r[i] - r[i - 1];
      std::nth_element(deltas.begin(), deltas.begin() + deltas.size() / 2, deltas.end());
      base = deltas[deltas.size() / 2];
    }
    uint64_t cost[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; ++i) {
      cost[0] += BitLen(ZigZag(r[i]));
      if (i >= 1) cost[1] += BitLen(ZigZag(r[i] - r[i - 1]));
      if (i >= 1) cost[3] += BitLen(ZigZag(r[i] - r[i - 1] - base));
      if (i >= 2) cost[2] += BitLen(ZigZag((r[i] - r[i - 1]) - (r[i - 1] - r[i - 2])));
    }
    int order = 0;
    if (n >= 2 && cost[1] + BitLen(ZigZag(r[0])) <= cost[0]) order = 1;
    if (n >= 3 && cost[2] + BitLen(ZigZag(r[1] - r[0])) < cost[order]) order = 2;
    if (base != 0 && n >= 3 && cost[3] + BitLen(ZigZag(base)) < cost[order]) order = 3;
    out->push_back(kDecimal);
    out->push_back(static_cast<char>(k));
    out->push_back(static_cast<char>(order));
    PutUvarint(out, exceptions.size());
    uint32_t last = 0;
    for (uint32_t pos : exceptions) {
      PutUvarint(out, pos - last);
      last = pos;
      PutFixed64(out, std::bit_cast<uint64_t>(vs[pos]));
    }
    PutVarint(out, r[0]);
    if (order == 2 && n >= 2) PutVarint(out, r[1] - r[0]);
    if (order == 3) PutVarint(out, base);
    std::vector<uint64_t> res;
    res.reserve(n);
    for (size_t i = 1; i < n; ++i) {
      if (order == 0) {
        res.push_back(ZigZag(r[i]));
      } else if (order == 1) {
        res.push_back(ZigZag(r[i] - r[i - 1]));
      } else if (order == 3) {
        res.push_back(ZigZag(r[i] - r[i - 1] - base));
      } else if (i >= 2) {
        res.push_back(ZigZag((r[i] - r[i - 1]) - (r[i - 1] - r[i - 2])));
      }
    }
    PutPlanar(res, out);
    return;
  }
  out->push_back(kXor);
  uint64_t prev_bits = 0;
  for (double v : vs) {
    uint64_t bits = std::bit_cast<uint64_t>(v);
    uint64_t x = bits ^ prev_bits;
    prev_bits = bits;
    int tz = x == 0 ? 0 : std::countr_zero(x);
    out->push_back(static_cast<char>(tz));
    PutUvarint(out, x >> tz);
  }
}

absl::Status DecodeValues(std::string_view in, size_t n, std::vector<double>* out) {
  out->resize(n);
  if (n == 0) return absl::OkStatus();
  Decoder dec(in);
  uint8_t mode;
  if (!dec.Byte(&mode)) return Bad("values");
  double* o = out->data();
  switch (mode) {
    case kConstant: {
      uint64_t bits;
      if (!dec.Fixed64(&bits)) return Bad("values");
      double v = std::bit_cast<double>(bits);
      for (size_t i = 0; i < n; ++i) o[i] = v;
      return absl::OkStatus();
    }
    case kDecimal: {
      uint8_t k, order;
      uint64_t nexc;
      if (!dec.Byte(&k) || !dec.Byte(&order) || k > kMaxScale || order > 3 ||
          !dec.Uvarint(&nexc) || nexc > n) {
        return Bad("values");
      }
      std::vector<std::pair<uint64_t, uint64_t>> exc(nexc);
      uint64_t pos = 0;
      for (auto& e : exc) {
        uint64_t gap;
        if (!dec.Uvarint(&gap) || !dec.Fixed64(&e.second)) return Bad("values");
        pos += gap;
        if (pos >= n) return Bad("values");
        e.first = pos;
      }
      const double scale = kPow10[k];
      int64_t r, d = 0;
      if (!dec.Varint(&r)) return Bad("values");
      o[0] = static_cast<double>(r) / scale;
      if ((order == 2 || order == 3) && n >= 2 && !dec.Varint(&d)) return Bad("values");
      std::vector<uint64_t> res;
      size_t nres = n < 2 ? 0 : (order == 2 ? n - 2 : n - 1);
      if (!GetPlanar(&dec, nres, &res)) return Bad("values");
      size_t ri = 0;
      for (size_t i = 1; i < n; ++i) {
        if (order == 0) {
          r = UnZigZag(res[ri++]);
        } else if (order == 1) {
          r = WrapAdd(r, UnZigZag(res[ri++]));
        } else if (order == 3) {
          r = WrapAdd(r, WrapAdd(UnZigZag(res[ri++]), d));  // d holds the base delta
        } else {
          if (i >= 2) d = WrapAdd(d, UnZigZag(res[ri++]));
          r = WrapAdd(r, d);
        }
        o[i] = static_cast<double>(r) / scale;
      }
      for (const auto& e : exc) o[e.first] = std::bit_cast<double>(e.second);
      return absl::OkStatus();
    }
    case kXor: {
      uint64_t prev = 0;
      for (size_t i = 0; i < n; ++i) {
        uint8_t tz;
        uint64_t x;
        if (!dec.Byte(&tz) || tz > 63 || !dec.Uvarint(&x)) return Bad("values");
        prev ^= x << tz;
        o[i] = std::bit_cast<double>(prev);
      }
      return absl::OkStatus();
    }
    default:
      return Bad("values mode");
  }
}

}  // namespace promlet::tsdb
