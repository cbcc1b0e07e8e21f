// Resharding as Prometheus' queue manager computes it, with a fake clock: the test feeds the
// counters one 10 s interval at a time and ticks.
#include "storage/remote/shards.h"

#include "gtest/gtest.h"

namespace promlet::remote {
namespace {

constexpr int64_t kInterval = 10'000;

// One interval of traffic: `in` samples read per second, `out` sent per second taking
// `busy` seconds of sending per second (all shards together), `dropped` per second.
struct Second {
  double in, out, busy, dropped = 0;
};

class ShardsTest : public ::testing::Test {
 protected:
  ShardCalculator::Decision Interval(ShardCalculator& c, Second s, int current, double delay_s) {
    now_ += kInterval;
    c.SamplesIn(static_cast<int64_t>(s.in * 10));
    c.SamplesOut(static_cast<int64_t>(s.out * 10));
    c.SamplesDropped(static_cast<int64_t>(s.dropped * 10));
    c.SendNanos(static_cast<int64_t>(s.busy * 10 * 1e9));
    if (s.out > 0) c.SentAt(now_ - 1000);
    const int64_t sent = 1'700'000'000'000 + now_;
    return c.Tick(now_, current, sent + static_cast<int64_t>(delay_s * 1000), sent);
  }
  int64_t now_ = 1'000'000;
};

TEST(EwmaRateTest, FirstTickSetsTheRateLaterOnesWeighIn) {
  EwmaRate r(0.2, 10'000);
  r.Tick();
  EXPECT_EQ(r.rate(), 0);  // no events yet: not initialised
  r.Add(1000);
  r.Tick();
  EXPECT_DOUBLE_EQ(r.rate(), 100);
  r.Add(2000);
  r.Tick();
  EXPECT_DOUBLE_EQ(r.rate(), 100 + 0.2 * (200 - 100));
  r.Tick();
  EXPECT_DOUBLE_EQ(r.rate(), 120 + 0.2 * (0 - 120));
}

TEST_F(ShardsTest, ShardsFollowTheTimePerSampleTheIncomingRateAndTheBacklog) {
  ShardCalculator c(kInterval, 1, 50);
  // 1000 samples/s in and out, one shard busy 40% of the time: 1 shard is right.
  auto d = Interval(c, {1000, 1000, 0.4}, 1, 0);
  EXPECT_DOUBLE_EQ(d.desired, 0.4);
  EXPECT_EQ(d.shards, 1);
  // The receiver slows down: 1000/s sent keeps 2.5 shards busy, 2500/s arrive: the EWMA of
  // each rate moves 20% of the way, desired = busy/out * in.
  d = Interval(c, {2500, 1000, 2.5}, 1, 0);
  const double in = 1000 + 0.2 * 1500, busy = 0.4 + 0.2 * 2.1;
  EXPECT_DOUBLE_EQ(d.desired, busy / 1000 * in);
  EXPECT_EQ(d.shards, 2);  // ceil(1.066) = 2, beyond 1 + 30%
  // 60 s behind: 5% of the backlog per second is added.
  ShardCalculator b(kInterval, 1, 50);
  d = Interval(b, {1000, 1000, 1}, 4, 60);
  EXPECT_DOUBLE_EQ(d.desired, 1.0 / 1000 * (1000 + 0.05 * 60 * 1000));
  EXPECT_EQ(d.shards, 4);  // exactly 4: within the tolerance of the current 4
  d = Interval(b, {1000, 1000, 1}, 2, 600);
  EXPECT_DOUBLE_EQ(d.desired, 31);
  EXPECT_EQ(d.shards, 31);
}

TEST_F(ShardsTest, ToleranceBoundsAndDroppedSamples) {
  ShardCalculator c(kInterval, 2, 8);
  // 12 wanted, 10 running: within 30%, no change.
  EXPECT_EQ(Interval(c, {1000, 1000, 12}, 10, 0).shards, 10);
  // Far more than max_shards: max; far fewer than min_shards: min.
  ShardCalculator up(kInterval, 2, 8);
  EXPECT_EQ(Interval(up, {1000, 1000, 40}, 4, 0).shards, 8);
  ShardCalculator down(kInterval, 2, 8);
  EXPECT_EQ(Interval(down, {1000, 1000, 0.1}, 6, 0).shards, 2);
  // Half the samples read are dropped (write_relabel_configs): only the kept half counts.
  ShardCalculator kept(kInterval, 1, 50);
  auto d = Interval(kept, {2000, 1000, 1, 1000}, 1, 0);
  EXPECT_DOUBLE_EQ(d.desired, 1.0);
}

TEST_F(ShardsTest, NoDownshardingWhileBehindNorReshardingWithoutRecentSends) {
  ShardCalculator c(kInterval, 1, 50);
  // Few shards needed but 30 s behind: 8 shards stay.
  auto d = Interval(c, {100, 100, 0.1}, 8, 30);
  EXPECT_LT(d.desired, 1);
  EXPECT_EQ(d.shards, 8);
  EXPECT_EQ(Interval(c, {100, 100, 0.1}, 8, 5).shards, 1);
  // Nothing sent for a whole interval (receiver down): the count stays whatever is desired.
  ShardCalculator stuck(kInterval, 1, 50);
  EXPECT_EQ(Interval(stuck, {1000, 1000, 10}, 1, 0).shards, 10);
  now_ += 2 * kInterval;
  stuck.SamplesIn(10000);
  auto s = stuck.Tick(now_, 10, 0, 0);
  EXPECT_EQ(s.shards, 10);
  // Sending again, the rates still remember the slow sends: about 8 wanted, within 30% of 10.
  EXPECT_EQ(Interval(stuck, {1000, 1000, 1}, 10, 0).shards, 10);
  // No data sent ever: current count.
  ShardCalculator idle(kInterval, 1, 50);
  EXPECT_EQ(Interval(idle, {1000, 0, 0}, 3, 100).shards, 3);
}

}  // namespace
}  // namespace promlet::remote
