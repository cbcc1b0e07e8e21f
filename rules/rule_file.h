// Rule files: Prometheus' rule-file YAML (rulefmt) read strictly and validated as Prometheus
// validates it, for the rule manager and `promlet check rules`.
//
//   groups:
//     - name: g            # unique in the file, non-empty
//       interval: 30s      # optional; 0 = the global evaluation_interval
//       limit: 10          # optional; 0 = no limit
//       query_offset: 1m   # optional; absent = global.rule_query_offset
//       labels: {k: v}     # optional (Prometheus 3): added to every rule; rule labels win
//       rules:
//         - record: name   | alert: Name
//           expr: <PromQL>
//           for: 5m; keep_firing_for: 5m   # alerts only
//           labels: {k: v}; annotations: {k: v}   # annotations: alerts only
//
// Invariants of a parsed file without errors: group labels have valid names and values; every
// rule has exactly one of record/alert, an
// expression that parses (promql::ParseExpr), valid label names and values (and a valid metric
// name for recording rules), and, for alerts, label and annotation templates that parse
// (rules::CheckTemplate). Labels and annotations keep the file's order.
// Every error names the file and, for a rule, its group, its 1-based index and its name, worded
// and positioned exactly as Prometheus' rulefmt (so `promlet check rules` prints what promtool
// prints): the line:column of the offending field, "0:0" for a missing one, none for label,
// annotation and template errors (the rule index locates them), e.g.
//   r.yml: 7:15: group "g", rule 2, "x": could not parse expression: 1:3: parse error: ...
//   r.yml: group "g", rule 3, "A": label "a": template: __alert_A:1: unclosed action
#ifndef PROMLET_RULES_RULE_FILE_H_
#define PROMLET_RULES_RULE_FILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace promlet::rules {

using StringPairs = std::vector<std::pair<std::string, std::string>>;

struct RuleSpec {
  std::string record;  // exactly one of record and alert is set
  std::string alert;
  std::string expr;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  StringPairs labels;
  StringPairs annotations;
  int line = 0;  // 1-based line of the rule in its file
  const std::string& name() const { return alert.empty() ? record : alert; }
  bool is_alert() const { return !alert.empty(); }
};

struct RuleGroupSpec {
  std::string name;
  int64_t interval_ms = 0;  // 0 = the global evaluation interval
  int64_t limit = 0;        // 0 = none
  std::optional<int64_t> query_offset_ms;
  StringPairs labels;  // group-level labels, in the file's order
  std::vector<RuleSpec> rules;
  int line = 0;
};

struct RuleFileSpec {
  std::string path;
  std::vector<RuleGroupSpec> groups;
};

// Parses and validates `content` read from file `name`. All errors found are returned in
// `errors` (each one located as the file comment shows); the result is meaningful only when
// `errors` stays empty.
// With `ignore_unknown_fields` (promtool's --ignore-unknown-fields) fields rulefmt does not know
// are skipped instead of being errors.
RuleFileSpec ParseRuleFile(std::string_view content, const std::string& name,
                           std::vector<std::string>* errors, bool ignore_unknown_fields = false);

// The labels rule `r` of group `g` carries: the group's labels overridden by the rule's own
// (Prometheus' FromMaps(group.Labels, rule.Labels)), sorted by name.
StringPairs MergedLabels(const RuleGroupSpec& g, const RuleSpec& r);

// Reads and parses file `path` (a file that cannot be read is one error).
RuleFileSpec LoadRuleFile(const std::string& path, std::vector<std::string>* errors,
                          bool ignore_unknown_fields = false);

// The files the rule_files globs match, each glob's matches sorted, repeats removed, in the
// order of the globs (as Prometheus' filepath.Glob loop).
std::vector<std::string> ExpandRuleFiles(const std::vector<std::string>& globs);

}  // namespace promlet::rules

#endif  // PROMLET_RULES_RULE_FILE_H_
