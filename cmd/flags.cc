#include "cmd/flags.h"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstring>
#include <optional>
#include <sstream>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cmd/version.h"
#include "common/bytesize.h"
#include "common/duration.h"
#include "common/log.h"
#include "net/http/server.h"
#include "tsdb/block/section_cache.h"

namespace promlet::cmd {

namespace po = boost::program_options;

std::string VersionText() {
  return absl::StrCat("promlet, version ", PROMLET_VERSION, " (branch: main, revision: ",
                      PROMLET_REVISION, ")\n", "  build date:       ", __DATE__, " ", __TIME__,
                      "\n", "  compiler:         g++ ", __VERSION__, "\n",
                      "  platform:         linux/amd64\n",
                      "  Prometheus API compatibility: ", PROMLET_PROMETHEUS_COMPAT_VERSION,
                      " (the \"version\" /api/v1/status/buildinfo reports, so that clients such "
                      "as Grafana enable the matching features; promlet's own version is in "
                      "\"promletVersion\" and \"revision\")\n");
}

namespace {

constexpr char kUsageLines[] =
    "usage: promlet [<flags>]\n"
    "       promlet tsdb create-blocks-from openmetrics <file> <data-dir> | list <dir> | "
    "analyze <dir>\n"
    "       promlet check config [--config.ignore-unsupported] <file>\n"
    "       promlet check rules [--lint=duplicate-rules|all|none] [--lint-fatal] [--ignore-unknown-fields] [<file>...]\n"
    "       promlet test rules <test-file>...\n";

// Prometheus' computeExternalURL: the flag's URL (or http://<hostname>:<port>/ when unset)
// with the path's trailing slashes trimmed. Returns the reason when the URL is unusable.
absl::StatusOr<std::string> ComputeExternalUrl(const std::string& flag, uint16_t listen_port) {
  std::string u = flag;
  if (u.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "localhost");
    u = absl::StrCat("http://", host, ":", listen_port, "/");
  }
  if (u.front() == '"' || u.front() == '\'' || u.back() == '"' || u.back() == '\'') {
    return absl::InvalidArgumentError("URL must not begin or end with quotes");
  }
  for (unsigned char c : u) {
    if (c <= ' ' || c == 0x7f) return absl::InvalidArgumentError("invalid character in URL");
  }
  size_t path_at = 0;
  if (size_t scheme_end = u.find("://"); scheme_end != std::string::npos) {
    std::string scheme = absl::AsciiStrToLower(u.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") {
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported scheme \"", scheme, "\" (want http or https)"));
    }
    path_at = u.find_first_of("/?#", scheme_end + 3);
    if (path_at == scheme_end + 3) return absl::InvalidArgumentError("missing host");
    if (path_at == std::string::npos) path_at = u.size();
  } else if (u.front() != '/') {
    return absl::InvalidArgumentError(
        "want an absolute URL such as http://host:9090/prefix (or a path starting with /)");
  }
  std::string path = u.substr(path_at, u.find_first_of("?#", path_at) - path_at);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return absl::StrCat(u.substr(0, path_at), path);
}

// The path of a URL ComputeExternalUrl returned ("" or "/a/b").
std::string UrlPath(const std::string& url) {
  size_t scheme_end = url.find("://");
  size_t at = scheme_end == std::string::npos ? 0 : url.find('/', scheme_end + 3);
  return at == std::string::npos ? "" : url.substr(at);
}

}  // namespace

std::string UsageText() {
  return absl::StrCat(kUsageLines, "Run 'promlet --help' for the flags.\n");
}

ParseFlagsResult ParseFlags(int argc, const char* const* argv) {
  ParseFlagsResult r;
  Flags& f = r.flags;
  std::string retention_time, retention_size, block_cache_size, query_timeout, lookback;
  std::string outage_tolerance, grace_period, resend_delay;
  std::string external_url_flag, route_prefix_flag;
  std::string push_max_body_size;
  std::string alertmanager_timeout;
  std::string remote_max_retention;
  std::vector<std::string> features;
  po::options_description desc(
      absl::StrCat(kUsageLines,
                   "\npromlet: a small, Prometheus-compatible time-series database.\n\nFlags"));
  // clang-format off
  desc.add_options()
    ("help,h", "Show this help and exit.")
    ("version", "Show application version and exit.")
    ("config.file", po::value(&f.config_file)->default_value("")->value_name("path"),
       "Prometheus configuration file path. Empty: the embedded default (scrape promlet itself "
       "every 15s as job \"promlet\").")
    ("config.ignore-unsupported", po::bool_switch(&f.config_ignore_unsupported),
       "Start even when the configuration uses sections or fields promlet does not implement "
       "(they are logged as warnings and ignored). Without it such a configuration is refused.")
    ("storage.tsdb.path", po::value(&f.tsdb_path)->default_value("data/")->value_name("path"),
       "Base path for metrics storage.")
    ("storage.tsdb.retention.time",
       po::value(&retention_time)->default_value("15d")->value_name("duration"),
       "How long to retain samples in storage.")
    ("storage.tsdb.retention.size",
       po::value(&retention_size)->default_value("0")->value_name("size"),
       "Maximum number of bytes that can be stored for blocks (units: B, KB, MB, GB, TB, PB, "
       "EB). 0 disables the limit.")
    ("storage.tsdb.block-cache-size",
       po::value(&block_cache_size)->default_value("auto")->value_name("size"),
       "Memory for decompressed block data (series pages, chunk groups) kept between queries, "
       "shared by all blocks (units as for --storage.tsdb.retention.size; at least 2MB). "
       "auto: 1/16 of the memory the process may use (physical or cgroup limit), between 32MB "
       "and 1GB; it fills only with what queries read. promlet only.")
    ("storage.tsdb.no-lockfile", po::bool_switch(&f.no_lockfile),
       "Do not create lockfile in data directory.")
    ("alertmanager.notification-queue-capacity",
       po::value(&f.alertmanager_queue_capacity)->default_value(10000)->value_name("int"),
       "The capacity of the queue for pending Alertmanager notifications.")
    ("alertmanager.timeout",
       po::value(&alertmanager_timeout)->default_value("")->value_name("duration"),
       "Timeout for sending alerts to Alertmanager, for alertmanagers entries that set no "
       "timeout of their own (default 10s). Prometheus 3 accepts and ignores this flag.")
    ("web.listen-address",
       po::value(&f.listen_address)->default_value("0.0.0.0:9090")->value_name("address"),
       "Address to listen on for the web interface and API.")
    ("web.enable-lifecycle", po::bool_switch(&f.enable_lifecycle),
       "Enable shutdown and reload via HTTP request (/-/quit, /-/reload).")
    ("web.enable-admin-api", po::bool_switch(&f.enable_admin_api),
       "Enable API endpoints for admin control actions.")
    ("web.config.file", po::value(&f.web_config_file)->default_value("")->value_name("path"),
       "[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication.")
    ("web.cors.origin", po::value(&f.cors_origin)->default_value(".*")->value_name("regex"),
       "Regex for CORS origin. It is fully anchored.")
    ("web.external-url", po::value(&external_url_flag)->default_value("")->value_name("URL"),
       "The URL under which promlet is externally reachable (for example, if promlet is served "
       "via a reverse proxy). Used for generating relative and absolute links back to promlet "
       "itself. If the URL has a path portion, it will be used to prefix all HTTP endpoints "
       "served by promlet. If omitted, relevant URL components will be derived automatically.")
    ("web.route-prefix", po::value(&route_prefix_flag)->default_value("")->value_name("path"),
       "Prefix for the internal routes of web endpoints. Defaults to path of --web.external-url.")
    ("web.page-title", po::value(&f.page_title)->default_value(f.page_title)->value_name("title"),
       "Document title of promlet instance.")
    ("web.enable-push", po::bool_switch(&f.enable_push),
       "Accept pushes as a Pushgateway does (PUT/POST/DELETE /metrics/job/...; GET "
       "/api/v1/metrics and /api/v1/status) and VictoriaMetrics' POST "
       "/api/v1/import/prometheus. Pushed groups are kept under the storage path and appended "
       "every global scrape interval, as if a Pushgateway were scraped with honor_labels: true.")
    ("push.max-body-size",
       po::value(&push_max_body_size)->default_value("10MB")->value_name("size"),
       "Maximum size of a pushed body after gzip decoding; larger pushes answer 413.")
    ("push.max-groups", po::value(&f.push_max_groups)->default_value(0)->value_name("int"),
       "Maximum number of push groups; a push creating one more answers 413. 0: no limit.")
    ("push.max-series-per-group",
       po::value(&f.push_max_series_per_group)->default_value(0)->value_name("int"),
       "Maximum number of series in one push group; a larger push answers 413. 0: no limit.")
    ("web.enable-remote-write-receiver", po::bool_switch(&f.remote_write_receiver),
       "Enable API endpoint accepting remote write requests (POST /api/v1/write, Remote Write "
       "1.0 and 2.0).")
    ("storage.remote.max-retention",
       po::value(&remote_max_retention)->default_value("4h")->value_name("duration"),
       "How far back WAL segments are kept for remote_write queues that have not sent them yet; "
       "older unsent data is dropped (logged and counted in "
       "prometheus_remote_storage_samples_dropped_total). 0 keeps nothing extra.")
    ("storage.remote.read-sample-limit",
       po::value(&f.remote_read_sample_limit)->default_value(50000000)->value_name("int"),
       "Maximum overall number of samples to return via the remote read interface, in a single "
       "query. 0 means no limit. This limit is ignored for streamed response types.")
    ("storage.remote.read-concurrent-limit",
       po::value(&f.remote_read_concurrent_limit)->default_value(10)->value_name("int"),
       "Maximum number of concurrent remote read calls. 0 means no limit.")
    ("storage.remote.read-max-bytes-in-frame",
       po::value(&f.remote_read_max_bytes_in_frame)->default_value(1048576)->value_name("int"),
       "Maximum number of bytes in a single frame for streaming remote read response types "
       "before marshalling.")
    ("query.timeout", po::value(&query_timeout)->default_value("2m")->value_name("duration"),
       "Maximum time a query may take before being aborted.")
    ("query.max-samples",
       po::value(&f.query_max_samples)->default_value(50000000)->value_name("int"),
       "Maximum number of samples a single query can load into memory.")
    ("query.max-steps-per-window",
       po::value(&f.query_max_steps_per_window)->default_value(2880)->value_name("int"),
       "A range query of more steps runs as windows of at most this many steps, one after "
       "another, so that its memory does not grow with its range. 0 means one window.")
    ("query.lookback-delta", po::value(&lookback)->default_value("5m")->value_name("duration"),
       "The maximum lookback duration for retrieving metrics during expression evaluations "
       "and federation.")
    ("query.max-concurrency",
       po::value(&f.query_max_concurrency)->default_value(20)->value_name("int"),
       "Maximum number of queries executed concurrently.")
    ("rules.alert.for-outage-tolerance",
       po::value(&outage_tolerance)->default_value("1h")->value_name("duration"),
       "Max time to tolerate promlet outage for restoring \"for\" state of alert.")
    ("rules.alert.for-grace-period",
       po::value(&grace_period)->default_value("10m")->value_name("duration"),
       "Minimum duration between alert and restored \"for\" state. This is maintained only "
       "for alerts with configured \"for\" time greater than grace period.")
    ("rules.alert.resend-delay",
       po::value(&resend_delay)->default_value("1m")->value_name("duration"),
       "Minimum amount of time to wait before resending an alert to Alertmanager.")
    ("rules.max-concurrent-evals",
       po::value(&f.rules_max_concurrent_evals)->default_value(4)->value_name("int"),
       "Global concurrency limit for independent rules that can run concurrently. When set, "
       "\"query.max-concurrency\" may need to be adjusted accordingly.")
    ("enable-feature", po::value(&features)->composing()->value_name("feature"),
       "Comma separated feature names to enable (repeatable). Known: concurrent-rule-eval.")
    ("log.level", po::value(&f.log_level)->default_value("info")->value_name("level"),
       "Only log messages with the given severity or above. One of: [debug, info, warn, error]")
    ("log.format", po::value(&f.log_format)->default_value("logfmt")->value_name("format"),
       "Output format of log messages. One of: [logfmt, json]");
  // clang-format on

  auto fail = [&](std::string msg) {
    r.exit_code = 2;
    r.err = absl::StrCat("promlet: error: ", msg, ", try --help\n");
    return r;
  };

  po::variables_map vm;
  try {
    auto parsed = po::command_line_parser(argc, argv)
                      .options(desc)
                      .style(po::command_line_style::default_style &
                             ~po::command_line_style::allow_guessing)
                      .run();
    // Boost keeps stray words (`promlet test rules x.yml`) as positional options and would
    // otherwise ignore them; promlet takes none.
    for (const po::option& o : parsed.options) {
      if (o.position_key >= 0 || o.string_key.empty()) {
        std::string word = o.original_tokens.empty() ? "" : o.original_tokens.front();
        r.exit_code = 2;
        r.err = absl::StrCat("promlet: error: unexpected argument '", word,
                             "' (promlet takes no positional arguments)\n", UsageText());
        return r;
      }
    }
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    return fail(absl::StrCat("unknown long flag '", e.get_option_name(), "'"));
  } catch (const po::error& e) {
    return fail(e.what());
  }
  if (vm.count("help")) {
    std::ostringstream os;
    os << desc << "\n";
    r.out = os.str();
    r.exit_code = 0;
    return r;
  }
  if (vm.count("version")) {
    r.out = VersionText();
    r.exit_code = 0;
    return r;
  }

  auto duration = [&](const char* name, const std::string& v, int64_t* out) -> bool {
    auto d = common::ParseDuration(v);
    if (!d.ok()) {
      fail(absl::StrCat("invalid value \"", v, "\" for flag --", name, ": ", d.status().message()));
      return false;
    }
    *out = *d;
    return true;
  };
  if (!duration("storage.tsdb.retention.time", retention_time, &f.retention_time_ms)) return r;
  if (!duration("query.timeout", query_timeout, &f.query_timeout_ms)) return r;
  if (!duration("query.lookback-delta", lookback, &f.query_lookback_delta_ms)) return r;
  if (!duration("rules.alert.for-outage-tolerance", outage_tolerance,
                &f.rules_outage_tolerance_ms) ||
      !duration("rules.alert.for-grace-period", grace_period, &f.rules_for_grace_period_ms) ||
      !duration("rules.alert.resend-delay", resend_delay, &f.rules_resend_delay_ms)) {
    return r;
  }
  if (auto s = common::ParseByteSize(retention_size); !s.ok()) {
    return fail(absl::StrCat("invalid value \"", retention_size,
                             "\" for flag --storage.tsdb.retention.size: ", s.status().message()));
  } else {
    f.retention_size_bytes = *s;
  }
  if (auto s = tsdb::SectionCache::ParseCapacity(block_cache_size); !s.ok()) {
    return fail(
        absl::StrCat("invalid value \"", block_cache_size,
                     "\" for flag --storage.tsdb.block-cache-size: ", s.status().message()));
  } else {
    f.block_cache_bytes = *s;
  }
  if (f.query_timeout_ms <= 0) {
    return fail("invalid value for flag --query.timeout: must be positive");
  }
  if (f.query_lookback_delta_ms <= 0) {
    return fail("invalid value for flag --query.lookback-delta: must be positive");
  }
  if (f.query_max_concurrency < 1) {
    return fail(absl::StrCat("invalid value \"", f.query_max_concurrency,
                             "\" for flag --query.max-concurrency: must be at least 1"));
  }
  if (f.query_max_samples < 1) {
    return fail(absl::StrCat("invalid value \"", f.query_max_samples,
                             "\" for flag --query.max-samples: must be at least 1"));
  }
  if (f.query_max_steps_per_window < 0) {
    return fail(absl::StrCat("invalid value \"", f.query_max_steps_per_window,
                             "\" for flag --query.max-steps-per-window: must not be negative"));
  }
  std::string host;
  uint16_t port = 0;
  if (auto st = net::SplitHostPort(f.listen_address, &host, &port); !st.ok()) {
    return fail(absl::StrCat("invalid value for flag --web.listen-address: ", st.message()));
  }
  if (!log::ParseLevel(f.log_level)) {
    return fail(absl::StrCat("invalid value \"", f.log_level,
                             "\" for flag --log.level: want one of debug, info, warn, error"));
  }
  if (!log::ParseFormat(f.log_format)) {
    return fail(absl::StrCat("invalid value \"", f.log_format,
                             "\" for flag --log.format: want one of logfmt, json"));
  }
  if (f.tsdb_path.empty()) return fail("flag --storage.tsdb.path must not be empty");
  if (auto s = common::ParseByteSize(push_max_body_size); !s.ok() || *s <= 0) {
    return fail(absl::StrCat("invalid value \"", push_max_body_size,
                             "\" for flag --push.max-body-size: want a positive size such as 10MB"));
  } else {
    f.push_max_body_bytes = *s;
  }
  if (f.push_max_groups < 0 || f.push_max_series_per_group < 0) {
    return fail("flags --push.max-groups and --push.max-series-per-group must not be negative");
  }
  if (f.rules_max_concurrent_evals < 0) {
    return fail("invalid value for flag --rules.max-concurrent-evals: must not be negative");
  }
  for (const std::string& list : features) {
    for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipEmpty())) {
      if (name == "concurrent-rule-eval") {
        f.concurrent_rule_eval = true;
      } else if (name == "st-storage") {
        f.st_storage = true;
      } else if (name == "use-start-timestamps") {
        f.use_start_timestamps = true;
      } else {
        f.unknown_features.emplace_back(name);
      }
    }
  }
  if (f.alertmanager_queue_capacity < 0) {
    return fail("invalid value for flag --alertmanager.notification-queue-capacity: must not be "
                "negative");
  }
  if (!alertmanager_timeout.empty()) {
    if (!duration("alertmanager.timeout", alertmanager_timeout, &f.alertmanager_timeout_ms)) {
      return r;
    }
    if (f.alertmanager_timeout_ms <= 0) {
      return fail("invalid value for flag --alertmanager.timeout: must be positive");
    }
  }
  if (!duration("storage.remote.max-retention", remote_max_retention,
                &f.remote_max_retention_ms)) {
    return r;
  }
  if (f.remote_max_retention_ms < 0 || f.remote_read_sample_limit < 0 ||
      f.remote_read_concurrent_limit < 0 || f.remote_read_max_bytes_in_frame <= 0) {
    return fail("flags --storage.remote.*: limits must not be negative (max-bytes-in-frame "
                "positive)");
  }
  auto external = ComputeExternalUrl(external_url_flag, port);
  if (!external.ok()) {
    return fail(absl::StrCat("parse external URL \"", external_url_flag,
                             "\" (flag --web.external-url): ", external.status().message()));
  }
  f.external_url = *external;
  // As Prometheus: the prefix defaults to the external URL's path and is always "/" or "/a/b".
  std::string prefix = route_prefix_flag.empty() ? UrlPath(f.external_url) : route_prefix_flag;
  size_t first = prefix.find_first_not_of('/');
  f.route_prefix = first == std::string::npos
                       ? "/"
                       : absl::StrCat("/", prefix.substr(first, prefix.find_last_not_of('/') + 1 - first));

  f.listing = {
      {"alertmanager.notification-queue-capacity", std::to_string(f.alertmanager_queue_capacity)},
      {"alertmanager.timeout", alertmanager_timeout},
      {"config.file", f.config_file},
      {"config.ignore-unsupported", f.config_ignore_unsupported ? "true" : "false"},
      {"enable-feature", absl::StrJoin(features, ",")},
      {"log.format", f.log_format},
      {"log.level", f.log_level},
      {"push.max-body-size", push_max_body_size},
      {"push.max-groups", std::to_string(f.push_max_groups)},
      {"push.max-series-per-group", std::to_string(f.push_max_series_per_group)},
      {"query.lookback-delta", common::FormatDuration(f.query_lookback_delta_ms)},
      {"query.max-concurrency", std::to_string(f.query_max_concurrency)},
      {"query.max-samples", std::to_string(f.query_max_samples)},
      {"query.max-steps-per-window", std::to_string(f.query_max_steps_per_window)},
      {"query.timeout", common::FormatDuration(f.query_timeout_ms)},
      {"rules.alert.for-grace-period", common::FormatDuration(f.rules_for_grace_period_ms)},
      {"rules.alert.for-outage-tolerance", common::FormatDuration(f.rules_outage_tolerance_ms)},
      {"rules.alert.resend-delay", common::FormatDuration(f.rules_resend_delay_ms)},
      {"rules.max-concurrent-evals", std::to_string(f.rules_max_concurrent_evals)},
      {"storage.remote.max-retention", common::FormatDuration(f.remote_max_retention_ms)},
      {"storage.remote.read-concurrent-limit", std::to_string(f.remote_read_concurrent_limit)},
      {"storage.remote.read-max-bytes-in-frame", std::to_string(f.remote_read_max_bytes_in_frame)},
      {"storage.remote.read-sample-limit", std::to_string(f.remote_read_sample_limit)},
      {"storage.tsdb.block-cache-size", block_cache_size},
      {"storage.tsdb.no-lockfile", f.no_lockfile ? "true" : "false"},
      {"storage.tsdb.path", f.tsdb_path},
      {"storage.tsdb.retention.size", retention_size == "0" ? "0B" : retention_size},
      {"storage.tsdb.retention.time", common::FormatDuration(f.retention_time_ms)},
      {"web.config.file", f.web_config_file},
      {"web.cors.origin", f.cors_origin},
      {"web.enable-admin-api", f.enable_admin_api ? "true" : "false"},
      {"web.enable-lifecycle", f.enable_lifecycle ? "true" : "false"},
      {"web.enable-push", f.enable_push ? "true" : "false"},
      {"web.enable-remote-write-receiver", f.remote_write_receiver ? "true" : "false"},
      {"web.external-url", external_url_flag},
      {"web.listen-address", f.listen_address},
      {"web.page-title", f.page_title},
      {"web.route-prefix", route_prefix_flag},
  };
  return r;
}

}  // namespace promlet::cmd
