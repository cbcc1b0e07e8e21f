// The text exposition format (0.0.4) as Prometheus' Go libraries write it (expfmt), for what
// promlet serves in that format: /federate and /metrics.
//
// Invariants:
//  - Values are expfmt's writeFloat: Go's 'g' with shortest digits (common::FormatGoFloat:
//    "1e+06", "1.7e+09", "0.1"), "NaN", "+Inf", "-Inf", and both zeros as "0".
//  - Label values escape '\\', '"' and newline; HELP text escapes '\\' and newline.
//  - Histogram buckets and summary quantiles carry their `le` / `quantile` label last, formatted
//    like values; counts (_count, _bucket) are written as floats, as expfmt does.
#ifndef PROMLET_WEB_EXPOSITION_H_
#define PROMLET_WEB_EXPOSITION_H_

#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

namespace promlet::web {

void AppendExpositionValue(std::string& out, double v);
void AppendExpositionLabelValue(std::string& out, std::string_view v);

// The families in the order given, in the text format.
std::string SerializeFamilies(const std::vector<prometheus::MetricFamily>& families);

}  // namespace promlet::web

#endif  // PROMLET_WEB_EXPOSITION_H_
