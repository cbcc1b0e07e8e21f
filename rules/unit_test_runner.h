// `promlet test rules TEST.yml...`: promtool's rule unit tests (Prometheus' cmd/promtool
// unittest.go) with its file format, evaluation order and output:
//   rule_files (globs relative to the test file), evaluation_interval (1m), group_eval_order,
//   tests[]: interval, input_series (series + values in the expanding notation: `a+bxn`,
//   `a-bxn`, `axn`, `_`, `_xn`, `stale`), alert_rule_test (eval_time, alertname, exp_alerts
//   with exp_labels / exp_annotations: the firing alerts at that time), promql_expr_test (expr,
//   eval_time, exp_samples), external_labels, external_url, name; fuzzy_compare (promtool 3:
//   expected and got sample values one ulp apart are equal).
// Per file: "Unit Testing:  <file>" then "  SUCCESS" or "  FAILED:" and promtool's failure
// texts (the header is Debian's promtool 2.42's; promtool 3 dropped it); exit code 0 when
// every file passes, 1 otherwise.
//
// Invariants: each test group runs on a fresh storage from `new_storage` (rules/ does not
// depend on tsdb; cmd hands in the head); evaluation goes from time 0 to the largest eval_time
// by evaluation_interval, every group evaluated at each step in group_eval_order.
#ifndef PROMLET_RULES_UNIT_TEST_RUNNER_H_
#define PROMLET_RULES_UNIT_TEST_RUNNER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "promql/engine/engine.h"
#include "rules/check.h"
#include "storage/interface.h"

namespace promlet::rules {

struct UnitTestOptions {
  std::function<std::unique_ptr<storage::Storage>()> new_storage;
  promql::EngineOptions engine;
  // --run: only test groups whose name matches one of these RE2 patterns (anywhere in it).
  std::vector<std::string> run;
  // --ignore-unknown-fields: unknown fields in the rule files are skipped, not errors.
  bool ignore_unknown_fields = false;
  // --junit: where to write promtool's JUnit XML (rules/junit_xml.h); empty = nowhere.
  std::string junit_path;
};

CheckOutput RunRuleUnitTests(const std::vector<std::string>& files, const UnitTestOptions& opts);

// `promlet test rules [--run REGEX]... [--junit FILE] [--ignore-unknown-fields] FILE...`:
// the arguments after "test rules", parsed as promtool 3 parses them (a flag promlet lacks,
// --diff or --debug, is refused naming it; exit 1 on usage errors), then RunRuleUnitTests.
CheckOutput RunTestRules(const std::vector<std::string>& args, UnitTestOptions opts);

}  // namespace promlet::rules

#endif  // PROMLET_RULES_UNIT_TEST_RUNNER_H_
