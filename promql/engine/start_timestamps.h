// Internal to the engine: Prometheus' use-start-timestamps semantics for the series whose
// samples carry start timestamps (STs, Decoded::st / hst): rate, increase, irate and resets
// also see a counter reset where the ST says the counter restarted, rate and increase
// replace the left extrapolation by a zero sample at the first sample's ST when that lies in
// the range, and a sample whose ST overlaps the previous sample draws a warning (once per
// series and window evaluation). Series without STs never come here (SlideWindows and
// SlideHistogramWindows keep them, unchanged).
//
// Invariants: d.st has d.t's size and d.hst has d.ht's size; SlideStartTimestampWindows
// annotates through c.ctx, so it runs on the evaluating thread only.
#ifndef PROMLET_PROMQL_ENGINE_START_TIMESTAMPS_H_
#define PROMLET_PROMQL_ENGINE_START_TIMESTAMPS_H_

#include "promql/engine/range_functions.h"

namespace promlet::promql::internal {

// Whether f is one of the functions that read STs (rate, increase, irate, resets).
bool ReadsStartTimestamps(const RangeFunction& f);

// SlideWindows for f (ReadsStartTimestamps) over a series with STs, floats and histograms.
void SlideStartTimestampWindows(const RangeFunction& f, const RangeCall& c, const Decoded& d,
                                ESeries& out, PositionRange pos);

}  // namespace promlet::promql::internal

#endif  // PROMLET_PROMQL_ENGINE_START_TIMESTAMPS_H_
