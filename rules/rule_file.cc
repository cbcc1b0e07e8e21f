#include "rules/rule_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/duration.h"
#include "config/discovery_config.h"
#include "model/labels.h"
#include "promql/parser/parser.h"
#include "rules/template/template.h"

namespace promlet::rules {
namespace {

// "line:column" of a node as Go's yaml.v3 numbers them (both 1-based); "0:0" when absent.
std::string Pos(const YAML::Node& n) {
  if (!n.IsDefined() || n.Mark().is_null()) return "0:0";
  return absl::StrCat(n.Mark().line + 1, ":", n.Mark().column + 1);
}
// Child `key` of mapping `n`, or a null node when absent (yaml-cpp's missing children are
// "zombie" nodes that throw when assigned).
YAML::Node Child(const YAML::Node& n, const char* key) {
  const YAML::Node c = n[key];
  if (!c.IsDefined()) return YAML::Node();
  return c;
}

int Line(const YAML::Node& n) {
  return n.IsDefined() && !n.Mark().is_null() ? n.Mark().line + 1 : 0;
}

// The decoding pass: yaml.v3's strict decoding into rulefmt's types. Errors read like Go's
// "line N: field x not found in type rulefmt.RuleNode".
class Decoder {
 public:
  Decoder(std::vector<std::string>* errors, bool ignore_unknown_fields)
      : errors_(errors), ignore_unknown_fields_(ignore_unknown_fields) {}

  void Fail(const YAML::Node& n, std::string msg) {
    errors_->push_back(absl::StrCat("line ", Line(n), ": ", msg));
  }

  // Checks keys of mapping `n` against `known` (and repeats); false if `n` is not a mapping.
  bool Mapping(const YAML::Node& n, std::string_view type,
               std::initializer_list<std::string_view> known) {
    if (!n.IsMap()) {
      Fail(n, absl::StrCat("cannot unmarshal ", Tag(n), " into ", std::string(type)));
      return false;
    }
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        Fail(it->first, absl::StrCat("mapping key \"", key, "\" already defined"));
      }
      if (!ignore_unknown_fields_ && std::find(known.begin(), known.end(), key) == known.end()) {
        Fail(it->first, absl::StrCat("field ", key, " not found in type ", std::string(type)));
      }
    }
    return true;
  }

  std::string String(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return "";
    if (!n.IsScalar()) {
      Fail(n, absl::StrCat("cannot unmarshal ", Tag(n), " into string"));
      return "";
    }
    return n.Scalar();
  }

  int64_t Duration(const YAML::Node& n) {
    std::string s = String(n);
    if (s.empty()) return 0;
    absl::StatusOr<int64_t> d = common::ParseDuration(s);
    if (!d.ok()) {
      // model.Duration's UnmarshalYAML error stops yaml.v3 at once, without a line.
      if (fatal_.empty()) fatal_ = absl::StrCat("not a valid duration string: \"", s, "\"");
      return 0;
    }
    return *d;
  }

  int64_t Int(const YAML::Node& n) {
    std::string s = String(n);
    if (s.empty()) return 0;
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno != 0 || end == s.c_str() || *end != '\0') {
      Fail(n, absl::StrCat("cannot unmarshal !!str `", s, "` into int"));
      return 0;
    }
    return v;
  }
  const std::string& fatal() const { return fatal_; }

  StringPairs Map(const YAML::Node& n, std::vector<YAML::Node>* key_nodes) {
    StringPairs out;
    if (!n.IsDefined() || n.IsNull()) return out;
    if (!n.IsMap()) {
      Fail(n, absl::StrCat("cannot unmarshal ", Tag(n), " into map[string]string"));
      return out;
    }
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        Fail(it->first, absl::StrCat("mapping key \"", key, "\" already defined"));
        continue;
      }
      out.emplace_back(key, String(it->second));
      key_nodes->push_back(it->second);
    }
    return out;
  }

 private:
  static std::string Tag(const YAML::Node& n) {
    if (n.IsSequence()) return "!!seq";
    if (n.IsMap()) return "!!map";
    return absl::StrCat("!!str `", n.IsScalar() ? n.Scalar() : "", "`");
  }
  std::vector<std::string>* errors_;
  bool ignore_unknown_fields_;
  std::string fatal_;
};

// The YAML nodes of one rule, for the positions of validation errors.
struct RuleNodes {
  YAML::Node rule, record, alert, expr;
  std::vector<YAML::Node> labels, annotations;  // value nodes, in the spec's order
};

// rulefmt.RuleNode.Validate plus testTemplateParsing, worded as Prometheus.
// One validation error: where ("line:col", or two of them) and what.
struct RuleError {
  std::string pos;
  std::string what;
};

void ValidateRule(const RuleSpec& r, const RuleNodes& n, std::vector<RuleError>* out) {
  auto at = [](const YAML::Node& node, const std::string& msg) {
    return RuleError{Pos(node), msg};
  };
  if (!r.record.empty() && !r.alert.empty()) {
    out->push_back({absl::StrCat(Pos(n.record), ": ", Pos(n.alert)),
                    "only one of 'record' and 'alert' must be set"});
  }
  if (r.record.empty() && r.alert.empty()) {
    out->push_back(at(n.record, "one of 'record' or 'alert' must be set"));
  }
  if (r.expr.empty()) {
    out->push_back(at(n.expr, "field 'expr' must be set in rule"));
  } else if (auto e = promql::ParseExpr(r.expr); !e.ok()) {
    out->push_back(at(n.expr, absl::StrCat("could not parse expression: ", e.status().message())));
  }
  if (!r.record.empty()) {
    if (!r.annotations.empty()) {
      out->push_back(at(n.record, "invalid field 'annotations' in recording rule"));
    }
    if (r.for_ms != 0) out->push_back(at(n.record, "invalid field 'for' in recording rule"));
    if (r.keep_firing_for_ms != 0) {
      out->push_back(at(n.record, "invalid field 'keep_firing_for' in recording rule"));
    }
    if (!model::IsValidMetricName(r.record)) {
      out->push_back(at(n.record, "invalid recording rule name: " + r.record));
    }
    if (r.record.find_first_of("{}") != std::string::npos) {
      out->push_back(
          at(n.record,
             "braces present in the recording rule name; should it be in expr?: " + r.record));
    }
  }
  for (size_t i = 0; i < r.labels.size(); ++i) {
    const auto& [k, v] = r.labels[i];
    if (!model::IsValidLabelName(k) || k == model::kMetricName) {
      out->push_back({"", "invalid label name: " + k});
    }
    if (!model::IsValidUtf8(v)) out->push_back({"", "invalid label value: " + v});
  }
  for (size_t i = 0; i < r.annotations.size(); ++i) {
    if (!model::IsValidLabelName(r.annotations[i].first)) {
      out->push_back({"", "invalid annotation name: " + r.annotations[i].first});
    }
  }
  if (r.alert.empty()) return;
  const std::string tmpl_name = "__alert_" + r.alert;
  for (size_t i = 0; i < r.labels.size(); ++i) {
    if (auto st = CheckTemplate(tmpl_name, r.labels[i].second); !st.ok()) {
      out->push_back({"", absl::StrCat("label \"", r.labels[i].first, "\": ", st.message())});
    }
  }
  for (size_t i = 0; i < r.annotations.size(); ++i) {
    if (auto st = CheckTemplate(tmpl_name, r.annotations[i].second); !st.ok()) {
      out->push_back(
          {"", absl::StrCat("annotation \"", r.annotations[i].first, "\": ", st.message())});
    }
  }
}

}  // namespace

RuleFileSpec ParseRuleFile(std::string_view content, const std::string& name,
                           std::vector<std::string>* errors, bool ignore_unknown_fields) {
  RuleFileSpec spec;
  spec.path = name;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(content));
  } catch (const YAML::Exception& e) {
    errors->push_back(absl::StrCat(name, ": yaml: line ", e.mark.line + 1, ": ", e.msg));
    return spec;
  }
  if (!root.IsDefined() || root.IsNull()) return spec;  // an empty file has no groups

  std::vector<std::string> decode_errors;
  Decoder d(&decode_errors, ignore_unknown_fields);
  std::vector<std::vector<RuleNodes>> nodes;
  std::vector<YAML::Node> group_nodes;
  if (d.Mapping(root, "rulefmt.RuleGroups", {"groups"})) {
    YAML::Node groups = Child(root, "groups");
    if (groups.IsDefined() && !groups.IsNull() && !groups.IsSequence()) {
      d.Fail(groups, "cannot unmarshal !!map into []rulefmt.RuleGroup");
    } else if (groups.IsSequence()) {
      for (const YAML::Node& g : groups) {
        if (!d.Mapping(g, "rulefmt.RuleGroup",
                       {"name", "interval", "limit", "query_offset", "rules", "labels"})) {
          continue;
        }
        RuleGroupSpec gs;
        gs.line = Line(g);
        gs.name = d.String(Child(g, "name"));
        gs.interval_ms = d.Duration(Child(g, "interval"));
        gs.limit = d.Int(Child(g, "limit"));
        if (!Child(g, "query_offset").IsNull()) {
          gs.query_offset_ms = d.Duration(Child(g, "query_offset"));
        }
        std::vector<YAML::Node> label_nodes;
        gs.labels = d.Map(Child(g, "labels"), &label_nodes);
        std::vector<RuleNodes> rule_nodes;
        YAML::Node rules = Child(g, "rules");
        if (rules.IsDefined() && !rules.IsNull() && !rules.IsSequence()) {
          d.Fail(rules, "cannot unmarshal !!map into []rulefmt.RuleNode");
        } else if (rules.IsSequence()) {
          for (const YAML::Node& r : rules) {
            if (!d.Mapping(r, "rulefmt.RuleNode",
                           {"record", "alert", "expr", "for", "keep_firing_for", "labels",
                            "annotations"})) {
              continue;
            }
            RuleSpec rs;
            RuleNodes rn;
            rn.rule = r;
            rn.record = Child(r, "record");
            rn.alert = Child(r, "alert");
            rn.expr = Child(r, "expr");
            rs.line = Line(r);
            rs.record = d.String(rn.record);
            rs.alert = d.String(rn.alert);
            rs.expr = d.String(rn.expr);
            rs.for_ms = d.Duration(Child(r, "for"));
            rs.keep_firing_for_ms = d.Duration(Child(r, "keep_firing_for"));
            rs.labels = d.Map(Child(r, "labels"), &rn.labels);
            rs.annotations = d.Map(Child(r, "annotations"), &rn.annotations);
            gs.rules.push_back(std::move(rs));
            rule_nodes.push_back(std::move(rn));
          }
        }
        spec.groups.push_back(std::move(gs));
        nodes.push_back(std::move(rule_nodes));
        group_nodes.push_back(g);
      }
    }
  }
  if (!d.fatal().empty()) {
    errors->push_back(absl::StrCat(name, ": ", d.fatal()));
    return spec;
  }
  if (!decode_errors.empty()) {
    // As yaml.v3: one error listing every unmarshal problem; validation does not run.
    errors->push_back(
        absl::StrCat(name, ": yaml: unmarshal errors:\n  ", absl::StrJoin(decode_errors, "\n  ")));
    return spec;
  }

  std::set<std::string> names;
  for (size_t j = 0; j < spec.groups.size(); ++j) {
    const RuleGroupSpec& g = spec.groups[j];
    // The group's own position (its first key), as rulefmt reports these two.
    const YAML::Node& name_node = group_nodes[j];
    if (g.name.empty()) {
      errors->push_back(absl::StrCat(name, ": ", Pos(name_node), ": Groupname must not be empty"));
    }
    if (!names.insert(g.name).second) {
      errors->push_back(absl::StrCat(name, ": ", Pos(name_node), ": groupname: \"", g.name,
                                     "\" is repeated in the same file"));
    }
    // Group labels: checked like rule labels, reported with the file only (as rulefmt).
    for (const auto& [k, v] : g.labels) {
      if (!model::IsValidLabelName(k) || k == model::kMetricName) {
        errors->push_back(absl::StrCat(name, ": invalid label name: ", k));
      }
      if (!model::IsValidUtf8(v)) errors->push_back(absl::StrCat(name, ": invalid label value: ", v));
    }
    for (size_t i = 0; i < g.rules.size(); ++i) {
      std::vector<RuleError> rule_errors;
      ValidateRule(g.rules[i], nodes[j][i], &rule_errors);
      // The position leads, then group, 1-based rule index and name, as rulefmt.Error prints.
      for (const RuleError& e : rule_errors) {
        errors->push_back(absl::StrCat(name, ": ", e.pos, e.pos.empty() ? "" : ": ", "group \"",
                                       g.name, "\", rule ", i + 1, ", \"", g.rules[i].name(),
                                       "\": ", e.what));
      }
    }
  }
  return spec;
}

StringPairs MergedLabels(const RuleGroupSpec& g, const RuleSpec& r) {
  std::map<std::string, std::string> merged(g.labels.begin(), g.labels.end());
  for (const auto& [k, v] : r.labels) merged[k] = v;
  return StringPairs(merged.begin(), merged.end());
}

RuleFileSpec LoadRuleFile(const std::string& path, std::vector<std::string>* errors,
                          bool ignore_unknown_fields) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors->push_back(absl::StrCat(path, ": open ", path, ": ", std::strerror(errno)));
    RuleFileSpec spec;
    spec.path = path;
    return spec;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseRuleFile(ss.str(), path, errors, ignore_unknown_fields);
}

std::vector<std::string> ExpandRuleFiles(const std::vector<std::string>& globs) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& g : globs) {
    for (std::string& f : config::ExpandFileSdPattern(g)) {
      if (seen.insert(f).second) out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace promlet::rules
