#include "tsdb/block/histogram_codec.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "model/value.h"
#include "tsdb/block/chunk_codec.h"
#include "tsdb/block/range_coder.h"
#include "tsdb/chunkenc/histogram_chunk.h"
#include "tsdb/encoding/varint.h"

namespace promlet::tsdb {
namespace {

namespace mh = ::promlet::model::histogram;

// Beyond this many buckets (or bounds, or spans) a chunk stays in mode 2: it bounds what a
// malformed column can make the decoder allocate.
constexpr uint64_t kMaxBuckets = 1 << 16;

// Coding contexts: the first sample's fields, the count's deltas, then the bucket residuals
// by the bit length of their prediction.
enum Context : int {
  kCountFirst = 0,
  kZeroFirst = 1,
  kBucketFirst = 2,
  kCountDelta = 3,
  kCountDod = 4,
  kBucketByPrediction = 5,
};
constexpr int kPredictionClasses = 27;
constexpr int kContexts = kBucketByPrediction + kPredictionClasses;

int BitLen(uint64_t u) { return 64 - std::countl_zero(u); }

struct ResidualModel {
  rc::AdaptiveBit zero[kContexts];
  rc::AdaptiveBit longer[kContexts][64];  // bit length in unary: "longer than k bits?"
  rc::AdaptiveBit sign[kContexts];
  rc::AdaptiveBit mant[kContexts][65];
};

void PutResidual(rc::Encoder& enc, ResidualModel& m, int ctx, int64_t x) {
  enc.Bit(m.zero[ctx], x == 0);
  if (x == 0) return;
  const uint64_t a = x < 0 ? uint64_t{0} - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
  const int e = BitLen(a);
  for (int k = 1; k < 64; ++k) {
    enc.Bit(m.longer[ctx][k], e > k);
    if (e == k) break;
  }
  enc.Bit(m.sign[ctx], x < 0);
  if (e >= 2) {
    enc.Bit(m.mant[ctx][e], static_cast<int>((a >> (e - 2)) & 1));
    for (int rest = e - 2; rest > 0;) {
      const int k = std::min(rest, 16);
      rest -= k;
      enc.Direct(static_cast<uint32_t>((a >> rest) & ((uint64_t{1} << k) - 1)), k);
    }
  }
}

int64_t GetResidual(rc::Decoder& dec, ResidualModel& m, int ctx) {
  if (dec.Bit(m.zero[ctx])) return 0;
  int e = 1;
  while (e < 64 && dec.Bit(m.longer[ctx][e])) ++e;
  const int neg = dec.Bit(m.sign[ctx]);
  uint64_t a = 1;
  if (e >= 2) {
    a = 2 + static_cast<uint64_t>(dec.Bit(m.mant[ctx][e]));
    for (int rest = e - 2; rest > 0;) {
      const int k = std::min(rest, 16);
      rest -= k;
      a = (a << k) | dec.Direct(k);
    }
  }
  return neg ? static_cast<int64_t>(uint64_t{0} - a) : static_cast<int64_t>(a);
}

// The expected delta of a bucket whose previous count is `prev` out of the `remaining` count
// of the previous sample, when `unassigned` new observations are left (all wrapping values
// read as signed; anything out of range predicts nothing).
int64_t Share(int64_t unassigned, int64_t prev, int64_t remaining) {
  if (unassigned <= 0 || prev <= 0 || remaining <= 0) return 0;
  prev = std::min(prev, remaining);
  return static_cast<int64_t>(static_cast<__int128>(unassigned) * prev / remaining);
}

int ContextOf(int64_t prediction) {
  return kBucketByPrediction +
         std::min(BitLen(static_cast<uint64_t>(prediction)), kPredictionClasses - 1);
}

// One non-stale sample's counters as absolute values: zero bucket, negative buckets,
// positive buckets (the order the residuals follow).
struct Counts {
  uint64_t count = 0;
  std::vector<uint64_t> buckets;
};

// Codes the residuals of sample `cur` given the previous non-stale sample (`prev` null for the
// first) and the count delta of that one (has_prev_delta false when prev is the first). The
// same walk decodes: Io either puts cur's residual or gets it and fills cur.
template <typename Io>
void WalkSample(const Counts* prev, bool has_prev_delta, int64_t prev_delta, Counts& cur, Io io) {
  if (prev == nullptr) {
    io(kCountFirst, 0, &cur.count);
    for (size_t k = 0; k < cur.buckets.size(); ++k) {
      // Buckets as differences from their neighbour (the zero bucket stands alone).
      const uint64_t neighbour = k >= 2 ? cur.buckets[k - 1] : 0;
      io(k == 0 ? kZeroFirst : kBucketFirst, static_cast<int64_t>(neighbour), &cur.buckets[k]);
    }
    return;
  }
  io(has_prev_delta ? kCountDod : kCountDelta,
     static_cast<int64_t>(prev->count + static_cast<uint64_t>(has_prev_delta ? prev_delta : 0)),
     &cur.count);
  int64_t unassigned = static_cast<int64_t>(cur.count - prev->count);
  int64_t remaining = static_cast<int64_t>(prev->count);
  for (size_t k = 0; k < cur.buckets.size(); ++k) {
    const int64_t p = static_cast<int64_t>(prev->buckets[k]);
    const int64_t share = Share(unassigned, p, remaining);
    io(ContextOf(share), static_cast<int64_t>(prev->buckets[k] + static_cast<uint64_t>(share)),
       &cur.buckets[k]);
    unassigned = WrapSub(unassigned, static_cast<int64_t>(cur.buckets[k] - prev->buckets[k]));
    remaining = WrapSub(remaining, p);
  }
}

void PutSpans(const std::vector<mh::Span>& spans, std::string* out) {
  PutUvarint(out, spans.size());
  for (const mh::Span& s : spans) {
    PutVarint(out, s.offset);
    PutUvarint(out, s.length);
  }
}

bool GetSpans(Decoder& d, std::vector<mh::Span>* spans, uint64_t* buckets) {
  uint64_t n;
  if (!d.Uvarint(&n) || n > kMaxBuckets) return false;
  spans->resize(n);
  for (mh::Span& s : *spans) {
    int64_t off;
    uint64_t len;
    if (!d.Varint(&off) || !d.Uvarint(&len) || off < INT32_MIN || off > INT32_MAX ||
        len > kMaxBuckets) {
      return false;
    }
    s.offset = static_cast<int32_t>(off);
    s.length = static_cast<uint32_t>(len);
    *buckets += len;
  }
  return *buckets <= kMaxBuckets;
}

// Absolute counts from the chunk's delta-encoded buckets, appended to *out.
void AppendAbsolute(const std::vector<int64_t>& deltas, std::vector<uint64_t>* out) {
  uint64_t cur = 0;
  for (int64_t d : deltas) {
    cur += static_cast<uint64_t>(d);
    out->push_back(cur);
  }
}

void ToDeltas(const uint64_t* abs, size_t n, std::vector<int64_t>* out) {
  out->resize(n);
  uint64_t last = 0;
  for (size_t i = 0; i < n; ++i) {
    (*out)[i] = static_cast<int64_t>(abs[i] - last);
    last = abs[i];
  }
}

absl::Status Bad(const char* what) {
  return absl::DataLossError(absl::StrCat("histogram column: ", what));
}

}  // namespace

bool EncodeHistogramColumns(std::string_view chunk, size_t n, std::string* out) {
  chunkenc::HistogramIterator it(chunk);
  std::vector<double> sums;
  std::vector<Counts> samples;  // non-stale only
  sums.reserve(n);
  while (it.Next()) {
    const chunkenc::HistogramChunkState& s = it.state();
    if (sums.empty() &&
        (s.positive_buckets.size() + s.negative_buckets.size() + 1 > kMaxBuckets ||
         s.positive_spans.size() > kMaxBuckets || s.negative_spans.size() > kMaxBuckets ||
         (s.custom_values != nullptr && s.custom_values->size() > kMaxBuckets))) {
      return false;
    }
    sums.push_back(std::bit_cast<double>(s.sum_bits));
    if (model::IsStaleNaN(sums.back())) continue;
    Counts& c = samples.emplace_back();
    c.count = s.count;
    c.buckets.push_back(s.zero_count);
    AppendAbsolute(s.negative_buckets, &c.buckets);
    AppendAbsolute(s.positive_buckets, &c.buckets);
  }
  if (!it.status().ok() || sums.size() != n || n == 0) return false;

  const chunkenc::HistogramChunkState& s = it.state();
  out->push_back(static_cast<char>(kHistogramColumnValues));
  out->push_back(static_cast<char>(it.counter_reset_header()));
  PutVarint(out, s.schema);
  PutFixed64(out, std::bit_cast<uint64_t>(s.zero_threshold));
  const size_t bounds = s.custom_values == nullptr ? 0 : s.custom_values->size();
  PutUvarint(out, bounds);
  for (size_t i = 0; i < bounds; ++i)
    PutFixed64(out, std::bit_cast<uint64_t>((*s.custom_values)[i]));
  PutSpans(s.negative_spans, out);
  PutSpans(s.positive_spans, out);
  std::string sum_stream;
  EncodeValues(sums, &sum_stream);
  PutUvarint(out, sum_stream.size());
  out->append(sum_stream);

  auto model = std::make_unique<ResidualModel>();
  std::string coded;
  rc::Encoder enc(&coded);
  int64_t prev_delta = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const Counts* prev = i == 0 ? nullptr : &samples[i - 1];
    WalkSample(prev, i >= 2, prev_delta, samples[i], [&](int ctx, int64_t predicted, uint64_t* v) {
      PutResidual(enc, *model, ctx, WrapSub(static_cast<int64_t>(*v), predicted));
    });
    if (prev != nullptr) prev_delta = static_cast<int64_t>(samples[i].count - prev->count);
  }
  enc.Finish();
  out->append(coded);
  return true;
}

absl::Status DecodeHistogramColumns(std::string_view in, size_t n, size_t from,
                                    std::vector<mh::Histogram>* out) {
  out->clear();
  Decoder d(in);
  uint8_t mode, header_byte;
  int64_t schema;
  uint64_t threshold_bits, bounds;
  if (!d.Byte(&mode) || mode != kHistogramColumnValues || !d.Byte(&header_byte) ||
      !d.Varint(&schema) || !d.Fixed64(&threshold_bits) || !d.Uvarint(&bounds)) {
    return Bad("truncated header");
  }
  if (schema < INT32_MIN || schema > INT32_MAX ||
      !mh::IsKnownSchema(static_cast<int32_t>(schema))) {
    return Bad("unknown schema");
  }
  if (bounds > kMaxBuckets || d.remaining() < bounds * 8) return Bad("bad custom bounds");
  mh::CustomValues custom;
  if (bounds > 0) {
    std::vector<double> b(bounds);
    for (double& x : b) {
      uint64_t bits = 0;  // the length was checked above: Fixed64 cannot fail
      d.Fixed64(&bits);
      x = std::bit_cast<double>(bits);
    }
    custom = mh::MakeCustomValues(std::move(b));
  }
  std::vector<mh::Span> neg_spans, pos_spans;
  uint64_t num_neg = 0, num_pos = 0;
  if (!GetSpans(d, &neg_spans, &num_neg) || !GetSpans(d, &pos_spans, &num_pos) ||
      num_neg + num_pos >= kMaxBuckets) {
    return Bad("bad spans");
  }
  std::string_view sum_stream;
  if (!d.String(&sum_stream)) return Bad("truncated sums");
  std::vector<double> sums;
  if (auto st = DecodeValues(sum_stream, n, &sums); !st.ok()) return st;
  if (sums.size() != n) return Bad("sum count");

  const auto header =
      static_cast<chunkenc::CounterResetHeader>(header_byte & chunkenc::kCounterResetHeaderMask);
  auto model = std::make_unique<ResidualModel>();
  rc::Decoder dec(in.substr(in.size() - d.remaining()));
  Counts prev, cur;
  cur.buckets.resize(1 + num_neg + num_pos);
  prev.buckets.resize(cur.buckets.size());
  bool have_prev = false, has_prev_delta = false;
  int64_t prev_delta = 0;
  out->reserve(n - std::min(n, from));
  for (size_t i = 0; i < n; ++i) {
    if (model::IsStaleNaN(sums[i])) {
      if (i >= from) out->emplace_back().sum = sums[i];
      continue;
    }
    WalkSample(have_prev ? &prev : nullptr, has_prev_delta, prev_delta, cur,
               [&](int ctx, int64_t predicted, uint64_t* v) {
                 *v = static_cast<uint64_t>(WrapAdd(predicted, GetResidual(dec, *model, ctx)));
               });
    if (have_prev) {
      prev_delta = static_cast<int64_t>(cur.count - prev.count);
      has_prev_delta = true;
    }
    if (i >= from) {
      mh::Histogram& h = out->emplace_back();
      h.counter_reset_hint = chunkenc::CounterResetHintFor(header, static_cast<int>(i + 1));
      h.schema = static_cast<int32_t>(schema);
      h.zero_threshold = std::bit_cast<double>(threshold_bits);
      h.zero_count = cur.buckets[0];
      h.count = cur.count;
      h.sum = sums[i];
      h.negative_spans = neg_spans;
      h.positive_spans = pos_spans;
      ToDeltas(cur.buckets.data() + 1, num_neg, &h.negative_buckets);
      ToDeltas(cur.buckets.data() + 1 + num_neg, num_pos, &h.positive_buckets);
      h.custom_values = custom;
      if (h.schema > mh::kExponentialSchemaMax) {
        (void)h.ReduceResolution(mh::kExponentialSchemaMax);  // consistent layout: cannot fail
      }
    }
    std::swap(prev, cur);
    have_prev = true;
  }
  if (dec.overran()) return Bad("truncated residuals");
  return absl::OkStatus();
}

}  // namespace promlet::tsdb
