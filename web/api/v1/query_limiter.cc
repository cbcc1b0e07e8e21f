#include "web/api/v1/query_limiter.h"

#include <algorithm>

namespace promlet::web {

// One query's cancellation state, watched by the watchdog thread.
struct QueryLimiter::Watch {
  std::atomic<bool> cancel{false};
  std::atomic<bool> timed_out{false};
  std::chrono::steady_clock::time_point deadline;
  std::function<bool()> gone;

  // Raises `cancel` when the deadline passed or the client went away.
  void Check(std::chrono::steady_clock::time_point now) {
    if (now >= deadline) {
      timed_out = true;
      cancel = true;
    } else if (gone && gone()) {
      cancel = true;
    }
  }
};

QueryLimiter::QueryLimiter(int max_concurrency)
    : max_(std::max(1, max_concurrency)), watchdog_([this] { WatchdogLoop(); }) {}

QueryLimiter::~QueryLimiter() {
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    stop_ = true;
  }
  watch_cv_.notify_all();
  watchdog_.join();
}

bool QueryLimiter::Acquire(const std::function<bool()>& give_up) {
  std::unique_lock<std::mutex> lock(gate_mu_);
  if (give_up()) return false;
  while (active_ >= max_) {
    if (give_up()) return false;
    gate_cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
  ++active_;
  return true;
}

void QueryLimiter::Release() {
  std::lock_guard<std::mutex> lock(gate_mu_);
  --active_;
  gate_cv_.notify_one();
}

void QueryLimiter::WatchdogLoop() {
  std::unique_lock<std::mutex> lock(watch_mu_);
  while (!stop_) {
    if (watches_.empty()) {
      watchdog_idle_ = true;
      watch_cv_.wait(lock);
      watchdog_idle_ = false;
      continue;
    }
    // Run() checked each query as it arrived: the first check here is one period later.
    watch_cv_.wait_for(lock, std::chrono::milliseconds(25));
    auto now = std::chrono::steady_clock::now();
    for (Watch* w : watches_) w->Check(now);
  }
}

absl::StatusOr<promql::Result> QueryLimiter::Run(std::chrono::steady_clock::time_point deadline,
                                                 const std::function<bool()>& client_gone,
                                                 const Eval& eval) {
  Watch watch;
  watch.deadline = deadline;
  watch.gone = client_gone;
  watch.Check(std::chrono::steady_clock::now());
  bool wake;
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    watches_.push_back(&watch);
    wake = watchdog_idle_;
  }
  // Only an idle watchdog needs waking: a ticking one sees the new query at its next tick.
  // Waking it per query cost a context switch on every small query.
  if (wake) watch_cv_.notify_all();
  struct Unwatch {
    QueryLimiter* self;
    Watch* w;
    ~Unwatch() {
      std::lock_guard<std::mutex> lock(self->watch_mu_);
      self->watches_.remove(w);
    }
  } unwatch{this, &watch};

  if (!Acquire([&] { return watch.cancel.load(); })) {
    if (watch.timed_out) return absl::DeadlineExceededError("query timed out in query queue");
    return absl::CancelledError("query was canceled in query queue");
  }
  absl::StatusOr<promql::Result> out = eval(&watch.cancel);
  Release();
  if (!out.ok() && out.status().code() == absl::StatusCode::kCancelled && watch.timed_out) {
    return absl::DeadlineExceededError("query timed out in query execution");
  }
  return out;
}

}  // namespace promlet::web
