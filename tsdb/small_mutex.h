// SmallMutex: a 4-byte mutex (futex-backed through std::atomic::wait) for per-series and
// per-stripe locks, where millions of instances make std::mutex (40 bytes) too big. Works with
// std::lock_guard / std::unique_lock.
//
// Why not absl::Mutex: Debian's Abseil is built without NDEBUG, so every absl::Mutex
// acquisition runs deadlock detection under one global lock, which serialises all appenders
// and costs microseconds per lock with millions of mutexes.
//
// Invariant: state_ is 0 (free), 1 (held, no waiters) or 2 (held, maybe waiters).
#ifndef PROMLET_TSDB_SMALL_MUTEX_H_
#define PROMLET_TSDB_SMALL_MUTEX_H_

#include <atomic>
#include <cstdint>

namespace promlet::tsdb {

class SmallMutex {
 public:
  SmallMutex() = default;
  SmallMutex(const SmallMutex&) = delete;
  SmallMutex& operator=(const SmallMutex&) = delete;

  void lock() {
    uint32_t c = 0;
    if (state_.compare_exchange_strong(c, 1, std::memory_order_acquire)) return;
    LockSlow(c);
  }
  bool try_lock() {
    uint32_t c = 0;
    return state_.compare_exchange_strong(c, 1, std::memory_order_acquire);
  }
  void unlock() {
    if (state_.exchange(0, std::memory_order_release) == 2) state_.notify_one();
  }

 private:
  void LockSlow(uint32_t c) {
    // Brief spin: critical sections here are tens of nanoseconds.
    for (int i = 0; i < 64 && c != 0; ++i) {
      c = 0;
      if (state_.compare_exchange_weak(c, 1, std::memory_order_acquire)) return;
    }
    if (c != 2) c = state_.exchange(2, std::memory_order_acquire);
    while (c != 0) {
      state_.wait(2, std::memory_order_relaxed);
      c = state_.exchange(2, std::memory_order_acquire);
    }
  }

  std::atomic<uint32_t> state_{0};
};

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_SMALL_MUTEX_H_
