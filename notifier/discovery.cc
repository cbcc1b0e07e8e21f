#include "notifier/discovery.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log.h"
#include "common/views.h"

namespace promlet::notifier {
namespace {

// Go's path.Clean of an absolute path.
std::string CleanAbsolutePath(std::string_view p) {
  std::vector<absl::string_view> out;
  for (absl::string_view seg : absl::StrSplit(common::ToAbsl(p), '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(seg);
  }
  return absl::StrCat("/", absl::StrJoin(out, "/"));
}

std::string UrlOf(const model::Labels& ls) {
  return absl::StrCat(common::ToAbsl(ls.Get(kSchemeLabel)), "://",
                      common::ToAbsl(ls.Get(model::kAddressLabel)),
                      common::ToAbsl(ls.Get(kAlertsPathLabel)));
}

}  // namespace

std::string AlertsPath(std::string_view path_prefix) {
  return CleanAbsolutePath(absl::StrCat("/", common::ToAbsl(path_prefix), "/api/v2/alerts"));
}

DiscoveredAlertmanagers DiscoverAlertmanagers(const std::vector<config::TargetGroup>& groups,
                                              const config::AlertmanagerConfig& cfg) {
  DiscoveredAlertmanagers out;
  std::set<std::string> seen;
  const std::string alerts_path = AlertsPath(cfg.path_prefix);
  model::LabelsBuilder lb;
  for (const config::TargetGroup& tg : groups) {
    std::vector<std::string> active;
    std::vector<std::string> dropped;
    std::string error;
    for (const model::Labels& target : tg.targets) {
      lb.Reset(target);
      lb.Set(kSchemeLabel, cfg.scheme);
      lb.Set(kAlertsPathLabel, alerts_path);
      for (const model::Label& l : tg.labels) {
        if (!target.Has(l.name)) lb.Set(l.name, l.value);
      }
      const model::Labels pre_relabel = lb.Build();
      if (!model::ProcessBuilder(&lb, cfg.relabel_configs)) {
        dropped.push_back(UrlOf(pre_relabel));
        continue;
      }
      const model::Labels kept = lb.Build();
      const std::string_view addr = kept.Get(model::kAddressLabel);
      if (addr.find('/') != std::string_view::npos) {
        error = absl::StrCat("\"", common::ToAbsl(addr), "\" is not a valid hostname");
        break;
      }
      active.push_back(UrlOf(kept));
    }
    if (!error.empty()) {
      out.errors.push_back(absl::StrCat("target group ", tg.source, ": ", error));
      continue;
    }
    for (std::string& u : active) {
      if (seen.insert(u).second) out.active_urls.push_back(std::move(u));
    }
    for (std::string& u : dropped) out.dropped_urls.push_back(std::move(u));
  }
  return out;
}

std::vector<config::TargetGroup> ReadFileSdOnce(const config::FileSdConfig& cfg) {
  std::vector<config::TargetGroup> out;
  for (const std::string& pattern : cfg.files) {
    for (const std::string& file : config::ExpandFileSdPattern(pattern)) {
      absl::StatusOr<std::vector<config::TargetGroup>> groups = config::ReadTargetGroupFile(file);
      if (!groups.ok()) {
        PROMLET_LOG_ERROR("Error reading Alertmanager file_sd file", "file", file, "err",
                          groups.status().message());
        continue;
      }
      for (config::TargetGroup& g : *groups) out.push_back(std::move(g));
    }
  }
  return out;
}

}  // namespace promlet::notifier
