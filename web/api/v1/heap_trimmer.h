// Hands the memory large queries freed back to the OS, but only once queries have stopped.
//
// glibc keeps freed pages in each thread's arena, so without a trim a large query would leave
// RSS at its peak for the life of the process. Trimming right after every large query (as
// promlet once did) makes the next query fault every page in again and, with two threads,
// shoot down TLBs across cores; on a virtual machine with costly page faults that doubled the
// CPU of a typical dashboard range query. So the trim waits for a quiet period: no query in
// flight and none ended for `after_queries`. That period is longer than a dashboard's refresh
// interval: a dashboard refreshed every few seconds to a minute runs on warm memory, not only
// the panels of one refresh (with a 1 s period, every refresh of a 600-instance dashboard
// faulted ~45 MiB back in per range query, 11,000 faults for 5x the query's CPU on a VM). RSS
// falls back once the dashboard is closed. Memory freed by other large work (a compaction's
// merge buffers, which no query reuses) waits only `after_work` of query quiet.
//
// Invariants: the trim starts only when no query is in flight (QueryStarted without its
// QueryEnded) and none ended within the quiet period (`after_work` once large work ended
// since the last trim, else `after_queries`); it runs once per quiet period that follows at
// least one large query or work, on the trimmer's own thread (a query may start during a
// trim).
#ifndef PROMLET_WEB_API_V1_HEAP_TRIMMER_H_
#define PROMLET_WEB_API_V1_HEAP_TRIMMER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace promlet::web {

class HeapTrimmer {
 public:
  // The process' trimmer: frees the kept response bodies (net/http/body_buffers.h), then
  // malloc_trim(0), after 3 minutes without queries (1 s after a compaction).
  static HeapTrimmer& Process();

  HeapTrimmer(std::function<void()> trim, std::chrono::milliseconds after_queries,
              std::chrono::milliseconds after_work);
  HeapTrimmer(std::function<void()> trim, std::chrono::milliseconds quiet)
      : HeapTrimmer(std::move(trim), quiet, quiet) {}
  ~HeapTrimmer();
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;

  void QueryStarted();
  // `large`: the query held or decoded enough memory that returning it is worth a trim.
  void QueryEnded(bool large);
  // Work other than a query that freed much memory (a compaction) ended: trim as after a
  // large query.
  void LargeWorkEnded();

 private:
  using Clock = std::chrono::steady_clock;
  void MarkPending(std::atomic<bool>& flag);
  void Loop();
  std::chrono::milliseconds Quiet() const;

  const std::function<void()> trim_;
  const std::chrono::milliseconds after_queries_, after_work_;
  std::atomic<int> in_flight_{0};
  std::atomic<int64_t> last_end_{0};
  std::atomic<bool> query_pending_{false};  // a large query ended since the last trim
  std::atomic<bool> work_pending_{false};   // large work ended since the last trim
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace promlet::web

#endif  // PROMLET_WEB_API_V1_HEAP_TRIMMER_H_
