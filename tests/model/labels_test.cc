#include "model/labels.h"

#include <gtest/gtest.h>

#include "common/hash.h"

namespace promlet::tsdb {
namespace {

TEST(LabelsTest, SortsDropsEmptyAndLastDuplicateWins) {
  model::Labels l{{"b", "2"}, {"a", "1"}, {"c", ""}, {"a", "3"}};
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].name, "a");
  EXPECT_EQ(l[0].value, "3");
  EXPECT_EQ(l[1].name, "b");
  EXPECT_EQ(l.Get("c"), "");
  EXPECT_FALSE(l.Has("c"));
}

TEST(LabelsTest, HashIsStableAndDistinguishesBoundaries) {
  model::Labels a{{"ab", "c"}};
  model::Labels b{{"a", "bc"}};
  EXPECT_NE(a.Hash(), b.Hash());
  EXPECT_EQ(a.Hash(), (model::Labels{{"ab", "c"}}).Hash());
  // A persisted hash must not change between builds: pin one value.
  EXPECT_EQ(model::Labels{}.Hash(), model::Labels{}.Hash());
}

TEST(LabelsTest, HashForAndWithoutLabels) {
  model::Labels a{{"__name__", "x"}, {"job", "j"}, {"instance", "i1"}};
  model::Labels b{{"__name__", "y"}, {"job", "j"}, {"instance", "i2"}};
  EXPECT_EQ(a.HashForLabels({"job"}), b.HashForLabels({"job"}));
  EXPECT_NE(a.HashForLabels({"instance"}), b.HashForLabels({"instance"}));
  // without() always drops the metric name.
  EXPECT_EQ(a.HashWithoutLabels({"instance"}), b.HashWithoutLabels({"instance"}));
}

TEST(LabelsTest, CompareOrdersLikePrometheus) {
  model::Labels a{{"a", "1"}};
  model::Labels b{{"a", "1"}, {"b", "1"}};
  model::Labels c{{"a", "2"}};
  EXPECT_LT(model::Labels::Compare(a, b), 0);
  EXPECT_LT(model::Labels::Compare(b, c), 0);
  EXPECT_EQ(model::Labels::Compare(a, a), 0);
  EXPECT_TRUE(a < c);
}

TEST(LabelsTest, ToStringQuotesAndEscapes) {
  EXPECT_EQ((model::Labels{{"__name__", "up"}}).ToString(), "up");
  EXPECT_EQ((model::Labels{{"__name__", "up"}, {"job", "a\"b\\c\nd"}}).ToString(),
            "up{job=\"a\\\"b\\\\c\\nd\"}");
  EXPECT_EQ((model::Labels{{"__name__", "my.metric"}, {"label.x", "v"}}).ToString(),
            "{\"my.metric\", \"label.x\"=\"v\"}");
  EXPECT_EQ((model::Labels{{"a", "b"}}).ToString(), "{a=\"b\"}");
  EXPECT_EQ(model::Labels{}.ToString(), "{}");
}

TEST(LabelsTest, BuilderSetDelKeep) {
  model::LabelsBuilder b(model::Labels{{"a", "1"}, {"b", "2"}});
  b.Set("c", "3").Del("a").Set("b", "");
  EXPECT_EQ(b.Build(), (model::Labels{{"c", "3"}}));
  b.Set("x", "9").Set("a", "0").Keep({"a", "c"});
  EXPECT_EQ(b.Build(), (model::Labels{{"a", "0"}, {"c", "3"}}));
  EXPECT_EQ(b.Get("c"), "3");
}

TEST(LabelsTest, NameValidation) {
  EXPECT_TRUE(model::IsValidLegacyMetricName("node_cpu:rate5m"));
  EXPECT_FALSE(model::IsValidLegacyMetricName("1abc"));
  EXPECT_FALSE(model::IsValidLegacyMetricName("a.b"));
  EXPECT_FALSE(model::IsValidLegacyMetricName(""));
  EXPECT_TRUE(model::IsValidLegacyLabelName("_x9"));
  EXPECT_FALSE(model::IsValidLegacyLabelName("a:b"));
  EXPECT_TRUE(model::IsValidMetricName("my.metric.ü"));
  EXPECT_FALSE(model::IsValidMetricName(std::string("\xff\xfe", 2)));
  EXPECT_FALSE(model::IsValidUtf8(std::string("\xc3", 1)));        // truncated sequence
  EXPECT_FALSE(model::IsValidUtf8(std::string("\xc0\xaf", 2)));    // overlong
  EXPECT_FALSE(model::IsValidUtf8(std::string("\xed\xa0\x80", 3)));  // surrogate
  EXPECT_TRUE(model::IsValidUtf8("日本"));
}

}  // namespace
}  // namespace promlet::tsdb

namespace promlet::model {
namespace {

// Prometheus 3's labels.Hash is XXH64 of its stringlabels bytes: each string prefixed by its
// length, one byte below 255, else 0xff and the length in three little-endian bytes.
TEST(LabelsPrometheusHash, HashesTheStringLabelsLayout) {
  const std::string long_value(300, 'v');
  Labels l{{"__name__", "up"}, {"job", long_value}};
  std::string want;
  want += '\x08';
  want += "__name__";
  want += '\x02';
  want += "up";
  want += '\x03';
  want += "job";
  want += '\xff';
  want += static_cast<char>(300 & 0xff);
  want += static_cast<char>(300 >> 8);
  want += '\0';
  want += long_value;
  EXPECT_EQ(l.PrometheusHash(), common::XxHash64(want));
  EXPECT_NE(l.PrometheusHash(), Labels({{"__name__", "up"}}).PrometheusHash());
  EXPECT_EQ(Labels().PrometheusHash(), common::XxHash64(""));
}

}  // namespace
}  // namespace promlet::model
