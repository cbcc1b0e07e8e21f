#include "tests/common_proto/body.h"

namespace promlet::testing {

std::string DelimitedBody(const std::vector<dto::MetricFamily>& families) {
  std::string out;
  for (const auto& f : families) {
    std::string msg = f.SerializeAsString();
    // The varint length prefix, as Go's pbutil.WriteDelimited.
    uint64_t n = msg.size();
    while (n >= 0x80) {
      out.push_back(static_cast<char>((n & 0x7f) | 0x80));
      n >>= 7;
    }
    out.push_back(static_cast<char>(n));
    out += msg;
  }
  return out;
}

dto::MetricFamily CounterFamily(const std::string& name, double value) {
  dto::MetricFamily f;
  f.set_name(name);
  f.set_help("A counter.");
  f.set_type(dto::COUNTER);
  f.add_metric()->mutable_counter()->set_value(value);
  return f;
}

dto::MetricFamily NativeHistogramFamily(const std::string& name, int schema,
                                        const std::vector<std::pair<int, unsigned>>& spans,
                                        const std::vector<long>& deltas, unsigned long count,
                                        double sum) {
  dto::MetricFamily f;
  f.set_name(name);
  f.set_help("A native histogram.");
  f.set_type(dto::HISTOGRAM);
  dto::Histogram* h = f.add_metric()->mutable_histogram();
  h->set_schema(schema);
  h->set_zero_threshold(1e-128);
  h->set_sample_count(count);
  h->set_sample_sum(sum);
  for (const auto& [offset, length] : spans) {
    dto::BucketSpan* s = h->add_positive_span();
    s->set_offset(offset);
    s->set_length(length);
  }
  for (long d : deltas) h->add_positive_delta(d);
  return f;
}

dto::MetricFamily ClassicHistogramFamily(const std::string& name,
                                         const std::vector<std::pair<double, unsigned long>>& buckets,
                                         unsigned long count, double sum) {
  dto::MetricFamily f;
  f.set_name(name);
  f.set_help("A classic histogram.");
  f.set_type(dto::HISTOGRAM);
  dto::Histogram* h = f.add_metric()->mutable_histogram();
  h->set_sample_count(count);
  h->set_sample_sum(sum);
  for (const auto& [le, c] : buckets) {
    dto::Bucket* b = h->add_bucket();
    b->set_upper_bound(le);
    b->set_cumulative_count(c);
  }
  return f;
}

}  // namespace promlet::testing
