// The only translation unit with Beast and Asio SSL in scrape/: a coroutine per request, run on
// the caller's executor (a strand), a watchdog timer per request for the deadline.
#include <utility>  // before boost/asio/awaitable.hpp (Boost 1.74)

#include "scrape/http_client.h"

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

namespace promlet::scrape {
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

  void Start(std::chrono::milliseconds timeout, HttpClient::Callback done) {
    auto self = shared_from_this();
    asio::co_spawn(
        ex_, Get(timeout),
        [self, done = std::move(done)](std::exception_ptr e,
                                       absl::StatusOr<HttpResponse> r) mutable {
          if (e) {
            // Should not happen (all errors are redirected), but never let one escape.
            self->Disconnect();
            done(absl::InternalError(absl::StrCat("Get \"", self->url_,
                                                  "\": unexpected exception")));
            return;
          }
          done(std::move(r));
        });
  }

  void Close() {
    ++generation_;
    AbortIo();
  }

 private:
  asio::awaitable<absl::StatusOr<HttpResponse>> Get(std::chrono::milliseconds timeout) {
    auto self = shared_from_this();
    const uint64_t gen = ++generation_;
    timed_out_ = false;
    asio::steady_timer watchdog(ex_);
    watchdog.expires_after(timeout);
    watchdog.async_wait([self, gen](const beast::error_code& ec) {
      if (ec || self->generation_ != gen) return;
      self->timed_out_ = true;
      self->AbortIo();
    });

    bool reused = connected_;
    absl::StatusOr<HttpResponse> result = co_await Attempt(gen);
    // A kept-alive connection the server closed meanwhile fails before any response byte;
    // retry once on a fresh connection, as Go's transport does.
    if (!result.ok() && reused && retryable_ && !timed_out_ && generation_ == gen) {
      result = co_await Attempt(gen);
    }
    watchdog.cancel();
    co_return result;
  }

  asio::awaitable<absl::StatusOr<HttpResponse>> Attempt(uint64_t gen) {
    retryable_ = false;
    if (!connected_) {
      absl::Status s = co_await Connect(gen);
      if (!s.ok()) {
        Disconnect();
        co_return s;
      }
    }
    absl::StatusOr<HttpResponse> r;
    if (tls_) {
      r = co_await Exchange(*tls_, gen);
    } else {
      r = co_await Exchange(*plain_, gen);
    }
    if (!r.ok()) Disconnect();
    co_return r;
  }

  absl::Status Fail(std::string_view what, const beast::error_code& ec, uint64_t gen) {
    if (timed_out_) return absl::DeadlineExceededError(
        absl::StrCat("Get \"", url_, "\": context deadline exceeded"));
    if (generation_ != gen) return absl::CancelledError(
        absl::StrCat("Get \"", url_, "\": context canceled"));
    // Go's wording: "dial tcp 127.0.0.1:9100: connect: connection refused".
    return absl::UnavailableError(absl::StrCat("Get \"", url_, "\": ", std::string(what), ": ",
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
          absl::StrCat("Get \"", url_, "\": lookup ", opts_.host, ": no addresses"));
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
        co_return absl::UnavailableError(absl::StrCat("Get \"", url_, "\": cannot set SNI"));
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

  // The request of every scrape; `authorization` is the header value (null: none).
  http::request<http::empty_body> BuildRequest(const std::string* authorization) const {
    http::request<http::empty_body> req{http::verb::get, opts_.target, 11};
    req.set(http::field::host, host_header_);
    req.set(http::field::user_agent, kScrapeUserAgent);
    if (opts_.accept_gzip) req.set(http::field::accept_encoding, "gzip");
    for (const auto& [name, value] : opts_.headers) req.set(name, value);
    if (authorization != nullptr) req.set(http::field::authorization, *authorization);
    req.keep_alive(true);
    return req;
  }

  template <typename Stream>
  asio::awaitable<absl::StatusOr<HttpResponse>> Exchange(Stream& stream, uint64_t gen) {
    beast::error_code ec;
    if (opts_.authorization) {
      // Credentials may change between scrapes (files are re-read): build it every time.
      absl::StatusOr<std::string> auth = opts_.authorization();
      if (!auth.ok()) co_return auth.status();
      http::request<http::empty_body> req = BuildRequest(&*auth);
      co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    } else {
      // Otherwise every request is the same bytes: serialise once (Beast's own serialiser,
      // so the bytes are exactly what async_write of the message would send).
      if (request_bytes_.empty()) {
        std::ostringstream os;
        os << BuildRequest(nullptr);
        request_bytes_ = os.str();
      }
      co_await asio::async_write(stream, asio::buffer(request_bytes_),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      retryable_ = true;
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
    if (status / 100 != 2) {
      co_return absl::UnavailableError(absl::StrCat("server returned HTTP status ", status, " ",
                                                    std::string(res.reason())));
    }
    HttpResponse out;
    out.status = static_cast<int>(status);
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
  bool connected_ = false;
  bool timed_out_ = false;
  bool retryable_ = false;
  uint64_t generation_ = 0;  // bumped per request and by Close(); stale callbacks compare it
};

class BeastHttpClient : public HttpClient {
 public:
  explicit BeastHttpClient(std::shared_ptr<Connection> conn) : conn_(std::move(conn)) {}
  ~BeastHttpClient() override { conn_->Close(); }
  void AsyncGet(std::chrono::milliseconds timeout, Callback done) override {
    conn_->Start(timeout, std::move(done));
  }
  void Close() override { conn_->Close(); }

 private:
  std::shared_ptr<Connection> conn_;
};

std::string SslError() {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

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
    ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    boost::system::error_code ec;
    const HttpTlsOptions& t = options.tls;
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
    ctx->set_verify_mode(t.insecure_skip_verify ? asio::ssl::verify_none
                                                : asio::ssl::verify_peer);
  }
  auto conn = std::make_shared<Connection>(std::move(executor), std::move(options), std::move(ctx));
  return std::unique_ptr<HttpClient>(new BeastHttpClient(std::move(conn)));
}

void RecycleBodyBuffer(std::string&& body) {
  if (body.capacity() < 4096 || body.capacity() > kMaxPooledBodyBytes ||
      tl_bodies.size() >= kMaxPooledBuffers) {
    return;
  }
  tl_bodies.push_back(std::move(body));
}

absl::StatusOr<std::string> GunzipWithLimit(std::string_view compressed, int64_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return absl::InternalError("inflateInit2 failed");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (true) {
    size_t old = out.size();
    size_t grow = std::max<size_t>(64 * 1024, compressed.size() * 2);
    out.resize(old + grow);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    zs.avail_out = static_cast<uInt>(grow);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(old + grow - zs.avail_out);
    if (limit > 0 && static_cast<int64_t>(out.size()) > limit) {
      inflateEnd(&zs);
      return absl::ResourceExhaustedError("body size limit exceeded");
    }
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      return absl::DataLossError("gzip: unexpected end of compressed body");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : "corrupt data";
      inflateEnd(&zs);
      return absl::DataLossError(absl::StrCat("gzip: ", msg));
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace promlet::scrape
