// HttpClient against promlet's own HttpServer on 127.0.0.1: POST bodies with their content type
// and encoding, redirects of a POST (307 keeps the body, 303 turns it into a GET), non-2xx
// answers returned as responses when asked, and Go's url.Error wording for a POST.
#include "net/http/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "net/http/server.h"

namespace promlet::net {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// An HttpServer on 127.0.0.1 echoing each request as "<method> <path>\n<headers>\n\n<body>";
// /redirect/<code> answers <code> with Location /echo; /fail answers 500 with a body.
class EchoServer {
 public:
  EchoServer() {
    HttpServerOptions o;
    o.listen_address = "127.0.0.1:0";
    o.io_threads = 1;
    o.worker_threads = 1;
    o.query_threads = 1;
    server_ = std::make_unique<HttpServer>(o, nullptr);
    server_->Handle("/echo", "/echo", [](const HttpRequest& req, HttpResponse& res) {
      res.body = absl::StrCat(req.method, " ", req.path, "\n");
      for (const char* h : {"content-type", "content-encoding", "content-length", "x-extra"}) {
        std::string_view v = req.Header(h);
        absl::StrAppend(&res.body, h, "=", absl::string_view(v.data(), v.size()), "\n");
      }
      absl::StrAppend(&res.body, "\n", req.body);
    });
    server_->HandlePrefix("/redirect/", "/redirect", [](const HttpRequest& req, HttpResponse& res) {
      res.status = std::stoi(req.path.substr(std::string("/redirect/").size()));
      res.headers.emplace_back("Location", "/echo");
      res.body.clear();
    });
    server_->Handle("/fail", "/fail", [](const HttpRequest&, HttpResponse& res) {
      res.status = 500;
      res.body = "remote write refused: out of order\n";
    });
    EXPECT_TRUE(server_->Start().ok());
  }
  ~EchoServer() { server_->Stop(); }
  uint16_t port() const { return server_->port(); }
  void Stop() { server_->Stop(); }

 private:
  std::unique_ptr<HttpServer> server_;
};

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() : guard_(io_.get_executor()) {
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ClientTest() override {
    guard_.reset();
    io_.stop();
    thread_.join();
  }

  std::unique_ptr<HttpClient> NewClient(uint16_t port, bool error_on_non_2xx = true) {
    HttpClientOptions o;
    o.host = "127.0.0.1";
    o.port = std::to_string(port);
    o.target = "/echo";
    o.accept_gzip = false;
    o.error_on_non_2xx = error_on_non_2xx;
    auto c = HttpClient::Create(io_.get_executor(), o);
    EXPECT_TRUE(c.ok()) << c.status();
    return *std::move(c);
  }

  // Sends `req` and waits for the callback.
  absl::StatusOr<HttpClientResponse> Send(HttpClient& client, HttpClientRequest req) {
    std::promise<absl::StatusOr<HttpClientResponse>> done;
    auto fut = done.get_future();
    boost::asio::post(io_, [&] {
      client.AsyncSend(std::move(req), std::chrono::seconds(20),
                       [&done](absl::StatusOr<HttpClientResponse> r) { done.set_value(r); });
    });
    return fut.get();
  }

  static HttpClientRequest Post(std::string target, std::string body) {
    HttpClientRequest r;
    r.method = "POST";
    r.target = std::move(target);
    r.body = std::move(body);
    r.content_type = "application/x-protobuf";
    r.content_encoding = "snappy";
    r.headers = {{"X-Extra", "1"}};
    return r;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

TEST_F(ClientTest, PostSendsBodyContentTypeAndEncoding) {
  EchoServer server;
  auto client = NewClient(server.port());
  std::string body = std::string("\x01\x02payload") + '\0' + "bytes";  // 15 bytes, a NUL
  auto r = Send(*client, Post("/echo", body));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, absl::StrCat("POST /echo\ncontent-type=application/x-protobuf\n"
                                  "content-encoding=snappy\ncontent-length=15\nx-extra=1\n\n",
                                  body));
  // The same connection then serves the options' GET, without body headers.
  r = Send(*client, HttpClientRequest{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "GET /echo\ncontent-type=\ncontent-encoding=\ncontent-length=\nx-extra=\n\n");
}

TEST_F(ClientTest, EmptyPostCarriesContentLengthZero) {
  EchoServer server;
  auto client = NewClient(server.port());
  HttpClientRequest req;
  req.method = "POST";
  auto r = Send(*client, req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->body, HasSubstr("POST /echo\n"));
  EXPECT_THAT(r->body, HasSubstr("content-length=0\n"));
}

TEST_F(ClientTest, RedirectedPostKeepsBodyOn307AndBecomesGetOn303) {
  EchoServer server;
  auto client = NewClient(server.port());
  auto kept = Send(*client, Post("/redirect/307", "abc"));
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_THAT(kept->body, StartsWith("POST /echo\n"));
  EXPECT_THAT(kept->body, HasSubstr("\n\nabc"));
  auto changed = Send(*client, Post("/redirect/303", "abc"));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_THAT(changed->body, StartsWith("GET /echo\ncontent-type=\ncontent-encoding=\n"));
  EXPECT_THAT(changed->body, ::testing::EndsWith("\n\n"));
}

TEST_F(ClientTest, Non2xxIsAResponseWhenAskedAndAnErrorByDefault) {
  EchoServer server;
  auto lenient = NewClient(server.port(), /*error_on_non_2xx=*/false);
  auto r = Send(*lenient, Post("/fail", "x"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, "remote write refused: out of order\n");
  auto strict = NewClient(server.port());
  r = Send(*strict, Post("/fail", "x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "server returned HTTP status 500 Internal Server Error");
}

TEST_F(ClientTest, PostErrorsNameTheMethodAsGoDoes) {
  uint16_t port;
  {
    EchoServer server;
    port = server.port();
  }  // stopped: the port now refuses connections
  auto client = NewClient(port);
  auto r = Send(*client, Post("/echo", "x"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              StartsWith(absl::StrCat("Post \"http://127.0.0.1:", port, "/echo\": dial tcp")));
  HttpClientRequest bad;
  bad.method = "NOT A METHOD";
  r = Send(*client, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("invalid method"));
}

}  // namespace
}  // namespace promlet::net
