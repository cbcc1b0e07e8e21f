#include "scrape/target_labels.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/duration.h"

namespace promlet::scrape {
namespace {

// Go's url.QueryEscape.
std::string QueryEscape(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<PopulatedTarget> PopulateLabels(const model::Labels& target_labels,
                                               const model::Labels& group_labels,
                                               const TargetDefaults& cfg) {
  model::LabelsBuilder lb(group_labels);
  for (const model::Label& l : target_labels) lb.Set(l.name, l.value);
  const std::pair<std::string_view, std::string> defaults[] = {
      {kJobLabel, cfg.job_name},
      {kScrapeIntervalLabel, common::FormatDuration(cfg.scrape_interval_ms)},
      {kScrapeTimeoutLabel, common::FormatDuration(cfg.scrape_timeout_ms)},
      {kMetricsPathLabel, cfg.metrics_path},
      {kSchemeLabel, cfg.scheme},
  };
  for (const auto& [name, value] : defaults) {
    if (lb.Get(name).empty()) lb.Set(name, value);
  }
  for (const auto& [k, v] : cfg.params) {
    std::string name = absl::StrCat(std::string(kParamLabelPrefix), k);
    if (!v.empty() && lb.Get(name).empty()) lb.Set(name, v[0]);
  }
  PopulatedTarget out;
  out.discovered = lb.Build();
  if (!model::ProcessBuilder(&lb, cfg.relabel_configs)) {
    out.dropped = true;
    return out;
  }
  std::string addr(lb.Get(kAddressLabel));
  if (addr.empty()) return absl::InvalidArgumentError("no address");
  if (addr.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("\"", addr, "\" is not a valid hostname"));
  }
  std::string interval(lb.Get(kScrapeIntervalLabel));
  absl::StatusOr<int64_t> iv = common::ParseDuration(interval);
  if (!iv.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("error parsing scrape interval: ", iv.status().message()));
  }
  if (*iv == 0) return absl::InvalidArgumentError("scrape interval cannot be 0");
  std::string timeout(lb.Get(kScrapeTimeoutLabel));
  absl::StatusOr<int64_t> to = common::ParseDuration(timeout);
  if (!to.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("error parsing scrape timeout: ", to.status().message()));
  }
  if (*to == 0) return absl::InvalidArgumentError("scrape timeout cannot be 0");
  if (*to > *iv) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scrape timeout cannot be greater than scrape interval (\"", timeout, "\" > \"", interval,
        "\")"));
  }
  for (const model::Label& l : lb.Build()) {
    if (l.name.starts_with(kMetaLabelPrefix)) lb.Del(l.name);
  }
  if (lb.Get(kInstanceLabel).empty()) lb.Set(kInstanceLabel, addr);
  out.labels = lb.Build();
  for (const model::Label& l : out.labels) {
    if (!model::IsValidUtf8(l.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid label value for \"", l.name, "\": \"", l.value, "\""));
    }
  }
  return out;
}

model::Labels PublicTargetLabels(const model::Labels& populated) {
  std::vector<model::Label> v;
  for (const model::Label& l : populated) {
    if (!l.name.starts_with("__")) v.push_back(l);
  }
  return model::Labels::FromSorted(std::move(v));
}

std::string TargetUrl(const model::Labels& populated,
                      const std::map<std::string, std::vector<std::string>>& params) {
  std::map<std::string, std::vector<std::string>> p = params;
  for (const model::Label& l : populated) {
    if (!l.name.starts_with(kParamLabelPrefix)) continue;
    std::string k = l.name.substr(kParamLabelPrefix.size());
    auto& vals = p[k];
    if (!vals.empty()) {
      vals[0] = l.value;
    } else {
      vals.push_back(l.value);
    }
  }
  std::string url = absl::StrCat(std::string(populated.Get(kSchemeLabel)), "://",
                                 std::string(populated.Get(kAddressLabel)),
                                 std::string(populated.Get(kMetricsPathLabel)));
  char sep = '?';
  for (const auto& [k, vals] : p) {
    for (const std::string& v : vals) {
      url.push_back(sep);
      sep = '&';
      absl::StrAppend(&url, QueryEscape(k), "=", QueryEscape(v));
    }
  }
  return url;
}

}  // namespace promlet::scrape
