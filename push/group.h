// The data of one Pushgateway group: its grouping key and the metric families last pushed to it.
//
// Invariants:
//  - A GroupingKey always holds "job" (non-empty); other values may be empty: Pushgateway keys
//    groups on the (name, value) pairs, so {job="a", instance=""} and {job="a"} are distinct
//    groups (their exposed series coincide, which the store refuses as a duplicate).
//  - A Family's samples are flattened exposition lines (a classic histogram "foo" holds
//    foo_bucket, foo_sum and foo_count samples; a native one a single "foo" histogram sample). Their labels are the pushed labels with the grouping key
//    applied as Pushgateway's sanitizeLabels does (grouping values win over body labels; an
//    empty value removes the label), i.e. exactly the series Prometheus would store after
//    scraping a Pushgateway with honor_labels: true (minus the instance a scrape adds).
//  - Every stored group carries the families push_time_seconds and push_failure_time_seconds
//    (0 until a push, resp. a failed push, happened), as Pushgateway's groups do.
#ifndef PROMLET_PUSH_GROUP_H_
#define PROMLET_PUSH_GROUP_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"
#include "model/textparse.h"
#include "model/labels.h"

namespace promlet::push {

using GroupingKey = std::map<std::string, std::string>;

inline constexpr std::string_view kPushTimeMetric = "push_time_seconds";
inline constexpr std::string_view kPushFailureTimeMetric = "push_failure_time_seconds";
inline constexpr std::string_view kPushTimeHelp =
    "Last Unix time when changing this group in the Pushgateway succeeded.";
inline constexpr std::string_view kPushFailureTimeHelp =
    "Last Unix time when changing this group in the Pushgateway failed.";

struct PushedSample {
  model::Labels labels;  // includes __name__
  double value = 0;
  // Added by flattening, not in the pushed message (the +Inf bucket a protobuf histogram leaves
  // implicit): exposed and stored, but /api/v1/metrics shows the message as pushed.
  bool synthesized = false;
  // A native histogram sample (then value is unused): at most one is set. Shared, immutable.
  std::shared_ptr<const model::histogram::Histogram> histogram = nullptr;
  std::shared_ptr<const model::histogram::FloatHistogram> float_histogram = nullptr;
  bool IsHistogram() const { return histogram != nullptr || float_histogram != nullptr; }
};

struct Family {
  std::string name;
  model::MetricType type = model::MetricType::kUntyped;
  std::string help;
  std::vector<PushedSample> samples;
  // When the family was last pushed (Pushgateway's per-family time_stamp), Unix ms.
  int64_t push_time_ms = 0;
  // Set by the body parser when a sample carried a timestamp (Pushgateway refuses those).
  bool has_timestamp = false;
};

struct Group {
  GroupingKey key;
  std::map<std::string, Family, std::less<>> families;  // by family name

  // The value of push_time_seconds / push_failure_time_seconds (0 when absent).
  double PushTimeSeconds() const;
  double PushFailureTimeSeconds() const;
  // Pushgateway's LastPushSuccess: no failure newer than the last success.
  bool LastPushSuccessful() const { return PushFailureTimeSeconds() <= PushTimeSeconds(); }
};

// The labels of the series Prometheus would see for a sample with `labels` pushed to `key`:
// grouping values replace body values, empty grouping values remove the label.
model::Labels ApplyGroupingKey(const model::Labels& labels, const GroupingKey& key);

// A push_time_seconds-style gauge family of one sample, labelled with the grouping key.
Family TimestampGauge(std::string_view name, std::string_view help, const GroupingKey& key,
                      double seconds, int64_t push_time_ms);

// "{instance=\"\", job=\"a\"}": the grouping key as Pushgateway logs and errors show it.
std::string GroupingKeyString(const GroupingKey& key);

}  // namespace promlet::push

#endif  // PROMLET_PUSH_GROUP_H_
