#include "tsdb/wlog/wal_records.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/varint.h"

namespace promlet::tsdb {
namespace {

constexpr double kMaxExactInt = 4503599627370496.0;  // 2^52

absl::Status Malformed(const char* what) {
  return absl::DataLossError(absl::StrCat("wal: malformed ", what, " record"));
}

}  // namespace

void EncodeSeriesRecord(absl::Span<const RefSeries> series, std::string* out) {
  out->push_back(static_cast<char>(WalRecordType::kSeries));
  PutUvarint(out, series.size());
  storage::SeriesRef prev = 0;
  for (const auto& s : series) {
    PutVarint(out, static_cast<int64_t>(s.ref - prev));
    prev = s.ref;
    PutUvarint(out, s.labels.size());
    for (const auto& l : s.labels) {
      PutString(out, l.name);
      PutString(out, l.value);
    }
  }
}

void EncodeSamplesRecord(absl::Span<const RefSample> samples, std::string* out) {
  out->push_back(static_cast<char>(WalRecordType::kSamples));
  PutUvarint(out, samples.size());
  storage::SeriesRef prev_ref = 0;
  int64_t prev_t = 0;
  for (const auto& s : samples) {
    PutVarint(out, static_cast<int64_t>(s.ref - prev_ref));
    // Wrapping, as the decoder's WrapAdd: timestamps far apart (a bogus one far in the
    // future after a negative one) must not overflow.
    PutVarint(out, WrapSub(s.t, prev_t));
    prev_ref = s.ref;
    prev_t = s.t;
    double v = s.v;
    if (std::fabs(v) < kMaxExactInt && v == std::trunc(v) && !(v == 0 && std::signbit(v))) {
      PutUvarint(out, ZigZag(static_cast<int64_t>(v)) << 1);
    } else {
      PutUvarint(out, 1);
      PutFixed64(out, std::bit_cast<uint64_t>(v));
    }
  }
}

void EncodeTombstonesRecord(absl::Span<const WalTombstone> ts, std::string* out) {
  out->push_back(static_cast<char>(WalRecordType::kTombstones));
  PutUvarint(out, ts.size());
  for (const auto& t : ts) {
    PutUvarint(out, t.ref);
    PutVarint(out, t.mint);
    PutVarint(out, t.maxt);
  }
}

absl::Status DecodeSeriesRecord(std::string_view payload, std::vector<RefSeries>* out) {
  Decoder d(payload);
  uint8_t type;
  uint64_t n;
  if (!d.Byte(&type) || type != static_cast<uint8_t>(WalRecordType::kSeries) || !d.Uvarint(&n) ||
      n > payload.size()) {
    return Malformed("series");
  }
  storage::SeriesRef prev = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t delta;
    uint64_t nl;
    if (!d.Varint(&delta) || !d.Uvarint(&nl) || nl > d.remaining()) return Malformed("series");
    prev += static_cast<storage::SeriesRef>(delta);
    std::vector<model::Label> ls;
    ls.reserve(nl);
    for (uint64_t j = 0; j < nl; ++j) {
      std::string_view name, value;
      if (!d.String(&name) || !d.String(&value)) return Malformed("series");
      ls.push_back(model::Label{std::string(name), std::string(value)});
    }
    out->push_back(RefSeries{prev, model::Labels::FromSorted(std::move(ls))});
  }
  return absl::OkStatus();
}

absl::Status DecodeSamplesRecord(std::string_view payload, std::vector<RefSample>* out) {
  Decoder d(payload);
  uint8_t type;
  uint64_t n;
  if (!d.Byte(&type) || type != static_cast<uint8_t>(WalRecordType::kSamples) || !d.Uvarint(&n) ||
      n > payload.size()) {
    return Malformed("samples");
  }
  // Geometric growth: replay appends many records to one batch vector, and an exact reserve
  // per record would copy the whole batch each time.
  if (out->capacity() < out->size() + n) {
    out->reserve(std::max<size_t>(out->size() + n, 2 * out->capacity()));
  }
  storage::SeriesRef ref = 0;
  int64_t t = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t dr, dt;
    uint64_t vu;
    if (!d.Varint(&dr) || !d.Varint(&dt) || !d.Uvarint(&vu)) return Malformed("samples");
    ref += static_cast<storage::SeriesRef>(dr);
    t = WrapAdd(t, dt);
    double v;
    if (vu & 1) {
      uint64_t bits;
      if (!d.Fixed64(&bits)) return Malformed("samples");
      v = std::bit_cast<double>(bits);
    } else {
      v = static_cast<double>(UnZigZag(vu >> 1));
    }
    out->push_back(RefSample{ref, t, v});
  }
  return absl::OkStatus();
}

absl::Status DecodeTombstonesRecord(std::string_view payload, std::vector<WalTombstone>* out) {
  Decoder d(payload);
  uint8_t type;
  uint64_t n;
  if (!d.Byte(&type) || type != static_cast<uint8_t>(WalRecordType::kTombstones) ||
      !d.Uvarint(&n) || n > payload.size()) {
    return Malformed("tombstones");
  }
  for (uint64_t i = 0; i < n; ++i) {
    WalTombstone t;
    if (!d.Uvarint(&t.ref) || !d.Varint(&t.mint) || !d.Varint(&t.maxt)) {
      return Malformed("tombstones");
    }
    out->push_back(t);
  }
  return absl::OkStatus();
}

void EncodeStartTimestampsRecord(absl::Span<const RefStartTimestamp> sts, std::string* out) {
  out->push_back(static_cast<char>(WalRecordType::kStartTimestamps));
  PutUvarint(out, sts.size());
  storage::SeriesRef prev_ref = 0;
  int64_t prev_t = 0;
  for (const auto& s : sts) {
    PutVarint(out, static_cast<int64_t>(s.ref - prev_ref));
    PutVarint(out, WrapSub(s.t, prev_t));
    PutVarint(out, WrapSub(s.t, s.st));
    prev_ref = s.ref;
    prev_t = s.t;
  }
}

absl::Status DecodeStartTimestampsRecord(std::string_view payload,
                                         std::vector<RefStartTimestamp>* out) {
  Decoder d(payload);
  uint8_t type;
  uint64_t n;
  if (!d.Byte(&type) || type != static_cast<uint8_t>(WalRecordType::kStartTimestamps) ||
      !d.Uvarint(&n) || n > payload.size()) {
    return Malformed("start timestamps");
  }
  storage::SeriesRef ref = 0;
  int64_t t = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t dr, dt, back;
    if (!d.Varint(&dr) || !d.Varint(&dt) || !d.Varint(&back)) {
      return Malformed("start timestamps");
    }
    ref += static_cast<storage::SeriesRef>(dr);
    t = WrapAdd(t, dt);
    out->push_back(RefStartTimestamp{ref, t, WrapSub(t, back)});
  }
  return absl::OkStatus();
}

bool IsKnownWalRecordType(uint8_t b) {
  switch (static_cast<WalRecordType>(b)) {
    case WalRecordType::kSeries:
    case WalRecordType::kSamples:
    case WalRecordType::kTombstones:
    case WalRecordType::kHistogramSamples:
    case WalRecordType::kFloatHistogramSamples:
    case WalRecordType::kStartTimestamps:
      return true;
  }
  return false;
}

void AppendFramedRecord(std::string_view payload, std::string* out) {
  PutFixed32(out, static_cast<uint32_t>(payload.size()));
  PutFixed32(out, Crc32c(payload));
  out->append(payload.data(), payload.size());
}

}  // namespace promlet::tsdb
