#include "common/metric_families.h"

#include <utility>

namespace promlet::common {
namespace {

prometheus::MetricFamily OneMetric(std::string name, std::string help, double v,
                                   prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = v;
  } else {
    m.gauge.value = v;
  }
  f.metric.push_back(std::move(m));
  return f;
}

}  // namespace

prometheus::MetricFamily GaugeFamily(std::string name, std::string help, double v) {
  return OneMetric(std::move(name), std::move(help), v, prometheus::MetricType::Gauge);
}

prometheus::MetricFamily CounterFamily(std::string name, std::string help, double v) {
  return OneMetric(std::move(name), std::move(help), v, prometheus::MetricType::Counter);
}

void AppendMetrics(std::vector<prometheus::MetricFamily>& out,
                   std::initializer_list<MetricRow> rows) {
  for (const MetricRow& row : rows) {
    if (row.kind == MetricKind::kGauge) {
      out.push_back(GaugeFamily(row.name, row.help, row.value));
      continue;
    }
    out.push_back(CounterFamily(row.name, row.help, row.value));
    // Prometheus labels its sample counters by type ("float" or "histogram"); promlet stores
    // floats.
    if (row.kind == MetricKind::kFloatCounter) out.back().metric[0].label = {{"type", "float"}};
  }
}

}  // namespace promlet::common
