// Alertmanager discovery: from a set's target groups to the Alertmanagers alerts are posted to,
// as Prometheus' AlertmanagerFromGroup and alertmanagerSet.sync.
//
// Each target gets __scheme__ (the set's scheme) and __alerts_path__ (path_prefix joined with
// /api/v2/alerts), then its group's labels where the target has none of that name, then the
// set's relabel_configs; kept ones become http(s)://<__address__><__alerts_path__>, the others
// are "dropped Alertmanagers" (their URL built from the labels before relabeling). An address
// holding "/" fails its whole group, as in Prometheus. Active URLs are deduplicated, in order.
//
// File SD: notifier may not depend on scrape/, which owns the file watcher; a GroupWatcher
// factory (FileSdFactory) lets cmd hand scrape::FileDiscovery in. Without one, file_sd files
// are read once per ApplyConfig. (The watcher belongs in a shared discovery module that scrape
// and notifier would both use.)
#ifndef PROMLET_NOTIFIER_DISCOVERY_H_
#define PROMLET_NOTIFIER_DISCOVERY_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/alerting_config.h"
#include "config/discovery_config.h"
#include "model/labels.h"

namespace promlet::notifier {

inline constexpr std::string_view kAlertsPathLabel = "__alerts_path__";
inline constexpr std::string_view kSchemeLabel = "__scheme__";

struct DiscoveredAlertmanagers {
  std::vector<std::string> active_urls;  // deduplicated, in discovery order
  std::vector<std::string> dropped_urls;
  std::vector<std::string> errors;  // one per group that failed (bad address)
};

// Go's path.Join("/", path_prefix, "/api/v2/alerts").
std::string AlertsPath(std::string_view path_prefix);

// The Alertmanagers of `groups` (all providers of one alertmanagers entry).
DiscoveredAlertmanagers DiscoverAlertmanagers(const std::vector<config::TargetGroup>& groups,
                                              const config::AlertmanagerConfig& cfg);

// A running watcher of file_sd target groups; destroying it stops it (and its callbacks).
class GroupWatcher {
 public:
  virtual ~GroupWatcher() = default;
};
// Starts watching `cfg`; `on_update` gets the complete current groups on every change (possibly
// before the factory returns, on any thread).
using GroupsCallback = std::function<void(const std::vector<config::TargetGroup>&)>;
using FileSdFactory = std::function<std::unique_ptr<GroupWatcher>(const config::FileSdConfig& cfg,
                                                                  GroupsCallback on_update)>;

// The groups of `cfg`'s files, read once now (files that fail are logged and skipped).
std::vector<config::TargetGroup> ReadFileSdOnce(const config::FileSdConfig& cfg);

}  // namespace promlet::notifier

#endif  // PROMLET_NOTIFIER_DISCOVERY_H_
