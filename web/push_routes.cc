#include "web/push_routes.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "web/api/v1/params.h"

namespace promlet::web {
namespace {

void Adapt(const push::PushHttpResponse& in, net::HttpResponse& out) {
  out.status = in.status;
  out.content_type = in.content_type;
  out.body = in.body;
  if (in.status >= 400) out.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

}  // namespace

void RegisterPushRoutes(net::HttpServer& server, push::GroupStore* store, PushRoutesOptions options) {
  auto shared = std::make_shared<const PushRoutesOptions>(std::move(options));
  net::RouteOptions writes;
  writes.methods = {"PUT", "POST", "DELETE"};
  server.HandlePrefix(
      "/metrics/job", "/metrics/job",
      [store, shared](const net::HttpRequest& req, net::HttpResponse& res) {
        push::PushHttpRequest preq;
        preq.method = req.method;
        preq.path = req.path;
        preq.body = req.body;
        preq.content_type = req.Header("content-type");
        preq.content_encoding = req.Header("content-encoding");
        Adapt(push::ServePush(*store, preq, {.max_body_bytes = shared->max_body_bytes}), res);
      },
      writes);
  net::RouteOptions reads;
  reads.methods = {"GET"};
  reads.cors = true;
  server.Handle(
      "/api/v1/metrics", "/api/v1/metrics",
      [store](const net::HttpRequest&, net::HttpResponse& res) {
        Adapt(push::ServeMetricsJson(*store), res);
      },
      reads);
  if (shared->import_storage != nullptr) {
    net::RouteOptions imports;
    imports.methods = {"POST"};
    server.Handle(
        "/api/v1/import/prometheus", "/api/v1/import/prometheus",
        [shared](const net::HttpRequest& req, net::HttpResponse& res) {
          auto form = Form::Parse(req.query, "", "");
          if (!form.ok()) {
            res.status = 400;
            res.body = std::string(form.status().message()) + "\n";
            return;
          }
          push::ImportHttpRequest ireq;
          ireq.body = req.body;
          ireq.content_encoding = req.Header("content-encoding");
          for (auto v : form->All("extra_label")) ireq.extra_labels.emplace_back(v);
          Adapt(push::ServeImportPrometheus(*shared->import_storage, ireq,
                                            {.max_body_bytes = shared->max_body_bytes},
                                            absl::ToUnixMillis(absl::Now())),
                res);
        },
        imports);
  }
  server.Handle(
      "/api/v1/status", "/api/v1/status",
      [shared](const net::HttpRequest&, net::HttpResponse& res) {
        Adapt(push::ServeStatusJson(shared->status), res);
      },
      reads);
}

}  // namespace promlet::web
