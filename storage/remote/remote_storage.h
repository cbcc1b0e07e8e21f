// RemoteStorage: the remote_write queues of the running configuration. It owns one
// QueueManager per remote_write entry (all reading the same WAL), the I/O thread their HTTP
// clients run on, the WAL segment keeper that stops checkpoints from deleting segments a queue
// still needs, and the prometheus_remote_storage_* self metrics.
//
// Invariants:
//  - ApplyConfig keeps queues whose settings (and the external labels) did not change; a
//    changed or new queue starts from its durable position (<data dir>/remote/<queue>/position),
//    keyed by the queue's name or, unnamed, by a hash of its URL, so editing a queue's settings
//    neither loses nor resends its backlog.
//  - FirstNeededSegment() is the lowest WAL segment any queue still needs (INT_MAX: none),
//    including, from construction until the first ApplyConfig ends, the positions stored by
//    the previous run, and during every ApplyConfig what the queues needed before it.
#ifndef PROMLET_STORAGE_REMOTE_REMOTE_STORAGE_H_
#define PROMLET_STORAGE_REMOTE_REMOTE_STORAGE_H_

#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "config/remote_write_config.h"
#include "model/labels.h"
#include "storage/remote/queue_manager.h"

namespace promlet::remote {

struct RemoteStorageOptions {
  std::string data_dir;  // --storage.tsdb.path: positions go under <data_dir>/remote/
  std::string wal_dir;   // <data_dir>/wal
  int64_t max_retention_ms = 4LL * 3600 * 1000;
  // The newest sample timestamp stored (ms), for resharding (QueueOptions).
  std::function<int64_t()> highest_appended_ms;
  std::function<void(std::string_view)> log;
};

class RemoteStorage {
 public:
  explicit RemoteStorage(RemoteStorageOptions options);
  ~RemoteStorage();  // Stop()s
  // Starts, keeps or stops queues to match `configs`. Errors name the queue that cannot start
  // (the others run).
  absl::Status ApplyConfig(const std::vector<config::RemoteWriteConfig>& configs,
                           const model::Labels& external_labels);
  void Stop();
  int FirstNeededSegment() const;
  // prometheus_remote_storage_* families.
  std::vector<prometheus::MetricFamily> Collect() const;
  size_t queues() const;
  // The external labels of the last ApplyConfig (remote read adds them too). Thread-safe.
  model::Labels external_labels() const;
  // The running queues (tests: a queue kept across ApplyConfig is the same object).
  std::vector<const QueueManager*> queue_managers() const;

 private:
  struct Queue {
    config::RemoteWriteConfig config;
    model::Labels external_labels;
    std::string name;
    std::unique_ptr<QueueManager> manager;
  };
  const RemoteStorageOptions options_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Queue>> queues_;  // guarded by mu_
  model::Labels external_labels_;               // guarded by mu_
  // While queues start or stop (startup, reload), the lowest segment they needed before: a
  // checkpoint meanwhile must not delete it. INT_MAX when not applying.
  int floor_segment_;  // guarded by mu_
  class Io;
  std::unique_ptr<Io> io_;
};

// The queue's remote_name label and position directory name: the config's name, or the first
// 6 bytes of a hash of its URL in hex (Prometheus names unnamed queues by a config hash).
std::string QueueName(const config::RemoteWriteConfig& cfg);

}  // namespace promlet::remote

#endif  // PROMLET_STORAGE_REMOTE_REMOTE_STORAGE_H_
