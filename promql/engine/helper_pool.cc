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
#include <mutex>
#include <thread>
#include <vector>

namespace promlet::promql::internal {

namespace {

// One RunShared call: items are claimed in increasing order from `next`.
struct Loop {
  explicit Loop(size_t n_items, const std::function<void(size_t)>& fn) : n(n_items), work(fn) {}

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
    try {
      work(i);
    } catch (...) {
      std::lock_guard<std::mutex> l(error_mu);
      if (i < error_index) {
        error_index = i;
        error = std::current_exception();
      }
      failed.store(true, std::memory_order_relaxed);
    }
  }

  const size_t n;
  const std::function<void(size_t)>& work;
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
               const std::function<void(size_t)>& work) {
  if (n == 0) return;
  struct Running {
    Running() { SharedLoops().fetch_add(1, std::memory_order_relaxed); }
    ~Running() { SharedLoops().fetch_sub(1, std::memory_order_relaxed); }
  } running;
  const int threads = max_threads > 0 ? max_threads : UsableCores();
  Loop loop(n, work);
  bool offered = false;
  auto offer = [&](int helpers) {
    helpers = std::min<int>(helpers, static_cast<int>(std::min<size_t>(n, 1 << 20)) - 1);
    if (helpers <= 0) return;
    Pool::Get().Offer(&loop, helpers);
    offered = true;
  };
  if (mode == QueryParallelism::kForce) offer(threads - 1);
  const bool adaptive = mode == QueryParallelism::kAuto && threads > 1;
  bool decided = !adaptive;
  const auto t0 = std::chrono::steady_clock::now();
  size_t done = 0;
  for (;;) {
    if (loop.failed.load(std::memory_order_relaxed)) break;
    const size_t i = loop.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= n) break;
    loop.RunOne(i);
    ++done;
    if (decided) continue;
    // The cost per item so far (earlier batches included) predicts the rest of this batch.
    const int64_t items = estimate.items + static_cast<int64_t>(done);
    const int64_t nanos = estimate.nanos + NanosSince(t0);
    const size_t left = n - std::min(n, loop.next.load(std::memory_order_relaxed));
    if (left == 0) break;
    if (items < kItemsBeforeEstimate) continue;
    const int64_t remaining = nanos / items * static_cast<int64_t>(left);
    if (remaining < kSplitWorthNanos) continue;
    decided = true;
    offer(std::min(threads - 1, HelpersWorthInviting(remaining)));
  }
  if (adaptive) {
    estimate.items += static_cast<int64_t>(done);
    estimate.nanos += NanosSince(t0);
  }
  if (offered) Pool::Get().Withdraw(&loop);
  if (loop.error) std::rethrow_exception(loop.error);
}

}  // namespace promlet::promql::internal
