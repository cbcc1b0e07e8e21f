// HttpClient: promlet's one HTTP client (scrapes today; the notifier and remote write next). One
// client per remote origin, one request in flight at a time, HTTP/1.1 with the connection kept
// alive between requests (re-opened transparently when the server closed it), optional TLS,
// gzip decoding and a body size limit enforced while reading. GET (AsyncGet, the scrape's
// request) and requests with a body (AsyncSend: POST with a content type and encoding).
//
// Invariants:
//  - All of Boost.Beast/Asio-SSL lives in client.cc; this header only needs an executor.
//  - AsyncGet's and AsyncSend's callback runs exactly once, on the executor given at
//    construction (a strand in the scrape loop), after the request finished, failed, timed out
//    or was cancelled by Close().
//  - A failed or timed-out exchange closes the connection: the next request reconnects. A
//    request on a kept-alive connection the server had closed is retried once on a fresh one:
//    any request when writing it failed, GET and HEAD also when the answer never started (Go's
//    transport: a POST is not replayed once it may have reached the server).
//  - Redirects follow Go's http.Client: 307/308 repeat the method and body, 301/302 turn a POST
//    into a GET without body, 303 turns anything but HEAD into a GET without body.
//  - Errors read like Go's url.Error: `Get "<url>": ...`, `Post "<url>": ...`.
#ifndef PROMLET_NET_HTTP_CLIENT_H_
#define PROMLET_NET_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/gzip.h"

namespace promlet::net {

// TLS settings as Prometheus' tls_config; files are read when the client is created.
struct HttpTlsOptions {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;  // SNI and certificate name; empty = the URL's host
  bool insecure_skip_verify = false;
};

struct HttpClientOptions {
  std::string scheme = "http";  // "http" or "https"
  std::string host;             // name or IP literal (IPv6 without brackets)
  std::string port;             // decimal; empty = scheme default
  std::string target = "/metrics";  // path and query, already escaped
  // Extra request headers (Authorization, Accept, X-Prometheus-Scrape-Timeout-Seconds, ...).
  std::vector<std::pair<std::string, std::string>> headers;
  // Authorization header value, evaluated per request (secret files may rotate); an error fails
  // the request. Null = no header.
  std::function<absl::StatusOr<std::string>()> authorization;
  HttpTlsOptions tls;
  int64_t body_size_limit = 0;  // bytes of decoded body; 0 = unlimited
  bool accept_gzip = true;
  std::string user_agent = "Prometheus/3.0.0-compatible promlet/0.1.0";
  // True: a non-2xx final status is an error ("server returned HTTP status ..."), as a scrape
  // wants. False: it comes back as a response with its body (remote write and the notifier
  // decide about retries from the status and quote the body).
  bool error_on_non_2xx = true;
  // follow_redirects: as Go's http.Client, follow 301/302/303/307/308 responses carrying a
  // Location (relative or absolute, any host) up to 10 times, then fail with
  // `Get "<location>": stopped after 10 redirects`. False: a 3xx is an error like any non-2xx.
  bool follow_redirects = true;
};

// One request of AsyncSend. Defaults: a GET of HttpClientOptions::target without body.
struct HttpClientRequest {
  std::string method = "GET";  // GET, HEAD, POST, PUT, ... (as Beast knows them)
  std::string target;          // path and query, already escaped; empty = options' target
  std::string body;            // sent with a Content-Length (POST/PUT always carry one)
  std::string content_type;      // Content-Type when non-empty, e.g. "application/x-protobuf"
  std::string content_encoding;  // Content-Encoding when non-empty, e.g. "snappy"
  // Per-request headers, after the options' ones (e.g. X-Prometheus-Remote-Write-Version).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;         // decoded (gunzipped when the server sent gzip)
  uint64_t wire_bytes = 0;  // body bytes as received
};

// Where a redirect's Location leads, resolved against the URL of the request that got it
// (RFC 3986 reference resolution: absolute, scheme-relative, absolute-path, relative-path and
// query-only references; dot segments removed; the fragment dropped).
struct HttpLocation {
  std::string scheme;  // "http" or "https"
  std::string host;    // IPv6 without brackets
  std::string port;    // always set (scheme default when the URL has none)
  std::string target;  // path and query
};
absl::StatusOr<HttpLocation> ResolveLocation(const HttpLocation& base, std::string_view location);

class HttpClient {
 public:
  using Callback = std::function<void(absl::StatusOr<HttpClientResponse>)>;

  // Fails on bad options (scheme, unreadable TLS files).
  static absl::StatusOr<std::unique_ptr<HttpClient>> Create(boost::asio::any_io_executor executor,
                                                            HttpClientOptions options);
  virtual ~HttpClient() = default;

  // GET options.target; the whole exchange (resolve, connect, TLS, request, body, redirects)
  // must finish within `timeout`. A non-2xx final status is an error ("server returned HTTP
  // status ...").
  void AsyncGet(std::chrono::milliseconds timeout, Callback done) {
    AsyncSend(HttpClientRequest{}, timeout, std::move(done));
  }
  // `request` instead of the options' GET; otherwise as AsyncGet (the options' headers,
  // authorization, limits and redirect policy apply).
  virtual void AsyncSend(HttpClientRequest request, std::chrono::milliseconds timeout,
                         Callback done) = 0;

  // Aborts an in-flight request and closes the connection. Must be called on the executor.
  virtual void Close() = 0;
};

// Inflates a gzip stream (common/gzip.h; kept here for the scrape code that calls it).
using common::GunzipWithLimit;

// Hands a response body (or any string) back once it is consumed, so that a later response
// read on this thread reuses its capacity instead of allocating and faulting in a fresh
// 20-100 KB per scrape (which also fragments the heap between long-lived small allocations).
// A few buffers are kept per thread; very small or very large ones are simply freed.
void RecycleBodyBuffer(std::string&& body);

}  // namespace promlet::net

#endif  // PROMLET_NET_HTTP_CLIENT_H_
