#include <utility>  // before boost/asio/awaitable.hpp (Boost 1.74)

#include "tests/scrape_loop/test_server.h"

#include <zlib.h>

#include <future>
#include <set>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace promlet::scrape::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string Gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

FetchResult HttpGet(uint16_t port, const std::string& target,
                    const std::map<std::string, std::string>& headers) {
  FetchResult out;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(20));
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return out;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [k, v] : headers) req.set(k, v);
  http::write(stream, req, ec);
  if (ec) return out;
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ULL << 30);
  http::read(stream, buf, parser, ec);
  if (ec) return out;
  auto res = parser.release();
  out.status = res.result_int();
  out.content_type = std::string(res[http::field::content_type]);
  out.body = std::move(res.body());
  return out;
}

struct TestServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  mutable std::mutex mu;
  Handler handler;
  std::vector<SeenRequest> seen;
  std::set<std::shared_ptr<tcp::socket>> sockets;
  int accepted = 0;
  bool stopped = false;

  asio::awaitable<void> Accept() {
    while (true) {
      auto sock = std::make_shared<tcp::socket>(io);
      beast::error_code ec;
      co_await acceptor.async_accept(*sock, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      {
        std::lock_guard<std::mutex> lock(mu);
        ++accepted;
      }
      sockets.insert(sock);
      asio::co_spawn(io, Session(sock), asio::detached);
    }
  }

  asio::awaitable<void> Session(std::shared_ptr<tcp::socket> sock) {
    beast::flat_buffer buf;
    while (true) {
      http::request<http::string_body> req;
      beast::error_code ec;
      co_await http::async_read(*sock, buf, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      SeenRequest seen_req;
      seen_req.target = std::string(req.target());
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        seen_req.headers[name] = std::string(f.value());
      }
      Handler h;
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(seen_req);
        h = handler;
      }
      Reply r = h(seen_req);
      if (r.delay.count() > 0) {
        asio::steady_timer t(io);
        t.expires_after(r.delay);
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!sock->is_open()) break;
      }
      http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
      res.set(http::field::content_type, r.content_type);
      for (const auto& [name, value] : r.headers) res.set(name, value);
      if (r.gzip) {
        res.set(http::field::content_encoding, "gzip");
        res.body() = Gzip(r.body);
      } else {
        res.body() = std::move(r.body);
      }
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(*sock, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !req.keep_alive()) break;
    }
    beast::error_code ignored;
    sock->close(ignored);
    sockets.erase(sock);
  }
};

TestServer::TestServer(Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TestServer::~TestServer() {
  Stop();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void TestServer::SetHandler(Handler h) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->handler = std::move(h);
}

void TestServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  std::promise<void> done;
  asio::post(impl_->io, [this, &done] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    for (const auto& s : impl_->sockets) s->close(ignored);
    done.set_value();
  });
  done.get_future().wait();
}

std::vector<SeenRequest> TestServer::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->seen;
}

int TestServer::connections_accepted() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->accepted;
}

}  // namespace promlet::scrape::testing
