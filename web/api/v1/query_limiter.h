// QueryLimiter: the gate in front of the engine. At most `max_concurrency` queries evaluate at
// once; the others wait in FIFO-ish order. Each query is watched until it ends: its cancel flag
// is raised when its deadline passes or its client hangs up, whether it is still waiting or
// already evaluating (a watchdog thread polls the running queries every 25 ms).
//
// Invariants:
//  - Run() returns only after `eval` (if it ran) returned, and never holds a lock while `eval`
//    runs.
//  - A query that gives up in the queue never runs: DeadlineExceeded "query timed out in query
//    queue" or Cancelled "query was canceled in query queue". A query the deadline cancelled
//    while evaluating answers DeadlineExceeded "query timed out in query execution".
//  - The destructor stops and joins the watchdog; no Run() may be in flight then.
#ifndef PROMLET_WEB_API_V1_QUERY_LIMITER_H_
#define PROMLET_WEB_API_V1_QUERY_LIMITER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "promql/engine/engine.h"

namespace promlet::web {

class QueryLimiter {
 public:
  explicit QueryLimiter(int max_concurrency);
  ~QueryLimiter();
  QueryLimiter(const QueryLimiter&) = delete;
  QueryLimiter& operator=(const QueryLimiter&) = delete;

  using Eval = std::function<absl::StatusOr<promql::Result>(std::atomic<bool>* cancel)>;
  // Runs `eval` once a slot is free, unless `deadline` passes or `client_gone` (may be empty)
  // turns true first; `eval` must give up when *cancel turns true.
  absl::StatusOr<promql::Result> Run(std::chrono::steady_clock::time_point deadline,
                                     const std::function<bool()>& client_gone, const Eval& eval);

 private:
  struct Watch;
  bool Acquire(const std::function<bool()>& give_up);
  void Release();
  void WatchdogLoop();

  const int max_;
  std::mutex gate_mu_;
  std::condition_variable gate_cv_;
  int active_ = 0;

  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  std::list<Watch*> watches_;
  bool stop_ = false;
  bool watchdog_idle_ = false;  // waiting for a query to watch (guarded by watch_mu_)
  std::thread watchdog_;
};

}  // namespace promlet::web

#endif  // PROMLET_WEB_API_V1_QUERY_LIMITER_H_
