// Config: the whole of prometheus.yml, loaded and validated with Prometheus' field names,
// defaults and error cases. Each section is one struct with its own parser in config/:
// global_config.h, rule_files (a list of globs, in config.cc), scrape_config.h, alerting_config.h
// (with discovery_config.h and http_client_config.h); a new section (remote_write, ...) is one
// more struct + parser, read by Load in config.cc, where the sections promlet does not implement
// yet are listed in one place.
//
// Invariants of a Config returned by LoadConfig*: every section holds its struct's invariants
// (durations resolved, job names unique and non-empty, relabel configs validated, relative file
// paths made absolute against the config file's directory, bearer_token(_file) folded into
// authorization). Errors name the file, the line and the field path, e.g.
//   prometheus.yml:12: scrape_configs[0].scrap_interval: unknown field
// Valid Prometheus settings promlet does not implement (remote_write, other service
// discoveries, ...) refuse the config with one such line each, unless LoadOptions says to
// ignore them (then they are Config::warnings).
// Structs compare with ==, which the scrape manager uses to keep unchanged jobs running.
#ifndef PROMLET_CONFIG_CONFIG_H_
#define PROMLET_CONFIG_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "config/alerting_config.h"
#include "config/global_config.h"
#include "config/remote_write_config.h"
#include "config/scrape_config.h"

namespace promlet::config {

struct Config {
  GlobalConfig global;
  std::vector<ScrapeConfig> scrape_configs;
  // rule_files: glob patterns, absolute (resolved against the config file's directory); only
  // the last path component may hold a wildcard. rules/ expands and loads them.
  std::vector<std::string> rule_files;
  AlertingConfig alerting;
  std::vector<RemoteWriteConfig> remote_write_configs;
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
// or an error whose message is the FAILED report. Defined in check.cc.
absl::StatusOr<std::string> CheckConfig(const std::string& path, const LoadOptions& options = {});

}  // namespace promlet::config

#endif  // PROMLET_CONFIG_CONFIG_H_
