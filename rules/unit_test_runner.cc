#include "rules/unit_test_runner.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/duration.h"
#include "common/go_format.h"
#include "common/utf8.h"
#include "model/value.h"
#include "promql/parser/parser.h"
#include "re2/re2.h"
#include "rules/junit_xml.h"
#include "rules/unit_test_file.h"
#include "rules/alerting_rule.h"
#include "rules/manager.h"

namespace promlet::rules {
namespace {

// time.Now().Format("2006-01-02T15:04:05"): local time, as promtool stamps JUnit suites.
std::string LocalTimestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

constexpr int64_t kMsNs = 1000000;

// Go's time.Duration.String() for a whole number of milliseconds: "0s", "1m0s", "1h2m3.5s".
std::string GoDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string sign = ms < 0 ? "-" : "";
  if (ms < 0) ms = -ms;
  if (ms < 1000) return absl::StrCat(sign, ms, "ms");
  const int64_t h = ms / 3600000, m = (ms / 60000) % 60, s = (ms / 1000) % 60, frac = ms % 1000;
  std::string secs = std::to_string(s);
  if (frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%03lld", static_cast<long long>(frac));
    std::string f = buf;
    while (!f.empty() && f.back() == '0') f.pop_back();
    secs += "." + f;
  }
  if (h > 0) return absl::StrCat(sign, h, "h", m, "m", secs, "s");
  if (m > 0) return absl::StrCat(sign, m, "m", secs, "s");
  return absl::StrCat(sign, secs, "s");
}

// Prometheus' labels.Labels.String(): {a="b", c="d"}, __name__ included as a pair.
std::string LabelsString(const model::Labels& ls) {
  std::string out = "{";
  bool first = true;
  for (const model::Label& l : ls) {
    if (!first) out += ", ";
    first = false;
    absl::StrAppend(&out, l.name, "=", common::GoQuote(l.value));
  }
  return out + "}";
}

std::string IndentLines(const std::string& lines, const std::string& indentation) {
  std::vector<std::string> parts = absl::StrSplit(lines, '\n');  // keeps empty parts
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += indentation;
    out += parts[i];
    if (i != parts.size() - 1) out += "\n";
  }
  return out;
}

struct LabelsAndAnnotations {
  model::Labels labels;
  model::Labels annotations;
  friend bool operator==(const LabelsAndAnnotations&, const LabelsAndAnnotations&) = default;
  friend bool operator<(const LabelsAndAnnotations& a, const LabelsAndAnnotations& b) {
    int d = model::Labels::Compare(a.labels, b.labels);
    if (d != 0) return d < 0;
    return model::Labels::Compare(a.annotations, b.annotations) < 0;
  }
};

std::string AlertsString(const std::vector<LabelsAndAnnotations>& la) {
  if (la.empty()) return "[]";
  auto one = [](const LabelsAndAnnotations& l) {
    return "Labels:" + LabelsString(l.labels) + "\nAnnotations:" + LabelsString(l.annotations);
  };
  std::string s = "[\n0:" + IndentLines("\n" + one(la[0]), "  ");
  for (size_t i = 1; i < la.size(); ++i) {
    s += ",\n" + std::to_string(i) + ":" + IndentLines("\n" + one(la[i]), "  ");
  }
  return s + "\n]";
}

struct ParsedSample {
  model::Labels labels;
  double value;
};

std::string SamplesString(const std::vector<ParsedSample>& ss) {
  if (ss.empty()) return "nil";
  std::vector<std::string> parts;
  for (const ParsedSample& s : ss) {
    std::string v = common::GoFloat(s.value, 'e');
    for (char& c : v) {
      if (c == 'e') c = 'E';
    }
    parts.push_back(LabelsString(s.labels) + " " + v);
  }
  return absl::StrJoin(parts, ", ");
}

absl::StatusOr<double> ParseValue(std::string_view s) { return promql::ParseNumber(s); }

std::map<std::string, std::string> StringMap(const YAML::Node& n) {
  std::map<std::string, std::string> out;
  if (!n.IsDefined() || !n.IsMap()) return out;
  for (auto it = n.begin(); it != n.end(); ++it) out[it->first.Scalar()] = it->second.Scalar();
  return out;
}

model::Labels FromMap(const std::map<std::string, std::string>& m) {
  std::vector<model::Label> v;
  for (const auto& [k, val] : m) v.push_back({k, val});
  return LabelsKeepingEmpty(std::move(v));  // labels.FromMap keeps empty values
}

int64_t DurationMs(const YAML::Node& n, std::vector<std::string>* errors) {
  if (!n.IsDefined() || n.IsNull()) return 0;
  absl::StatusOr<int64_t> d = common::ParseDuration(n.Scalar());
  if (!d.ok()) {
    errors->push_back(absl::StrCat("not a valid duration string: \"", n.Scalar(), "\""));
    return 0;
  }
  return *d;
}

struct AlertTest {
  int64_t eval_ms = 0;
  std::string alertname;
  std::vector<LabelsAndAnnotations> expected;
};

struct ExprTest {
  std::string expr;
  int64_t eval_ms = 0;
  std::vector<std::pair<std::string, double>> samples;  // labels text, value
};

struct TestGroup {
  std::string name;
  int64_t interval_ms = 0;
  std::vector<std::pair<std::string, std::string>> input;  // series, values
  std::vector<AlertTest> alerts;
  std::vector<ExprTest> exprs;
  std::map<std::string, std::string> external_labels;
  std::string external_url;
};

// One test group; failures in promtool's words.
std::vector<std::string> RunGroup(const TestGroup& tg, int64_t eval_interval_ms,
                                  bool fuzzy_compare, const std::map<std::string, int>& order,
                                  const std::vector<std::string>& rule_files,
                                  const UnitTestOptions& opts) {
  std::vector<std::string> errs;
  std::unique_ptr<storage::Storage> st = opts.new_storage();
  promql::EngineOptions eo = opts.engine;
  eo.default_eval_interval_ms = eval_interval_ms;
  promql::Engine engine(eo);
  // Input series, one sample per interval step from 0.
  {
    std::unique_ptr<storage::Appender> app = st->NewAppender();
    for (const auto& [series, values] : tg.input) {
      absl::StatusOr<std::vector<model::Matcher>> ms = promql::ParseMetricSelector(series);
      if (!ms.ok()) return {absl::StrCat("    ", series, ": ", ms.status().message())};
      std::vector<model::Label> ls;
      for (const model::Matcher& m : *ms) ls.push_back({m.name(), m.value()});
      model::Labels labels = model::Labels::FromUnsorted(std::move(ls));
      absl::StatusOr<std::vector<SeriesValue>> vals = ParseSeriesValues(values);
      if (!vals.ok()) return {std::string(vals.status().message())};
      for (size_t i = 0; i < vals->size(); ++i) {
        const SeriesValue& v = (*vals)[i];
        if (v.kind == SeriesValue::Kind::kOmitted) continue;
        const double value = v.kind == SeriesValue::Kind::kStale ? model::StaleNaN() : v.value;
        auto r = app->Append(0, labels, static_cast<int64_t>(i) * tg.interval_ms, value);
        if (!r.ok()) return {std::string(r.status().message())};
      }
    }
    if (auto s = app->Commit(); !s.ok()) return {std::string(s.message())};
  }
  GroupDeps deps;
  deps.appendable = st.get();
  deps.queryable = st.get();
  deps.query = EngineQueryFunc(&engine, st.get());
  deps.now_ns = [] { return int64_t{0}; };
  std::vector<std::string> load_errors;
  std::vector<RuleFileSpec> files;
  for (const std::string& f : rule_files) {
    files.push_back(LoadRuleFile(f, &load_errors, opts.ignore_unknown_fields));
  }
  if (!load_errors.empty()) return load_errors;
  RuleFilesConfig rc;
  rc.evaluation_interval_ms = tg.interval_ms;
  rc.context.external_labels = tg.external_labels;
  rc.context.external_url = tg.external_url;
  std::vector<std::shared_ptr<Group>> groups = BuildGroups(files, rc, &deps, /*restored=*/true);
  std::stable_sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
    auto oa = order.find(a->name()), ob = order.find(b->name());
    return (oa == order.end() ? 0 : oa->second) < (ob == order.end() ? 0 : ob->second);
  });

  int64_t max_ms = 0;
  std::map<int64_t, std::vector<const AlertTest*>> alert_tests;
  for (const AlertTest& a : tg.alerts) {
    if (a.alertname.empty()) {
      return {absl::StrCat(
          "an item under alert_rule_test misses required attribute alertname at eval_time ",
          common::FormatDuration(a.eval_ms),
          tg.name.empty() ? "" : absl::StrCat(" (in TestGroup ", tg.name, ")"))};
    }
    alert_tests[a.eval_ms].push_back(&a);
    max_ms = std::max(max_ms, a.eval_ms);
  }
  for (const ExprTest& e : tg.exprs) max_ms = std::max(max_ms, e.eval_ms);
  const std::string test_name = tg.name.empty() ? "" : absl::StrCat("    name: ", tg.name, ",\n");

  auto next_alert = alert_tests.begin();
  for (int64_t ts = 0; ts <= max_ms; ts += eval_interval_ms) {
    std::vector<std::string> eval_errs;
    for (const auto& g : groups) {
      g->Eval(ts * kMsNs);
      for (const auto& r : g->rules()) {
        const RuleStatus s = r->status();
        if (!s.last_error.empty()) {
          eval_errs.push_back(absl::StrCat("    rule: ", r->name(), ", time: ", GoDuration(ts),
                                           ", err: ", s.last_error));
        }
      }
    }
    if (!eval_errs.empty()) {
      errs.insert(errs.end(), eval_errs.begin(), eval_errs.end());
      return errs;
    }
    // Alert tests with ts <= eval_time < ts + interval are checked against this evaluation.
    while (next_alert != alert_tests.end() && ts <= next_alert->first &&
           next_alert->first < ts + eval_interval_ms) {
      std::map<std::string, std::vector<LabelsAndAnnotations>> got;
      for (const auto& g : groups) {
        for (const auto& r : g->rules()) {
          if (!r->is_alerting()) continue;
          auto& ar = static_cast<AlertingRule&>(*r);
          for (const Alert& a : ar.ActiveAlerts()) {
            if (a.state == AlertState::kFiring) {
              got[ar.name()].push_back({a.labels, a.annotations});
            }
          }
        }
      }
      for (const AlertTest* t : next_alert->second) {
        std::vector<LabelsAndAnnotations> g = got[t->alertname];
        std::vector<LabelsAndAnnotations> exp = t->expected;
        std::sort(g.begin(), g.end());
        std::sort(exp.begin(), exp.end());
        if (g != exp) {
          errs.push_back(
              absl::StrCat(test_name, "    alertname: ", t->alertname,
                           ", time: ", common::FormatDuration(t->eval_ms),
                           ", \n        exp:", IndentLines(AlertsString(exp), "            "),
                           ", \n        got:", IndentLines(AlertsString(g), "            ")));
        }
      }
      ++next_alert;
    }
  }

  for (const ExprTest& e : tg.exprs) {
    const std::string where = absl::StrCat("    expr: ", common::GoQuote(e.expr),
                                           ", time: ", common::FormatDuration(e.eval_ms));
    absl::StatusOr<promql::ExprPtr> parsed = promql::ParseExpr(e.expr);
    absl::StatusOr<promql::Vector> got = parsed.ok()
                                             ? deps.query(**parsed, e.eval_ms)
                                             : absl::StatusOr<promql::Vector>(parsed.status());
    if (!got.ok()) {
      errs.push_back(absl::StrCat(where, ", err: ", got.status().message()));
      continue;
    }
    std::vector<ParsedSample> got_samples, exp_samples;
    for (const promql::Sample& s : *got) got_samples.push_back({s.labels, s.v});
    bool bad = false;
    for (const auto& [text, value] : e.samples) {
      absl::StatusOr<std::vector<model::Matcher>> ms = promql::ParseMetricSelector(text);
      if (!ms.ok()) {
        errs.push_back(absl::StrCat(where, ", err: labels ", common::GoQuote(text), ": ",
                                    ms.status().message()));
        bad = true;
        break;
      }
      std::vector<model::Label> ls;
      for (const model::Matcher& m : *ms) ls.push_back({m.name(), m.value()});
      exp_samples.push_back({model::Labels::FromUnsorted(std::move(ls)), value});
    }
    if (bad) continue;
    auto by_labels = [](const ParsedSample& a, const ParsedSample& b) {
      return model::Labels::Compare(a.labels, b.labels) < 0;
    };
    std::stable_sort(got_samples.begin(), got_samples.end(), by_labels);
    std::stable_sort(exp_samples.begin(), exp_samples.end(), by_labels);
    bool equal = got_samples.size() == exp_samples.size();
    for (size_t i = 0; equal && i < got_samples.size(); ++i) {
      const double g = got_samples[i].value, x = exp_samples[i].value;
      // fuzzy_compare: one ulp apart is equal (promtool's math.Nextafter comparer).
      const bool close = fuzzy_compare && (std::nextafter(x, -INFINITY) == g ||
                                           std::nextafter(x, INFINITY) == g);
      equal = got_samples[i].labels == exp_samples[i].labels &&
              (g == x || close || (std::isnan(g) && std::isnan(x)));
    }
    if (!equal) {
      errs.push_back(absl::StrCat(where, ",\n        exp: ", SamplesString(exp_samples),
                                  "\n        got: ", SamplesString(got_samples)));
    }
  }
  return errs;
}

// Parses and runs one test file; failures as promtool prints them.
std::vector<std::string> RunFile(const std::string& path, const UnitTestOptions& opts,
                                 const RE2* run, JUnitXml::Suite* suite) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return {absl::StrCat("open ", path, ": no such file or directory")};
  } catch (const YAML::Exception& e) {
    return {absl::StrCat("yaml: line ", e.mark.line + 1, ": ", e.msg)};
  }
  std::vector<std::string> errs;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  std::vector<std::string> globs;
  if (root["rule_files"].IsDefined() && root["rule_files"].IsSequence()) {
    for (const YAML::Node& f : root["rule_files"]) {
      std::string p = f.Scalar();
      if (!p.empty() && p[0] != '/' && !dir.empty()) p = dir + "/" + p;
      globs.push_back(p);
    }
  }
  std::vector<std::string> rule_files;
  for (const std::string& g : globs) {
    if (g.find_first_of("*?[") == std::string::npos) {
      rule_files.push_back(g);  // a missing file is reported by the loader
      continue;
    }
    std::vector<std::string> matched = ExpandRuleFiles({g});
    if (matched.empty()) return {absl::StrCat("no files match pattern: ", g)};
    rule_files.insert(rule_files.end(), matched.begin(), matched.end());
  }
  int64_t eval_interval = DurationMs(root["evaluation_interval"], &errs);
  if (!errs.empty()) return errs;
  if (eval_interval == 0) eval_interval = 60000;
  std::map<std::string, int> order;
  if (root["group_eval_order"].IsDefined() && root["group_eval_order"].IsSequence()) {
    int i = 0;
    for (const YAML::Node& g : root["group_eval_order"]) {
      if (!order.emplace(g.Scalar(), i++).second) {
        return {absl::StrCat("group name repeated in evaluation order: ", g.Scalar())};
      }
    }
  }
  bool fuzzy_compare = false;
  if (root["fuzzy_compare"].IsDefined() && !root["fuzzy_compare"].IsNull()) {
    if (!YAML::convert<bool>::decode(root["fuzzy_compare"], fuzzy_compare)) {
      return {absl::StrCat("yaml: unmarshal errors:\n  line ", root["fuzzy_compare"].Mark().line + 1,
                           ": cannot unmarshal !!str `", root["fuzzy_compare"].Scalar(),
                           "` into bool")};
    }
  }
  suite->timestamp = LocalTimestamp();
  if (!root["tests"].IsDefined() || !root["tests"].IsSequence()) return {};
  int index = -1;
  for (const YAML::Node& t : root["tests"]) {
    ++index;
    TestGroup tg;
    std::vector<std::string> group_errs;
    tg.name = t["name"].IsDefined() ? t["name"].Scalar() : "";
    if (run != nullptr && !RE2::PartialMatch(tg.name, *run)) continue;
    tg.interval_ms = DurationMs(t["interval"], &group_errs);
    if (tg.interval_ms == 0) tg.interval_ms = eval_interval;
    if (t["input_series"].IsDefined()) {
      for (const YAML::Node& s : t["input_series"]) {
        tg.input.emplace_back(s["series"].Scalar(),
                              s["values"].IsDefined() ? s["values"].Scalar() : "");
      }
    }
    if (t["alert_rule_test"].IsDefined()) {
      for (const YAML::Node& a : t["alert_rule_test"]) {
        AlertTest at;
        at.eval_ms = DurationMs(a["eval_time"], &group_errs);
        at.alertname = a["alertname"].IsDefined() ? a["alertname"].Scalar() : "";
        if (a["exp_alerts"].IsDefined()) {
          for (const YAML::Node& e : a["exp_alerts"]) {
            std::map<std::string, std::string> labels = StringMap(e["exp_labels"]);
            labels["alertname"] = at.alertname;
            at.expected.push_back({FromMap(labels), FromMap(StringMap(e["exp_annotations"]))});
          }
        }
        tg.alerts.push_back(std::move(at));
      }
    }
    if (t["promql_expr_test"].IsDefined()) {
      for (const YAML::Node& p : t["promql_expr_test"]) {
        ExprTest et;
        et.expr = p["expr"].Scalar();
        et.eval_ms = DurationMs(p["eval_time"], &group_errs);
        if (p["exp_samples"].IsDefined()) {
          for (const YAML::Node& s : p["exp_samples"]) {
            absl::StatusOr<double> v =
                ParseValue(s["value"].IsDefined() ? s["value"].Scalar() : "0");
            et.samples.emplace_back(s["labels"].IsDefined() ? s["labels"].Scalar() : "",
                                    v.ok() ? *v : 0);
          }
        }
        tg.exprs.push_back(std::move(et));
      }
    }
    tg.external_labels = StringMap(t["external_labels"]);
    tg.external_url = t["external_url"].IsDefined() ? t["external_url"].Scalar() : "";
    // A bad duration stops the file as promtool's strict decoding does; failures of earlier
    // groups do not stop later ones.
    if (!group_errs.empty()) return group_errs;
    suite->AddCase(tg.name.empty() ? absl::StrCat("unnamed#", index) : tg.name);
    std::vector<std::string> e = RunGroup(tg, eval_interval, fuzzy_compare, order, rule_files, opts);
    for (const std::string& one : e) suite->Fail(one);
    errs.insert(errs.end(), e.begin(), e.end());
  }
  return errs;
}

}  // namespace

CheckOutput RunRuleUnitTests(const std::vector<std::string>& files, const UnitTestOptions& opts) {
  CheckOutput out;
  std::unique_ptr<RE2> run;
  if (!opts.run.empty()) {
    // promtool: regexp.MustCompile(strings.Join(run, "|")), matched anywhere in the name.
    run = std::make_unique<RE2>(absl::StrJoin(opts.run, "|"));
    if (!run->ok()) {
      out.Err(absl::StrCat("promlet: error: invalid --run regular expression: ", run->error(),
                           "\n"));
      out.exit_code = 1;
      return out;
    }
  }
  JUnitXml junit;
  bool failed = false;
  for (const std::string& f : files) {
    out.Out(absl::StrCat("Unit Testing:  ", f, "\n"));
    JUnitXml::Suite& suite = junit.AddSuite(f);
    const size_t cases_before = suite.cases.size();
    std::vector<std::string> errs = RunFile(f, opts, run.get(), &suite);
    // Errors outside any test group (the file, its rule files, its settings) abort the suite.
    if (!errs.empty() && suite.cases.size() == cases_before) {
      for (const std::string& e : errs) suite.Abort(e);
    }
    if (!errs.empty()) {
      out.Err("  FAILED:\n");
      for (const std::string& e : errs) {
        out.Err(e + "\n");
        out.Out("\n");
      }
      failed = true;
    } else {
      out.Out("  SUCCESS\n");
    }
    out.Out("\n");
  }
  if (!opts.junit_path.empty()) {
    std::ofstream xml(opts.junit_path, std::ios::binary | std::ios::trunc);
    xml << junit.Xml();
    if (!xml) {
      out.Err(absl::StrCat("failed to write JUnit XML: open ", opts.junit_path, ": ",
                           std::strerror(errno), "\n"));
    }
  }
  out.exit_code = failed ? 1 : 0;
  return out;
}

CheckOutput RunTestRules(const std::vector<std::string>& args, UnitTestOptions opts) {
  std::vector<std::string> files;
  CheckOutput usage;
  usage.exit_code = 1;
  auto value_of = [&](size_t* i, const std::string& flag, std::string* v) -> bool {
    const std::string& a = args[*i];
    if (a.size() > flag.size() && a.compare(0, flag.size() + 1, flag + "=") == 0) {
      *v = a.substr(flag.size() + 1);
      return true;
    }
    if (*i + 1 >= args.size()) {
      usage.Err(absl::StrCat("promlet: error: expected argument for flag '", flag,
                             "', try --help\n"));
      return false;
    }
    *v = args[++*i];
    return true;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const std::string name = a.substr(0, a.find('='));
    std::string v;
    if (name == "--run") {
      if (!value_of(&i, "--run", &v)) return usage;
      opts.run.push_back(v);
    } else if (name == "--junit") {
      if (!value_of(&i, "--junit", &v)) return usage;
      opts.junit_path = v;
    } else if (a == "--ignore-unknown-fields") {
      opts.ignore_unknown_fields = true;
    } else if (a == "--diff" || a == "--debug") {
      usage.Err(absl::StrCat("promlet: error: flag '", a,
                             "' of promtool is not implemented by promlet yet\n"));
      return usage;
    } else if (a.size() > 1 && a[0] == '-') {
      usage.Err(absl::StrCat("promlet: error: unknown long flag '", a, "', try --help\n"));
      return usage;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    usage.Err("promlet: error: required argument 'test-rule-file' not provided, try --help\n");
    return usage;
  }
  return RunRuleUnitTests(files, opts);
}

}  // namespace promlet::rules
