// promtool's rule unit-test file (`promtool test rules`, cmd/promtool/unittest.go) read into
// structs: rule_files, evaluation_interval, group_eval_order, fuzzy_compare and tests[] with
// interval, input_series (series + values in the expanding notation), alert_rule_test,
// promql_expr_test, external_labels, external_url and name. Parsing only: the runner executes.
//
// Invariants: reading is strict as promtool's yaml.UnmarshalStrict (an unknown field is an
// error); errors read like promtool's ("yaml: unmarshal errors:\n  line 3: field foo not found
// in type main.unitTestFile", `not a valid duration string: "abc"`); defaults are promtool's
// (evaluation_interval 1m; a test's interval defaults to evaluation_interval); every parsed
// element keeps its 1-based line in the file for the runner's messages.
#ifndef PROMLET_RULES_UNIT_TEST_FILE_H_
#define PROMLET_RULES_UNIT_TEST_FILE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/labels.h"

namespace promlet::rules {

// One step of an input series.
struct SeriesValue {
  enum class Kind { kOmitted, kValue, kStale };  // "_", a number, "stale"
  Kind kind = Kind::kOmitted;
  double value = 0;  // kValue only
  friend bool operator==(const SeriesValue&, const SeriesValue&) = default;
};

struct InputSeries {
  std::string series;  // as written: `up{job="a"}`
  std::string values;  // as written: `1+1x10 _ stale`
  model::Labels labels;
  std::vector<SeriesValue> expanded;  // one value per interval, starting at t=0
  int line = 0;
};

struct ExpectedAlert {
  std::map<std::string, std::string> exp_labels;
  std::map<std::string, std::string> exp_annotations;
  int line = 0;
};

struct AlertRuleTest {
  int64_t eval_time_ms = 0;
  std::string alertname;
  std::vector<ExpectedAlert> exp_alerts;
  int line = 0;
};

struct ExpectedSample {
  std::string labels;  // as written, e.g. `up{job="a"}` or `{__name__="up"}`
  double value = 0;
  std::string histogram;  // non-empty: a native histogram in series notation; value is ignored
  int line = 0;
};

struct PromqlExprTest {
  std::string expr;
  int64_t eval_time_ms = 0;
  std::vector<ExpectedSample> exp_samples;
  int line = 0;
};

struct UnitTestGroup {
  std::string name;
  int64_t interval_ms = 0;  // defaults to the file's evaluation_interval
  std::vector<InputSeries> input_series;
  std::vector<AlertRuleTest> alert_rule_tests;
  std::vector<PromqlExprTest> promql_expr_tests;
  std::map<std::string, std::string> external_labels;
  std::string external_url;
  int line = 0;
};

struct UnitTestFile {
  std::vector<std::string> rule_files;  // as written (globs, relative to the test file)
  int64_t evaluation_interval_ms = 60000;
  std::vector<std::string> group_eval_order;
  bool fuzzy_compare = false;
  std::vector<UnitTestGroup> tests;
};

// Parses the content of a unit-test file.
absl::StatusOr<UnitTestFile> ParseUnitTestFile(std::string_view content);

// Expands a `values` string: "1+2x3" -> 1 3 5 7, "5x2" -> 5 5 5, "1-1x2" -> 1 0 -1,
// "_x3" -> three omitted steps, "_" -> one, "stale" (also "stalex2") -> stale markers; numbers
// are Go floats without hexadecimal (1e3, Inf, -Inf, NaN; "0x3" is 0 repeated, as promtool). Native-histogram values ({{...}}) are refused.
// `offset` is where the values start in "series values" (the column errors print).
absl::StatusOr<std::vector<SeriesValue>> ParseSeriesValues(std::string_view values,
                                                           size_t offset = 0);

}  // namespace promlet::rules

#endif  // PROMLET_RULES_UNIT_TEST_FILE_H_
