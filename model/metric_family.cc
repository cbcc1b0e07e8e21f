#include "model/metric_family.h"

#include <bit>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/go_format.h"
#include "common/utf8.h"
#include "common/varint.h"  // the one protobuf-compatible varint reader in the tree
#include "common/views.h"

namespace promlet::model::proto {
namespace {

// Wire types of the protobuf encoding.
constexpr uint32_t kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5;

// One field of a message: its number, wire type and payload.
struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  uint64_t varint = 0;     // wire 0; the raw bits for wires 1 and 5
  std::string_view bytes;  // wire 2
  double AsDouble() const { return std::bit_cast<double>(varint); }
};

// Walks the fields of a message; Next() is false at the end or (ok() false) on broken input.
class FieldReader {
 public:
  explicit FieldReader(std::string_view msg) : dec_(msg) {}
  bool Next(Field* f) {
    if (dec_.empty()) return false;
    uint64_t key = 0;
    if (!dec_.Uvarint(&key)) return Fail();
    f->number = static_cast<uint32_t>(key >> 3);
    f->wire = static_cast<uint32_t>(key & 7);
    if (f->number == 0) return Fail();
    switch (f->wire) {
      case kVarint:
        return dec_.Uvarint(&f->varint) || Fail();
      case kFixed64:
        return dec_.Fixed64(&f->varint) || Fail();
      case kLen:
        return dec_.String(&f->bytes) || Fail();
      case kFixed32: {
        uint32_t v = 0;
        if (!dec_.Fixed32(&v)) return Fail();
        f->varint = v;
        return true;
      }
      default:  // groups (3, 4) are not used by metrics.proto
        return Fail();
    }
  }
  bool ok() const { return ok_; }

 private:
  bool Fail() {
    ok_ = false;
    return false;
  }
  common::Decoder dec_;
  bool ok_ = true;
};

// Decoding a nested message: a short description of what broke, or nullptr.
using Broken = const char*;

int64_t AsInt64(uint64_t v) { return static_cast<int64_t>(v); }
int32_t ZigZag32(uint64_t v) { return static_cast<int32_t>(common::UnZigZag(v)); }

// A double field: fixed64, wrong wire types refused (as gogo's generated Unmarshal).
bool ReadDouble(const Field& f, double* out) {
  if (f.wire != kFixed64) return false;
  *out = f.AsDouble();
  return true;
}
bool ReadVarint(const Field& f, uint64_t* out) {
  if (f.wire != kVarint) return false;
  *out = f.varint;
  return true;
}

// A repeated double: packed (one LEN field of fixed64s) or one element per field.
bool ReadRepeatedDouble(const Field& f, std::vector<double>* out) {
  if (f.wire == kFixed64) {
    out->push_back(f.AsDouble());
    return true;
  }
  if (f.wire != kLen || f.bytes.size() % 8 != 0) return false;
  for (size_t i = 0; i < f.bytes.size(); i += 8) {
    out->push_back(std::bit_cast<double>(common::GetFixed64(f.bytes.data() + i)));
  }
  return true;
}
// A repeated sint64: packed or one element per field.
bool ReadRepeatedSint64(const Field& f, std::vector<int64_t>* out) {
  if (f.wire == kVarint) {
    out->push_back(common::UnZigZag(f.varint));
    return true;
  }
  if (f.wire != kLen) return false;
  common::Decoder d(f.bytes);
  while (!d.empty()) {
    uint64_t v = 0;
    if (!d.Uvarint(&v)) return false;
    out->push_back(common::UnZigZag(v));
  }
  return true;
}

Broken DecodeTimestampMs(std::string_view msg, std::optional<int64_t>* out) {
  FieldReader r(msg);
  Field f;
  int64_t seconds = 0, nanos = 0;
  while (r.Next(&f)) {
    if (f.number == 1) {
      if (f.wire != kVarint) return "broken start timestamp";
      seconds = AsInt64(f.varint);
    } else if (f.number == 2) {
      if (f.wire != kVarint) return "broken start timestamp";
      nanos = static_cast<int32_t>(f.varint);
    }
  }
  if (!r.ok()) return "broken start timestamp";
  // As Prometheus' StartTimestamp(): seconds*1e3 + nanos/1e6, no validation.
  *out = seconds * 1000 + nanos / 1000000;
  return nullptr;
}

// Gauge, Untyped and Counter: the value (field 1) and, for counters, the start timestamp.
Broken DecodeValue(std::string_view msg, double* value, std::optional<int64_t>* start) {
  FieldReader r(msg);
  Field f;
  *value = 0;
  while (r.Next(&f)) {
    if (f.number == 1) {
      if (!ReadDouble(f, value)) return "broken value";
    } else if (f.number == 3 && start != nullptr) {
      if (f.wire != kLen) return "broken counter";
      if (Broken b = DecodeTimestampMs(f.bytes, start)) return b;
    }
  }
  return r.ok() ? nullptr : "broken value";
}

Broken DecodeSummary(std::string_view msg, Metric* m) {
  Summary& s = m->summary;
  FieldReader r(msg);
  Field f;
  while (r.Next(&f)) {
    switch (f.number) {
      case 1:
        if (!ReadVarint(f, &s.sample_count)) return "broken summary";
        break;
      case 2:
        if (!ReadDouble(f, &s.sample_sum)) return "broken summary";
        break;
      case 3: {
        if (f.wire != kLen) return "broken summary";
        Quantile q;
        FieldReader qr(f.bytes);
        Field qf;
        while (qr.Next(&qf)) {
          if (qf.number == 1 && !ReadDouble(qf, &q.quantile)) return "broken summary quantile";
          if (qf.number == 2 && !ReadDouble(qf, &q.value)) return "broken summary quantile";
        }
        if (!qr.ok()) return "broken summary quantile";
        s.quantiles.push_back(q);
        break;
      }
      case 4:
        if (f.wire != kLen) return "broken summary";
        if (Broken b = DecodeTimestampMs(f.bytes, &m->start_timestamp_ms)) return b;
        break;
      default:
        break;
    }
  }
  return r.ok() ? nullptr : "broken summary";
}

Broken DecodeSpan(std::string_view msg, std::vector<histogram::Span>* out) {
  histogram::Span span;
  FieldReader r(msg);
  Field f;
  while (r.Next(&f)) {
    if (f.wire != kVarint) return "broken histogram span";
    if (f.number == 1) span.offset = ZigZag32(f.varint);
    if (f.number == 2) span.length = static_cast<uint32_t>(f.varint);
  }
  if (!r.ok()) return "broken histogram span";
  out->push_back(span);
  return nullptr;
}

Broken DecodeHistogram(std::string_view msg, Metric* m) {
  Histogram& h = m->histogram;
  FieldReader r(msg);
  Field f;
  while (r.Next(&f)) {
    bool ok = true;
    switch (f.number) {
      case 1:
        ok = ReadVarint(f, &h.sample_count);
        break;
      case 2:
        ok = ReadDouble(f, &h.sample_sum);
        break;
      case 3: {
        if (f.wire != kLen) return "broken histogram";
        Bucket b;
        FieldReader br(f.bytes);
        Field bf;
        while (br.Next(&bf)) {
          bool bok = true;
          if (bf.number == 1) bok = ReadVarint(bf, &b.cumulative_count);
          if (bf.number == 2) bok = ReadDouble(bf, &b.upper_bound);
          if (bf.number == 4) bok = ReadDouble(bf, &b.cumulative_count_float);
          if (!bok) return "broken histogram bucket";
        }
        if (!br.ok()) return "broken histogram bucket";
        h.buckets.push_back(b);
        break;
      }
      case 4:
        ok = ReadDouble(f, &h.sample_count_float);
        break;
      case 5: {
        uint64_t v = 0;
        ok = ReadVarint(f, &v);
        h.schema = ZigZag32(v);
        break;
      }
      case 6:
        ok = ReadDouble(f, &h.zero_threshold);
        break;
      case 7:
        ok = ReadVarint(f, &h.zero_count);
        break;
      case 8:
        ok = ReadDouble(f, &h.zero_count_float);
        break;
      case 9:
      case 12:
        if (f.wire != kLen) return "broken histogram span";
        if (Broken b = DecodeSpan(f.bytes, f.number == 9 ? &h.negative_spans : &h.positive_spans)) {
          return b;
        }
        break;
      case 10:
        ok = ReadRepeatedSint64(f, &h.negative_deltas);
        break;
      case 13:
        ok = ReadRepeatedSint64(f, &h.positive_deltas);
        break;
      case 11:
        ok = ReadRepeatedDouble(f, &h.negative_counts);
        break;
      case 14:
        ok = ReadRepeatedDouble(f, &h.positive_counts);
        break;
      case 15:
        if (f.wire != kLen) return "broken histogram";
        if (Broken b = DecodeTimestampMs(f.bytes, &m->start_timestamp_ms)) return b;
        break;
      default:  // 16: exemplars (not stored)
        break;
    }
    if (!ok) return "broken histogram";
  }
  return r.ok() ? nullptr : "broken histogram";
}

void ResetMetric(Metric* m) {
  m->labels.clear();
  m->has_gauge = m->has_counter = m->has_untyped = m->has_summary = m->has_histogram = false;
  m->value = 0;
  m->summary.sample_count = 0;
  m->summary.sample_sum = 0;
  m->summary.quantiles.clear();
  Histogram& h = m->histogram;
  h.sample_count = 0;
  h.sample_count_float = 0;
  h.sample_sum = 0;
  h.buckets.clear();
  h.schema = 0;
  h.zero_threshold = 0;
  h.zero_count = 0;
  h.zero_count_float = 0;
  h.negative_spans.clear();
  h.positive_spans.clear();
  h.negative_deltas.clear();
  h.positive_deltas.clear();
  h.negative_counts.clear();
  h.positive_counts.clear();
  m->timestamp_ms = 0;
  m->start_timestamp_ms.reset();
}

Broken DecodeMetric(std::string_view msg, Metric* m) {
  FieldReader r(msg);
  Field f;
  while (r.Next(&f)) {
    Broken b = nullptr;
    switch (f.number) {
      case 1: {
        if (f.wire != kLen) return "broken label pair";
        LabelPair lp;
        FieldReader lr(f.bytes);
        Field lf;
        while (lr.Next(&lf)) {
          if ((lf.number == 1 || lf.number == 2) && lf.wire != kLen) return "broken label pair";
          if (lf.number == 1) lp.name = lf.bytes;
          if (lf.number == 2) lp.value = lf.bytes;
        }
        if (!lr.ok()) return "broken label pair";
        m->labels.push_back(lp);
        break;
      }
      case 2:
        if (f.wire != kLen) return "broken gauge";
        m->has_gauge = true;
        b = DecodeValue(f.bytes, &m->value, nullptr);
        break;
      case 3:
        if (f.wire != kLen) return "broken counter";
        m->has_counter = true;
        b = DecodeValue(f.bytes, &m->value, &m->start_timestamp_ms);
        break;
      case 5:
        if (f.wire != kLen) return "broken untyped value";
        m->has_untyped = true;
        b = DecodeValue(f.bytes, &m->value, nullptr);
        break;
      case 4:
        if (f.wire != kLen) return "broken summary";
        m->has_summary = true;
        b = DecodeSummary(f.bytes, m);
        break;
      case 7:
        if (f.wire != kLen) return "broken histogram";
        m->has_histogram = true;
        b = DecodeHistogram(f.bytes, m);
        break;
      case 6:
        if (f.wire != kVarint) return "broken timestamp_ms";
        m->timestamp_ms = AsInt64(f.varint);
        break;
      default:
        break;
    }
    if (b != nullptr) return b;
  }
  return r.ok() ? nullptr : "broken metric";
}

absl::Status CheckSide(std::string_view side, const std::vector<histogram::Span>& spans,
                       size_t buckets) {
  int64_t total = 0;
  for (const auto& s : spans) total += s.length;
  if (total != static_cast<int64_t>(buckets)) {
    return absl::InvalidArgumentError(absl::StrCat(common::ToAbsl(side),
                                                   " side: spans require ", total,
                                                   " buckets, have ", buckets));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Histogram::CheckSpans() const {
  const bool is_float = IsFloat();
  if (auto st = CheckSide("positive", positive_spans,
                          is_float ? positive_counts.size() : positive_deltas.size());
      !st.ok()) {
    return st;
  }
  return CheckSide("negative", negative_spans,
                   is_float ? negative_counts.size() : negative_deltas.size());
}

void Histogram::ToHistogram(bool gauge, histogram::Histogram* out) const {
  *out = histogram::Histogram();
  out->count = sample_count;
  out->sum = sample_sum;
  out->zero_threshold = zero_threshold;
  out->zero_count = zero_count;
  out->schema = schema;
  out->positive_spans = positive_spans;
  out->positive_buckets = positive_deltas;
  out->negative_spans = negative_spans;
  out->negative_buckets = negative_deltas;
  if (gauge) out->counter_reset_hint = histogram::CounterResetHint::kGauge;
  out->Compact(0);
}

void Histogram::ToFloatHistogram(bool gauge, histogram::FloatHistogram* out) const {
  *out = histogram::FloatHistogram();
  out->count = sample_count_float;
  out->sum = sample_sum;
  out->zero_threshold = zero_threshold;
  out->zero_count = zero_count_float;
  out->schema = schema;
  out->positive_spans = positive_spans;
  out->positive_buckets = positive_counts;
  out->negative_spans = negative_spans;
  out->negative_buckets = negative_counts;
  if (gauge) out->counter_reset_hint = histogram::CounterResetHint::kGauge;
  out->Compact(0);
}

absl::StatusOr<bool> MetricFamilyReader::Next(MetricFamily* f) {
  if (failed_) return absl::FailedPreconditionError("metric family reader failed before");
  f->name = f->help = f->unit = {};
  f->type = static_cast<uint32_t>(WireType::kCounter);
  f->num_metrics = 0;
  f->offset = pos_;
  if (pos_ >= body_.size()) return false;
  common::Decoder frame(body_.substr(pos_));
  std::string_view msg;
  if (!frame.String(&msg)) {
    failed_ = true;
    return FamilyError(*f, "truncated message (length prefix beyond the body)");
  }
  pos_ = body_.size() - frame.remaining();
  FieldReader r(msg);
  Field fld;
  // Metrics are decoded after the header fields so that errors can name the family even when
  // the name comes last.
  std::vector<std::string_view>& metric_msgs = metric_msgs_scratch();
  metric_msgs.clear();
  while (r.Next(&fld)) {
    switch (fld.number) {
      case 1:
      case 2:
      case 5: {
        if (fld.wire != kLen) {
          failed_ = true;
          return FamilyError(*f, "broken message");
        }
        (fld.number == 1 ? f->name : fld.number == 2 ? f->help : f->unit) = fld.bytes;
        break;
      }
      case 3:
        if (fld.wire != kVarint) {
          failed_ = true;
          return FamilyError(*f, "broken message");
        }
        f->type = static_cast<uint32_t>(fld.varint);
        break;
      case 4:
        if (fld.wire != kLen) {
          failed_ = true;
          return FamilyError(*f, "broken message");
        }
        metric_msgs.push_back(fld.bytes);
        break;
      default:
        break;
    }
  }
  if (!r.ok()) {
    failed_ = true;
    return FamilyError(*f, "broken message");
  }
  if (f->metrics.size() < metric_msgs.size()) f->metrics.resize(metric_msgs.size());
  for (size_t i = 0; i < metric_msgs.size(); ++i) {
    Metric* m = &f->metrics[i];
    ResetMetric(m);
    if (Broken b = DecodeMetric(metric_msgs[i], m)) {
      failed_ = true;
      return FamilyError(*f, absl::StrCat(b, " in metric ", i + 1));
    }
  }
  f->num_metrics = metric_msgs.size();
  return true;
}

std::vector<std::string_view>& MetricFamilyReader::metric_msgs_scratch() { return scratch_; }

absl::Status FamilyError(const MetricFamily& f, std::string_view what) {
  if (f.name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid protobuf MetricFamily at byte ",
                                                   f.offset, ": ", common::ToAbsl(what)));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "metric family ", common::ToAbsl(common::GoQuote(f.name)), " at byte ", f.offset, ": ",
      common::ToAbsl(what)));
}

bool IsDelimitedMetricFamily(std::string_view content_type) {
  std::string ct = absl::AsciiStrToLower(common::ToAbsl(content_type));
  std::erase(ct, ' ');
  return ct.starts_with("application/vnd.google.protobuf") &&
         ct.find("encoding=delimited") != std::string::npos &&
         ct.find("proto=io.prometheus.client.metricfamily") != std::string::npos;
}

}  // namespace promlet::model::proto
