// Manager: runs the scrape side of a config::Config. One scrape pool per job; each pool turns its
// target groups (static_configs, file_sd) into targets with relabel.h's PopulateLabels() and keeps
// one ScrapeLoop per target. It owns the io_context the loops run on and a small thread pool
// driving it (ManagerOptions::threads, 1 by default): loops are timers and sockets on that
// context, never a thread per target. The API server runs its own io_context.
//
// Reload semantics (ApplyConfig), as Prometheus:
//  - a job whose ScrapeConfig is unchanged keeps its loops, caches and discovery untouched;
//  - a changed job restarts the loops of its targets; a target whose labels did not change and
//    whose sample shaping (honor_labels, honor_timestamps, metric_relabel_configs, limits) did not
//    change hands its cache to its successor: no gap in series refs, no stale markers;
//  - targets that vanish (job removed, discovery change, relabeling) get end-of-run stale markers
//    about two intervals later, unless they come back first.
// A broken config must be rejected by the caller (LoadConfig*) before ApplyConfig.
//
// Thread-safety: all public methods may be called from any thread except an io thread of this
// manager (Stop() and the destructor block until every loop has finished).
#ifndef PROMLET_SCRAPE_MANAGER_H_
#define PROMLET_SCRAPE_MANAGER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "config/config.h"
#include "model/relabel.h"
#include "scrape/target.h"
#include "model/textparse.h"
#include "model/labels.h"
#include "storage/interface.h"
#include "scrape/target_labels.h"

namespace promlet::scrape {

// What a job's config contributes to its targets' labels (PopulateLabels' defaults).
TargetDefaults TargetDefaultsOf(const config::ScrapeConfig& c);

struct ManagerOptions {
  // io threads for all loops. One by default: scraping is light (about 1 us of CPU per sample,
  // so one thread keeps up with several hundred thousand samples a second), and a second
  // thread costs more than it gives at ordinary rates: every handler posted while the other
  // thread sleeps wakes it (futex + context switch), ~20% of the CPU of a 20k samples/s fleet.
  int threads = 1;
  // Mixed into every target's scrape offset; Prometheus uses hostname + external labels so that
  // HA pairs do not scrape in lockstep. 0 = derive from the host name.
  uint64_t offset_seed = 0;
};

// /api/v1/targets/metadata: the metadata one target exposes.
struct TargetMetadata {
  std::string scrape_pool;
  model::Labels target_labels;  // public labels (job, instance, ...)
  std::vector<model::MetricMetadata> metadata;
};

class Manager {
 public:
  // `db` must outlive the manager. Starts the io threads; no target runs before ApplyConfig.
  explicit Manager(storage::Appendable* db, ManagerOptions options = {});
  ~Manager();  // Stop()
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Starts, keeps, restarts or stops pools and loops to match `config` (see above). Returns an
  // error only for targets that cannot run (e.g. unreadable TLS files); the other jobs still
  // apply, the failing targets are reported down with that error.
  absl::Status ApplyConfig(const config::Config& config);

  // Replaces the target groups one discovery provider gives a job (provider: "static",
  // "file_sd/<i>", ...); called by discovery. Unknown jobs are ignored.
  void UpdateTargetGroups(std::string_view job, std::string_view provider,
                          std::vector<config::TargetGroup> groups);

  // Stops every loop without stale markers (the data stays for the next start), then the io
  // threads. Idempotent; blocks until all loops finished.
  void Stop();

  // /api/v1/targets, sorted by scrape pool, then scrape URL.
  std::vector<TargetStatus> ActiveTargets() const;
  std::vector<DroppedTarget> DroppedTargets() const;
  // Job names of the current config, in config order (the API's scrapePools).
  std::vector<std::string> ScrapePools() const;
  // /api/v1/targets/metadata and /api/v1/metadata, per active target.
  std::vector<TargetMetadata> TargetsMetadata() const;

 private:
  struct Pool;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_MANAGER_H_
