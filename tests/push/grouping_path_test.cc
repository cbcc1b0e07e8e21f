#include "push/grouping_path.h"

#include "gtest/gtest.h"

namespace promlet::push {
namespace {

GroupingKey Key(std::string_view path) {
  auto k = ParseGroupingPath(path);
  EXPECT_TRUE(k.ok()) << path << ": " << k.status();
  return k.ok() ? *k : GroupingKey{};
}

std::string Err(std::string_view path) {
  auto k = ParseGroupingPath(path);
  EXPECT_FALSE(k.ok()) << path;
  return k.ok() ? "" : std::string(k.status().message());
}

TEST(GroupingPath, JobAndLabels) {
  EXPECT_EQ(Key("/metrics/job/batch"), (GroupingKey{{"job", "batch"}}));
  EXPECT_EQ(Key("/metrics/job/batch/instance/host1/stage/x"),
            (GroupingKey{{"job", "batch"}, {"instance", "host1"}, {"stage", "x"}}));
  // A trailing slash adds nothing, as Pushgateway's splitLabels ("/" is too short).
  EXPECT_EQ(Key("/metrics/job/batch/"), (GroupingKey{{"job", "batch"}}));
}

TEST(GroupingPath, JobSegmentWinsOverJobLabel) {
  EXPECT_EQ(Key("/metrics/job/a/job/b"), (GroupingKey{{"job", "a"}}));
}

TEST(GroupingPath, Base64ValuesAndEmptyValue) {
  // "a/b" in URL-safe base64 is "YS9i"; padding is optional.
  EXPECT_EQ(Key("/metrics/job@base64/YS9i"), (GroupingKey{{"job", "a/b"}}));
  EXPECT_EQ(Key("/metrics/job/j/path@base64/L3Zhci90bXA="),
            (GroupingKey{{"job", "j"}, {"path", "/var/tmp"}}));
  EXPECT_EQ(Key("/metrics/job/j/path@base64/L3Zhci90bXA"),
            (GroupingKey{{"job", "j"}, {"path", "/var/tmp"}}));
  // URL-safe alphabet: '-' and '_' (standard '+' and '/' are refused).
  EXPECT_EQ(Key("/metrics/job/j/v@base64/Pj4-/w@base64/Pz8_"),
            (GroupingKey{{"job", "j"}, {"v", ">>>"}, {"w", "???"}}));
  // The empty value: "=" decodes to "", and an empty last segment is "" too.
  EXPECT_EQ(Key("/metrics/job/j/instance@base64/="), (GroupingKey{{"job", "j"}, {"instance", ""}}));
  EXPECT_EQ(Key("/metrics/job/j/instance/"), (GroupingKey{{"job", "j"}, {"instance", ""}}));
}

TEST(GroupingPath, Errors) {
  EXPECT_EQ(Err("/metrics/job/j/a"), "odd number of components in label string \"/a\"");
  EXPECT_EQ(Err("/metrics/job/j/__x/1"), "improper label name \"__x\"");
  EXPECT_EQ(Err("/metrics/job/j/a-b/1"), "improper label name \"a-b\"");
  EXPECT_EQ(Err("/metrics/job/j/a@base64/a+b"),
            "invalid base64 encoding for label a=\"a+b\": illegal base64 data at input byte 1");
  EXPECT_EQ(Err("/metrics/job@base64/!!"),
            "invalid base64 encoding in job name \"!!\": illegal base64 data at input byte 0");
  EXPECT_EQ(Err("/metrics/job@base64/="), "job name is required");
  // Values must be UTF-8 (Pushgateway's gathering refuses others).
  EXPECT_EQ(Err("/metrics/job/j/v@base64/-_8"),
            "label v has a value that is not valid UTF-8: \"\\xfb\\xff\"");
  EXPECT_EQ(ParseGroupingPath("/metrics/jobs/x").status().code(), absl::StatusCode::kNotFound);
}

TEST(GroupingPath, PathUnescape) {
  EXPECT_EQ(*PathUnescape("/metrics/job/a%20b/x/c+d"), "/metrics/job/a b/x/c+d");
  EXPECT_EQ(PathUnescape("/a%zz").status().message(), "invalid URL escape \"%zz\"");
  EXPECT_FALSE(PathUnescape("/a%2").ok());
}

}  // namespace
}  // namespace promlet::push
