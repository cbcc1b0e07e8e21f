// HttpServer in-process on 127.0.0.1: hostile request heads (oversized fields answer 431, the
// server keeps serving), methods (405 + Allow, OPTIONS, HEAD), the pools (inline and general
// routes answer while every query thread is busy; a queued query whose client left is dropped;
// with two I/O threads a query may run on one while the other serves), and disconnect
// detection while a handler runs (also after pipelined bytes).
// Waits are bounded only to turn a hang into a failure; nothing asserts a duration.
#include "net/http/server.h"

#include <openssl/ssl.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

#include "absl/strings/match.h"
#include "tests/integration/test_util.h"

namespace promlet::net {
namespace {

using ::promlet::testing::HttpDo;
using ::testing::HasSubstr;
using ::testing::StartsWith;

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// What the server sends until `done(received so far)`, the connection closes or `bound` passes.
template <typename Done>
std::string ReadUntil(int fd, std::chrono::milliseconds bound, Done done) {
  std::string out;
  char buf[65536];
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done(out) && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Everything the server sends until it closes (or 20 s pass: a hang becomes a failure).
std::string ReadAll(int fd) {
  return ReadUntil(fd, std::chrono::seconds(20), [](const std::string&) { return false; });
}

// Sends `data` on a fresh connection, half-closes, returns the whole answer.
std::string Exchange(int port, const std::string& data) {
  int fd = Connect(port);
  if (fd < 0) return "";
  SendAll(fd, data);
  ::shutdown(fd, SHUT_WR);
  std::string out = ReadAll(fd);
  ::close(fd);
  return out;
}

std::string Get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra_headers + "\r\n";
}

// A one-shot latch for handlers to wait on.
class Latch {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  bool Wait(std::chrono::seconds bound = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, bound, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions o = {}) {
    o.listen_address = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(o, nullptr);
    RouteOptions probe;
    probe.methods = {"GET", "HEAD"};
    probe.pool = HandlerPool::kInline;
    server_->Handle("/-/ready", "/-/ready",
                    [](const HttpRequest&, HttpResponse& res) { res.body = "Ready.\n"; }, probe);
    RouteOptions get;
    get.methods = {"GET"};
    server_->Handle("/cheap", "/cheap",
                    [](const HttpRequest&, HttpResponse& res) { res.body = "cheap\n"; }, get);
    server_->Handle("/echo", "/echo", [](const HttpRequest& req, HttpResponse& res) {
      res.body = req.method + " " + req.path + " " + req.query + "\n";
    });
    server_->Handle("/throw", "/throw", [](const HttpRequest&, HttpResponse&) {
      throw std::runtime_error("boom");
    });
    RouteOptions query;
    query.methods = {"GET", "POST"};
    query.pool = HandlerPool::kQuery;
    query.cors = true;
    server_->Handle("/query", "/query", [this](const HttpRequest& req, HttpResponse& res) {
      ++query_runs_;
      if (req.query == "block") {
        query_started_.Open();
        release_.Wait();
        saw_gone_ = req.client_gone();
      }
      if (req.query == "until-gone") {
        query_started_.Open();
        // Bounded so that a missed disconnect fails the test instead of hanging it.
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!req.client_gone() && std::chrono::steady_clock::now() < give_up) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        saw_gone_ = req.client_gone();
        gone_checked_.Open();
      }
      res.body = "query " + req.query + "\n";
    }, query);
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
  }
  void TearDown() override {
    release_.Open();
    if (server_) server_->Stop(std::chrono::seconds(2));
  }

  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<int> query_runs_{0};
  std::atomic<bool> saw_gone_{false};
  Latch query_started_, release_, gone_checked_;
};

// The bug: a 70,000-byte header value made Beast throw std::length_error out of the I/O thread
// and the process aborted.
TEST_F(HttpServerTest, OversizedHeaderValueAnswers431AndServerKeepsServing) {
  StartServer();
  std::string big(70000, 'a');
  std::string answer = Exchange(port_, Get("/cheap", "X-Big: " + big + "\r\n"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
  EXPECT_THAT(answer, HasSubstr("431 Request Header Fields Too Large"));
  // The same for a long field name and a long request target.
  EXPECT_THAT(Exchange(port_, Get("/cheap", "X-" + big + ": 1\r\n")), StartsWith("HTTP/1.1 431"));
  EXPECT_THAT(Exchange(port_, Get("/cheap?" + big)), StartsWith("HTTP/1.1 431"));
  // Over the whole-head limit (1 MiB by default), in many small fields.
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "X-H" + std::to_string(i) + ": " + std::string(50, 'v') + "\r\n";
  EXPECT_THAT(Exchange(port_, Get("/cheap", many)), StartsWith("HTTP/1.1 431"));
  EXPECT_EQ(HttpDo(port_, "GET", "/cheap").status, 200);
  // A value just under Beast's field limit is served.
  EXPECT_EQ(HttpDo(port_, "GET", "/cheap", "", {{"X-Big", std::string(60000, 'b')}}).status, 200);
}

TEST_F(HttpServerTest, MalformedRequestsAnswer400AndBodyOverLimitIsRefused) {
  HttpServerOptions o;
  o.max_body_bytes = 1000;
  StartServer(o);
  EXPECT_THAT(Exchange(port_, "GARBAGE\r\n\r\n"), StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(Exchange(port_, "GET /cheap HTTP/9.9\r\n\r\n"), StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(Exchange(port_, "GET /cheap HTTP/1.1\r\nBad Header\r\n\r\n"),
              StartsWith("HTTP/1.1 400"));
  std::string body(2000, 'x');
  std::string answer =
      Exchange(port_, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" + body);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(answer, HasSubstr("request body too large (limit 1000 bytes)"));
  EXPECT_EQ(HttpDo(port_, "GET", "/cheap").status, 200);
}

TEST_F(HttpServerTest, HandlerExceptionAnswers500AndServerKeepsServing) {
  StartServer();
  auto r = HttpDo(port_, "GET", "/throw");
  EXPECT_EQ(r.status, 500);
  EXPECT_THAT(r.body, HasSubstr("boom"));
  EXPECT_EQ(HttpDo(port_, "GET", "/cheap").status, 200);
}

// The bug: any method reached the handler (FOO /-/ready answered 200).
TEST_F(HttpServerTest, WrongMethodAnswers405WithAllow) {
  StartServer();
  for (const char* method : {"FOO", "DELETE", "POST", "PUT"}) {
    auto r = HttpDo(port_, method, "/-/ready");
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.headers["allow"], "GET, HEAD, OPTIONS") << method;
    EXPECT_EQ(r.body, "Method Not Allowed\n") << method;
  }
  auto q = HttpDo(port_, "FOO", "/query");
  EXPECT_EQ(q.status, 405);
  EXPECT_EQ(q.headers["allow"], "GET, OPTIONS, POST");
  EXPECT_EQ(query_runs_.load(), 0);
  // OPTIONS: the router's Allow answer, or a CORS preflight on a CORS route.
  auto o = HttpDo(port_, "OPTIONS", "/-/ready");
  EXPECT_EQ(o.status, 200);
  EXPECT_EQ(o.headers["allow"], "GET, HEAD, OPTIONS");
  auto pre = HttpDo(port_, "OPTIONS", "/query", "", {{"Origin", "http://grafana.local"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.headers["access-control-allow-origin"], "http://grafana.local");
  EXPECT_EQ(query_runs_.load(), 0);
  // A route registered without methods takes any.
  EXPECT_EQ(HttpDo(port_, "FOO", "/echo").body, "FOO /echo \n");
  EXPECT_EQ(HttpDo(port_, "GET", "/-/ready").status, 200);
}

TEST_F(HttpServerTest, HeadAnswerHasNoBodyAndKeepsTheConnectionInStep) {
  StartServer();
  // HEAD then GET pipelined on one connection: a body after the HEAD answer would be read as
  // the start of the second answer.
  std::string answer = Exchange(port_, "HEAD /-/ready HTTP/1.1\r\nHost: x\r\n\r\n" +
                                           Get("/cheap", "Connection: close\r\n"));
  size_t second = answer.find("HTTP/1.1", 1);
  ASSERT_NE(second, std::string::npos) << answer;
  std::string first = answer.substr(0, second);
  EXPECT_THAT(first, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(first, HasSubstr("Content-Length: 7\r\n"));
  EXPECT_TRUE(absl::EndsWith(first, "\r\n\r\n")) << first;
  EXPECT_THAT(answer.substr(second), HasSubstr("cheap\n"));
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  std::string reqs;
  for (int i = 0; i < 5; ++i) reqs += Get("/echo?" + std::to_string(i));
  reqs += Get("/query?x");
  reqs += Get("/-/ready", "Connection: close\r\n");
  // No half-close: the last request (Connection: close) ends the connection.
  int fd = Connect(port_);
  SendAll(fd, reqs);
  std::string answer = ReadAll(fd);
  ::close(fd);
  size_t pos = 0;
  for (std::string want : {"GET /echo 0", "GET /echo 1", "GET /echo 2", "GET /echo 3",
                           "GET /echo 4", "query x", "Ready."}) {
    size_t at = answer.find(want, pos);
    ASSERT_NE(at, std::string::npos) << want << " in\n" << answer;
    pos = at;
  }
}

// Health (inline) and cheap routes (general pool) answer while every query thread is busy and
// more queries wait.
TEST_F(HttpServerTest, InlineAndGeneralRoutesDoNotWaitForQueryThreads) {
  HttpServerOptions o;
  o.query_threads = 1;
  o.worker_threads = 1;
  o.io_threads = 1;  // every query on the query pool (none on an I/O thread)
  StartServer(o);
  auto blocked = std::async(std::launch::async, [&] { return HttpDo(port_, "GET", "/query?block", "", {}, 30000); });
  ASSERT_TRUE(query_started_.Wait());
  std::vector<std::future<promlet::testing::HttpResult>> waiting;
  for (int i = 0; i < 4; ++i) {
    waiting.push_back(std::async(std::launch::async, [&] {
      return HttpDo(port_, "GET", "/query?queued", "", {}, 30000);
    }));
  }
  EXPECT_EQ(HttpDo(port_, "GET", "/-/ready").status, 200);
  EXPECT_EQ(HttpDo(port_, "GET", "/cheap").status, 200);
  EXPECT_EQ(query_runs_.load(), 1);
  release_.Open();
  EXPECT_EQ(blocked.get().status, 200);
  for (auto& w : waiting) EXPECT_EQ(w.get().status, 200);
}

// With two I/O threads, one of them evaluates a query itself (no hand-off) while the other
// keeps serving: two queries run at once with a single query thread, and the cheap routes
// still answer.
TEST_F(HttpServerTest, AQueryRunsOnAnIoThreadWhileTheOtherKeepsServing) {
  HttpServerOptions o;
  o.query_threads = 1;
  o.io_threads = 2;
  StartServer(o);
  auto first = std::async(std::launch::async, [&] { return HttpDo(port_, "GET", "/query?block", "", {}, 30000); });
  ASSERT_TRUE(query_started_.Wait());
  auto second = std::async(std::launch::async, [&] { return HttpDo(port_, "GET", "/query?block", "", {}, 30000); });
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (query_runs_.load() < 2 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(query_runs_.load(), 2);  // both blocked at once: one of them on an I/O thread
  EXPECT_EQ(HttpDo(port_, "GET", "/-/ready").status, 200);
  EXPECT_EQ(HttpDo(port_, "GET", "/cheap").status, 200);
  release_.Open();
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(second.get().status, 200);
}

// One HTTP/1.1 answer read from a kept-alive connection, or "" when none came within `bound`.
std::string ReadOneAnswer(int fd, std::chrono::milliseconds bound) {
  auto complete = [](const std::string& out) {
    size_t head_end = out.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    size_t at = out.find("Content-Length: ");
    size_t length = at == std::string::npos ? 0 : std::stoul(out.substr(at + 16));
    return out.size() >= head_end + 4 + length;
  };
  std::string out = ReadUntil(fd, bound, complete);
  return complete(out) ? out : "";
}

// Each I/O thread has its own reactor, and a query evaluated on one would stall every other
// connection that thread serves. So while a query blocks, every other kept-alive connection
// still answers, wherever the server placed them (six connections on two I/O threads: the
// query's thread serves others too).
TEST_F(HttpServerTest, EveryOtherConnectionAnswersWhileAQueryBlocks) {
  HttpServerOptions o;
  o.query_threads = 1;
  o.io_threads = 2;
  StartServer(o);
  std::vector<int> fds;
  for (int i = 0; i < 6; ++i) {
    fds.push_back(Connect(port_));
    ASSERT_GE(fds.back(), 0);
    SendAll(fds.back(), Get("/cheap"));
    ASSERT_THAT(ReadOneAnswer(fds.back(), std::chrono::seconds(10)), StartsWith("HTTP/1.1 200"));
  }
  for (int blocked = 0; blocked < 6; ++blocked) {
    SendAll(fds[blocked], Get("/query?block"));
    ASSERT_TRUE(query_started_.Wait());
    for (int i = 0; i < 6; ++i) {
      if (i == blocked) continue;
      SendAll(fds[i], Get(i % 2 ? "/cheap" : "/-/ready"));
      EXPECT_THAT(ReadOneAnswer(fds[i], std::chrono::seconds(5)), StartsWith("HTTP/1.1 200"))
          << "connection " << i << " while connection " << blocked << "'s query blocks";
    }
    release_.Open();
    EXPECT_THAT(ReadOneAnswer(fds[blocked], std::chrono::seconds(10)), HasSubstr("query block"));
    query_started_.Reset();
    release_.Reset();
  }
  for (int fd : fds) ::close(fd);
}

// A query that waited for a thread while its client left is not run.
TEST_F(HttpServerTest, QueuedQueryOfAGoneClientIsDropped) {
  HttpServerOptions o;
  o.query_threads = 1;
  o.io_threads = 1;  // every query on the query pool (none on an I/O thread)
  StartServer(o);
  auto blocked = std::async(std::launch::async, [&] { return HttpDo(port_, "GET", "/query?block", "", {}, 30000); });
  ASSERT_TRUE(query_started_.Wait());
  int fd = Connect(port_);
  SendAll(fd, Get("/query?abandoned"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the server read it
  ::close(fd);
  release_.Open();
  EXPECT_EQ(blocked.get().status, 200);
  // The single query thread takes tasks in order: this answer means the abandoned one was seen.
  EXPECT_EQ(HttpDo(port_, "GET", "/query?after").status, 200);
  EXPECT_EQ(query_runs_.load(), 2);
}

// A running handler sees the client's hang-up through client_gone().
TEST_F(HttpServerTest, HandlerSeesClientDisconnect) {
  StartServer();
  int fd = Connect(port_);
  SendAll(fd, Get("/query?until-gone"));
  ASSERT_TRUE(query_started_.Wait());
  ::close(fd);
  ASSERT_TRUE(gone_checked_.Wait());
  EXPECT_TRUE(saw_gone_.load());
}

TEST_F(HttpServerTest, HandlerSeesClientReset) {
  StartServer();
  int fd = Connect(port_);
  SendAll(fd, Get("/query?until-gone"));
  ASSERT_TRUE(query_started_.Wait());
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
  ASSERT_TRUE(gone_checked_.Wait());
  EXPECT_TRUE(saw_gone_.load());
}

// As in Go: a client that pipelined a request and then shut down its sending side waits for
// both answers; it has not gone.
TEST_F(HttpServerTest, HalfCloseAfterAPipelinedRequestIsNotAHangUp) {
  StartServer();
  int fd = Connect(port_);
  SendAll(fd, Get("/query?block"));
  ASSERT_TRUE(query_started_.Wait());
  SendAll(fd, Get("/cheap", "Connection: close\r\n"));
  ::shutdown(fd, SHUT_WR);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the FIN reaches the server
  saw_gone_ = true;
  release_.Open();
  std::string answer = ReadAll(fd);
  ::close(fd);
  EXPECT_FALSE(saw_gone_.load());
  EXPECT_THAT(answer, HasSubstr("query block"));
  EXPECT_THAT(answer, HasSubstr("cheap\n"));
}

// The bug: the check peeked for EOF, so the close_notify a TLS client sends before hanging up
// hid the hang-up and the handler ran on. And a plain HTTP request on the TLS port gets Go's
// answer instead of a silent close.
TEST_F(HttpServerTest, TlsClientHangUpAfterCloseNotifyIsSeen) {
  if (!promlet::testing::FileExecutable("/usr/bin/openssl")) GTEST_SKIP() << "needs openssl";
  std::string dir = promlet::testing::MakeTempDir("httptls");
  int rc = std::system(("cd " + dir + " && /usr/bin/openssl req -x509 -newkey rsa:2048 -nodes "
                        "-days 2 -subj /CN=127.0.0.1 -keyout key.pem -out cert.pem "
                        ">/dev/null 2>&1").c_str());
  ASSERT_EQ(rc, 0);
  HttpServerOptions o;
  o.tls_cert_file = dir + "/cert.pem";
  o.tls_key_file = dir + "/key.pem";
  StartServer(o);

  EXPECT_EQ(Exchange(port_, Get("/cheap")),
            "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");

  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_NE(ctx, nullptr);
  int fd = Connect(port_);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  ASSERT_EQ(SSL_connect(ssl), 1);
  std::string req = Get("/query?until-gone");
  ASSERT_EQ(SSL_write(ssl, req.data(), static_cast<int>(req.size())), static_cast<int>(req.size()));
  ASSERT_TRUE(query_started_.Wait());
  // Read what the server sent after the handshake (TLS 1.3 session tickets), so closing sends a
  // FIN rather than a reset: the hang-up must be seen behind the unread close_notify alone.
  char sink[4096];
  while (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
  }
  SSL_shutdown(ssl);  // close_notify
  ::shutdown(fd, SHUT_WR);
  EXPECT_TRUE(gone_checked_.Wait());
  EXPECT_TRUE(saw_gone_.load());
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace promlet::net
