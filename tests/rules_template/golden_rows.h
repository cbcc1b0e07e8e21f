// The golden rows of the template engine: each template text was expanded by promtool 2.42
// (Prometheus' own engine: as an alert annotation through `promtool test rules`, or through
// `promtool check rules` for parse errors) with the data of GoldenData(), and `want` is what
// promtool printed. Rows where Prometheus 3 / newer Go differ from promtool 2.42 are left out
// here and tested in template_prom3_test.cc with the reason.
#ifndef PROMLET_TESTS_RULES_TEMPLATE_GOLDEN_ROWS_H_
#define PROMLET_TESTS_RULES_TEMPLATE_GOLDEN_ROWS_H_

#include <vector>

namespace promlet::rules {

struct GoldenRow {
  const char* name;  // the template name Prometheus gives it: "__alert_" + alert name
  bool parse_error;  // want is CheckTemplate's error; otherwise the annotation text
  const char* text;
  const char* want;
};

// Values, printf, built-ins, control structures, Prometheus functions, errors; lines and
// trimming, lexer and parser errors.
const std::vector<GoldenRow>& GoldenRows1();
// Trimming, unicode, printf corners, humanize/regexp/host corners, comparisons.
const std::vector<GoldenRow>& GoldenRows2();

}  // namespace promlet::rules

#endif  // PROMLET_TESTS_RULES_TEMPLATE_GOLDEN_ROWS_H_
