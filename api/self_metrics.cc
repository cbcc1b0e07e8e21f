#include "api/self_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <prometheus/metric_family.h>

#include "api/exposition.h"
#include "tsdb/db.h"
#include "tsdb/head.h"

namespace promlet::api {

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

prometheus::MetricFamily Gauge(std::string name, std::string help, double v,
                               prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = v;
  } else {
    m.gauge.value = v;
  }
  f.metric.push_back(std::move(m));
  return f;
}

prometheus::MetricFamily Counter(std::string name, std::string help, double v) {
  return Gauge(std::move(name), std::move(help), v, prometheus::MetricType::Counter);
}

// Prometheus labels its sample counters by type ("float" or "histogram"); promlet stores floats.
prometheus::MetricFamily FloatCounter(std::string name, std::string help, double v) {
  prometheus::MetricFamily f = Counter(std::move(name), std::move(help), v);
  f.metric[0].label = {{"type", "float"}};
  return f;
}

double D(uint64_t v) { return static_cast<double>(v); }
double D(int64_t v) { return static_cast<double>(v); }

class StorageCollector : public prometheus::Collectable {
 public:
  StorageCollector(tsdb::DB* db, const tsdb::Head* head, std::function<ScrapeTotals()> scrape)
      : db_(db), head_(head ? head : (db ? db->head() : nullptr)), scrape_(std::move(scrape)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    if (head_) CollectHead(out);
    if (db_) CollectDb(out);
    if (scrape_) CollectScrape(out);
    return out;
  }

 private:
  void CollectHead(std::vector<prometheus::MetricFamily>& out) const {
    tsdb::HeadStats s = head_->Stats();
    out.push_back(Gauge("prometheus_tsdb_head_series", "Total number of series in the head block.",
                        D(s.num_series)));
    out.push_back(Gauge("prometheus_tsdb_head_chunks", "Total number of chunks in the head block.",
                        D(s.num_chunks)));
    out.push_back(FloatCounter("prometheus_tsdb_head_samples_appended_total",
                               "Total number of appended samples.", D(s.samples_appended)));
    out.push_back(Counter("prometheus_tsdb_head_series_created_total",
                          "Total number of series created in the head", D(s.series_created)));
    out.push_back(Counter("prometheus_tsdb_head_series_removed_total",
                          "Total number of series removed in the head", D(s.series_removed)));
    out.push_back(FloatCounter("prometheus_tsdb_out_of_order_samples_total",
                               "Total number of out of order samples ingestion failed attempts.",
                               D(s.out_of_order)));
    out.push_back(FloatCounter("prometheus_tsdb_out_of_bound_samples_total",
                               "Total number of out of bound samples ingestion failed attempts.",
                               D(s.out_of_bounds)));
    out.push_back(Counter("promlet_tsdb_duplicate_samples_total",
                          "Total number of samples rejected because their timestamp already held "
                          "a different value.",
                          D(s.duplicates)));
    // As in Prometheus: max int64 / min int64 while the head is empty.
    out.push_back(Gauge("prometheus_tsdb_head_min_time",
                        "Minimum time bound of the head block. The unit is decided by the library "
                        "consumer.",
                        D(s.min_time)));
    out.push_back(Gauge("prometheus_tsdb_head_max_time",
                        "Maximum timestamp of the head block. The unit is decided by the library "
                        "consumer.",
                        D(s.max_time)));
    out.push_back(Gauge("prometheus_tsdb_head_min_time_seconds",
                        "Minimum time bound of the head block.", D(s.min_time) / 1000.0));
    out.push_back(Gauge("prometheus_tsdb_head_max_time_seconds",
                        "Maximum timestamp of the head block.", D(s.max_time) / 1000.0));
    out.push_back(Gauge("promlet_tsdb_head_chunk_bytes",
                        "Heap bytes of the head's chunk data (closed and open chunks).",
                        D(s.chunk_bytes)));
    out.push_back(Gauge("promlet_tsdb_head_index_bytes",
                        "Estimated bytes of the head's index (postings, symbols, series records).",
                        D(s.index_bytes)));
    out.push_back(Gauge("promlet_tsdb_head_symbols", "Number of distinct strings in the head.",
                        D(s.num_symbols)));
  }

  void CollectDb(std::vector<prometheus::MetricFamily>& out) const {
    const tsdb::DBMetrics& m = db_->metrics();
    out.push_back(Gauge("prometheus_tsdb_blocks_loaded",
                        "Number of currently loaded data blocks", D(db_->Blocks().size())));
    out.push_back(Counter("prometheus_tsdb_compactions_total",
                          "Total number of compactions that were executed for the partition.",
                          D(m.compactions.load())));
    out.push_back(Counter("prometheus_tsdb_compactions_failed_total",
                          "Total number of compactions that failed for the partition.",
                          D(m.compaction_failures.load())));
    out.push_back(Counter("prometheus_tsdb_head_truncations_total",
                          "Total number of head truncations attempted.",
                          D(m.head_truncations.load())));
    out.push_back(Counter("prometheus_tsdb_checkpoint_creations_total",
                          "Total number of checkpoint creations attempted.",
                          D(m.checkpoints.load())));
    out.push_back(Counter("promlet_tsdb_blocks_deleted_by_retention_total",
                          "Total number of blocks deleted by time or size retention.",
                          D(m.blocks_deleted_by_retention.load())));
    out.push_back(Counter("promlet_tsdb_append_failures_total",
                          "Total number of commits that failed (WAL write errors such as a full "
                          "disk); their samples were not stored.",
                          D(m.append_failures.load())));
    out.push_back(Gauge("promlet_tsdb_disk_bytes",
                        "Bytes under the data directory (blocks, WAL, checkpoints), as size "
                        "retention counts them.",
                        D(db_->DiskBytes())));
    const tsdb::DBOpenReport& r = db_->open_report();
    out.push_back(Counter("prometheus_tsdb_wal_corruptions_total",
                          "Total number of WAL corruptions.", D(static_cast<uint64_t>(r.wal.damaged_segments))));
    out.push_back(Gauge("prometheus_tsdb_data_replay_duration_seconds",
                        "Time taken to replay the data on disk.", r.replay_seconds));
    out.push_back(Gauge("promlet_tsdb_blocks_skipped",
                        "Damaged blocks skipped at open (still on disk, not served).",
                        D(r.skipped_blocks.size())));
    out.push_back(Counter("promlet_tsdb_blocks_damaged_total",
                          "Blocks found damaged by a read while serving (logged, then skipped; "
                          "their files stay on disk).",
                          D(m.blocks_damaged.load())));
    if (const tsdb::Wal* w = db_->wal()) {
      const tsdb::WalMetrics& wm = w->metrics();
      out.push_back(Gauge("prometheus_tsdb_wal_segment_current",
                          "Write log segment index that TSDB is currently writing to.",
                          w->CurrentSegment()));
      out.push_back(Counter("prometheus_tsdb_wal_writes_failed_total",
                            "Total number of write log writes that failed.",
                            D(wm.write_failures.load())));
      out.push_back(Counter("promlet_tsdb_wal_records_written_total",
                            "Total number of records written to the WAL.",
                            D(wm.records_written.load())));
      out.push_back(Counter("promlet_tsdb_wal_bytes_written_total",
                            "Total number of bytes written to the WAL.",
                            D(wm.bytes_written.load())));
      out.push_back(Counter("promlet_tsdb_wal_segments_created_total",
                            "Total number of WAL segments created.",
                            D(wm.segments_created.load())));
    }
  }

  void CollectScrape(std::vector<prometheus::MetricFamily>& out) const {
    ScrapeTotals t = scrape_();
    out.push_back(Gauge("promlet_scrape_pools", "Number of scrape pools (jobs) configured.",
                        D(t.pools)));
    out.push_back(Gauge("promlet_scrape_active_targets", "Number of active scrape targets.",
                        D(t.active_targets)));
    out.push_back(Counter("promlet_scrape_scrapes_total",
                          "Total number of scrapes of the current targets.", D(t.scrapes)));
    out.push_back(Counter("promlet_scrape_missed_total",
                          "Total number of scrape ticks skipped because the previous scrape of "
                          "the target was still running.",
                          D(t.missed_scrapes)));
    out.push_back(Counter("prometheus_target_scrapes_sample_out_of_order_total",
                          "Total number of samples rejected due to not being out of the expected "
                          "order.",
                          D(t.samples_out_of_order)));
    out.push_back(Counter("prometheus_target_scrapes_sample_duplicate_timestamp_total",
                          "Total number of samples rejected due to duplicate timestamps but "
                          "different values.",
                          D(t.samples_duplicate)));
    out.push_back(Counter("prometheus_target_scrapes_sample_out_of_bounds_total",
                          "Total number of samples rejected due to timestamp falling outside of "
                          "the time bounds.",
                          D(t.samples_out_of_bounds)));
  }

  tsdb::DB* db_;
  const tsdb::Head* head_;
  std::function<ScrapeTotals()> scrape_;
};

}  // namespace

std::shared_ptr<prometheus::Collectable> NewStorageCollector(
    tsdb::DB* db, const tsdb::Head* head, std::function<ScrapeTotals()> scrape) {
  return std::make_shared<StorageCollector>(db, head, std::move(scrape));
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
  families.push_back(Gauge("process_cpu_seconds_total",
                           "Total user and system CPU time spent in seconds.", p.cpu_seconds,
                           prometheus::MetricType::Counter));
  families.push_back(Gauge("process_max_fds", "Maximum number of open file descriptors.",
                           p.max_fds));
  families.push_back(Gauge("process_open_fds", "Number of open file descriptors.", p.open_fds));
  families.push_back(Gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
                           p.resident_bytes));
  families.push_back(Gauge("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.",
                           start_time_seconds_));
  families.push_back(Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                           p.virtual_bytes));
  families.push_back(Gauge("process_threads", "Number of OS threads in the process.", p.threads));

  prometheus::MetricFamily info = Gauge(
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

}  // namespace promlet::api
