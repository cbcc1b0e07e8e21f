// `promlet check rules FILE...`: promtool's `check rules` (Prometheus 3), same output and exit
// codes. For each file: "Checking <file>" on stdout, then "  SUCCESS: N rules found" (stdout)
// or "  FAILED:" and one error per line (stderr), then an empty line. With no file, standard
// input is checked ("Checking standard input"). Lint "duplicate-rules" (the default; "all" is
// the same, "none" disables it) reports rules with the same name and labels as a lint error.
// Exit codes: 0 success (lint errors alone included), 1 any rule-file error, 3 lint errors with
// --lint-fatal. A file that does not exist is a usage error (exit 1) before any check, as
// promtool's argument parser words it: `path 'x' does not exist`.
#ifndef PROMLET_RULES_CHECK_H_
#define PROMLET_RULES_CHECK_H_

#include <string>
#include <utility>
#include <vector>

namespace promlet::rules {

struct CheckRulesOptions {
  bool lint_duplicates = true;  // --lint=duplicate-rules|all (default) vs --lint=none
  bool lint_fatal = false;      // --lint-fatal
  bool ignore_unknown_fields = false;  // --ignore-unknown-fields (promtool 3)
};

struct CheckOutput {
  std::string out;  // stdout
  std::string err;  // stderr
  // The same text in the order it is to be written: (1 = stdout | 2 = stderr, text).
  std::vector<std::pair<int, std::string>> chunks;
  int exit_code = 0;
  void Out(const std::string& s) {
    out += s;
    chunks.emplace_back(1, s);
  }
  void Err(const std::string& s) {
    err += s;
    chunks.emplace_back(2, s);
  }
};

// `files` empty: checks `stdin_content` as "standard input".
CheckOutput CheckRuleFiles(const std::vector<std::string>& files, const CheckRulesOptions& opts,
                           const std::string& stdin_content = "");

// The argument handling of `promlet check rules` (argv after "rules"): flags --lint=...,
// --lint-fatal, files. Reads standard input when no file is given.
CheckOutput RunCheckRules(const std::vector<std::string>& args);

}  // namespace promlet::rules

#endif  // PROMLET_RULES_CHECK_H_
