#include "push/proto_body.h"

#include <bit>
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "common/varint.h"

namespace promlet::push {
namespace {

using ::testing::HasSubstr;

// Hand-built protobuf messages: field helpers over the wire format.
std::string Key(int field, int wire) {
  std::string out;
  common::PutUvarint(&out, static_cast<uint64_t>(field << 3 | wire));
  return out;
}
std::string Str(int field, std::string_view s) {
  std::string out = Key(field, 2);
  common::PutUvarint(&out, s.size());
  out.append(s);
  return out;
}
std::string Dbl(int field, double v) {
  std::string out = Key(field, 1);
  common::PutFixed64(&out, std::bit_cast<uint64_t>(v));
  return out;
}
std::string Var(int field, uint64_t v) {
  std::string out = Key(field, 0);
  common::PutUvarint(&out, v);
  return out;
}
std::string Label(std::string_view n, std::string_view v) { return Str(1, Str(1, n) + Str(2, v)); }
std::string Delimited(const std::string& msg) {
  std::string out;
  common::PutUvarint(&out, msg.size());
  return out + msg;
}
std::string FamilyMsg(std::string_view name, int type, const std::vector<std::string>& metrics,
                      std::string_view help = "") {
  std::string m = Str(1, name) + (help.empty() ? "" : Str(2, help)) + Var(3, type);
  for (const auto& metric : metrics) m += Str(4, metric);
  return Delimited(m);
}

TEST(ProtoBody, CounterGaugeUntyped) {
  std::string body =
      FamilyMsg("requests_total", 0, {Label("code", "200") + Str(3, Dbl(1, 12))}, "Requests.") +
      FamilyMsg("temp", 1, {Str(2, Dbl(1, -3.5))}) + FamilyMsg("u", 3, {Str(5, Dbl(1, 1))});
  auto fams = ParseProtoDelimitedBody(body);
  ASSERT_TRUE(fams.ok()) << fams.status();
  ASSERT_EQ(fams->size(), 3u);
  EXPECT_EQ((*fams)[0].type, model::MetricType::kCounter);
  EXPECT_EQ((*fams)[0].help, "Requests.");
  EXPECT_EQ((*fams)[0].samples[0].labels.ToString(), "requests_total{code=\"200\"}");
  EXPECT_EQ((*fams)[0].samples[0].value, 12);
  EXPECT_EQ((*fams)[1].samples[0].value, -3.5);
  EXPECT_EQ((*fams)[2].type, model::MetricType::kUntyped);
}

TEST(ProtoBody, SummaryAndHistogramFlattened) {
  std::string summary = Str(4, Var(1, 9) + Dbl(2, 8) + Str(3, Dbl(1, 0.5) + Dbl(2, 7)));
  std::string histogram =
      Str(7, Var(1, 3) + Dbl(2, 4.5) + Str(3, Var(1, 2) + Dbl(2, 1)));  // no +Inf bucket
  auto fams =
      ParseProtoDelimitedBody(FamilyMsg("s", 2, {summary}) + FamilyMsg("h", 4, {histogram}));
  ASSERT_TRUE(fams.ok()) << fams.status();
  std::vector<std::string> got;
  for (const auto& f : *fams) {
    for (const auto& s : f.samples)
      got.push_back(s.labels.ToString() + " " + std::to_string(s.value));
  }
  EXPECT_THAT(got, ::testing::ElementsAre("s{quantile=\"0.5\"} 7.000000", "s_sum 8.000000",
                                          "s_count 9.000000", "h_bucket{le=\"1\"} 2.000000",
                                          "h_bucket{le=\"+Inf\"} 3.000000", "h_sum 4.500000",
                                          "h_count 3.000000"));
}

TEST(ProtoBody, LaterFamilyOfSameNameWins) {
  auto fams = ParseProtoDelimitedBody(FamilyMsg("g", 1, {Str(2, Dbl(1, 1))}) +
                                      FamilyMsg("g", 1, {Str(2, Dbl(1, 2))}));
  ASSERT_TRUE(fams.ok());
  ASSERT_EQ(fams->size(), 1u);
  EXPECT_EQ((*fams)[0].samples[0].value, 2);
}

TEST(ProtoBody, TimestampsFlagged) {
  auto fams = ParseProtoDelimitedBody(FamilyMsg("g", 1, {Str(2, Dbl(1, 1)) + Var(6, 1000)}));
  ASSERT_TRUE(fams.ok());
  EXPECT_TRUE((*fams)[0].has_timestamp);
}

TEST(ProtoBody, Errors) {
  std::string good = FamilyMsg("g", 1, {Str(2, Dbl(1, 1))});
  EXPECT_THAT(
      std::string(ParseProtoDelimitedBody(good.substr(0, good.size() - 1)).status().message()),
      HasSubstr("at byte 0: truncated message"));
  EXPECT_THAT(std::string(ParseProtoDelimitedBody(FamilyMsg("bad-name", 1, {Str(2, Dbl(1, 1))}))
                              .status()
                              .message()),
              HasSubstr("invalid metric name \"bad-name\""));
  EXPECT_THAT(
      std::string(
          ParseProtoDelimitedBody(FamilyMsg("g", 1, {Str(3, Dbl(1, 1))})).status().message()),
      HasSubstr("lacks the gauge value"));
  EXPECT_THAT(std::string(ParseProtoDelimitedBody(
                              FamilyMsg("g", 1, {Label("__x", "1") + Str(2, Dbl(1, 1))}))
                              .status()
                              .message()),
              HasSubstr("invalid label name \"__x\""));
  // Spans asking for one bucket more than the deltas give.
  std::string native = Str(7, Var(1, 1) + Str(12, Var(1, 0) + Var(2, 2)) + Str(13, "\x02"));
  EXPECT_THAT(std::string(ParseProtoDelimitedBody(FamilyMsg("h", 4, {native})).status().message()),
              HasSubstr("metric family \"h\": positive side: spans require 2 buckets, have 1"));
}

TEST(ProtoBody, NativeHistogramsBecomeOneHistogramSample) {
  // count 3, sum 1.5, schema 0, zero threshold 0.001, zero count 1, buckets 1 and 2 (deltas 1,
  // 0) at indices 0 and 1, plus a classic bucket that is not kept.
  std::string native = Str(7, Var(1, 3) + Dbl(2, 1.5) + Str(3, Var(1, 1) + Dbl(2, 1)) +
                                  Dbl(6, 0.001) + Var(7, 1) + Str(12, Var(1, 0) + Var(2, 2)) +
                                  Str(13, std::string("\x02\x00", 2)));
  auto fams = ParseProtoDelimitedBody(FamilyMsg("h", 4, {Label("a", "b") + native}));
  ASSERT_TRUE(fams.ok()) << fams.status();
  ASSERT_EQ((*fams)[0].samples.size(), 1u);
  const PushedSample& s = (*fams)[0].samples[0];
  EXPECT_EQ(s.labels.ToString(), "h{a=\"b\"}");
  ASSERT_NE(s.histogram, nullptr);
  EXPECT_EQ(s.histogram->String(), "{count:3, sum:1.5, [-0.001,0.001]:1, (0.5,1]:1, (1,2]:1}");
  // A float gauge histogram (zero_count_float set).
  std::string gauge = Str(7, Dbl(4, 2.5) + Dbl(8, 2.5) + Dbl(6, 0.001));
  fams = ParseProtoDelimitedBody(FamilyMsg("g", 5, {gauge}));
  ASSERT_TRUE(fams.ok()) << fams.status();
  ASSERT_NE((*fams)[0].samples[0].float_histogram, nullptr);
  EXPECT_EQ((*fams)[0].type, model::MetricType::kGaugeHistogram);
  EXPECT_EQ((*fams)[0].samples[0].float_histogram->counter_reset_hint,
            model::histogram::CounterResetHint::kGauge);
}

TEST(ProtoBody, ContentType) {
  EXPECT_TRUE(IsDelimitedProtobuf(
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
      "encoding=delimited"));
  EXPECT_FALSE(IsDelimitedProtobuf("application/vnd.google.protobuf"));
  EXPECT_FALSE(IsDelimitedProtobuf("text/plain; version=0.0.4"));
}

}  // namespace
}  // namespace promlet::push
