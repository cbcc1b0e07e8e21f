// The binary's adapters around notifier::Manager: scrape's file watcher as the notifier's
// file_sd (notifier may not depend on scrape), the notifier's Alertmanagers as web's hook, and
// the rules' NotifyFunc that hands alerts to it (rules and notifier do not know each other).
#ifndef PROMLET_CMD_NOTIFIER_WIRING_H_
#define PROMLET_CMD_NOTIFIER_WIRING_H_

#include <functional>
#include <string>

#include "notifier/manager.h"
#include "rules/rule.h"
#include "web/api/v1/hooks.h"

namespace promlet::cmd {

// file_sd for Alertmanagers through scrape::FileDiscovery (inotify and refresh_interval).
notifier::FileSdFactory NotifierFileSd();

// /api/v1/alertmanagers of `m` (which must outlive the returned function's use).
std::function<web::AlertmanagersView()> AlertmanagersOf(const notifier::Manager* m);

// Prometheus' sendAlerts: each alert goes out with startsAt = firedAt, endsAt = resolvedAt once
// resolved, else validUntil (the rules set it to now + 4 x max(resend delay, interval)), and
// generatorURL = external URL + "/graph?g0.expr=<expr>&g0.tab=1". Enqueues only; `m` must
// outlive the rule manager.
rules::NotifyFunc SendAlertsTo(notifier::Manager* m, std::string external_url);

}  // namespace promlet::cmd

#endif  // PROMLET_CMD_NOTIFIER_WIRING_H_
