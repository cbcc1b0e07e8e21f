#include "notifier/alert.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace promlet::notifier {
namespace {

// A JSON string as Go's encoding/json writes it: <, > and & escaped, invalid UTF-8 replaced.
void AppendJsonString(std::string* out, std::string_view s) {
  std::string quoted =
      nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (char c : quoted) {
    switch (c) {
      case '<':
        out->append("\\u003c");
        break;
      case '>':
        out->append("\\u003e");
        break;
      case '&':
        out->append("\\u0026");
        break;
      default:
        out->push_back(c);
    }
  }
}

void AppendLabelSet(std::string* out, const model::Labels& ls) {
  out->push_back('{');
  bool first = true;
  for (const model::Label& l : ls) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(out, l.name);
    out->push_back(':');
    AppendJsonString(out, l.value);
  }
  out->push_back('}');
}

}  // namespace

std::string FormatAlertTime(int64_t unix_ms) {
  if (unix_ms == 0) return "0001-01-01T00:00:00.000Z";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(unix_ms),
                          absl::UTCTimeZone());
}

std::vector<Alert> RelabelAlerts(std::vector<Alert> alerts, const model::Labels& external_labels,
                                 const std::vector<model::RelabelConfig>& configs) {
  std::vector<Alert> kept;
  kept.reserve(alerts.size());
  model::LabelsBuilder lb;
  for (Alert& a : alerts) {
    lb.Reset(a.labels);
    for (const model::Label& l : external_labels) {
      if (a.labels.Get(l.name).empty()) lb.Set(l.name, l.value);
    }
    if (!model::ProcessBuilder(&lb, configs)) continue;
    a.labels = lb.Build();
    kept.push_back(std::move(a));
  }
  return kept;
}

std::string EncodeAlertsV2(const std::vector<Alert>& alerts) {
  std::string out = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    const Alert& a = alerts[i];
    if (i > 0) out.push_back(',');
    out.push_back('{');
    // go-openapi concatenates PostableAlert's own fields, then the embedded Alert's; empty
    // annotations and generatorURL are omitted (omitempty).
    if (!a.annotations.empty()) {
      out.append("\"annotations\":");
      AppendLabelSet(&out, a.annotations);
      out.push_back(',');
    }
    absl::StrAppend(&out, "\"endsAt\":\"", FormatAlertTime(a.ends_at_ms), "\",\"startsAt\":\"",
                    FormatAlertTime(a.starts_at_ms), "\",");
    if (!a.generator_url.empty()) {
      out.append("\"generatorURL\":");
      AppendJsonString(&out, a.generator_url);
      out.push_back(',');
    }
    out.append("\"labels\":");
    AppendLabelSet(&out, a.labels);
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

}  // namespace promlet::notifier
