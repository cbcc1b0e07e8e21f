// The client's only translation unit with Beast and Asio SSL: a coroutine per request, run on
// the caller's executor (a strand), a watchdog timer per request for the deadline.
#include <utility>  // before boost/asio/awaitable.hpp (Boost 1.74)

#include "net/http/client.h"

#include <zlib.h>

#include <limits>
#include <optional>
#include <sstream>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace promlet::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Read buffer size while a response is being read (Beast reads at most 64 KB per call).
constexpr size_t kReadBufferBytes = 64 * 1024;

// Per-thread spare read buffers and body strings (see RecycleBodyBuffer). A coroutine may
// resume on another io thread, so buffers are taken and given back wherever it runs; with
// scrapes spread over the interval only a couple are in flight per thread.
constexpr size_t kMaxPooledBuffers = 4;
constexpr size_t kMaxPooledBodyBytes = 4 << 20;
thread_local std::vector<beast::flat_buffer> tl_read_buffers;
thread_local std::vector<std::string> tl_bodies;

std::string TakeBodyBuffer() {
  if (tl_bodies.empty()) return std::string();
  std::string s = std::move(tl_bodies.back());
  tl_bodies.pop_back();
  s.clear();
  return s;
}

bool IsGzip(std::string_view content_encoding) {
  std::string enc = absl::AsciiStrToLower(absl::string_view(content_encoding.data(),
                                                            content_encoding.size()));
  return enc == "gzip" || enc == "x-gzip";
}

std::string SslError() {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

// The client TLS context for `t` (CA, client certificate, verification mode).
absl::StatusOr<std::unique_ptr<asio::ssl::context>> MakeSslContext(const HttpTlsOptions& t) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  if (!t.ca_file.empty()) {
    ctx->load_verify_file(t.ca_file, ec);
    if (ec) return absl::InvalidArgumentError(
        absl::StrCat("tls_config: unable to load ca_file ", t.ca_file, ": ", SslError()));
  } else {
    ctx->set_default_verify_paths(ec);
  }
  if (!t.cert_file.empty() || !t.key_file.empty()) {
    if (t.cert_file.empty() || t.key_file.empty()) {
      return absl::InvalidArgumentError("tls_config: cert_file and key_file must both be set");
    }
    ctx->use_certificate_chain_file(t.cert_file, ec);
    if (ec) return absl::InvalidArgumentError(
        absl::StrCat("tls_config: unable to load cert_file ", t.cert_file, ": ", SslError()));
    ctx->use_private_key_file(t.key_file, asio::ssl::context::pem, ec);
    if (ec) return absl::InvalidArgumentError(
        absl::StrCat("tls_config: unable to load key_file ", t.key_file, ": ", SslError()));
  }
  ctx->set_verify_mode(t.insecure_skip_verify ? asio::ssl::verify_none : asio::ssl::verify_peer);
  return ctx;
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Go's http.Client gives up when the 10th response in a row is a redirect.
constexpr int kMaxRedirects = 10;

// The operation in Go's url.Error: the method with only its first letter upper-case ("Post").
std::string UrlErrorOp(std::string_view method) {
  std::string op = absl::AsciiStrToLower(absl::string_view(method.data(), method.size()));
  if (!op.empty()) op[0] = absl::ascii_toupper(op[0]);
  return op;
}

// What a redirect with `status` makes of `req` (Go's redirectBehavior): 301/302 turn a POST
// into a GET, 303 turns anything but HEAD into a GET, both dropping the body; 307/308 keep
// method and body.
void ApplyRedirect(int status, HttpClientRequest& req) {
  bool to_get = ((status == 301 || status == 302) && req.method == "POST") ||
                (status == 303 && req.method != "GET" && req.method != "HEAD");
  if (!to_get) return;
  req.method = "GET";
  req.body.clear();
  req.content_type.clear();
  req.content_encoding.clear();
}

bool IsReplayable(std::string_view method) { return method == "GET" || method == "HEAD"; }

// Shared state of one target's connection. Held by shared_ptr so that an in-flight coroutine
// keeps it alive even if the owning HttpClient is destroyed meanwhile.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::any_io_executor ex, HttpClientOptions opts,
             std::unique_ptr<asio::ssl::context> ssl_ctx)
      : ex_(std::move(ex)),
        opts_(std::move(opts)),
        ssl_ctx_(std::move(ssl_ctx)),
        resolver_(ex_) {
    bool default_port = opts_.port.empty() ||
                        (opts_.scheme == "http" && opts_.port == "80") ||
                        (opts_.scheme == "https" && opts_.port == "443");
    if (opts_.port.empty()) opts_.port = opts_.scheme == "https" ? "443" : "80";
    std::string host = opts_.host.find(':') != std::string::npos
                           ? absl::StrCat("[", opts_.host, "]")
                           : opts_.host;
    host_header_ = default_port ? host : absl::StrCat(host, ":", opts_.port);
    url_ = absl::StrCat(opts_.scheme, "://", host_header_, opts_.target);
  }

  void Start(HttpClientRequest req, std::chrono::milliseconds timeout,
             HttpClient::Callback done) {
    auto self = shared_from_this();
    if (req.target.empty()) req.target = opts_.target;
    op_ = UrlErrorOp(req.method);
    url_ = absl::StrCat(opts_.scheme, "://", host_header_, req.target);
    asio::co_spawn(
        ex_, Send(std::move(req), timeout),
        [self, done = std::move(done)](std::exception_ptr e,
                                       absl::StatusOr<HttpClientResponse> r) mutable {
          if (e) {
            // Should not happen (all errors are redirected), but never let one escape.
            self->Disconnect();
            done(absl::InternalError(absl::StrCat(self->op_, " \"", self->url_,
                                                  "\": unexpected exception")));
            return;
          }
          done(std::move(r));
        });
  }

  void Close() {
    ++generation_;
    AbortIo();
    if (hop_) hop_->Close();
  }

 private:
  asio::awaitable<absl::StatusOr<HttpClientResponse>> Send(HttpClientRequest req,
                                                           std::chrono::milliseconds timeout) {
    auto self = shared_from_this();
    const uint64_t gen = ++generation_;
    timed_out_ = false;
    asio::steady_timer watchdog(ex_);
    watchdog.expires_after(timeout);
    watchdog.async_wait([self, gen](const beast::error_code& ec) {
      if (ec || self->generation_ != gen) return;
      self->timed_out_ = true;
      self->AbortIo();
      if (self->hop_) self->hop_->Close();
    });

    absl::StatusOr<HttpClientResponse> result;
    if (http::string_to_verb(req.method) == http::verb::unknown) {
      result = absl::InvalidArgumentError(
          absl::StrCat("net/http: invalid method \"", req.method, "\""));
    } else {
      result = co_await AttemptWithRetry(gen, req);
    }
    int redirects = 0;
    while (result.ok() && opts_.follow_redirects && IsRedirect(result->status) &&
           !last_location_.empty()) {
      const std::string location = last_location_;
      ApplyRedirect(result->status, req);
      op_ = UrlErrorOp(req.method);
      if (++redirects >= kMaxRedirects) {
        result = absl::UnavailableError(absl::StrCat(op_, " \"", location, "\": stopped after ",
                                                     kMaxRedirects, " redirects"));
        break;
      }
      absl::StatusOr<HttpLocation> next = ResolveLocation(current_, location);
      if (!next.ok()) {
        result = absl::UnavailableError(absl::StrCat(op_, " \"", location, "\": ",
                                                     next.status().message()));
        break;
      }
      req.target = next->target;
      result = co_await Follow(gen, *next, req);
    }
    if (result.ok() && opts_.error_on_non_2xx && result->status / 100 != 2) {
      result = absl::UnavailableError(absl::StrCat("server returned HTTP status ", result->status,
                                                   " ", last_reason_));
    }
    watchdog.cancel();
    co_return result;
  }

  HttpLocation Origin() const {
    return HttpLocation{opts_.scheme, opts_.host, opts_.port, opts_.target};
  }

  // One request on this connection. A kept-alive connection the server closed meanwhile fails
  // before any response byte; retry once on a fresh connection, as Go's transport does (see
  // the header for which requests).
  asio::awaitable<absl::StatusOr<HttpClientResponse>> AttemptWithRetry(
      uint64_t gen, const HttpClientRequest& req) {
    bool reused = connected_;
    current_ = Origin();
    current_.target = req.target;
    absl::StatusOr<HttpClientResponse> result = co_await Attempt(gen, req);
    bool retry = write_failed_ || (retryable_ && IsReplayable(req.method));
    if (!result.ok() && reused && retry && !timed_out_ && generation_ == gen) {
      result = co_await Attempt(gen, req);
    }
    co_return result;
  }

  // The request a redirect leads to: on this connection when it stays on the same origin, on
  // a second connection (kept for the next scrape's redirect) when it goes elsewhere.
  asio::awaitable<absl::StatusOr<HttpClientResponse>> Follow(uint64_t gen,
                                                             const HttpLocation& next,
                                                             const HttpClientRequest& req) {
    if (next.scheme == opts_.scheme && next.host == opts_.host && next.port == opts_.port) {
      co_return co_await AttemptWithRetry(gen, req);
    }
    if (!hop_ || hop_->opts_.scheme != next.scheme || hop_->opts_.host != next.host ||
        hop_->opts_.port != next.port) {
      if (hop_) hop_->Close();
      HttpClientOptions hop_opts = opts_;
      hop_opts.scheme = next.scheme;
      hop_opts.host = next.host;
      hop_opts.port = next.port;
      hop_opts.target = next.target;
      std::unique_ptr<asio::ssl::context> ctx;
      if (next.scheme == "https") {
        auto made = MakeSslContext(opts_.tls);
        if (!made.ok()) co_return made.status();
        ctx = *std::move(made);
      }
      hop_ = std::make_shared<Connection>(ex_, std::move(hop_opts), std::move(ctx));
    }
    std::shared_ptr<Connection> hop = hop_;
    hop->op_ = op_;
    absl::StatusOr<HttpClientResponse> r = co_await hop->AttemptWithRetry(hop->generation_, req);
    if (timed_out_) {
      co_return absl::DeadlineExceededError(
          absl::StrCat(op_, " \"", hop->url_, "\": context deadline exceeded"));
    }
    current_ = hop->current_;
    last_location_ = hop->last_location_;
    last_reason_ = hop->last_reason_;
    co_return r;
  }

  asio::awaitable<absl::StatusOr<HttpClientResponse>> Attempt(uint64_t gen,
                                                              const HttpClientRequest& req) {
    retryable_ = false;
    write_failed_ = false;
    if (!connected_) {
      absl::Status s = co_await Connect(gen);
      if (!s.ok()) {
        Disconnect();
        co_return s;
      }
    }
    absl::StatusOr<HttpClientResponse> r;
    if (tls_) {
      r = co_await Exchange(*tls_, gen, req);
    } else {
      r = co_await Exchange(*plain_, gen, req);
    }
    if (!r.ok()) Disconnect();
    co_return r;
  }

  absl::Status Fail(std::string_view what, const beast::error_code& ec, uint64_t gen) {
    if (timed_out_) return absl::DeadlineExceededError(
        absl::StrCat(op_, " \"", url_, "\": context deadline exceeded"));
    if (generation_ != gen) return absl::CancelledError(
        absl::StrCat(op_, " \"", url_, "\": context canceled"));
    // Go's wording: "dial tcp 127.0.0.1:9100: connect: connection refused".
    return absl::UnavailableError(absl::StrCat(op_, " \"", url_, "\": ", std::string(what), ": ",
                                               absl::AsciiStrToLower(ec.message())));
  }

  asio::awaitable<absl::Status> Connect(uint64_t gen) {
    beast::error_code ec;
    if (endpoints_.empty()) {
      auto results = co_await resolver_.async_resolve(opts_.host, opts_.port,
                                                      asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return Fail(absl::StrCat("lookup ", opts_.host), ec, gen);
      for (const auto& e : results) endpoints_.push_back(e.endpoint());
      if (endpoints_.empty()) co_return absl::UnavailableError(
          absl::StrCat(op_, " \"", url_, "\": lookup ", opts_.host, ": no addresses"));
    }
    if (generation_ != gen) co_return Fail("dial", ec, gen);
    if (ssl_ctx_) {
      tls_.emplace(ex_, *ssl_ctx_);
      co_await beast::get_lowest_layer(*tls_).async_connect(
          endpoints_, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        endpoints_.clear();  // re-resolve next time
        co_return Fail(absl::StrCat("dial tcp ", opts_.host, ":", opts_.port, ": connect"), ec,
                      gen);
      }
      const std::string& name = opts_.tls.server_name.empty() ? opts_.host : opts_.tls.server_name;
      if (!SSL_set_tlsext_host_name(tls_->native_handle(), name.c_str())) {
        co_return absl::UnavailableError(absl::StrCat(op_, " \"", url_, "\": cannot set SNI"));
      }
      if (!opts_.tls.insecure_skip_verify) {
        tls_->set_verify_callback(asio::ssl::host_name_verification(name));
      }
      co_await tls_->async_handshake(asio::ssl::stream_base::client,
                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return Fail("tls handshake", ec, gen);
    } else {
      plain_.emplace(ex_);
      co_await plain_->async_connect(endpoints_, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        endpoints_.clear();
        co_return Fail(absl::StrCat("dial tcp ", opts_.host, ":", opts_.port, ": connect"), ec,
                      gen);
      }
    }
    connected_ = true;
    buffer_.clear();
    co_return absl::OkStatus();
  }

  // True for the options' own GET: every such request is the same bytes.
  bool IsDefaultGet(const HttpClientRequest& r) const {
    return r.method == "GET" && r.target == opts_.target && r.body.empty() &&
           r.content_type.empty() && r.content_encoding.empty() && r.headers.empty();
  }

  // The request on the wire; `authorization` is the header value (null: none).
  http::request<http::string_body> BuildRequest(const HttpClientRequest& r,
                                                const std::string* authorization) const {
    http::request<http::string_body> req{http::string_to_verb(r.method), r.target, 11};
    req.set(http::field::host, host_header_);
    req.set(http::field::user_agent, opts_.user_agent);
    if (opts_.accept_gzip) req.set(http::field::accept_encoding, "gzip");
    for (const auto& [name, value] : opts_.headers) req.set(name, value);
    if (!r.content_type.empty()) req.set(http::field::content_type, r.content_type);
    if (!r.content_encoding.empty()) req.set(http::field::content_encoding, r.content_encoding);
    for (const auto& [name, value] : r.headers) req.set(name, value);
    if (authorization != nullptr) req.set(http::field::authorization, *authorization);
    req.keep_alive(true);
    if (r.method != "GET" && r.method != "HEAD") {
      // Go sends a Content-Length (0 too) with POST and PUT.
      req.body() = r.body;
      req.prepare_payload();
    }
    return req;
  }

  // One request and its response. Any status comes back as a response (the caller decides
  // about redirects and errors); a 3xx's Location and every reason phrase are kept aside.
  template <typename Stream>
  asio::awaitable<absl::StatusOr<HttpClientResponse>> Exchange(Stream& stream, uint64_t gen,
                                                               const HttpClientRequest& r) {
    beast::error_code ec;
    last_location_.clear();
    last_reason_.clear();
    if (opts_.authorization || !IsDefaultGet(r)) {
      // Credentials may change between scrapes (files are re-read): build it every time.
      absl::StatusOr<std::string> auth =
          opts_.authorization ? opts_.authorization() : absl::StatusOr<std::string>(std::string());
      if (!auth.ok()) co_return auth.status();
      http::request<http::string_body> req =
          BuildRequest(r, opts_.authorization ? &*auth : nullptr);
      co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    } else {
      // Otherwise every request is the same bytes: serialise once (Beast's own serialiser,
      // so the bytes are exactly what async_write of the message would send).
      if (request_bytes_.empty()) {
        std::ostringstream os;
        os << BuildRequest(r, nullptr);
        request_bytes_ = os.str();
      }
      co_await asio::async_write(stream, asio::buffer(request_bytes_),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      write_failed_ = true;
      co_return Fail("write", ec, gen);
    }
    http::response_parser<http::string_body> parser;
    parser.get().body() = TakeBodyBuffer();
    // Beast reads at most the buffer's free capacity (min 512 bytes) per recv: an empty,
    // small buffer turns a 60 KB page into ~100 recvmsg calls and as many handler runs. Give
    // it room for a whole typical page while reading (a pooled buffer when there is one), and
    // hand it back afterwards (below) so that idle targets do not each keep 64 KB.
    if (buffer_.size() == 0 && buffer_.capacity() < kReadBufferBytes &&
        !tl_read_buffers.empty()) {
      buffer_ = std::move(tl_read_buffers.back());
      tl_read_buffers.pop_back();
      buffer_.clear();
    }
    buffer_.reserve(kReadBufferBytes);
    parser.body_limit(opts_.body_size_limit > 0
                          ? static_cast<uint64_t>(opts_.body_size_limit)
                          : std::numeric_limits<uint64_t>::max());
    co_await http::async_read_header(stream, buffer_, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::body_limit) {
      co_return absl::ResourceExhaustedError("body size limit exceeded");
    }
    if (ec) {
      retryable_ = !parser.got_some();
      co_return Fail("read", ec, gen);
    }
    // A Content-Length over the limit fails before the body is read (belt and braces: the
    // parser checks it too; chunked bodies are limited by the parser as they arrive).
    if (opts_.body_size_limit > 0 && parser.content_length() &&
        *parser.content_length() > static_cast<uint64_t>(opts_.body_size_limit)) {
      Disconnect();
      co_return absl::ResourceExhaustedError("body size limit exceeded");
    }
    if (!parser.is_done()) {
      co_await http::async_read(stream, buffer_, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec == http::error::body_limit) {
      co_return absl::ResourceExhaustedError("body size limit exceeded");
    }
    if (ec) co_return Fail("read", ec, gen);
    http::response<http::string_body> res = parser.release();
    if (!res.keep_alive()) Disconnect();
    if (buffer_.size() == 0) {
      if (tl_read_buffers.size() < kMaxPooledBuffers) {
        tl_read_buffers.push_back(std::move(buffer_));
        buffer_ = beast::flat_buffer();
      } else {
        buffer_.shrink_to_fit();
      }
    }

    unsigned status = res.result_int();
    HttpClientResponse out;
    out.status = static_cast<int>(status);
    if (status / 100 != 2) {
      last_reason_ = std::string(res.reason());
      last_location_ = std::string(res[http::field::location]);
      bool followed = opts_.follow_redirects && IsRedirect(out.status) && !last_location_.empty();
      if (opts_.error_on_non_2xx || followed) {
        RecycleBodyBuffer(std::move(res.body()));
        co_return out;
      }
    }
    out.content_type = std::string(res[http::field::content_type]);
    out.wire_bytes = res.body().size();
    auto enc = res[http::field::content_encoding];
    if (IsGzip(std::string_view(enc.data(), enc.size()))) {
      absl::StatusOr<std::string> plain = GunzipWithLimit(res.body(), opts_.body_size_limit);
      RecycleBodyBuffer(std::move(res.body()));
      if (!plain.ok()) co_return plain.status();
      out.body = *std::move(plain);
    } else {
      out.body = std::move(res.body());
    }
    co_return out;
  }

  // Cancels whatever is pending; the coroutine sees operation_aborted and cleans up.
  void AbortIo() {
    resolver_.cancel();
    beast::error_code ignored;
    if (tls_) beast::get_lowest_layer(*tls_).socket().close(ignored);
    if (plain_) plain_->socket().close(ignored);
    connected_ = false;
  }

  void Disconnect() {
    AbortIo();
    connected_ = false;
    buffer_.clear();
  }

  asio::any_io_executor ex_;
  HttpClientOptions opts_;
  std::unique_ptr<asio::ssl::context> ssl_ctx_;
  tcp::resolver resolver_;
  std::vector<tcp::endpoint> endpoints_;  // resolved once, re-resolved after a dial failure
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  std::string host_header_;
  std::string url_;
  std::string request_bytes_;  // serialised request when there is no Authorization header
  // Redirects: the URL of the latest request, the Location and reason phrase of the latest
  // non-2xx response, and the connection to another origin a redirect led to.
  HttpLocation current_;
  std::string last_location_;
  std::string last_reason_;
  std::shared_ptr<Connection> hop_;
  bool connected_ = false;
  bool timed_out_ = false;
  bool retryable_ = false;     // the answer never started: a GET or HEAD may be replayed
  bool write_failed_ = false;  // writing the request failed: any request may be replayed
  std::string op_ = "Get";     // Go's url.Error operation of the request in flight
  uint64_t generation_ = 0;  // bumped per request and by Close(); stale callbacks compare it
};

class BeastHttpClient : public HttpClient {
 public:
  explicit BeastHttpClient(std::shared_ptr<Connection> conn) : conn_(std::move(conn)) {}
  ~BeastHttpClient() override { conn_->Close(); }
  void AsyncSend(HttpClientRequest request, std::chrono::milliseconds timeout,
                 Callback done) override {
    conn_->Start(std::move(request), timeout, std::move(done));
  }
  void Close() override { conn_->Close(); }

 private:
  std::shared_ptr<Connection> conn_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create(
    boost::asio::any_io_executor executor, HttpClientOptions options) {
  if (options.scheme != "http" && options.scheme != "https") {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported scheme \"", options.scheme, "\" (want http or https)"));
  }
  if (options.host.empty()) return absl::InvalidArgumentError("empty host");
  std::unique_ptr<asio::ssl::context> ctx;
  if (options.scheme == "https") {
    auto made = MakeSslContext(options.tls);
    if (!made.ok()) return made.status();
    ctx = *std::move(made);
  }
  auto conn = std::make_shared<Connection>(std::move(executor), std::move(options), std::move(ctx));
  return std::unique_ptr<HttpClient>(new BeastHttpClient(std::move(conn)));
}

namespace {

// RFC 3986 section 5.2.4.
std::string RemoveDotSegments(std::string_view in) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  const bool absolute = !in.empty() && in[0] == '/';
  if (absolute) pos = 1;
  bool trailing_slash = false;
  while (pos <= in.size()) {
    size_t slash = in.find('/', pos);
    std::string_view seg = in.substr(pos, slash == std::string_view::npos ? in.npos : slash - pos);
    trailing_slash = false;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing_slash = true;
    } else if (seg == ".") {
      trailing_slash = true;
    } else {
      out.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  std::string path = absolute ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0) path += '/';
    path += out[i];
  }
  if (trailing_slash && !path.empty() && path.back() != '/') path += '/';
  return path;
}

}  // namespace

absl::StatusOr<HttpLocation> ResolveLocation(const HttpLocation& base, std::string_view location) {
  std::string_view ref = location.substr(0, location.find('#'));
  for (unsigned char c : ref) {
    if (c < 0x20 || c == 0x7f || c == ' ') {
      return absl::InvalidArgumentError(absl::StrCat(
          "failed to parse Location header \"", std::string(location), "\": invalid character"));
    }
  }
  HttpLocation out = base;
  std::string_view rest = ref;
  size_t colon = ref.find(':');
  size_t first_delim = ref.find_first_of("/?");
  const bool has_scheme = colon != std::string_view::npos && colon > 0 &&
                          (first_delim == std::string_view::npos || colon < first_delim);
  if (has_scheme) {
    out.scheme = absl::AsciiStrToLower(absl::string_view(ref.data(), colon));
    if (out.scheme != "http" && out.scheme != "https") {
      return absl::InvalidArgumentError(absl::StrCat("unsupported protocol scheme \"", out.scheme, "\""));
    }
    rest = ref.substr(colon + 1);
  }
  if (rest.substr(0, 2) == "//") {
    rest.remove_prefix(2);
    size_t end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority.remove_prefix(at + 1);  // userinfo is not sent on
    }
    std::string_view host = authority, port;
    if (!authority.empty() && authority[0] == '[') {
      size_t close = authority.find(']');
      if (close == std::string_view::npos) {
        return absl::InvalidArgumentError("missing ']' in host");
      }
      host = authority.substr(1, close - 1);
      if (close + 1 < authority.size() && authority[close + 1] == ':') {
        port = authority.substr(close + 2);
      }
    } else if (size_t c = authority.rfind(':'); c != std::string_view::npos) {
      host = authority.substr(0, c);
      port = authority.substr(c + 1);
    }
    if (host.empty()) return absl::InvalidArgumentError("no host in redirect URL");
    for (char ch : port) {
      if (ch < '0' || ch > '9') return absl::InvalidArgumentError(absl::StrCat("invalid port \"", std::string(port), "\""));
    }
    out.host = std::string(host);
    out.port = port.empty() ? (out.scheme == "https" ? "443" : "80") : std::string(port);
    std::string target = RemoveDotSegments(rest.substr(0, rest.find('?')));
    if (target.empty()) target = "/";
    if (size_t q = rest.find('?'); q != std::string_view::npos) target += rest.substr(q);
    out.target = target;
    return out;
  }
  if (has_scheme && out.scheme != base.scheme) {
    // "https:/path" on an http base: RFC 3986 treats it as absolute with the base authority.
    out.port = out.scheme == "https" ? "443" : "80";
  }
  std::string_view base_path = std::string_view(base.target).substr(0, base.target.find('?'));
  std::string_view path = rest.substr(0, rest.find('?'));
  std::string_view query = rest.find('?') == std::string_view::npos ? std::string_view()
                                                                     : rest.substr(rest.find('?'));
  std::string merged;
  if (path.empty()) {
    merged = std::string(base_path);
    if (query.empty()) {
      size_t q = base.target.find('?');
      if (q != std::string::npos) query = std::string_view(base.target).substr(q);
    }
  } else if (path[0] == '/') {
    merged = RemoveDotSegments(path);
  } else {
    size_t slash = base_path.rfind('/');
    merged = RemoveDotSegments(absl::StrCat(
        slash == std::string_view::npos ? "/" : std::string(base_path.substr(0, slash + 1)),
        std::string(path)));
  }
  if (merged.empty() || merged[0] != '/') merged.insert(0, "/");
  out.target = absl::StrCat(merged, std::string(query));
  return out;
}

void RecycleBodyBuffer(std::string&& body) {
  if (body.capacity() < 4096 || body.capacity() > kMaxPooledBodyBytes ||
      tl_bodies.size() >= kMaxPooledBuffers) {
    return;
  }
  tl_bodies.push_back(std::move(body));
}

}  // namespace promlet::net
