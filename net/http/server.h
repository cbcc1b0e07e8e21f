// HttpServer: the HTTP/1.1 front door (Boost.Beast), shared by the API, /metrics and lifecycle.
//
// Invariants:
//  - Each route runs where its RouteOptions::pool says: constant-time handlers (/-/healthy,
//    /-/ready) on the I/O threads, cheap ones on the general worker pool, expensive evaluation
//    on the query pool. So a flood of queries (or of bcrypt checks, which run on their own small
//    pool) never delays health checks, /metrics or the API's cheap endpoints, and a slow handler
//    never stalls other connections' reads and writes. A request waiting for a pool thread
//    holds no thread; a query whose client hung up while it waited is dropped unrun.
//  - Requests are bounded: header bytes, body bytes and the time a client may take to send a
//    request or read a response (slow clients are cut off). Oversized heads answer 431,
//    malformed ones 400, oversized bodies 400, as Go's server does; nothing a client sends can
//    crash the process: every exception the HTTP stack or a handler throws is caught and ends
//    at most that one connection (500 for a handler).
//  - A route answers only its methods: another method gets 405 with an Allow header, OPTIONS
//    gets the Allow header (or the CORS preflight answer), as Prometheus' router does. HEAD
//    answers carry no body.
//  - HTTPS (tls_cert_file set) serves TLS only; a plain HTTP request on it gets Go's answer
//    "400 Bad Request ... Client sent an HTTP request to an HTTPS server." and is closed.
//  - Basic auth (basic_auth_users) guards every path; see basic_auth.h.
//  - Keep-alive and pipelining are honoured (answers in request order); responses are
//    gzip-compressed when the client accepts it and the body is large enough to gain.
//  - Stop() stops accepting, closes idle connections, lets in-flight requests finish (bounded by
//    a grace period), then joins every thread it started. Every request is counted in
//    prometheus_http_requests_total{handler,code} and timed in
//    prometheus_http_request_duration_seconds{handler} when a registry is given.
// Beast stays inside http_server.cc: this header is cheap to include.
#ifndef PROMLET_NET_HTTP_SERVER_H_
#define PROMLET_NET_HTTP_SERVER_H_

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

namespace promlet::net {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // the target before '?', as sent (percent-escapes kept)
  std::string query;   // the raw query string after '?', or ""
  std::string body;
  // Header names are lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  // True once the client has gone (reset, or shut down its side with nothing more sent; on
  // TLS after anything, e.g. a close_notify), as Go's server decides: long work should give up.
  // A client that pipelined another request before shutting down its side waits for answers.
  std::function<bool()> client_gone = [] { return false; };
  // When the request head was read: time spent waiting for a worker counts against deadlines.
  std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();

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

// Where a route's handler runs.
enum class HandlerPool {
  kInline,   // on the I/O thread: constant-time handlers only (they delay other connections)
  kGeneral,  // the general worker pool (HttpServerOptions::worker_threads)
  kQuery,    // the query pool (HttpServerOptions::query_threads): expensive evaluation; with
             // io_threads >= 2, on the I/O thread that read the request when that thread serves
             // no other connection and does not accept (no hand-off to a pool thread and back
             // for the many small queries; see io_contexts.h)
};

struct RouteOptions {
  // The methods the route answers; any other gets 405 with an Allow header. Empty: any method.
  std::vector<std::string> methods;
  // Adds the CORS headers for an allowed Origin and answers OPTIONS preflights.
  bool cors = false;
  HandlerPool pool = HandlerPool::kGeneral;
};

struct HttpServerOptions {
  std::string listen_address = "0.0.0.0:9090";  // host:port; ":9090" means all interfaces
  // Each I/O thread has a reactor of its own (io_contexts.h); a query runs on the I/O thread
  // that read it when its connection is that thread's only one, so a few more threads than
  // cores keep a dashboard's connections apart. Idle ones sleep in epoll.
  int io_threads = 4;
  int worker_threads = 8;  // the general pool
  int query_threads = 4;   // the query pool: promlet sizes it to --query.max-concurrency
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

  // Routes, registered before Start(). `name` is the handler label of the metrics.
  void Handle(std::string path, std::string name, HttpHandler handler, RouteOptions options);
  // Any method, general pool; `cors` as RouteOptions::cors.
  void Handle(std::string path, std::string name, HttpHandler handler, bool cors = false);
  // Matches every path starting with `prefix` that no exact route claims.
  void HandlePrefix(std::string prefix, std::string name, HttpHandler handler,
                    RouteOptions options);
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

// Whether a request with this Accept-Encoding takes a gzip answer ("gzip;q=0" refuses it).
bool AcceptsGzip(std::string_view accept_encoding);

// Marks res.body as gzip-encoded (Content-Encoding, and Vary: the answer depends on the
// request's Accept-Encoding) and keeps the server from compressing it again.
void MarkGzipEncoded(HttpResponse& res);

}  // namespace promlet::net

#endif  // PROMLET_NET_HTTP_SERVER_H_
