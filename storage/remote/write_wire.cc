#include "storage/remote/write_wire.h"

#include <cstring>

namespace promlet::remote {
namespace {

constexpr uint32_t kVarint = 0, kFixed64 = 1, kLen = 2;

// A cursor over protobuf wire bytes; every method returns false on input it does not handle.
class Reader {
 public:
  explicit Reader(std::string_view b)
      : p_(reinterpret_cast<const uint8_t*>(b.data())), end_(p_ + b.size()) {}
  bool Done() const { return p_ >= end_; }

  bool Varint(uint64_t* v) {
    uint64_t r = 0;
    for (int i = 0; i < 10; ++i) {
      if (p_ >= end_) return false;
      const uint8_t b = *p_++;
      if (i == 9 && b > 1) return false;  // over 64 bits: leave it to libprotobuf
      r |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if (b < 0x80) {
        *v = r;
        return true;
      }
    }
    return false;
  }
  bool Tag(uint32_t* field, uint32_t* wire_type) {
    uint64_t t;
    if (!Varint(&t) || t > 0xffffffffu) return false;
    *field = static_cast<uint32_t>(t >> 3);
    *wire_type = static_cast<uint32_t>(t & 7);
    return *field != 0;
  }
  bool Bytes(std::string_view* out) {
    uint64_t n;
    if (!Varint(&n) || n > static_cast<uint64_t>(end_ - p_)) return false;
    *out = std::string_view(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }
  bool Fixed64(uint64_t* v) {
    if (end_ - p_ < 8) return false;
    std::memcpy(v, p_, 8);  // little-endian hosts only (as tsdb's encodings)
    p_ += 8;
    return true;
  }
  bool Uint32(uint32_t* v) {
    uint64_t x;
    if (!Varint(&x) || x > 0xffffffffu) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// Sample (the same in 1.0 and 2.0): double value = 1; int64 timestamp = 2.
bool ParseSample(std::string_view b, storage::Sample* s) {
  Reader r(b);
  s->t = 0;
  s->v = 0;
  while (!r.Done()) {
    uint32_t f, wt;
    if (!r.Tag(&f, &wt)) return false;
    if (f == 1 && wt == kFixed64) {
      uint64_t bits;
      if (!r.Fixed64(&bits)) return false;
      std::memcpy(&s->v, &bits, 8);
    } else if (f == 2 && wt == kVarint) {
      uint64_t t;
      if (!r.Varint(&t)) return false;
      s->t = static_cast<int64_t>(t);
    } else {
      return false;
    }
  }
  return true;
}

// 1.0 Label: bytes name = 1; bytes value = 2.
bool ParseLabelV1(std::string_view b, WireLabel* l) {
  Reader r(b);
  l->name = {};
  l->value = {};
  while (!r.Done()) {
    uint32_t f, wt;
    if (!r.Tag(&f, &wt) || wt != kLen) return false;
    if (f == 1) {
      if (!r.Bytes(&l->name)) return false;
    } else if (f == 2) {
      if (!r.Bytes(&l->value)) return false;
    } else {
      return false;
    }
  }
  return true;
}

// 1.0 TimeSeries: repeated Label labels = 1; repeated Sample samples = 2 (exemplars = 3 and
// histograms = 4 are left to libprotobuf).
bool ParseSeriesV1(std::string_view b, WireWrite* out) {
  Reader r(b);
  WireSeries s;
  s.labels_begin = static_cast<uint32_t>(out->labels.size());
  s.samples_begin = static_cast<uint32_t>(out->samples.size());
  while (!r.Done()) {
    uint32_t f, wt;
    std::string_view m;
    if (!r.Tag(&f, &wt) || wt != kLen || !r.Bytes(&m)) return false;
    if (f == 1) {
      if (!ParseLabelV1(m, &out->labels.emplace_back())) return false;
    } else if (f == 2) {
      if (!ParseSample(m, &out->samples.emplace_back())) return false;
    } else {
      return false;
    }
  }
  s.labels_end = static_cast<uint32_t>(out->labels.size());
  s.samples_end = static_cast<uint32_t>(out->samples.size());
  out->series.push_back(s);
  return true;
}

bool DecodeV1(std::string_view body, WireWrite* out) {
  Reader r(body);
  while (!r.Done()) {
    uint32_t f, wt;
    std::string_view m;
    if (!r.Tag(&f, &wt) || f != 1 || wt != kLen || !r.Bytes(&m)) return false;
    if (!ParseSeriesV1(m, out)) return false;
  }
  return true;
}

// 2.0 Metadata: MetricType type = 1; uint32 help_ref = 3; uint32 unit_ref = 4 (not stored).
bool SkipMetadataV2(std::string_view b) {
  Reader r(b);
  while (!r.Done()) {
    uint32_t f, wt;
    uint64_t ignored;
    if (!r.Tag(&f, &wt) || wt != kVarint || (f != 1 && f != 3 && f != 4)) return false;
    if (!r.Varint(&ignored)) return false;
  }
  return true;
}

// 2.0 TimeSeries: repeated uint32 labels_refs = 1 (packed or not); repeated Sample samples = 2;
// Metadata metadata = 5; int64 created_timestamp = 6 (histograms = 3 and exemplars = 4 are left
// to libprotobuf). The series' label range indexes out->refs until symbols are resolved.
bool ParseSeriesV2(std::string_view b, WireWrite* out) {
  Reader r(b);
  WireSeries s;
  s.labels_begin = static_cast<uint32_t>(out->refs.size());
  s.samples_begin = static_cast<uint32_t>(out->samples.size());
  while (!r.Done()) {
    uint32_t f, wt;
    if (!r.Tag(&f, &wt)) return false;
    if (f == 1 && wt == kVarint) {
      if (!r.Uint32(&out->refs.emplace_back())) return false;
    } else if (f == 6 && wt == kVarint) {
      uint64_t ignored;
      if (!r.Varint(&ignored)) return false;
    } else if (wt == kLen) {
      std::string_view m;
      if (!r.Bytes(&m)) return false;
      if (f == 1) {
        Reader packed(m);
        while (!packed.Done()) {
          if (!packed.Uint32(&out->refs.emplace_back())) return false;
        }
      } else if (f == 2) {
        if (!ParseSample(m, &out->samples.emplace_back())) return false;
      } else if (f == 5) {
        if (!SkipMetadataV2(m)) return false;
      } else {
        return false;
      }
    } else {
      return false;
    }
  }
  s.labels_end = static_cast<uint32_t>(out->refs.size());
  s.samples_end = static_cast<uint32_t>(out->samples.size());
  if ((s.labels_end - s.labels_begin) % 2 != 0) return false;
  out->series.push_back(s);
  return true;
}

bool DecodeV2(std::string_view body, WireWrite* out) {
  Reader r(body);
  while (!r.Done()) {
    uint32_t f, wt;
    std::string_view m;
    if (!r.Tag(&f, &wt) || wt != kLen || !r.Bytes(&m)) return false;
    if (f == 4) {
      out->symbols.push_back(m);
    } else if (f == 5) {
      if (!ParseSeriesV2(m, out)) return false;
    } else {
      return false;
    }
  }
  if (out->series.empty()) return true;
  const auto& sym = out->symbols;
  if (sym.empty() || !sym[0].empty()) return false;
  out->labels.reserve(out->refs.size() / 2);
  for (WireSeries& s : out->series) {
    const uint32_t begin = static_cast<uint32_t>(out->labels.size());
    for (uint32_t j = s.labels_begin; j < s.labels_end; j += 2) {
      const uint32_t n = out->refs[j], v = out->refs[j + 1];
      if (n >= sym.size() || v >= sym.size()) return false;
      out->labels.push_back(WireLabel{sym[n], sym[v]});
    }
    s.labels_begin = begin;
    s.labels_end = static_cast<uint32_t>(out->labels.size());
  }
  return true;
}

}  // namespace

bool DecodeWriteWire(WriteProto proto, std::string_view body, WireWrite* out) {
  out->Clear();
  return proto == WriteProto::kV1 ? DecodeV1(body, out) : DecodeV2(body, out);
}

}  // namespace promlet::remote
