// The target-group files of file_sd_configs (format, validation, patterns), and the
// static_configs / file_sd_configs sections as LoadConfigString reads them.
#include "config/discovery_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "tests/config/temp_dir.h"

namespace promlet::config {
namespace {

using ::testing::HasSubstr;

// Addresses of all targets, in order.
std::vector<std::string> Addresses(const std::vector<TargetGroup>& groups) {
  std::vector<std::string> out;
  for (const TargetGroup& g : groups) {
    for (const model::Labels& t : g.targets) out.emplace_back(t.Get("__address__"));
  }
  return out;
}

TEST(FileSdParse, JsonAndYaml) {
  auto j = ParseTargetGroups(
      R"([{"targets": ["a:1", "b:2"], "labels": {"env": "prod"}}, {"targets": ["c:3"]}])",
      "/x/t.json");
  ASSERT_TRUE(j.ok()) << j.status();
  ASSERT_EQ(j->size(), 2u);
  EXPECT_EQ((*j)[0].source, "/x/t.json:0");
  EXPECT_EQ((*j)[1].source, "/x/t.json:1");
  EXPECT_EQ((*j)[0].labels.ToString(), "{__meta_filepath=\"/x/t.json\", env=\"prod\"}");
  EXPECT_EQ(Addresses(*j), (std::vector<std::string>{"a:1", "b:2", "c:3"}));

  auto y = ParseTargetGroups("- targets: ['a:1']\n  labels:\n    job: override\n", "/x/t.yml");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ((*y)[0].labels.Get("job"), "override");
  EXPECT_EQ((*y)[0].labels.Get("__meta_filepath"), "/x/t.yml");

  auto empty = ParseTargetGroups("", "/x/t.yaml");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  struct Bad {
    const char* content;
    const char* path;
    const char* want;
  } bad[] = {
      {"[{\"targets\": [\"a:1\"]", "/x/t.json", "error reading file \"/x/t.json\""},
      {"{\"targets\": []}", "/x/t.json", "expected a JSON array"},
      {"[{\"targets\": [1]}]", "/x/t.json", "targets must be strings"},
      {"[{\"targets\": [\"a/b\"]}]", "/x/t.json", "is not a valid hostname"},
      {"[{\"targets\": [], \"labels\": {\"a\": 1}}]", "/x/t.json", "must be a string"},
      {"[null]", "/x/t.json", "nil target group item found (index 0)"},
      {"- targets: [a:1]\n  lables: {}\n", "/x/t.yml", "line 2: group 0: unknown field \"lables\""},
      {"- targets: [a:1\n", "/x/t.yml", "error reading file \"/x/t.yml\""},
      {"targets: []\n", "/x/t.yml", "expected a list of target groups"},
  };
  for (const Bad& b : bad) {
    auto r = ParseTargetGroups(b.content, b.path);
    ASSERT_FALSE(r.ok()) << b.content;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(b.want)) << b.content;
  }
}

TEST(FileSdParse, Patterns) {
  EXPECT_TRUE(ValidateFileSdPattern("/a/b/*.json").ok());
  EXPECT_TRUE(ValidateFileSdPattern("targets.yml").ok());
  EXPECT_TRUE(ValidateFileSdPattern("/a/t-*.YAML").ok());
  EXPECT_FALSE(ValidateFileSdPattern("/a/*/t.json").ok());
  EXPECT_FALSE(ValidateFileSdPattern("/a/t.txt").ok());
  TempDir dir;
  dir.Write("b.json", "[]");
  dir.Write("a.json", "[]");
  dir.Write("c.yml", "[]");
  EXPECT_EQ(ExpandFileSdPattern(dir.File("*.json")),
            (std::vector<std::string>{dir.File("a.json"), dir.File("b.json")}));
  EXPECT_TRUE(ExpandFileSdPattern("/nonexistent-dir-xyz/*.json").empty());
}

}  // namespace
}  // namespace promlet::config

namespace promlet::config {
namespace {

TEST(FileSdParse, ReadingAMissingFileNamesIt) {
  TempDir dir;
  auto r = ReadTargetGroupFile(dir.File("none.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("error reading file \"" + dir.File("none.json") + "\""));
  dir.Write("t.yml", "- targets: ['a:1']\n");
  auto ok = ReadTargetGroupFile(dir.File("t.yml"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(Addresses(*ok), std::vector<std::string>{"a:1"});
  EXPECT_EQ((*ok)[0].source, dir.File("t.yml") + ":0");
}

TEST(StaticConfigs, GroupsKeepTheirIndexAsSource) {
  auto c = LoadConfigString(
      "scrape_configs:\n  - job_name: a\n    static_configs:\n"
      "      - targets: ['h:1', 'h:2']\n        labels: {env: prod}\n      - targets: []\n",
      "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  const std::vector<TargetGroup>& groups = c->scrape_configs[0].static_configs;
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].source, "0");
  EXPECT_EQ(groups[1].source, "1");
  EXPECT_EQ(Addresses(groups), (std::vector<std::string>{"h:1", "h:2"}));
  EXPECT_EQ(groups[0].labels.ToString(), "{env=\"prod\"}");
  auto bad = LoadConfigString(
      "scrape_configs:\n  - job_name: a\n    static_configs:\n      - targetz: []\n", "p.yml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("p.yml:4: scrape_configs[0].static_configs[0].targetz: unknown field"));
}

}  // namespace
}  // namespace promlet::config
