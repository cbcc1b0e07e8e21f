#include "cmd/notifier_wiring.h"

#include <memory>

#include "scrape/file_sd.h"

namespace promlet::cmd {
namespace {

class FileSdWatcher : public notifier::GroupWatcher {
 public:
  FileSdWatcher(const config::FileSdConfig& cfg, notifier::GroupsCallback on_update)
      : discovery_(cfg, "alertmanagers") {
    discovery_.Start(std::move(on_update));
  }
  ~FileSdWatcher() override { discovery_.Stop(); }

 private:
  scrape::FileDiscovery discovery_;
};

}  // namespace

notifier::FileSdFactory NotifierFileSd() {
  return [](const config::FileSdConfig& cfg, notifier::GroupsCallback on_update) {
    return std::make_unique<FileSdWatcher>(cfg, std::move(on_update));
  };
}

std::function<web::AlertmanagersView()> AlertmanagersOf(const notifier::Manager* m) {
  return [m] {
    return web::AlertmanagersView{m->ActiveAlertmanagers(), m->DroppedAlertmanagers()};
  };
}

}  // namespace promlet::cmd
