// Internal to the engine: a shared loop over the items of one batch (SelectEachSplit's series)
// that the calling thread works through itself, and that helper threads from a process-wide
// pool join only when the work is large and cores are free (work sharing where the caller does
// the work: a helper that arrives late finds nothing left and costs the caller nothing).
//
// Invariants: every item runs exactly once, on the caller or on a helper; RunShared returns only
// after every item that was started has finished, and no helper touches the loop afterwards.
// Items must not depend on which thread runs them nor on each other's order (results are the
// same with any number of threads). A consumer, when given, runs on the caller only, item by
// item in increasing order, each once its item has finished. Errors are those of the
// sequential order work(0), consume(0), work(1), consume(1), ...: the first one is rethrown
// (after every item before it was consumed) and no further items start. Helpers are never
// joined at exit (the pool is leaked on purpose), so static destruction cannot deadlock.
#ifndef PROMLET_PROMQL_ENGINE_HELPER_POOL_H_
#define PROMLET_PROMQL_ENGINE_HELPER_POOL_H_

#include <cstddef>
#include <cstdint>
#include <functional>

#include "promql/engine/engine.h"

namespace promlet::promql::internal {

// How the per-item cost seen so far is carried from one batch of a loop to the next.
struct WorkEstimate {
  int64_t items = 0;
  int64_t nanos = 0;
};

// Runs work(i) for every i in [0, n). kOff: all on the calling thread. kForce: up to
// max_threads - 1 helpers are invited at once (tests: the parallel path on any input).
// kAuto: the caller starts alone and invites helpers only once the remaining work, estimated
// from the items done (this batch's and `estimate`'s), exceeds ~1 ms, and then one per idle
// core (cores minus runnable threads, from /proc/loadavg); with no idle core, one helper when
// other processes are the load and over ~5 ms are left, none when other queries of this
// process are sharing their own work (they already fill the cores). max_threads <= 0: all
// usable cores.
// consume(i), when given, runs on the caller as soon as items 0..i have finished, between
// the items the caller works on itself: helpers work ahead while the caller consumes.
void RunShared(size_t n, QueryParallelism mode, int max_threads, WorkEstimate& estimate,
               const std::function<void(size_t)>& work,
               const std::function<void(size_t)>& consume = nullptr);

// Cores the process may run on (its affinity mask; at least 1).
int UsableCores();

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_HELPER_POOL_H_
