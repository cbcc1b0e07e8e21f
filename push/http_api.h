// Pushgateway's HTTP API, independent of any HTTP server: the web layer adapts its requests to
// PushHttpRequest and registers these functions on its routes.
//
//   PUT|POST|DELETE /metrics/job[@base64]/<job>{/<label>[@base64]/<value>}
//       200 (PUT/POST, empty body) or 202 (DELETE). 400 with Pushgateway's message for a bad path
//       or body or an inconsistent push; 413 for a body over the limit (after gunzip) or a
//       push over a store limit; 415 for a Content-Encoding other than gzip; 500 when the
//       group cannot be persisted.
//   GET /api/v1/metrics   the groups in Pushgateway's JSON shape
//   GET /api/v1/status    flags, start time and build information, in Pushgateway's shape
//   POST /api/v1/import/prometheus   VictoriaMetrics' import (import.h): 204, or 400 naming the
//       line, storing nothing of a refused body
// Bodies: text exposition format 0.0.4, or delimited protobuf MetricFamily messages when the
// Content-Type says so (proto_body.h); either optionally gzip-compressed (Content-Encoding:
// gzip).
// Error bodies end in "\n" as Go's http.Error writes them.
#ifndef PROMLET_PUSH_HTTP_API_H_
#define PROMLET_PUSH_HTTP_API_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "push/group_store.h"

namespace promlet::push {

struct PushHttpRequest {
  std::string_view method;
  std::string_view path;  // as sent (percent-escapes kept), without the route prefix
  std::string_view body;
  std::string_view content_type;
  std::string_view content_encoding;
};

struct PushHttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct PushHttpOptions {
  size_t max_body_bytes = 0;  // decoded body limit; 0 = none
};

PushHttpResponse ServePush(GroupStore& store, const PushHttpRequest& req,
                           const PushHttpOptions& options);

PushHttpResponse ServeMetricsJson(const GroupStore& store);

struct ImportHttpRequest {
  std::string_view body;
  std::string_view content_encoding;
  std::vector<std::string> extra_labels;  // the extra_label parameters, "name=value"
};
PushHttpResponse ServeImportPrometheus(storage::Appendable& storage, const ImportHttpRequest& req,
                                       const PushHttpOptions& options, int64_t now_ms);

struct PushStatusInfo {
  std::map<std::string, std::string> flags;
  int64_t start_time_unix_ms = 0;
  std::map<std::string, std::string> build_information;
};
PushHttpResponse ServeStatusJson(const PushStatusInfo& info);

// Go's fmt.Sprint of a float64 (%v, i.e. strconv 'g' shortest): "1.7e+09", "0.5", "+Inf".
std::string GoSprintFloat(double v);

}  // namespace promlet::push

#endif  // PROMLET_PUSH_HTTP_API_H_
