// RunShared (promql/engine/helper_pool.h) with a consumer: items are consumed on the calling
// thread in order, each after its work finished, whether the work ran there or on helpers; the
// error that comes out is the first of the sequential order work(0), consume(0), work(1), ...;
// and no item is still running once RunShared has returned.
#include "promql/engine/helper_pool.h"

#include <atomic>
#include <chrono>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace promlet::promql::internal {
namespace {

struct Mode {
  QueryParallelism parallelism;
  int threads;
};
const Mode kModes[] = {{QueryParallelism::kOff, 1},
                       {QueryParallelism::kForce, 2},
                       {QueryParallelism::kForce, 4},
                       {QueryParallelism::kAuto, 0}};

// Work of a few to a hundred microseconds, so that helpers finish items out of order.
void Pause(size_t i) { std::this_thread::sleep_for(std::chrono::microseconds(5 + (i * 37) % 100)); }

TEST(RunSharedTest, ConsumesEveryItemInOrderAfterItsWork) {
  const size_t n = 300;
  for (const Mode& m : kModes) {
    std::vector<std::atomic<int>> done(n);
    std::vector<size_t> consumed;
    const std::thread::id caller = std::this_thread::get_id();
    bool off_thread = false;
    WorkEstimate estimate;
    RunShared(
        n, m.parallelism, m.threads, estimate,
        [&](size_t i) {
          Pause(i);
          done[i].store(1, std::memory_order_release);
        },
        [&](size_t i) {
          off_thread = off_thread || std::this_thread::get_id() != caller;
          ASSERT_EQ(done[i].load(std::memory_order_acquire), 1) << i;
          consumed.push_back(i);
        });
    EXPECT_FALSE(off_thread);
    ASSERT_EQ(consumed.size(), n) << m.threads;
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(consumed[i], i) << m.threads;
  }
}

TEST(RunSharedTest, TheFirstWorkErrorComesOutAfterEveryItemBeforeItWasConsumed) {
  for (const Mode& m : kModes) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      std::vector<size_t> consumed;
      WorkEstimate estimate;
      std::string error;
      try {
        RunShared(
            256, m.parallelism, m.threads, estimate,
            [&](size_t i) {
              Pause(i);
              if (i == 100 || i == 150) throw std::runtime_error("work " + std::to_string(i));
            },
            [&](size_t i) { consumed.push_back(i); });
      } catch (const std::runtime_error& e) {
        error = e.what();
      }
      EXPECT_EQ(error, "work 100") << m.threads;
      ASSERT_EQ(consumed.size(), 100u) << m.threads;
      for (size_t i = 0; i < consumed.size(); ++i) ASSERT_EQ(consumed[i], i);
    }
  }
}

TEST(RunSharedTest, AConsumerErrorComesBeforeLaterWorkErrorsAndStopsTheLoop) {
  for (const Mode& m : kModes) {
    std::atomic<int> running{0};
    std::atomic<size_t> started{0};
    size_t consumed = 0;
    WorkEstimate estimate;
    std::string error;
    try {
      RunShared(
          256, m.parallelism, m.threads, estimate,
          [&](size_t i) {
            running.fetch_add(1);
            started.fetch_add(1);
            Pause(i);
            running.fetch_sub(1);
            if (i == 120) throw std::runtime_error("work 120");
          },
          [&](size_t i) {
            if (i == 50) throw std::runtime_error("consume 50");
            ++consumed;
          });
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    EXPECT_EQ(error, "consume 50") << m.threads;
    EXPECT_EQ(consumed, 50u);
    // Nothing runs once RunShared has returned, and nothing starts later.
    EXPECT_EQ(running.load(), 0);
    const size_t after = started.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(started.load(), after);
  }
}

}  // namespace
}  // namespace promlet::promql::internal
