// The engine's fast paths against its generic paths on random data, bit for bit: the batched
// rate/increase/delta slide (WindowBatch) against the per-window kernels, over counters with
// resets, gauges, NaN and infinities, irregular scrapes and gaps, and many step grids.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "promql/engine/context.h"
#include "promql/engine/function_table.h"
#include "promql/engine/range_functions.h"

namespace promlet::promql::internal {
namespace {

// Random samples of one series: kind 0 counter with resets, 1 gauge, 2 gauge with NaN and
// infinities, 3 mostly constant.
Decoded RandomSeries(std::mt19937_64& rng, int kind, size_t n) {
  Decoded d;
  std::uniform_real_distribution<double> u(0, 1);
  int64_t t = static_cast<int64_t>(rng() % 30000);
  double v = kind == 0 ? u(rng) * 100 : 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = u(rng);
    t += r < 0.05 ? 1 + static_cast<int64_t>(rng() % 900000)  // a gap
                  : 14000 + static_cast<int64_t>(rng() % 2000);
    switch (kind) {
      case 0:
        v = r < 0.03 ? u(rng) * 10 : v + u(rng) * 50;
        break;
      case 1:
        v = (u(rng) - 0.5) * 1e6;
        break;
      case 2:
        v = r < 0.05   ? std::numeric_limits<double>::quiet_NaN()
            : r < 0.08 ? std::numeric_limits<double>::infinity()
            : r < 0.1  ? -std::numeric_limits<double>::infinity()
                       : (u(rng) - 0.3) * 1e3;
        break;
      default:
        if (r < 0.1) v = std::floor(u(rng) * 4) - 1;
        break;
    }
    d.t.push_back(t);
    d.v.push_back(v);
  }
  return d;
}

void ExpectSameSeries(const ESeries& fast, const ESeries& generic, const std::string& what) {
  ASSERT_EQ(fast.floats.size(), generic.floats.size()) << what;
  for (size_t i = 0; i < fast.floats.size(); ++i) {
    ASSERT_EQ(fast.floats[i].t, generic.floats[i].t) << what << " point " << i;
    ASSERT_EQ(std::bit_cast<uint64_t>(fast.floats[i].f),
              std::bit_cast<uint64_t>(generic.floats[i].f))
        << what << " point " << i << ": " << fast.floats[i].f << " vs " << generic.floats[i].f;
  }
}

// Runs f and f without its fast path over random series and grids.
void CompareWithGeneric(FunctionId id, RangeFunction generic) {
  const RangeFunction fast = FunctionImplOf(id).range;
  EngineOptions options;
  std::mt19937_64 rng(static_cast<uint64_t>(id) * 7919 + 1);
  std::vector<std::vector<double>> scalar_args(2);
  for (int round = 0; round < 400; ++round) {
    const int kind = round % 4;
    const Decoded d = RandomSeries(rng, kind, 1 + rng() % 700);
    const int64_t first = d.t.front(), last = d.t.back();
    StepGrid grid;
    grid.interval = 1000 + static_cast<int64_t>(rng() % 120000);
    grid.start = first - 60000 + static_cast<int64_t>(rng() % 120000);
    grid.end = round % 17 == 0 ? grid.start
                               : grid.start + static_cast<int64_t>(rng() % (last - first + 1));
    QueryContext ctx;
    ctx.options = &options;
    ctx.deadline = absl::InfiniteFuture();
    bool warned = false;
    RangeCall call{grid, round % 13 == 0, last - static_cast<int64_t>(rng() % 100000),
                   round % 5 == 0 ? static_cast<int64_t>(rng() % 300000) : 0,
                   1 + static_cast<int64_t>(rng() % 1200000), &scalar_args, &ctx,
                   PositionRange{}, &warned};
    ESeries a, b;
    SlideWindows(fast, call, d, a);
    const int64_t counted_fast = ctx.current_samples.load();
    SlideWindows(generic, call, d, b);
    ASSERT_EQ(counted_fast * 2, ctx.current_samples.load()) << "round " << round;
    ExpectSameSeries(a, b, "round " + std::to_string(round));
  }
}

TEST(FastPathTest, RateBatchEqualsKernel) {
  RangeFunction f = FunctionImplOf(FunctionId::kRate).range;
  ASSERT_NE(f.batch, WindowBatch::kNone);
  f.batch = WindowBatch::kNone;
  CompareWithGeneric(FunctionId::kRate, f);
}

TEST(FastPathTest, IncreaseBatchEqualsKernel) {
  RangeFunction f = FunctionImplOf(FunctionId::kIncrease).range;
  ASSERT_NE(f.batch, WindowBatch::kNone);
  f.batch = WindowBatch::kNone;
  CompareWithGeneric(FunctionId::kIncrease, f);
}

TEST(FastPathTest, DeltaBatchEqualsKernel) {
  RangeFunction f = FunctionImplOf(FunctionId::kDelta).range;
  ASSERT_NE(f.batch, WindowBatch::kNone);
  f.batch = WindowBatch::kNone;
  CompareWithGeneric(FunctionId::kDelta, f);
}

}  // namespace
}  // namespace promlet::promql::internal
