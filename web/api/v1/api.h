// Api: the Prometheus HTTP API (/api/v1/...) and /federate on top of the storage interface and
// the engine: the route table of the handlers in handlers.h, registered on net::HttpServer.
//
// Invariants:
//  - Responses are byte-compatible with Prometheus and written by one writer (response.h):
//    {"status":"success","data":...} with optional "warnings"/"infos", or
//    {"status":"error","errorType":...,"error":...}; errors map bad_data 400, execution 422,
//    canceled 499, internal 500, unavailable 503, timeout 503, not_found 404. Every bad
//    parameter yields 400 with `invalid parameter "<name>": ...`.
//  - At most ApiOptions::max_concurrency queries evaluate at once; more wait in FIFO-ish order
//    (and give up when their timeout passes or the client disconnects): query_limiter.h.
//  - A query is cancelled when its client disconnects or its timeout (the smaller of the
//    `timeout` parameter and --query.timeout) passes; a timeout answers 503 "timeout".
//  - A route answers only its methods (others get 405); query, query_range and federate run on
//    the server's query pool, the rest on the general pool.
//  - Handlers never throw and never crash on input; they hold no lock while evaluating.
#ifndef PROMLET_WEB_API_V1_API_H_
#define PROMLET_WEB_API_V1_API_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "net/http/server.h"
#include "promql/engine/engine.h"
#include "storage/interface.h"
#include "web/api/v1/hooks.h"
#include "web/api/v1/response.h"

namespace promlet::web {

struct ApiOptions {
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  int64_t query_timeout_ms = 2 * 60 * 1000;
  int max_concurrency = 20;
  bool enable_admin = false;
  // /api/v1/status/flags, name -> value.
  std::vector<std::pair<std::string, std::string>> flags;
  // /api/v1/status/buildinfo. `version` is the Prometheus version we answer like, so that
  // Grafana and other clients enable the matching features; promlet's own version goes in
  // `revision` and in the extra field `promletVersion`.
  std::string version = "3.0.0";
  std::string revision = "promlet";
  std::string promlet_version;
  std::string branch = "main";
  std::string build_user = "promlet";
  std::string build_date;
  std::string go_version;
  std::string storage_retention = "15d";
  std::string cwd;
  int64_t start_time_unix_ms = 0;
  // Clock for default query times; tests fix it.
  std::function<int64_t()> now_ms;
};

class Api {
 public:
  // `storage` and `engine` are required and must outlive the Api; the hooks may be empty.
  Api(ApiOptions options, storage::Queryable* storage, const promql::Engine* engine,
      TargetSource targets = {}, RuntimeStatus runtime = {}, AdminHooks admin = {},
      RuleSource rules = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Registers /api/v1/* and /federate on the server.
  void Register(net::HttpServer& server);
  // Serves one request without a server (tests, benchmarks): routes like Register would.
  net::HttpResponse Serve(const net::HttpRequest& request);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Memory-heavy work other than a query (a compaction) ended: the process' heap trimmer hands
// the memory it freed back to the OS once no query has run for a second, as after a large
// query.
void TrimHeapOnceQuiet();

}  // namespace promlet::web

#endif  // PROMLET_WEB_API_V1_API_H_
