// SelfMetrics: promlet's own /metrics page. One prometheus-cpp Registry for counters and
// histograms that modules register (HTTP requests here; scrape and tsdb may add theirs through
// extra collectables), plus the process_* gauges read from /proc at each collection and
// promlet_build_info.
//
// Invariant: Render() is safe to call concurrently with metric updates; collectables added with
// Add() must stay alive until the SelfMetrics is destroyed or hold them via shared_ptr.
#ifndef PROMLET_WEB_SELF_METRICS_H_
#define PROMLET_WEB_SELF_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

namespace promlet::web {

struct BuildInfo {
  std::string version;     // promlet's own version, e.g. "0.1.0"
  std::string revision;    // git revision or "unknown"
  std::string branch = "main";
  std::string build_user = "promlet";
  std::string build_date;  // __DATE__ based
  std::string go_version;  // "c++20 g++ ..." — what runs us
};

class SelfMetrics {
 public:
  explicit SelfMetrics(BuildInfo build);
  prometheus::Registry& registry() { return *registry_; }
  const BuildInfo& build() const { return build_; }
  void Add(std::shared_ptr<prometheus::Collectable> c);
  // Text exposition format 0.0.4 of everything.
  std::string Render() const;

 private:
  BuildInfo build_;
  std::shared_ptr<prometheus::Registry> registry_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<prometheus::Collectable>> extra_;
  double start_time_seconds_;
};

// Process statistics from /proc/self, exported with the names the Go client uses.
struct ProcessStats {
  double cpu_seconds = 0;        // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;
  double start_time_seconds = 0;  // since the epoch
  int threads = 0;
};
ProcessStats ReadProcessStats();

// Scrape figures, summed over the active targets. The binary adapts the scrape manager to this
// (the API must not depend on scrape: module arrows are api -> promql -> tsdb).
struct ScrapeTotals {
  uint64_t pools = 0;           // scrape pools (jobs) of the current config
  uint64_t active_targets = 0;
  uint64_t scrapes = 0;         // scrapes run since start (targets that went away drop out)
  uint64_t missed_scrapes = 0;  // ticks skipped because the previous scrape still ran
  uint64_t samples_out_of_order = 0;  // samples the storage refused, by reason
  uint64_t samples_duplicate = 0;
  uint64_t samples_out_of_bounds = 0;
};

// Storage and scrape metrics, read at each collection (nothing is cached): the families
// `storage` returns (the binary passes tsdb::CollectMetrics over its DB), then the scrape
// totals. Either may be empty. What they read must outlive the collector.
std::shared_ptr<prometheus::Collectable> NewStorageCollector(
    std::function<std::vector<prometheus::MetricFamily>()> storage,
    std::function<ScrapeTotals()> scrape);

}  // namespace promlet::web

#endif  // PROMLET_WEB_SELF_METRICS_H_
