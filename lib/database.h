// Database: what the public C and C++ APIs wrap: one tsdb::DB, the PromQL engine over it, and,
// once Serve() is called, the Prometheus HTTP API on an HTTP server of its own.
//
// Invariants:
//  - The DB outlives the engine's and the server's use of it: the destructor stops the server
//    (in-flight requests finish) before the DB closes and syncs its WAL.
//  - Every method is thread-safe; Serve() succeeds at most once per Database.
//  - Query results are exactly what the HTTP API computes: same engine options, same JSON
//    writer (web/api/v1/query_json.h).
#ifndef PROMLET_LIB_DATABASE_H_
#define PROMLET_LIB_DATABASE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/labels.h"
#include "promql/engine/engine.h"
#include "storage/interface.h"

namespace promlet::net {
class HttpServer;
}
namespace promlet::tsdb {
class DB;
}
namespace promlet::web {
class Api;
}

namespace promlet::lib {

struct DatabaseOptions {
  int64_t retention_ms = 15LL * 24 * 3600 * 1000;
  int64_t retention_bytes = 0;
  int64_t block_duration_ms = 2LL * 3600 * 1000;
  int64_t query_timeout_ms = 2LL * 60 * 1000;
  int64_t query_max_samples = 50000000;
  int64_t query_max_steps_per_window = 2880;  // promql::EngineOptions::max_steps_per_window
  int64_t lookback_delta_ms = 5LL * 60 * 1000;
  int query_max_concurrency = 20;
  int64_t block_cache_bytes = 32LL << 20;
  bool lockfile = true;
};

// Sets one option by its promlet.h name ("retention.time", "query.timeout", ...) from its
// string form; an unknown name or a bad value is InvalidArgument naming both.
absl::Status SetOption(DatabaseOptions& options, std::string_view name, std::string_view value);

class Database {
 public:
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& dir,
                                                        const DatabaseOptions& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  std::unique_ptr<storage::Appender> NewAppender();
  storage::Queryable& queryable();

  absl::StatusOr<promql::Result> Query(std::string_view expr, int64_t time_ms) const;
  absl::StatusOr<promql::Result> QueryRange(std::string_view expr, int64_t start_ms,
                                            int64_t end_ms, int64_t step_ms) const;
  // The engine of Query and QueryRange: answers are encoded with its helper threads too.
  const promql::Engine& engine() const { return *engine_; }

  // Starts the HTTP API on `listen_address`; returns the bound port.
  absl::StatusOr<uint16_t> Serve(const std::string& listen_address);
  // The bound port, 0 when not serving.
  uint16_t port() const;

 private:
  Database() = default;

  DatabaseOptions options_;
  std::unique_ptr<tsdb::DB> db_;
  std::unique_ptr<promql::Engine> engine_;
  mutable std::mutex serve_mu_;
  std::unique_ptr<web::Api> api_;              // guarded by serve_mu_
  std::unique_ptr<net::HttpServer> server_;    // guarded by serve_mu_
};

// The labels of one series written as in the text exposition format, `name{a="b",...}` (a bare
// name, or a quoted UTF-8 name inside the braces). Anything else (a value, a timestamp, a
// second line) is InvalidArgument quoting the text.
absl::StatusOr<model::Labels> ParseSeriesText(std::string_view series);

// Wraps the append errors (out of order, duplicate, out of bounds) with the series and
// timestamp they concern.
absl::Status AppendError(const absl::Status& st, std::string_view series, int64_t t);

}  // namespace promlet::lib

#endif  // PROMLET_LIB_DATABASE_H_
