#include "tsdb/block/chunk_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "tsdb/block/range_coder.h"
#include "tsdb/encoding/varint.h"

namespace promlet::tsdb {
namespace {

enum ValueMode : uint8_t { kConstant = 0, kIntegers = 1 };
// Kinds of integer sequence: 0..kMaxScale = decimal scale k; kFloatKind = ordered bit keys.
constexpr uint8_t kFloatKind = 16;
enum Predictor : uint8_t { kOrder0 = 0, kOrder1 = 1, kOrder2 = 2, kOrder1Base = 3, kReference = 4 };
// Flag in the predictor byte: the anchor is the last value and residuals run from the end
// back to the start (see chunk_codec.h). Streams without it are decoded front to back.
constexpr uint8_t kTailFirst = 0x80;
constexpr size_t kMaxReferences = 4;
enum ResidualCoder : uint8_t { kAdaptiveCoder = 0, kPrefixCoder = 1 };

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
  // No clear() first: a reused vector of about the same size then resizes without filling.
  if (!dec.Uvarint(&n) || n > (1u << 16)) {
    out->clear();
    return Bad("timestamps");
  }
  out->resize(n);
  if (n == 0) return absl::OkStatus();
  int64_t t0;
  if (!dec.Varint(&t0)) {
    out->clear();
    return Bad("timestamps");
  }
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

absl::Status DecodeTimestampsFrom(std::string_view in, int64_t mint, std::vector<int64_t>* out,
                                  size_t* from) {
  *from = 0;
  Decoder dec(in);
  uint64_t n, count;
  int64_t t0, d;
  if (dec.Uvarint(&n) && n >= 2 && n <= (1u << 16) && dec.Varint(&t0) && dec.Varint(&d) &&
      dec.Uvarint(&count) && count == 0 && d > 0) {
    // t[i] = t0 + i*d, increasing when the last one does not overflow: the first i with
    // t[i] >= mint is computed, as lower_bound over the whole column would find it.
    const __int128 last = static_cast<__int128>(t0) + static_cast<__int128>(n - 1) * d;
    if (last <= std::numeric_limits<int64_t>::max()) {
      const __int128 gap = static_cast<__int128>(mint) - t0;
      const __int128 skip = gap <= 0 ? 0 : (gap + d - 1) / d;
      *from = static_cast<size_t>(std::min<__int128>(skip, static_cast<__int128>(n)));
      out->resize(n - *from);
      for (size_t i = *from; i < n; ++i) {
        // Wrapping arithmetic: i*d alone may exceed int64 when t0 < 0; the sum does not.
        (*out)[i - *from] = static_cast<int64_t>(static_cast<uint64_t>(t0) +
                                                 static_cast<uint64_t>(i) * static_cast<uint64_t>(d));
      }
      return absl::OkStatus();
    }
  }
  if (auto st = DecodeTimestamps(in, out); !st.ok()) return st;
  if (!out->empty() && out->front() < mint) {
    *from = static_cast<size_t>(std::lower_bound(out->begin(), out->end(), mint) - out->begin());
    out->erase(out->begin(), out->begin() + static_cast<ptrdiff_t>(*from));
  }
  return absl::OkStatus();
}

namespace {

// Bijection double bits <-> uint64 that is monotonic in the value for non-NaN doubles, so
// that neighbouring values have nearby keys and key deltas count ulps.
int64_t FloatKey(double v) {
  uint64_t b = std::bit_cast<uint64_t>(v);
  return static_cast<int64_t>((b >> 63) ? ~b : (b | (uint64_t{1} << 63)));
}
double FloatFromKey(int64_t key) {
  uint64_t k = static_cast<uint64_t>(key);
  return std::bit_cast<double>((k >> 63) ? (k & ~(uint64_t{1} << 63)) : ~k);
}

int64_t Sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

// Adaptive model of one chunk's residual stream. A residual x is binarised as: zero flag
// (context: previous residual was zero); the bit length e of |x| relative to the chunk's
// typical length c (header byte): e == c?, else e > c? and |e - c| - 1 in unary (contexts:
// how far the previous e was from c, direction, position); sign (context: previous sign);
// the bit under the leading one (context: e). Those few decisions go through the range
// coder; the remaining e - 2 low bits, close to uniform, go to a plain bit stream.
struct ResidualModel {
  rc::AdaptiveBit zero[2];
  rc::AdaptiveBit eq[3];
  rc::AdaptiveBit up[3];
  rc::AdaptiveBit more[2][16];
  rc::AdaptiveBit sign[3];
  rc::AdaptiveBit mant[65];
  int center = 1;  // 1..64
  bool malformed = false;
  int prev_zero = 0;
  int prev_dist = 0;
  int prev_sign = 2;
};

void PutResidual(rc::Encoder& enc, rc::BitWriter& bits, ResidualModel& m, int64_t x) {
  int z = x == 0;
  enc.Bit(m.zero[m.prev_zero], z);
  m.prev_zero = z;
  if (z) return;
  uint64_t a = x < 0 ? uint64_t{0} - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
  int e = BitLen(a);
  int dctx = m.prev_dist < 2 ? m.prev_dist : 2;
  int dist = e > m.center ? e - m.center : m.center - e;
  enc.Bit(m.eq[dctx], dist != 0);
  if (dist != 0) {
    int up = e > m.center;
    enc.Bit(m.up[dctx], up);
    int max_dist = up ? 64 - m.center : m.center - 1;
    for (int j = 1; j < dist; ++j) enc.Bit(m.more[up][j < 16 ? j : 15], 1);
    if (dist < max_dist) enc.Bit(m.more[up][dist < 16 ? dist : 15], 0);
  }
  m.prev_dist = dist;
  int neg = x < 0;
  enc.Bit(m.sign[m.prev_sign], neg);
  m.prev_sign = neg;
  if (e >= 2) {
    enc.Bit(m.mant[e], static_cast<int>((a >> (e - 2)) & 1));
    int rest = e - 2;
    if (rest > 32) {
      bits.Put(a >> 32, rest - 32);
      rest = 32;
    }
    bits.Put(a, rest);
  }
}

// Inlined into the decoding loop so that the coder's state stays in registers.
__attribute__((always_inline)) inline int64_t GetResidual(rc::Decoder& dec, rc::BitReader& bits,
                                                          ResidualModel& m) {
  if (dec.Bit(m.zero[m.prev_zero])) {
    m.prev_zero = 1;
    return 0;
  }
  m.prev_zero = 0;
  int dctx = m.prev_dist < 2 ? m.prev_dist : 2;
  int e = m.center, dist = 0;
  if (dec.Bit(m.eq[dctx])) {
    int up = dec.Bit(m.up[dctx]);
    int max_dist = up ? 64 - m.center : m.center - 1;
    dist = 1;
    while (dist < max_dist && dec.Bit(m.more[up][dist < 16 ? dist : 15])) ++dist;
    if (max_dist < 1) {  // no length on that side of the center: malformed input
      m.malformed = true;
      dist = 0;
    }
    e = up ? m.center + dist : m.center - dist;
  }
  m.prev_dist = dist;
  int neg = dec.Bit(m.sign[m.prev_sign]);
  m.prev_sign = neg;
  uint64_t a = 1;
  if (e >= 2) {
    a = 2 + dec.Bit(m.mant[e]);
    int rest = e - 2;
    if (rest > 32) {
      a = (a << (rest - 32)) | bits.Get(rest - 32);
      rest = 32;
    }
    a = (a << rest) | bits.Get(rest);
  }
  return neg ? static_cast<int64_t>(uint64_t{0} - a) : static_cast<int64_t>(a);
}

// Static prefix code over the residual classes (0 = zero, else the bit length e of |x|),
// for chunks whose residuals are mostly noise: one table lookup per residual, then the sign
// and the e - 1 bits under the leading one as plain bits. Much faster to decode than the
// adaptive coder and within a few percent of it on such chunks.
constexpr int kMaxCodeLen = 11;

// Huffman code lengths (<= kMaxCodeLen) for freq[0..65); 0 for unused classes. A single used
// class gets length 0 (it costs no bits).
void CodeLengths(const uint32_t* freq, uint8_t* len) {
  std::vector<uint64_t> f(freq, freq + 65);
  for (;;) {
    // Package the two lightest nodes until one is left; depth = code length.
    struct Node {
      uint64_t w;
      int parent;
    };
    std::vector<Node> nodes;
    std::vector<int> leaf(65, -1);
    using Item = std::pair<uint64_t, int>;
    std::vector<Item> heap;
    for (int s = 0; s < 65; ++s) {
      if (f[s] == 0) continue;
      leaf[s] = static_cast<int>(nodes.size());
      nodes.push_back(Node{f[s], -1});
      heap.push_back({f[s], leaf[s]});
    }
    auto cmp = [](const Item& a, const Item& b) { return a > b; };
    std::make_heap(heap.begin(), heap.end(), cmp);
    while (heap.size() > 1) {
      std::pop_heap(heap.begin(), heap.end(), cmp);
      Item a = heap.back();
      heap.pop_back();
      std::pop_heap(heap.begin(), heap.end(), cmp);
      Item b = heap.back();
      heap.pop_back();
      int id = static_cast<int>(nodes.size());
      nodes.push_back(Node{a.first + b.first, -1});
      nodes[a.second].parent = id;
      nodes[b.second].parent = id;
      heap.push_back({a.first + b.first, id});
      std::push_heap(heap.begin(), heap.end(), cmp);
    }
    int max_len = 0;
    for (int s = 0; s < 65; ++s) {
      int d = 0;
      if (leaf[s] >= 0) {
        for (int x = leaf[s]; nodes[x].parent >= 0; x = nodes[x].parent) ++d;
      }
      len[s] = static_cast<uint8_t>(d);
      max_len = std::max(max_len, d);
    }
    if (max_len <= kMaxCodeLen) return;
    for (auto& x : f) x = x == 0 ? 0 : (x + 1) / 2;  // flatten and retry
  }
}

// v's low kMaxCodeLen bits in reverse order, for every v: canonical codes are reversed once
// per decoded chunk.
struct Reverse11 {
  uint16_t of[1 << kMaxCodeLen];
  constexpr Reverse11() : of() {
    for (uint32_t v = 0; v < (1u << kMaxCodeLen); ++v) {
      uint32_t r = 0;
      for (int b = 0; b < kMaxCodeLen; ++b) r |= ((v >> b) & 1) << (kMaxCodeLen - 1 - b);
      of[v] = static_cast<uint16_t>(r);
    }
  }
};
constexpr Reverse11 kReverse11;

// Canonical codes (by length, then class; DEFLATE's construction), bit-reversed for the
// LSB-first bit stream. Classes outside [lo, hi] have length 0.
void CanonicalCodes(const uint8_t* len, uint32_t* code, int lo = 0, int hi = 64) {
  uint32_t count[kMaxCodeLen + 1] = {0};
  for (int s = lo; s <= hi; ++s) ++count[len[s]];
  count[0] = 0;
  uint32_t next[kMaxCodeLen + 1] = {0};
  uint32_t c = 0;
  for (int l = 1; l <= kMaxCodeLen; ++l) {
    c = (c + count[l - 1]) << 1;
    next[l] = c;
  }
  for (int s = lo; s <= hi; ++s) {
    const int l = len[s];
    if (l == 0) continue;
    code[s] = kReverse11.of[next[l]++] >> (kMaxCodeLen - l);
  }
}

void PutPrefixCoded(const std::vector<int64_t>& res, std::string* out) {
  uint32_t freq[65] = {0};
  for (int64_t x : res) {
    uint64_t a = x < 0 ? uint64_t{0} - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
    ++freq[BitLen(a)];
  }
  uint8_t len[65];
  uint32_t code[65] = {0};
  CodeLengths(freq, len);
  CanonicalCodes(len, code);
  int lo = 0, hi = 64;
  while (freq[lo] == 0) ++lo;
  while (freq[hi] == 0) --hi;
  out->push_back(static_cast<char>(lo));
  out->push_back(static_cast<char>(hi));
  for (int s = lo; s <= hi; s += 2) {
    out->push_back(static_cast<char>(len[s] | (s + 1 <= hi ? len[s + 1] << 4 : 0)));
  }
  rc::BitWriter bits(out);
  for (int64_t x : res) {
    uint64_t a = x < 0 ? uint64_t{0} - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
    int e = BitLen(a);
    bits.Put(code[e], len[e]);
    if (e == 0) continue;
    // Sign and the (up to 31) bits under the leading one, then any lower bits.
    int rest = e - 1;
    int first = rest < 31 ? rest : 31;
    bits.Put(((a >> (rest - first)) << 1) | (x < 0), first + 1);
    if (rest > first) bits.Put(a, rest - first);
  }
  bits.Finish();
}

// Decodes `count` residuals and hands each to emit(x).
template <typename Emit>
bool GetPrefixCoded(std::string_view in, size_t count, Emit emit) {
  Decoder hdr(in);
  uint8_t lo, hi;
  if (!hdr.Byte(&lo) || !hdr.Byte(&hi) || lo > hi || hi > 64) return false;
  uint8_t len[65] = {0};
  for (int s = lo; s <= hi; s += 2) {
    uint8_t b;
    if (!hdr.Byte(&b)) return false;
    len[s] = b & 15;
    if (s + 1 <= hi) len[s + 1] = b >> 4;
  }
  // The code must be complete (Kraft sum exactly 1), or a single class of length 0.
  uint32_t kraft = 0;
  int used = 0, max_len = 0;
  for (int s = lo; s <= hi; ++s) {
    if (len[s] > kMaxCodeLen) return false;
    if (len[s] > 0) kraft += 1u << (kMaxCodeLen - len[s]), ++used, max_len = std::max<int>(max_len, len[s]);
  }
  // An entry: the class e, its code's length, and the bits the code, the sign and the top bits
  // take together; so the next code's position is known from the lookup alone, and the value
  // is cut from the same window of bits off that dependency chain.
  const auto entry = [&](int s) {
    return static_cast<uint32_t>(s | len[s] << 8 | (len[s] + std::min(s, 32)) << 16);
  };
  uint32_t table[1 << kMaxCodeLen];
  if (used == 0) {
    // One class, no bits per code.
    table[0] = entry(lo);
  } else {
    if (kraft != (1u << kMaxCodeLen) || used < 2) return false;
    uint32_t code[65] = {0};
    CanonicalCodes(len, code, lo, hi);
    for (int s = lo; s <= hi; ++s) {
      if (len[s] == 0) continue;
      for (uint32_t i = code[s]; i < (1u << max_len); i += 1u << len[s]) {
        table[i] = entry(s);
      }
    }
  }
  if (used == 0 && lo != hi) return false;
  rc::BitReader bits(std::string_view(hdr.pos(), hdr.remaining()));
  const uint64_t code_mask = (uint64_t{1} << max_len) - 1;
  for (size_t i = 0; i < count; ++i) {
    bits.Refill();  // >= 56 bits: code (<= 11) and sign + top bits (<= 32) need no refill
    const uint64_t window = bits.PeekUnchecked(56);
    const uint32_t t = table[window & code_mask];
    bits.Skip(static_cast<int>(t >> 16));
    const int e = static_cast<int>(t & 0xff);
    const int code_len = static_cast<int>((t >> 8) & 0xff);
    // No branch for zero (e == 0 takes no bits and makes a == 0): in noise it is unpredictable.
    const int top = e < 32 ? e : 32;
    const uint64_t sign_and_top =  // sign, then up to 31 bits
        (window >> code_len) & ((uint64_t{1} << top) - 1);
    uint64_t a = ((uint64_t{1} << top) >> 1) | (sign_and_top >> 1);
    if (e > 32) a = (a << (e - 32)) | bits.Get(e - 32);
    // Branch-free sign: the signs of noise are unpredictable.
    uint64_t neg_mask = uint64_t{0} - (sign_and_top & 1);
    emit(static_cast<int64_t>((a ^ neg_mask) - neg_mask));
  }
  return !bits.overran();
}

// The chunk's typical residual bit length: the median over non-zero residuals.
int CenterOf(const std::vector<int64_t>& res) {
  int hist[65] = {0};
  int nz = 0;
  for (int64_t x : res) {
    if (x == 0) continue;
    uint64_t a = x < 0 ? uint64_t{0} - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
    ++hist[BitLen(a)];
    ++nz;
  }
  int acc = 0;
  for (int e = 1; e <= 64; ++e) {
    acc += hist[e];
    if (2 * acc >= nz) return e;
  }
  return 1;
}

// Rough cost of a residual in quarter bits under ResidualModel: picks the predictor.
uint64_t CostOf(int64_t x) {
  if (x == 0) return 1;
  uint64_t a = x < 0 ? uint64_t{0} - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
  return 4 * static_cast<uint64_t>(BitLen(a) + 2);
}

// A chunk as an integer sequence: decimal scaled values or float keys, plus exceptions.
struct IntChunk {
  uint8_t kind = 0;
  std::vector<int64_t> r;
  std::vector<uint32_t> exceptions;  // decimal only: positions holding raw bits
};

bool ToDecimal(absl::Span<const double> vs, IntChunk* c) {
  size_t n = vs.size();
  int k = 0;
  c->r.assign(n, 0);
  c->exceptions.clear();
  int64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    double v = vs[i];
    if (IsException(v)) {
      c->exceptions.push_back(static_cast<uint32_t>(i));
      c->r[i] = prev;
      continue;
    }
    int64_t x = 0;
    while (!ScaledAt(v, k, &x)) {
      if (++k > kMaxScale) return false;
    }
    c->r[i] = prev = x;
  }
  // Values before the final scale was reached were scaled less: rescale them all.
  prev = 0;
  size_t e = 0;
  for (size_t i = 0; i < n; ++i) {
    if (e < c->exceptions.size() && c->exceptions[e] == i) {
      c->r[i] = prev;
      ++e;
      continue;
    }
    int64_t x;
    if (!ScaledAt(vs[i], k, &x)) return false;
    c->r[i] = prev = x;
  }
  c->kind = static_cast<uint8_t>(k);
  return true;
}

void ToInts(absl::Span<const double> vs, IntChunk* c) {
  if (ToDecimal(vs, c)) return;
  c->kind = kFloatKind;
  c->exceptions.clear();
  c->r.resize(vs.size());
  for (size_t i = 0; i < vs.size(); ++i) c->r[i] = FloatKey(vs[i]);
}

// Parsed header of an integer-coded value stream; `rest` is the range-coded residuals.
struct IntHeader {
  uint8_t kind = 0, predictor = 0;
  bool tail_first = false;
  uint64_t back = 0;  // kReference: distance to the reference chunk in the group
  std::vector<std::pair<uint32_t, uint64_t>> exceptions;
  // anchor: r[n-1] when tail_first, else r[0]. extra: order 2's delta next to the anchor,
  // or the base delta.
  int64_t anchor = 0, extra = 0;
  std::string_view rest;
};

bool ParseHeader(std::string_view in, size_t n, IntHeader* h) {
  Decoder dec(in);
  uint8_t mode;
  if (!dec.Byte(&mode) || mode != kIntegers || !dec.Byte(&h->kind) || !dec.Byte(&h->predictor)) {
    return false;
  }
  h->tail_first = (h->predictor & kTailFirst) != 0;
  h->predictor &= static_cast<uint8_t>(~kTailFirst);
  if (h->kind > kFloatKind || (h->kind > kMaxScale && h->kind != kFloatKind) ||
      h->predictor > kReference) {
    return false;
  }
  if (h->predictor == kReference && (!dec.Uvarint(&h->back) || h->back == 0)) return false;
  uint64_t nexc;
  if (!dec.Uvarint(&nexc) || nexc > n || (nexc > 0 && h->kind == kFloatKind)) return false;
  h->exceptions.resize(nexc);
  uint64_t pos = 0;
  for (size_t i = 0; i < nexc; ++i) {
    uint64_t gap;
    if (!dec.Uvarint(&gap) || !dec.Fixed64(&h->exceptions[i].second)) return false;
    if (i > 0 && gap == 0) return false;
    pos += gap;
    if (pos >= n) return false;
    h->exceptions[i].first = static_cast<uint32_t>(pos);
  }
  if (!dec.Varint(&h->anchor)) return false;
  if ((h->predictor == kOrder2 && n >= 2) || h->predictor == kOrder1Base) {
    if (!dec.Varint(&h->extra)) return false;
  }
  h->rest = std::string_view(dec.pos(), dec.remaining());
  return true;
}

// Decodes `count` residuals of h (either residual coder) and hands each to emit(x).
template <typename Emit>
bool GetResiduals(const IntHeader& h, size_t count, Emit emit) {
  if (h.rest.empty()) return false;
  if (static_cast<uint8_t>(h.rest[0]) == kPrefixCoder) {
    return GetPrefixCoded(h.rest.substr(1), count, emit);
  }
  if (static_cast<uint8_t>(h.rest[0]) != kAdaptiveCoder) return false;
  Decoder hdr(h.rest.substr(1));
  uint8_t center;
  uint64_t rc_len;
  if (!hdr.Byte(&center) || center < 1 || center > 64 || !hdr.Uvarint(&rc_len) ||
      rc_len > hdr.remaining()) {
    return false;
  }
  std::string_view rest(hdr.pos(), hdr.remaining());
  rc::Decoder dec(rest.substr(0, rc_len));
  rc::BitReader bits(rest.substr(rc_len));
  ResidualModel m;
  m.center = center;
  for (size_t i = 0; i < count; ++i) emit(GetResidual(dec, bits, m));
  return !dec.overran() && !bits.overran() && !m.malformed;
}

// Decodes the integer sequence r of an integer-coded stream into r[0..n). A tail-first
// stream is decoded only down to position `from` (r[from..n) are set); a front-to-back one
// always whole. ref_d1 (kReference only): the reference chunk's first differences,
// ref_d1[j] = rr[j+1] - rr[j], valid wherever this chunk's positions need them.
//
// Each emitter carries its position and the last value by value: GetResiduals holds its own
// copy, so they stay in registers. Captured by reference they were reloaded from memory for
// every residual (a store to r may alias an int64_t or a size_t) and each value waited for
// the store of the one before.
bool DecodeInts(const IntHeader& h, size_t n, size_t from, const int64_t* ref_d1,
                std::vector<int64_t>* r) {
  r->resize(n);
  int64_t* o = r->data();
  if (h.predictor == kReference && ref_d1 == nullptr) return false;
  const int64_t extra = h.extra;
  if (!h.tail_first) {
    o[0] = h.anchor;
    if (n == 1) return true;
    switch (h.predictor) {
      case kOrder0:
        return GetResiduals(h, n - 1, [p = o + 1](int64_t x) mutable { *p++ = x; });
      case kOrder1:
        return GetResiduals(h, n - 1, [p = o + 1, cur = o[0]](int64_t x) mutable {
          cur = WrapAdd(cur, x);
          *p++ = cur;
        });
      case kOrder1Base:
        return GetResiduals(h, n - 1, [p = o + 1, cur = o[0], extra](int64_t x) mutable {
          cur = WrapAdd(cur, WrapAdd(extra, x));
          *p++ = cur;
        });
      case kOrder2:
        o[1] = WrapAdd(o[0], extra);
        return GetResiduals(h, n - 2, [p = o + 2, cur = o[1], d = extra](int64_t x) mutable {
          d = WrapAdd(d, x);
          cur = WrapAdd(cur, d);
          *p++ = cur;
        });
      case kReference:
        return GetResiduals(h, n - 1, [p = o + 1, cur = o[0], ref = ref_d1](int64_t x) mutable {
          cur = WrapAdd(cur, WrapAdd(*ref++, x));
          *p++ = cur;
        });
      default:
        return false;
    }
  }
  // Tail first: r[i] from r[i+1] and the residual of position i+1.
  size_t i = n - 1;
  o[i] = h.anchor;
  if (from >= i) return true;
  switch (h.predictor) {
    case kOrder0:
      return GetResiduals(h, i - from, [p = o + i](int64_t x) mutable { *--p = x; });
    case kOrder1:
      return GetResiduals(h, i - from, [p = o + i, cur = o[i]](int64_t x) mutable {
        cur = Sub(cur, x);
        *--p = cur;
      });
    case kOrder1Base:
      return GetResiduals(h, i - from, [p = o + i, cur = o[i], extra](int64_t x) mutable {
        cur = Sub(cur, WrapAdd(extra, x));
        *--p = cur;
      });
    case kOrder2: {
      int64_t d = extra;  // r[i+1] - r[i]
      --i;
      o[i] = Sub(o[i + 1], d);
      if (from >= i) return true;
      return GetResiduals(h, i - from, [p = o + i, cur = o[i], d](int64_t x) mutable {
        d = Sub(d, x);
        cur = Sub(cur, d);
        *--p = cur;
      });
    }
    case kReference:
      return GetResiduals(h, i - from,
                          [p = o + i, cur = o[i], ref = ref_d1 + i](int64_t x) mutable {
                            cur = Sub(cur, WrapAdd(*--ref, x));
                            *--p = cur;
                          });
    default:
      return false;
  }
}

// The raw values of h's exception positions at or after `from` into o[position - from].
void PutExceptions(const IntHeader& h, size_t from, double* o) {
  for (const auto& e : h.exceptions) {
    if (e.first >= from) o[e.first - from] = std::bit_cast<double>(e.second);
  }
}

}  // namespace

void ValueEncoder::Encode(absl::Span<const double> vs, uint32_t index, std::string* out) {
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
  IntChunk c;
  ToInts(vs, &c);
  const std::vector<int64_t>& r = c.r;
  std::vector<int64_t> d1(n - 1);
  for (size_t i = 1; i < n; ++i) d1[i - 1] = Sub(r[i], r[i - 1]);

  // Pick the predictor with the smallest estimated cost.
  int64_t base = 0;
  if (n >= 3) {
    std::vector<int64_t> tmp = d1;
    std::nth_element(tmp.begin(), tmp.begin() + tmp.size() / 2, tmp.end());
    base = tmp[tmp.size() / 2];
  }
  uint64_t cost[4] = {0, 0, 0, 0};
  for (size_t i = 1; i < n; ++i) {
    cost[kOrder0] += CostOf(r[i]);
    cost[kOrder1] += CostOf(d1[i - 1]);
    cost[kOrder1Base] += CostOf(Sub(d1[i - 1], base));
    if (i >= 2) cost[kOrder2] += CostOf(Sub(d1[i - 1], d1[i - 2]));
  }
  uint8_t pred = kOrder1;
  uint64_t best = cost[kOrder1];
  if (cost[kOrder0] < best) pred = kOrder0, best = cost[kOrder0];
  if (n >= 3 && cost[kOrder2] + 32 < best) pred = kOrder2, best = cost[kOrder2] + 32;
  if (n >= 3 && base != 0 && cost[kOrder1Base] + 32 < best) {
    pred = kOrder1Base, best = cost[kOrder1Base] + 32;
  }
  const Root* ref = nullptr;
  for (const Root& root : roots_) {
    if (root.kind != c.kind || root.d1.size() != d1.size()) continue;
    uint64_t rc = 8;
    for (size_t i = 0; i < d1.size() && rc < best; ++i) rc += CostOf(Sub(d1[i], root.d1[i]));
    if (rc < best) best = rc, pred = kReference, ref = &root;
  }

  out->push_back(kIntegers);
  out->push_back(static_cast<char>(c.kind));
  out->push_back(static_cast<char>(tail_first_ ? pred | kTailFirst : pred));
  if (pred == kReference) PutUvarint(out, index - ref->index);
  PutUvarint(out, c.exceptions.size());
  uint32_t last = 0;
  for (uint32_t pos : c.exceptions) {
    PutUvarint(out, pos - last);
    last = pos;
    PutFixed64(out, std::bit_cast<uint64_t>(vs[pos]));
  }
  PutVarint(out, tail_first_ ? r[n - 1] : r[0]);
  if (pred == kOrder2) PutVarint(out, tail_first_ ? d1[n - 2] : d1[0]);
  if (pred == kOrder1Base) PutVarint(out, base);
  if (n >= 2) {
    std::vector<int64_t> res;
    res.reserve(n);
    switch (pred) {
      case kOrder0:  // every value but the anchor
        for (size_t i = 1; i < n; ++i) res.push_back(tail_first_ ? r[i - 1] : r[i]);
        break;
      case kOrder1:
        res = d1;
        break;
      case kOrder1Base:
        for (size_t i = 1; i < n; ++i) res.push_back(Sub(d1[i - 1], base));
        break;
      case kOrder2:
        for (size_t i = 2; i < n; ++i) res.push_back(Sub(d1[i - 1], d1[i - 2]));
        break;
      case kReference:
        for (size_t i = 1; i < n; ++i) res.push_back(Sub(d1[i - 1], ref->d1[i - 1]));
        break;
    }
    // Tail first: the residual of position n-1 comes first (order 0: r[n-2] first).
    if (tail_first_) std::reverse(res.begin(), res.end());
    // Both coders; the prefix code unless the adaptive one is at most a third of its size
    // (nearly all zeros: a sparse counter, a rarely hit bucket). The adaptive coder costs
    // several times the decode time per residual; at a threshold of 1.5 it took the
    // histogram buckets of moderate traffic, saving 0.23% of a block's bytes for 12-19% of
    // the time of queries over all buckets (bench/compare/ab_promlet.py --own-blocks).
    ResidualModel m;
    m.center = CenterOf(res);
    std::string adaptive, prefix, coded, raw;
    rc::Encoder enc(&coded);
    rc::BitWriter bits(&raw);
    for (int64_t x : res) PutResidual(enc, bits, m, x);
    enc.Finish();
    bits.Finish();
    adaptive.push_back(kAdaptiveCoder);
    adaptive.push_back(static_cast<char>(m.center));
    PutUvarint(&adaptive, coded.size());
    adaptive += coded;
    adaptive += raw;
    prefix.push_back(kPrefixCoder);
    PutPrefixCoded(res, &prefix);
    bool use_prefix = prefix.size() <= 3 * adaptive.size();
    out->append(use_prefix ? prefix : adaptive);
  }
  if (pred != kReference) {
    if (roots_.size() == kMaxReferences) roots_.erase(roots_.begin());
    roots_.push_back(Root{index, c.kind, std::move(d1)});
  }
}

void EncodeValues(absl::Span<const double> vs, std::string* out) {
  ValueEncoder enc;
  enc.Encode(vs, 0, out);
}

absl::StatusOr<int64_t> ValuesReference(std::string_view in, uint32_t index) {
  if (in.size() < 3 || static_cast<uint8_t>(in[0]) != kIntegers ||
      (static_cast<uint8_t>(in[2]) & ~kTailFirst) != kReference) {
    return -1;
  }
  Decoder dec(in.substr(3));
  uint64_t back;
  if (!dec.Uvarint(&back) || back == 0 || back > index) return Bad("value reference");
  return static_cast<int64_t>(index - back);
}

absl::Status DecodeValues(std::string_view in, size_t n, std::vector<double>* out) {
  return DecodeValues(in, n, std::string_view(), out);
}

absl::Status DecodeValues(std::string_view in, size_t n, std::string_view ref,
                          std::vector<double>* out, size_t from) {
  if (from > n) from = n;
  out->resize(n - from);
  if (n == from) return absl::OkStatus();
  if (in.empty()) return Bad("values");
  double* o = out->data();
  if (static_cast<uint8_t>(in[0]) == kConstant) {
    Decoder dec(in.substr(1));
    uint64_t bits;
    if (!dec.Fixed64(&bits)) return Bad("values");
    std::fill(out->begin(), out->end(), std::bit_cast<double>(bits));
    return absl::OkStatus();
  }
  IntHeader h;
  if (!ParseHeader(in, n, &h)) return Bad("values");
  // Reused across calls: decoding is per chunk and hot.
  thread_local std::vector<int64_t> r, d1;
  if (h.predictor == kReference) {
    // A front-to-back chunk needs all of its reference's differences.
    const size_t ref_from = h.tail_first ? from : 0;
    IntHeader rh;
    if (ref.empty() || !ParseHeader(ref, n, &rh) || rh.predictor == kReference ||
        rh.kind != h.kind || !DecodeInts(rh, n, ref_from, nullptr, &r)) {
      return Bad("value reference");
    }
    d1.resize(n - 1);
    for (size_t j = ref_from; j + 1 < n; ++j) d1[j] = Sub(r[j + 1], r[j]);
    if (!DecodeInts(h, n, from, d1.data(), &r)) return Bad("values");
  } else if (!DecodeInts(h, n, from, nullptr, &r)) {
    return Bad("values");
  }
  const int64_t* rv = r.data() + from;
  const size_t m = n - from;
  if (h.kind == kFloatKind) {
    for (size_t i = 0; i < m; ++i) o[i] = FloatFromKey(rv[i]);
    return absl::OkStatus();
  }
  if (h.kind == 0) {
    // Integers (counters, buckets): dividing by 1 changes nothing and costs a division each.
    for (size_t i = 0; i < m; ++i) o[i] = static_cast<double>(rv[i]);
  } else {
    const double scale = kPow10[h.kind];
    for (size_t i = 0; i < m; ++i) o[i] = static_cast<double>(rv[i]) / scale;
  }
  PutExceptions(h, from, o);
  return absl::OkStatus();
}

absl::Status DecodeNonFiniteValues(std::string_view in, size_t n, std::string_view ref,
                                   std::vector<double>* out, size_t from) {
  if (from > n) from = n;
  if (n == from || in.empty() || static_cast<uint8_t>(in[0]) == kConstant) {
    return DecodeValues(in, n, ref, out, from);
  }
  IntHeader h;
  if (!ParseHeader(in, n, &h)) return Bad("values");
  if (h.kind == kFloatKind) return DecodeValues(in, n, ref, out, from);
  out->assign(n - from, 0.0);
  PutExceptions(h, from, out->data());
  return absl::OkStatus();
}

}  // namespace promlet::tsdb
