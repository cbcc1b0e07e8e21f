#include "rules/check.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <sstream>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "model/labels.h"
#include "rules/rule.h"
#include "rules/rule_file.h"

namespace promlet::rules {
namespace {

struct Checked {
  int rules = 0;
  std::vector<std::string> errors;
  bool lint_only = false;
};

// promtool's checkDuplicates: rules sorted by (name, labels); each run of equal ones reported
// once.
std::string DuplicateReport(const RuleFileSpec& spec) {
  std::vector<std::pair<std::string, model::Labels>> all;
  for (const RuleGroupSpec& g : spec.groups) {
    for (const RuleSpec& r : g.rules) {
      std::vector<model::Label> ls;
      for (const auto& [k, v] : MergedLabels(g, r)) ls.push_back({k, v});
      all.emplace_back(r.name(), LabelsKeepingEmpty(std::move(ls)));
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return model::Labels::Compare(a.second, b.second) < 0;
  });
  std::vector<const std::pair<std::string, model::Labels>*> dups;
  for (size_t i = 1; i < all.size(); ++i) {
    if (all[i] != all[i - 1]) continue;
    if (dups.empty() || *dups.back() != all[i]) dups.push_back(&all[i]);
  }
  if (dups.empty()) return "";
  std::string msg = absl::StrCat("lint error ", dups.size(), " duplicate rule(s) found.\n");
  for (const auto* d : dups) {
    absl::StrAppend(&msg, "Metric: ", d->first, "\nLabel(s):\n");
    for (const model::Label& l : d->second)
      absl::StrAppend(&msg, "\t", l.name, ": ", l.value, "\n");
  }
  absl::StrAppend(&msg, "Might cause inconsistency while recording expressions");
  return msg;
}

Checked CheckOne(const RuleFileSpec& spec, std::vector<std::string> errors,
                 const CheckRulesOptions& opts) {
  Checked c;
  if (!errors.empty()) {
    c.errors = std::move(errors);
    return c;
  }
  for (const RuleGroupSpec& g : spec.groups) c.rules += static_cast<int>(g.rules.size());
  if (opts.lint_duplicates) {
    if (std::string lint = DuplicateReport(spec); !lint.empty()) {
      c.errors.push_back(std::move(lint));
      c.lint_only = true;
    }
  }
  return c;
}

}  // namespace

CheckOutput CheckRuleFiles(const std::vector<std::string>& files, const CheckRulesOptions& opts,
                           const std::string& stdin_content) {
  CheckOutput out;
  bool failed = false, has_errors = false;
  auto report = [&](const std::string& name, const Checked& c) {
    out.Out(absl::StrCat("Checking ", name, "\n"));
    if (!c.errors.empty()) {
      std::string failure = "  FAILED:\n";
      for (const std::string& e : c.errors) absl::StrAppend(&failure, e, "\n");
      out.Err(failure);
      failed = true;
      has_errors = has_errors || !c.lint_only;
    } else {
      out.Out(absl::StrCat("  SUCCESS: ", c.rules, " rules found\n"));
    }
    out.Out("\n");
  };
  if (files.empty()) {
    std::vector<std::string> errors;
    RuleFileSpec spec =
        ParseRuleFile(stdin_content, "standard input", &errors, opts.ignore_unknown_fields);
    report("standard input", CheckOne(spec, std::move(errors), opts));
  }
  for (const std::string& f : files) {
    std::vector<std::string> errors;
    RuleFileSpec spec = LoadRuleFile(f, &errors, opts.ignore_unknown_fields);
    report(f, CheckOne(spec, std::move(errors), opts));
  }
  if (failed && has_errors) {
    out.exit_code = 1;
  } else if (failed && opts.lint_fatal) {
    out.exit_code = 3;
  }
  return out;
}

CheckOutput RunCheckRules(const std::vector<std::string>& args) {
  CheckRulesOptions opts;
  std::vector<std::string> files;
  CheckOutput usage;
  usage.exit_code = 1;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--lint-fatal") {
      opts.lint_fatal = true;
    } else if (a == "--ignore-unknown-fields") {
      opts.ignore_unknown_fields = true;
    } else if (a.rfind("--lint=", 0) == 0 || a == "--lint") {
      std::string v;
      if (a == "--lint") {
        if (i + 1 >= args.size()) {
          usage.Err("promlet: error: expected argument for flag '--lint', try --help\n");
          return usage;
        }
        v = args[++i];
      } else {
        v = a.substr(7);
      }
      // promtool accepts a comma-separated list; unknown values are ignored as it does.
      opts.lint_duplicates =
          v.find("duplicate-rules") != std::string::npos || v.find("all") != std::string::npos;
    } else if (a.size() > 1 && a[0] == '-') {
      usage.Err(absl::StrCat("promlet: error: unknown long flag '", a, "', try --help\n"));
      return usage;
    } else {
      files.push_back(a);
    }
  }
  for (const std::string& f : files) {
    std::error_code ec;
    if (!std::filesystem::exists(f, ec)) {
      usage.Err(absl::StrCat("promlet: error: path '", f, "' does not exist, try --help\n"));
      return usage;
    }
  }
  std::string input;
  if (files.empty()) {
    input.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  return CheckRuleFiles(files, opts, input);
}

}  // namespace promlet::rules
