// Internal to the engine: a process-wide pool of helper threads that run one job at a time
// for the evaluator's parallel series batches (SelectEachSplit).
//
// Invariants: a HelperThread runs at most one job at a time and Wait() returns only after it
// finished; jobs must not throw (callers catch inside the job). Idle helpers are never joined
// at exit (the pool is leaked on purpose), so static destruction cannot deadlock.
#ifndef PROMLET_PROMQL_ENGINE_HELPER_POOL_H_
#define PROMLET_PROMQL_ENGINE_HELPER_POOL_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace promlet::promql::internal {

// A second thread for SelectEachSplit: Run() hands it a job, Wait() blocks until the job has
// finished. Kept in a process-wide pool (HelperLease) rather than started per query: thread
// start-up, its stack's page faults and exit cost as much as a small query's decoding.
class HelperThread {
 public:
  HelperThread() : thread_([this] { Loop(); }) {}
  ~HelperThread() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Run(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> l(mu_);
      job_ = std::move(job);
      has_job_ = true;
    }
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> l(mu_);
    done_cv_.wait(l, [this] { return !has_job_; });
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      cv_.wait(l, [this] { return stop_ || has_job_; });
      if (has_job_) {
        std::function<void()> job = std::move(job_);
        l.unlock();
        job();  // never throws: callers catch inside the job
        l.lock();
        has_job_ = false;
        done_cv_.notify_all();
      } else {
        return;
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::function<void()> job_;
  bool has_job_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

// Borrows an idle helper from the pool (starting one if none is idle) and returns it on
// destruction. The pool grows to the number of queries that ever ran at once.
class HelperLease {
 public:
  HelperLease() {
    std::lock_guard<std::mutex> l(PoolMutex());
    auto& idle = Idle();
    if (!idle.empty()) {
      helper_ = std::move(idle.back());
      idle.pop_back();
    }
    if (!helper_) helper_ = std::make_unique<HelperThread>();
  }
  ~HelperLease() {
    std::lock_guard<std::mutex> l(PoolMutex());
    Idle().push_back(std::move(helper_));
  }
  HelperThread* operator->() { return helper_.get(); }

 private:
  static std::mutex& PoolMutex() {
    static std::mutex mu;
    return mu;
  }
  // Leaked on purpose: helpers must not be joined during static destruction.
  static std::vector<std::unique_ptr<HelperThread>>& Idle() {
    static auto* idle = new std::vector<std::unique_ptr<HelperThread>>();
    return *idle;
  }
  std::unique_ptr<HelperThread> helper_;
};

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_HELPER_POOL_H_
