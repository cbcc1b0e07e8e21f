#include "tsdb/chunkenc/histogram_chunk.h"

#include <bit>

#include "absl/strings/str_cat.h"
#include "model/value.h"
#include "tsdb/chunkenc/varbit.h"

namespace promlet::tsdb::chunkenc {
namespace {

// Go's wrapping int64 arithmetic.
inline int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

bool BucketsMatchSpans(const mh::Histogram& h) {
  return static_cast<size_t>(CountSpans(h.positive_spans)) == h.positive_buckets.size() &&
         static_cast<size_t>(CountSpans(h.negative_spans)) == h.negative_buckets.size();
}

}  // namespace

// ---- iterator ----

void HistogramIterator::Reset(absl::Span<const uint8_t> bytes) {
  *this = HistogramIterator();
  if (bytes.size() < kHistogramHeaderSize) {
    if (!bytes.empty()) status_ = absl::DataLossError("histogram chunk: truncated header");
    return;
  }
  total_ = (bytes[0] << 8) | bytes[1];
  header_ = static_cast<CounterResetHeader>(bytes[kHistogramFlagPos] & kCounterResetHeaderMask);
  r_ = BitReader(bytes.data() + kHistogramHeaderSize, bytes.data() + bytes.size());
}

bool HistogramIterator::Fail(absl::string_view what) {
  if (status_.ok()) {
    status_ =
        absl::DataLossError(absl::StrCat("histogram chunk: ", what, " at sample ", num_read_));
  }
  total_ = num_read_;
  return false;
}

bool HistogramIterator::Next() {
  if (num_read_ >= total_) return false;
  if (num_read_ == 0) {
    HistogramChunkLayout layout;
    if (!ReadHistogramChunkLayout(r_, &layout)) return Fail("corrupt or truncated layout");
    if (!mh::IsKnownSchema(layout.schema)) {
      if (status_.ok()) {
        status_ = absl::DataLossError(
            absl::StrCat("histogram chunk: ", mh::UnknownSchemaError(layout.schema).message()));
      }
      total_ = 0;
      return false;
    }
    s_.schema = layout.schema;
    s_.zero_threshold = layout.zero_threshold;
    s_.positive_spans = std::move(layout.positive_spans);
    s_.negative_spans = std::move(layout.negative_spans);
    if (!layout.custom_values.empty()) {
      s_.custom_values = mh::MakeCustomValues(std::move(layout.custom_values));
    }
    s_.positive_buckets.assign(CountSpans(s_.positive_spans), 0);
    s_.positive_deltas.assign(s_.positive_buckets.size(), 0);
    s_.negative_buckets.assign(CountSpans(s_.negative_spans), 0);
    s_.negative_deltas.assign(s_.negative_buckets.size(), 0);
    if (!ReadVarbitInt(r_, &s_.t) || !ReadVarbitUint(r_, &s_.count) ||
        !ReadVarbitUint(r_, &s_.zero_count) || !r_.ReadBits(64, &s_.sum_bits)) {
      return Fail("truncated first sample");
    }
    for (int64_t& b : s_.positive_buckets) {
      if (!ReadVarbitInt(r_, &b)) return Fail("truncated bucket");
    }
    for (int64_t& b : s_.negative_buckets) {
      if (!ReadVarbitInt(r_, &b)) return Fail("truncated bucket");
    }
    ++num_read_;
    return true;
  }
  // Sample 1's single deltas are dods against the zero deltas: one code path for both.
  int64_t t_dod, count_dod, zero_count_dod;
  if (!ReadVarbitInt(r_, &t_dod) || !ReadVarbitInt(r_, &count_dod) ||
      !ReadVarbitInt(r_, &zero_count_dod)) {
    return Fail("truncated sample");
  }
  s_.t_delta = WrapAdd(s_.t_delta, t_dod);
  s_.t = WrapAdd(s_.t, s_.t_delta);
  s_.count_delta = WrapAdd(s_.count_delta, count_dod);
  s_.count += static_cast<uint64_t>(s_.count_delta);
  s_.zero_count_delta = WrapAdd(s_.zero_count_delta, zero_count_dod);
  s_.zero_count += static_cast<uint64_t>(s_.zero_count_delta);
  if (!XorReadValue(r_, &s_.sum_bits, &s_.leading, &s_.trailing)) return Fail("corrupt sum");
  if (model::IsStaleNaN(std::bit_cast<double>(s_.sum_bits))) {
    ++num_read_;
    return true;
  }
  for (size_t i = 0; i < s_.positive_buckets.size(); ++i) {
    int64_t dod;
    if (!ReadVarbitInt(r_, &dod)) return Fail("truncated bucket");
    s_.positive_deltas[i] = WrapAdd(s_.positive_deltas[i], dod);
    s_.positive_buckets[i] = WrapAdd(s_.positive_buckets[i], s_.positive_deltas[i]);
  }
  for (size_t i = 0; i < s_.negative_buckets.size(); ++i) {
    int64_t dod;
    if (!ReadVarbitInt(r_, &dod)) return Fail("truncated bucket");
    s_.negative_deltas[i] = WrapAdd(s_.negative_deltas[i], dod);
    s_.negative_buckets[i] = WrapAdd(s_.negative_buckets[i], s_.negative_deltas[i]);
  }
  ++num_read_;
  return true;
}

bool HistogramIterator::Seek(int64_t t) {
  if (!status_.ok()) return false;
  while (num_read_ == 0 || t > s_.t) {
    if (!Next()) return false;
  }
  return true;
}

void HistogramIterator::AtHistogramAsStored(mh::Histogram* h) const {
  const double sum = std::bit_cast<double>(s_.sum_bits);
  if (model::IsStaleNaN(sum)) {
    *h = mh::Histogram();
    h->sum = sum;
    return;
  }
  h->counter_reset_hint = CounterResetHintFor(header_, num_read_);
  h->schema = s_.schema;
  h->zero_threshold = s_.zero_threshold;
  h->zero_count = s_.zero_count;
  h->count = s_.count;
  h->sum = sum;
  h->positive_spans = s_.positive_spans;
  h->negative_spans = s_.negative_spans;
  h->positive_buckets = s_.positive_buckets;
  h->negative_buckets = s_.negative_buckets;
  h->custom_values = s_.custom_values;  // shared: decoded once per chunk
}

void HistogramIterator::AtHistogram(mh::Histogram* h) const {
  AtHistogramAsStored(h);
  if (s_.schema > mh::kExponentialSchemaMax && !model::IsStaleNaN(h->sum)) {
    // A chunk from a newer Prometheus with more resolution. The layout is consistent by
    // construction (buckets sized from the spans), so the reduction cannot fail.
    (void)h->ReduceResolution(mh::kExponentialSchemaMax);
  }
}

void HistogramIterator::AtFloatHistogram(mh::FloatHistogram* fh) const {
  const double sum = std::bit_cast<double>(s_.sum_bits);
  if (model::IsStaleNaN(sum)) {
    *fh = mh::FloatHistogram();
    fh->sum = sum;
    return;
  }
  fh->counter_reset_hint = CounterResetHintFor(header_, num_read_);
  fh->schema = s_.schema;
  fh->zero_threshold = s_.zero_threshold;
  fh->zero_count = static_cast<double>(s_.zero_count);
  fh->count = static_cast<double>(s_.count);
  fh->sum = sum;
  fh->positive_spans = s_.positive_spans;
  fh->negative_spans = s_.negative_spans;
  // Absolute counts accumulate in float64, as Prometheus does.
  fh->positive_buckets.resize(s_.positive_buckets.size());
  double cur = 0;
  for (size_t i = 0; i < s_.positive_buckets.size(); ++i) {
    cur += static_cast<double>(s_.positive_buckets[i]);
    fh->positive_buckets[i] = cur;
  }
  fh->negative_buckets.resize(s_.negative_buckets.size());
  cur = 0;
  for (size_t i = 0; i < s_.negative_buckets.size(); ++i) {
    cur += static_cast<double>(s_.negative_buckets[i]);
    fh->negative_buckets[i] = cur;
  }
  fh->custom_values = s_.custom_values;
  if (s_.schema > mh::kExponentialSchemaMax) {
    (void)fh->ReduceResolution(mh::kExponentialSchemaMax);  // consistent layout: cannot fail
  }
}

// ---- appender ----

HistogramAppender::HistogramAppender() {
  w_.Skip(kHistogramHeaderSize * 8);
  s_.leading = 0xff;
}

absl::StatusOr<std::unique_ptr<HistogramAppender>> HistogramAppender::FromBytes(
    std::string_view bytes) {
  auto a = std::make_unique<HistogramAppender>();
  if (bytes.size() < kHistogramHeaderSize) {
    return absl::DataLossError("histogram chunk: truncated header");
  }
  HistogramIterator it(bytes);
  while (it.Next()) {
  }
  if (!it.status().ok()) return it.status();
  // Continue right after the last decoded bit (Prometheus' bstream would continue at the next
  // byte boundary, which only works when the last byte happens to be full).
  const uint64_t bits = kHistogramHeaderSize * 8 + it.bit_position();
  a->w_ = BitWriter();
  a->w_.Skip(static_cast<uint32_t>(bits));
  const size_t nbytes = (bits + 7) / 8;
  std::memcpy(a->w_.data(), bytes.data(), nbytes);
  if (bits % 8 != 0) a->w_.data()[nbytes - 1] &= static_cast<uint8_t>(0xff << (8 - bits % 8));
  if (it.num_read() > 0) a->s_ = it.state();  // as Prometheus' Appender(): the decoder's state
  return a;
}

int HistogramAppender::num_samples() const {
  const uint8_t* p = w_.data();
  return (p[0] << 8) | p[1];
}

void HistogramAppender::SetNumSamples(int n) {
  uint8_t* p = w_.data();
  p[0] = static_cast<uint8_t>(n >> 8);
  p[1] = static_cast<uint8_t>(n & 0xff);
}

CounterResetHeader HistogramAppender::counter_reset_header() const {
  return static_cast<CounterResetHeader>(w_.data()[kHistogramFlagPos] & kCounterResetHeaderMask);
}

void HistogramAppender::SetCounterResetHeader(CounterResetHeader h) {
  uint8_t& f = w_.data()[kHistogramFlagPos];
  f = static_cast<uint8_t>((f & ~kCounterResetHeaderMask) |
                           (static_cast<uint8_t>(h) & kCounterResetHeaderMask));
}

Appendability HistogramAppender::Appendable(const mh::Histogram& h) const {
  Appendability r;
  r.counter_reset = CounterResetHeader::kNotCounterReset;
  if (num_samples() > 0 && counter_reset_header() == CounterResetHeader::kGauge) return r;
  if (h.counter_reset_hint == mh::CounterResetHint::kReset) {
    r.counter_reset = CounterResetHeader::kCounterReset;  // always honour the explicit hint
    return r;
  }
  if (model::IsStaleNaN(h.sum)) {  // a stale marker's buckets and spans do not matter
    r.ok = true;
    return r;
  }
  if (model::IsStaleNaN(std::bit_cast<double>(s_.sum_bits))) {
    // After a stale marker only stale markers go into this chunk.
    r.counter_reset = CounterResetHeader::kUnknown;
    return r;
  }
  if (h.count < s_.count) {
    r.counter_reset = CounterResetHeader::kCounterReset;
    return r;
  }
  if (h.schema != s_.schema || h.zero_threshold != s_.zero_threshold) {
    // Maybe a reset, maybe not: Prometheus does no full detection here (its issue 15346).
    r.counter_reset = CounterResetHeader::kUnknown;
    return r;
  }
  if (mh::IsCustomBucketsSchema(h.schema) &&
      !mh::CustomBucketBoundsMatch(h.custom_values, s_.custom_values)) {
    r.counter_reset = CounterResetHeader::kCounterReset;
    return r;
  }
  if (h.zero_count < s_.zero_count) {
    r.counter_reset = CounterResetHeader::kCounterReset;
    return r;
  }
  if (!ExpandIntSpansAndBuckets(s_.positive_spans, h.positive_spans, s_.positive_buckets,
                                h.positive_buckets, &r.positive_inserts,
                                &r.backward_positive_inserts) ||
      !ExpandIntSpansAndBuckets(s_.negative_spans, h.negative_spans, s_.negative_buckets,
                                h.negative_buckets, &r.negative_inserts,
                                &r.backward_negative_inserts)) {
    r.positive_inserts.clear();
    r.backward_positive_inserts.clear();
    r.negative_inserts.clear();
    r.backward_negative_inserts.clear();
    r.counter_reset = CounterResetHeader::kCounterReset;
    return r;
  }
  r.ok = true;
  return r;
}

Appendability HistogramAppender::AppendableGauge(const mh::Histogram& h) const {
  Appendability r;
  if (num_samples() > 0 && counter_reset_header() != CounterResetHeader::kGauge) return r;
  if (model::IsStaleNaN(h.sum)) {
    r.ok = true;
    return r;
  }
  if (model::IsStaleNaN(std::bit_cast<double>(s_.sum_bits))) return r;
  if (h.schema != s_.schema || h.zero_threshold != s_.zero_threshold) return r;
  if (mh::IsCustomBucketsSchema(h.schema) &&
      !mh::CustomBucketBoundsMatch(h.custom_values, s_.custom_values)) {
    return r;
  }
  ExpandSpansBothWays(s_.positive_spans, h.positive_spans, &r.positive_inserts,
                      &r.backward_positive_inserts, &r.positive_spans);
  ExpandSpansBothWays(s_.negative_spans, h.negative_spans, &r.negative_inserts,
                      &r.backward_negative_inserts, &r.negative_spans);
  r.ok = true;
  return r;
}

int HistogramAppender::AppendRaw(int num, int64_t t, const mh::Histogram& hin) {
  mh::Histogram stale;
  const mh::Histogram* h = &hin;
  if (model::IsStaleNaN(hin.sum)) {
    // No buckets, and an empty layout if this is the chunk's first sample.
    stale.sum = hin.sum;
    h = &stale;
  }
  int64_t t_delta = 0, count_delta = 0, zero_count_delta = 0;
  if (num == 0) {
    // The first sample dictates the layout and writes it.
    WriteHistogramChunkLayout(w_, h->schema, h->zero_threshold, h->positive_spans,
                              h->negative_spans, mh::Bounds(h->custom_values));
    s_.schema = h->schema;
    s_.zero_threshold = h->zero_threshold;
    s_.positive_spans = h->positive_spans;
    s_.negative_spans = h->negative_spans;
    s_.custom_values =
        h->custom_values && !h->custom_values->empty() ? h->custom_values : mh::CustomValues();
    s_.positive_buckets.assign(CountSpans(h->positive_spans), 0);
    s_.positive_deltas.assign(s_.positive_buckets.size(), 0);
    s_.negative_buckets.assign(CountSpans(h->negative_spans), 0);
    s_.negative_deltas.assign(s_.negative_buckets.size(), 0);
    PutVarbitInt(w_, t);
    PutVarbitUint(w_, h->count);
    PutVarbitUint(w_, h->zero_count);
    w_.PutBits(std::bit_cast<uint64_t>(h->sum), 64);
    for (int64_t b : h->positive_buckets) PutVarbitInt(w_, b);
    for (int64_t b : h->negative_buckets) PutVarbitInt(w_, b);
  } else {
    t_delta = WrapSub(t, s_.t);
    count_delta = WrapSub(static_cast<int64_t>(h->count), static_cast<int64_t>(s_.count));
    zero_count_delta =
        WrapSub(static_cast<int64_t>(h->zero_count), static_cast<int64_t>(s_.zero_count));
    int64_t count_dod = WrapSub(count_delta, s_.count_delta);
    int64_t zero_count_dod = WrapSub(zero_count_delta, s_.zero_count_delta);
    if (h == &stale) count_dod = zero_count_dod = 0;
    PutVarbitInt(w_, WrapSub(t_delta, s_.t_delta));
    PutVarbitInt(w_, count_dod);
    PutVarbitInt(w_, zero_count_dod);
    XorWriteValue(w_, std::bit_cast<uint64_t>(h->sum), s_.sum_bits, &s_.leading, &s_.trailing);
    for (size_t i = 0; i < h->positive_buckets.size(); ++i) {
      int64_t delta = WrapSub(h->positive_buckets[i], s_.positive_buckets[i]);
      PutVarbitInt(w_, WrapSub(delta, s_.positive_deltas[i]));
      s_.positive_deltas[i] = delta;
    }
    for (size_t i = 0; i < h->negative_buckets.size(); ++i) {
      int64_t delta = WrapSub(h->negative_buckets[i], s_.negative_buckets[i]);
      PutVarbitInt(w_, WrapSub(delta, s_.negative_deltas[i]));
      s_.negative_deltas[i] = delta;
    }
  }
  s_.t = t;
  s_.count = h->count;
  s_.zero_count = h->zero_count;
  s_.t_delta = t_delta;
  s_.count_delta = count_delta;
  s_.zero_count_delta = zero_count_delta;
  // Go's copy(): as many as both hold (a stale marker copies none).
  for (size_t i = 0; i < h->positive_buckets.size() && i < s_.positive_buckets.size(); ++i) {
    s_.positive_buckets[i] = h->positive_buckets[i];
  }
  for (size_t i = 0; i < h->negative_buckets.size() && i < s_.negative_buckets.size(); ++i) {
    s_.negative_buckets[i] = h->negative_buckets[i];
  }
  s_.sum_bits = std::bit_cast<uint64_t>(h->sum);
  return num + 1;
}

std::unique_ptr<HistogramAppender> HistogramAppender::Recode(
    const Appendability& a, const std::vector<mh::Span>& positive_spans,
    const std::vector<mh::Span>& negative_spans) const {
  auto out = std::make_unique<HistogramAppender>();
  HistogramIterator it(bytes());
  mh::Histogram old;
  std::vector<int64_t> widened;
  int num = 0;
  while (it.Next()) {
    it.AtHistogramAsStored(&old);
    old.positive_spans = positive_spans;
    old.negative_spans = negative_spans;
    if (!a.positive_inserts.empty()) {
      InsertBuckets(old.positive_buckets, a.positive_inserts, true, &widened);
      old.positive_buckets.swap(widened);
    }
    if (!a.negative_inserts.empty()) {
      InsertBuckets(old.negative_buckets, a.negative_inserts, true, &widened);
      old.negative_buckets.swap(widened);
    }
    num = out->AppendRaw(num, it.T(), old);
  }
  out->SetNumSamples(num);
  out->SetCounterResetHeader(counter_reset_header());
  return out;
}

absl::StatusOr<HistogramAppender::AppendResult> HistogramAppender::AppendHistogram(
    const HistogramAppender* prev, int64_t t, const mh::Histogram& h, bool append_only) {
  const int num = num_samples();
  if (num >= kMaxSamples) {
    return absl::ResourceExhaustedError("histogram chunk: capacity of 65535 samples exceeded");
  }
  if (!model::IsStaleNaN(h.sum) && !BucketsMatchSpans(h)) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram at ", t, ": ", mh::kErrSpansBucketsMismatch));
  }
  if (num > 0 && t <= s_.t) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram chunk: timestamp ", t, " not after the last one, ", s_.t));
  }
  AppendResult res;
  if (num == 0) {
    SetNumSamples(AppendRaw(0, t, h));
    if (h.counter_reset_hint == mh::CounterResetHint::kGauge) {
      SetCounterResetHeader(CounterResetHeader::kGauge);
    } else if (h.counter_reset_hint == mh::CounterResetHint::kReset) {
      SetCounterResetHeader(CounterResetHeader::kCounterReset);
    } else if (prev != nullptr) {
      // A new chunk continuing prev: what prev says about h is the header.
      SetCounterResetHeader(prev->Appendable(h).counter_reset);
    }
    return res;
  }
  auto new_chunk = [&](CounterResetHeader header) {
    res.new_chunk = std::make_unique<HistogramAppender>();
    res.new_chunk->SetCounterResetHeader(header);
    res.new_chunk->SetNumSamples(res.new_chunk->AppendRaw(0, t, h));
  };
  if (h.counter_reset_hint != mh::CounterResetHint::kGauge) {
    Appendability a = Appendable(h);
    if (!a.ok || a.counter_reset != CounterResetHeader::kNotCounterReset) {
      if (append_only) {
        return absl::FailedPreconditionError(a.counter_reset == CounterResetHeader::kCounterReset
                                                 ? "histogram counter reset"
                                                 : "histogram schema change");
      }
      new_chunk(a.counter_reset);
      return res;
    }
    const bool forward = !a.positive_inserts.empty() || !a.negative_inserts.empty();
    if (forward && append_only) {
      return absl::FailedPreconditionError(
          absl::StrCat("histogram layout change with ", a.positive_inserts.size(), " positive and ",
                       a.negative_inserts.size(), " negative forwards inserts"));
    }
    const mh::Histogram* hp = &h;
    mh::Histogram widened;
    if (!a.backward_positive_inserts.empty() || !a.backward_negative_inserts.empty()) {
      // h lacks empty buckets of the chunk: give it them.
      widened = h;
      if (!forward) {
        widened.positive_spans = s_.positive_spans;
        widened.negative_spans = s_.negative_spans;
      } else {
        widened.positive_spans = AdjustForInserts(h.positive_spans, a.backward_positive_inserts);
        widened.negative_spans = AdjustForInserts(h.negative_spans, a.backward_negative_inserts);
      }
      if (!a.backward_positive_inserts.empty()) {
        InsertBuckets(h.positive_buckets, a.backward_positive_inserts, true,
                      &widened.positive_buckets);
      }
      if (!a.backward_negative_inserts.empty()) {
        InsertBuckets(h.negative_buckets, a.backward_negative_inserts, true,
                      &widened.negative_buckets);
      }
      hp = &widened;
    }
    if (forward) {
      res.new_chunk = Recode(a, hp->positive_spans, hp->negative_spans);
      res.new_chunk->SetNumSamples(res.new_chunk->AppendRaw(res.new_chunk->num_samples(), t, *hp));
      res.recoded = true;
      return res;
    }
    SetNumSamples(AppendRaw(num, t, *hp));
    return res;
  }
  // A gauge histogram.
  Appendability a = AppendableGauge(h);
  if (!a.ok) {
    if (append_only) return absl::FailedPreconditionError("gauge histogram schema change");
    new_chunk(CounterResetHeader::kGauge);
    return res;
  }
  const bool backward =
      !a.backward_positive_inserts.empty() || !a.backward_negative_inserts.empty();
  const bool forward = !a.positive_inserts.empty() || !a.negative_inserts.empty();
  if (backward && append_only) {
    return absl::FailedPreconditionError(absl::StrCat(
        "gauge histogram layout change with ", a.backward_positive_inserts.size(), " positive and ",
        a.backward_negative_inserts.size(), " negative backwards inserts"));
  }
  if (forward && append_only) {
    return absl::FailedPreconditionError(
        absl::StrCat("gauge histogram layout change with ", a.positive_inserts.size(),
                     " positive and ", a.negative_inserts.size(), " negative forwards inserts"));
  }
  const mh::Histogram* hp = &h;
  mh::Histogram widened;
  if (backward) {
    widened = h;
    widened.positive_spans = a.positive_spans;
    widened.negative_spans = a.negative_spans;
    if (!a.backward_positive_inserts.empty()) {
      InsertBuckets(h.positive_buckets, a.backward_positive_inserts, true,
                    &widened.positive_buckets);
    }
    if (!a.backward_negative_inserts.empty()) {
      InsertBuckets(h.negative_buckets, a.backward_negative_inserts, true,
                    &widened.negative_buckets);
    }
    hp = &widened;
  }
  if (forward) {
    res.new_chunk = Recode(a, hp->positive_spans, hp->negative_spans);
    res.new_chunk->SetNumSamples(res.new_chunk->AppendRaw(res.new_chunk->num_samples(), t, *hp));
    res.recoded = true;
    return res;
  }
  SetNumSamples(AppendRaw(num, t, *hp));
  return res;
}

}  // namespace promlet::tsdb::chunkenc
