// Helpers shared by the durable-storage tests.
#ifndef PROMLET_TESTS_TSDB_DISK_TEST_UTIL_H_
#define PROMLET_TESTS_TSDB_DISK_TEST_UTIL_H_

#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "storage/interface.h"

namespace promlet::tsdb::testing {

inline std::string FreshDir(const std::string& name) {
  std::string d = (std::filesystem::temp_directory_path() /
                   ("promlet_disk_" + name + "_" + std::to_string(getpid())))
                      .string();
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

using SeriesSamples = std::map<std::string, std::vector<std::pair<int64_t, double>>>;

// Everything a querier returns for the matchers, keyed by the labels' text.
inline SeriesSamples QueryAll(storage::Queryable* q, int64_t mint, int64_t maxt,
                              std::vector<model::Matcher> matchers = {}) {
  SeriesSamples out;
  auto querier = q->NewQuerier(mint, maxt);
  if (!querier.ok()) return out;
  if (matchers.empty()) matchers.push_back(model::Matcher::MustMake(model::MatchType::kRegexMatch, "__name__", ".+"));
  auto set = (*querier)->Select(matchers);
  while (set->Next()) {
    auto& v = out[set->At().labels().ToString()];
    auto it = set->At().Iterator();
    while (it->Next()) v.emplace_back(it->T(), it->V());
  }
  return out;
}

inline size_t CountSamples(const SeriesSamples& s) {
  size_t n = 0;
  for (const auto& [k, v] : s) n += v.size();
  return n;
}

}  // namespace promlet::tsdb::testing

#endif  // PROMLET_TESTS_TSDB_DISK_TEST_UTIL_H_
