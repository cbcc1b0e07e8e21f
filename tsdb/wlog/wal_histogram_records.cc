#include "tsdb/wlog/wal_histogram_records.h"

#include <bit>

#include "absl/strings/str_cat.h"
#include "tsdb/encoding/varint.h"
#include "tsdb/wlog/wal_records.h"

namespace promlet::tsdb {
namespace {

namespace mh = ::promlet::model::histogram;

absl::Status Malformed(const char* what) {
  return absl::DataLossError(absl::StrCat("wal: malformed ", what, " record"));
}

void PutDouble(std::string* out, double v) { PutFixed64(out, std::bit_cast<uint64_t>(v)); }

bool GetDouble(Decoder& d, double* v) {
  uint64_t bits;
  if (!d.Fixed64(&bits)) return false;
  *v = std::bit_cast<double>(bits);
  return true;
}

void PutSpans(std::string* out, const std::vector<mh::Span>& spans) {
  PutUvarint(out, spans.size());
  for (const mh::Span& s : spans) {
    PutVarint(out, s.offset);
    PutUvarint(out, s.length);
  }
}

bool GetSpans(Decoder& d, std::vector<mh::Span>* spans) {
  uint64_t n;
  if (!d.Uvarint(&n) || n > d.remaining()) return false;
  spans->resize(n);
  for (mh::Span& s : *spans) {
    int64_t off;
    uint64_t len;
    if (!d.Varint(&off) || !d.Uvarint(&len) || off < INT32_MIN || off > INT32_MAX ||
        len > UINT32_MAX) {
      return false;
    }
    s.offset = static_cast<int32_t>(off);
    s.length = static_cast<uint32_t>(len);
  }
  return true;
}

void PutCustomValues(std::string* out, int32_t schema, const mh::CustomValues& cv) {
  if (!mh::IsCustomBucketsSchema(schema)) return;
  const std::vector<double>& bounds = mh::Bounds(cv);
  PutUvarint(out, bounds.size());
  for (double b : bounds) PutDouble(out, b);
}

bool GetCustomValues(Decoder& d, int32_t schema, mh::CustomValues* cv) {
  if (!mh::IsCustomBucketsSchema(schema)) return true;
  uint64_t n;
  if (!d.Uvarint(&n) || n > d.remaining() / 8) return false;
  std::vector<double> bounds(n);
  for (double& b : bounds) {
    if (!GetDouble(d, &b)) return false;
  }
  *cv = mh::MakeCustomValues(std::move(bounds));
  return true;
}

// The common head of both layouts: type, count; per sample ref and t deltas are written by the
// callers' loops.
template <typename Fn>
void EncodeRecord(WalRecordType type, absl::Span<const RefHistogramSample> samples, bool want_float,
                  std::string* out, Fn put_histogram) {
  size_t n = 0;
  for (const auto& s : samples) n += want_float ? s.fh != nullptr : s.h != nullptr;
  out->push_back(static_cast<char>(type));
  PutUvarint(out, n);
  storage::SeriesRef prev_ref = 0;
  int64_t prev_t = 0;
  for (const auto& s : samples) {
    if (want_float ? s.fh == nullptr : s.h == nullptr) continue;
    PutVarint(out, static_cast<int64_t>(s.ref - prev_ref));
    PutVarint(out, WrapSub(s.t, prev_t));
    prev_ref = s.ref;
    prev_t = s.t;
    put_histogram(s);
  }
}

template <typename Fn>
absl::Status DecodeRecord(WalRecordType type, const char* what, std::string_view payload,
                          std::vector<RefHistogramSample>* out, Fn get_histogram) {
  Decoder d(payload);
  uint8_t t8;
  uint64_t n;
  if (!d.Byte(&t8) || t8 != static_cast<uint8_t>(type) || !d.Uvarint(&n) || n > payload.size()) {
    return Malformed(what);
  }
  const size_t before = out->size();
  storage::SeriesRef ref = 0;
  int64_t t = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t dr, dt;
    if (!d.Varint(&dr) || !d.Varint(&dt)) {
      out->resize(before);
      return Malformed(what);
    }
    ref += static_cast<storage::SeriesRef>(dr);
    t = WrapAdd(t, dt);
    RefHistogramSample s{ref, t, nullptr, nullptr};
    if (!get_histogram(d, &s)) {
      out->resize(before);
      return Malformed(what);
    }
    out->push_back(std::move(s));
  }
  return absl::OkStatus();
}

bool GetHint(Decoder& d, mh::CounterResetHint* hint) {
  uint8_t b;
  if (!d.Byte(&b) || b > static_cast<uint8_t>(mh::CounterResetHint::kGauge)) return false;
  *hint = static_cast<mh::CounterResetHint>(b);
  return true;
}

bool GetSchema(Decoder& d, int32_t* schema) {
  int64_t v;
  if (!d.Varint(&v) || v < INT32_MIN || v > INT32_MAX) return false;
  *schema = static_cast<int32_t>(v);
  return true;
}

}  // namespace

void EncodeHistogramSamplesRecord(absl::Span<const RefHistogramSample> samples, std::string* out) {
  EncodeRecord(WalRecordType::kHistogramSamples, samples, false, out,
               [out](const RefHistogramSample& s) {
                 const mh::Histogram& h = *s.h;
                 out->push_back(static_cast<char>(h.counter_reset_hint));
                 PutVarint(out, h.schema);
                 PutDouble(out, h.zero_threshold);
                 PutUvarint(out, h.zero_count);
                 PutUvarint(out, h.count);
                 PutDouble(out, h.sum);
                 PutSpans(out, h.positive_spans);
                 PutSpans(out, h.negative_spans);
                 PutUvarint(out, h.positive_buckets.size());
                 for (int64_t b : h.positive_buckets) PutVarint(out, b);
                 PutUvarint(out, h.negative_buckets.size());
                 for (int64_t b : h.negative_buckets) PutVarint(out, b);
                 PutCustomValues(out, h.schema, h.custom_values);
               });
}

void EncodeFloatHistogramSamplesRecord(absl::Span<const RefHistogramSample> samples,
                                       std::string* out) {
  EncodeRecord(WalRecordType::kFloatHistogramSamples, samples, true, out,
               [out](const RefHistogramSample& s) {
                 const mh::FloatHistogram& h = *s.fh;
                 out->push_back(static_cast<char>(h.counter_reset_hint));
                 PutVarint(out, h.schema);
                 PutDouble(out, h.zero_threshold);
                 PutDouble(out, h.zero_count);
                 PutDouble(out, h.count);
                 PutDouble(out, h.sum);
                 PutSpans(out, h.positive_spans);
                 PutSpans(out, h.negative_spans);
                 PutUvarint(out, h.positive_buckets.size());
                 for (double b : h.positive_buckets) PutDouble(out, b);
                 PutUvarint(out, h.negative_buckets.size());
                 for (double b : h.negative_buckets) PutDouble(out, b);
                 PutCustomValues(out, h.schema, h.custom_values);
               });
}

absl::Status DecodeHistogramSamplesRecord(std::string_view payload,
                                          std::vector<RefHistogramSample>* out) {
  return DecodeRecord(
      WalRecordType::kHistogramSamples, "histogram samples", payload, out,
      [](Decoder& d, RefHistogramSample* s) {
        auto h = std::make_shared<mh::Histogram>();
        uint64_t nb;
        if (!GetHint(d, &h->counter_reset_hint) || !GetSchema(d, &h->schema) ||
            !GetDouble(d, &h->zero_threshold) || !d.Uvarint(&h->zero_count) ||
            !d.Uvarint(&h->count) || !GetDouble(d, &h->sum) || !GetSpans(d, &h->positive_spans) ||
            !GetSpans(d, &h->negative_spans)) {
          return false;
        }
        for (std::vector<int64_t>* buckets : {&h->positive_buckets, &h->negative_buckets}) {
          if (!d.Uvarint(&nb) || nb > d.remaining()) return false;
          buckets->resize(nb);
          for (int64_t& b : *buckets) {
            if (!d.Varint(&b)) return false;
          }
        }
        if (!GetCustomValues(d, h->schema, &h->custom_values)) return false;
        s->h = std::move(h);
        return true;
      });
}

absl::Status DecodeFloatHistogramSamplesRecord(std::string_view payload,
                                               std::vector<RefHistogramSample>* out) {
  return DecodeRecord(
      WalRecordType::kFloatHistogramSamples, "float histogram samples", payload, out,
      [](Decoder& d, RefHistogramSample* s) {
        auto h = std::make_shared<mh::FloatHistogram>();
        uint64_t nb;
        if (!GetHint(d, &h->counter_reset_hint) || !GetSchema(d, &h->schema) ||
            !GetDouble(d, &h->zero_threshold) || !GetDouble(d, &h->zero_count) ||
            !GetDouble(d, &h->count) || !GetDouble(d, &h->sum) ||
            !GetSpans(d, &h->positive_spans) || !GetSpans(d, &h->negative_spans)) {
          return false;
        }
        for (std::vector<double>* buckets : {&h->positive_buckets, &h->negative_buckets}) {
          if (!d.Uvarint(&nb) || nb > d.remaining() / 8) return false;
          buckets->resize(nb);
          for (double& b : *buckets) {
            if (!GetDouble(d, &b)) return false;
          }
        }
        if (!GetCustomValues(d, h->schema, &h->custom_values)) return false;
        s->fh = std::move(h);
        return true;
      });
}

}  // namespace promlet::tsdb
