#include "storage/remote/queue_manager.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "tsdb/wlog/tail.h"

namespace promlet::remote {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool Retryable(int status, bool retry_on_429) {
  return status == 0 || status >= 500 || (status == 429 && retry_on_429);
}

// A refusal because the receiver holds newer (or the same) samples for a series.
bool RefusedAsAlreadyNewer(std::string_view body) {
  for (std::string_view why : {"out of order", "duplicate sample", "out of bounds", "too old"}) {
    if (body.find(why) != std::string_view::npos) return true;
  }
  return false;
}

std::string Quote(std::string_view body) {
  std::string s(body.substr(0, 512));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

QueueManager::QueueManager(QueueOptions options)
    : options_(std::move(options)),
      shard_calculator_(std::max<int64_t>(1, options_.reshard_interval_ms),
                        static_cast<int>(options_.queue.min_shards),
                        static_cast<int>(options_.queue.max_shards)) {
  if (!options_.position_path.empty()) {
    position_file_ = std::make_unique<PositionFile>(options_.position_path);
  }
}

QueueManager::~QueueManager() { Stop(); }

void QueueManager::Log(std::string_view msg) const {
  if (options_.log) options_.log(msg);
}

int64_t QueueManager::NowMs() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::Status QueueManager::Start() {
  WalWatcherOptions wo = options_.watcher;
  if (!wo.log) wo.log = options_.log;
  if (position_file_) {
    auto loaded = position_file_->Load();
    if (!loaded.ok()) {
      Log(absl::StrCat(loaded.status().message(),
                       "; starting at the end of the WAL (data not yet sent is not resent)"));
    } else if (*loaded) {
      wo.start = **loaded;
    }
  }
  if (!wo.start) {
    // A new queue sends what is written from now on: its start is the WAL's end at this moment
    // (found here, not in the watcher's thread, so that samples appended right after Start()
    // are sent).
    tsdb::WalListing listing = tsdb::ListWalDir(wo.wal_dir);
    if (!listing.segments.empty()) {
      const int last = listing.segments.back();
      uint64_t off = 0;
      for (;;) {
        auto r = tsdb::ReadSegmentRecords(tsdb::WalSegmentPath(wo.wal_dir, last), off, 16 << 20);
        if (!r.ok()) break;
        off = r->offset;
        if (r->stop != tsdb::WalTailStop::kLimit) break;
      }
      wo.start = WalPosition{last, off};
    }
  }
  {
    std::lock_guard<std::mutex> l(ack_mu_);
    committed_ = wo.start.value_or(WalPosition{-1, 0});
  }
  {
    std::lock_guard<std::mutex> l(shards_mu_);
    StartShardsLocked(static_cast<int>(options_.queue.min_shards));
  }
  watcher_ = std::make_unique<WalWatcher>(std::move(wo), this);
  watcher_->Start();
  persister_ = std::thread([this] { Persist(); });
  resharder_ = std::thread([this] { AutoReshard(); });
  started_ = true;
  return absl::OkStatus();
}

void QueueManager::Stop() {
  if (!started_.exchange(false)) return;
  stopping_.store(true, std::memory_order_release);
  maint_cv_.notify_all();
  {
    std::lock_guard<std::mutex> l(shards_mu_);  // not held long: Append waits without it
    for (auto& s : shards_) {
      std::lock_guard<std::mutex> sl(s->mu);
      s->cv.notify_all();
      s->space_cv.notify_all();
      if (s->transport) s->transport->Cancel();
    }
  }
  if (watcher_) watcher_->Stop();
  std::vector<std::unique_ptr<Shard>> shards;
  {
    std::lock_guard<std::mutex> l(shards_mu_);
    shards.swap(shards_);
  }
  for (auto& s : shards) {
    if (s->thread.joinable()) s->thread.join();
  }
  if (persister_.joinable()) persister_.join();
  if (resharder_.joinable()) resharder_.join();
  if (position_file_) {
    const WalPosition p = committed();
    if (p.segment >= 0) {
      if (auto st = position_file_->Store(p, /*sync=*/true); !st.ok())
        Log(std::string(st.message()));
    }
  }
}

WalPosition QueueManager::committed() const {
  std::lock_guard<std::mutex> l(ack_mu_);
  return committed_;
}

int QueueManager::FirstNeededSegment() const {
  const WalPosition p = committed();
  if (p.segment < 0) return INT_MAX;
  const int64_t max_retention = options_.watcher.max_retention_ms;
  // Segments whose newest data is older than max retention are not kept for this queue.
  tsdb::WalListing listing = tsdb::ListWalDir(options_.watcher.wal_dir);
  const int64_t limit = NowMs() - max_retention;
  for (int seg : listing.segments) {
    if (seg < p.segment) continue;
    struct stat st;
    const std::string path = tsdb::WalSegmentPath(options_.watcher.wal_dir, seg);
    if (seg == listing.segments.back() || ::stat(path.c_str(), &st) != 0) return seg;
    const int64_t mtime =
        static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (mtime >= limit) return seg;
  }
  return p.segment;
}

void QueueManager::StoreSeries(absl::Span<const tsdb::RefSeries> series) {
  for (const auto& s : series) {
    model::LabelsBuilder b(s.labels);
    for (const auto& l : options_.external_labels) {
      if (b.Get(l.name).empty()) b.Set(l.name, l.value);
    }
    model::Labels labels = b.Build();
    if (!options_.write_relabel_configs.empty()) {
      std::optional<model::Labels> r = model::Process(labels, options_.write_relabel_configs);
      if (!r || r->empty()) {
        series_[s.ref] = nullptr;
        continue;
      }
      labels = *std::move(r);
    }
    series_[s.ref] = std::make_shared<const model::Labels>(std::move(labels));
  }
}

void QueueManager::Dropped(uint64_t samples) {
  metrics_.samples_dropped_total.fetch_add(samples, std::memory_order_relaxed);
  shard_calculator_.SamplesIn(static_cast<int64_t>(samples));
  shard_calculator_.SamplesDropped(static_cast<int64_t>(samples));
}

void QueueManager::Count(const std::vector<Pending>& batch, std::atomic<uint64_t>* samples,
                         std::atomic<uint64_t>* histograms) {
  uint64_t nh = 0;
  for (const Pending& p : batch) nh += p.is_histogram() ? 1 : 0;
  samples->fetch_add(batch.size() - nh, std::memory_order_relaxed);
  histograms->fetch_add(nh, std::memory_order_relaxed);
}

bool QueueManager::Append(absl::Span<const tsdb::RefSample> samples, WalPosition end) {
  return AppendRecord(samples, end);
}

bool QueueManager::AppendHistograms(absl::Span<const tsdb::RefHistogramSample> histograms,
                                    WalPosition end) {
  return AppendRecord(histograms, end);
}

template <typename RecordSample>
bool QueueManager::AppendRecord(absl::Span<const RecordSample> samples, WalPosition end) {
  constexpr bool kHistograms = std::is_same_v<RecordSample, tsdb::RefHistogramSample>;
  if (Stopping()) return false;
  const int64_t now = SteadyMs();
  std::unique_lock<std::mutex> routing(shards_mu_);
  const size_t n = shards_.size();
  // Resolve series first so the record's outstanding count is known before any shard acks.
  std::vector<std::pair<size_t, const RecordSample*>> routed;
  routed.reserve(samples.size());
  uint64_t dropped = 0;
  std::vector<std::shared_ptr<const model::Labels>> labels;
  labels.reserve(samples.size());
  for (const auto& s : samples) {
    auto it = series_.find(s.ref);
    if (it == series_.end() || it->second == nullptr) {
      ++dropped;
      continue;
    }
    routed.emplace_back(static_cast<size_t>(s.ref % n), &s);
    labels.push_back(it->second);
  }
  shard_calculator_.SamplesIn(static_cast<int64_t>(samples.size()));
  if (dropped > 0) {
    (kHistograms ? metrics_.histograms_dropped_total : metrics_.samples_dropped_total)
        .fetch_add(dropped, std::memory_order_relaxed);
    shard_calculator_.SamplesDropped(static_cast<int64_t>(dropped));
  }
  uint64_t seq;
  {
    std::lock_guard<std::mutex> l(ack_mu_);
    seq = first_seq_ + acks_.size();
    acks_.push_back({end, static_cast<int64_t>(routed.size())});
  }
  if (routed.empty()) {
    AckRecord(seq, 0);
    return true;
  }
  metrics_.samples_pending.fetch_add(static_cast<int64_t>(routed.size()),
                                     std::memory_order_relaxed);
  const size_t capacity = static_cast<size_t>(options_.queue.capacity);
  for (size_t i = 0; i < routed.size(); ++i) {
    Shard* shard = shards_[routed[i].first].get();
    std::unique_lock<std::mutex> sl(shard->mu);
    // Polls for Stop() too: Stop() cannot take shards_mu_ to notify while this holds it.
    while (shard->queue.size() >= capacity && !Stopping()) {
      shard->space_cv.wait_for(sl, std::chrono::milliseconds(100));
    }
    if (Stopping()) return false;
    const RecordSample* s = routed[i].second;
    if constexpr (kHistograms) {
      shard->queue.push_back(Pending{std::move(labels[i]), s->t, 0, seq, now, s->h, s->fh});
    } else {
      shard->queue.push_back(Pending{std::move(labels[i]), s->t, s->v, seq, now, nullptr, nullptr});
    }
    if (shard->queue.size() == 1 ||
        shard->queue.size() >= static_cast<size_t>(options_.queue.max_samples_per_send)) {
      shard->cv.notify_all();
    }
  }
  return true;
}

void QueueManager::AckRecord(uint64_t seq, int64_t n) {
  std::lock_guard<std::mutex> l(ack_mu_);
  if (seq < first_seq_ || seq - first_seq_ >= acks_.size()) return;
  acks_[seq - first_seq_].outstanding -= n;
  while (!acks_.empty() && acks_.front().outstanding <= 0) {
    committed_ = acks_.front().end;
    acks_.pop_front();
    ++first_seq_;
  }
}

void QueueManager::Ack(const std::vector<Pending>& batch) {
  // Batches hold runs of the same record: ack per run.
  size_t i = 0;
  while (i < batch.size()) {
    size_t j = i;
    while (j < batch.size() && batch[j].seq == batch[i].seq) ++j;
    AckRecord(batch[i].seq, static_cast<int64_t>(j - i));
    i = j;
  }
  metrics_.samples_pending.fetch_sub(static_cast<int64_t>(batch.size()), std::memory_order_relaxed);
}

void QueueManager::StartShardsLocked(int n) {
  n = std::max(1, n);
  for (int i = 0; i < n; ++i) {
    auto s = std::make_unique<Shard>();
    s->transport = options_.transport();
    Shard* raw = s.get();
    s->thread = std::thread([this, raw] { RunShard(raw); });
    shards_.push_back(std::move(s));
  }
  metrics_.shards.store(n, std::memory_order_relaxed);
}

void QueueManager::DrainShardsLocked() {
  for (auto& s : shards_) {
    std::lock_guard<std::mutex> sl(s->mu);
    s->draining = true;
    s->cv.notify_all();
  }
  for (auto& s : shards_) {
    if (s->thread.joinable()) s->thread.join();
    if (s->failing.load()) failing_shards_.fetch_sub(1);
  }
  shards_.clear();
}

void QueueManager::Reshard(int n) {
  n = std::clamp(n, static_cast<int>(options_.queue.min_shards),
                 static_cast<int>(options_.queue.max_shards));
  std::lock_guard<std::mutex> l(shards_mu_);
  if (Stopping() || static_cast<int>(shards_.size()) == n) return;
  Log(absl::StrCat("remote write queue ", options_.name, ": resharding from ", shards_.size(),
                   " to ", n, " shards"));
  DrainShardsLocked();
  if (Stopping()) return;
  StartShardsLocked(n);
}

void QueueManager::RunShard(Shard* s) {
  const size_t max_batch = static_cast<size_t>(options_.queue.max_samples_per_send);
  const int64_t deadline_ms = options_.queue.batch_send_deadline_ms;
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> l(s->mu);
      s->cv.wait(l, [&] { return !s->queue.empty() || s->draining || Stopping(); });
      if (Stopping()) return;
      if (s->queue.empty()) return;  // drained
      // Wait for a full batch or the deadline of the oldest sample (draining sends at once).
      while (!s->draining && !Stopping() && s->queue.size() < max_batch) {
        const int64_t wait = s->queue.front().enqueued_ms + deadline_ms - SteadyMs();
        if (wait <= 0) break;
        s->cv.wait_for(l, std::chrono::milliseconds(wait));
      }
      if (Stopping()) return;
      const size_t take = std::min(max_batch, s->queue.size());
      batch.assign(std::make_move_iterator(s->queue.begin()),
                   std::make_move_iterator(s->queue.begin() + static_cast<long>(take)));
      s->queue.erase(s->queue.begin(), s->queue.begin() + static_cast<long>(take));
      s->space_cv.notify_all();
    }
    if (!SendBatch(s, batch)) return;
    Ack(batch);
    batch.clear();
  }
}

bool QueueManager::SendBatch(Shard* s, std::vector<Pending>& batch) {
  const auto& q = options_.queue;
  int64_t backoff = q.min_backoff_ms;
  int64_t trimmed = 0;  // oldest samples left out because the receiver holds newer ones
  for (int attempt = 0;; ++attempt) {
    if (Stopping()) return false;
    // sample_age_limit: samples too old to be worth sending are dropped before each retry.
    std::vector<Pending> expired;
    if (attempt > 0 && q.sample_age_limit_ms > 0) {
      const int64_t oldest = NowMs() - q.sample_age_limit_ms;
      auto keep = std::stable_partition(batch.begin(), batch.end(),
                                        [&](const Pending& p) { return p.t >= oldest; });
      expired.assign(std::make_move_iterator(keep), std::make_move_iterator(batch.end()));
      batch.erase(keep, batch.end());
      if (!expired.empty()) {
        Count(expired, &metrics_.samples_dropped_total, &metrics_.histograms_dropped_total);
        shard_calculator_.SamplesDropped(static_cast<int64_t>(expired.size()));
        Ack(expired);
      }
      if (batch.empty()) return true;
    }
    // Group by series, keeping each series' samples in order.
    std::vector<WriteSeries> series;
    absl::flat_hash_map<const model::Labels*, size_t> index;
    int64_t highest = INT64_MIN;
    for (const Pending& p : batch) {
      auto [it, inserted] = index.try_emplace(p.labels.get(), series.size());
      if (inserted) {
        series.emplace_back();
        series.back().labels = *p.labels;
      }
      if (p.h != nullptr) {
        HistogramSample& x = series[it->second].histograms.emplace_back();
        x.t = p.t;
        p.h->CopyTo(&x.h);
      } else if (p.fh != nullptr) {
        HistogramSample& x = series[it->second].histograms.emplace_back();
        x.t = p.t;
        x.is_float = true;
        x.fh = p.fh->Copy();
      } else {
        series[it->second].samples.push_back(storage::Sample{p.t, p.v});
      }
      highest = std::max(highest, p.t);
    }
    const std::string body = SnappyCompress(EncodeWriteRequest(options_.proto, series));
    const auto t0 = std::chrono::steady_clock::now();
    WriteTransport::Result r = s->transport->Send(body);
    const auto took = std::chrono::steady_clock::now() - t0;
    ObserveBatchDuration(std::chrono::duration<double>(took).count());
    if ((r.status >= 200 && r.status < 300) || !Retryable(r.status, q.retry_on_http_429)) {
      // Answered for good: the time per sample sent that resharding works from (time spent on
      // attempts to retry is left out: a receiver that is down needs no more shards).
      shard_calculator_.SamplesOut(static_cast<int64_t>(batch.size()));
      shard_calculator_.SendNanos(
          std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
      shard_calculator_.SentAt(SteadyMs());
    }
    if (r.status >= 200 && r.status < 300) {
      Count(batch, &metrics_.samples_total, &metrics_.histograms_total);
      metrics_.bytes_total.fetch_add(body.size(), std::memory_order_relaxed);
      int64_t prev = metrics_.highest_sent_timestamp_ms.load(std::memory_order_relaxed);
      while (highest > prev &&
             !metrics_.highest_sent_timestamp_ms.compare_exchange_weak(prev, highest)) {
      }
      if (s->failing.exchange(false)) {
        failing_shards_.fetch_sub(1);
        Log(absl::StrCat("remote write queue ", options_.name, ": ", options_.url,
                         " accepts samples again"));
      }
      return true;
    }
    if (Stopping()) return false;
    if (r.status == 400 && series.size() > 1 && RefusedAsAlreadyNewer(r.body)) {
      // Typically a batch resent after a restart mixing samples the receiver already has with
      // new ones: a receiver that refuses whole requests (Prometheus with 1.0) would lose the
      // new ones. Each series is retried on its own, in order, so only the series whose samples
      // the receiver really refuses are dropped.
      std::vector<std::vector<Pending>> parts;
      absl::flat_hash_map<const model::Labels*, size_t> part_of;
      for (Pending& p : batch) {
        auto [it, inserted] = part_of.try_emplace(p.labels.get(), parts.size());
        if (inserted) parts.emplace_back();
        parts[it->second].push_back(std::move(p));
      }
      batch.clear();
      bool ok = true;
      for (auto& part : parts) {
        if (ok) ok = SendBatch(s, part);
        for (Pending& p : part) batch.push_back(std::move(p));
      }
      return ok;
    }
    if (r.status == 400 && batch.size() > 1 && RefusedAsAlreadyNewer(r.body)) {
      // One series whose oldest samples the receiver already holds (the batch was acknowledged
      // before a crash but not yet recorded) and whose newer ones it lacks: a receiver refusing
      // whole requests would lose the newer ones. The request is retried without its oldest
      // sample until accepted: a suffix is accepted once it starts at or after the receiver's
      // newest sample, and as each shorter suffix is tried in turn, the first one accepted
      // starts no later than the sample after it, so nothing the receiver lacks is dropped.
      Count({batch.front()}, &metrics_.samples_failed_total, &metrics_.histograms_failed_total);
      Ack({batch.front()});
      batch.erase(batch.begin());
      if (++trimmed == 1) {
        Log(absl::StrCat("remote write queue ", options_.name, ": ", options_.url, " refused ",
                         batch.size() + 1, " samples of ", batch.front().labels->ToString(), ": ",
                         Quote(r.body),
                         "; resending without its oldest samples until it accepts the newer "
                         "ones"));
      }
      --attempt;  // not a failure: no backoff, and sample_age_limit waits for a real retry
      continue;
    }
    if (!Retryable(r.status, q.retry_on_http_429)) {
      Count(batch, &metrics_.samples_failed_total, &metrics_.histograms_failed_total);
      Log(absl::StrCat("remote write queue ", options_.name, ": ", options_.url, " refused ",
                       batch.size(), " samples with HTTP status ", r.status, ": ", Quote(r.body),
                       " (not retried)"));
      return true;
    }
    Count(batch, &metrics_.samples_retried_total, &metrics_.histograms_retried_total);
    if (!s->failing.exchange(true)) {
      failing_shards_.fetch_add(1);
      Log(absl::StrCat("remote write queue ", options_.name, ": sending to ", options_.url,
                       " failed (",
                       r.status == 0 ? std::string("no answer") : absl::StrCat("HTTP ", r.status),
                       ": ", Quote(r.body), "); retrying with backoff"));
    }
    std::unique_lock<std::mutex> l(s->mu);
    s->cv.wait_for(l, std::chrono::milliseconds(backoff), [&] { return Stopping(); });
    backoff = std::min(backoff * 2, q.max_backoff_ms);
  }
}

void QueueManager::ObserveBatchDuration(double seconds) {
  for (size_t i = 0; i < kNumBatchBuckets; ++i) {
    if (seconds <= kBatchDurationBuckets[i]) {
      metrics_.batch_buckets[i].fetch_add(1, std::memory_order_relaxed);
    }
  }
  metrics_.batch_count.fetch_add(1, std::memory_order_relaxed);
  metrics_.batch_sum_micros.fetch_add(static_cast<uint64_t>(seconds * 1e6),
                                      std::memory_order_relaxed);
}

void QueueManager::Persist() {
  WalPosition stored{-1, 0};
  int64_t last_sync = SteadyMs();
  bool logged_store_error = false;
  std::unique_lock<std::mutex> l(maint_mu_);
  while (!Stopping()) {
    maint_cv_.wait_for(l, std::chrono::milliseconds(options_.persist_interval_ms),
                       [&] { return Stopping(); });
    if (Stopping() || !position_file_) break;
    const int64_t now = SteadyMs();
    const WalPosition p = committed();
    const bool sync = now - last_sync >= options_.sync_interval_ms;
    if (p.segment < 0 || (p == stored && !sync)) continue;
    // A failed store (full disk) keeps the previous file: the queue resends a little more
    // after a restart, never less.
    if (auto st = position_file_->Store(p, sync); st.ok()) {
      stored = p;
      logged_store_error = false;
    } else if (!logged_store_error) {
      logged_store_error = true;
      Log(absl::StrCat("remote write queue ", options_.name,
                       ": cannot store the read position: ", st.message()));
    }
    if (sync) last_sync = now;
  }
}

void QueueManager::AutoReshard() {
  std::unique_lock<std::mutex> l(maint_mu_);
  while (!Stopping()) {
    maint_cv_.wait_for(l, std::chrono::milliseconds(options_.reshard_interval_ms),
                       [&] { return Stopping(); });
    if (Stopping()) break;
    const int current = metrics_.shards.load(std::memory_order_relaxed);
    const int64_t highest_in =
        options_.highest_appended_ms ? options_.highest_appended_ms() : highest_wal_timestamp();
    const ShardCalculator::Decision d =
        shard_calculator_.Tick(SteadyMs(), current, highest_in,
                               metrics_.highest_sent_timestamp_ms.load(std::memory_order_relaxed));
    metrics_.desired_shards.store(d.desired, std::memory_order_relaxed);
    if (failing_shards_.load() == 0 && d.shards != current) {
      l.unlock();
      Reshard(d.shards);
      l.lock();
    }
  }
}

}  // namespace promlet::remote
