// Conversions between native histograms (HistogramSample, codec.h) and the protobuf Histogram
// messages of Remote Write 1.0 / Remote Read (prometheus.Histogram) and Remote Write 2.0
// (io.prometheus.write.v2.Histogram), which share field names and numbers. Internal to
// storage/remote (codec.cc and read_handler.cc): callers outside see plain structs only.
//
// Invariants (Prometheus' prompb codec): count_float marks a float histogram (absolute
// counts), count_int an integer one (delta-encoded buckets); reset hints keep their numbers;
// empty custom_values decode as none (nullptr), which Validate tells apart from a list.
#ifndef PROMLET_STORAGE_REMOTE_HISTOGRAM_PROTO_H_
#define PROMLET_STORAGE_REMOTE_HISTOGRAM_PROTO_H_

#include <google/protobuf/repeated_field.h>

#include <vector>

#include "storage/remote/codec.h"

namespace promlet::remote {
namespace histogram_proto {

namespace hist = model::histogram;

template <typename PbSpans>
std::vector<hist::Span> SpansFromProto(const PbSpans& in) {
  std::vector<hist::Span> out;
  out.reserve(static_cast<size_t>(in.size()));
  for (const auto& sp : in) out.push_back(hist::Span{sp.offset(), sp.length()});
  return out;
}

template <typename PbSpans>
void SpansToProto(const std::vector<hist::Span>& in, PbSpans* out) {
  for (const auto& sp : in) {
    auto* p = out->Add();
    p->set_offset(sp.offset);
    p->set_length(sp.length);
  }
}

inline hist::CustomValues CustomValuesFromProto(const google::protobuf::RepeatedField<double>& cv) {
  if (cv.empty()) return nullptr;
  return hist::MakeCustomValues(std::vector<double>(cv.begin(), cv.end()));
}

// prompb.Histogram and io.prometheus.write.v2.Histogram share field names and numbers.
template <typename PbHistogram>
HistogramSample HistogramFromProto(const PbHistogram& p) {
  HistogramSample out;
  out.t = p.timestamp();
  const auto hint = static_cast<hist::CounterResetHint>(static_cast<int>(p.reset_hint()) & 3);
  if (p.count_case() == PbHistogram::kCountFloat) {
    out.is_float = true;
    hist::FloatHistogram& fh = out.fh;
    fh.counter_reset_hint = hint;
    fh.schema = p.schema();
    fh.zero_threshold = p.zero_threshold();
    fh.zero_count = p.zero_count_float();
    fh.count = p.count_float();
    fh.sum = p.sum();
    fh.positive_spans = SpansFromProto(p.positive_spans());
    fh.negative_spans = SpansFromProto(p.negative_spans());
    fh.positive_buckets.assign(p.positive_counts().begin(), p.positive_counts().end());
    fh.negative_buckets.assign(p.negative_counts().begin(), p.negative_counts().end());
    fh.custom_values = CustomValuesFromProto(p.custom_values());
    return out;
  }
  hist::Histogram& h = out.h;
  h.counter_reset_hint = hint;
  h.schema = p.schema();
  h.zero_threshold = p.zero_threshold();
  h.zero_count = p.zero_count_int();
  h.count = p.count_int();
  h.sum = p.sum();
  h.positive_spans = SpansFromProto(p.positive_spans());
  h.negative_spans = SpansFromProto(p.negative_spans());
  h.positive_buckets.assign(p.positive_deltas().begin(), p.positive_deltas().end());
  h.negative_buckets.assign(p.negative_deltas().begin(), p.negative_deltas().end());
  h.custom_values = CustomValuesFromProto(p.custom_values());
  return out;
}

template <typename PbHistogram>
void HistogramToProto(const HistogramSample& in, PbHistogram* p) {
  using Hint = decltype(p->reset_hint());
  p->set_timestamp(in.t);
  if (in.is_float) {
    const hist::FloatHistogram& fh = in.fh;
    p->set_reset_hint(static_cast<Hint>(fh.counter_reset_hint));
    p->set_schema(fh.schema);
    p->set_zero_threshold(fh.zero_threshold);
    p->set_zero_count_float(fh.zero_count);
    p->set_count_float(fh.count);
    p->set_sum(fh.sum);
    SpansToProto(fh.positive_spans, p->mutable_positive_spans());
    SpansToProto(fh.negative_spans, p->mutable_negative_spans());
    p->mutable_positive_counts()->Add(fh.positive_buckets.begin(), fh.positive_buckets.end());
    p->mutable_negative_counts()->Add(fh.negative_buckets.begin(), fh.negative_buckets.end());
    for (double b : hist::Bounds(fh.custom_values)) p->add_custom_values(b);
    return;
  }
  const hist::Histogram& h = in.h;
  p->set_reset_hint(static_cast<Hint>(h.counter_reset_hint));
  p->set_schema(h.schema);
  p->set_zero_threshold(h.zero_threshold);
  p->set_zero_count_int(h.zero_count);
  p->set_count_int(h.count);
  p->set_sum(h.sum);
  SpansToProto(h.positive_spans, p->mutable_positive_spans());
  SpansToProto(h.negative_spans, p->mutable_negative_spans());
  p->mutable_positive_deltas()->Add(h.positive_buckets.begin(), h.positive_buckets.end());
  p->mutable_negative_deltas()->Add(h.negative_buckets.begin(), h.negative_buckets.end());
  for (double b : hist::Bounds(h.custom_values)) p->add_custom_values(b);
}

}  // namespace histogram_proto
}  // namespace promlet::remote

#endif  // PROMLET_STORAGE_REMOTE_HISTOGRAM_PROTO_H_
