#include "model/metric_family_writer.h"

#include <bit>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/varint.h"

namespace promlet::model::proto {
namespace {

constexpr uint32_t kVarint = 0, kFixed64 = 1, kLen = 2;

void Key(std::string* out, uint32_t field, uint32_t wire) {
  common::PutUvarint(out, (static_cast<uint64_t>(field) << 3) | wire);
}
void Varint(std::string* out, uint32_t field, uint64_t v) {
  if (v == 0) return;
  Key(out, field, kVarint);
  common::PutUvarint(out, v);
}
void SignedVarint(std::string* out, uint32_t field, int64_t v) {
  if (v == 0) return;
  Key(out, field, kVarint);
  common::PutVarint(out, v);  // zigzag: sint32 / sint64
}
void Double(std::string* out, uint32_t field, double v) {
  if (std::bit_cast<uint64_t>(v) == 0) return;  // +0 is the default; -0 is kept
  Key(out, field, kFixed64);
  common::PutFixed64(out, std::bit_cast<uint64_t>(v));
}
void Bytes(std::string* out, uint32_t field, std::string_view s) {
  Key(out, field, kLen);
  common::PutString(out, s);
}
void String(std::string* out, uint32_t field, std::string_view s) {
  if (!s.empty()) Bytes(out, field, s);
}
void PackedDoubles(std::string* out, uint32_t field, const std::vector<double>& vs) {
  if (vs.empty()) return;
  Key(out, field, kLen);
  common::PutUvarint(out, vs.size() * 8);
  for (double v : vs) common::PutFixed64(out, std::bit_cast<uint64_t>(v));
}
void PackedSint64s(std::string* out, uint32_t field, const std::vector<int64_t>& vs,
                   std::string* scratch) {
  if (vs.empty()) return;
  scratch->clear();
  for (int64_t v : vs) common::PutVarint(scratch, v);
  Bytes(out, field, *scratch);
}
void Spans(std::string* out, uint32_t field, const std::vector<histogram::Span>& spans,
           std::string* scratch) {
  for (const histogram::Span& s : spans) {
    scratch->clear();
    SignedVarint(scratch, 1, s.offset);
    Varint(scratch, 2, s.length);
    Bytes(out, field, *scratch);
  }
}

void EncodeHistogram(const Histogram& h, std::string* out) {
  std::string scratch;
  Varint(out, 1, h.sample_count);
  Double(out, 2, h.sample_sum);
  for (const Bucket& b : h.buckets) {
    scratch.clear();
    Varint(&scratch, 1, b.cumulative_count);
    Double(&scratch, 2, b.upper_bound);
    Double(&scratch, 4, b.cumulative_count_float);
    Bytes(out, 3, scratch);
  }
  Double(out, 4, h.sample_count_float);
  SignedVarint(out, 5, h.schema);
  Double(out, 6, h.zero_threshold);
  Varint(out, 7, h.zero_count);
  Double(out, 8, h.zero_count_float);
  Spans(out, 9, h.negative_spans, &scratch);
  PackedSint64s(out, 10, h.negative_deltas, &scratch);
  PackedDoubles(out, 11, h.negative_counts);
  Spans(out, 12, h.positive_spans, &scratch);
  PackedSint64s(out, 13, h.positive_deltas, &scratch);
  PackedDoubles(out, 14, h.positive_counts);
}

void EncodeSummary(const Summary& s, std::string* out) {
  Varint(out, 1, s.sample_count);
  Double(out, 2, s.sample_sum);
  std::string q;
  for (const Quantile& x : s.quantiles) {
    q.clear();
    Double(&q, 1, x.quantile);
    Double(&q, 2, x.value);
    Bytes(out, 3, q);
  }
}

// A message holding one double at field 1 (Gauge, Counter, Untyped).
void ValueMessage(std::string* out, uint32_t field, double v) {
  std::string msg;
  Double(&msg, 1, v);
  Bytes(out, field, msg);
}

void EncodeMetric(const Metric& m, std::string* out) {
  std::string sub;
  for (const LabelPair& l : m.labels) {
    sub.clear();
    String(&sub, 1, l.name);
    String(&sub, 2, l.value);
    Bytes(out, 1, sub);
  }
  if (m.has_gauge) ValueMessage(out, 2, m.value);
  if (m.has_counter) ValueMessage(out, 3, m.value);
  if (m.has_summary) {
    sub.clear();
    EncodeSummary(m.summary, &sub);
    Bytes(out, 4, sub);
  }
  if (m.has_untyped) ValueMessage(out, 5, m.value);
  if (m.timestamp_ms != 0) {
    Key(out, 6, kVarint);
    common::PutUvarint(out, static_cast<uint64_t>(m.timestamp_ms));  // int64: two's complement
  }
  if (m.has_histogram) {
    sub.clear();
    EncodeHistogram(m.histogram, &sub);
    Bytes(out, 7, sub);
  }
}

}  // namespace

void AppendDelimitedFamily(const MetricFamily& f, std::string* out) {
  std::string msg, metric;
  String(&msg, 1, f.name);
  String(&msg, 2, f.help);
  Varint(&msg, 3, f.type);
  for (size_t i = 0; i < f.size(); ++i) {
    metric.clear();
    EncodeMetric(f.metric(i), &metric);
    Bytes(&msg, 4, metric);
  }
  String(&msg, 5, f.unit);
  common::PutString(out, msg);
}

void NativeHistogramFields(const histogram::FloatHistogram& h, Histogram* out) {
  out->sample_count_float = h.count;
  out->sample_sum = h.sum;
  out->schema = h.schema;
  out->zero_threshold = h.zero_threshold;
  out->zero_count_float = h.zero_count;
  out->positive_spans = h.positive_spans;
  out->negative_spans = h.negative_spans;
  out->positive_counts = h.positive_buckets;
  out->negative_counts = h.negative_buckets;
}

}  // namespace promlet::model::proto
