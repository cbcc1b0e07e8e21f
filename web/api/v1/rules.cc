// /api/v1/rules and /api/v1/alerts, read through the RuleSource hooks, in Prometheus' JSON shapes
// (web/api/v1 RuleDiscovery, AlertingRule, RecordingRule, AlertDiscovery). /api/v1/rules takes
// Prometheus 3's filters: type, rule_name[], rule_group[], file[], match[] (selectors matched
// against the rules' labels), exclude_alerts, and pagination with group_limit and
// group_next_token (the hex SHA-256 of "file;group" of the first group of the next page,
// returned as groupNextToken).
#include <openssl/sha.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/go_format.h"
#include "common/utf8.h"
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

// Prometheus' matchesMatcherSets: some set whose every matcher matches the rule's labels.
bool MatchesAnySet(const std::vector<std::vector<model::Matcher>>& sets,
                   const model::Labels& labels) {
  if (sets.empty()) return true;
  for (const auto& set : sets) {
    bool all = true;
    for (const model::Matcher& m : set) {
      if (!m.Matches(labels.Get(m.name()))) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

// Prometheus' getRuleGroupNextToken: hex SHA-256 of "file;name".
std::string GroupNextToken(const std::string& file, const std::string& name) {
  const std::string key = file + ";" + name;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// group_limit and group_next_token (Prometheus' parseListRulesPaginationRequest); a limit of -1
// means no pagination.
absl::Status PaginationParams(const Form& form, int64_t* max_groups, std::string* next_token) {
  *max_groups = -1;
  next_token->clear();
  const std::string_view limit = form.Get("group_limit");
  const std::string_view token = form.Get("group_next_token");
  if (!token.empty() && limit.empty()) {
    return InvalidParam("group_next_token",
                        "group_limit needs to be present in order to paginate over the groups");
  }
  if (limit.empty()) return absl::OkStatus();
  int64_t v = 0;
  if (!absl::SimpleAtoi(AV(limit), &v)) {
    return InvalidParam("group_limit", absl::StrCat("group_limit needs to be a valid number: "
                                                    "strconv.ParseInt: parsing ",
                                                    common::GoQuote(limit), ": invalid syntax"));
  }
  if (v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min()) {
    return InvalidParam("group_limit", absl::StrCat("group_limit needs to be a valid number: "
                                                    "strconv.ParseInt: parsing ",
                                                    common::GoQuote(limit),
                                                    ": value out of range"));
  }
  if (v <= 0) return InvalidParam("group_limit", "group_limit needs to be greater than 0");
  *max_groups = v;
  *next_token = std::string(token);
  return absl::OkStatus();
}

std::set<std::string> SetOf(const std::vector<std::string_view>& values) {
  return std::set<std::string>(values.begin(), values.end());
}

}  // namespace

Result Rules(const Request& r) {
  auto matcher_sets = ParseMatcherSets(r.form.All("match[]"));
  if (!matcher_sets.ok()) return matcher_sets.status();
  const std::string type = absl::AsciiStrToLower(AV(r.form.Get("type")));
  if (!type.empty() && type != "alert" && type != "record") {
    return InvalidParam("type", absl::StrCat("not supported value \"", type, "\""));
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
  int64_t max_groups = -1;
  std::string next_token;
  if (auto st = PaginationParams(r.form, &max_groups, &next_token); !st.ok()) return st;
  const std::set<std::string> names = SetOf(r.form.All("rule_name[]"));
  const std::set<std::string> groups = SetOf(r.form.All("rule_group[]"));
  const std::set<std::string> files = SetOf(r.form.All("file[]"));

  std::vector<RuleGroupView> all;
  if (r.env.rules.groups) all = r.env.rules.groups();
  struct Shown {
    const RuleGroupView* group;
    std::vector<const RuleView*> rules;
  };
  std::vector<Shown> page;
  std::string group_next_token;
  bool found_token = false;
  for (const RuleGroupView& g : all) {
    if (max_groups > 0 && !next_token.empty() && !found_token) {
      if (next_token != GroupNextToken(g.file, g.name)) continue;
      found_token = true;
    }
    if (!groups.empty() && groups.count(g.name) == 0) continue;
    if (!files.empty() && files.count(g.file) == 0) continue;
    Shown shown{&g, {}};
    for (const RuleView& rule : g.rules) {
      if (!MatchesAnySet(*matcher_sets, rule.labels)) continue;
      if (!names.empty() && names.count(rule.name) == 0) continue;
      if (rule.alerting ? !want_alerts : !want_records) continue;
      shown.rules.push_back(&rule);
    }
    // A group whose rules were all filtered out (or that has none) is not shown.
    if (shown.rules.empty()) continue;
    if (max_groups > 0 && static_cast<int64_t>(page.size()) == max_groups) {
      // One group more than the page holds: the next page starts there.
      group_next_token = GroupNextToken(g.file, g.name);
      break;
    }
    page.push_back(std::move(shown));
  }
  if (max_groups > 0 && !next_token.empty() && !found_token) {
    return InvalidParam("group_next_token", absl::StrCat("invalid group_next_token '", next_token,
                                                         "'. were rule groups changed?"));
  }

  Result out;
  JsonWriter& w = out.data();
  w.BeginObject();
  w.Key("groups");
  w.BeginArray();
  for (const Shown& s : page) {
    const RuleGroupView& g = *s.group;
    w.BeginObject();
    w.Key("name");
    w.String(g.name);
    w.Key("file");
    w.String(g.file);
    w.Key("rules");
    w.BeginArray();
    for (const RuleView* rule : s.rules) WriteRule(w, *rule, exclude_alerts);
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
  w.EndArray();
  if (!group_next_token.empty()) {
    w.Key("groupNextToken");
    w.String(group_next_token);
  }
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
