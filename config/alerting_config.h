// AlertingConfig: prometheus.yml's `alerting` section, where alerts go: `alert_relabel_configs`
// applied to every alert, and `alertmanagers`, each a set of Alertmanagers discovered the same
// way (static_configs, file_sd_configs) and reached with the same HTTP settings.
//
// Invariants after parsing: every RelabelConfig passed Validate(); scheme is http or https;
// api_version is "v2" (Prometheus 3 refuses v1, and so does promlet, with its message);
// static targets hold no "/"; the HTTP client settings hold HttpClientConfig's invariants.
// timeout_ms is absent when the file does not set it (the notifier then uses
// --alertmanager.timeout, else Prometheus' 10s). Other service discoveries are recorded as
// unsupported; sigv4 (like oauth2 and proxies) refuses the config even with
// --config.ignore-unsupported, since ignoring it would send alerts unauthenticated.
#ifndef PROMLET_CONFIG_ALERTING_CONFIG_H_
#define PROMLET_CONFIG_ALERTING_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "config/discovery_config.h"
#include "config/http_client_config.h"
#include "model/relabel.h"

namespace YAML {
class Node;
}

namespace promlet::config {

class Decoder;

struct AlertmanagerConfig {
  HttpClientConfig http_client;  // inline in the YAML, as Prometheus' HTTPClientConfig
  std::string scheme = "http";
  std::string path_prefix;  // put in front of /api/v2/alerts
  std::optional<int64_t> timeout_ms;
  std::string api_version = "v2";
  std::vector<TargetGroup> static_configs;
  std::vector<FileSdConfig> file_sd_configs;
  // Applied to each discovered Alertmanager's labels (__address__, __scheme__,
  // __alerts_path__, group and __meta_ labels); a dropped one is a "dropped Alertmanager".
  std::vector<model::RelabelConfig> relabel_configs;
  // Applied to the alerts sent to this set only, after the section's alert_relabel_configs.
  std::vector<model::RelabelConfig> alert_relabel_configs;
  friend bool operator==(const AlertmanagerConfig&, const AlertmanagerConfig&) = default;
};

struct AlertingConfig {
  std::vector<model::RelabelConfig> alert_relabel_configs;
  std::vector<AlertmanagerConfig> alertmanagers;
  friend bool operator==(const AlertingConfig&, const AlertingConfig&) = default;
};

// Reads the `alerting` mapping `n` (at path "alerting") into `out`.
absl::Status ParseAlertingConfig(const Decoder& d, const YAML::Node& n, AlertingConfig* out);

}  // namespace promlet::config

#endif  // PROMLET_CONFIG_ALERTING_CONFIG_H_
