// Command-line flags of the promlet binary, named as Prometheus names them.
//
// Invariant: a Flags value returned by ParseFlags is validated (durations, sizes, address, log
// settings parse); `listing` holds every flag with its effective value as text, in name order,
// for /api/v1/status/flags.
#ifndef PROMLET_CMD_FLAGS_H_
#define PROMLET_CMD_FLAGS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace promlet::cmd {

struct Flags {
  std::string config_file;  // "" = embedded default config
  // Unsupported config sections/fields are warnings instead of errors.
  bool config_ignore_unsupported = false;
  std::string tsdb_path = "data/";
  int64_t retention_time_ms = 15LL * 24 * 3600 * 1000;
  int64_t retention_size_bytes = 0;  // 0 = no size limit
  int64_t block_cache_bytes = 32LL << 20;  // --storage.tsdb.block-cache-size (default auto)
  bool no_lockfile = false;          // --storage.tsdb.no-lockfile
  // --alertmanager.notification-queue-capacity and --alertmanager.timeout (0: not given).
  int64_t alertmanager_queue_capacity = 10000;
  int64_t alertmanager_timeout_ms = 0;
  std::string listen_address = "0.0.0.0:9090";
  bool enable_lifecycle = false;
  bool enable_admin_api = false;
  // --web.enable-push: Pushgateway's API on the listen address (push/); groups under
  // <tsdb_path>/push. Limits: decoded body bytes, groups, series per group (0 = none).
  bool enable_push = false;
  int64_t push_max_body_bytes = 10 << 20;
  int64_t push_max_groups = 0;
  int64_t push_max_series_per_group = 0;
  // Remote storage (storage/remote/): the receiver (--web.enable-remote-write-receiver), how
  // long unsent WAL is kept for remote_write queues, and remote read's bounds (0 = no limit).
  bool remote_write_receiver = false;
  int64_t remote_max_retention_ms = 4LL * 3600 * 1000;
  int64_t remote_read_sample_limit = 50000000;
  int64_t remote_read_concurrent_limit = 10;
  int64_t remote_read_max_bytes_in_frame = 1048576;
  std::string web_config_file;
  std::string cors_origin = ".*";
  int64_t query_timeout_ms = 2 * 60 * 1000;
  int64_t query_max_samples = 50000000;
  int64_t query_max_steps_per_window = 2880;
  int64_t query_lookback_delta_ms = 5 * 60 * 1000;
  int query_max_concurrency = 20;
  // Alerting rules: --rules.alert.for-outage-tolerance, --rules.alert.for-grace-period,
  // --rules.alert.resend-delay (Prometheus' defaults).
  int64_t rules_outage_tolerance_ms = 3600 * 1000;
  int64_t rules_for_grace_period_ms = 600 * 1000;
  int64_t rules_resend_delay_ms = 60 * 1000;
  // --rules.max-concurrent-evals: process-wide bound on rules evaluated concurrently when
  // --enable-feature=concurrent-rule-eval is given.
  int64_t rules_max_concurrent_evals = 4;
  // --enable-feature (repeatable, comma-separated), as Prometheus: known names set the
  // switches below; unknown ones are kept in `unknown_features` (warned about, not fatal).
  bool concurrent_rule_eval = false;
  bool st_storage = false;            // st-storage: the TSDB keeps samples' start timestamps
  bool use_start_timestamps = false;  // use-start-timestamps: PromQL reads them
  std::vector<std::string> unknown_features;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  // --web.external-url, resolved as Prometheus does: the flag's URL with its path's trailing
  // slashes trimmed, or http://<hostname>:<listen port> when unset. Kept for links promlet
  // generates (alert generatorURL, UI).
  std::string external_url;
  // --web.route-prefix, or the external URL's path when unset: always "/" or "/a/b" (leading
  // slash, no trailing one). Every endpoint is served under it.
  std::string route_prefix = "/";
  std::string page_title = "Prometheus Time Series Collection and Processing Server";

  std::vector<std::pair<std::string, std::string>> listing;
};

struct ParseFlagsResult {
  // -1: go on and run; otherwise exit with this code after printing `out` (stdout) and `err`
  // (stderr). --help and --version exit 0; a bad flag exits 2 naming it.
  int exit_code = -1;
  std::string out;
  std::string err;
  Flags flags;
};

ParseFlagsResult ParseFlags(int argc, const char* const* argv);

// "promlet, version 0.1.0 (branch: main, revision: abc)\n  build date: ...", with the
// Prometheus version the HTTP API reports for compatibility.
std::string VersionText();

// The usage lines (commands and how to get help), printed with command-line errors.
std::string UsageText();

}  // namespace promlet::cmd

#endif  // PROMLET_CMD_FLAGS_H_
