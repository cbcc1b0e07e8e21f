// Runner for Prometheus' PromQL test scripts (the `.test` format described in
// shared/promql-testdata/FORMAT.md): loads each script's series into a fresh tsdb::Head,
// evaluates every `eval` with the engine and checks it as Prometheus' promqltest runner does
// (float tolerance, exact label sets, ordering where required, expect fail/warn/info, exact
// messages, and the range-mode consistency check of FORMAT.md §7.1).
//
// Invariants: a script is read once and run top to bottom; every eval yields exactly one
// EvalOutcome (passed, failed with a reason, or skipped because its tier is not attempted).
#ifndef PROMLET_TESTS_PROMQL_ENGINE_SCRIPT_RUNNER_H_
#define PROMLET_TESTS_PROMQL_ENGINE_SCRIPT_RUNNER_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "promql/engine/engine.h"

namespace promlet::promql::testing {

struct EvalOutcome {
  int line = 0;
  int tier = 0;  // from TIERS.tsv; 0 when unknown
  enum Kind { kPassed, kFailed, kSkipped } kind = kPassed;
  std::string expr;
  std::string detail;  // why it failed / was skipped
};

struct ScriptOutcome {
  std::string file;
  std::vector<EvalOutcome> evals;
  std::string script_error;  // a load or syntax error that stopped the file
};

// file -> (line -> tier)
using TierMap = std::map<std::string, std::map<int, int>>;
absl::StatusOr<TierMap> LoadTiers(const std::string& tsv_path);

struct RunOptions {
  int max_tier = 2;  // evals above this tier are skipped
  int unknown_tier = 0;  // tier assumed for evals missing from the TierMap
  // The engine's threading (kForce runs every selector through the parallel path).
  QueryParallelism parallelism = QueryParallelism::kAuto;
  int max_threads = 0;
  int64_t max_steps_per_window = 0;  // 0: the engine's default
};

// Runs one script (path to the .test file); `file` is its base name for TierMap lookups.
ScriptOutcome RunScript(const std::string& path, const std::string& file, const TierMap& tiers,
                        const RunOptions& opts);

}  // namespace promlet::promql::testing

#endif  // PROMLET_TESTS_PROMQL_ENGINE_SCRIPT_RUNNER_H_
