// HeapTrimmer: the trim waits for queries to stop (none in flight, none ended for the quiet
// period: a long one after large queries, a short one after large work) and runs once per
// quiet period after a large query or work.
#include "web/api/v1/heap_trimmer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace promlet::web {
namespace {

using std::chrono::milliseconds;

// Polls until `trims` reaches `want` or `limit` passes; returns the last count seen.
int WaitForTrims(const std::atomic<int>& trims, int want, milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (trims.load() < want && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  return trims.load();
}

TEST(HeapTrimmerTest, SmallQueriesNeverTrim) {
  std::atomic<int> trims{0};
  HeapTrimmer t([&] { ++trims; }, milliseconds(20));
  for (int i = 0; i < 5; ++i) {
    t.QueryStarted();
    t.QueryEnded(false);
  }
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(trims.load(), 0);
}

TEST(HeapTrimmerTest, TrimsOnceAfterTheQuietPeriod) {
  std::atomic<int> trims{0};
  HeapTrimmer t([&] { ++trims; }, milliseconds(50));
  const auto ended = std::chrono::steady_clock::now();
  t.QueryStarted();
  t.QueryEnded(true);
  EXPECT_EQ(WaitForTrims(trims, 1, milliseconds(10000)), 1);
  EXPECT_GE(std::chrono::steady_clock::now() - ended, milliseconds(50));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(trims.load(), 1) << "one trim per quiet period";
}

TEST(HeapTrimmerTest, NoTrimWhileAQueryIsInFlight) {
  std::atomic<int> trims{0};
  HeapTrimmer t([&] { ++trims; }, milliseconds(20));
  t.QueryStarted();  // a long query, still running
  t.QueryStarted();
  t.QueryEnded(true);  // a large one beside it ends
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(trims.load(), 0);
  t.QueryEnded(false);
  EXPECT_EQ(WaitForTrims(trims, 1, milliseconds(10000)), 1);
}

TEST(HeapTrimmerTest, ABurstOfLargeQueriesRunsOnUntrimmedMemory) {
  std::atomic<int> trims{0};
  // Gaps of ~10 ms against a quiet period of 1 s: only a stall of a whole second (not seen
  // even under sanitizers on a loaded machine) could let a trim in between.
  HeapTrimmer t([&] { ++trims; }, milliseconds(1000));
  for (int i = 0; i < 30; ++i) {
    t.QueryStarted();
    t.QueryEnded(true);
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(trims.load(), 0);
  EXPECT_EQ(WaitForTrims(trims, 1, milliseconds(10000)), 1);
  // A later burst gets its own trim.
  t.QueryStarted();
  t.QueryEnded(true);
  EXPECT_EQ(WaitForTrims(trims, 2, milliseconds(10000)), 2);
}

TEST(HeapTrimmerTest, LargeWorkOtherThanAQueryTrimsOnceQueriesAreQuiet) {
  std::atomic<int> trims{0};
  HeapTrimmer t([&] { ++trims; }, milliseconds(50));
  t.QueryStarted();  // a compaction ends while a query runs
  t.LargeWorkEnded();
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(trims.load(), 0) << "trimmed under a running query";
  t.QueryEnded(false);
  EXPECT_EQ(WaitForTrims(trims, 1, milliseconds(10000)), 1);
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(trims.load(), 1);
  t.LargeWorkEnded();  // and on its own
  EXPECT_EQ(WaitForTrims(trims, 2, milliseconds(10000)), 2);
}

// The process' trimmer waits minutes after large queries (a dashboard's next refresh reuses
// their memory) but only a second after a compaction (whose buffers no query reuses).
TEST(HeapTrimmerTest, LargeQueriesWaitTheLongerPeriodLargeWorkTheShorter) {
  std::atomic<int> trims{0};
  HeapTrimmer t([&] { ++trims; }, milliseconds(60000), milliseconds(50));
  t.QueryStarted();
  t.QueryEnded(true);
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(trims.load(), 0) << "trimmed before the queries' quiet period";
  // Large work ending now shortens the wait already under way.
  const auto ended = std::chrono::steady_clock::now();
  t.LargeWorkEnded();
  EXPECT_EQ(WaitForTrims(trims, 1, milliseconds(10000)), 1);
  EXPECT_GE(std::chrono::steady_clock::now() - ended, milliseconds(50));
  // After that trim, a large query waits the long period again.
  t.QueryStarted();
  t.QueryEnded(true);
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(trims.load(), 1);
}

TEST(HeapTrimmerTest, DestroyedWhileWaitingReturnsPromptly) {
  std::atomic<int> trims{0};
  const auto t0 = std::chrono::steady_clock::now();
  {
    HeapTrimmer t([&] { ++trims; }, milliseconds(60000));
    t.QueryStarted();
    t.QueryEnded(true);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(30000));
  EXPECT_EQ(trims.load(), 0);
}

}  // namespace
}  // namespace promlet::web
