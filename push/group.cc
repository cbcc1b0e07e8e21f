#include "push/group.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/utf8.h"

namespace promlet::push {
namespace {

double SingleValue(const Group& g, std::string_view name) {
  auto it = g.families.find(name);
  if (it == g.families.end() || it->second.samples.empty()) return 0;
  return it->second.samples.front().value;
}

}  // namespace

double Group::PushTimeSeconds() const { return SingleValue(*this, kPushTimeMetric); }
double Group::PushFailureTimeSeconds() const { return SingleValue(*this, kPushFailureTimeMetric); }

model::Labels ApplyGroupingKey(const model::Labels& labels, const GroupingKey& key) {
  model::LabelsBuilder b(labels);
  for (const auto& [name, value] : key) b.Set(name, value);  // "" deletes
  return b.Build();
}

Family TimestampGauge(std::string_view name, std::string_view help, const GroupingKey& key,
                      double seconds, int64_t push_time_ms) {
  Family f;
  f.name = std::string(name);
  f.type = model::MetricType::kGauge;
  f.help = std::string(help);
  f.push_time_ms = push_time_ms;
  model::Labels base{{model::kMetricName, name}};
  f.samples.push_back(PushedSample{ApplyGroupingKey(base, key), seconds});
  return f;
}

std::string GroupingKeyString(const GroupingKey& key) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : key) {
    absl::StrAppend(&out, first ? "" : ", ", name, "=");
    common::AppendGoQuoted(&out, value);
    first = false;
  }
  out += "}";
  return out;
}

}  // namespace promlet::push
