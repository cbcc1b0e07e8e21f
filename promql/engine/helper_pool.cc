// RunShared: the shared loop of helper_pool.h and its process-wide pool of helper threads.
#include "promql/engine/helper_pool.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace promlet::promql::internal {

namespace {

// One RunShared call: items are claimed in increasing order from `next`.
struct Loop {
  Loop(size_t n_items, const std::function<void(size_t)>& fn, bool track_done)
      : n(n_items),
        work(fn),
        done(track_done ? std::make_unique<std::atomic<uint32_t>[]>(n_items) : nullptr) {}

  // Runs claimed items until none is left or one failed. Never throws.
  void RunItems() {
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) return;
      const size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) return;
      RunOne(i);
    }
  }
  void RunOne(size_t i) {
    uint32_t state = kOk;
    try {
      work(i);
    } catch (...) {
      std::lock_guard<std::mutex> l(error_mu);
      if (i < error_index) {
        error_index = i;
        error = std::current_exception();
      }
      failed.store(true, std::memory_order_relaxed);
      state = kFailed;
    }
    if (done != nullptr) {
      done[i].store(state, std::memory_order_release);
      done[i].notify_one();
    }
  }

  static constexpr uint32_t kRunning = 0, kOk = 1, kFailed = 2;
  const size_t n;
  const std::function<void(size_t)>& work;
  // Per item, when a consumer waits for them: kRunning until the item has finished.
  const std::unique_ptr<std::atomic<uint32_t>[]> done;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  size_t error_index = std::numeric_limits<size_t>::max();
  std::exception_ptr error;
  // Guarded by the pool's mutex.
  int wanted = 0;  // helpers invited and not yet arrived
  int active = 0;  // helpers working on it now
};

class Pool {
 public:
  static Pool& Get() {
    static Pool* pool = new Pool();  // leaked on purpose: helpers are never joined
    return *pool;
  }

  // Invites up to `helpers` helpers to `loop` (starting threads the first time they are needed).
  void Offer(Loop* loop, int helpers) {
    {
      std::lock_guard<std::mutex> l(mu_);
      while (threads_ < helpers) {
        std::thread([this] { HelperMain(); }).detach();
        ++threads_;
      }
      loop->wanted = helpers;
      open_.push_back(loop);
    }
    if (helpers == 1) {
      work_cv_.notify_one();
    } else {
      work_cv_.notify_all();
    }
  }

  // No helper joins `loop` from now on; returns once the helpers working on it have finished.
  void Withdraw(Loop* loop) {
    std::unique_lock<std::mutex> l(mu_);
    open_.erase(std::remove(open_.begin(), open_.end(), loop), open_.end());
    loop->wanted = 0;
    done_cv_.wait(l, [loop] { return loop->active == 0; });
  }

 private:
  void HelperMain() {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      Loop* loop = nullptr;
      work_cv_.wait(l, [&] {
        for (Loop* x : open_) {
          if (x->wanted > 0) {
            loop = x;
            return true;
          }
        }
        return false;
      });
      --loop->wanted;
      ++loop->active;
      l.unlock();
      loop->RunItems();
      l.lock();
      if (--loop->active == 0) done_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::vector<Loop*> open_;
  int threads_ = 0;
};

// Runnable threads on the machine right now (the 4th field of /proc/loadavg, "R/T"), this one
// included; 0 when unknown. A cheap instantaneous signal: the kernel's count, one read.
int RunnableThreads() {
  const int fd = ::open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  const ssize_t got = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (got <= 0) return 0;
  buf[got] = '\0';
  double a, b, c;
  int running = 0, total = 0;
  if (std::sscanf(buf, "%lf %lf %lf %d/%d", &a, &b, &c, &running, &total) != 5) return 0;
  return running;
}

// Remaining work (ns) past which helpers are worth waking: waking one and handing the batch
// back cost tens of microseconds on a virtual machine, and a helper that lands on a busy core
// may hold its item for a scheduler slice (milliseconds), so a busy machine needs more work.
constexpr int64_t kSplitWorthNanos = 1'000'000;
constexpr int64_t kSplitWorthBusyNanos = 5'000'000;
// Items done before their cost is trusted (the first series of a query pay for cold caches).
constexpr int64_t kItemsBeforeEstimate = 4;

// RunShared calls in progress in this process (queries sharing their series right now).
std::atomic<int>& SharedLoops() {
  static std::atomic<int> loops{0};
  return loops;
}

// How many helpers a loop with `remaining_nanos` of work left should invite: one per idle core
// (cores minus runnable threads). When no core is idle only because of other processes (this
// query is the process' only loop) and much work is left, still one: the work is shared per
// series, so a helper that gets little CPU holds at most one series, and under the kernel's
// fair share two threads get more of a busy machine than one. When other queries of this
// process are running too, only idle cores: the process' own threads already fill the machine.
int HelpersWorthInviting(int64_t remaining_nanos) {
  const int running = RunnableThreads();
  if (running <= 0) return 0;  // unknown: stay on the caller
  const int idle = UsableCores() - running;
  if (idle > 0) return idle;
  return SharedLoops().load(std::memory_order_relaxed) <= 1 &&
                 remaining_nanos >= kSplitWorthBusyNanos
             ? 1
             : 0;
}

int64_t NanosSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
      .count();
}

}  // namespace

int UsableCores() {
  static const int cores = [] {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }();
  return cores;
}

void RunShared(size_t n, QueryParallelism mode, int max_threads, WorkEstimate& estimate,
               const std::function<void(size_t)>& work,
               const std::function<void(size_t)>& consume) {
  if (n == 0) return;
  const int threads = max_threads > 0 ? max_threads : UsableCores();
  if (mode == QueryParallelism::kOff || threads <= 1 || n == 1) {
    for (size_t i = 0; i < n; ++i) {
      work(i);
      if (consume) consume(i);
    }
    return;
  }
  struct Running {
    Running() { SharedLoops().fetch_add(1, std::memory_order_relaxed); }
    ~Running() { SharedLoops().fetch_sub(1, std::memory_order_relaxed); }
  } running;
  Loop loop(n, work, consume != nullptr);
  bool offered = false;
  auto offer = [&](int helpers) {
    helpers = std::min<int>(helpers, static_cast<int>(std::min<size_t>(n, 1 << 20)) - 1);
    if (helpers <= 0) return;
    Pool::Get().Offer(&loop, helpers);
    offered = true;
  };
  // The items finished so far, consumed in order up to the first failed one.
  size_t consumed = 0;
  auto consume_finished = [&](bool wait) {
    while (consumed < n) {
      uint32_t state = loop.done[consumed].load(std::memory_order_acquire);
      if (state == Loop::kRunning) {
        if (!wait) return;
        loop.done[consumed].wait(Loop::kRunning, std::memory_order_acquire);
        continue;
      }
      if (state == Loop::kFailed) return;
      consume(consumed++);
    }
  };
  if (mode == QueryParallelism::kForce) offer(threads - 1);
  bool decided = mode != QueryParallelism::kAuto;
  int64_t timed_items = 0, timed_nanos = 0;
  try {
    for (;;) {
      if (consume) consume_finished(false);
      if (loop.failed.load(std::memory_order_relaxed)) break;
      const size_t i = loop.next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) break;
      if (decided) {
        loop.RunOne(i);
        continue;
      }
      const auto t0 = std::chrono::steady_clock::now();
      loop.RunOne(i);
      ++timed_items;
      timed_nanos += NanosSince(t0);
      // The cost per item so far (earlier batches included) predicts the rest of this batch.
      const int64_t items = estimate.items + timed_items;
      const int64_t nanos = estimate.nanos + timed_nanos;
      const size_t left = n - std::min(n, loop.next.load(std::memory_order_relaxed));
      if (left == 0 || items < kItemsBeforeEstimate) continue;
      const int64_t remaining = nanos / items * static_cast<int64_t>(left);
      if (remaining < kSplitWorthNanos) continue;
      decided = true;
      offer(std::min(threads - 1, HelpersWorthInviting(remaining)));
    }
    // Every item before the first failed one was claimed, so it finishes: waiting for it in
    // order ends.
    if (consume) consume_finished(true);
  } catch (...) {  // a consumer's error comes before any later item's
    loop.failed.store(true, std::memory_order_relaxed);
    if (offered) Pool::Get().Withdraw(&loop);
    throw;
  }
  estimate.items += timed_items;
  estimate.nanos += timed_nanos;
  if (offered) Pool::Get().Withdraw(&loop);
  if (loop.error) std::rethrow_exception(loop.error);
}

}  // namespace promlet::promql::internal
