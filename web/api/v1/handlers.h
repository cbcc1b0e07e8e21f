// The /api/v1 handlers, one file per group, each `Result Fn(const Request&)`:
//   query.cc    query, query_range, query_exemplars, format_query, parse_query (and the
//               encoding of query results)
//   series.cc   series, labels, label values, metadata
//   targets.cc  targets, targets/metadata
//   status.cc   status/buildinfo, runtimeinfo, flags, config, tsdb, walreplay; alertmanagers
//   rules.cc    rules, alerts (through the RuleSource hooks)
//   admin.cc    admin/tsdb/delete_series, clean_tombstones, snapshot
// and /federate in web/federate.cc. api.cc routes requests to them and writes every Result.
//
// Invariants: handlers never throw and never crash on input; they read their dependencies only
// through Env (the storage and engine interfaces and the hooks cmd/ wires), and hold no lock
// while evaluating.
#ifndef PROMLET_WEB_API_V1_HANDLERS_H_
#define PROMLET_WEB_API_V1_HANDLERS_H_

#include "net/http/server.h"
#include "promql/engine/engine.h"
#include "storage/interface.h"
#include "web/api/v1/api.h"
#include "web/api/v1/hooks.h"
#include "web/api/v1/params.h"
#include "web/api/v1/query_limiter.h"
#include "web/api/v1/response.h"

namespace promlet::web {

// What handlers may use; owned by Api, alive while it serves.
struct Env {
  const ApiOptions& options;
  storage::Queryable& storage;
  const promql::Engine& engine;
  const TargetSource& targets;
  const RuntimeStatus& status;
  const AdminHooks& admin;
  QueryLimiter& limiter;
  const RuleSource& rules;
};

struct Request {
  const net::HttpRequest& http;
  const Form& form;  // the query string and a form-encoded body, parsed
  const Env& env;
};

using Handler = Result (*)(const Request&);

// query.cc
Result Query(const Request& r);
Result QueryRange(const Request& r);
Result QueryExemplars(const Request& r);
Result FormatQuery(const Request& r);
Result ParseQuery(const Request& r);
// series.cc
Result Series(const Request& r);
Result LabelNames(const Request& r);
Result LabelValues(const Request& r);  // the name is in the path: /api/v1/label/<name>/values
Result Metadata(const Request& r);
// targets.cc
Result Targets(const Request& r);
Result TargetsMetadata(const Request& r);
// "type", "help", "unit" of one metric's metadata (/metadata and /targets/metadata).
void WriteMetadataFields(JsonWriter& w, const MetadataView& md);
// Go's time.Time RFC3339Nano in UTC ("0001-01-01T00:00:00Z" for 0), as the API writes times.
std::string Rfc3339Nano(int64_t unix_nanos);
// status.cc
Result StatusBuildInfo(const Request& r);
Result StatusConfig(const Request& r);
Result StatusFlags(const Request& r);
Result StatusRuntimeInfo(const Request& r);
Result StatusTsdb(const Request& r);
Result StatusWalReplay(const Request& r);
Result AlertManagers(const Request& r);
// rules.cc
Result Rules(const Request& r);
Result Alerts(const Request& r);
// admin.cc
Result DeleteSeries(const Request& r);
Result CleanTombstones(const Request& r);
Result Snapshot(const Request& r);
// web/federate.cc: the text exposition format, not the JSON envelope.
Result Federate(const Request& r);

}  // namespace promlet::web

#endif  // PROMLET_WEB_API_V1_HANDLERS_H_
