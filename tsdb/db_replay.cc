// DB::ReplayWal: the WAL replayed into a new head on all cores (see ReplayHandler), then the
// head truncated to the blocks and the WAL opened for writing. Split from db.cc to keep each
// file readable at once.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tsdb/db.h"

namespace promlet::tsdb {
namespace {

constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();

}  // namespace

namespace {

// Replays into the head through a Head::Replayer: the WAL reader thread frames and decodes
// records; this (the handler's) thread creates series and routes samples, in log order, to one
// apply thread per core, each owning a shard of the series (so the result is exactly that of a
// sequential replay). Batches are handed over in bounded queues and their buffers recycled.
class ReplayHandler : public WalReplayHandler {
 public:
  using Batch = std::vector<Head::Replayer::Sample>;

  ReplayHandler(Head* head, int64_t min_valid, int shards)
      : replayer_(head, shards, min_valid), routed_(static_cast<size_t>(shards)) {
    if (shards > 1) {
      for (int k = 0; k < shards; ++k) workers_.push_back(std::make_unique<Worker>());
      for (int k = 0; k < shards; ++k) {
        workers_[static_cast<size_t>(k)]->thread = std::thread([this, k] { Run(k); });
      }
    }
  }
  ~ReplayHandler() override { Finish(); }

  void OnSeries(absl::Span<const RefSeries> series) override {
    for (const auto& s : series) {
      if (!replayer_.AddSeries(s.ref, s.labels).ok()) ++series_errors;
    }
  }
  void OnSamples(absl::Span<const RefSample> samples) override {
    if (replayer_.HasPendingStartTimestamps()) {
      // Samples with start timestamps (rare): in order here, as histograms are.
      for (auto& w : workers_) w->WaitIdle();
      replayer_.ApplyWithStartTimestamps(samples);
      return;
    }
    if (workers_.empty()) {
      routed_[0].clear();
      replayer_.Route(samples, routed_.data());
      replayer_.Apply(0, routed_[0]);
      return;
    }
    for (size_t k = 0; k < workers_.size(); ++k) {
      routed_[k] = workers_[k]->TakeFree();
      routed_[k].reserve(samples.size() / workers_.size() + samples.size() / 8);
    }
    replayer_.Route(samples, routed_.data());
    for (size_t k = 0; k < workers_.size(); ++k) {
      if (routed_[k].empty()) {
        workers_[k]->GiveFree(std::move(routed_[k]));
      } else {
        workers_[k]->Push(std::move(routed_[k]));
      }
    }
  }
  void OnHistograms(absl::Span<const RefHistogramSample> h) override {
    // Rare next to floats: applied here once the shards have applied every earlier sample,
    // so each series sees its samples in log order.
    for (auto& w : workers_) w->WaitIdle();
    replayer_.ApplyHistograms(h);
  }
  void OnStartTimestamps(absl::Span<const RefStartTimestamp> sts) override {
    replayer_.NoteStartTimestamps(sts);
  }
  void OnTombstones(absl::Span<const WalTombstone> t) override {
    tombstones.insert(tombstones.end(), t.begin(), t.end());
  }
  // Waits for the apply threads and publishes the replay's counters into the head.
  void Finish() {
    for (auto& w : workers_) w->Close();
    for (auto& w : workers_) {
      if (w->thread.joinable()) w->thread.join();
    }
    replayer_.Finish();
  }

  uint64_t series_errors = 0;
  std::vector<WalTombstone> tombstones;

 private:
  // One apply thread's inbox (bounded, so decoding cannot run arbitrarily far ahead) and its
  // pool of emptied batch buffers.
  struct Worker {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Batch> todo;
    std::vector<Batch> free;
    bool closed = false;
    bool busy = false;  // applying a popped batch
    std::thread thread;

    // Returns once every pushed batch has been applied.
    void WaitIdle() {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return todo.empty() && !busy; });
    }
    void Done() {
      std::lock_guard<std::mutex> l(mu);
      busy = false;
      cv.notify_all();
    }

    void Push(Batch b) {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return todo.size() < 4; });
      todo.push_back(std::move(b));
      cv.notify_all();
    }
    bool Pop(Batch* b) {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return !todo.empty() || closed; });
      if (todo.empty()) return false;
      *b = std::move(todo.front());
      todo.pop_front();
      busy = true;
      cv.notify_all();
      return true;
    }
    Batch TakeFree() {
      std::lock_guard<std::mutex> l(mu);
      if (free.empty()) return Batch();
      Batch b = std::move(free.back());
      free.pop_back();
      return b;
    }
    void GiveFree(Batch b) {
      b.clear();
      std::lock_guard<std::mutex> l(mu);
      free.push_back(std::move(b));
    }
    void Close() {
      std::lock_guard<std::mutex> l(mu);
      closed = true;
      cv.notify_all();
    }
  };

  void Run(int k) {
    Worker& w = *workers_[static_cast<size_t>(k)];
    Batch b;
    while (w.Pop(&b)) {
      replayer_.Apply(k, b);
      w.Done();
      w.GiveFree(std::move(b));
      b = Batch();
    }
  }

  Head::Replayer replayer_;
  std::vector<Batch> routed_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

int ReplayShards() {
  unsigned n = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(n, 1u, 8u));
}

}  // namespace

absl::Status DB::ReplayWal() {
  int64_t blocks_max = kMinInt;
  std::vector<BlockMeta> metas = Blocks();
  for (const auto& m : metas) {
    // A block ending in the future must not truncate the head past the wall clock: every
    // current sample would be out of bounds.
    if (!IsFutureBlock(m)) blocks_max = std::max(blocks_max, m.max_time);
  }
  HeadOptions ho = opts_.head;
  // The head logs through the forwarder, which reaches the WAL once it is open (after replay;
  // Replay*() bypass the sink).
  ho.wal = opts_.wal_enabled ? &sink_ : nullptr;
  head_ = std::make_unique<Head>(ho);
  if (!opts_.wal_enabled) {
    if (blocks_max != kMinInt) head_->Truncate(blocks_max);
    return absl::OkStatus();
  }
  std::string wal_dir = dir_ + "/wal";
  auto start = std::chrono::steady_clock::now();
  ReplayHandler handler(head_.get(), blocks_max, ReplayShards());
  auto rep = ReadWal(wal_dir, &handler);
  handler.Finish();
  if (!rep.ok()) return rep.status();
  if (auto st = RepairWal(wal_dir, &*rep); !st.ok()) return st;
  open_report_.wal = *rep;
  for (const auto& w : rep->warnings) Log(w);
  if (handler.series_errors > 0) {
    Log(absl::StrCat("wal replay: ", handler.series_errors, " series records conflicted"));
  }
  if (!handler.tombstones.empty()) {
    absl::flat_hash_map<storage::SeriesRef, model::Labels> labels;
    for (auto& s : head_->LiveSeries()) labels[s.ref] = std::move(s.labels);
    std::lock_guard<std::mutex> l(tomb_mu_);
    for (const auto& t : handler.tombstones) {
      AddInterval(&head_tombs_[t.ref], Interval{t.mint, t.maxt});
      if (auto it = labels.find(t.ref); it != labels.end()) {
        AddInterval(&head_tombs_by_labels_[it->second], Interval{t.mint, t.maxt});
      }
    }
    has_head_tombs_ = true;
  }
  open_report_.replay_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (blocks_max != kMinInt) head_->Truncate(blocks_max);
  auto w = Wal::Open(wal_dir, opts_.wal);
  if (!w.ok()) return w.status();
  wal_ = std::move(*w);
  sink_.target = wal_.get();
  return absl::OkStatus();
}

}  // namespace promlet::tsdb
