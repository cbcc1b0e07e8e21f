#include "storage/remote/remote_storage.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <climits>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/hash.h"
#include "storage/remote/write_client.h"

namespace promlet::remote {

// The I/O thread every queue's HTTP clients run on.
class RemoteStorage::Io {
 public:
  Io() : work_(boost::asio::make_work_guard(ctx_)), thread_([this] { ctx_.run(); }) {}
  ~Io() {
    work_.reset();
    ctx_.stop();
    thread_.join();
  }
  boost::asio::any_io_executor executor() { return ctx_.get_executor(); }

 private:
  boost::asio::io_context ctx_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

std::string QueueName(const config::RemoteWriteConfig& cfg) {
  if (!cfg.name.empty()) return cfg.name;
  uint64_t a = 0, b = 0;
  common::Murmur3x64_128(cfg.url.data(), cfg.url.size(), 0, 0, &a, &b);
  return absl::StrFormat("%012x", a >> 16);
}

RemoteStorage::RemoteStorage(RemoteStorageOptions options)
    : options_(std::move(options)), floor_segment_(INT_MAX), io_(std::make_unique<Io>()) {
  // Until the configuration is applied, keep what the previous run's queues still need.
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(options_.data_dir + "/remote", ec)) {
    auto p = PositionFile(e.path().string() + "/position").Load();
    if (p.ok() && *p) floor_segment_ = std::min(floor_segment_, (*p)->segment);
  }
}

RemoteStorage::~RemoteStorage() { Stop(); }

void RemoteStorage::Stop() {
  std::vector<std::unique_ptr<Queue>> queues;
  {
    std::lock_guard<std::mutex> l(mu_);
    queues.swap(queues_);
  }
  for (auto& q : queues) q->manager->Stop();
}

model::Labels RemoteStorage::external_labels() const {
  std::lock_guard<std::mutex> l(mu_);
  return external_labels_;
}

size_t RemoteStorage::queues() const {
  std::lock_guard<std::mutex> l(mu_);
  return queues_.size();
}

absl::Status RemoteStorage::ApplyConfig(const std::vector<config::RemoteWriteConfig>& configs,
                                        const model::Labels& external_labels) {
  std::vector<std::unique_ptr<Queue>> old;
  {
    std::lock_guard<std::mutex> l(mu_);
    external_labels_ = external_labels;
    for (const auto& q : queues_) {
      floor_segment_ = std::min(floor_segment_, q->manager->FirstNeededSegment());
    }
    old.swap(queues_);
  }
  std::vector<std::unique_ptr<Queue>> next;
  std::vector<const config::RemoteWriteConfig*> to_start;
  for (const auto& cfg : configs) {
    auto it = std::find_if(old.begin(), old.end(), [&](const std::unique_ptr<Queue>& q) {
      return q && q->config == cfg && q->external_labels == external_labels;
    });
    if (it != old.end()) {
      next.push_back(std::move(*it));
    } else {
      to_start.push_back(&cfg);
    }
  }
  // Changed and removed queues stop first (their positions are stored), so that a changed queue
  // with the same name resumes from where it stopped.
  for (auto& q : old) {
    if (q) q->manager->Stop();
  }
  absl::Status result;
  for (const config::RemoteWriteConfig* cfg : to_start) {
    auto q = std::make_unique<Queue>();
    q->config = *cfg;
    q->external_labels = external_labels;
    q->name = QueueName(*cfg);
    const std::string dir = absl::StrCat(options_.data_dir, "/remote/", q->name);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      result.Update(absl::UnavailableError(
          absl::StrCat("remote write queue ", q->name, ": create ", dir, ": ", ec.message())));
      continue;
    }
    auto proto = ParseWriteProtoName(cfg->protobuf_message);
    if (!proto.ok()) {
      result.Update(proto.status());
      continue;
    }
    // Check that the client can be made (URL, TLS files) before starting the queue.
    if (auto probe = WriteClient::Create(io_->executor(), *cfg); !probe.ok()) {
      result.Update(absl::InvalidArgumentError(absl::StrCat(
          "remote write queue ", q->name, " (", cfg->url, "): ", probe.status().message())));
      continue;
    }
    QueueOptions o;
    o.name = q->name;
    o.url = cfg->url;
    o.queue = cfg->queue_config;
    o.proto = *proto;
    o.external_labels = external_labels;
    o.write_relabel_configs = cfg->write_relabel_configs;
    o.position_path = dir + "/position";
    o.watcher.wal_dir = options_.wal_dir;
    o.watcher.max_retention_ms = options_.max_retention_ms;
    o.watcher.read_histograms = cfg->send_native_histograms;
    o.log = options_.log;
    o.highest_appended_ms = options_.highest_appended_ms;
    boost::asio::any_io_executor ex = io_->executor();
    config::RemoteWriteConfig c = *cfg;
    auto log = options_.log;
    o.transport = [ex, c, log]() -> std::unique_ptr<WriteTransport> {
      auto w = WriteClient::Create(ex, c);
      if (w.ok()) return std::move(*w);
      // Checked before the queue started; a TLS file removed since fails every send.
      struct Failing : WriteTransport {
        std::string why;
        Result Send(const std::string&) override { return {0, why}; }
      };
      auto f = std::make_unique<Failing>();
      f->why = std::string(w.status().message());
      return f;
    };
    q->manager = std::make_unique<QueueManager>(std::move(o));
    if (auto st = q->manager->Start(); !st.ok()) {
      result.Update(st);
      continue;
    }
    next.push_back(std::move(q));
  }
  std::lock_guard<std::mutex> l(mu_);
  queues_ = std::move(next);
  floor_segment_ = INT_MAX;
  return result;
}

std::vector<const QueueManager*> RemoteStorage::queue_managers() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<const QueueManager*> out;
  for (const auto& q : queues_) out.push_back(q->manager.get());
  return out;
}

int RemoteStorage::FirstNeededSegment() const {
  std::lock_guard<std::mutex> l(mu_);
  int first = floor_segment_;
  for (const auto& q : queues_) first = std::min(first, q->manager->FirstNeededSegment());
  return first;
}

namespace {

prometheus::MetricFamily Family(const char* name, const char* help, prometheus::MetricType t) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = t;
  return f;
}

}  // namespace

std::vector<prometheus::MetricFamily> RemoteStorage::Collect() const {
  using prometheus::MetricType;
  std::lock_guard<std::mutex> l(mu_);
  struct Row {
    const char* name;
    const char* help;
    MetricType type;
    std::function<double(const QueueMetrics&)> value;
  };
  const Row rows[] = {
      {"prometheus_remote_storage_samples_total", "Total number of samples sent to remote storage.",
       MetricType::Counter, [](const QueueMetrics& m) { return double(m.samples_total.load()); }},
      {"prometheus_remote_storage_samples_failed_total",
       "Total number of samples which failed on send to remote storage, non-recoverable errors.",
       MetricType::Counter,
       [](const QueueMetrics& m) { return double(m.samples_failed_total.load()); }},
      {"prometheus_remote_storage_samples_retried_total",
       "Total number of samples which failed on send to remote storage but were retried because "
       "the send error was recoverable.",
       MetricType::Counter,
       [](const QueueMetrics& m) { return double(m.samples_retried_total.load()); }},
      {"prometheus_remote_storage_samples_dropped_total",
       "Total number of samples which were dropped after being read from the WAL before being "
       "sent via remote write, either via relabelling, due to being too old or unintentionally "
       "because of an unknown reference ID.",
       MetricType::Counter,
       [](const QueueMetrics& m) { return double(m.samples_dropped_total.load()); }},
      {"prometheus_remote_storage_histograms_total",
       "Total number of histograms sent to remote storage.", MetricType::Counter,
       [](const QueueMetrics& m) { return double(m.histograms_total.load()); }},
      {"prometheus_remote_storage_histograms_failed_total",
       "Total number of histograms which failed on send to remote storage, non-recoverable "
       "errors.",
       MetricType::Counter,
       [](const QueueMetrics& m) { return double(m.histograms_failed_total.load()); }},
      {"prometheus_remote_storage_histograms_retried_total",
       "Total number of histograms which failed on send to remote storage but were retried "
       "because the send error was recoverable.",
       MetricType::Counter,
       [](const QueueMetrics& m) { return double(m.histograms_retried_total.load()); }},
      {"prometheus_remote_storage_histograms_dropped_total",
       "Total number of histograms which were dropped after being read from the WAL before being "
       "sent via remote write, either via relabelling, due to being too old or unintentionally "
       "because of an unknown reference ID.",
       MetricType::Counter,
       [](const QueueMetrics& m) { return double(m.histograms_dropped_total.load()); }},
      {"prometheus_remote_storage_samples_pending",
       "The number of samples pending in the queues shards to be sent to the remote storage.",
       MetricType::Gauge, [](const QueueMetrics& m) { return double(m.samples_pending.load()); }},
      {"prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
       "Timestamp from a WAL sample, the highest timestamp successfully sent by this queue, in "
       "seconds since epoch.",
       MetricType::Gauge,
       [](const QueueMetrics& m) { return double(m.highest_sent_timestamp_ms.load()) / 1000; }},
      {"prometheus_remote_storage_shards",
       "The number of shards used for parallel sending to "
       "the remote storage.",
       MetricType::Gauge, [](const QueueMetrics& m) { return double(m.shards.load()); }},
      {"prometheus_remote_storage_shards_desired",
       "The number of shards that the queues shard calculation wants to run based on the rate "
       "of samples in vs. samples out.",
       MetricType::Gauge, [](const QueueMetrics& m) { return double(m.desired_shards.load()); }},
      {"prometheus_remote_storage_bytes_total",
       "The total number of bytes of data (not metadata) sent by the queue after compression.",
       MetricType::Counter, [](const QueueMetrics& m) { return double(m.bytes_total.load()); }},
  };
  std::vector<prometheus::MetricFamily> out;
  auto labels = [](const Queue& q) {
    return std::vector<prometheus::ClientMetric::Label>{{"remote_name", q.name},
                                                        {"url", q.config.url}};
  };
  for (const Row& r : rows) {
    prometheus::MetricFamily f = Family(r.name, r.help, r.type);
    for (const auto& q : queues_) {
      prometheus::ClientMetric m;
      m.label = labels(*q);
      const double v = r.value(q->manager->metrics());
      if (r.type == MetricType::Counter) {
        m.counter.value = v;
      } else {
        m.gauge.value = v;
      }
      f.metric.push_back(std::move(m));
    }
    out.push_back(std::move(f));
  }
  for (const char* which : {"min", "max"}) {
    prometheus::MetricFamily f =
        Family(which[1] == 'i' ? "prometheus_remote_storage_shards_min"
                               : "prometheus_remote_storage_shards_max",
               which[1] == 'i' ? "The minimum number of shards that the queue is allowed to run."
                               : "The maximum number of shards that the queue is allowed to run.",
               MetricType::Gauge);
    for (const auto& q : queues_) {
      prometheus::ClientMetric m;
      m.label = labels(*q);
      m.gauge.value = double(which[1] == 'i' ? q->config.queue_config.min_shards
                                             : q->config.queue_config.max_shards);
      f.metric.push_back(std::move(m));
    }
    out.push_back(std::move(f));
  }
  prometheus::MetricFamily hist =
      Family("prometheus_remote_storage_sent_batch_duration_seconds",
             "Duration of send calls to the remote storage.", MetricType::Histogram);
  for (const auto& q : queues_) {
    const QueueMetrics& qm = q->manager->metrics();
    prometheus::ClientMetric m;
    m.label = labels(*q);
    m.histogram.sample_count = qm.batch_count.load();
    m.histogram.sample_sum = double(qm.batch_sum_micros.load()) / 1e6;
    for (size_t i = 0; i < kNumBatchBuckets; ++i) {
      m.histogram.bucket.push_back({qm.batch_buckets[i].load(), kBatchDurationBuckets[i]});
    }
    m.histogram.bucket.push_back({qm.batch_count.load(), std::numeric_limits<double>::infinity()});
    hist.metric.push_back(std::move(m));
  }
  out.push_back(std::move(hist));
  // The newest sample stored, as Prometheus' (its appender's); without that hook the newest the
  // WAL watchers have read, which lags while a queue is full.
  int64_t highest = INT64_MIN;
  if (options_.highest_appended_ms) {
    highest = options_.highest_appended_ms();
  } else {
    for (const auto& q : queues_) highest = std::max(highest, q->manager->highest_wal_timestamp());
  }
  prometheus::MetricFamily h =
      Family("prometheus_remote_storage_highest_timestamp_in_seconds",
             "Highest timestamp that has come into the remote storage via the Appender interface, "
             "in seconds since epoch.",
             MetricType::Gauge);
  prometheus::ClientMetric hm;
  hm.gauge.value = highest == INT64_MIN ? 0 : double(highest) / 1000;
  h.metric.push_back(hm);
  out.push_back(std::move(h));
  return out;
}

}  // namespace promlet::remote
