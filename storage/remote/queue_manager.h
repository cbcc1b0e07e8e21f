// QueueManager: one remote_write destination. Its WalWatcher reads promlet's WAL; samples of
// series that survive write_relabel_configs (external labels added) are spread over shards by
// series, batched (max_samples_per_send, batch_send_deadline) and sent through a WriteTransport
// with retries. The read position acknowledged by the receiver is kept durably.
//
// Invariants:
//  - Each series' samples are sent in WAL (timestamp) order: a series always maps to one shard
//    while the shard count holds, a shard sends one batch at a time, and resharding first
//    drains every shard (it is not attempted while a shard is failing). The shard count follows
//    Prometheus' rule (shards.h) every reshard_interval, between min_shards and max_shards.
//  - committed() only moves past a WAL record once every sample of it was acknowledged (2xx),
//    refused for good (4xx: counted failed, logged with the receiver's message) or dropped on
//    purpose (relabelled away, unknown series, older than sample_age_limit, max retention:
//    counted dropped). It is stored in the position file several times a second and synced
//    every few seconds, so a restart (clean or kill -9) resends at most what was in flight.
//  - A 400 naming out-of-order, duplicate or too old samples for a batch of several series is
//    retried series by series (each in order), so a receiver that refuses whole requests drops
//    only the series it really refuses (a batch resent after a crash mixes old and new samples).
//    Such a 400 for one series is retried without the series' oldest sample, one at a time, so
//    the first accepted request starts at the receiver's newest sample or the one after it:
//    samples the receiver already holds are left out, none that it lacks.
//  - 5xx, network errors and (with retry_on_http_429) 429 are retried forever with exponential
//    backoff between min_backoff and max_backoff; samples are never dropped for them.
//  - Native histograms (read from the WAL only with send_native_histograms) travel like
//    samples (same shards, ordering, acknowledgement and retries) in the request's
//    `histograms` field, and are counted in the histograms_* metrics.
//  - Memory is bounded: at most `capacity` samples wait per shard; a full queue blocks the
//    watcher (the WAL keeps the rest), never scraping or queries.
#ifndef PROMLET_STORAGE_REMOTE_QUEUE_MANAGER_H_
#define PROMLET_STORAGE_REMOTE_QUEUE_MANAGER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "config/remote_write_config.h"
#include "model/labels.h"
#include "model/relabel.h"
#include "storage/remote/codec.h"
#include "storage/remote/position.h"
#include "storage/remote/shards.h"
#include "storage/remote/wal_watcher.h"

namespace promlet::remote {

// Where a batch goes: one request at a time, blocking.
class WriteTransport {
 public:
  struct Result {
    int status = 0;    // HTTP status; 0 = no answer (connection or timeout error, see body)
    std::string body;  // the receiver's answer (or the transport error)
  };
  virtual ~WriteTransport() = default;
  // `body` is the snappy-compressed request.
  virtual Result Send(const std::string& body) = 0;
  // Makes an in-flight Send return soon (shutdown). Thread-safe.
  virtual void Cancel() {}
};
using TransportFactory = std::function<std::unique_ptr<WriteTransport>()>;

// Prometheus' batch duration buckets (DefBuckets plus 25, 60, 120, 300 seconds).
inline constexpr double kBatchDurationBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                   2.5,   5,    10,    25,   60,  120,  300};
inline constexpr size_t kNumBatchBuckets = std::size(kBatchDurationBuckets);

struct QueueMetrics {
  std::atomic<uint64_t> samples_total{0};
  std::atomic<uint64_t> samples_failed_total{0};
  std::atomic<uint64_t> samples_retried_total{0};
  std::atomic<uint64_t> samples_dropped_total{0};
  // Native histograms (send_native_histograms), counted apart as Prometheus does.
  std::atomic<uint64_t> histograms_total{0};
  std::atomic<uint64_t> histograms_failed_total{0};
  std::atomic<uint64_t> histograms_retried_total{0};
  std::atomic<uint64_t> histograms_dropped_total{0};
  std::atomic<uint64_t> bytes_total{0};
  std::atomic<int64_t> samples_pending{0};
  std::atomic<int64_t> highest_sent_timestamp_ms{0};
  std::atomic<int> shards{0};
  std::atomic<double> desired_shards{0};
  // sent_batch_duration_seconds
  std::atomic<uint64_t> batch_buckets[kNumBatchBuckets] = {};
  std::atomic<uint64_t> batch_count{0};
  std::atomic<uint64_t> batch_sum_micros{0};
};

struct QueueOptions {
  std::string name;  // remote_name label: the config's name, or a hash of its URL
  std::string url;
  config::QueueConfig queue;
  WriteProto proto = WriteProto::kV1;
  model::Labels external_labels;
  std::vector<model::RelabelConfig> write_relabel_configs;
  std::string position_path;  // "" keeps no durable position (tests)
  WalWatcherOptions watcher;  // start is filled from the position file
  TransportFactory transport;
  int64_t reshard_interval_ms = 10000;
  int64_t persist_interval_ms = 100;
  int64_t sync_interval_ms = 5000;
  std::function<void(std::string_view)> log;
  std::function<int64_t()> now_ms;  // wall clock (sample_age_limit)
  // The newest sample timestamp stored (ms), for the backlog behind the receiver when
  // resharding; unset: the newest the WAL watcher has read.
  std::function<int64_t()> highest_appended_ms;
};

class QueueManager : public WalSampleSink {
 public:
  explicit QueueManager(QueueOptions options);
  ~QueueManager() override;  // Stop()s
  QueueManager(const QueueManager&) = delete;
  QueueManager& operator=(const QueueManager&) = delete;

  // Loads the position file (a damaged one is logged and the queue starts at the WAL's end)
  // and starts the watcher, the shards and the maintenance thread.
  absl::Status Start();
  // Stops reading and sending (in-flight requests are cancelled) and stores the position.
  void Stop();

  WalPosition committed() const;
  // The lowest WAL segment this queue still needs (for Wal::SetSegmentKeeper): the committed
  // position's, unless older than max retention.
  int FirstNeededSegment() const;
  const QueueMetrics& metrics() const { return metrics_; }
  const QueueOptions& options() const { return options_; }
  int64_t highest_wal_timestamp() const {
    return watcher_ ? watcher_->highest_timestamp() : INT64_MIN;
  }
  // Sets the shard count now (tests; the maintenance thread does it from the backlog).
  void Reshard(int n);

  // WalSampleSink (called from the watcher thread only).
  void StoreSeries(absl::Span<const tsdb::RefSeries> series) override;
  bool Append(absl::Span<const tsdb::RefSample> samples, WalPosition end) override;
  bool AppendHistograms(absl::Span<const tsdb::RefHistogramSample> histograms,
                        WalPosition end) override;
  void Dropped(uint64_t samples) override;

 private:
  struct Pending {
    std::shared_ptr<const model::Labels> labels;
    int64_t t;
    double v;
    uint64_t seq;         // the WAL record it came from
    int64_t enqueued_ms;  // steady clock, for batch_send_deadline
    // A native-histogram sample instead of v when one of them is set.
    std::shared_ptr<const model::histogram::Histogram> h;
    std::shared_ptr<const model::histogram::FloatHistogram> fh;
    bool is_histogram() const { return h != nullptr || fh != nullptr; }
  };
  // Adds batch's floats to *samples and its histograms to *histograms.
  static void Count(const std::vector<Pending>& batch, std::atomic<uint64_t>* samples,
                    std::atomic<uint64_t>* histograms);
  template <typename RecordSample>
  bool AppendRecord(absl::Span<const RecordSample> samples, WalPosition end);
  struct Shard {
    std::mutex mu;
    std::condition_variable cv;        // new samples, drain, stop
    std::condition_variable space_cv;  // room freed
    std::deque<Pending> queue;
    bool draining = false;
    std::unique_ptr<WriteTransport> transport;
    std::atomic<bool> failing{false};
    std::thread thread;
  };

  void StartShardsLocked(int n);
  void DrainShardsLocked();
  void RunShard(Shard* s);
  // Sends one batch until it is acknowledged, refused or the queue stops; false when stopped
  // before an answer (the batch is not acknowledged).
  bool SendBatch(Shard* s, std::vector<Pending>& batch);
  void Ack(const std::vector<Pending>& batch);
  void AckRecord(uint64_t seq, int64_t n);
  void Persist();      // stores committed() several times a second
  void AutoReshard();  // sets the shard count (ShardCalculator) every reshard_interval
  bool Stopping() const { return stopping_.load(std::memory_order_acquire); }
  void Log(std::string_view msg) const;
  int64_t NowMs() const;
  void ObserveBatchDuration(double seconds);

  const QueueOptions options_;
  std::unique_ptr<PositionFile> position_file_;
  std::unique_ptr<WalWatcher> watcher_;

  // Series as the watcher saw them: final labels, or null when relabelled away.
  absl::flat_hash_map<storage::SeriesRef, std::shared_ptr<const model::Labels>> series_;

  std::mutex shards_mu_;                        // held while routing and while resharding
  std::vector<std::unique_ptr<Shard>> shards_;  // guarded by shards_mu_

  // Acknowledgement accounting: WAL records in order, each with its unacknowledged samples.
  struct RecordAck {
    WalPosition end;
    int64_t outstanding;
  };
  mutable std::mutex ack_mu_;
  std::deque<RecordAck> acks_;  // guarded by ack_mu_
  uint64_t first_seq_ = 0;      // guarded by ack_mu_: seq of acks_.front()
  WalPosition committed_;       // guarded by ack_mu_

  std::atomic<bool> stopping_{false};
  std::atomic<bool> started_{false};
  std::mutex maint_mu_;
  std::condition_variable maint_cv_;
  std::atomic<int> failing_shards_{0};
  ShardCalculator shard_calculator_;
  std::thread persister_;
  std::thread resharder_;
  QueueMetrics metrics_;
};

}  // namespace promlet::remote

#endif  // PROMLET_STORAGE_REMOTE_QUEUE_MANAGER_H_
