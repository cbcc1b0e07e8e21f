// The scrape configuration: the supported part of prometheus.yml, with Prometheus' field names,
// defaults and validation.
//
// Invariants of a Config returned by LoadConfig*: every duration is resolved (a job's
// scrape_interval/scrape_timeout are set from global when absent, timeout <= interval), job
// names are unique and non-empty, every RelabelConfig passed Validate(), relative file paths
// (password_file, credentials_file, tls files, file_sd files) are made absolute against the
// config file's directory, and bearer_token/bearer_token_file are folded into authorization.
// Errors name the file, the line and the field path, e.g.
//   prometheus.yml:12: scrape_configs[0].scrap_interval: unknown field
// Valid Prometheus settings promlet does not implement (rule_files, remote_write, other service
// discoveries, ...) refuse the config with one such line each, unless LoadOptions says to
// ignore them (then they are Config::warnings).
// Structs compare with ==, which the manager uses to keep unchanged jobs running on reload.
#ifndef PROMLET_SCRAPE_CONFIG_H_
#define PROMLET_SCRAPE_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/relabel.h"
#include "model/textparse.h"
#include "model/labels.h"
#include "scrape/protocols.h"
#include "scrape/target_labels.h"

namespace promlet::scrape {

// A set of targets sharing labels: a static_configs entry or one entry of a file_sd file.
// As Prometheus' targetgroup.Group: each target is a label set holding at least __address__.
struct TargetGroup {
  std::vector<model::Labels> targets;
  model::Labels labels;
  std::string source;  // "0" for static_configs[0]; "<file>:<index>" for file_sd
  friend bool operator==(const TargetGroup&, const TargetGroup&) = default;
};

struct BasicAuth {
  std::string username;
  std::string password;
  std::string password_file;  // absolute; read at scrape time
  friend bool operator==(const BasicAuth&, const BasicAuth&) = default;
};

struct Authorization {
  std::string type = "Bearer";
  std::string credentials;
  std::string credentials_file;  // absolute; read at scrape time
  friend bool operator==(const Authorization&, const Authorization&) = default;
};

struct TlsConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
  friend bool operator==(const TlsConfig&, const TlsConfig&) = default;
};

struct FileSdConfig {
  std::vector<std::string> files;  // absolute glob patterns ending in .json/.yml/.yaml
  int64_t refresh_interval_ms = 5 * 60 * 1000;
  friend bool operator==(const FileSdConfig&, const FileSdConfig&) = default;
};

struct ScrapeConfig {
  std::string job_name;
  int64_t scrape_interval_ms = 0;  // resolved: never 0 after loading
  int64_t scrape_timeout_ms = 0;   // resolved: never 0, <= scrape_interval_ms
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  std::map<std::string, std::vector<std::string>> params;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool enable_compression = true;
  bool follow_redirects = true;
  bool track_timestamps_staleness = false;  // stale markers for series with explicit timestamps
  uint64_t keep_dropped_targets = 0;        // 0 = keep all dropped targets for the API
  std::vector<ScrapeProtocol> scrape_protocols;  // resolved from global when absent
  std::optional<ScrapeProtocol> fallback_scrape_protocol;
  uint64_t sample_limit = 0;  // 0 = no limit, for all limits
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  int64_t body_size_limit_bytes = 0;
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;  // also from bearer_token(_file)
  TlsConfig tls_config;
  std::vector<TargetGroup> static_configs;
  std::vector<FileSdConfig> file_sd_configs;
  std::vector<model::RelabelConfig> relabel_configs;
  std::vector<model::RelabelConfig> metric_relabel_configs;

  // The part PopulateLabels() needs.
  TargetDefaults ToTargetDefaults() const;
  friend bool operator==(const ScrapeConfig&, const ScrapeConfig&) = default;
};

struct GlobalConfig {
  int64_t scrape_interval_ms = 60 * 1000;
  int64_t scrape_timeout_ms = 10 * 1000;
  int64_t evaluation_interval_ms = 60 * 1000;
  model::Labels external_labels;
  std::vector<ScrapeProtocol> scrape_protocols = DefaultScrapeProtocols();
  // Defaults for the per-job limits (Prometheus 2.45+ global limits).
  uint64_t sample_limit = 0;
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  int64_t body_size_limit_bytes = 0;
  uint64_t keep_dropped_targets = 0;
  friend bool operator==(const GlobalConfig&, const GlobalConfig&) = default;
};

struct Config {
  GlobalConfig global;
  std::vector<ScrapeConfig> scrape_configs;
  std::string source;  // file name (or the name given to LoadConfigString)
  // The configuration as it may be shown (/api/v1/status/config): the file's settings with
  // every secret (passwords, credentials, bearer tokens, inline keys) printed as "<secret>",
  // as Prometheus does; file paths are shown as they are.
  std::string yaml;
  // Unsupported settings ignored because of LoadOptions::ignore_unsupported, one located
  // message each; CheckConfig prints them, the binary logs them. Settings that would change
  // how requests go out (oauth2, proxy_url, http_headers) are errors even then.
  std::vector<std::string> warnings;

  const ScrapeConfig* FindJob(std::string_view job_name) const;
};

struct LoadOptions {
  // --config.ignore-unsupported: unsupported settings become warnings instead of an error.
  bool ignore_unsupported = false;
};

absl::StatusOr<Config> LoadConfigFile(const std::string& path, const LoadOptions& options = {});
// `name` is used in error messages and as the base for relative paths (its directory).
absl::StatusOr<Config> LoadConfigString(std::string_view yaml, std::string_view name,
                                        const LoadOptions& options = {});

// The configuration promlet runs with when given no --config.file: scrape itself every 15s
// as job "promlet". `listen_address` is the web listen address (":9090", "0.0.0.0:9090",
// "[::]:9090", "127.0.0.1:9091"); unspecified hosts become "localhost". `route_prefix`
// (--web.route-prefix, "/" or "/a/b") is where promlet serves /metrics.
std::string DefaultConfigYaml(std::string_view listen_address, std::string_view route_prefix = "/");
Config DefaultConfig(std::string_view listen_address, std::string_view route_prefix = "/");

// `promlet check config FILE`: loads and validates like promtool, also parses the file_sd
// files its globs match. Returns the report to print (SUCCESS line, warnings, per-job summary)
// or an error whose message is the FAILED report.
absl::StatusOr<std::string> CheckConfig(const std::string& path, const LoadOptions& options = {});

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_CONFIG_H_
