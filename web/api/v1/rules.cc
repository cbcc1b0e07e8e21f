// /api/v1/rules and /api/v1/alerts, read through the RuleSource hooks, in Prometheus' JSON shapes
// (web/api/v1 RuleDiscovery, AlertingRule, RecordingRule, AlertDiscovery).
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/go_format.h"
#include "web/api/v1/handlers.h"

namespace promlet::web {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

void WriteAlert(JsonWriter& w, const AlertView& a) {
  w.BeginObject();
  w.Key("labels");
  w.LabelSet(a.labels);
  w.Key("annotations");
  w.LabelSet(a.annotations);
  w.Key("state");
  w.String(a.state);
  if (a.active_at_ns != 0) {
    w.Key("activeAt");
    w.String(Rfc3339Nano(a.active_at_ns));
  }
  if (a.keep_firing_since_ns != 0) {
    w.Key("keepFiringSince");
    w.String(Rfc3339Nano(a.keep_firing_since_ns));
  }
  w.Key("value");
  // strconv.FormatFloat(v, 'e', -1, 64), e.g. "1e+00".
  w.String(common::GoFloat(a.value, 'e'));
  w.EndObject();
}

void WriteRule(JsonWriter& w, const RuleView& rule, bool exclude_alerts) {
  w.BeginObject();
  if (rule.alerting) {
    w.Key("state");
    w.String(rule.state);
  }
  w.Key("name");
  w.String(rule.name);
  w.Key("query");
  w.String(rule.query);
  if (rule.alerting) {
    w.Key("duration");
    w.Double(rule.duration_seconds);
    w.Key("keepFiringFor");
    w.Double(rule.keep_firing_for_seconds);
    w.Key("labels");
    w.LabelSet(rule.labels);
    w.Key("annotations");
    w.LabelSet(rule.annotations);
    w.Key("alerts");
    if (exclude_alerts) {
      w.Null();
    } else {
      w.BeginArray();
      for (const AlertView& a : rule.alerts) WriteAlert(w, a);
      w.EndArray();
    }
  } else if (!rule.labels.empty()) {
    w.Key("labels");
    w.LabelSet(rule.labels);
  }
  w.Key("health");
  w.String(rule.health);
  if (!rule.last_error.empty()) {
    w.Key("lastError");
    w.String(rule.last_error);
  }
  w.Key("evaluationTime");
  w.Double(rule.evaluation_seconds);
  w.Key("lastEvaluation");
  w.String(Rfc3339Nano(rule.last_evaluation_ns));
  w.Key("type");
  w.String(rule.alerting ? "alerting" : "recording");
  w.EndObject();
}

// Go's strconv.ParseBool.
std::optional<bool> ParseGoBool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (s == t) return true;
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (s == f) return false;
  }
  return std::nullopt;
}

std::set<std::string> SetOf(const std::vector<std::string_view>& values) {
  return std::set<std::string>(values.begin(), values.end());
}

}  // namespace

Result Rules(const Request& r) {
  std::string_view type = r.form.Get("type");
  if (!type.empty() && type != "alert" && type != "record") {
    return InvalidParam("type", absl::StrCat("not supported value \"", AV(type), "\""));
  }
  const bool want_alerts = type.empty() || type == "alert";
  const bool want_records = type.empty() || type == "record";
  bool exclude_alerts = false;
  if (std::string_view v = r.form.Get("exclude_alerts"); !v.empty()) {
    std::optional<bool> b = ParseGoBool(v);
    if (!b) {
      return InvalidParam("exclude_alerts", absl::StrCat("strconv.ParseBool: parsing \"", AV(v),
                                                         "\": invalid syntax"));
    }
    exclude_alerts = *b;
  }
  const std::set<std::string> names = SetOf(r.form.All("rule_name[]"));
  const std::set<std::string> groups = SetOf(r.form.All("rule_group[]"));
  const std::set<std::string> files = SetOf(r.form.All("file[]"));

  Result out;
  JsonWriter& w = out.data();
  w.BeginObject();
  w.Key("groups");
  w.BeginArray();
  if (r.env.rules.groups) {
    for (const RuleGroupView& g : r.env.rules.groups()) {
      if (!groups.empty() && groups.count(g.name) == 0) continue;
      if (!files.empty() && files.count(g.file) == 0) continue;
      std::vector<const RuleView*> shown;
      for (const RuleView& rule : g.rules) {
        if (!names.empty() && names.count(rule.name) == 0) continue;
        if (rule.alerting ? !want_alerts : !want_records) continue;
        shown.push_back(&rule);
      }
      // A group whose rules were all filtered out (or that has none) is not shown.
      if (shown.empty()) continue;
      w.BeginObject();
      w.Key("name");
      w.String(g.name);
      w.Key("file");
      w.String(g.file);
      w.Key("rules");
      w.BeginArray();
      for (const RuleView* rule : shown) WriteRule(w, *rule, exclude_alerts);
      w.EndArray();
      w.Key("interval");
      w.Double(g.interval_seconds);
      w.Key("limit");
      w.Int(g.limit);
      w.Key("evaluationTime");
      w.Double(g.evaluation_seconds);
      w.Key("lastEvaluation");
      w.String(Rfc3339Nano(g.last_evaluation_ns));
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  return out;
}

Result Alerts(const Request& r) {
  Result out;
  JsonWriter& w = out.data();
  w.BeginObject();
  w.Key("alerts");
  w.BeginArray();
  if (r.env.rules.groups) {
    for (const RuleGroupView& g : r.env.rules.groups()) {
      for (const RuleView& rule : g.rules) {
        for (const AlertView& a : rule.alerts) WriteAlert(w, a);
      }
    }
  }
  w.EndArray();
  w.EndObject();
  return out;
}

}  // namespace promlet::web
