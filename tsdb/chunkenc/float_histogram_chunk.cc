#include "tsdb/chunkenc/float_histogram_chunk.h"

#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "model/value.h"
#include "tsdb/chunkenc/varbit.h"

namespace promlet::tsdb::chunkenc {
namespace {

inline int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

bool BucketsMatchSpans(const mh::FloatHistogram& h) {
  return static_cast<size_t>(CountSpans(h.positive_spans)) == h.positive_buckets.size() &&
         static_cast<size_t>(CountSpans(h.negative_spans)) == h.negative_buckets.size();
}

bool ReadRaw(BitReader& r, double* out) {
  uint64_t v;
  if (!r.ReadBits(64, &v)) return false;
  *out = std::bit_cast<double>(v);
  return true;
}

bool ReadXor(BitReader& r, double* v, XorWindow* w) {
  uint64_t bits = std::bit_cast<uint64_t>(*v);
  if (!XorReadValue(r, &bits, &w->leading, &w->trailing)) return false;
  *v = std::bit_cast<double>(bits);
  return true;
}

}  // namespace

// ---- iterator ----

void FloatHistogramIterator::Reset(absl::Span<const uint8_t> bytes) {
  *this = FloatHistogramIterator();
  if (bytes.size() < kHistogramHeaderSize) {
    if (!bytes.empty()) status_ = absl::DataLossError("float histogram chunk: truncated header");
    return;
  }
  total_ = (bytes[0] << 8) | bytes[1];
  header_ = static_cast<CounterResetHeader>(bytes[kHistogramFlagPos] & kCounterResetHeaderMask);
  r_ = BitReader(bytes.data() + kHistogramHeaderSize, bytes.data() + bytes.size());
}

bool FloatHistogramIterator::Fail(absl::string_view what) {
  if (status_.ok()) {
    status_ = absl::DataLossError(
        absl::StrCat("float histogram chunk: ", what, " at sample ", num_read_));
  }
  total_ = num_read_;
  return false;
}

bool FloatHistogramIterator::Next() {
  if (num_read_ >= total_) return false;
  if (num_read_ == 0) {
    HistogramChunkLayout layout;
    if (!ReadHistogramChunkLayout(r_, &layout)) return Fail("corrupt or truncated layout");
    if (!mh::IsKnownSchema(layout.schema)) {
      if (status_.ok()) {
        status_ = absl::DataLossError(absl::StrCat(
            "float histogram chunk: ", mh::UnknownSchemaError(layout.schema).message()));
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
    s_.positive_windows.assign(s_.positive_buckets.size(), XorWindow());
    s_.negative_buckets.assign(CountSpans(s_.negative_spans), 0);
    s_.negative_windows.assign(s_.negative_buckets.size(), XorWindow());
    if (!ReadVarbitInt(r_, &s_.t) || !r_.ReadBits(64, &s_.count.bits) ||
        !r_.ReadBits(64, &s_.zero_count.bits) || !r_.ReadBits(64, &s_.sum.bits)) {
      return Fail("truncated first sample");
    }
    for (double& b : s_.positive_buckets) {
      if (!ReadRaw(r_, &b)) return Fail("truncated bucket");
    }
    for (double& b : s_.negative_buckets) {
      if (!ReadRaw(r_, &b)) return Fail("truncated bucket");
    }
    ++num_read_;
    return true;
  }
  int64_t t_dod;
  if (!ReadVarbitInt(r_, &t_dod)) return Fail("truncated sample");
  s_.t_delta = WrapAdd(s_.t_delta, t_dod);
  s_.t = WrapAdd(s_.t, s_.t_delta);
  for (XorField* f : {&s_.count, &s_.zero_count, &s_.sum}) {
    if (!XorReadValue(r_, &f->bits, &f->leading, &f->trailing)) return Fail("corrupt value");
  }
  if (model::IsStaleNaN(s_.sum.value())) {
    ++num_read_;
    return true;
  }
  for (size_t i = 0; i < s_.positive_buckets.size(); ++i) {
    if (!ReadXor(r_, &s_.positive_buckets[i], &s_.positive_windows[i])) {
      return Fail("corrupt bucket");
    }
  }
  for (size_t i = 0; i < s_.negative_buckets.size(); ++i) {
    if (!ReadXor(r_, &s_.negative_buckets[i], &s_.negative_windows[i])) {
      return Fail("corrupt bucket");
    }
  }
  ++num_read_;
  return true;
}

bool FloatHistogramIterator::Seek(int64_t t) {
  if (!status_.ok()) return false;
  while (num_read_ == 0 || t > s_.t) {
    if (!Next()) return false;
  }
  return true;
}

void FloatHistogramIterator::AtFloatHistogramAsStored(mh::FloatHistogram* fh) const {
  if (model::IsStaleNaN(s_.sum.value())) {
    *fh = mh::FloatHistogram();
    fh->sum = s_.sum.value();
    return;
  }
  fh->counter_reset_hint = CounterResetHintFor(header_, num_read_);
  fh->schema = s_.schema;
  fh->zero_threshold = s_.zero_threshold;
  fh->zero_count = s_.zero_count.value();
  fh->count = s_.count.value();
  fh->sum = s_.sum.value();
  fh->positive_spans = s_.positive_spans;
  fh->negative_spans = s_.negative_spans;
  fh->positive_buckets = s_.positive_buckets;
  fh->negative_buckets = s_.negative_buckets;
  fh->custom_values = s_.custom_values;
}

void FloatHistogramIterator::AtFloatHistogram(mh::FloatHistogram* fh) const {
  AtFloatHistogramAsStored(fh);
  if (s_.schema > mh::kExponentialSchemaMax && !model::IsStaleNaN(fh->sum)) {
    // A chunk from a newer Prometheus with more resolution. The layout is consistent by
    // construction (buckets sized from the spans), so the reduction cannot fail.
    (void)fh->ReduceResolution(mh::kExponentialSchemaMax);
  }
}

// ---- appender ----

FloatHistogramAppender::FloatHistogramAppender() {
  w_.Skip(kHistogramHeaderSize * 8);
  s_.sum.leading = s_.count.leading = s_.zero_count.leading = 0xff;
}

absl::StatusOr<std::unique_ptr<FloatHistogramAppender>> FloatHistogramAppender::FromBytes(
    std::string_view bytes) {
  auto a = std::make_unique<FloatHistogramAppender>();
  if (bytes.size() < kHistogramHeaderSize) {
    return absl::DataLossError("float histogram chunk: truncated header");
  }
  FloatHistogramIterator it(bytes);
  while (it.Next()) {
  }
  if (!it.status().ok()) return it.status();
  // Continue right after the last decoded bit (see HistogramAppender::FromBytes).
  const uint64_t bits = kHistogramHeaderSize * 8 + it.bit_position();
  a->w_ = BitWriter();
  a->w_.Skip(static_cast<uint32_t>(bits));
  const size_t nbytes = (bits + 7) / 8;
  std::memcpy(a->w_.data(), bytes.data(), nbytes);
  if (bits % 8 != 0) a->w_.data()[nbytes - 1] &= static_cast<uint8_t>(0xff << (8 - bits % 8));
  if (it.num_read() > 0) a->s_ = it.state();
  return a;
}

int FloatHistogramAppender::num_samples() const {
  const uint8_t* p = w_.data();
  return (p[0] << 8) | p[1];
}

void FloatHistogramAppender::SetNumSamples(int n) {
  uint8_t* p = w_.data();
  p[0] = static_cast<uint8_t>(n >> 8);
  p[1] = static_cast<uint8_t>(n & 0xff);
}

CounterResetHeader FloatHistogramAppender::counter_reset_header() const {
  return static_cast<CounterResetHeader>(w_.data()[kHistogramFlagPos] & kCounterResetHeaderMask);
}

void FloatHistogramAppender::SetCounterResetHeader(CounterResetHeader h) {
  uint8_t& f = w_.data()[kHistogramFlagPos];
  f = static_cast<uint8_t>((f & ~kCounterResetHeaderMask) |
                           (static_cast<uint8_t>(h) & kCounterResetHeaderMask));
}

Appendability FloatHistogramAppender::Appendable(const mh::FloatHistogram& h) const {
  Appendability r;
  r.counter_reset = CounterResetHeader::kNotCounterReset;
  auto reset = [&r] {
    r.positive_inserts.clear();
    r.negative_inserts.clear();
    r.backward_positive_inserts.clear();
    r.backward_negative_inserts.clear();
    r.counter_reset = CounterResetHeader::kCounterReset;
    return r;
  };
  if (num_samples() > 0 && counter_reset_header() == CounterResetHeader::kGauge) return r;
  if (h.counter_reset_hint == mh::CounterResetHint::kReset) return reset();
  if (model::IsStaleNaN(h.sum)) {
    r.ok = true;
    return r;
  }
  if (model::IsStaleNaN(s_.sum.value())) return r;
  if (h.count < s_.count.value()) return reset();
  if (h.schema != s_.schema || h.zero_threshold != s_.zero_threshold) return r;
  if (mh::IsCustomBucketsSchema(h.schema) &&
      !mh::CustomBucketBoundsMatch(h.custom_values, s_.custom_values)) {
    return reset();
  }
  if (h.zero_count < s_.zero_count.value()) return reset();
  if (!ExpandFloatSpansAndBuckets(s_.positive_spans, h.positive_spans, s_.positive_buckets,
                                  h.positive_buckets, &r.positive_inserts,
                                  &r.backward_positive_inserts) ||
      !ExpandFloatSpansAndBuckets(s_.negative_spans, h.negative_spans, s_.negative_buckets,
                                  h.negative_buckets, &r.negative_inserts,
                                  &r.backward_negative_inserts)) {
    return reset();
  }
  r.ok = true;
  return r;
}

Appendability FloatHistogramAppender::AppendableGauge(const mh::FloatHistogram& h) const {
  Appendability r;
  if (num_samples() > 0 && counter_reset_header() != CounterResetHeader::kGauge) return r;
  if (model::IsStaleNaN(h.sum)) {
    r.ok = true;
    return r;
  }
  if (model::IsStaleNaN(s_.sum.value())) return r;
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

int FloatHistogramAppender::AppendRaw(int num, int64_t t, const mh::FloatHistogram& hin) {
  mh::FloatHistogram stale;
  const mh::FloatHistogram* h = &hin;
  if (model::IsStaleNaN(hin.sum)) {
    stale.sum = hin.sum;
    h = &stale;
  }
  int64_t t_delta = 0;
  if (num == 0) {
    WriteHistogramChunkLayout(w_, h->schema, h->zero_threshold, h->positive_spans,
                              h->negative_spans, mh::Bounds(h->custom_values));
    s_.schema = h->schema;
    s_.zero_threshold = h->zero_threshold;
    s_.positive_spans = h->positive_spans;
    s_.negative_spans = h->negative_spans;
    s_.custom_values =
        h->custom_values && !h->custom_values->empty() ? h->custom_values : mh::CustomValues();
    // Bucket windows start unset (0xff); the buckets hold the first values.
    s_.positive_buckets = h->positive_buckets;
    s_.positive_windows.assign(s_.positive_buckets.size(), XorWindow{0xff, 0});
    s_.negative_buckets = h->negative_buckets;
    s_.negative_windows.assign(s_.negative_buckets.size(), XorWindow{0xff, 0});
    PutVarbitInt(w_, t);
    w_.PutBits(std::bit_cast<uint64_t>(h->count), 64);
    w_.PutBits(std::bit_cast<uint64_t>(h->zero_count), 64);
    w_.PutBits(std::bit_cast<uint64_t>(h->sum), 64);
    s_.count.bits = std::bit_cast<uint64_t>(h->count);
    s_.zero_count.bits = std::bit_cast<uint64_t>(h->zero_count);
    s_.sum.bits = std::bit_cast<uint64_t>(h->sum);
    for (double b : h->positive_buckets) w_.PutBits(std::bit_cast<uint64_t>(b), 64);
    for (double b : h->negative_buckets) w_.PutBits(std::bit_cast<uint64_t>(b), 64);
  } else {
    t_delta = WrapSub(t, s_.t);
    PutVarbitInt(w_, WrapSub(t_delta, s_.t_delta));
    auto put = [this](XorField* f, double v) {
      uint64_t bits = std::bit_cast<uint64_t>(v);
      XorWriteValue(w_, bits, f->bits, &f->leading, &f->trailing);
      f->bits = bits;
    };
    put(&s_.count, h->count);
    put(&s_.zero_count, h->zero_count);
    put(&s_.sum, h->sum);
    auto put_buckets = [this](const std::vector<double>& in, std::vector<double>* prev,
                              std::vector<XorWindow>* windows) {
      for (size_t i = 0; i < in.size() && i < prev->size(); ++i) {
        uint64_t bits = std::bit_cast<uint64_t>(in[i]);
        XorWriteValue(w_, bits, std::bit_cast<uint64_t>((*prev)[i]), &(*windows)[i].leading,
                      &(*windows)[i].trailing);
        (*prev)[i] = in[i];
      }
    };
    put_buckets(h->positive_buckets, &s_.positive_buckets, &s_.positive_windows);
    put_buckets(h->negative_buckets, &s_.negative_buckets, &s_.negative_windows);
  }
  s_.t = t;
  s_.t_delta = t_delta;
  return num + 1;
}

std::unique_ptr<FloatHistogramAppender> FloatHistogramAppender::Recode(
    const Appendability& a, const std::vector<mh::Span>& positive_spans,
    const std::vector<mh::Span>& negative_spans) const {
  auto out = std::make_unique<FloatHistogramAppender>();
  FloatHistogramIterator it(bytes());
  mh::FloatHistogram old;
  std::vector<double> widened;
  int num = 0;
  while (it.Next()) {
    it.AtFloatHistogramAsStored(&old);
    old.positive_spans = positive_spans;
    old.negative_spans = negative_spans;
    if (!a.positive_inserts.empty()) {
      InsertBuckets(old.positive_buckets, a.positive_inserts, false, &widened);
      old.positive_buckets.swap(widened);
    }
    if (!a.negative_inserts.empty()) {
      InsertBuckets(old.negative_buckets, a.negative_inserts, false, &widened);
      old.negative_buckets.swap(widened);
    }
    num = out->AppendRaw(num, it.T(), old);
  }
  out->SetNumSamples(num);
  out->SetCounterResetHeader(counter_reset_header());
  return out;
}

absl::StatusOr<FloatHistogramAppender::AppendResult> FloatHistogramAppender::AppendFloatHistogram(
    const FloatHistogramAppender* prev, int64_t t, const mh::FloatHistogram& h, bool append_only) {
  const int num = num_samples();
  if (num >= kMaxSamples) {
    return absl::ResourceExhaustedError(
        "float histogram chunk: capacity of 65535 samples exceeded");
  }
  if (!model::IsStaleNaN(h.sum) && !BucketsMatchSpans(h)) {
    return absl::InvalidArgumentError(
        absl::StrCat("float histogram at ", t, ": ", mh::kErrSpansBucketsMismatch));
  }
  if (num > 0 && t <= s_.t) {
    return absl::InvalidArgumentError(
        absl::StrCat("float histogram chunk: timestamp ", t, " not after the last one, ", s_.t));
  }
  AppendResult res;
  if (num == 0) {
    SetNumSamples(AppendRaw(0, t, h));
    if (h.counter_reset_hint == mh::CounterResetHint::kGauge) {
      SetCounterResetHeader(CounterResetHeader::kGauge);
    } else if (h.counter_reset_hint == mh::CounterResetHint::kReset) {
      SetCounterResetHeader(CounterResetHeader::kCounterReset);
    } else if (prev != nullptr) {
      SetCounterResetHeader(prev->Appendable(h).counter_reset);
    }
    return res;
  }
  if (h.counter_reset_hint != mh::CounterResetHint::kGauge) {
    Appendability a = Appendable(h);
    const bool counter_reset = a.counter_reset == CounterResetHeader::kCounterReset;
    if (!a.ok || counter_reset) {
      if (append_only) {
        return absl::FailedPreconditionError(counter_reset ? "float histogram counter reset"
                                                           : "float histogram schema change");
      }
      res.new_chunk = std::make_unique<FloatHistogramAppender>();
      if (counter_reset) res.new_chunk->SetCounterResetHeader(CounterResetHeader::kCounterReset);
      res.new_chunk->SetNumSamples(res.new_chunk->AppendRaw(0, t, h));
      return res;
    }
    const bool forward = !a.positive_inserts.empty() || !a.negative_inserts.empty();
    if (forward && append_only) {
      return absl::FailedPreconditionError(
          absl::StrCat("float histogram layout change with ", a.positive_inserts.size(),
                       " positive and ", a.negative_inserts.size(), " negative forwards inserts"));
    }
    const mh::FloatHistogram* hp = &h;
    mh::FloatHistogram widened;
    if (!a.backward_positive_inserts.empty() || !a.backward_negative_inserts.empty()) {
      widened = h;
      if (!forward) {
        widened.positive_spans = s_.positive_spans;
        widened.negative_spans = s_.negative_spans;
      } else {
        widened.positive_spans = AdjustForInserts(h.positive_spans, a.backward_positive_inserts);
        widened.negative_spans = AdjustForInserts(h.negative_spans, a.backward_negative_inserts);
      }
      if (!a.backward_positive_inserts.empty()) {
        InsertBuckets(h.positive_buckets, a.backward_positive_inserts, false,
                      &widened.positive_buckets);
      }
      if (!a.backward_negative_inserts.empty()) {
        InsertBuckets(h.negative_buckets, a.backward_negative_inserts, false,
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
  Appendability a = AppendableGauge(h);
  if (!a.ok) {
    if (append_only) return absl::FailedPreconditionError("float gauge histogram schema change");
    res.new_chunk = std::make_unique<FloatHistogramAppender>();
    res.new_chunk->SetCounterResetHeader(CounterResetHeader::kGauge);
    res.new_chunk->SetNumSamples(res.new_chunk->AppendRaw(0, t, h));
    return res;
  }
  const bool backward =
      !a.backward_positive_inserts.empty() || !a.backward_negative_inserts.empty();
  const bool forward = !a.positive_inserts.empty() || !a.negative_inserts.empty();
  if (backward && append_only) {
    return absl::FailedPreconditionError(absl::StrCat(
        "float gauge histogram layout change with ", a.backward_positive_inserts.size(),
        " positive and ", a.backward_negative_inserts.size(), " negative backwards inserts"));
  }
  if (forward && append_only) {
    return absl::FailedPreconditionError(
        absl::StrCat("float gauge histogram layout change with ", a.positive_inserts.size(),
                     " positive and ", a.negative_inserts.size(), " negative forwards inserts"));
  }
  const mh::FloatHistogram* hp = &h;
  mh::FloatHistogram widened;
  if (backward) {
    widened = h;
    widened.positive_spans = a.positive_spans;
    widened.negative_spans = a.negative_spans;
    if (!a.backward_positive_inserts.empty()) {
      InsertBuckets(h.positive_buckets, a.backward_positive_inserts, false,
                    &widened.positive_buckets);
    }
    if (!a.backward_negative_inserts.empty()) {
      InsertBuckets(h.negative_buckets, a.backward_negative_inserts, false,
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
