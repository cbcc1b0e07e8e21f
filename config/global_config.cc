#include "config/global_config.h"

#include <algorithm>
#include <set>
#include <string>

#include "config/decoder.h"
#include "config/scrape_config.h"

namespace promlet::config {

absl::Status ParseGlobalConfig(const Decoder& d, const YAML::Node& n, GlobalConfig* g) {
  const std::string p = "global";
  std::set<std::string> unsupported =
      d.RecordUnsupported(n, p,
                          {"query_log_file", "scrape_failure_log_file",
                           "metric_name_validation_scheme", "metric_name_escaping_scheme"},
                          kNotImplemented);
  if (auto st = d.CheckKeys(n, p,
                            {"scrape_interval", "scrape_timeout", "evaluation_interval", "rule_query_offset",
                             "external_labels", "scrape_protocols", "sample_limit", "target_limit",
                             "label_limit", "label_name_length_limit", "label_value_length_limit",
                             "body_size_limit", "keep_dropped_targets", "scrape_native_histograms",
                             "always_scrape_classic_histograms",
                             "convert_classic_histograms_to_nhcb"},
                            unsupported);
      !st.ok()) {
    return st;
  }
  absl::Status st;
  int64_t timeout = 0;
  if (!(st = d.Duration(n, p, "scrape_interval", &g->scrape_interval_ms)).ok()) return st;
  if (!(st = d.Duration(n, p, "scrape_timeout", &timeout)).ok()) return st;
  if (!(st = d.Duration(n, p, "evaluation_interval", &g->evaluation_interval_ms)).ok()) return st;
  if (!(st = d.Duration(n, p, "rule_query_offset", &g->rule_query_offset_ms)).ok()) return st;
  if (!(st = d.LabelMap(n, p, "external_labels", &g->external_labels)).ok()) return st;
  if (!(st = ParseScrapeProtocols(d, n, p, "scrape_protocols", &g->scrape_protocols)).ok()) {
    return st;
  }
  if (!(st = d.Bool(n, p, "scrape_native_histograms", &g->scrape_native_histograms)).ok()) {
    return st;
  }
  if (!(st = d.Bool(n, p, "always_scrape_classic_histograms",
                    &g->always_scrape_classic_histograms)).ok()) {
    return st;
  }
  if (!(st = d.Bool(n, p, "convert_classic_histograms_to_nhcb",
                    &g->convert_classic_histograms_to_nhcb)).ok()) {
    return st;
  }
  if (!(st = d.Uint(n, p, "sample_limit", &g->sample_limit)).ok()) return st;
  if (!(st = d.Uint(n, p, "target_limit", &g->target_limit)).ok()) return st;
  if (!(st = d.Uint(n, p, "label_limit", &g->label_limit)).ok()) return st;
  if (!(st = d.Uint(n, p, "label_name_length_limit", &g->label_name_length_limit)).ok()) return st;
  if (!(st = d.Uint(n, p, "label_value_length_limit", &g->label_value_length_limit)).ok()) {
    return st;
  }
  if (!(st = d.Size(n, p, "body_size_limit", &g->body_size_limit_bytes)).ok()) return st;
  if (!(st = d.Uint(n, p, "keep_dropped_targets", &g->keep_dropped_targets)).ok()) return st;
  // As Prometheus: an explicit 0 means the default.
  if (g->evaluation_interval_ms == 0) g->evaluation_interval_ms = 60 * 1000;
  if (g->scrape_interval_ms == 0) return d.Error(n, p, "scrape_interval cannot be 0");
  if (g->external_labels.Has(model::kMetricName)) {
    return d.Error(n, Decoder::Join(p, "external_labels"),
                   "__name__ is not allowed as an external label");
  }
  if (timeout == 0) {
    timeout = std::min<int64_t>(10000, g->scrape_interval_ms);
  }
  if (timeout > g->scrape_interval_ms) {
    return d.Error(n, p, "global scrape timeout greater than scrape interval");
  }
  g->scrape_timeout_ms = timeout;
  return absl::OkStatus();
}

}  // namespace promlet::config
