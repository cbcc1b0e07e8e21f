// Runs Prometheus' PromQL test scripts (read from PROMLET_SHARED_DIR at run time) against the
// engine over a fresh in-memory head. Every eval of every tier (TIERS.tsv) must pass, except
// those listed in known_failing.txt (file:line), which is the honest list of what is still
// missing (today: tier-3 evals only, native histograms and a few experimental features). Evals
// that expect native-histogram results, which the runner cannot compare yet, are skipped and
// counted. A listed eval that passes is reported so the list can shrink.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/promql_engine/script_runner.h"

namespace promlet::promql::testing {
namespace {

const std::string kDataDir = std::string(PROMLET_SHARED_DIR) + "/promql-testdata";

const char* kFiles[] = {
    "aggregators.test",     "at_modifier.test",       "collision.test",
    "duration_expression.test", "extended_vectors.test", "fill-modifier.test",
    "functions.test",       "histograms.test",        "info.test",
    "limit.test",           "literals.test",          "name_label_dropping.test",
    "native_histograms.test", "operators.test",       "range_queries.test",
    "selectors.test",       "staleness.test",         "start_timestamps.test",
    "subquery.test",        "trig_functions.test",    "type_and_unit.test",
};

std::set<std::string> KnownFailing() {
  std::set<std::string> s;
  std::ifstream in(std::string(PROMLET_ENGINE_TEST_DIR) + "/known_failing.txt");
  for (std::string l; std::getline(in, l);) {
    if (l.empty() || l[0] == '#') continue;
    s.insert(l.substr(0, l.find_first_of(" \t")));
  }
  return s;
}

struct Tally {
  int passed[4] = {0, 0, 0, 0};
  int failed[4] = {0, 0, 0, 0};
  int skipped[4] = {0, 0, 0, 0};
};
Tally& GlobalTally() {
  static Tally t;
  return t;
}

class TallyPrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    const Tally& t = GlobalTally();
    for (int tier = 1; tier <= 3; ++tier) {
      std::printf("[promql scripts] tier %d: %d passed, %d failed, %d skipped\n", tier,
                  t.passed[tier], t.failed[tier], t.skipped[tier]);
    }
  }
};
const auto* const kPrinter = ::testing::AddGlobalTestEnvironment(new TallyPrinter);

class PromqlScriptTest : public ::testing::TestWithParam<const char*> {};

// Runs one script; `tally` adds its evals to the totals printed at the end.
void ExpectEvalsPassOrKnownFailing(const std::string& file, RunOptions opts, bool tally) {
  static const auto tiers = LoadTiers(kDataDir + "/TIERS.tsv");
  ASSERT_TRUE(tiers.ok()) << tiers.status();
  static const std::set<std::string> known = KnownFailing();
  opts.max_tier = 3;
  ScriptOutcome out = RunScript(kDataDir + "/" + file, file, *tiers, opts);
  ASSERT_TRUE(out.script_error.empty()) << file << ": " << out.script_error;
  int passed = 0, failed = 0, skipped = 0;
  std::map<std::string, int> skip_reasons;
  std::vector<std::string> unexpected, now_passing;
  for (const auto& e : out.evals) {
    const std::string key = absl::StrCat(file, ":", e.line);
    const int tier = e.tier >= 1 && e.tier <= 3 ? e.tier : 3;
    switch (e.kind) {
      case EvalOutcome::kPassed:
        ++passed;
        if (tally) GlobalTally().passed[tier]++;
        if (known.count(key)) now_passing.push_back(key);
        break;
      case EvalOutcome::kFailed:
        ++failed;
        if (tally) GlobalTally().failed[tier]++;
        std::printf("FAIL %s (tier %d): %s\n  %s\n", key.c_str(), e.tier, e.expr.c_str(),
                    e.detail.c_str());
        if (!known.count(key)) unexpected.push_back(key);
        break;
      case EvalOutcome::kSkipped:
        ++skipped;
        if (tally) GlobalTally().skipped[tier]++;
        skip_reasons[e.detail]++;
        break;
    }
  }
  std::printf("%s: %d passed, %d failed, %d skipped", file.c_str(), passed, failed, skipped);
  for (const auto& [why, n] : skip_reasons) std::printf(" [%d: %s]", n, why.c_str());
  std::printf("\n");
  for (const auto& k : now_passing) {
    std::printf("NOTE %s is in known_failing.txt but passes now: remove it\n", k.c_str());
  }
  EXPECT_TRUE(unexpected.empty()) << "evals failing that are not in known_failing.txt: "
                                  << ::testing::PrintToString(unexpected);
}

TEST_P(PromqlScriptTest, EvalsPassOrAreKnownFailing) {
  ExpectEvalsPassOrKnownFailing(GetParam(), {}, true);
}

// The same scripts with every selector's series shared with helper threads (three of them,
// whatever the machine): the parallel path must give the sequential path's answers.
TEST_P(PromqlScriptTest, EvalsPassOrAreKnownFailingWithForcedParallelism) {
  RunOptions opts;
  opts.parallelism = QueryParallelism::kForce;
  opts.max_threads = 4;
  ExpectEvalsPassOrKnownFailing(GetParam(), opts, false);
}

// The same scripts with every range query run in windows of two steps, each over its own
// querier, joined (engine.cc): the windows must give the one-window answers.
TEST_P(PromqlScriptTest, EvalsPassOrAreKnownFailingInWindowsOfTwoSteps) {
  RunOptions opts;
  opts.max_steps_per_window = 2;
  ExpectEvalsPassOrKnownFailing(GetParam(), opts, false);
}

// Debug aid: PROMQL_SCRIPT=/path/to/x.test runs one script, attempting every eval.
TEST(PromqlScriptDebug, SingleScriptFromEnv) {
  const char* path = std::getenv("PROMQL_SCRIPT");
  if (path == nullptr) GTEST_SKIP() << "PROMQL_SCRIPT not set";
  RunOptions opts;
  opts.max_tier = 3;
  opts.unknown_tier = 1;
  ScriptOutcome out = RunScript(path, "debug", TierMap{}, opts);
  EXPECT_TRUE(out.script_error.empty()) << out.script_error;
  for (const auto& e : out.evals) {
    if (e.kind != EvalOutcome::kPassed) {
      ADD_FAILURE() << "line " << e.line << ": " << e.expr << "\n  " << e.detail;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Scripts, PromqlScriptTest, ::testing::ValuesIn(kFiles),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string n = info.param;
                           n = n.substr(0, n.find('.'));
                           for (auto& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace promlet::promql::testing
