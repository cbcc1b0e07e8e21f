// The MetricFamily encoder against libprotobuf: for families using every field the writer
// writes, decoding libprotobuf's bytes with MetricFamilyReader and encoding them again with
// AppendDelimitedFamily gives libprotobuf's bytes back, byte for byte (both write fields in
// number order, leave out proto3 defaults and pack repeated scalars).
#include "model/metric_family_writer.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"
#include "model/histogram/float_histogram.h"
#include "tests/common_proto/body.h"

namespace promlet::model::proto {
namespace {

namespace dto = promlet::testing::dto;
using promlet::testing::DelimitedBody;

std::string ReEncode(const std::string& body) {
  std::string out;
  MetricFamilyReader reader(body);
  MetricFamily f;
  for (;;) {
    absl::StatusOr<bool> more = reader.Next(&f);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    AppendDelimitedFamily(f, &out);
  }
  return out;
}

std::vector<dto::MetricFamily> EveryField() {
  std::vector<dto::MetricFamily> fams;
  {
    dto::MetricFamily& f = fams.emplace_back();
    f.set_name("rpc_seconds");
    f.set_help("RPC latency.");
    f.set_unit("seconds");
    f.set_type(dto::HISTOGRAM);
    dto::Metric* m = f.add_metric();
    auto* l = m->add_label();
    l->set_name("method");
    l->set_value("GET");
    m->set_timestamp_ms(1700000000123);
    dto::Histogram* h = m->mutable_histogram();
    h->set_sample_count(12);
    h->set_sample_sum(-3.5);
    h->set_schema(-2);
    h->set_zero_threshold(1e-9);
    h->set_zero_count(2);
    for (auto [o, len] : {std::pair{-3, 2u}, std::pair{4, 1u}}) {
      auto* s = h->add_positive_span();
      s->set_offset(o);
      s->set_length(len);
      auto* n = h->add_negative_span();
      n->set_offset(o + 1);
      n->set_length(len);
    }
    for (long d : {3L, -1L, 0L}) {
      h->add_positive_delta(d);
      h->add_negative_delta(-d);
    }
    auto* b = h->add_bucket();
    b->set_upper_bound(0.5);
    b->set_cumulative_count(4);
    b = h->add_bucket();
    b->set_upper_bound(std::numeric_limits<double>::infinity());
    b->set_cumulative_count(12);
    // A float native histogram as Prometheus' federation writes it.
    dto::Metric* fm = f.add_metric();
    dto::Histogram* fh = fm->mutable_histogram();
    fh->set_sample_count_float(7.5);
    fh->set_sample_sum(2);
    fh->set_schema(3);
    fh->set_zero_threshold(std::ldexp(1.0, -128));
    fh->set_zero_count_float(0.5);
    auto* s = fh->add_positive_span();
    s->set_offset(1);
    s->set_length(3);
    for (double c : {1.0, 0.0, 6.0}) fh->add_positive_count(c);
    auto* ns = fh->add_negative_span();
    ns->set_length(1);
    fh->add_negative_count(-0.0);
    // A classic float histogram (NHCB federated).
    dto::Histogram* ch = f.add_metric()->mutable_histogram();
    ch->set_sample_count_float(3);
    auto* cb = ch->add_bucket();
    cb->set_upper_bound(1);
    cb->set_cumulative_count_float(2.5);
  }
  {
    dto::MetricFamily& f = fams.emplace_back();
    f.set_name("up");
    f.set_type(dto::UNTYPED);
    dto::Metric* m = f.add_metric();
    m->mutable_untyped()->set_value(1);
    m->set_timestamp_ms(-5);
    f.add_metric()->mutable_untyped();  // value 0 keeps its kind
  }
  {
    dto::MetricFamily& f = fams.emplace_back();
    f.set_name("g");
    f.set_type(dto::GAUGE);
    f.add_metric()->mutable_gauge()->set_value(std::nan(""));
    dto::MetricFamily& c = fams.emplace_back();
    c.set_name("c_total");
    c.set_type(dto::COUNTER);
    c.add_metric()->mutable_counter()->set_value(42);
    dto::MetricFamily& s = fams.emplace_back();
    s.set_name("s");
    s.set_type(dto::SUMMARY);
    dto::Summary* sum = s.add_metric()->mutable_summary();
    sum->set_sample_count(9);
    sum->set_sample_sum(4.5);
    auto* q = sum->add_quantile();
    q->set_quantile(0.5);
    q->set_value(0.25);
    dto::MetricFamily& gh = fams.emplace_back();
    gh.set_name("gh");
    gh.set_type(dto::GAUGE_HISTOGRAM);
    gh.add_metric()->mutable_histogram()->set_sample_count(0);
  }
  return fams;
}

TEST(MetricFamilyWriter, ReEncodesLibprotobufBytesExactly) {
  const std::string body = DelimitedBody(EveryField());
  EXPECT_EQ(ReEncode(body), body);
}

TEST(MetricFamilyWriter, NativeHistogramFieldsDecodeToTheSameHistogram) {
  histogram::FloatHistogram h;
  h.schema = 1;
  h.zero_threshold = 0.001;
  h.zero_count = 2;
  h.count = 9.5;
  h.sum = 12.25;
  h.positive_spans = {{0, 2}, {3, 1}};
  h.positive_buckets = {1, 2.5, 3};
  h.negative_spans = {{-1, 1}};
  h.negative_buckets = {1};
  MetricFamily f;
  f.name = "x";
  f.type = static_cast<uint32_t>(WireType::kHistogram);
  Metric& m = f.metrics.emplace_back();
  f.num_metrics = 1;
  m.has_histogram = true;
  NativeHistogramFields(h, &m.histogram);
  std::string body;
  AppendDelimitedFamily(f, &body);

  dto::MetricFamily parsed;
  // Skip the one-byte length prefix (the message is short).
  ASSERT_LT(static_cast<unsigned char>(body[0]), 0x80);
  ASSERT_TRUE(parsed.ParseFromString(body.substr(1)));
  const dto::Histogram& ph = parsed.metric(0).histogram();
  EXPECT_EQ(ph.sample_count_float(), 9.5);
  EXPECT_EQ(ph.zero_count_float(), 2);
  EXPECT_EQ(ph.schema(), 1);
  ASSERT_EQ(ph.positive_span_size(), 2);
  EXPECT_EQ(ph.positive_span(1).offset(), 3);
  EXPECT_EQ(ph.positive_count(1), 2.5);

  MetricFamilyReader reader(body);
  MetricFamily back;
  ASSERT_TRUE(reader.Next(&back).value());
  histogram::FloatHistogram got;
  ASSERT_TRUE(back.metric(0).histogram.CheckSpans().ok());
  back.metric(0).histogram.ToFloatHistogram(false, &got);
  EXPECT_EQ(got.String(), h.String());
}

}  // namespace
}  // namespace promlet::model::proto
