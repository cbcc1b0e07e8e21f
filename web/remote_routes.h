// Registers remote storage's HTTP endpoints (storage/remote/) on promlet's server:
// POST /api/v1/write, the Remote Write receiver (--web.enable-remote-write-receiver), and
// POST /api/v1/read, the Remote Read endpoint. Like every route they sit behind the server's
// basic auth and TLS; they run on the general worker pool (a remote read runs on the query
// pool: it scans storage).
#ifndef PROMLET_WEB_REMOTE_ROUTES_H_
#define PROMLET_WEB_REMOTE_ROUTES_H_

#include "net/http/server.h"
#include "storage/remote/read_handler.h"
#include "storage/remote/write_handler.h"

namespace promlet::web {

// `handler` must outlive the server.
void RegisterRemoteWriteRoute(net::HttpServer& server, remote::WriteHandler* handler);
void RegisterRemoteReadRoute(net::HttpServer& server, remote::ReadHandler* handler);

}  // namespace promlet::web

#endif  // PROMLET_WEB_REMOTE_ROUTES_H_
