// Manager: the notifier, as Prometheus' notifier.Manager. Rules hand it alerts with Send(); it
// adds the external labels, applies alerting.alert_relabel_configs, queues them, and a send
// thread posts them in batches of at most 256 to every discovered Alertmanager concurrently
// (POST <path_prefix>/api/v2/alerts, the JSON of alert.h), each request bounded by its set's
// timeout.
//
// Invariants:
//  - Send never blocks on the network: it relabels, appends to the queue and returns. The queue
//    holds at most queue_capacity alerts; on overflow the oldest are dropped (and counted in
//    prometheus_notifications_dropped_total), as are the oldest of a single Send larger than
//    the capacity.
//  - One batch at a time: a batch goes to every Alertmanager of every set at once, and the next
//    batch starts when all answered or timed out. A batch that no Alertmanager of some set
//    accepted is counted as dropped (Prometheus' sendAll); alerts are never retried (rules
//    resend firing alerts every resend delay).
//  - ApplyConfig keeps the discovered Alertmanagers of sets whose config did not change; the
//    others are rediscovered (static at once, file_sd through the watcher).
//  - Stop drains the queue (Prometheus' --alertmanager.drain-notification-queue-on-shutdown
//    default), but gives up, counting the rest as dropped, once a batch reached no
//    Alertmanager: shutdown is never held up by unreachable Alertmanagers for more than one
//    timeout. After Stop, Send drops silently.
//  - Self metrics use Prometheus' names: prometheus_notifications_{sent,errors}_total and
//    _latency_seconds (by alertmanager URL; removed when the Alertmanager goes away),
//    _dropped_total, _queue_length, _queue_capacity, _alertmanagers_discovered.
// Thread-safety: every public method may be called from any thread.
#ifndef PROMLET_NOTIFIER_MANAGER_H_
#define PROMLET_NOTIFIER_MANAGER_H_

#include <prometheus/collectable.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "config/config.h"
#include "notifier/alert.h"
#include "notifier/discovery.h"

namespace promlet::notifier {

struct ManagerOptions {
  size_t queue_capacity = 10000;   // --alertmanager.notification-queue-capacity
  int64_t default_timeout_ms = 0;  // --alertmanager.timeout; 0: Prometheus' 10s
  size_t max_batch_size = 256;     // alerts per request, as Prometheus
  bool drain_on_shutdown = true;
  FileSdFactory file_sd;  // null: file_sd files are read once per ApplyConfig
};

class Manager {
 public:
  explicit Manager(ManagerOptions options = {});
  ~Manager();  // Stop()
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Takes global.external_labels and the alerting section. Never fails today (the config was
  // validated when loaded); an Alertmanager whose client cannot be made (unreadable TLS file)
  // is logged and skipped until the next discovery update or reload.
  absl::Status ApplyConfig(const config::Config& cfg);

  // Queues `alerts` (see the invariants); returns at once.
  void Send(std::vector<Alert> alerts);

  // Sends what is queued (see Stop in the invariants), stops discovery and the threads.
  // Idempotent.
  void Stop();

  // /api/v1/alertmanagers: URLs of the active (deduplicated per set) and dropped Alertmanagers.
  std::vector<std::string> ActiveAlertmanagers() const;
  std::vector<std::string> DroppedAlertmanagers() const;

  size_t QueueLength() const;
  // The prometheus_notifications_* families, for /metrics.
  std::shared_ptr<prometheus::Collectable> Metrics() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace promlet::notifier

#endif  // PROMLET_NOTIFIER_MANAGER_H_
