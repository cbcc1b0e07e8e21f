#include "web/api/v1/heap_trimmer.h"

#include <malloc.h>

#include "net/http/body_buffers.h"
#include "web/api/v1/api.h"

namespace promlet::web {

HeapTrimmer& HeapTrimmer::Process() {
  // Leaked: its thread runs for the life of the process.
  static auto* trimmer = new HeapTrimmer(
      [] {
        net::ReleaseBodyBuffers();
        malloc_trim(0);
      },
      std::chrono::minutes(3), std::chrono::seconds(1));
  return *trimmer;
}

HeapTrimmer::HeapTrimmer(std::function<void()> trim, std::chrono::milliseconds after_queries,
                         std::chrono::milliseconds after_work)
    : trim_(std::move(trim)),
      after_queries_(after_queries),
      after_work_(after_work),
      thread_([this] { Loop(); }) {}

HeapTrimmer::~HeapTrimmer() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void HeapTrimmer::QueryStarted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }

void HeapTrimmer::QueryEnded(bool large) {
  last_end_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  in_flight_.fetch_sub(1, std::memory_order_release);
  if (large) MarkPending(query_pending_);
}

void HeapTrimmer::LargeWorkEnded() {
  last_end_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  MarkPending(work_pending_);
}

void HeapTrimmer::MarkPending(std::atomic<bool>& flag) {
  // Only the first large query (or work) of a burst takes the lock; work wakes a loop that
  // waits out the queries' longer period, so that it waits the shorter one instead.
  if (!flag.exchange(true, std::memory_order_acq_rel)) {
    std::lock_guard<std::mutex> l(mu_);
    cv_.notify_one();
  }
}

std::chrono::milliseconds HeapTrimmer::Quiet() const {
  return work_pending_.load(std::memory_order_acquire) ? after_work_ : after_queries_;
}

void HeapTrimmer::Loop() {
  std::unique_lock<std::mutex> l(mu_);
  auto pending = [this] {
    return query_pending_.load(std::memory_order_acquire) ||
           work_pending_.load(std::memory_order_acquire);
  };
  for (;;) {
    cv_.wait(l, [&] { return stop_ || pending(); });
    if (stop_) return;
    // Sleep until the quiet period after the last query ended; a query in flight or one that
    // ended meanwhile moves the moment on, large work that ended meanwhile shortens the period.
    for (;;) {
      const Clock::time_point now = Clock::now();
      const std::chrono::milliseconds quiet = Quiet();
      const Clock::time_point due =
          Clock::time_point(Clock::duration(last_end_.load(std::memory_order_relaxed))) + quiet;
      const bool busy = in_flight_.load(std::memory_order_acquire) > 0;
      if (!busy && now >= due) break;
      const bool work = work_pending_.load(std::memory_order_acquire);
      const Clock::time_point wake = busy ? now + quiet / 4 : due;
      const bool woken = cv_.wait_until(
          l, wake, [&] { return stop_ || work != work_pending_.load(std::memory_order_acquire); });
      if (woken && stop_) return;
    }
    query_pending_.store(false, std::memory_order_release);
    work_pending_.store(false, std::memory_order_release);
    l.unlock();
    trim_();
    l.lock();
  }
}

void TrimHeapOnceQuiet() { HeapTrimmer::Process().LargeWorkEnded(); }

}  // namespace promlet::web
