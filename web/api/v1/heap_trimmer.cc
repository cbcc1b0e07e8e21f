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
      std::chrono::seconds(1));
  return *trimmer;
}

HeapTrimmer::HeapTrimmer(std::function<void()> trim, std::chrono::milliseconds quiet)
    : trim_(std::move(trim)), quiet_(quiet), thread_([this] { Loop(); }) {}

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
  if (large) MarkPending();
}

void HeapTrimmer::LargeWorkEnded() {
  last_end_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  MarkPending();
}

void HeapTrimmer::MarkPending() {
  // Only the first large query (or work) of a burst takes the lock.
  if (!pending_.exchange(true, std::memory_order_acq_rel)) {
    std::lock_guard<std::mutex> l(mu_);
    cv_.notify_one();
  }
}

void HeapTrimmer::Loop() {
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    cv_.wait(l, [this] { return stop_ || pending_.load(std::memory_order_acquire); });
    if (stop_) return;
    // Sleep until `quiet` after the last query ended; a query in flight or one that ended
    // meanwhile moves the moment on.
    for (;;) {
      const Clock::time_point now = Clock::now();
      const Clock::time_point due =
          Clock::time_point(Clock::duration(last_end_.load(std::memory_order_relaxed))) + quiet_;
      const bool busy = in_flight_.load(std::memory_order_acquire) > 0;
      if (!busy && now >= due) break;
      if (cv_.wait_until(l, busy ? now + quiet_ / 4 : due, [this] { return stop_; })) return;
    }
    pending_.store(false, std::memory_order_release);
    l.unlock();
    trim_();
    l.lock();
  }
}

void TrimHeapOnceQuiet() { HeapTrimmer::Process().LargeWorkEnded(); }

}  // namespace promlet::web
