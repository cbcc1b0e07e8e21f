// The binary's adapters around notifier::Manager: scrape's file watcher as the notifier's
// file_sd (notifier may not depend on scrape), and the notifier's Alertmanagers as web's hook.
#ifndef PROMLET_CMD_NOTIFIER_WIRING_H_
#define PROMLET_CMD_NOTIFIER_WIRING_H_

#include <functional>

#include "notifier/manager.h"
#include "web/api/v1/hooks.h"

namespace promlet::cmd {

// file_sd for Alertmanagers through scrape::FileDiscovery (inotify and refresh_interval).
notifier::FileSdFactory NotifierFileSd();

// /api/v1/alertmanagers of `m` (which must outlive the returned function's use).
std::function<web::AlertmanagersView()> AlertmanagersOf(const notifier::Manager* m);

}  // namespace promlet::cmd

#endif  // PROMLET_CMD_NOTIFIER_WIRING_H_
