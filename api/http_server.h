// HttpServer: the HTTP/1.1 front door (Boost.Beast), shared by the API, /metrics and lifecycle.
//
// Invariants:
//  - Handlers are synchronous functions run on a worker pool, never on the I/O threads, so a slow
//    query cannot stall other connections' reads and writes.
//  - Requests are bounded: header bytes, body bytes and the time a client may take to send a
//    request or read a response (slow clients are cut off). Oversized requests get a 400/431
//    answer, never a crash.
//  - Keep-alive is honoured; responses are gzip-compressed when the client accepts it and the
//    body is large enough to gain.
//  - Stop() stops accepting, closes idle connections, lets in-flight requests finish (bounded by
//    a grace period), then joins every thread it started. Every request is counted in
//    prometheus_http_requests_total{handler,code} and timed in
//    prometheus_http_request_duration_seconds{handler} when a registry is given.
// Beast stays inside http_server.cc: this header is cheap to include.
#ifndef PROMLET_API_HTTP_SERVER_H_
#define PROMLET_API_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace prometheus {
class Registry;
}

namespace promlet::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // the target before '?', as sent (percent-escapes kept)
  std::string query;   // the raw query string after '?', or ""
  std::string body;
  // Header names are lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  // True once the client has closed its side of the connection: long work may give up.
  std::function<bool()> client_gone = [] { return false; };

  // Value of the first header named `name` (lower-case), or "".
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Handlers that already compressed or must not be compressed set this to false.
  bool compressible = true;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

struct HttpServerOptions {
  std::string listen_address = "0.0.0.0:9090";  // host:port; ":9090" means all interfaces
  int io_threads = 2;
  int worker_threads = 8;
  size_t max_header_bytes = 1 << 20;   // Go's http.DefaultMaxHeaderBytes
  size_t max_body_bytes = 10 << 20;    // Go's ParseForm limit
  std::chrono::milliseconds read_timeout{std::chrono::seconds(60)};    // one whole request
  std::chrono::milliseconds write_timeout{std::chrono::seconds(120)};  // one whole response
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(300)};   // keep-alive wait
  size_t gzip_min_bytes = 1024;
  // --web.cors.origin: a fully anchored regex; "" disables CORS headers.
  std::string cors_origin = ".*";
  // --web.config.file's contents, already validated (see web_config.h); empty = plain HTTP.
  // Non-empty cert and key: serve HTTPS only (PEM files; the cert file may hold a chain).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_min_version;  // "" or "TLS12" (the default minimum) or "TLS13"
  // user -> bcrypt hash; non-empty enables basic auth on every path.
  std::vector<std::pair<std::string, std::string>> basic_auth_users;
  // --web.route-prefix: "" or "/a/b" (no trailing slash). Every route is served under it
  // (handlers see the path without it); "/" redirects to it; other paths are 404.
  std::string route_prefix;
};

class HttpServer {
 public:
  // `registry` may be null (no request metrics); it must outlive the server.
  HttpServer(HttpServerOptions options, prometheus::Registry* registry);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes, registered before Start(). `name` is the handler label of the metrics. `cors` adds
  // the CORS headers for an allowed Origin and answers OPTIONS preflights.
  void Handle(std::string path, std::string name, HttpHandler handler, bool cors = false);
  // Matches every path starting with `prefix` that no exact route claims.
  void HandlePrefix(std::string prefix, std::string name, HttpHandler handler, bool cors = false);

  // Binds and starts serving. Fails (without throwing) when the address is bad or taken.
  absl::Status Start();
  // The bound port (useful with ":0").
  uint16_t port() const;
  // Graceful stop; idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Parses "host:port", "[v6]:port", ":port". Returns InvalidArgument naming the address.
absl::Status SplitHostPort(std::string_view address, std::string* host, uint16_t* port);

// gzip-compresses `in` (RFC 1952) at a fast level.
std::string GzipCompress(std::string_view in);

}  // namespace promlet::api

#endif  // PROMLET_API_HTTP_SERVER_H_
