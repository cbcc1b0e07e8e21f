// /api/v1/targets and /api/v1/targets/metadata, read through the TargetSource hooks.
#include <map>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "common/duration.h"
#include "promql/parser/parser.h"
#include "web/api/v1/handlers.h"

namespace promlet::web {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

void WriteActiveTarget(JsonWriter& w, const ActiveTargetView& t) {
  w.BeginObject();
  w.Key("discoveredLabels");
  w.LabelSet(t.discovered_labels);
  w.Key("labels");
  w.LabelSet(t.labels);
  w.Key("scrapePool");
  w.String(t.scrape_pool);
  w.Key("scrapeUrl");
  w.String(t.scrape_url);
  w.Key("globalUrl");
  w.String(t.global_url);
  w.Key("lastError");
  w.String(t.last_error);
  w.Key("lastScrape");
  w.String(Rfc3339Nano(t.last_scrape_unix_nanos));
  w.Key("lastScrapeDuration");
  w.Double(t.last_scrape_duration_seconds);
  w.Key("health");
  w.String(t.health);
  w.Key("scrapeInterval");
  w.String(common::FormatDuration(t.scrape_interval_ms));
  w.Key("scrapeTimeout");
  w.String(common::FormatDuration(t.scrape_timeout_ms));
  w.EndObject();
}

}  // namespace

// Go's time.Time RFC3339Nano in UTC, e.g. "2024-01-02T03:04:05.123456789Z".
std::string Rfc3339Nano(int64_t unix_nanos) {
  if (unix_nanos == 0) return "0001-01-01T00:00:00Z";
  absl::Time t = absl::FromUnixNanos(unix_nanos);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

void WriteMetadataFields(JsonWriter& w, const MetadataView& md) {
  w.Key("type");
  w.String(md.type);
  w.Key("help");
  w.String(md.help);
  w.Key("unit");
  w.String(md.unit);
}

Result Targets(const Request& r) {
  const TargetSource& targets = r.env.targets;
  std::string_view state = r.form.Get("state");
  std::string_view pool = r.form.Get("scrapePool");
  bool show_active = state.empty() || absl::EqualsIgnoreCase(AV(state), "any") ||
                     absl::EqualsIgnoreCase(AV(state), "active");
  bool show_dropped = state.empty() || absl::EqualsIgnoreCase(AV(state), "any") ||
                      absl::EqualsIgnoreCase(AV(state), "dropped");
  Result out;
  JsonWriter& w = out.data();
  w.BeginObject();
  w.Key("activeTargets");
  w.BeginArray();
  if (show_active && targets.active) {
    for (const auto& t : targets.active()) {
      if (pool.empty() || t.scrape_pool == pool) WriteActiveTarget(w, t);
    }
  }
  w.EndArray();
  w.Key("droppedTargets");
  w.BeginArray();
  std::map<std::string, int> dropped_counts;
  if (targets.dropped) {
    for (const auto& t : targets.dropped()) {
      ++dropped_counts[t.scrape_pool];
      if (!show_dropped || (!pool.empty() && t.scrape_pool != pool)) continue;
      w.BeginObject();
      w.Key("discoveredLabels");
      w.LabelSet(t.discovered_labels);
      w.Key("scrapePool");
      w.String(t.scrape_pool);
      w.EndObject();
    }
  }
  w.EndArray();
  w.Key("droppedTargetCounts");
  w.BeginObject();
  if (targets.scrape_pools) {
    for (const auto& p : targets.scrape_pools()) dropped_counts.emplace(p, 0);
  }
  for (const auto& [p, n] : dropped_counts) {
    w.Key(p);
    w.Int(n);
  }
  w.EndObject();
  w.EndObject();
  return out;
}

Result TargetsMetadata(const Request& r) {
  auto limit = LimitParam(r.form);
  if (!limit.ok()) return limit.status();
  std::vector<model::Matcher> match;
  if (!r.form.Get("match_target").empty()) {
    auto ms = promql::ParseMetricSelector(r.form.Get("match_target"));
    if (!ms.ok()) return InvalidParam("match_target", ms.status().message());
    match = std::move(*ms);
  }
  std::string_view metric = r.form.Get("metric");
  Result out;
  JsonWriter& w = out.data();
  w.BeginArray();
  int n = 0;
  if (r.env.targets.metadata) {
    for (const auto& t : r.env.targets.metadata()) {
      bool ok = true;
      for (const auto& m : match) {
        if (!m.Matches(t.target.Get(m.name()))) ok = false;
      }
      if (!ok) continue;
      for (const auto& md : t.metadata) {
        if (!metric.empty() && md.metric != metric) continue;
        if (*limit > 0 && n >= *limit) break;
        w.BeginObject();
        w.Key("target");
        w.LabelSet(t.target);
        if (metric.empty()) {
          w.Key("metric");
          w.String(md.metric);
        }
        WriteMetadataFields(w, md);
        w.EndObject();
        ++n;
      }
    }
  }
  w.EndArray();
  return out;
}

}  // namespace promlet::web
