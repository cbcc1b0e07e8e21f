// Self-metric families built from plain rows: one unlabelled gauge or counter per row, in
// prometheus-cpp's MetricFamily shape, so that every module's /metrics figures (storage, scrape,
// process) are written as tables rather than repeated builder code.
//
// Invariant: one sample per family, no labels except kFloatCounter's type="float".
#ifndef PROMLET_COMMON_METRIC_FAMILIES_H_
#define PROMLET_COMMON_METRIC_FAMILIES_H_

#include <prometheus/metric_family.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace promlet::common {

// A family of one unlabelled gauge or counter, for any module's self metrics.
prometheus::MetricFamily GaugeFamily(std::string name, std::string help, double v);
prometheus::MetricFamily CounterFamily(std::string name, std::string help, double v);

// One row of a table of such families; kFloatCounter is a counter labelled type="float", as
// Prometheus labels its sample counters.
enum class MetricKind { kGauge, kCounter, kFloatCounter };
struct MetricRow {
  MetricKind kind;
  const char* name;
  const char* help;
  double value;
};
void AppendMetrics(std::vector<prometheus::MetricFamily>& out,
                   std::initializer_list<MetricRow> rows);

}  // namespace promlet::common

#endif  // PROMLET_COMMON_METRIC_FAMILIES_H_
