#include "storage/remote/shards.h"

#include <algorithm>
#include <cmath>

namespace promlet::remote {

void EwmaRate::Tick() {
  const int64_t n = events_.exchange(0, std::memory_order_relaxed);
  const double instant = static_cast<double>(n) * 1000.0 / static_cast<double>(interval_ms_);
  if (init_) {
    rate_ += weight_ * (instant - rate_);
  } else if (n > 0) {
    init_ = true;
    rate_ = instant;
  }
}

ShardCalculator::ShardCalculator(int64_t interval_ms, int min_shards, int max_shards)
    : interval_ms_(interval_ms),
      min_shards_(min_shards),
      max_shards_(max_shards),
      in_(kEwmaWeight, interval_ms),
      out_(kEwmaWeight, interval_ms),
      dropped_(kEwmaWeight, interval_ms),
      out_nanos_(kEwmaWeight, interval_ms) {}

ShardCalculator::Decision ShardCalculator::Tick(int64_t now_ms, int current, int64_t highest_in_ms,
                                                int64_t highest_sent_ms) {
  in_.Tick();
  out_.Tick();
  dropped_.Tick();
  out_nanos_.Tick();
  const double in_rate = in_.rate();
  const double out_rate = out_.rate();
  if (out_rate <= 0) return {static_cast<double>(current), current};
  const double kept_ratio = out_rate / (dropped_.rate() + out_rate);
  const double out_seconds = out_nanos_.rate() / 1e9;
  // Seconds of samples stored but not yet acknowledged, and how many samples that is.
  const double delay = highest_in_ms > highest_sent_ms && highest_sent_ms > 0
                           ? static_cast<double>(highest_in_ms - highest_sent_ms) / 1000.0
                           : 0.0;
  const double pending = delay * in_rate * kept_ratio;
  const double time_per_sample = out_seconds / out_rate;
  const double desired = time_per_sample * (in_rate * kept_ratio + kCatchupFraction * pending);
  Decision d{desired, current};
  // No resharding while nothing could be sent lately (the receiver is down: more shards would
  // not help).
  if (last_send_ms_.load(std::memory_order_relaxed) < now_ms - interval_ms_) return d;
  const double rounded = std::ceil(desired);
  const double lower = current * (1 - kToleranceFraction);
  const double upper = current * (1 + kToleranceFraction);
  if (lower <= rounded && rounded <= upper) return d;
  int n = static_cast<int>(std::min(rounded, 1e6));
  if (n < current && delay > kMaxDelayToDownshardSeconds) return d;
  d.shards = std::clamp(n, min_shards_, std::max(min_shards_, max_shards_));
  return d;
}

}  // namespace promlet::remote
