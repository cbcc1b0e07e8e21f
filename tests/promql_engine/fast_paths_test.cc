// The engine's fast paths against its generic paths on random data, bit for bit: the batched
// rate/increase/delta slide and the min/max deque (WindowBatch) against the per-window
// kernels, avg/sum_over_time (four or eight windows at once) against Prometheus' algorithms, over counters with
// resets, gauges, NaN and infinities, irregular scrapes and gaps, and many step grids; and
// histogram_quantile/histogram_fraction over an aggregation's cells (StepRows) against the
// same over its materialised matrix, annotations included.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/histogram/float_histogram.h"
#include "promql/engine/binary_operators.h"
#include "promql/engine/context.h"
#include "promql/engine/engine.h"
#include "promql/engine/function_table.h"
#include "promql/engine/range_functions.h"
#include "promql/parser/parser.h"
#include "tsdb/head.h"

namespace promlet::promql::internal {
namespace {

// Random samples of one series: kind 0 counter with resets, 1 gauge, 2 gauge with NaN and
// infinities, 3 mostly constant (with -0), 4 near overflow.
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
      case 3:
        if (r < 0.1) v = std::floor(u(rng) * 4) - 1;
        if (r < 0.02) v = -0.0;
        break;
      default:  // near overflow: sums become infinite
        v = (u(rng) - 0.4) * 1.5e308;
        break;
    }
    d.t.push_back(t);
    d.v.push_back(v);
  }
  return d;
}

// Equal bits, or both NaN: a NaN's sign and payload depend on the order in which the compiler
// puts the operands of one commutative operation (x86 keeps the first NaN operand's), which
// neither Prometheus nor its API shows.
bool SameValue(double x, double y) {
  return std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(y) ||
         (std::isnan(x) && std::isnan(y));
}

void ExpectSameSeries(const ESeries& fast, const ESeries& generic, const std::string& what) {
  ASSERT_EQ(fast.floats.size(), generic.floats.size()) << what;
  for (size_t i = 0; i < fast.floats.size(); ++i) {
    ASSERT_EQ(fast.floats[i].t, generic.floats[i].t) << what << " point " << i;
    ASSERT_TRUE(SameValue(fast.floats[i].f, generic.floats[i].f))
        << what << " point " << i << ": " << fast.floats[i].f << " vs " << generic.floats[i].f;
  }
}

// How the random series' samples lie against the step grid.
enum class Timing {
  kIrregular,  // scrapes 14-16 s apart, often with gaps; steps of 1-121 s
  kRegular,    // scrapes exactly 15 s apart, 15 s steps: windows one sample apart (the usual
               // dashboard case, which SlideKahan sums in wide lockstep)
  kJittered,   // 15 s steps, scrapes 15 s apart each -10..10 ms off: windows start and end
               // 0, 1 or 2 samples after the previous step's
};

// Runs f and f without its fast path over random series and grids.
void CompareWithGeneric(FunctionId id, RangeFunction generic, Timing timing = Timing::kIrregular) {
  const bool regular = timing != Timing::kIrregular;
  const RangeFunction fast = FunctionImplOf(id).range;
  EngineOptions options;
  std::mt19937_64 rng(static_cast<uint64_t>(id) * 7919 + 1);
  std::vector<std::vector<double>> scalar_args(2);
  for (int round = 0; round < 400; ++round) {
    const int kind = round % 5;
    Decoded d = RandomSeries(rng, kind, 1 + rng() % 700);
    if (regular) {
      const int64_t t0 = d.t[0];
      for (size_t i = 0; i < d.t.size(); ++i) {
        const int64_t jitter =
            timing == Timing::kJittered ? static_cast<int64_t>(rng() % 21) - 10 : 0;
        d.t[i] = t0 + static_cast<int64_t>(i) * 15000 + jitter;
      }
    }
    const int64_t first = d.t.front(), last = d.t.back();
    StepGrid grid;
    grid.interval = regular ? 15000 : 1000 + static_cast<int64_t>(rng() % 120000);
    grid.start = first - 60000 + static_cast<int64_t>(rng() % 120000);
    int64_t offset = round % 5 == 0 ? static_cast<int64_t>(rng() % 300000) : 0;
    int64_t range = 1 + static_cast<int64_t>(rng() % 1200000);
    if (timing == Timing::kJittered) {  // window ends on the grid, where the jitter shows
      grid.start = first + 15000 * static_cast<int64_t>(rng() % 8);
      offset = 15000 * (offset / 15000);
      range = 15000 * static_cast<int64_t>(1 + rng() % 40);
    }
    grid.end = round % 17 == 0 ? grid.start
                               : grid.start + static_cast<int64_t>(rng() % (last - first + 1));
    QueryContext ctx;
    ctx.options = &options;
    ctx.deadline = absl::InfiniteFuture();
    bool warned = false;
    RangeCall call{grid,   round % 13 == 0, last - static_cast<int64_t>(rng() % 100000),
                   offset, range,           &scalar_args,
                   &ctx,   PositionRange{}, &warned};
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

TEST(FastPathTest, MinMaxDequeEqualsKernel) {
  for (const FunctionId id : {FunctionId::kMinOverTime, FunctionId::kMaxOverTime}) {
    RangeFunction f = FunctionImplOf(id).range;
    ASSERT_NE(f.batch, WindowBatch::kNone);
    f.batch = WindowBatch::kNone;
    CompareWithGeneric(id, f);
  }
}

// Prometheus 3's avg_over_time (funcAvgOverTime): Kahan sum, incremental mean once it overflows.
std::optional<double> ReferenceAvg(const Window& w, const WindowAt&) {
  double sum = w.v[0], count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < w.n; ++i) {
    const double f = w.v[i];
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double ns = sum, nc = c;
      KahanSumInc(f, ns, nc);
      if (!std::isinf(ns)) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const double q = (count - 1) / count;
    double m = q * mean, cc = q * c;
    KahanSumInc(f / count, m, cc);
    mean = m;
    c = cc;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

// Every lane width this CPU runs (8, 4 and the four-at-a-time loop), then the widest again.
template <typename Fn>
void ForEachKahanLanes(Fn fn) {
  for (size_t lanes : {size_t{8}, size_t{4}, size_t{0}}) {
    if (!UseKahanLanes(lanes)) continue;
    SCOPED_TRACE("lanes " + std::to_string(lanes));
    fn();
  }
  ASSERT_TRUE(UseKahanLanes(8) || UseKahanLanes(4) || UseKahanLanes(0));
}

TEST(FastPathTest, AvgOverTimeEqualsReference) {
  RangeFunction f = FunctionImplOf(FunctionId::kAvgOverTime).range;
  f.kernel = &ReferenceAvg;
  ASSERT_NE(f.batch, WindowBatch::kNone);
  f.batch = WindowBatch::kNone;
  ForEachKahanLanes([&] {
    for (Timing timing : {Timing::kIrregular, Timing::kRegular, Timing::kJittered}) {
      CompareWithGeneric(FunctionId::kAvgOverTime, f, timing);
    }
  });
}

// Prometheus 3's sum_over_time (funcSumOverTime).
std::optional<double> ReferenceSum(const Window& w, const WindowAt&) {
  double sum = 0, c = 0;
  for (size_t i = 0; i < w.n; ++i) KahanSumInc(w.v[i], sum, c);
  return std::isinf(sum) ? sum : sum + c;
}

TEST(FastPathTest, SumOverTimeEqualsReference) {
  RangeFunction f = FunctionImplOf(FunctionId::kSumOverTime).range;
  f.kernel = &ReferenceSum;
  ASSERT_NE(f.batch, WindowBatch::kNone);
  f.batch = WindowBatch::kNone;
  ForEachKahanLanes([&] {
    for (Timing timing : {Timing::kIrregular, Timing::kRegular, Timing::kJittered}) {
      CompareWithGeneric(FunctionId::kSumOverTime, f, timing);
    }
  });
}

TEST(FastPathTest, DeltaBatchEqualsKernel) {
  RangeFunction f = FunctionImplOf(FunctionId::kDelta).range;
  ASSERT_NE(f.batch, WindowBatch::kNone);
  f.batch = WindowBatch::kNone;
  CompareWithGeneric(FunctionId::kDelta, f);
}

// Classic histograms of 40 instances with random counters: some with buckets out of order
// (the monotonicity fix-up), a duplicate bound ("1" and "1.0"), a malformed le, gaps.
class HistogramFastPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> u(0, 1);
    const std::vector<std::string> les = {"0.1", "0.25", "1", "1.0", "2.5", "10", "+Inf"};
    auto app = head_.NewAppender();
    for (int inst = 0; inst < 40; ++inst) {
      std::vector<double> counts(les.size() + 1, 0);
      for (int i = 0; i <= 240; ++i) {
        for (size_t b = 0; b < counts.size(); ++b) {
          if (inst % 9 == 3 && u(rng) < 0.02) counts[b] = 0;  // reset
          counts[b] += (inst % 5 == 0 ? u(rng) : 1.0) * static_cast<double>(b + 1) * 3;
        }
        for (size_t b = 0; b <= les.size(); ++b) {
          if ((i + inst + static_cast<int>(b)) % 37 == 0) continue;  // gap
          if (b == les.size() && inst != 7) continue;  // one instance has a malformed le
          const std::string le = b == les.size() ? "bad" : les[b];
          model::Labels l{{"__name__", "req_bucket"},
                          {"h", std::to_string(inst % 3)},
                          {"instance", "i" + std::to_string(inst)},
                          {"le", le}};
          ASSERT_TRUE(app->Append(0, l, i * 15000, counts[b]).ok());
        }
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  Result Range(const std::string& q, int64_t step) {
    auto r = engine_.RangeQuery(head_, q, 600000, 3600000, step);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status();
    return r.ok() ? std::move(*r) : Result{};
  }

  void ExpectSameResult(const std::string& fused, const std::string& materialised,
                        int64_t step) {
    const Result a = Range(fused, step), b = Range(materialised, step);
    const Matrix& ma = std::get<Matrix>(a.value);
    const Matrix& mb = std::get<Matrix>(b.value);
    ASSERT_EQ(ma.size(), mb.size()) << fused;
    ASSERT_FALSE(ma.empty()) << fused;
    for (size_t i = 0; i < ma.size(); ++i) {
      ASSERT_TRUE(ma[i].labels == mb[i].labels) << fused;
      ASSERT_EQ(ma[i].points.size(), mb[i].points.size()) << fused;
      for (size_t k = 0; k < ma[i].points.size(); ++k) {
        ASSERT_EQ(ma[i].points[k].t, mb[i].points[k].t) << fused;
        ASSERT_TRUE(SameValue(ma[i].points[k].v, mb[i].points[k].v))
            << fused << " " << ma[i].points[k].v << " vs " << mb[i].points[k].v;
      }
    }
    EXPECT_EQ(a.warnings, b.warnings) << fused;
    EXPECT_EQ(a.infos, b.infos) << fused;
    // (peak_samples differs: `* 1` holds a second matrix while it multiplies.)
  }

  tsdb::Head head_;
  Engine engine_;
};

TEST_F(HistogramFastPathTest, FromCellsEqualsFromMatrix) {
  // `* 1` makes the argument a binary expression, which is materialised as a matrix; the
  // plain aggregation gives its cells.
  for (const std::string q : {"0.5", "0.99", "0", "1", "1.5", "NaN"}) {
    for (const std::string by : {"instance, le", "le", "h, le"}) {
      for (const std::string in : {"rate(req_bucket[5m])", "increase(req_bucket[2m])",
                                   "req_bucket"}) {
        const std::string agg = "sum by (" + by + ") (" + in + ")";
        for (const int64_t step : {15000, 60000, 3600000}) {
          ExpectSameResult("histogram_quantile(" + q + ", " + agg + ")",
                           "histogram_quantile(" + q + ", " + agg + " * 1)", step);
        }
      }
    }
  }
  ExpectSameResult("histogram_fraction(0, 0.7, sum by (instance, le) (rate(req_bucket[5m])))",
                   "histogram_fraction(0, 0.7, sum by (instance, le) (rate(req_bucket[5m])) * 1)",
                   30000);
  ExpectSameResult("histogram_quantile(0.9, sum without (h) (rate(req_bucket[5m])))",
                   "histogram_quantile(0.9, sum without (h) (rate(req_bucket[5m])) * 1)", 30000);
}

TEST_F(HistogramFastPathTest, AnnotationsAreMade) {
  const Result r = Range("histogram_quantile(0.9, sum by (instance, le) (rate(req_bucket[5m])))",
                         60000);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("malformed value of \"bad\""), std::string::npos) << r.warnings[0];
  ASSERT_EQ(r.infos.size(), 1u);
  EXPECT_NE(r.infos[0].find("needed to be fixed for monotonicity"), std::string::npos)
      << r.infos[0];
}

// A streamed sum or avg folds a series whose points lie at consecutive steps eight cells at a
// time (FoldSumRow, FoldAvgRow) where AVX-512 is there: against the materialised one (`* 1`
// makes the argument a binary expression, which Aggregate folds one point at a time into
// whole cells), bit for bit. Series start at different steps (runs begin anywhere in the row
// and end with any tail), some have gaps past the lookback (the point-by-point path), and the
// values mix magnitudes (both Kahan terms), NaN, infinities, sums that overflow (avg's
// incremental mean), and -0.
TEST(StreamedSumTest, SumAndAvgEqualTheMaterialisedOnes) {
  tsdb::Head head;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  auto app = head.NewAppender();
  for (int s = 0; s < 48; ++s) {
    model::Labels l{{"__name__", "v"}, {"g", std::to_string(s % 5)}, {"i", std::to_string(s)}};
    const int first = s % 13, last = 240 - s % 11;
    for (int k = first; k <= last; ++k) {
      if (s % 6 == 5 && k > 100 && k < 130) continue;  // a gap past the lookback
      const double r = u(rng);
      double v = (u(rng) - 0.5) * (r < 0.3 ? 1e-3 : 1e6);
      if (s % 4 == 1) {
        v = r < 0.05   ? std::numeric_limits<double>::quiet_NaN()
            : r < 0.1  ? std::numeric_limits<double>::infinity()
            : r < 0.15 ? -std::numeric_limits<double>::infinity()
                       : v;
      } else if (s % 4 == 2) {
        v = (u(rng) - 0.4) * 1.5e308;
      } else if (s % 4 == 3 && r < 0.5) {
        v = r < 0.25 ? -0.0 : std::floor(u(rng) * 4) - 1;
      }
      ASSERT_TRUE(app->Append(0, l, k * 15000 + s % 7, v).ok());
    }
  }
  ASSERT_TRUE(app->Commit().ok());
  const Engine engine;
  for (const std::string by :
       {"sum by (g)", "sum", "sum without (i)", "avg by (g)", "avg", "avg without (i)"}) {
    for (const std::string in : {"v", "avg_over_time(v[1m])", "rate(v[2m])"}) {
      for (const int64_t step : {15000, 30000, 7000}) {
        auto a = engine.RangeQuery(head, by + " (" + in + ")", 0, 3600000, step);
        auto b = engine.RangeQuery(head, by + " (" + in + " * 1)", 0, 3600000, step);
        ASSERT_TRUE(a.ok() && b.ok()) << by << " " << in;
        const Matrix& ma = std::get<Matrix>(a->value);
        const Matrix& mb = std::get<Matrix>(b->value);
        ASSERT_EQ(ma.size(), mb.size()) << by << " " << in;
        ASSERT_FALSE(ma.empty());
        for (size_t i = 0; i < ma.size(); ++i) {
          ASSERT_TRUE(ma[i].labels == mb[i].labels);
          ASSERT_EQ(ma[i].points.size(), mb[i].points.size()) << by << " " << in << " " << step;
          for (size_t k = 0; k < ma[i].points.size(); ++k) {
            ASSERT_EQ(ma[i].points[k].t, mb[i].points[k].t);
            ASSERT_TRUE(SameValue(ma[i].points[k].v, mb[i].points[k].v))
                << by << " (" << in << ") step " << step << " at " << ma[i].points[k].t << ": "
                << ma[i].points[k].v << " vs " << mb[i].points[k].v;
          }
        }
      }
    }
  }
}

// VectorVectorBinop's series-by-series path against its step-by-step loop, bit for bit and in
// the same output order: the same operands once as they are and once with an unmatched
// native-histogram series added to the right side (which only the step loop takes), over
// random series with gaps, for arithmetic, comparisons (filtering and bool), one-to-one and
// group_left/group_right matching; and the cases the series path must leave to the step loop
// (duplicate match groups, two pairs with one output label set) still give the step loop's
// answers and Prometheus' errors.
TEST(BinopBySeriesTest, EqualsTheStepLoop) {
  std::mt19937_64 rng(77);
  EngineOptions options;
  const StepGrid grid{0, 3600000, 30000};
  auto random_side = [&](const std::string& name, int n, int per_group) {
    EMatrix m;
    for (int s = 0; s < n; ++s) {
      ESeries e;
      e.metric = model::Labels{{"__name__", name},
                               {"g", std::to_string(s / per_group)},
                               {"i", std::to_string(s % per_group)}};
      // Points off the grid too (before its start, between steps, after its end): neither
      // path may pair them.
      if (rng() % 2 == 0) e.floats.push_back({grid.start - grid.interval, 1});
      for (int64_t t = grid.start; t <= grid.end; t += grid.interval) {
        if (rng() % 9 != 0) e.floats.push_back({t, static_cast<double>(rng() % 1000) / 8 - 40});
        if (rng() % 7 == 0) e.floats.push_back({t + 11000, static_cast<double>(rng() % 100)});
      }
      if (rng() % 2 == 0) e.floats.push_back({grid.end + grid.interval, 2});
      m.push_back(std::move(e));
    }
    return m;
  };
  auto run = [&](const std::string& q, const EMatrix& l, const EMatrix& r) -> std::string {
    auto expr = ParseExpr(q);
    EXPECT_TRUE(expr.ok()) << q;
    const auto& b = static_cast<const BinaryExpr&>(**expr);
    QueryContext ctx;
    ctx.options = &options;
    ctx.deadline = absl::InfiniteFuture();
    try {
      const EMatrix out = VectorVectorBinop(b, l, r, grid, &ctx);
      std::string text;
      for (const auto& e : out) {
        text += e.metric.ToString() + (e.drop_name ? " drop:" : ":");
        for (const auto& p : e.floats) {
          text += std::to_string(p.t) + "=" + std::to_string(std::bit_cast<uint64_t>(p.f)) + ",";
        }
        text += "\n";
      }
      return text;
    } catch (const std::exception&) {
      return "error";
    } catch (...) {
      return "error";
    }
  };
  ESeries hist;
  hist.metric = model::Labels{{"__name__", "h"}, {"g", "none"}, {"i", "none"}};
  auto h = std::make_shared<model::histogram::FloatHistogram>();
  h->count = 1;
  hist.histograms.push_back({grid.start, h});
  for (int round = 0; round < 40; ++round) {
    const EMatrix a = random_side("a", 60, 6), b = random_side("b", 60, 6);
    EMatrix one = random_side("c", 10, 1);  // one series per g, with a label to copy
    for (auto& e : one) {
      e.metric =
          model::LabelsBuilder(e.metric).Set("zone", "z" + std::string(e.metric.Get("g"))).Build();
    }
    for (const char* q : {"a + b", "a - ignoring(x) b", "a > b", "a >= bool b", "a / on(g, i) b",
                          "a * on(g) group_left c", "c - on(g) group_right a",
                          "a < on(g) group_left(zone) c", "a == bool on(g) group_left c"}) {
      const bool uses_c = std::string(q).find('c') != std::string::npos;
      const bool c_left = std::string(q).rfind("c ", 0) == 0;
      const EMatrix& l = c_left ? one : a;
      const EMatrix& r = uses_c ? (c_left ? a : one) : b;
      EMatrix r_slow = r;
      r_slow.push_back(hist);
      const std::string want = run(q, l, r_slow);
      ASSERT_NE(want, "error") << q;
      EXPECT_EQ(run(q, l, r), want) << q << " round " << round;
    }
    // Two right-hand series in one match group: the step loop's error.
    EXPECT_EQ(run("a * on(g) group_left b", a, b), "error");
    // Two pairs with one output label set (the name dropped): the step loop's error where
    // both have a point at one step, and one merged series where they never do.
    EMatrix twice = a, merged = a;
    for (const auto& e : a) {
      ESeries other = e;
      other.metric = model::LabelsBuilder(e.metric).Set("__name__", "a2").Build();
      twice.push_back(other);
      other.floats.clear();
      for (int64_t t = grid.start; t <= grid.end; t += grid.interval) {
        const bool in_a = std::any_of(e.floats.begin(), e.floats.end(),
                                      [t](const FPoint& p) { return p.t == t; });
        if (!in_a) other.floats.push_back({t, static_cast<double>(t % 7)});
      }
      merged.push_back(other);
    }
    EXPECT_EQ(run("a - on(g) group_left c", twice, one), "error");
    EMatrix one_slow = one;
    one_slow.push_back(hist);
    const std::string want = run("a - on(g) group_left c", merged, one_slow);
    ASSERT_NE(want, "error");
    EXPECT_EQ(run("a - on(g) group_left c", merged, one), want);
  }
}

}  // namespace
}  // namespace promlet::promql::internal
