// The hand-written MetricFamily decoder against libprotobuf (the oracle writes the bodies), the
// entry-by-entry ProtoParser (Prometheus' ProtobufParser behaviour), classic-to-NHCB conversion
// and the text parser with NHCB conversion.
#include "model/metric_family.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/histogram/convert_nhcb.h"
#include "model/nhcb_parser.h"
#include "model/protoparse.h"
#include "tests/common_proto/body.h"

namespace promlet::model {
namespace {

using ::testing::HasSubstr;
using promlet::testing::ClassicHistogramFamily;
using promlet::testing::CounterFamily;
using promlet::testing::DelimitedBody;
using promlet::testing::NativeHistogramFamily;
namespace dto = promlet::testing::dto;

TEST(MetricFamilyReader, DecodesEveryFieldAsLibprotobufWroteIt) {
  dto::MetricFamily f;
  f.set_name("rpc_seconds");
  f.set_help("RPC latency.");
  f.set_unit("seconds");
  f.set_type(dto::GAUGE_HISTOGRAM);
  dto::Metric* m = f.add_metric();
  dto::LabelPair* lp = m->add_label();
  lp->set_name("method");
  lp->set_value("GET");
  m->set_timestamp_ms(-5);
  dto::Histogram* h = m->mutable_histogram();
  h->set_sample_count(7);
  h->set_sample_count_float(7.5);
  h->set_sample_sum(-1.25);
  h->set_schema(-3);
  h->set_zero_threshold(0.001);
  h->set_zero_count(2);
  h->set_zero_count_float(2.5);
  h->mutable_start_timestamp()->set_seconds(10);
  h->mutable_start_timestamp()->set_nanos(250000000);
  auto* span = h->add_negative_span();
  span->set_offset(-2);
  span->set_length(2);
  h->add_negative_delta(3);
  h->add_negative_delta(-1);
  h->add_negative_count(1.5);
  h->add_positive_count(0.25);
  span = h->add_positive_span();
  span->set_offset(5);
  span->set_length(1);
  h->add_positive_delta(-9);
  dto::Bucket* b = h->add_bucket();
  b->set_upper_bound(0.5);
  b->set_cumulative_count(3);
  b->set_cumulative_count_float(3.5);
  h->add_exemplars()->set_value(1);  // skipped

  std::string body = DelimitedBody({CounterFamily("first_total", 1), f});
  proto::MetricFamilyReader r(body);
  proto::MetricFamily got;
  ASSERT_TRUE(*r.Next(&got));
  EXPECT_EQ(got.name, "first_total");
  EXPECT_EQ(got.offset, 0u);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got.metric(0).has_counter);
  EXPECT_EQ(got.metric(0).value, 1);
  const size_t second = r.offset();
  ASSERT_TRUE(*r.Next(&got));
  EXPECT_EQ(got.offset, second);
  EXPECT_EQ(got.name, "rpc_seconds");
  EXPECT_EQ(got.help, "RPC latency.");
  EXPECT_EQ(got.unit, "seconds");
  EXPECT_EQ(got.type, 5u);
  ASSERT_EQ(got.size(), 1u);
  const proto::Metric& gm = got.metric(0);
  ASSERT_EQ(gm.labels.size(), 1u);
  EXPECT_EQ(gm.labels[0].name, "method");
  EXPECT_EQ(gm.labels[0].value, "GET");
  EXPECT_EQ(gm.timestamp_ms, -5);
  EXPECT_EQ(gm.start_timestamp_ms, 10250);
  const proto::Histogram& gh = gm.histogram;
  EXPECT_TRUE(gm.has_histogram);
  EXPECT_EQ(gh.sample_count, 7u);
  EXPECT_EQ(gh.sample_count_float, 7.5);
  EXPECT_EQ(gh.sample_sum, -1.25);
  EXPECT_EQ(gh.schema, -3);
  EXPECT_EQ(gh.zero_threshold, 0.001);
  EXPECT_EQ(gh.zero_count, 2u);
  EXPECT_EQ(gh.zero_count_float, 2.5);
  ASSERT_EQ(gh.negative_spans.size(), 1u);
  EXPECT_EQ(gh.negative_spans[0].offset, -2);
  EXPECT_EQ(gh.negative_spans[0].length, 2u);
  EXPECT_EQ(gh.negative_deltas, (std::vector<int64_t>{3, -1}));
  EXPECT_EQ(gh.negative_counts, (std::vector<double>{1.5}));
  EXPECT_EQ(gh.positive_counts, (std::vector<double>{0.25}));
  EXPECT_EQ(gh.positive_deltas, (std::vector<int64_t>{-9}));
  ASSERT_EQ(gh.buckets.size(), 1u);
  EXPECT_EQ(gh.buckets[0].Count(), 3.5);
  EXPECT_EQ(gh.buckets[0].upper_bound, 0.5);
  EXPECT_TRUE(gh.IsNative());
  EXPECT_TRUE(gh.IsFloat());
  EXPECT_FALSE(*r.Next(&got));
}

TEST(MetricFamilyReader, SummariesAndValuesAndStartTimestamps) {
  dto::MetricFamily f;
  f.set_name("s");
  f.set_type(dto::SUMMARY);
  dto::Summary* s = f.add_metric()->mutable_summary();
  s->set_sample_count(4);
  s->set_sample_sum(2.5);
  s->mutable_start_timestamp()->set_seconds(3);
  auto* q = s->add_quantile();
  q->set_quantile(0.5);
  q->set_value(0.7);
  dto::MetricFamily c = CounterFamily("c_total", 9);
  c.mutable_metric(0)->mutable_counter()->mutable_start_timestamp()->set_seconds(100);
  std::string body = DelimitedBody({f, c});
  proto::MetricFamilyReader r(body);
  proto::MetricFamily got;
  ASSERT_TRUE(*r.Next(&got));
  const proto::Summary& gs = got.metric(0).summary;
  EXPECT_EQ(gs.sample_count, 4u);
  EXPECT_EQ(gs.sample_sum, 2.5);
  ASSERT_EQ(gs.quantiles.size(), 1u);
  EXPECT_EQ(gs.quantiles[0].quantile, 0.5);
  EXPECT_EQ(gs.quantiles[0].value, 0.7);
  EXPECT_EQ(got.metric(0).start_timestamp_ms, 3000);
  ASSERT_TRUE(*r.Next(&got));
  EXPECT_EQ(got.metric(0).start_timestamp_ms, 100000);
  EXPECT_EQ(got.metric(0).value, 9);
}

TEST(MetricFamilyReader, UnpackedRepeatedFieldsAreAccepted) {
  // Histogram{positive_delta: 3, positive_delta: -1} written unpacked by hand.
  std::string hist;
  hist += '\x68';  // field 13, varint
  hist += '\x06';  // zigzag(3)
  hist += '\x68';
  hist += '\x01';  // zigzag(-1)
  std::string metric = std::string("\x3a") + static_cast<char>(hist.size()) + hist;
  std::string fam = std::string("\x0a\x01h\x18\x04\x22") + static_cast<char>(metric.size()) + metric;
  std::string body = std::string(1, static_cast<char>(fam.size())) + fam;
  proto::MetricFamilyReader r(body);
  proto::MetricFamily got;
  ASSERT_TRUE(*r.Next(&got));
  EXPECT_EQ(got.metric(0).histogram.positive_deltas, (std::vector<int64_t>{3, -1}));
}

TEST(MetricFamilyReader, ErrorsNameTheFamilyAndByteOffset) {
  std::string good = DelimitedBody({CounterFamily("ok_total", 1)});
  // A family whose metric is cut short: the length prefix says more than there is.
  dto::MetricFamily bad = CounterFamily("bad_total", 2);
  std::string bad_body = DelimitedBody({bad});
  {
    std::string body = good + bad_body.substr(0, bad_body.size() - 3);
    proto::MetricFamilyReader r(body);
    proto::MetricFamily f;
    ASSERT_TRUE(*r.Next(&f));
    absl::StatusOr<bool> st = r.Next(&f);
    ASSERT_FALSE(st.ok());
    EXPECT_THAT(std::string(st.status().message()),
                HasSubstr(absl::StrCat("at byte ", good.size(), ": truncated message")));
  }
  {
    // Garbage inside the metric of a named family: the error names it.
    std::string fam_msg;
    fam_msg += "\x0a\x03xyz";          // name
    fam_msg += "\x22\x03\x1a\x01\xff";  // metric { counter: <1 byte of garbage> }
    std::string body = good + static_cast<char>(fam_msg.size()) + fam_msg;
    proto::MetricFamilyReader r(body);
    proto::MetricFamily f;
    ASSERT_TRUE(*r.Next(&f));
    absl::StatusOr<bool> st = r.Next(&f);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(std::string(st.status().message()),
              absl::StrCat("metric family \"xyz\" at byte ", good.size(),
                           ": broken value in metric 1"));
  }
}

// The entries of a protobuf body as "kind name{labels} value" lines.
std::vector<std::string> Entries(const std::string& body, ProtoParserOptions o) {
  ProtoParser p(body, o);
  std::vector<std::string> out;
  while (true) {
    absl::StatusOr<Entry> e = p.Next();
    if (!e.ok()) {
      out.push_back("error: " + std::string(e.status().message()));
      break;
    }
    if (*e == Entry::kEOF) break;
    switch (*e) {
      case Entry::kHelp:
        out.push_back(absl::StrCat("help ", std::string(p.FamilyName())));
        break;
      case Entry::kUnit:
        out.push_back(absl::StrCat("unit ", std::string(p.Unit())));
        break;
      case Entry::kType:
        out.push_back(absl::StrCat("type ", std::string(MetricTypeName(p.Type()))));
        break;
      case Entry::kSeries: {
        Labels l;
        EXPECT_TRUE(p.ParseLabels(&l).ok());
        out.push_back(absl::StrCat("series ", l.ToString(), " ", p.Value()));
        break;
      }
      case Entry::kHistogram: {
        Labels l;
        EXPECT_TRUE(p.ParseLabels(&l).ok());
        out.push_back(absl::StrCat("histogram ", l.ToString(), " ",
                                   p.IntHistogram() ? p.IntHistogram()->String()
                                                    : "float " + p.FloatHistogram()->String()));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

TEST(ProtoParser, CountersSummariesAndClassicHistogramsAsPrometheusNamesThem) {
  dto::MetricFamily s;
  s.set_name("s");
  s.set_type(dto::SUMMARY);
  dto::Metric* m = s.add_metric();
  dto::LabelPair* lp = m->add_label();
  lp->set_name("z");
  lp->set_value("1");
  m->mutable_summary()->set_sample_count(2);
  m->mutable_summary()->set_sample_sum(3);
  auto* q = m->mutable_summary()->add_quantile();
  q->set_quantile(1);
  q->set_value(5);
  dto::MetricFamily empty;
  empty.set_name("empty");
  std::string body = DelimitedBody(
      {CounterFamily("c_total", 4), empty, s,
       ClassicHistogramFamily("h", {{0.5, 1}, {1, 3}}, 4, 2.5)});
  EXPECT_THAT(Entries(body, {}),
              ::testing::ElementsAre(
                  "help c_total", "type counter", "series c_total 4", "help s",
                  "type summary", "series s_count{z=\"1\"} 2",
                  "series s_sum{z=\"1\"} 3",
                  "series s{quantile=\"1.0\", z=\"1\"} 5", "help h",
                  "type histogram", "series h_count 4",
                  "series h_sum 2.5", "series h_bucket{le=\"0.5\"} 1",
                  "series h_bucket{le=\"1.0\"} 3",
                  "series h_bucket{le=\"+Inf\"} 4"));
}

TEST(ProtoParser, NativeHistogramsIgnoredKeptAndConverted) {
  dto::MetricFamily nh = NativeHistogramFamily("n", 0, {{0, 2}, {1, 1}}, {1, 1, -1}, 5, 7);
  auto* b = nh.mutable_metric(0)->mutable_histogram()->add_bucket();
  b->set_upper_bound(1);
  b->set_cumulative_count(1);
  std::string body = DelimitedBody({nh});
  EXPECT_THAT(Entries(body, {}),
              ::testing::ElementsAre("help n", "type histogram",
                                     "histogram n {count:5, sum:7, (0.5,1]:1, (1,2]:2, (4,8]:1}"));
  // always_scrape_classic_histograms: the classic series follow the native histogram.
  EXPECT_THAT(Entries(body, {.keep_classic_histograms = true}),
              ::testing::ElementsAre("help n", "type histogram",
                                     ::testing::StartsWith("histogram n"),
                                     "series n_count 5",
                                     "series n_sum 7",
                                     "series n_bucket{le=\"1.0\"} 1",
                                     "series n_bucket{le=\"+Inf\"} 5"));
  // Native histograms not scraped: only the classic series.
  EXPECT_THAT(Entries(body, {.ignore_native_histograms = true}),
              ::testing::ElementsAre("help n", "type histogram", "series n_count 5",
                                     "series n_sum 7",
                                     "series n_bucket{le=\"1.0\"} 1",
                                     "series n_bucket{le=\"+Inf\"} 5"));
  // Classic buckets converted to custom buckets.
  std::string classic = DelimitedBody({ClassicHistogramFamily("h", {{0.5, 1}, {1, 3}}, 4, 2.5)});
  EXPECT_THAT(Entries(classic, {.convert_classic_to_nhcb = true}),
              ::testing::ElementsAre("help h", "type histogram",
                                     "histogram h {count:4, sum:2.5, "
                                     "[-Inf,0.5]:1, (0.5,1]:2, (1,+Inf]:1}"));
  EXPECT_THAT(Entries(classic, {.keep_classic_histograms = true, .convert_classic_to_nhcb = true}),
              ::testing::ElementsAre("help h", "type histogram", "series h_count 4",
                                     "series h_sum 2.5",
                                     "series h_bucket{le=\"0.5\"} 1",
                                     "series h_bucket{le=\"1.0\"} 3",
                                     "series h_bucket{le=\"+Inf\"} 4",
                                     ::testing::StartsWith("histogram h {count:4")));
}

TEST(ProtoParser, FloatAndGaugeHistograms) {
  dto::MetricFamily f = NativeHistogramFamily("g", 1, {{-1, 2}}, {}, 0, 1.5);
  f.set_type(dto::GAUGE_HISTOGRAM);
  dto::Histogram* h = f.mutable_metric(0)->mutable_histogram();
  h->set_sample_count_float(3.5);
  h->add_positive_count(1.5);
  h->add_positive_count(2);
  const std::string body = DelimitedBody({f});
  ProtoParser p(body, {});
  ASSERT_EQ(*p.Next(), Entry::kHelp);
  ASSERT_EQ(*p.Next(), Entry::kType);
  EXPECT_EQ(p.Type(), MetricType::kGaugeHistogram);
  ASSERT_EQ(*p.Next(), Entry::kHistogram);
  ASSERT_EQ(p.IntHistogram(), nullptr);
  ASSERT_NE(p.FloatHistogram(), nullptr);
  EXPECT_EQ(p.FloatHistogram()->counter_reset_hint, histogram::CounterResetHint::kGauge);
  EXPECT_EQ(p.FloatHistogram()->count, 3.5);
  EXPECT_EQ(p.FloatHistogram()->positive_buckets, (std::vector<double>{1.5, 2}));
  EXPECT_TRUE(p.FloatHistogram()->Validate().ok());
  EXPECT_EQ(*p.Next(), Entry::kEOF);
}

TEST(ProtoParser, SpanBucketMismatchIsAnErrorNamingTheFamily) {
  std::string body = DelimitedBody({NativeHistogramFamily("bad", 0, {{0, 3}}, {1, 1}, 5, 7)});
  EXPECT_THAT(Entries(body, {}).back(),
              HasSubstr("metric family \"bad\" at byte 0: positive side: spans require 3 "
                        "buckets, have 2"));
}

TEST(ProtoParser, RawSeriesIsPrometheusSeparatorKey) {
  dto::MetricFamily f = CounterFamily("c_total", 1);
  for (const char* n : {"b", "a"}) {
    dto::LabelPair* lp = f.mutable_metric(0)->add_label();
    lp->set_name(n);
    lp->set_value("v");
  }
  const std::string body = DelimitedBody({f});
  ProtoParser p(body, {});
  ASSERT_EQ(*p.Next(), Entry::kHelp);
  ASSERT_EQ(*p.Next(), Entry::kType);
  ASSERT_EQ(*p.Next(), Entry::kSeries);
  EXPECT_EQ(p.RawSeries(), "c_total\xff" "a\xff" "v\xff" "b\xff" "v");
}

TEST(ClassicToNhcb, IntegerFloatAndErrors) {
  histogram::ClassicToNhcb c;
  histogram::Histogram h;
  histogram::FloatHistogram fh;
  ASSERT_TRUE(c.SetBucketCount(1, 2).ok());
  ASSERT_TRUE(c.SetBucketCount(0.5, 1).ok());  // out of order: inserted
  ASSERT_TRUE(c.SetCount(3).ok());
  ASSERT_TRUE(c.SetSum(4).ok());
  absl::StatusOr<bool> is_float = c.Convert(&h, &fh);
  ASSERT_TRUE(is_float.ok());
  EXPECT_FALSE(*is_float);
  EXPECT_EQ(h.String(), "{count:3, sum:4, [-Inf,0.5]:1, (0.5,1]:1, (1,+Inf]:1}");
  EXPECT_TRUE(h.Validate().ok());
  c.Reset();
  ASSERT_TRUE(c.SetBucketCount(1, 1.5).ok());
  ASSERT_TRUE(c.SetCount(1.5).ok());
  is_float = c.Convert(&h, &fh);
  ASSERT_TRUE(is_float.ok());
  EXPECT_TRUE(*is_float);
  EXPECT_EQ(fh.String(), "{count:1.5, sum:0, [-Inf,1]:1.5}");
  c.Reset();
  ASSERT_TRUE(c.SetBucketCount(1, 2).ok());
  EXPECT_EQ(c.SetBucketCount(2, 1).message(), "count is not cumulative: 1 < 2");
  c.Reset();
  ASSERT_TRUE(c.SetBucketCount(1, 2).ok());
  ASSERT_TRUE(c.SetBucketCount(std::numeric_limits<double>::infinity(), 4).ok());
  ASSERT_TRUE(c.SetCount(5).ok());
  EXPECT_EQ(c.Convert(&h, &fh).status().message(), "count mismatch: count=5 != le=+Inf count=4");
}

TEST(NhcbTextParser, ConvertsClassicHistogramsOfTextBodies) {
  const std::string body =
      "# TYPE h histogram\n"
      "h_bucket{a=\"1\",le=\"0.5\"} 1\n"
      "h_bucket{a=\"1\",le=\"+Inf\"} 3\n"
      "h_sum{a=\"1\"} 2\n"
      "h_count{a=\"1\"} 3\n"
      "h_bucket{a=\"2\",le=\"+Inf\"} 1\n"
      "h_sum{a=\"2\"} 1\n"
      "h_count{a=\"2\"} 1\n"
      "# TYPE g gauge\n"
      "g 1\n";
  NhcbTextParser p(body, Format::kText004, /*keep_classic_histograms=*/false);
  std::vector<std::string> got;
  while (true) {
    absl::StatusOr<Entry> e = p.Next();
    ASSERT_TRUE(e.ok()) << e.status();
    if (*e == Entry::kEOF) break;
    Labels l;
    if (*e == Entry::kHistogram) {
      ASSERT_TRUE(p.ParseLabels(&l).ok());
      got.push_back(absl::StrCat(l.ToString(), " ", p.IntHistogram()->String(), " key ",
                                 std::string(p.RawSeries())));
    } else if (*e == Entry::kSeries) {
      ASSERT_TRUE(p.ParseLabels(&l).ok());
      got.push_back(l.ToString());
    } else if (*e == Entry::kType) {
      got.push_back(absl::StrCat("type ", std::string(p.FamilyName())));
    }
  }
  EXPECT_THAT(got, ::testing::ElementsAre(
                       "type h",
                       "h{a=\"1\"} {count:3, sum:2, [-Inf,0.5]:1, (0.5,+Inf]:2} "
                       "key h{a=\"1\"}",
                       "h{a=\"2\"} {count:1, sum:1, [-Inf,+Inf]:1} key h{a=\"2\"}",
                       "type g", "g"));
}

TEST(ProtoParser, MutatedBodiesNeverCrashAndErrorsSayWhere) {
  dto::MetricFamily nh = NativeHistogramFamily("n", 2, {{-3, 2}, {4, 1}}, {1, 2, -1}, 9, 7);
  nh.mutable_metric(0)->mutable_histogram()->add_negative_count(1.5);
  dto::MetricFamily s;
  s.set_name("s");
  s.set_type(dto::SUMMARY);
  s.add_metric()->mutable_summary()->add_quantile()->set_quantile(0.9);
  const std::string seed = DelimitedBody(
      {CounterFamily("c_total", 1), nh, s, ClassicHistogramFamily("h", {{1, 2}}, 3, 4)});
  uint64_t rng = 42;
  auto next = [&] {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return rng >> 33;
  };
  for (int i = 0; i < 20000; ++i) {
    std::string body = seed;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int k = 0; k < edits; ++k) {
      const size_t pos = next() % body.size();
      switch (next() % 3) {
        case 0: body[pos] = static_cast<char>(next()); break;
        case 1: body.erase(pos, 1 + next() % 8); break;
        default: body.insert(pos, 1, static_cast<char>(next())); break;
      }
      if (body.empty()) body = "x";
    }
    for (ProtoParserOptions o : {ProtoParserOptions{}, ProtoParserOptions{true, true, true}}) {
      ProtoParser p(body, o);
      for (int n = 0; n < 1000; ++n) {
        absl::StatusOr<Entry> e = p.Next();
        if (!e.ok()) {
          EXPECT_THAT(std::string(e.status().message()), HasSubstr("at byte")) << i;
          break;
        }
        if (*e == Entry::kEOF) break;
        if (*e == Entry::kSeries || *e == Entry::kHistogram) {
          Labels l;
          (void)p.ParseLabels(&l);
          (void)p.RawSeries();
        }
        if (*e == Entry::kHistogram) {
          // Whatever was decoded must not crash validation or printing.
          if (p.IntHistogram() != nullptr) {
            (void)p.IntHistogram()->Validate();
          } else {
            (void)p.FloatHistogram()->Validate();
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace promlet::model
