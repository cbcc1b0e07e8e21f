// Fuzz: prometheus.yml (config/config.h) and file_sd target files (config/discovery_config.h), JSON
// and YAML, on mutated documents. yaml-cpp throws on malformed YAML; the loaders must turn
// every such failure into a Status with a message.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/discovery_config.h"
#include "tests/fuzz/mutator.h"

namespace promlet::config {
namespace {

const std::vector<std::string> kYamlDictionary = {
    ":", ": ", "- ", "\n", "\n  ", "[", "]", "{", "}", ",", "'", "\"", "&a ", "*a", "!!str ",
    "!!binary ", "? ", "|\n", ">\n", "---\n", "...\n", "#", "job_name: ", "targets: ",
    "labels: ", "scrape_interval: ", "5s", "1d", "-1s", "regex: ", "(", ".*", "action: ",
    "hashmod", "modulus: 0", "10MB", "\t", "\xff", "\\u0000", "~", "null", "<<: *a"};

TEST(FuzzConfig, LoadConfigString) {
  fuzz::RunFuzz(
      fuzz::ReadCorpusFile(fuzz::CorpusPath("config.txt")), kYamlDictionary, 2500,
      [](const std::string& in) {
        absl::StatusOr<Config> c = LoadConfigString(in, "fuzz.yml");
        if (!c.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(c.status());
      },
      16 * 1024);
}

TEST(FuzzFileSd, ParseTargetGroups) {
  fuzz::RunFuzz(
      fuzz::ReadCorpusFile(fuzz::CorpusPath("file_sd.txt")), kYamlDictionary, 4000,
      [](const std::string& in) {
        for (const char* path : {"/sd/t.json", "/sd/t.yml"}) {
          auto g = ParseTargetGroups(in, path);
          if (!g.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(g.status());
        }
      },
      16 * 1024);
}

}  // namespace
}  // namespace promlet::config
