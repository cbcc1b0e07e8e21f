#include "push/text_body.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace promlet::push {
namespace {

using model::MetricType;

TEST(TextBody, FamiliesGroupedAsExpfmt) {
  auto fams = ParseTextBody(
      "# HELP rpc Request latency.\n"
      "# TYPE rpc summary\n"
      "rpc{quantile=\"0.5\"} 0.2\n"
      "rpc_sum 10\n"
      "rpc_count 50\n"
      "# TYPE lat histogram\n"
      "lat_bucket{le=\"1\"} 3\n"
      "lat_bucket{le=\"+Inf\"} 4\n"
      "lat_sum 2.5\n"
      "lat_count 4\n"
      "plain 1\n"
      "# TYPE up_total counter\n"
      "up_total 7\n"
      "plain{a=\"b\"} 2\n");
  ASSERT_TRUE(fams.ok()) << fams.status();
  ASSERT_EQ(fams->size(), 4u);
  EXPECT_EQ((*fams)[0].name, "rpc");
  EXPECT_EQ((*fams)[0].type, MetricType::kSummary);
  EXPECT_EQ((*fams)[0].help, "Request latency.");
  EXPECT_EQ((*fams)[0].samples.size(), 3u);
  EXPECT_EQ((*fams)[1].name, "lat");
  EXPECT_EQ((*fams)[1].samples.size(), 4u);
  // Families need not be contiguous; untyped without TYPE.
  EXPECT_EQ((*fams)[2].name, "plain");
  EXPECT_EQ((*fams)[2].type, MetricType::kUntyped);
  EXPECT_EQ((*fams)[2].samples.size(), 2u);
  EXPECT_EQ((*fams)[3].type, MetricType::kCounter);
}

TEST(TextBody, SuffixOfNonHistogramIsItsOwnFamily) {
  auto fams = ParseTextBody("# TYPE g gauge\ng 1\ng_sum 2\n");
  ASSERT_TRUE(fams.ok());
  ASSERT_EQ(fams->size(), 2u);
  EXPECT_EQ((*fams)[1].name, "g_sum");
  EXPECT_EQ((*fams)[1].type, MetricType::kUntyped);
}

TEST(TextBody, EmptyFamiliesDropped) {
  auto fams = ParseTextBody("# HELP x nothing\n# TYPE x gauge\n");
  ASSERT_TRUE(fams.ok());
  EXPECT_TRUE(fams->empty());
}

TEST(TextBody, TimestampsFlagged) {
  auto fams = ParseTextBody("a 1 1700000000000\n");
  ASSERT_TRUE(fams.ok());
  EXPECT_TRUE((*fams)[0].has_timestamp);
}

TEST(TextBody, Errors) {
  EXPECT_EQ(ParseTextBody("# TYPE a gauge\n# TYPE a counter\na 1\n").status().message(),
            "text format parsing error in line 2: second TYPE line for metric name \"a\", or TYPE "
            "reported after samples");
  EXPECT_EQ(ParseTextBody("a 1\n# TYPE a gauge\n").status().message(),
            "text format parsing error in line 2: second TYPE line for metric name \"a\", or TYPE "
            "reported after samples");
  EXPECT_EQ(ParseTextBody("# HELP a x\n# HELP a y\na 1\n").status().message(),
            "text format parsing error in line 2: second HELP line for metric name \"a\"");
  EXPECT_EQ(ParseTextBody("a{__x=\"1\"} 1\n").status().message(),
            "text format parsing error in line 1: invalid label name \"__x\"");
  auto bad = ParseTextBody("ok 1\nbad{ 1\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "text format parsing error in line 2: "))
      << bad.status();
  EXPECT_FALSE(ParseTextBody("{\"utf8.name\"} 1\n").ok());
}

}  // namespace
}  // namespace promlet::push
