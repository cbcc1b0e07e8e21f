#include "cmd/flags.h"

#include <optional>
#include <sstream>

#include <boost/program_options.hpp>

#include "absl/strings/str_cat.h"
#include "api/http_server.h"
#include "cmd/version.h"
#include "common/bytesize.h"
#include "common/duration.h"
#include "common/log.h"

namespace promlet::cmd {

namespace po = boost::program_options;

std::string VersionText() {
  return absl::StrCat("promlet, version ", PROMLET_VERSION, " (branch: main, revision: ",
                      PROMLET_REVISION, ")\n", "  build date:       ", __DATE__, " ", __TIME__,
                      "\n", "  compiler:         g++ ", __VERSION__, "\n",
                      "  platform:         linux/amd64\n");
}

ParseFlagsResult ParseFlags(int argc, const char* const* argv) {
  ParseFlagsResult r;
  Flags& f = r.flags;
  std::string retention_time, retention_size, query_timeout, lookback;
  po::options_description desc(
      "usage: promlet [<flags>]\n"
      "       promlet tsdb create-blocks-from openmetrics <file> <data-dir> | list <dir> | "
      "analyze <dir>\n"
      "       promlet check config <file>\n\n"
      "promlet: a small, Prometheus-compatible time-series database.\n\nFlags");
  // clang-format off
  desc.add_options()
    ("help,h", "Show this help and exit.")
    ("version", "Show application version and exit.")
    ("config.file", po::value(&f.config_file)->default_value("")->value_name("path"),
       "Prometheus configuration file path. Empty: the embedded default (scrape promlet itself "
       "every 15s as job \"promlet\").")
    ("storage.tsdb.path", po::value(&f.tsdb_path)->default_value("data/")->value_name("path"),
       "Base path for metrics storage.")
    ("storage.tsdb.retention.time",
       po::value(&retention_time)->default_value("15d")->value_name("duration"),
       "How long to retain samples in storage.")
    ("storage.tsdb.retention.size",
       po::value(&retention_size)->default_value("0")->value_name("size"),
       "Maximum number of bytes that can be stored for blocks (units: B, KB, MB, GB, TB, PB, "
       "EB). 0 disables the limit.")
    ("storage.tsdb.no-lockfile", po::bool_switch(&f.no_lockfile),
       "Do not create lockfile in data directory.")
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
    ("query.timeout", po::value(&query_timeout)->default_value("2m")->value_name("duration"),
       "Maximum time a query may take before being aborted.")
    ("query.max-samples",
       po::value(&f.query_max_samples)->default_value(50000000)->value_name("int"),
       "Maximum number of samples a single query can load into memory.")
    ("query.lookback-delta", po::value(&lookback)->default_value("5m")->value_name("duration"),
       "The maximum lookback duration for retrieving metrics during expression evaluations "
       "and federation.")
    ("query.max-concurrency",
       po::value(&f.query_max_concurrency)->default_value(20)->value_name("int"),
       "Maximum number of queries executed concurrently.")
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
  if (auto s = common::ParseByteSize(retention_size); !s.ok()) {
    return fail(absl::StrCat("invalid value \"", retention_size,
                             "\" for flag --storage.tsdb.retention.size: ", s.status().message()));
  } else {
    f.retention_size_bytes = *s;
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
  std::string host;
  uint16_t port = 0;
  if (auto st = api::SplitHostPort(f.listen_address, &host, &port); !st.ok()) {
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

  f.listing = {
      {"config.file", f.config_file},
      {"log.format", f.log_format},
      {"log.level", f.log_level},
      {"query.lookback-delta", common::FormatDuration(f.query_lookback_delta_ms)},
      {"query.max-concurrency", std::to_string(f.query_max_concurrency)},
      {"query.max-samples", std::to_string(f.query_max_samples)},
      {"query.timeout", common::FormatDuration(f.query_timeout_ms)},
      {"storage.tsdb.no-lockfile", f.no_lockfile ? "true" : "false"},
      {"storage.tsdb.path", f.tsdb_path},
      {"storage.tsdb.retention.size", retention_size == "0" ? "0B" : retention_size},
      {"storage.tsdb.retention.time", common::FormatDuration(f.retention_time_ms)},
      {"web.config.file", f.web_config_file},
      {"web.cors.origin", f.cors_origin},
      {"web.enable-admin-api", f.enable_admin_api ? "true" : "false"},
      {"web.enable-lifecycle", f.enable_lifecycle ? "true" : "false"},
      {"web.listen-address", f.listen_address},
  };
  return r;
}

}  // namespace promlet::cmd
