#include "web/federate.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"
#include "model/metric_family.h"
#include "model/value.h"
#include "tsdb/head.h"

namespace promlet::web {
namespace {

TEST(FederateTest, LatestSampleWithinLookbackGroupedByName) {
  tsdb::Head head;
  auto app = head.NewAppender();
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "up"}, {"job", "b"}}, 1000, 1).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "up"}, {"job", "b"}}, 2000, 0).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "up"}, {"job", "a"}}, 2000, 1).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "a_metric"}, {"x", "q\"\n"}}, 1500, 1.5e6).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "stale"}}, 1000, 1).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "stale"}}, 2000, model::StaleNaN()).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "old"}}, 100, 1).ok());
  ASSERT_TRUE(app->Commit().ok());

  std::vector<std::vector<model::Matcher>> sel = {
      {model::Matcher::MustMake(model::MatchType::kRegexMatch, "__name__", ".+")},
      {model::Matcher::MustMake(model::MatchType::kEqual, "job", "a")},  // overlaps: deduped
  };
  auto text = FederateText(head, sel, /*now=*/2500, /*lookback=*/2000);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text,
            "# TYPE a_metric untyped\n"
            "a_metric{x=\"q\\\"\\n\"} 1.5e+06 1500\n"
            "# TYPE up untyped\n"
            "up{job=\"a\"} 1 2000\n"
            "up{job=\"b\"} 0 2000\n");
}

TEST(FederateTest, NoSelectorsNoOutput) {
  tsdb::Head head;
  auto text = FederateText(head, {}, 1000, 300000);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "");
}

namespace hist = model::histogram;

// A head with a float series, an integer native histogram, a float gauge histogram, an NHCB, a
// gauge NHCB and a stale native histogram, newest samples at 2000.
void FillHistograms(tsdb::Head& head) {
  auto app = head.NewAppender();
  hist::Histogram h;
  h.schema = 0;
  h.zero_threshold = 0.001;
  h.zero_count = 1;
  h.count = 6;
  h.sum = 9.5;
  h.positive_spans = {{0, 2}, {1, 1}};
  h.positive_buckets = {1, 1, 0};  // absolute 1, 2, 2
  ASSERT_TRUE(
      app->AppendHistogram(0, model::Labels{{"__name__", "lat"}, {"job", "a"}}, 1000, &h, nullptr)
          .ok());
  h.count = 7;
  h.zero_count = 2;
  ASSERT_TRUE(
      app->AppendHistogram(0, model::Labels{{"__name__", "lat"}, {"job", "a"}}, 2000, &h, nullptr)
          .ok());
  hist::FloatHistogram g;
  g.counter_reset_hint = hist::CounterResetHint::kGauge;
  g.schema = 1;
  g.count = 2.5;
  g.sum = -1;
  g.negative_spans = {{-1, 1}};
  g.negative_buckets = {2.5};
  ASSERT_TRUE(
      app->AppendHistogram(0, model::Labels{{"__name__", "lat"}, {"job", "b"}}, 2000, nullptr, &g)
          .ok());
  hist::FloatHistogram c;
  c.schema = hist::kCustomBucketsSchema;
  c.custom_values = hist::MakeCustomValues({0.5, 1});
  c.count = 5;
  c.sum = 4;
  c.positive_spans = {{0, 1}, {1, 1}};
  c.positive_buckets = {3, 2};  // (-Inf,0.5]: 3, (0.5,1]: 0, (1,+Inf]: 2
  ASSERT_TRUE(app->AppendHistogram(0, model::Labels{{"__name__", "nhcb"}}, 2000, nullptr, &c).ok());
  c.counter_reset_hint = hist::CounterResetHint::kGauge;
  ASSERT_TRUE(
      app->AppendHistogram(0, model::Labels{{"__name__", "gauge_nhcb"}}, 2000, nullptr, &c).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "up"}}, 2000, 1).ok());
  hist::Histogram stale = h;
  ASSERT_TRUE(app->AppendHistogram(0, model::Labels{{"__name__", "gone"}}, 1000, &h, nullptr).ok());
  stale.sum = model::StaleNaN();
  ASSERT_TRUE(
      app->AppendHistogram(0, model::Labels{{"__name__", "gone"}}, 2000, &stale, nullptr).ok());
  ASSERT_TRUE(app->Commit().ok());
}

const std::vector<std::vector<model::Matcher>> kAll = {
    {model::Matcher::MustMake(model::MatchType::kRegexMatch, "__name__", ".+")}};

TEST(FederateTest, TextLeavesNativeAndGaugeHistogramsOutAndWritesNhcbAsClassic) {
  tsdb::Head head;
  FillHistograms(head);
  auto text = FederateText(head, kAll, 2500, 300000);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text,
            "# TYPE nhcb histogram\n"
            "nhcb_bucket{le=\"0.5\"} 3 2000\n"
            "nhcb_bucket{le=\"1\"} 3 2000\n"
            "nhcb_bucket{le=\"+Inf\"} 5 2000\n"
            "nhcb_sum 4 2000\n"
            "nhcb_count 5 2000\n"
            "# TYPE up untyped\n"
            "up 1 2000\n");
}

TEST(FederateTest, ProtobufCarriesNativeHistograms) {
  tsdb::Head head;
  FillHistograms(head);
  auto body = FederateBody(head, kAll, 2500, 300000, FederationFormat::kProtobuf);
  ASSERT_TRUE(body.ok()) << body.status();
  model::proto::MetricFamilyReader reader(*body);
  model::proto::MetricFamily f;
  std::vector<std::string> families;
  std::vector<std::string> histograms;
  for (;;) {
    absl::StatusOr<bool> more = reader.Next(&f);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    families.push_back(std::string(f.name) + ":" + std::to_string(f.type) + ":" +
                       std::to_string(f.size()));
    for (size_t i = 0; i < f.size(); ++i) {
      const model::proto::Metric& m = f.metric(i);
      EXPECT_EQ(m.timestamp_ms, 2000);
      if (m.has_untyped) {
        EXPECT_EQ(m.value, 1);
      }
      if (!m.has_histogram) continue;
      if (!m.histogram.IsNative()) {
        std::string classic = absl::StrCat("classic count=", m.histogram.ClassicCount());
        for (const auto& b : m.histogram.buckets) {
          absl::StrAppend(&classic, " ", b.upper_bound, ":", b.Count());
        }
        histograms.push_back(classic);
        continue;
      }
      ASSERT_TRUE(m.histogram.CheckSpans().ok());
      EXPECT_TRUE(m.histogram.IsFloat());
      hist::FloatHistogram h;
      m.histogram.ToFloatHistogram(f.type == 5, &h);
      std::string labels;
      for (const auto& l : m.labels)
        labels += std::string(l.name) + "=" + std::string(l.value) + " ";
      histograms.push_back(labels + h.String());
    }
  }
  // lat{job="a"} (counter) and lat{job="b"} (gauge) are families of their own; the stale
  // histogram is left out.
  EXPECT_EQ(families, (std::vector<std::string>{"gauge_nhcb:5:1", "lat:4:1", "lat:5:1", "nhcb:4:1",
                                                "up:3:1"}));
  EXPECT_EQ(histograms,
            (std::vector<std::string>{
                "classic count=5 0.5:3 1:3",
                "job=a {count:7, sum:9.5, [-0.001,0.001]:2, (0.5,1]:1, (1,2]:2, (4,8]:2}",
                "job=b {count:2.5, sum:-1, [-0.7071067811865475,-0.5):2.5}",
                "classic count=5 0.5:3 1:3",
            }));
}

TEST(FederateTest, NegotiatesLikeExpfmt) {
  EXPECT_EQ(NegotiateFederationFormat(""), FederationFormat::kText);
  EXPECT_EQ(NegotiateFederationFormat("text/plain;version=0.0.4"), FederationFormat::kText);
  // What Prometheus sends with native histograms enabled.
  EXPECT_EQ(NegotiateFederationFormat(
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                "encoding=delimited;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4,"
                "text/plain;version=0.0.4;q=0.3,*/*;q=0.2"),
            FederationFormat::kProtobuf);
  // The first acceptable entry by weight wins.
  EXPECT_EQ(
      NegotiateFederationFormat("text/plain;q=0.5, application/vnd.google.protobuf;"
                                "proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.4"),
      FederationFormat::kText);
  EXPECT_EQ(
      NegotiateFederationFormat("text/plain;q=0.3, Application/vnd.google.protobuf; "
                                "proto=io.prometheus.client.MetricFamily; encoding=delimited"),
      FederationFormat::kProtobuf);
  // The protobuf text encodings are not written: text.
  EXPECT_EQ(NegotiateFederationFormat(
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                "encoding=text"),
            FederationFormat::kText);
}

}  // namespace
}  // namespace promlet::web
