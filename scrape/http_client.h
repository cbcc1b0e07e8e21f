// HttpClient: the scrape side of HTTP. One client per target, one request in flight at a time,
// HTTP/1.1 with the connection kept alive between scrapes (re-opened transparently when the
// server closed it), optional TLS, gzip decoding and a body size limit enforced while reading.
//
// Invariants:
//  - All of Boost.Beast/Asio-SSL lives in http_client.cc; this header only needs an executor.
//  - AsyncGet's callback runs exactly once, on the executor given at construction (a strand in
//    the scrape loop), after the request finished, failed, timed out or was cancelled by Close().
//  - A failed or timed-out exchange closes the connection: the next request reconnects.
#ifndef PROMLET_SCRAPE_HTTP_CLIENT_H_
#define PROMLET_SCRAPE_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/gzip.h"

namespace promlet::scrape {

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
  // follow_redirects: as Go's http.Client, follow 301/302/303/307/308 responses carrying a
  // Location (relative or absolute, any host) up to 10 times, then fail with
  // `Get "<location>": stopped after 10 redirects`. False: a 3xx is an error like any non-2xx.
  bool follow_redirects = true;
};

struct HttpResponse {
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

// The User-Agent every scrape sends.
inline constexpr char kScrapeUserAgent[] = "Prometheus/3.0.0-compatible promlet/0.1.0";

class HttpClient {
 public:
  using Callback = std::function<void(absl::StatusOr<HttpResponse>)>;

  // Fails on bad options (scheme, unreadable TLS files).
  static absl::StatusOr<std::unique_ptr<HttpClient>> Create(boost::asio::any_io_executor executor,
                                                            HttpClientOptions options);
  virtual ~HttpClient() = default;

  // GET options.target; the whole exchange (resolve, connect, TLS, request, body, redirects)
  // must finish within `timeout`. A non-2xx final status is an error ("server returned HTTP
  // status ...").
  virtual void AsyncGet(std::chrono::milliseconds timeout, Callback done) = 0;

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

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_HTTP_CLIENT_H_
