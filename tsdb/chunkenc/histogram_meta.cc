#include "tsdb/chunkenc/histogram_meta.h"

#include <bit>
#include <cmath>

#include "tsdb/chunkenc/varbit.h"

namespace promlet::tsdb::chunkenc {

CounterResetHeader CounterResetHintToHeader(mh::CounterResetHint hint) {
  switch (hint) {
    case mh::CounterResetHint::kReset:
      return CounterResetHeader::kCounterReset;
    case mh::CounterResetHint::kNotReset:
      return CounterResetHeader::kNotCounterReset;
    case mh::CounterResetHint::kGauge:
      return CounterResetHeader::kGauge;
    default:
      return CounterResetHeader::kUnknown;
  }
}

mh::CounterResetHint CounterResetHintFor(CounterResetHeader header, int num_read) {
  if (header == CounterResetHeader::kGauge) return mh::CounterResetHint::kGauge;
  if (num_read > 1) return mh::CounterResetHint::kNotReset;
  return mh::CounterResetHint::kUnknown;
}

int CountSpans(const std::vector<mh::Span>& spans) {
  int n = 0;
  for (const mh::Span& s : spans) n += static_cast<int>(s.length);
  return n;
}

// ---- layout ----

namespace {

void PutSpans(BitWriter& w, const std::vector<mh::Span>& spans) {
  PutVarbitUint(w, spans.size());
  for (const mh::Span& s : spans) {
    PutVarbitUint(w, s.length);
    PutVarbitInt(w, s.offset);
  }
}

bool ReadSpans(BitReader& r, std::vector<mh::Span>* spans) {
  spans->clear();
  uint64_t num;
  if (!ReadVarbitUint(r, &num)) return false;
  for (uint64_t i = 0; i < num; ++i) {
    uint64_t length;
    int64_t offset;
    if (!ReadVarbitUint(r, &length) || !ReadVarbitInt(r, &offset)) return false;
    spans->push_back(mh::Span{static_cast<int32_t>(offset), static_cast<uint32_t>(length)});
  }
  return true;
}

// Go's isWholeWhenMultiplied, for 0 <= in*1000 <= 33554430.
bool IsWholeWhenMultiplied(double in) {
  double r = std::round(in * 1000);
  if (!(r >= 0 && r < 1.8e19)) return false;  // NaN (Go's uint(NaN) never round-trips either)
  uint64_t i = static_cast<uint64_t>(r);
  return in == static_cast<double>(i) / 1000;
}

}  // namespace

void WriteHistogramChunkLayout(BitWriter& w, int32_t schema, double zero_threshold,
                               const std::vector<mh::Span>& positive_spans,
                               const std::vector<mh::Span>& negative_spans,
                               const std::vector<double>& custom_values) {
  PutZeroThreshold(w, zero_threshold);
  PutVarbitInt(w, schema);
  PutSpans(w, positive_spans);
  PutSpans(w, negative_spans);
  if (mh::IsCustomBucketsSchema(schema)) {
    PutVarbitUint(w, custom_values.size());
    for (double b : custom_values) PutCustomBound(w, b);
  }
}

bool ReadHistogramChunkLayout(BitReader& r, HistogramChunkLayout* out) {
  if (!ReadZeroThreshold(r, &out->zero_threshold)) return false;
  int64_t schema;
  if (!ReadVarbitInt(r, &schema)) return false;
  out->schema = static_cast<int32_t>(schema);
  if (!ReadSpans(r, &out->positive_spans) || !ReadSpans(r, &out->negative_spans)) return false;
  out->custom_values.clear();
  if (mh::IsCustomBucketsSchema(out->schema)) {
    uint64_t num;
    if (!ReadVarbitUint(r, &num)) return false;
    for (uint64_t i = 0; i < num; ++i) {
      double b;
      if (!ReadCustomBound(r, &b)) return false;
      out->custom_values.push_back(b);
    }
  }
  return true;
}

void PutZeroThreshold(BitWriter& w, double threshold) {
  if (threshold == 0) {
    w.PutBits(0, 8);
    return;
  }
  int exp = 0;
  double frac = std::isfinite(threshold) ? std::frexp(threshold, &exp) : 0;
  if (frac != 0.5 || exp < -242 || exp > 11) {
    w.PutBits(255, 8);
    w.PutBits(std::bit_cast<uint64_t>(threshold), 64);
    return;
  }
  w.PutBits(static_cast<uint64_t>(exp + 243), 8);
}

bool ReadZeroThreshold(BitReader& r, double* out) {
  uint64_t b;
  if (!r.ReadBits(8, &b)) return false;
  if (b == 0) {
    *out = 0;
  } else if (b == 255) {
    uint64_t v;
    if (!r.ReadBits(64, &v)) return false;
    *out = std::bit_cast<double>(v);
  } else {
    *out = std::ldexp(0.5, static_cast<int>(b) - 243);
  }
  return true;
}

void PutCustomBound(BitWriter& w, double bound) {
  double tf = bound * 1000;
  // 33554431-1 is the most a 4-byte varbit holds; larger values take 8 bytes anyway.
  if (tf < 0 || tf > 33554430 || !IsWholeWhenMultiplied(bound)) {
    w.PutBits(0, 1);
    w.PutBits(std::bit_cast<uint64_t>(bound), 64);
    return;
  }
  PutVarbitUint(w, static_cast<uint64_t>(std::round(tf)) + 1);
}

bool ReadCustomBound(BitReader& r, double* out) {
  uint64_t b;
  if (!ReadVarbitUint(r, &b)) return false;
  if (b == 0) {
    uint64_t v;
    if (!r.ReadBits(64, &v)) return false;
    *out = std::bit_cast<double>(v);
  } else {
    *out = static_cast<double>(b - 1) / 1000;
  }
  return true;
}

// ---- bucket layout arithmetic ----

bool BucketIndexIterator::Next(int* idx) {
  const std::vector<mh::Span>& spans = *spans_;
  if (span_ >= spans.size()) return false;
  if (bucket_ < static_cast<int>(spans[span_].length) - 1) {  // within the same span
    ++bucket_;
    *idx = ++idx_;
    return true;
  }
  while (span_ + 1 < spans.size()) {  // on to the next non-empty span
    ++span_;
    idx_ += spans[span_].offset + 1;
    bucket_ = 0;
    if (spans[span_].length == 0) {
      --idx_;
      continue;
    }
    *idx = idx_;
    return true;
  }
  return false;
}

namespace {

// Appends bucket b to spans being built (last_bucket: the previous one added).
void AddBucket(int b, int* last_bucket, std::vector<mh::Span>* spans) {
  int offset = b - *last_bucket - 1;
  if (offset == 0 && !spans->empty()) {
    ++spans->back().length;
  } else {
    if (spans->empty()) ++offset;
    spans->push_back(mh::Span{offset, 1});
  }
  *last_bucket = b;
}

// Extends the running insert `ins` by bucket other_idx, flushing it when not contiguous.
void AddInsert(std::vector<Insert>* inserts, Insert* ins, int other_idx) {
  if (ins->num == 0) {
    ins->bucket_idx = other_idx;
  } else if (ins->bucket_idx + ins->num != other_idx) {
    inserts->push_back(*ins);
    ins->num = 0;
    ins->bucket_idx = other_idx;
  }
  ++ins->num;
}

// The shared body of Expand{Int,Float}SpansAndBuckets; kDeltas: buckets hold deltas.
template <bool kDeltas, typename T>
bool ExpandSpansAndBuckets(const std::vector<mh::Span>& a, const std::vector<mh::Span>& b,
                           const std::vector<T>& a_buckets, const std::vector<T>& b_buckets,
                           std::vector<Insert>* forward, std::vector<Insert>* backward) {
  forward->clear();
  backward->clear();
  BucketIndexIterator ai(a), bi(b);
  Insert a_inter, b_inter;
  int a_idx = 0, b_idx = 0;
  bool a_ok = ai.Next(&a_idx);
  bool b_ok = bi.Next(&b_idx);
  T a_count = 0, b_count = 0;
  size_t a_count_idx = 0, b_count_idx = 0;
  // A layout whose spans promise more buckets than there are reads as 0 (never out of range).
  auto at = [](const std::vector<T>& v, size_t i) { return i < v.size() ? v[i] : T{0}; };
  if (a_ok) a_count = at(a_buckets, 0);
  if (b_ok) b_count = at(b_buckets, 0);
  auto advance = [&](BucketIndexIterator& it, Insert& inter, std::vector<Insert>* inserts, int& idx,
                     bool& ok, size_t& count_idx, T& count, const std::vector<T>& buckets) {
    if (inter.num > 0) {
      inserts->push_back(inter);
      inter.num = 0;
    }
    ok = it.Next(&idx);
    ++inter.pos;
    ++count_idx;
    if (ok) {
      if constexpr (kDeltas) {
        count = static_cast<T>(static_cast<uint64_t>(count) +
                               static_cast<uint64_t>(at(buckets, count_idx)));
      } else {
        count = at(buckets, count_idx);
      }
    }
  };
  auto advance_a = [&] {
    advance(ai, a_inter, forward, a_idx, a_ok, a_count_idx, a_count, a_buckets);
  };
  auto advance_b = [&] {
    advance(bi, b_inter, backward, b_idx, b_ok, b_count_idx, b_count, b_buckets);
  };
  for (;;) {
    if (a_ok && b_ok) {
      if (a_idx == b_idx) {
        if (a_count > b_count) return false;  // a bucket decreased: counter reset
        advance_a();
        advance_b();
      } else if (a_idx < b_idx) {  // b misses a bucket of a: fine only if it was empty
        if (a_count != 0) return false;
        AddInsert(backward, &b_inter, a_idx);
        advance_a();
      } else {  // a misses a bucket of b
        AddInsert(forward, &a_inter, b_idx);
        advance_b();
      }
    } else if (a_ok) {
      if (a_count != 0) return false;
      AddInsert(backward, &b_inter, a_idx);
      advance_a();
    } else if (b_ok) {
      AddInsert(forward, &a_inter, b_idx);
      advance_b();
    } else {
      if (a_inter.num > 0) forward->push_back(a_inter);
      if (b_inter.num > 0) backward->push_back(b_inter);
      return true;
    }
  }
}

template <typename T>
void InsertBucketsImpl(const std::vector<T>& in, const std::vector<Insert>& inserts, bool deltas,
                       std::vector<T>* out) {
  size_t total = in.size();
  for (const Insert& ins : inserts) total += static_cast<size_t>(ins.num);
  out->assign(total, T{0});
  // Deltas wrap like Go's int64 (uint64 arithmetic avoids signed overflow).
  auto add = [](T x, T y) -> T {
    if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
    } else {
      return x + y;
    }
  };
  auto neg = [](T x) -> T {
    if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(uint64_t{0} - static_cast<uint64_t>(x));
    } else {
      return -x;
    }
  };
  size_t oi = 0, ii = 0;
  T v = 0;  // the last absolute value seen
  for (size_t i = 0; i < in.size(); ++i) {
    const T d = in[i];
    if (ii >= inserts.size() || static_cast<size_t>(inserts[ii].pos) != i) {
      (*out)[oi++] = d;
      v = add(v, d);
      continue;
    }
    bool first = true;
    while (ii < inserts.size() && static_cast<size_t>(inserts[ii].pos) == i) {
      // Inserted buckets are empty: with deltas the first one steps down to 0.
      (*out)[oi++] = (deltas && first) ? neg(v) : T{0};
      first = false;
      for (int x = 1; x < inserts[ii].num; ++x) (*out)[oi++] = 0;
      ++ii;
    }
    (*out)[oi++] = deltas ? add(d, v) : d;  // back up from 0 to the original value
    v = add(v, d);
  }
  // Inserts past the end (Prometheus panics on one that is not: they are skipped here).
  for (; ii < inserts.size(); ++ii) {
    if (static_cast<size_t>(inserts[ii].pos) < in.size()) continue;
    (*out)[oi++] = deltas ? neg(v) : T{0};
    for (int x = 1; x < inserts[ii].num; ++x) (*out)[oi++] = 0;
    v = 0;
  }
  out->resize(oi);
}

}  // namespace

bool ExpandIntSpansAndBuckets(const std::vector<mh::Span>& a, const std::vector<mh::Span>& b,
                              const std::vector<int64_t>& a_buckets,
                              const std::vector<int64_t>& b_buckets, std::vector<Insert>* forward,
                              std::vector<Insert>* backward) {
  return ExpandSpansAndBuckets<true>(a, b, a_buckets, b_buckets, forward, backward);
}

bool ExpandFloatSpansAndBuckets(const std::vector<mh::Span>& a, const std::vector<mh::Span>& b,
                                const std::vector<double>& a_buckets,
                                const std::vector<double>& b_buckets, std::vector<Insert>* forward,
                                std::vector<Insert>* backward) {
  return ExpandSpansAndBuckets<false>(a, b, a_buckets, b_buckets, forward, backward);
}

void ExpandSpansBothWays(const std::vector<mh::Span>& a, const std::vector<mh::Span>& b,
                         std::vector<Insert>* forward, std::vector<Insert>* backward,
                         std::vector<mh::Span>* merged) {
  forward->clear();
  backward->clear();
  merged->clear();
  BucketIndexIterator ai(a), bi(b);
  int last_bucket = 0;
  Insert f_inter, b_inter;
  int av = 0, bv = 0;
  bool a_ok = ai.Next(&av);
  bool b_ok = bi.Next(&bv);
  for (;;) {
    if (a_ok && b_ok) {
      if (av == bv) {
        if (f_inter.num > 0) {
          forward->push_back(f_inter);
          f_inter.num = 0;
        }
        if (b_inter.num > 0) {
          backward->push_back(b_inter);
          b_inter.num = 0;
        }
        AddBucket(av, &last_bucket, merged);
        a_ok = ai.Next(&av);
        b_ok = bi.Next(&bv);
        ++f_inter.pos;
        ++b_inter.pos;
      } else if (av < bv) {  // b misses a bucket of a
        ++b_inter.num;
        if (f_inter.num > 0) {
          forward->push_back(f_inter);
          f_inter.num = 0;
        }
        AddBucket(av, &last_bucket, merged);
        ++f_inter.pos;
        a_ok = ai.Next(&av);
      } else {  // a misses a bucket of b
        ++f_inter.num;
        if (b_inter.num > 0) {
          backward->push_back(b_inter);
          b_inter.num = 0;
        }
        AddBucket(bv, &last_bucket, merged);
        ++b_inter.pos;
        b_ok = bi.Next(&bv);
      }
    } else if (a_ok) {
      ++b_inter.num;
      AddBucket(av, &last_bucket, merged);
      a_ok = ai.Next(&av);
    } else if (b_ok) {
      ++f_inter.num;
      AddBucket(bv, &last_bucket, merged);
      b_ok = bi.Next(&bv);
    } else {
      if (f_inter.num > 0) forward->push_back(f_inter);
      if (b_inter.num > 0) backward->push_back(b_inter);
      return;
    }
  }
}

void InsertBuckets(const std::vector<int64_t>& in, const std::vector<Insert>& inserts, bool deltas,
                   std::vector<int64_t>* out) {
  InsertBucketsImpl(in, inserts, deltas, out);
}
void InsertBuckets(const std::vector<double>& in, const std::vector<Insert>& inserts, bool deltas,
                   std::vector<double>* out) {
  InsertBucketsImpl(in, inserts, deltas, out);
}

std::vector<mh::Span> AdjustForInserts(const std::vector<mh::Span>& spans,
                                       const std::vector<Insert>& inserts) {
  if (inserts.empty()) return spans;
  std::vector<mh::Span> merged;
  BucketIndexIterator it(spans);
  int last_bucket = 0;
  size_t i = 0;
  int insert_idx = inserts[0].bucket_idx;
  int insert_num = inserts[0].num;
  auto consume_insert = [&] {
    if (--insert_num == 0) {
      if (++i < inserts.size()) {
        insert_idx = inserts[i].bucket_idx;
        insert_num = inserts[i].num;
      }
    } else {
      ++insert_idx;
    }
  };
  int bucket = 0;
  bool ok = it.Next(&bucket);
  while (ok) {
    if (i < inserts.size() && insert_idx < bucket) {
      AddBucket(insert_idx, &last_bucket, &merged);
      consume_insert();
    } else {
      AddBucket(bucket, &last_bucket, &merged);
      ok = it.Next(&bucket);
    }
  }
  while (i < inserts.size()) {
    AddBucket(insert_idx, &last_bucket, &merged);
    consume_insert();
  }
  return merged;
}

}  // namespace promlet::tsdb::chunkenc
