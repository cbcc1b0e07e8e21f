// Beast/Asio live only in this translation unit (see TOOLCHAIN.md: they are compile-heavy).
#include "net/http/server.h"

#include <poll.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <re2/re2.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <utility>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/gzip.h"
#include "common/log.h"
#include "net/http/basic_auth.h"
#include "net/http/body_buffers.h"
#include "net/http/io_contexts.h"
#include "net/http/parser.h"

namespace promlet::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

absl::Status SplitHostPort(std::string_view address, std::string* host, uint16_t* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", std::string(address), "\": missing port"));
  }
  std::string_view h = address.substr(0, colon);
  std::string_view p = address.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  uint32_t pv = 0;
  if (p.empty() || !absl::SimpleAtoi(absl::string_view(p.data(), p.size()), &pv) || pv > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", std::string(address), "\": invalid port"));
  }
  *host = std::string(h);
  *port = static_cast<uint16_t>(pv);
  return absl::OkStatus();
}

std::string GzipCompress(std::string_view in) {
  std::string out = TakeBodyBuffer();
  common::GzipWriter gzip(&out);
  gzip.Append(in);
  gzip.Finish();
  return out;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  // Good enough for real clients: "gzip", "gzip, deflate", "br;q=1.0, gzip;q=0.8". A "gzip;q=0"
  // is honoured as a refusal.
  size_t pos = accept_encoding.find("gzip");
  if (pos == std::string_view::npos) return false;
  std::string_view rest = accept_encoding.substr(pos + 4);
  size_t comma = rest.find(',');
  std::string_view params = rest.substr(0, comma);
  return params.find("q=0") == std::string_view::npos ||
         params.find("q=0.") != std::string_view::npos;
}

void MarkGzipEncoded(HttpResponse& res) {
  res.headers.emplace_back("Content-Encoding", "gzip");
  res.headers.emplace_back("Vary", "Accept-Encoding");
  res.compressible = false;
}

namespace {

struct Route {
  std::string name;
  HttpHandler handler;
  RouteOptions options;
  std::string allow;  // the Allow header: the methods and OPTIONS, sorted; "" for any method
};

std::string AllowHeader(const std::vector<std::string>& methods) {
  if (methods.empty()) return "";
  std::vector<std::string> all = methods;
  all.push_back("OPTIONS");
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::string out;
  for (const auto& m : all) absl::StrAppend(&out, out.empty() ? "" : ", ", m);
  return out;
}

// Whether the client of a connection whose request is being handled has gone, as Go's server
// decides it (its background read): the peer reset the connection, or shut down its side after
// sending nothing more. A pipelined request sent before the shutdown keeps the client present
// (Go stops watching then: pipelining clients half-close and wait for their answers). On TLS
// any unread bytes before the shutdown count as gone: they are almost always the close_notify
// that precedes a TLS hang-up, and TLS 1.3 encrypts record types, so they cannot be told from
// data without decrypting. Poll with POLLRDHUP sees the shutdown even behind unread bytes,
// which a peeking read does not.
bool PeerHungUp(int fd, bool pipelined, bool tls) {
  pollfd p{fd, POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if ((p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) return true;
  if ((p.revents & POLLRDHUP) == 0 || pipelined) return false;
  if (tls) return true;
  char first = 0;
  return ::recv(fd, &first, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

// Runs `fn`, logging instead of propagating an exception: pool threads terminate the process on
// an escaped exception.
template <typename Fn>
void Guarded(const char* what, Fn&& fn) noexcept {
  try {
    fn();
  } catch (const std::exception& e) {
    PROMLET_LOG_ERROR("HTTP server: internal error", "where", what, "err", e.what());
  } catch (...) {
    PROMLET_LOG_ERROR("HTTP server: internal error", "where", what, "err", "unknown exception");
  }
}

}  // namespace

class HttpServer::Impl {
 public:
  class Session;

  Impl(HttpServerOptions options, prometheus::Registry* registry)
      : options_(std::move(options)),
        auth_(options_.basic_auth_users),
        general_pool_(static_cast<size_t>(std::max(1, options_.worker_threads))),
        query_pool_(static_cast<size_t>(std::max(1, options_.query_threads))) {
    if (auth_.enabled()) auth_pool_.emplace(2);
    if (!options_.cors_origin.empty()) {
      cors_re_ = std::make_unique<RE2>("^(?:" + options_.cors_origin + ")$");
    }
    if (registry != nullptr) {
      requests_ = &prometheus::BuildCounter()
                       .Name("prometheus_http_requests_total")
                       .Help("Counter of HTTP requests.")
                       .Register(*registry);
      durations_ = &prometheus::BuildHistogram()
                        .Name("prometheus_http_request_duration_seconds")
                        .Help("Histogram of latencies for HTTP requests.")
                        .Register(*registry);
    }
  }

  ~Impl() { Stop(std::chrono::seconds(1)); }

  absl::Status Start();
  void Stop(std::chrono::milliseconds grace);
  void Accept();
  absl::Status SetUpTls();
  void RunIo(asio::io_context& ioc);
  // Moves a connection accepted on the acceptor's context to `home`'s; false (socket closed)
  // when the kernel refuses.
  static bool MoveTo(IoContexts::Context& home, tcp::socket& socket);

  const Route* Find(const std::string& path) const;
  // Answers what the server answers itself (401, 404, 405, OPTIONS) and adds the CORS headers;
  // true when `res` is complete and the handler must not run.
  bool Prepare(const HttpRequest& req, const Route* route, bool authorized,
               HttpResponse& res) const;
  // Runs the handler (a throw becomes a 500) and compresses the answer. Called where the
  // route's pool says.
  void RunHandler(const HttpRequest& req, const Route& route, HttpResponse& res) const;
  // Removes options_.route_prefix from req.path; false (with `res` set: a redirect for "/",
  // 404 otherwise) when the path lies outside the prefix.
  bool StripRoutePrefix(HttpRequest& req, HttpResponse& res) const;
  void Record(const std::string& handler, int code, double seconds);

  HttpServerOptions options_;
  std::map<std::string, Route, std::less<>> exact_;
  std::vector<std::pair<std::string, Route>> prefixes_;
  std::unique_ptr<RE2> cors_re_;
  BasicAuth auth_;

  // Declared before the io_context: sessions still queued in it at destruction unregister here.
  std::mutex sessions_mu_;
  std::condition_variable sessions_cv_;
  std::unordered_set<Session*> sessions_;

  IoContexts io_{options_.io_threads};
  asio::thread_pool general_pool_;
  asio::thread_pool query_pool_;
  std::optional<asio::thread_pool> auth_pool_;  // bcrypt checks, when basic auth is on
  std::optional<tcp::acceptor> acceptor_;
  std::vector<std::thread> io_threads_;
  std::atomic<uint16_t> port_{0};
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool stopped_ = false;

  // Set when serving HTTPS (tls_cert_file given): every connection starts with a handshake.
  std::optional<ssl::context> ssl_ctx_;

  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* durations_ = nullptr;
};

class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;

  // `socket` lives on `home`, which has counted this connection.
  Session(Impl* server, IoContexts::Context& home, tcp::socket socket)
      : server_(server),
        home_(home),
        stream_(server->ssl_ctx_
                    ? Stream(std::in_place_type<TlsStream>, std::move(socket), *server->ssl_ctx_)
                    : Stream(std::in_place_type<beast::tcp_stream>, std::move(socket))) {
    std::lock_guard<std::mutex> lock(server_->sessions_mu_);
    server_->sessions_.insert(this);
  }
  ~Session() {
    IoContexts::Leave(home_);
    std::lock_guard<std::mutex> lock(server_->sessions_mu_);
    server_->sessions_.erase(this);
    server_->sessions_cv_.notify_all();
  }

  void Run() {
    if (std::holds_alternative<TlsStream>(stream_)) {
      // The first five bytes tell a TLS ClientHello from a plain HTTP request (as Go checks).
      Tcp().expires_after(server_->options_.read_timeout);
      asio::async_read(Tcp(), asio::buffer(first_bytes_),
                      beast::bind_front_handler(&Session::OnFirstBytes, shared_from_this()));
      return;
    }
    asio::dispatch(Tcp().get_executor(),
                  beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

  // Posted by Stop(): an idle connection (waiting for the next request) is closed now; a busy one
  // closes after its response.
  void CloseIfIdle() {
    if (!busy_) {
      beast::error_code ec;
      Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
      Tcp().socket().close(ec);
    }
  }

  auto executor() { return Tcp().get_executor(); }

 private:
  using Stream = std::variant<beast::tcp_stream, TlsStream>;

  // The TCP layer under either stream: timeouts and the socket live there.
  beast::tcp_stream& Tcp() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
                      stream_);
  }

  void OnFirstBytes(beast::error_code ec, size_t) {
    if (ec) return CloseSocket();
    if (LooksLikeHttp(std::string_view(first_bytes_.data(), first_bytes_.size()))) {
      Tcp().expires_after(server_->options_.write_timeout);
      return asio::async_write(
          Tcp(), asio::buffer(kHttpOnHttpsAnswer.data(), kHttpOnHttpsAnswer.size()),
          [self = shared_from_this()](beast::error_code, size_t) { self->CloseSocket(); });
    }
    // The bytes read so far are the start of the handshake: hand them to TLS.
    buffer_.commit(asio::buffer_copy(buffer_.prepare(first_bytes_.size()), asio::buffer(first_bytes_)));
    std::get<TlsStream>(stream_).async_handshake(
        ssl::stream_base::server, buffer_.data(),
        beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
  }

  void OnHandshake(beast::error_code ec, size_t used) {
    if (ec) return CloseSocket();  // not TLS, bad certificate, timeout: nothing to answer
    buffer_.consume(used);
    DoRead();
  }

  void DoRead() {
    if (server_->stopping_) return CloseIfIdle();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->options_.max_header_bytes));
    parser_->body_limit(server_->options_.max_body_bytes);
    // The first request on a connection must arrive within the read timeout; later ones may
    // wait for the keep-alive idle timeout.
    Tcp().expires_after(first_ ? server_->options_.read_timeout : server_->options_.idle_timeout);
    std::visit([&](auto& s) {
      http::async_read_header(s, buffer_, *parser_,
                              beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
    }, stream_);
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    first_ = false;
    received_ = std::chrono::steady_clock::now();
    Tcp().expires_after(server_->options_.read_timeout);
    std::visit([&](auto& s) {
      http::async_read(s, buffer_, *parser_,
                       beast::bind_front_handler(&Session::OnRead, shared_from_this()));
    }, stream_);
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return WriteError(400, "application/json",
                        absl::StrCat("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":"
                                     "\"request body too large (limit ",
                                     server_->options_.max_body_bytes, " bytes)\"}"));
    }
    if (ec == http::error::header_limit) {
      return WriteError(431, "text/plain; charset=utf-8", "431 Request Header Fields Too Large");
    }
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::bad_descriptor ||
        ec == ssl::error::stream_truncated) {
      return Close();
    }
    // Malformed HTTP: answer 400 once and close, as Go's server does (naming the problem).
    return WriteError(400, "text/plain; charset=utf-8",
                      absl::StrCat("400 Bad Request: ", ec.message()));
  }

  void WriteError(int status, std::string_view content_type, std::string body) {
    busy_ = true;
    head_request_ = false;
    linger_ = true;
    res_ = {};
    res_.result(static_cast<unsigned>(status));
    res_.version(11);
    res_.set(http::field::content_type, beast::string_view(content_type.data(), content_type.size()));
    res_.body() = std::move(body);
    res_.keep_alive(false);
    res_.prepare_payload();
    Tcp().expires_after(server_->options_.write_timeout);
    std::visit([&](auto& s) {
      http::async_write(s, res_, beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
    }, stream_);
  }

  std::shared_ptr<HttpRequest> TakeRequest() {
    auto& msg = parser_->get();
    auto req = std::make_shared<HttpRequest>();
    req->method = std::string(msg.method_string());
    std::string_view target(msg.target().data(), msg.target().size());
    size_t q = target.find('?');
    req->path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) req->query = std::string(target.substr(q + 1));
    req->body = std::move(msg.body());
    for (const auto& f : msg) {
      req->headers.emplace_back(absl::AsciiStrToLower(absl::string_view(f.name_string().data(),
                                                                      f.name_string().size())),
                                std::string(f.value()));
    }
    req->received = received_;
    int fd = Tcp().socket().native_handle();
    bool pipelined = buffer_.size() > 0;  // bytes of the next request already read
    bool tls = std::holds_alternative<TlsStream>(stream_);
    req->client_gone = [fd, pipelined, tls] { return PeerHungUp(fd, pipelined, tls); };
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    head_request_ = msg.method() == http::verb::head;
    return req;
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    busy_ = true;
    Tcp().expires_never();
    start_ = std::chrono::steady_clock::now();
    auto req = TakeRequest();
    parser_.reset();
    if (HttpResponse outside; !server_->StripRoutePrefix(*req, outside)) {
      handler_name_ = "other";
      return Write(outside);
    }
    const Route* route = server_->Find(req->path);
    handler_name_ = route ? route->name : "other";
    BasicAuth::Verdict verdict = server_->auth_.Check(req->Header("authorization"));
    if (verdict != BasicAuth::Verdict::kNeedsBcrypt) {
      return Dispatch(req, route, verdict == BasicAuth::Verdict::kAllow);
    }
    asio::post(*server_->auth_pool_, [self = shared_from_this(), req, route] {
      Guarded("basic auth", [&] {
        bool ok = !self->server_->stopping_ &&
                  self->server_->auth_.Verify(req->Header("authorization"));
        asio::post(self->executor(), [self, req, route, ok] {
          self->Dispatch(req, route, ok);
        });
      });
    });
  }

  // On the session's strand: answers directly or hands the handler to its pool.
  void Dispatch(const std::shared_ptr<HttpRequest>& req, const Route* route, bool authorized) {
    auto res = std::make_shared<HttpResponse>();
    if (server_->Prepare(*req, route, authorized, *res)) return Write(*res);
    if (route->options.pool == HandlerPool::kInline) {
      server_->RunHandler(*req, *route, *res);
      return Write(*res);
    }
    bool query = route->options.pool == HandlerPool::kQuery;
    // Two thread hand-offs (to the pool and back) were ~15% of a small query's server time and
    // most of its latency beyond the evaluation. This thread serves no other connection now (see
    // io_contexts.h), so evaluating here delays nobody else.
    if (query && IoContexts::ClaimForQuery(home_)) {
      struct Release {
        IoContexts::Context& home;
        ~Release() { IoContexts::ReleaseQuery(home); }
      } release{home_};
      server_->RunHandler(*req, *route, *res);
      return Write(*res);
    }
    auto& pool = query ? server_->query_pool_ : server_->general_pool_;
    asio::post(pool, [self = shared_from_this(), req, route, res, query] {
      Guarded("handler", [&] {
        if (self->server_->stopping_) return;  // the I/O threads are gone or going
        if (query && req->client_gone()) {
          // Waited for a query thread and nobody is there to read the answer: drop it unrun.
          asio::post(self->executor(), [self] { self->CloseSocket(); });
          return;
        }
        self->server_->RunHandler(*req, *route, *res);
        asio::post(self->executor(), [self, res] { self->Write(*res); });
      });
    });
  }

  void Write(HttpResponse& r) {
    res_ = {};
    res_.version(version_);
    res_.result(static_cast<unsigned>(r.status));
    if (!(r.body.empty() && r.status == 204)) res_.set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res_.insert(k, v);
    status_ = r.status;
    res_.body() = std::move(r.body);
    res_.keep_alive(keep_alive_ && !server_->stopping_);
    res_.prepare_payload();
    if (head_request_) res_.body().clear();  // the length stays announced; no body follows
    Tcp().expires_after(server_->options_.write_timeout);
    std::visit([&](auto& s) {
      http::async_write(s, res_, beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
    }, stream_);
  }

  void OnWrite(beast::error_code ec, size_t) {
    GiveBodyBuffer(std::move(res_.body()));
    if (!handler_name_.empty()) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      server_->Record(handler_name_, status_, secs);
      handler_name_.clear();
    }
    busy_ = false;
    if (!ec && linger_) return LingerClose();
    if (ec || !res_.keep_alive()) return Close();
    DoRead();
  }

  // After an error answer the client may still be sending (the rest of an oversized head or
  // body). Closing with unread bytes makes the kernel send a reset, which can destroy the answer
  // before the client reads it; so, as Go does, send FIN and drain briefly before closing.
  void LingerClose() {
    if (std::holds_alternative<TlsStream>(stream_)) return Close();
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    Tcp().expires_after(std::chrono::milliseconds(500));
    Drain();
  }
  void Drain() {
    drain_.resize(16 << 10);
    Tcp().async_read_some(asio::buffer(drain_),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) return self->CloseSocket();
                            self->Drain();
                          });
  }

  void Close() {
    if (auto* tls = std::get_if<TlsStream>(&stream_)) {
      // Send close_notify (bounded by a short timeout) so clients see a clean TLS end.
      Tcp().expires_after(std::chrono::seconds(1));
      tls->async_shutdown([self = shared_from_this()](beast::error_code) { self->CloseSocket(); });
      return;
    }
    CloseSocket();
  }

  void CloseSocket() {
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    Tcp().socket().close(ec);
  }

  Impl* server_;
  IoContexts::Context& home_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::array<char, 5> first_bytes_{};  // TLS only: the first bytes, HTTP or a TLS record?
  std::optional<RequestParser> parser_;
  http::response<http::string_body> res_;
  bool busy_ = false;
  bool first_ = true;
  bool keep_alive_ = true;
  bool head_request_ = false;
  bool linger_ = false;   // the connection ends after an error answer
  std::string drain_;     // scratch for LingerClose
  unsigned version_ = 11;
  int status_ = 200;
  std::string handler_name_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point received_;
};

bool HttpServer::Impl::StripRoutePrefix(HttpRequest& req, HttpResponse& res) const {
  const std::string& prefix = options_.route_prefix;
  if (prefix.empty()) return true;
  if (absl::StartsWith(req.path, prefix) &&
      (req.path.size() == prefix.size() || req.path[prefix.size()] == '/')) {
    req.path.erase(0, prefix.size());
    if (req.path.empty()) req.path = "/";
    return true;
  }
  if (req.path == "/") {  // as Prometheus: the root leads to the prefix
    res.status = 302;
    res.headers.emplace_back("Location", prefix);
    res.body = absl::StrCat("<a href=\"", prefix, "\">Found</a>.\n");
    return false;
  }
  res.status = 404;
  res.body = "404 page not found\n";
  return false;
}

const Route* HttpServer::Impl::Find(const std::string& path) const {
  auto it = exact_.find(path);
  if (it != exact_.end()) return &it->second;
  const Route* route = nullptr;
  size_t best = 0;
  for (const auto& [prefix, r] : prefixes_) {
    if (absl::StartsWith(path, prefix) && prefix.size() >= best) {
      route = &r;
      best = prefix.size();
    }
  }
  return route;
}

bool HttpServer::Impl::Prepare(const HttpRequest& req, const Route* route, bool authorized,
                               HttpResponse& res) const {
  if (!authorized) {
    res.status = 401;
    res.headers.emplace_back("WWW-Authenticate", "Basic");
    res.body = "Unauthorized\n";
    return true;
  }
  if (route == nullptr) {
    res.status = 404;
    res.body = "404 page not found\n";
    return true;
  }
  const auto& methods = route->options.methods;
  bool allowed = methods.empty() ||
                 std::find(methods.begin(), methods.end(), req.method) != methods.end();
  if (route->options.cors && cors_re_ != nullptr && (allowed || req.method == "OPTIONS")) {
    std::string_view origin = req.Header("origin");
    if (!origin.empty() && RE2::FullMatch(re2::StringPiece(origin.data(), origin.size()), *cors_re_)) {
      res.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
      res.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      res.headers.emplace_back("Access-Control-Allow-Headers",
                               "Accept, Authorization, Content-Type, Origin");
      res.headers.emplace_back("Access-Control-Expose-Headers", "Date");
      res.headers.emplace_back("Vary", "Origin");
    }
  }
  if (allowed && !(route->options.cors && req.method == "OPTIONS")) return false;
  if (req.method == "OPTIONS") {
    // A CORS preflight (Prometheus' API answers 204), or the router's automatic answer.
    res.status = route->options.cors ? 204 : 200;
    if (!route->allow.empty()) res.headers.emplace_back("Allow", route->allow);
    res.body.clear();
    return true;
  }
  res.status = 405;
  res.headers.emplace_back("Allow", route->allow);
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.body = "Method Not Allowed\n";
  return true;
}

void HttpServer::Impl::RunHandler(const HttpRequest& req, const Route& route,
                                  HttpResponse& res) const {
  try {
    route.handler(req, res);
  } catch (const std::exception& e) {
    // Handlers return errors as values; this is the last line of defence against a crash.
    res = HttpResponse{};
    res.status = 500;
    res.content_type = "application/json";
    res.body = absl::StrCat(R"({"status":"error","errorType":"internal","error":")",
                            absl::CEscape(e.what()), "\"}");
    PROMLET_LOG_ERROR("handler threw", "handler", route.name, "err", e.what());
  }
  if (res.compressible && res.body.size() >= options_.gzip_min_bytes &&
      AcceptsGzip(req.Header("accept-encoding"))) {
    GiveBodyBuffer(std::exchange(res.body, GzipCompress(res.body)));
    MarkGzipEncoded(res);
  }
}

void HttpServer::Impl::Record(const std::string& handler, int code, double seconds) {
  if (requests_ == nullptr) return;
  requests_->Add({{"handler", handler}, {"code", std::to_string(code)}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120};
  durations_->Add({{"handler", handler}}, kBuckets).Observe(seconds);
}

absl::Status HttpServer::Impl::Start() {
  std::string host;
  uint16_t port = 0;
  if (auto st = SplitHostPort(options_.listen_address, &host, &port); !st.ok()) return st;
  boost::system::error_code ec;
  asio::ip::address addr;
  if (host.empty()) {
    addr = asio::ip::address_v4::any();
  } else if (host == "localhost") {
    addr = asio::ip::address_v4::loopback();
  } else {
    addr = asio::ip::make_address(host, ec);
    if (ec) {
      return absl::InvalidArgumentError(absl::StrCat("listen address \"", options_.listen_address,
                                                     "\": invalid host: ", ec.message()));
    }
  }
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    if (auto st = SetUpTls(); !st.ok()) return st;
  }
  tcp::endpoint ep(addr, port);
  acceptor_.emplace(io_.acceptor().ioc);
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.reset();
    return absl::UnavailableError(
        absl::StrCat("listen on ", options_.listen_address, ": ", ec.message()));
  }
  port_ = acceptor_->local_endpoint().port();
  started_ = true;
  Accept();
  for (size_t i = 0; i < io_.size(); ++i) {
    io_threads_.emplace_back([this, ioc = &io_[i].ioc] { RunIo(*ioc); });
  }
  return absl::OkStatus();
}

absl::Status HttpServer::Impl::SetUpTls() {
  ssl_ctx_.emplace(ssl::context::tls_server);
  // TLS 1.2 is exporter-toolkit's default minimum.
  long no = ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use;
  if (options_.tls_min_version == "TLS13") no |= ssl::context::no_tlsv1_2;
  ssl_ctx_->set_options(no);
  boost::system::error_code ec;
  ssl_ctx_->use_certificate_chain_file(options_.tls_cert_file, ec);
  if (ec) {
    ssl_ctx_.reset();
    return absl::InvalidArgumentError(
        absl::StrCat("TLS certificate ", options_.tls_cert_file, ": ", ec.message()));
  }
  ssl_ctx_->use_private_key_file(options_.tls_key_file, ssl::context::pem, ec);
  if (ec) {
    ssl_ctx_.reset();
    return absl::InvalidArgumentError(
        absl::StrCat("TLS key ", options_.tls_key_file, ": ", ec.message()));
  }
  if (SSL_CTX_check_private_key(ssl_ctx_->native_handle()) != 1) {
    ssl_ctx_.reset();
    return absl::InvalidArgumentError(absl::StrCat("TLS key ", options_.tls_key_file,
                                                   " does not match certificate ",
                                                   options_.tls_cert_file));
  }
  return absl::OkStatus();
}

// An exception escaping a completion handler unwinds out of run(), destroying that handler and
// with it the connection it served; the other connections keep going when run() is re-entered.
void HttpServer::Impl::RunIo(asio::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      PROMLET_LOG_ERROR("HTTP connection dropped after an internal error", "err", e.what());
    } catch (...) {
      PROMLET_LOG_ERROR("HTTP connection dropped after an internal error", "err",
                        "unknown exception");
    }
  }
}

void HttpServer::Impl::Accept() {
  acceptor_->async_accept([this](beast::error_code ec, tcp::socket s) {
    if (stopping_) return;
    if (!ec) {
      IoContexts::Context& home = io_.Place();
      if (MoveTo(home, s)) {
        std::shared_ptr<Session> session;
        try {
          session = std::make_shared<Session>(this, home, std::move(s));
        } catch (...) {
          IoContexts::Leave(home);
          throw;
        }
        session->Run();
      } else {
        IoContexts::Leave(home);
      }
    } else if (ec == asio::error::operation_aborted) {
      return;
    } else {
      // EMFILE and friends: back off a little instead of spinning.
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Accept();
  });
}

bool HttpServer::Impl::MoveTo(IoContexts::Context& home, tcp::socket& socket) {
  if (home.accepts) return true;
  beast::error_code ec;
  tcp::endpoint local = socket.local_endpoint(ec);
  tcp::socket moved(home.ioc);
  if (!ec) {
    int fd = socket.release(ec);
    if (!ec) {
      moved.assign(local.protocol(), fd, ec);
      if (ec) ::close(fd);
    }
  }
  if (ec) {
    PROMLET_LOG_WARN("HTTP connection dropped", "err", ec.message());
    socket.close(ec);
    return false;
  }
  socket = std::move(moved);
  return true;
}

void HttpServer::Impl::Stop(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  if (!started_) return;
  asio::post(acceptor_->get_executor(), [this] {
    beast::error_code ec;
    acceptor_->close(ec);
  });
  {
    std::unique_lock<std::mutex> lock(sessions_mu_);
    for (Session* s : sessions_) {
      std::weak_ptr<Session> weak = s->weak_from_this();
      asio::post(s->executor(), [weak] {
        if (auto p = weak.lock()) p->CloseIfIdle();
      });
    }
    sessions_cv_.wait_for(lock, grace, [this] { return sessions_.empty(); });
  }
  io_.Stop();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
  general_pool_.join();
  query_pool_.join();
  if (auth_pool_) auth_pool_->join();
  // Sessions still holding references after stop() are destroyed with their io_context.
}

HttpServer::HttpServer(HttpServerOptions options, prometheus::Registry* registry)
    : impl_(std::make_unique<Impl>(std::move(options), registry)) {}

HttpServer::~HttpServer() = default;

void HttpServer::Handle(std::string path, std::string name, HttpHandler handler,
                        RouteOptions options) {
  std::string allow = AllowHeader(options.methods);
  impl_->exact_[std::move(path)] =
      Route{std::move(name), std::move(handler), std::move(options), std::move(allow)};
}

void HttpServer::Handle(std::string path, std::string name, HttpHandler handler, bool cors) {
  RouteOptions options;
  options.cors = cors;
  Handle(std::move(path), std::move(name), std::move(handler), std::move(options));
}

void HttpServer::HandlePrefix(std::string prefix, std::string name, HttpHandler handler,
                              RouteOptions options) {
  std::string allow = AllowHeader(options.methods);
  impl_->prefixes_.emplace_back(
      std::move(prefix),
      Route{std::move(name), std::move(handler), std::move(options), std::move(allow)});
}

void HttpServer::HandlePrefix(std::string prefix, std::string name, HttpHandler handler,
                              bool cors) {
  RouteOptions options;
  options.cors = cors;
  HandlePrefix(std::move(prefix), std::move(name), std::move(handler), std::move(options));
}

absl::Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port_; }
void HttpServer::Stop(std::chrono::milliseconds grace) { impl_->Stop(grace); }

}  // namespace promlet::net
