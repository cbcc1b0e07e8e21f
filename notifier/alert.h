// Alert: what rules hand to the notifier, as Prometheus' notifier.Alert, and the two pure steps
// every alert goes through: relabeling (external labels, then alert_relabel_configs) and the
// JSON body of Alertmanager API v2's POST /api/v2/alerts.
//
// Invariants: times are Unix milliseconds, 0 meaning "not set" (written as Go's zero time, which
// Alertmanager reads as unset); RelabelAlerts never adds an external label the alert already
// has, and drops an alert only through a keep/drop rule; EncodeAlertsV2 writes exactly the
// fields Prometheus sends, in its order (annotations, endsAt, startsAt, generatorURL, labels),
// times as RFC 3339 in UTC with milliseconds, label sets as JSON objects sorted by name.
#ifndef PROMLET_NOTIFIER_ALERT_H_
#define PROMLET_NOTIFIER_ALERT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/relabel.h"

namespace promlet::notifier {

struct Alert {
  model::Labels labels;
  model::Labels annotations;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;  // in the future while firing; the resolution time once resolved
  std::string generator_url;
  friend bool operator==(const Alert&, const Alert&) = default;
};

// Adds each external label an alert lacks, then applies `configs`; returns the alerts kept,
// in order (Prometheus' relabelAlerts).
std::vector<Alert> RelabelAlerts(std::vector<Alert> alerts, const model::Labels& external_labels,
                                 const std::vector<model::RelabelConfig>& configs);

// The body of POST <path_prefix>/api/v2/alerts (Prometheus' alertsToOpenAPIAlerts, marshalled).
std::string EncodeAlertsV2(const std::vector<Alert>& alerts);

// Go's strfmt.DateTime form: "2024-01-02T03:04:05.678Z"; 0 is "0001-01-01T00:00:00.000Z".
std::string FormatAlertTime(int64_t unix_ms);

}  // namespace promlet::notifier

#endif  // PROMLET_NOTIFIER_ALERT_H_
