// Internal to the engine: the range-vector functions (rate, *_over_time, deriv, ...). Each is a
// WindowKernel that computes one value from the samples of one series inside one window;
// SlideWindows runs a kernel over every step of one series, sliding the window along the
// series' samples. The evaluator selects the series and chooses the kernel once per call
// (function_table.h); nothing here includes the evaluator.
//
// Invariants: a kernel is called only for a non-empty window (w.n >= 1) whose samples are in
// strictly increasing time; SlideWindows emits at most one point per step, in step order, and
// counts the points it emits (QueryContext's accounting). Kernels of a RangeFunction with
// parallel = true touch no shared state, so SlideWindows may run for several series at once.
#ifndef PROMLET_PROMQL_ENGINE_RANGE_FUNCTIONS_H_
#define PROMLET_PROMQL_ENGINE_RANGE_FUNCTIONS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "promql/ast.h"
#include "promql/engine/context.h"
#include "promql/engine/value.h"

namespace promlet::promql::internal {

// The samples of one series inside one window.
struct Window {
  const int64_t* t;
  const double* v;
  size_t n;
};

// An experimental extended range selector (extended_ranges.h): `x[r] anchored|smoothed`.
enum class RangeExtension : uint8_t { kNone, kAnchored, kSmoothed };

// What one call of a range function fixes for all its series.
struct RangeCall {
  StepGrid grid;
  bool has_at = false;
  int64_t at = 0;  // the @ time when has_at
  int64_t offset_ms = 0;
  int64_t range_ms = 0;
  // The end of the window of output step ts: the @ time or the step, minus the offset.
  int64_t RefTime(int64_t ts) const { return (has_at ? at : ts) - offset_ms; }
  // Per-step values of the call's scalar arguments, by argument index (empty for the range
  // argument).
  const std::vector<std::vector<double>>* scalar_args = nullptr;
  QueryContext* ctx = nullptr;
  // quantile_over_time: where its parameter is, and whether the call has warned about it yet.
  PositionRange param_pos;
  bool* warned = nullptr;
  RangeExtension extension = RangeExtension::kNone;
  int64_t lookback_ms = 0;  // how far an extended window reaches past its boundaries
};

// Where one window lies.
struct WindowAt {
  const RangeCall& call;
  int64_t ts;         // the output step
  int64_t ref;        // the window's end: ts (or the @ time) minus the offset
  size_t step;        // index of ts in call.grid
  bool has_resets;    // counter kernels: the window holds a counter reset
  std::vector<double>& scratch;  // for the kernels that sort
};

using WindowKernel = std::optional<double> (*)(const Window& w, const WindowAt& at);

// The range functions that SlideWindows runs over a whole series at once instead of calling
// the kernel per window, with values equal bit for bit to the kernel's: rate, increase and
// delta extrapolate batches of windows in one vectorised loop; min/max_over_time keep a
// monotonic deque (O(samples + steps) instead of O(window) per step); avg/sum_over_time add
// up four windows at once (four independent compensated sums, each in Prometheus' order).
enum class WindowBatch : uint8_t { kNone, kRate, kIncrease, kDelta, kMin, kMax, kAvg, kSum };

// What the function computes over an anchored or smoothed window (the parser admits those
// selectors only for these functions).
enum class ExtendedKind : uint8_t { kNone, kRate, kIncrease, kDelta, kChanges, kResets };

struct RangeFunction {
  WindowKernel kernel = nullptr;
  WindowBatch batch = WindowBatch::kNone;  // kNone: kernel per window
  ExtendedKind extended = ExtendedKind::kNone;
  bool counter = false;     // rate, increase: wants has_resets; infos about non-counter names
  bool sorts = false;       // O(window) per step: interruption is checked by samples sorted
  bool parallel = true;     // false: the kernel may Warn (not thread-safe) or fail per step
  bool keeps_name = false;  // last_over_time, first_over_time keep __name__
  bool absent = false;      // absent_over_time: the evaluator turns presence into absence
  // The kernel reads how many samples a window holds, never their values: the selection
  // decodes timestamps and stale markers only (SelectHints::markers_only).
  bool counts_only = false;
};

// Appends f's value at every step of c.grid where the window over d's samples is non-empty.
// Results, point accounting and interruption checks are the same with and without f.batch.
void SlideWindows(const RangeFunction& f, const RangeCall& c, const Decoded& d, ESeries& out);

// Tests: sum avg/sum_over_time windows this many at a time in vector lanes (8: AVX-512, 4:
// AVX2, 0: four at a time in SSE2 or scalar code) instead of the CPU's widest; false when
// this CPU cannot. Not to be called while queries run.
bool UseKahanLanes(size_t lanes);

// SlideWindows for a series with native-histogram samples (histogram_range.cc): histogram
// rates, sums and means, counts and the latest sample over both kinds; the float functions
// see the floats only. Annotates through c.ctx, so it runs on the evaluating thread only;
// pos is the range argument's position.
void SlideHistogramWindows(const RangeFunction& f, const RangeCall& c, const Decoded& d,
                           ESeries& out, PositionRange pos);

namespace range_fn {
std::optional<double> Rate(const Window& w, const WindowAt& at);
std::optional<double> Increase(const Window& w, const WindowAt& at);
std::optional<double> Delta(const Window& w, const WindowAt& at);
std::optional<double> Irate(const Window& w, const WindowAt& at);
std::optional<double> Idelta(const Window& w, const WindowAt& at);
std::optional<double> Deriv(const Window& w, const WindowAt& at);
std::optional<double> PredictLinear(const Window& w, const WindowAt& at);
std::optional<double> Resets(const Window& w, const WindowAt& at);
std::optional<double> Changes(const Window& w, const WindowAt& at);
std::optional<double> AvgOverTime(const Window& w, const WindowAt& at);
std::optional<double> SumOverTime(const Window& w, const WindowAt& at);
std::optional<double> CountOverTime(const Window& w, const WindowAt& at);
std::optional<double> MinOverTime(const Window& w, const WindowAt& at);
std::optional<double> MaxOverTime(const Window& w, const WindowAt& at);
std::optional<double> LastOverTime(const Window& w, const WindowAt& at);
std::optional<double> FirstOverTime(const Window& w, const WindowAt& at);
std::optional<double> PresentOverTime(const Window& w, const WindowAt& at);
std::optional<double> StdvarOverTime(const Window& w, const WindowAt& at);
std::optional<double> StddevOverTime(const Window& w, const WindowAt& at);
std::optional<double> QuantileOverTime(const Window& w, const WindowAt& at);
std::optional<double> MadOverTime(const Window& w, const WindowAt& at);
std::optional<double> TsOfMaxOverTime(const Window& w, const WindowAt& at);
std::optional<double> TsOfMinOverTime(const Window& w, const WindowAt& at);
std::optional<double> TsOfLastOverTime(const Window& w, const WindowAt& at);
std::optional<double> TsOfFirstOverTime(const Window& w, const WindowAt& at);
std::optional<double> DoubleExponentialSmoothing(const Window& w, const WindowAt& at);
}  // namespace range_fn

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_RANGE_FUNCTIONS_H_
