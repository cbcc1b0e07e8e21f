#include "lib/database.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/bytesize.h"
#include "common/duration.h"
#include "common/views.h"
#include "model/textparse.h"
#include "net/http/server.h"
#include "tsdb/block/section_cache.h"
#include "tsdb/db.h"
#include "web/api/v1/api.h"
#include "web/api/v1/query_json.h"

namespace promlet::lib {
namespace {

using common::ToAbsl;
using common::ToStd;

absl::Status BadOption(std::string_view name, std::string_view value, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("option \"", ToAbsl(name), "\": invalid value \"", ToAbsl(value), "\": ",
                   ToAbsl(why)));
}

absl::Status SetDuration(int64_t& field, std::string_view name, std::string_view value,
                         bool allow_zero) {
  auto d = common::ParseDuration(value);
  if (!d.ok()) return BadOption(name, value, ToStd(d.status().message()));
  if (*d < 0 || (*d == 0 && !allow_zero)) return BadOption(name, value, "must be positive");
  field = *d;
  return absl::OkStatus();
}

// A count: a positive integer, or with allow_zero a non-negative one.
absl::Status SetCount(int64_t& field, std::string_view name, std::string_view value,
                      bool allow_zero) {
  int64_t n = 0;
  if (!absl::SimpleAtoi(ToAbsl(value), &n) || n < 0 || (n == 0 && !allow_zero)) {
    return BadOption(name, value,
                     allow_zero ? "must be a non-negative integer" : "must be a positive integer");
  }
  field = n;
  return absl::OkStatus();
}

}  // namespace

absl::Status SetOption(DatabaseOptions& o, std::string_view name, std::string_view value) {
  if (name == "retention.time") return SetDuration(o.retention_ms, name, value, true);
  if (name == "block.duration") return SetDuration(o.block_duration_ms, name, value, false);
  if (name == "query.timeout") return SetDuration(o.query_timeout_ms, name, value, false);
  if (name == "query.lookback-delta") {
    return SetDuration(o.lookback_delta_ms, name, value, false);
  }
  if (name == "retention.size" || name == "block-cache.size") {
    auto b = name == "retention.size" ? common::ParseByteSize(value)
                                      : tsdb::SectionCache::ParseCapacity(value);
    if (!b.ok()) return BadOption(name, value, ToStd(b.status().message()));
    if (*b < 0) return BadOption(name, value, "must not be negative");
    (name == "retention.size" ? o.retention_bytes : o.block_cache_bytes) = *b;
    return absl::OkStatus();
  }
  if (name == "query.max-samples") return SetCount(o.query_max_samples, name, value, false);
  if (name == "query.max-steps-per-window") {
    return SetCount(o.query_max_steps_per_window, name, value, true);
  }
  if (name == "query.max-concurrency") {
    int64_t n = 0;
    absl::Status st = SetCount(n, name, value, false);
    if (!st.ok()) return st;
    if (n > 1024) return BadOption(name, value, "must be at most 1024");
    o.query_max_concurrency = static_cast<int>(n);
    return absl::OkStatus();
  }
  if (name == "lockfile") {
    if (value != "true" && value != "false") return BadOption(name, value, "must be true or false");
    o.lockfile = value == "true";
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown option \"", ToAbsl(name),
                   "\" (known: retention.time, retention.size, block.duration, query.timeout, "
                   "query.max-samples, query.max-steps-per-window, query.lookback-delta, "
                   "query.max-concurrency, block-cache.size, lockfile)"));
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& dir,
                                                         const DatabaseOptions& options) {
  if (dir.empty()) return absl::InvalidArgumentError("the data directory must not be empty");
  std::unique_ptr<Database> d(new Database());
  d->options_ = options;
  tsdb::DBOptions dbo;
  dbo.block_range_ms = options.block_duration_ms;
  dbo.retention.time_ms = options.retention_ms;
  dbo.retention.size_bytes = static_cast<uint64_t>(options.retention_bytes);
  dbo.no_lockfile = !options.lockfile;
  dbo.block_cache_bytes = static_cast<size_t>(options.block_cache_bytes);
  auto db = tsdb::DB::Open(dir, dbo);
  if (!db.ok()) {
    return absl::Status(db.status().code(),
                        absl::StrCat("open ", dir, ": ", db.status().message()));
  }
  d->db_ = std::move(*db);
  promql::EngineOptions eo;
  eo.lookback_delta_ms = options.lookback_delta_ms;
  eo.max_samples = options.query_max_samples;
  eo.max_steps_per_window = options.query_max_steps_per_window;
  eo.timeout = absl::Milliseconds(options.query_timeout_ms);
  d->engine_ = std::make_unique<promql::Engine>(eo);
  return d;
}

Database::~Database() {
  std::unique_ptr<net::HttpServer> server;
  {
    std::lock_guard<std::mutex> lock(serve_mu_);
    server = std::move(server_);
  }
  if (server) server->Stop(std::chrono::seconds(10));
  server.reset();
  api_.reset();
  engine_.reset();
  db_.reset();  // syncs the WAL
}

std::unique_ptr<storage::Appender> Database::NewAppender() { return db_->NewAppender(); }

storage::Queryable& Database::queryable() { return *db_; }

absl::StatusOr<promql::Result> Database::Query(std::string_view expr, int64_t time_ms) const {
  return engine_->InstantQuery(*db_, expr, time_ms);
}

absl::StatusOr<promql::Result> Database::QueryRange(std::string_view expr, int64_t start_ms,
                                                    int64_t end_ms, int64_t step_ms) const {
  // The HTTP API's checks, so that both faces refuse the same requests.
  if (end_ms < start_ms) return absl::InvalidArgumentError(web::kEndBeforeStartMessage);
  if (step_ms <= 0) return absl::InvalidArgumentError(web::kNonPositiveStepMessage);
  if ((end_ms - start_ms) / step_ms > web::kMaxPointsPerSeries) {
    return absl::InvalidArgumentError(web::kTooManyPointsMessage);
  }
  return engine_->RangeQuery(*db_, expr, start_ms, end_ms, step_ms);
}

absl::StatusOr<uint16_t> Database::Serve(const std::string& listen_address) {
  std::lock_guard<std::mutex> lock(serve_mu_);
  if (server_) {
    return absl::FailedPreconditionError(
        absl::StrCat("already serving on port ", server_->port()));
  }
  web::ApiOptions ao;
  ao.lookback_delta_ms = options_.lookback_delta_ms;
  ao.query_timeout_ms = options_.query_timeout_ms;
  ao.max_concurrency = options_.query_max_concurrency;
  ao.storage_retention = common::FormatDuration(options_.retention_ms);
  net::HttpServerOptions so;
  so.listen_address = listen_address;
  so.query_threads = options_.query_max_concurrency;
  so.worker_threads = 2;
  so.io_threads = 1;
  auto api = std::make_unique<web::Api>(ao, db_.get(), engine_.get());
  auto server = std::make_unique<net::HttpServer>(so, nullptr);
  api->Register(*server);
  net::RouteOptions probe;
  probe.methods = {"GET", "HEAD"};
  probe.pool = net::HandlerPool::kInline;
  server->Handle("/-/healthy", "/-/healthy",
                 [](const net::HttpRequest&, net::HttpResponse& res) {
                   res.body = "Promlet Server is Healthy.\n";
                 },
                 probe);
  server->Handle("/-/ready", "/-/ready",
                 [](const net::HttpRequest&, net::HttpResponse& res) {
                   res.body = "Promlet Server is Ready.\n";
                 },
                 probe);
  if (auto st = server->Start(); !st.ok()) return st;
  api_ = std::move(api);
  server_ = std::move(server);
  return server_->port();
}

uint16_t Database::port() const {
  std::lock_guard<std::mutex> lock(serve_mu_);
  return server_ ? server_->port() : 0;
}

absl::StatusOr<model::Labels> ParseSeriesText(std::string_view series) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid series \"", ToAbsl(series), "\": ", ToAbsl(why),
                     " (want name{label=\"value\",...} as in the text exposition format)"));
  };
  if (series.empty()) return bad("empty");
  if (series.find_first_of("\n\r") != std::string_view::npos) return bad("contains a newline");
  const std::string line = absl::StrCat(ToAbsl(series), " 0\n");
  model::Parser p(line, model::Format::kText004);
  auto e = p.Next();
  if (!e.ok()) return bad(ToStd(e.status().message()));
  if (*e != model::Entry::kSeries) return bad("not a series");
  if (p.RawSeries().size() != series.size() || p.TimestampMs().has_value()) {
    return bad("a value or timestamp follows the labels");
  }
  model::Labels labels;
  if (auto st = p.ParseLabels(&labels); !st.ok()) return bad(ToStd(st.message()));
  return labels;
}

absl::Status AppendError(const absl::Status& st, std::string_view series, int64_t t) {
  return absl::Status(st.code(), absl::StrCat(st.message(), " (series ", ToAbsl(series),
                                              ", timestamp ", t, ")"));
}

}  // namespace promlet::lib
