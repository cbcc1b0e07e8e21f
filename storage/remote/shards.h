// How many shards a remote write queue wants, computed as Prometheus' queue manager does
// (calculateDesiredShards / shouldReshard): exponentially weighted rates (weight 0.2, one tick
// per reshard interval) of samples in, sent, dropped and of the time spent sending; the shards
// needed to send the incoming samples plus 5% of the backlog per second at the measured time per
// sample, rounded up; no change within 30% of the current count, no downsharding while more than
// 10 s behind, clamped to [min_shards, max_shards]; no resharding at all unless a send succeeded
// within the last interval.
//
// Invariants: pure arithmetic on what it is told (the caller's clock, no threads, no I/O), so it
// is tested with a fake clock; counters may be fed from any thread, Tick() from one.
#ifndef PROMLET_STORAGE_REMOTE_SHARDS_H_
#define PROMLET_STORAGE_REMOTE_SHARDS_H_

#include <atomic>
#include <cstdint>

namespace promlet::remote {

// An exponentially weighted moving rate of events per second, ticked every `interval_ms`.
class EwmaRate {
 public:
  EwmaRate(double weight, int64_t interval_ms) : weight_(weight), interval_ms_(interval_ms) {}
  void Add(int64_t n) { events_.fetch_add(n, std::memory_order_relaxed); }
  // Folds the events since the last tick in; the first tick with events sets the rate.
  void Tick();
  double rate() const { return rate_; }

 private:
  const double weight_;
  const int64_t interval_ms_;
  std::atomic<int64_t> events_{0};
  bool init_ = false;
  double rate_ = 0;
};

class ShardCalculator {
 public:
  static constexpr double kEwmaWeight = 0.2;
  static constexpr double kToleranceFraction = 0.3;  // allow 30% too many or few shards
  static constexpr double kCatchupFraction = 0.05;   // of the backlog, per second
  static constexpr double kMaxDelayToDownshardSeconds = 10;

  ShardCalculator(int64_t interval_ms, int min_shards, int max_shards);

  void SamplesIn(int64_t n) { in_.Add(n); }    // read from the WAL (all, dropped ones too)
  void SamplesOut(int64_t n) { out_.Add(n); }  // acknowledged by the receiver
  void SamplesDropped(int64_t n) { dropped_.Add(n); }
  void SendNanos(int64_t n) { out_nanos_.Add(n); }  // time spent in sends, all shards
  void SentAt(int64_t now_ms) { last_send_ms_.store(now_ms, std::memory_order_relaxed); }

  struct Decision {
    double desired;  // before rounding and bounds (the _shards_desired gauge)
    int shards;      // the count to run: `current` when no resharding is due
  };
  // Called every interval: `highest_in_ms` is the newest sample timestamp stored, `highest_sent_ms`
  // the newest acknowledged by the receiver.
  Decision Tick(int64_t now_ms, int current, int64_t highest_in_ms, int64_t highest_sent_ms);

 private:
  const int64_t interval_ms_;
  const int min_shards_;
  const int max_shards_;
  EwmaRate in_, out_, dropped_, out_nanos_;
  std::atomic<int64_t> last_send_ms_{INT64_MIN};
};

}  // namespace promlet::remote

#endif  // PROMLET_STORAGE_REMOTE_SHARDS_H_
