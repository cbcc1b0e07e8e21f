#include "web/self_metrics.h"

#include <dirent.h>
#include <prometheus/metric_family.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "common/metric_families.h"
#include "web/exposition.h"

namespace promlet::web {

namespace {

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

double D(uint64_t v) { return static_cast<double>(v); }

// The storage's families (tsdb::CollectMetrics), then the scrape totals.
class StorageCollector : public prometheus::Collectable {
 public:
  StorageCollector(std::function<std::vector<prometheus::MetricFamily>()> storage,
                   std::function<ScrapeTotals()> scrape)
      : storage_(std::move(storage)), scrape_(std::move(scrape)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    if (storage_) out = storage_();
    if (scrape_) CollectScrape(out);
    return out;
  }

 private:
  void CollectScrape(std::vector<prometheus::MetricFamily>& out) const {
    ScrapeTotals t = scrape_();
    using common::MetricKind;
    common::AppendMetrics(
        out,
        {
            {MetricKind::kGauge, "promlet_scrape_pools",
             "Number of scrape pools (jobs) configured.", D(t.pools)},
            {MetricKind::kGauge, "promlet_scrape_active_targets",
             "Number of active scrape targets.", D(t.active_targets)},
            {MetricKind::kCounter, "promlet_scrape_scrapes_total",
             "Total number of scrapes of the current targets.", D(t.scrapes)},
            {MetricKind::kCounter, "promlet_scrape_missed_total",
             "Total number of scrape ticks skipped because the previous scrape of the target was "
             "still running.",
             D(t.missed_scrapes)},
            {MetricKind::kCounter, "prometheus_target_scrapes_sample_out_of_order_total",
             "Total number of samples rejected due to not being out of the expected order.",
             D(t.samples_out_of_order)},
            {MetricKind::kCounter, "prometheus_target_scrapes_sample_duplicate_timestamp_total",
             "Total number of samples rejected due to duplicate timestamps but different values.",
             D(t.samples_duplicate)},
            {MetricKind::kCounter, "prometheus_target_scrapes_sample_out_of_bounds_total",
             "Total number of samples rejected due to timestamp falling outside of the time "
             "bounds.",
             D(t.samples_out_of_bounds)},
        });
  }

  std::function<std::vector<prometheus::MetricFamily>()> storage_;
  std::function<ScrapeTotals()> scrape_;
};

}  // namespace

std::shared_ptr<prometheus::Collectable> NewStorageCollector(
    std::function<std::vector<prometheus::MetricFamily>()> storage,
    std::function<ScrapeTotals()> scrape) {
  return std::make_shared<StorageCollector>(std::move(storage), std::move(scrape));
}

ProcessStats ReadProcessStats() {
  ProcessStats s;
  long ticks = sysconf(_SC_CLK_TCK);
  long page = sysconf(_SC_PAGESIZE);
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  // Field 2 (comm) may contain spaces: parse after the last ')'.
  size_t rp = line.rfind(')');
  if (rp != std::string::npos && ticks > 0) {
    std::istringstream rest(line.substr(rp + 2));
    std::string f[64];
    int n = 0;
    while (n < 64 && rest >> f[n]) ++n;
    // rest[0] is field 3 (state); utime=14, stime=15, num_threads=20, starttime=22, vsize=23,
    // rss=24 in 1-based stat numbering -> index field-3.
    if (n > 21) {
      s.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(ticks);
      s.threads = std::stoi(f[17]);
      s.start_time_seconds = BootTimeSeconds() + std::stod(f[19]) / static_cast<double>(ticks);
      s.virtual_bytes = std::stod(f[20]);
      s.resident_bytes = std::stod(f[21]) * static_cast<double>(page);
    }
  }
  if (DIR* d = opendir("/proc/self/fd")) {
    int count = 0;
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++count;
    }
    closedir(d);
    s.open_fds = count - 1;  // the directory handle itself
  }
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) s.max_fds = static_cast<double>(rl.rlim_cur);
  return s;
}

SelfMetrics::SelfMetrics(BuildInfo build)
    : build_(std::move(build)), registry_(std::make_shared<prometheus::Registry>()) {
  start_time_seconds_ = ReadProcessStats().start_time_seconds;
}

void SelfMetrics::Add(std::shared_ptr<prometheus::Collectable> c) {
  std::lock_guard<std::mutex> lock(mu_);
  extra_.push_back(std::move(c));
}

std::string SelfMetrics::Render() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& c : extra_) {
      auto more = c->Collect();
      families.insert(families.end(), std::make_move_iterator(more.begin()),
                      std::make_move_iterator(more.end()));
    }
  }
  ProcessStats p = ReadProcessStats();
  families.push_back(common::CounterFamily("process_cpu_seconds_total",
                                         "Total user and system CPU time spent in seconds.",
                                         p.cpu_seconds));
  families.push_back(
      common::GaugeFamily("process_max_fds", "Maximum number of open file descriptors.", p.max_fds));
  families.push_back(
      common::GaugeFamily("process_open_fds", "Number of open file descriptors.", p.open_fds));
  families.push_back(common::GaugeFamily("process_resident_memory_bytes",
                                       "Resident memory size in bytes.", p.resident_bytes));
  families.push_back(common::GaugeFamily("process_start_time_seconds",
                                       "Start time of the process since unix epoch in seconds.",
                                       start_time_seconds_));
  families.push_back(common::GaugeFamily("process_virtual_memory_bytes",
                                       "Virtual memory size in bytes.", p.virtual_bytes));
  families.push_back(
      common::GaugeFamily("process_threads", "Number of OS threads in the process.", p.threads));

  prometheus::MetricFamily info = common::GaugeFamily(
      "promlet_build_info",
      "A metric with a constant '1' value labeled by version, revision, branch, and the compiler "
      "promlet was built with.",
      1);
  info.metric[0].label = {{"branch", build_.branch},
                          {"goversion", build_.go_version},
                          {"revision", build_.revision},
                          {"version", build_.version}};
  families.push_back(std::move(info));
  return SerializeFamilies(families);
}

}  // namespace promlet::web
