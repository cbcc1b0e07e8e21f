// Registers Pushgateway's HTTP API (push/http_api.h) on promlet's server: PUT, POST and DELETE
// under /metrics/job (and /metrics/job@base64), GET /api/v1/metrics and /api/v1/status. The
// routes sit behind the server's basic auth and TLS like every other path; the binary registers
// them only with --web.enable-push. With an import storage, POST /api/v1/import/prometheus too
// (extra_label parameters from the query string).
#ifndef PROMLET_WEB_PUSH_ROUTES_H_
#define PROMLET_WEB_PUSH_ROUTES_H_

#include <cstddef>

#include "net/http/server.h"
#include "push/group_store.h"
#include "push/http_api.h"

namespace promlet::web {

struct PushRoutesOptions {
  size_t max_body_bytes = 10 << 20;  // decoded body limit (--push.max-body-size)
  push::PushStatusInfo status;       // what /api/v1/status shows
  // Non-null: POST /api/v1/import/prometheus appends here (VictoriaMetrics' import).
  storage::Appendable* import_storage = nullptr;
};

// `store` must outlive the server.
void RegisterPushRoutes(net::HttpServer& server, push::GroupStore* store, PushRoutesOptions options);

}  // namespace promlet::web

#endif  // PROMLET_WEB_PUSH_ROUTES_H_
