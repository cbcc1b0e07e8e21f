#include "web/remote_routes.h"

#include <string>
#include <utility>

namespace promlet::web {

void RegisterRemoteWriteRoute(net::HttpServer& server, remote::WriteHandler* handler) {
  net::RouteOptions options;
  options.methods = {"POST"};
  server.Handle(
      "/api/v1/write", "/api/v1/write",
      [handler](const net::HttpRequest& req, net::HttpResponse& res) {
        remote::WriteHttpRequest wreq;
        wreq.body = req.body;
        wreq.content_type = req.Header("content-type");
        wreq.content_encoding = req.Header("content-encoding");
        remote::WriteHttpResponse out = handler->Serve(wreq);
        res.status = out.status;
        res.body = std::move(out.body);
        res.headers = std::move(out.headers);
        if (out.status >= 400) res.headers.emplace_back("X-Content-Type-Options", "nosniff");
      },
      options);
}

void RegisterRemoteReadRoute(net::HttpServer& server, remote::ReadHandler* handler) {
  net::RouteOptions options;
  options.methods = {"POST"};
  options.pool = net::HandlerPool::kQuery;
  server.Handle(
      "/api/v1/read", "/api/v1/read",
      [handler](const net::HttpRequest& req, net::HttpResponse& res) {
        remote::ReadHttpResponse out = handler->Serve(req.body);
        res.status = out.status;
        res.content_type = std::move(out.content_type);
        res.body = std::move(out.body);
        res.headers = std::move(out.headers);
        res.compressible = false;  // snappy already, or frames the client reads as they are
      },
      options);
}

}  // namespace promlet::web
