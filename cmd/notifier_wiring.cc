#include "cmd/notifier_wiring.h"

#include <memory>

#include "rules/template/template.h"
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

rules::NotifyFunc SendAlertsTo(notifier::Manager* m, std::string external_url) {
  return [m, external_url = std::move(external_url)](std::string_view expr,
                                                     const std::vector<rules::Alert>& alerts) {
    if (alerts.empty()) return;
    constexpr int64_t kNsPerMs = 1000000;
    const std::string generator_url = external_url + rules::TableLinkForExpression(expr);
    std::vector<notifier::Alert> out;
    out.reserve(alerts.size());
    for (const rules::Alert& a : alerts) {
      notifier::Alert n;
      n.labels = a.labels;
      n.annotations = a.annotations;
      n.starts_at_ms = a.fired_at_ns / kNsPerMs;
      n.ends_at_ms = (a.resolved_at_ns != 0 ? a.resolved_at_ns : a.valid_until_ns) / kNsPerMs;
      n.generator_url = generator_url;
      out.push_back(std::move(n));
    }
    m->Send(std::move(out));
  };
}

}  // namespace promlet::cmd
