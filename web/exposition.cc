#include "web/exposition.h"

#include <limits>

#include "common/go_format.h"

namespace promlet::web {
namespace {

void AppendHelp(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
}

const char* TypeName(prometheus::MetricType t) {
  switch (t) {
    case prometheus::MetricType::Counter: return "counter";
    case prometheus::MetricType::Gauge: return "gauge";
    case prometheus::MetricType::Summary: return "summary";
    case prometheus::MetricType::Histogram: return "histogram";
    case prometheus::MetricType::Untyped: break;
  }
  return "untyped";
}

// name<suffix>{labels[,extra="<extra_value>"]} value [timestamp]
void AppendSample(std::string& out, const std::string& name, std::string_view suffix,
                  const prometheus::ClientMetric& m, std::string_view extra, double extra_value,
                  double value) {
  out.append(name).append(suffix);
  bool open = false;
  for (const auto& l : m.label) {
    out.push_back(open ? ',' : '{');
    open = true;
    out.append(l.name).append("=\"");
    AppendExpositionLabelValue(out, l.value);
    out.push_back('"');
  }
  if (!extra.empty()) {
    out.push_back(open ? ',' : '{');
    open = true;
    out.append(extra).append("=\"");
    AppendExpositionValue(out, extra_value);
    out.push_back('"');
  }
  if (open) out.push_back('}');
  out.push_back(' ');
  AppendExpositionValue(out, value);
  if (m.timestamp_ms != 0) {
    out.push_back(' ');
    out.append(std::to_string(m.timestamp_ms));
  }
  out.push_back('\n');
}

}  // namespace

void AppendExpositionValue(std::string& out, double v) {
  if (v == 0) {
    out.push_back('0');
    return;
  }
  common::AppendGoFloat(&out, v, 'g');
}

void AppendExpositionLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out.append("\\\\"); break;
      case '"': out.append("\\\""); break;
      case '\n': out.append("\\n"); break;
      default: out.push_back(c);
    }
  }
}

std::string SerializeFamilies(const std::vector<prometheus::MetricFamily>& families) {
  std::string out;
  for (const auto& f : families) {
    if (f.metric.empty()) continue;
    if (!f.help.empty()) {
      out.append("# HELP ").append(f.name).push_back(' ');
      AppendHelp(out, f.help);
      out.push_back('\n');
    }
    out.append("# TYPE ").append(f.name).append(" ").append(TypeName(f.type)).push_back('\n');
    for (const auto& m : f.metric) {
      switch (f.type) {
        case prometheus::MetricType::Counter:
          AppendSample(out, f.name, "", m, "", 0, m.counter.value);
          break;
        case prometheus::MetricType::Gauge:
          AppendSample(out, f.name, "", m, "", 0, m.gauge.value);
          break;
        case prometheus::MetricType::Untyped:
          AppendSample(out, f.name, "", m, "", 0, m.untyped.value);
          break;
        case prometheus::MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            AppendSample(out, f.name, "", m, "quantile", q.quantile, q.value);
          }
          AppendSample(out, f.name, "_sum", m, "", 0, m.summary.sample_sum);
          AppendSample(out, f.name, "_count", m, "", 0,
                       static_cast<double>(m.summary.sample_count));
          break;
        case prometheus::MetricType::Histogram: {
          bool has_inf = false;
          for (const auto& b : m.histogram.bucket) {
            has_inf = has_inf || b.upper_bound == std::numeric_limits<double>::infinity();
            AppendSample(out, f.name, "_bucket", m, "le", b.upper_bound,
                         static_cast<double>(b.cumulative_count));
          }
          if (!has_inf) {
            AppendSample(out, f.name, "_bucket", m, "le", std::numeric_limits<double>::infinity(),
                         static_cast<double>(m.histogram.sample_count));
          }
          AppendSample(out, f.name, "_sum", m, "", 0, m.histogram.sample_sum);
          AppendSample(out, f.name, "_count", m, "", 0,
                       static_cast<double>(m.histogram.sample_count));
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace promlet::web
