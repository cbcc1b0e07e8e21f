#include "rules/unit_test_file.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cctype>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <initializer_list>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/duration.h"
#include "model/matcher.h"
#include "promql/parser/parser.h"

namespace promlet::rules {
namespace {

// Prometheus' StaleNaN (value.StaleNaN): the bit pattern staleness markers carry.
double StaleNaN() {
  uint64_t bits = 0x7ff0000000000002ULL;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

// Reads YAML as yaml.v2's UnmarshalStrict into promtool's types: type mismatches and unknown
// fields are collected ("line N: ..."), a duration that does not parse stops at once.
class Reader {
 public:
  std::vector<std::string> errors;
  absl::Status fatal = absl::OkStatus();

  static int Line(const YAML::Node& n) { return n.Mark().line + 1; }

  void Keys(const YAML::Node& n, const char* type, std::initializer_list<std::string_view> known) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string key = it->first.Scalar();
      bool ok = false;
      for (std::string_view k : known) ok = ok || k == key;
      if (!ok) {
        errors.push_back(
            absl::StrCat("line ", Line(it->first), ": field ", key, " not found in type ", type));
      }
    }
  }

  // yaml.v2's tag of a node as its errors print it.
  static std::string Tag(const YAML::Node& n) {
    if (n.IsMap()) return "!!map";
    if (n.IsSequence()) return "!!seq";
    const std::string& s = n.Scalar();
    std::string tag = "!!str";
    if (n.Tag() != "!" && !s.empty()) {
      char* end = nullptr;
      std::strtoll(s.c_str(), &end, 10);
      if (end == s.c_str() + s.size()) {
        tag = "!!int";
      } else {
        std::strtod(s.c_str(), &end);
        if (end == s.c_str() + s.size() && s.find_first_of("iInNxX") == std::string::npos) {
          tag = "!!float";
        } else if (s == "true" || s == "false") {
          tag = "!!bool";
        }
      }
    }
    return tag + " `" + s + "`";
  }

  bool IsMap(const YAML::Node& n, const char* into) {
    if (n.IsMap()) return true;
    if (!n.IsNull()) errors.push_back(absl::StrCat("line ", Line(n), ": cannot unmarshal ", Tag(n),
                                                   " into ", into));
    return false;
  }

  bool IsSeq(const YAML::Node& n, const char* into) {
    if (n.IsSequence()) return true;
    if (!n.IsNull()) errors.push_back(absl::StrCat("line ", Line(n), ": cannot unmarshal ", Tag(n),
                                                   " into ", into));
    return false;
  }

  void String(const YAML::Node& n, std::string* out) {
    if (n.IsNull()) return;
    if (!n.IsScalar()) {
      errors.push_back(absl::StrCat("line ", Line(n), ": cannot unmarshal ", Tag(n), " into string"));
      return;
    }
    *out = n.Scalar();
  }

  void Float(const YAML::Node& n, double* out) {
    if (n.IsNull()) return;
    if (n.IsScalar() && n.Tag() != "!") {
      const std::string& s = n.Scalar();
      if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf") {
        *out = std::numeric_limits<double>::infinity();
        return;
      }
      if (s == "-.inf" || s == "-.Inf" || s == "-.INF") {
        *out = -std::numeric_limits<double>::infinity();
        return;
      }
      if (s == ".nan" || s == ".NaN" || s == ".NAN") {
        *out = std::nan("");
        return;
      }
      char* end = nullptr;
      errno = 0;
      double v = std::strtod(s.c_str(), &end);
      bool numeric = !s.empty() && end == s.c_str() + s.size() &&
                     s.find_first_of("iInNxX") == std::string::npos;
      if (numeric) {
        *out = v;
        return;
      }
    }
    errors.push_back(absl::StrCat("line ", Line(n), ": cannot unmarshal ", Tag(n), " into float64"));
  }

  void Bool(const YAML::Node& n, bool* out) {
    if (n.IsNull()) return;
    if (n.IsScalar() && n.Tag() != "!") {
      const std::string& s = n.Scalar();
      for (const char* t : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
        if (s == t) {
          *out = true;
          return;
        }
      }
      for (const char* f : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
        if (s == f) {
          *out = false;
          return;
        }
      }
    }
    errors.push_back(absl::StrCat("line ", Line(n), ": cannot unmarshal ", Tag(n), " into bool"));
  }

  void Duration(const YAML::Node& n, int64_t* out) {
    if (n.IsNull() || !fatal.ok()) return;
    if (!n.IsScalar()) {
      errors.push_back(absl::StrCat("line ", Line(n), ": cannot unmarshal ", Tag(n), " into string"));
      return;
    }
    absl::StatusOr<int64_t> d = common::ParseDuration(n.Scalar());
    if (!d.ok()) {
      fatal = absl::InvalidArgumentError(d.status().message());
      return;
    }
    *out = *d;
  }

  void StringList(const YAML::Node& n, std::vector<std::string>* out) {
    if (!IsSeq(n, "[]string")) return;
    for (const YAML::Node& e : n) {
      std::string s;
      String(e, &s);
      out->push_back(std::move(s));
    }
  }

  void StringMap(const YAML::Node& n, std::map<std::string, std::string>* out) {
    if (!IsMap(n, "map[string]string")) return;
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string v;
      String(it->second, &v);
      (*out)[it->first.Scalar()] = std::move(v);
    }
  }
};

void ReadSeries(Reader* r, const YAML::Node& n, InputSeries* s) {
  s->line = Reader::Line(n);
  if (!r->IsMap(n, "main.series")) return;
  r->Keys(n, "main.series", {"series", "values"});
  if (n["series"]) r->String(n["series"], &s->series);
  if (n["values"]) r->String(n["values"], &s->values);
}

void ReadAlertTest(Reader* r, const YAML::Node& n, AlertRuleTest* t) {
  t->line = Reader::Line(n);
  if (!r->IsMap(n, "main.alertTestCase")) return;
  r->Keys(n, "main.alertTestCase", {"eval_time", "alertname", "exp_alerts"});
  if (n["eval_time"]) r->Duration(n["eval_time"], &t->eval_time_ms);
  if (n["alertname"]) r->String(n["alertname"], &t->alertname);
  if (n["exp_alerts"] && r->IsSeq(n["exp_alerts"], "[]main.alert")) {
    for (const YAML::Node& e : n["exp_alerts"]) {
      ExpectedAlert a;
      a.line = Reader::Line(e);
      if (r->IsMap(e, "main.alert")) {
        r->Keys(e, "main.alert", {"exp_labels", "exp_annotations"});
        if (e["exp_labels"]) r->StringMap(e["exp_labels"], &a.exp_labels);
        if (e["exp_annotations"]) r->StringMap(e["exp_annotations"], &a.exp_annotations);
      }
      t->exp_alerts.push_back(std::move(a));
    }
  }
}

void ReadPromqlTest(Reader* r, const YAML::Node& n, PromqlExprTest* t) {
  t->line = Reader::Line(n);
  if (!r->IsMap(n, "main.promqlTestCase")) return;
  r->Keys(n, "main.promqlTestCase", {"expr", "eval_time", "exp_samples"});
  if (n["expr"]) r->String(n["expr"], &t->expr);
  if (n["eval_time"]) r->Duration(n["eval_time"], &t->eval_time_ms);
  if (n["exp_samples"] && r->IsSeq(n["exp_samples"], "[]main.parsedSample")) {
    for (const YAML::Node& e : n["exp_samples"]) {
      ExpectedSample s;
      s.line = Reader::Line(e);
      if (r->IsMap(e, "main.parsedSample")) {
        r->Keys(e, "main.parsedSample", {"labels", "value", "histogram"});
        if (e["labels"]) r->String(e["labels"], &s.labels);
        if (e["value"]) r->Float(e["value"], &s.value);
        if (e["histogram"]) r->String(e["histogram"], &s.histogram);
      }
      t->exp_samples.push_back(std::move(s));
    }
  }
}

void ReadGroup(Reader* r, const YAML::Node& n, UnitTestGroup* g) {
  g->line = Reader::Line(n);
  if (!r->IsMap(n, "main.testGroup")) return;
  r->Keys(n, "main.testGroup", {"interval", "input_series", "alert_rule_test", "promql_expr_test",
                                "external_labels", "external_url", "name"});
  if (n["interval"]) r->Duration(n["interval"], &g->interval_ms);
  if (n["input_series"] && r->IsSeq(n["input_series"], "[]main.series")) {
    for (const YAML::Node& e : n["input_series"]) ReadSeries(r, e, &g->input_series.emplace_back());
  }
  if (n["alert_rule_test"] && r->IsSeq(n["alert_rule_test"], "[]main.alertTestCase")) {
    for (const YAML::Node& e : n["alert_rule_test"]) {
      ReadAlertTest(r, e, &g->alert_rule_tests.emplace_back());
    }
  }
  if (n["promql_expr_test"] && r->IsSeq(n["promql_expr_test"], "[]main.promqlTestCase")) {
    for (const YAML::Node& e : n["promql_expr_test"]) {
      ReadPromqlTest(r, e, &g->promql_expr_tests.emplace_back());
    }
  }
  if (n["external_labels"]) r->StringMap(n["external_labels"], &g->external_labels);
  if (n["external_url"]) r->String(n["external_url"], &g->external_url);
  if (n["name"]) r->String(n["name"], &g->name);
}

bool ParseFloatToken(std::string_view t, double* out) {
  if (t.empty()) return false;
  std::string s(t);
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::string_view body = lower;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf") {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (body == "nan") {
    *out = std::nan("");
    return true;
  }
  if (body.empty() || body.find_first_of("0123456789") == std::string_view::npos) return false;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) {
    // strtod does not read 0x integers without an exponent the way Go's parser does.
    if (body.size() > 2 && body[0] == '0' && body[1] == 'x') {
      uint64_t u = std::strtoull(std::string(body.substr(2)).c_str(), &end, 16);
      if (*end != '\0') return false;
      *out = neg ? -static_cast<double>(u) : static_cast<double>(u);
      return true;
    }
    return false;
  }
  *out = v;
  return true;
}

absl::Status SeriesError(size_t col, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("1:", col, ": parse error: unexpected ", std::string(what), " in series values"));
}

}  // namespace

absl::StatusOr<std::vector<SeriesValue>> ParseSeriesValues(std::string_view values,
                                                           size_t offset) {
  constexpr uint64_t kMaxRepeat = 10'000'000;  // a typo like 1x9999999999 must not eat memory
  std::vector<SeriesValue> out;
  size_t i = 0;
  while (i < values.size()) {
    if (values[i] == ' ' || values[i] == '\t' || values[i] == '\n') {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < values.size() && values[i] != ' ' && values[i] != '\t' && values[i] != '\n') ++i;
    std::string_view tok = values.substr(start, i - start);
    const size_t col = offset + start + 1;
    if (tok.starts_with("{{")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "1:", col, ": native histogram series values are not supported by promlet"));
    }
    // [head][sign step] x count. The 'x' of a repeat is the last one, followed by digits only.
    // Series values have no hexadecimal numbers (Prometheus' lexer refuses them there as
    // ambiguous): "0x3" is 0 repeated.
    std::string_view head = tok, times;
    size_t x = tok.rfind('x');
    if (x != std::string_view::npos) {
      head = tok.substr(0, x);
      times = tok.substr(x + 1);
      if (times.empty() || times.find_first_not_of("0123456789") != std::string_view::npos) {
        return SeriesError(offset + start + x + 1, "\"x\"");
      }
    }
    uint64_t count = 0;
    if (!times.empty()) {
      if (times.size() > 9) return SeriesError(col, "number");
      count = std::strtoull(std::string(times).c_str(), nullptr, 10);
      if (count > kMaxRepeat) return SeriesError(col, "number");
    }
    if (head == "_") {
      size_t n = times.empty() ? 1 : count;
      out.insert(out.end(), n, SeriesValue{SeriesValue::Kind::kOmitted, 0});
      continue;
    }
    if (head == "stale") {
      size_t n = times.empty() ? 1 : count + 1;
      out.insert(out.end(), n, SeriesValue{SeriesValue::Kind::kStale, StaleNaN()});
      continue;
    }
    // The step: the last '+' or '-' that is not a leading sign nor an exponent's sign.
    double base = 0, step = 0;
    size_t split = std::string_view::npos;
    if (!times.empty()) {
      for (size_t k = head.size(); k-- > 1;) {
        char prev = static_cast<char>(std::tolower(static_cast<unsigned char>(head[k - 1])));
        if ((head[k] == '+' || head[k] == '-') && prev != 'e') {
          split = k;
          break;
        }
      }
    }
    std::string_view base_text = split == std::string_view::npos ? head : head.substr(0, split);
    if (!ParseFloatToken(base_text, &base)) {
      return SeriesError(col, "\"" + std::string(base_text) + "\"");
    }
    if (split != std::string_view::npos && !ParseFloatToken(head.substr(split), &step)) {
      return SeriesError(offset + start + split + 1, "\"" + std::string(head.substr(split)) + "\"");
    }
    if (times.empty()) {
      out.push_back({SeriesValue::Kind::kValue, base});
      continue;
    }
    double v = base;
    for (uint64_t k = 0; k <= count; ++k) {
      out.push_back({SeriesValue::Kind::kValue, v});
      v += step;
    }
  }
  return out;
}

absl::StatusOr<UnitTestFile> ParseUnitTestFile(std::string_view content) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(content));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("yaml: line ", e.mark.line + 1, ": ", e.msg));
  }
  UnitTestFile f;
  Reader r;
  f.evaluation_interval_ms = 0;
  if (r.IsMap(root, "main.unitTestFile")) {
    r.Keys(root, "main.unitTestFile",
           {"rule_files", "evaluation_interval", "group_eval_order", "tests", "fuzzy_compare"});
    if (root["rule_files"]) r.StringList(root["rule_files"], &f.rule_files);
    if (root["evaluation_interval"]) r.Duration(root["evaluation_interval"], &f.evaluation_interval_ms);
    if (root["group_eval_order"]) r.StringList(root["group_eval_order"], &f.group_eval_order);
    if (root["fuzzy_compare"]) r.Bool(root["fuzzy_compare"], &f.fuzzy_compare);
    if (root["tests"] && r.IsSeq(root["tests"], "[]main.testGroup")) {
      for (const YAML::Node& t : root["tests"]) ReadGroup(&r, t, &f.tests.emplace_back());
    }
  }
  if (!r.fatal.ok()) return r.fatal;
  if (!r.errors.empty()) {
    return absl::InvalidArgumentError("yaml: unmarshal errors:\n  " + absl::StrJoin(r.errors, "\n  "));
  }
  if (f.evaluation_interval_ms == 0) f.evaluation_interval_ms = 60000;
  for (UnitTestGroup& g : f.tests) {
    if (g.interval_ms == 0) g.interval_ms = f.evaluation_interval_ms;
    for (InputSeries& s : g.input_series) {
      absl::StatusOr<std::vector<model::Matcher>> m = promql::ParseMetricSelector(s.series);
      if (!m.ok()) return m.status();
      std::vector<model::Label> pairs;
      for (const model::Matcher& mt : *m) {
        if (mt.type() != model::MatchType::kEqual) {
          return absl::InvalidArgumentError(absl::StrCat(
              "line ", s.line, ": series ", s.series, ": only label=\"value\" pairs are allowed"));
        }
        pairs.push_back({mt.name(), mt.value()});
      }
      s.labels = model::Labels::FromUnsorted(std::move(pairs));
      absl::StatusOr<std::vector<SeriesValue>> v = ParseSeriesValues(s.values, s.series.size() + 1);
      if (!v.ok()) return v.status();
      s.expanded = *std::move(v);
    }
  }
  return f;
}

}  // namespace promlet::rules
