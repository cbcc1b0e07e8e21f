// Bounded, deterministic fuzzing of HTTP request heads (outside input), two ways:
//  - the request parser alone (net/http/parser.h), fed mutants in random slices: it never
//    throws or crashes (ASan/UBSan watch memory) and a parsed message is readable;
//  - a real HttpServer on 127.0.0.1, sent mutants on fresh connections: every answer is a
//    well-formed HTTP status line and head (or a plain close), and the server keeps answering a
//    valid request throughout.
// Iteration counts bound the run (a few seconds under ASan); a failure prints seed and iteration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>

#include "net/http/parser.h"
#include "net/http/server.h"
#include "tests/fuzz/byte_mutator.h"
#include "tests/integration/test_util.h"

namespace promlet::fuzz {
namespace {

const std::vector<std::string> kCorpus = {
    "GET /-/ready HTTP/1.1\r\nHost: 127.0.0.1:9090\r\n\r\n",
    "GET /api/v1/query?query=up%7Bjob%3D%22a%22%7D&time=1700000000 HTTP/1.1\r\nHost: x\r\n"
    "Accept-Encoding: gzip\r\nUser-Agent: Grafana/10.0\r\n\r\n",
    "POST /api/v1/query_range HTTP/1.1\r\nHost: x\r\nContent-Type: "
    "application/x-www-form-urlencoded\r\nContent-Length: 44\r\n\r\n"
    "query=rate(x%5B5m%5D)&start=0&end=100&step=15",
    "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\nhello\r\n0\r\n\r\n",
    "HEAD /-/healthy HTTP/1.0\r\n\r\n",
    "OPTIONS /api/v1/labels HTTP/1.1\r\nHost: x\r\nOrigin: http://grafana.local\r\n"
    "Access-Control-Request-Method: POST\r\n\r\n",
    "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n"
    "Connection: keep-alive\r\n\r\nGET /-/ready HTTP/1.1\r\nHost: x\r\n\r\n",
    "DELETE /api/v1/series?match[]=up HTTP/1.1\r\nHost: x\r\nCookie: a=b; c=d\r\n"
    "X-Forwarded-For: 10.0.0.1\r\n\r\n",
};

const std::vector<std::string> kDictionary = {
    "\r\n",          "\r\n\r\n",          ": ",           " HTTP/1.1",          " HTTP/1.0",
    "GET ",          "POST ",             "HEAD ",        "Content-Length: ",   "Content-Length: 0",
    "Content-Length: 18446744073709551616", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip",
    "Connection: close", "Connection: keep-alive, upgrade", "Expect: 100-continue",
    "Host: ",        "%00",               "%zz",          "?",                  "&",
    "ffffffffffffffff\r\n", "0\r\n\r\n",  "\t",           "\x80\xff",           "Upgrade: h2c",
};

// Valid request on a fresh connection: the server still serves.
bool ServerAnswers(int port) {
  return promlet::testing::HttpDo(port, "GET", "/-/ready", "", {}, 20000).status == 200;
}

TEST(FuzzHttp, ParserSurvivesMutatedHeads) {
  constexpr uint64_t kSeed = 0x9e3779b97f4a7c15;
  constexpr int kIterations = 10000;
  ByteMutator m(kSeed, kDictionary);
  int parsed = 0;
  for (int i = 0; i < kIterations; ++i) {
    const std::string& base = kCorpus[m.Below(kCorpus.size())];
    const std::string& other = kCorpus[m.Below(kCorpus.size())];
    // Mostly small mutants; one in ten may grow to the 1 MiB head limit.
    std::string input = m.Mutate(base, m.OneIn(10) ? (1 << 20) : (16 << 10), other);
    net::RequestParser parser;
    parser.header_limit(1 << 20);
    parser.body_limit(10 << 20);
    parser.eager(true);
    boost::beast::error_code ec;
    // Random slices, as a socket delivers them; put() must be resumable at any byte.
    std::string pending;
    size_t off = 0;
    while (off < input.size() && !ec && !parser.is_done()) {
      size_t n = 1 + m.Below(std::min<size_t>(input.size() - off, 4096));
      pending.append(input, off, n);
      off += n;
      size_t used = parser.put(boost::asio::buffer(pending), ec);
      if (ec == boost::beast::http::error::need_more) ec = {};
      pending.erase(0, used);
    }
    if (!ec && !parser.is_done() && parser.got_some()) parser.put_eof(ec);
    if (!ec && parser.is_done()) {
      ++parsed;
      auto& msg = parser.get();
      size_t bytes = msg.method_string().size() + msg.target().size() + msg.body().size();
      for (const auto& f : msg) bytes += f.name_string().size() + f.value().size();
      ASSERT_GT(bytes, 0u) << "seed " << kSeed << " iteration " << i;
    }
  }
  // The mutants are not all garbage: a fair share still parses.
  EXPECT_GT(parsed, kIterations / 20);
}

// The status line and head of the first answer; "" when the server closed without one.
bool WellFormedAnswer(const std::string& answer) {
  if (answer.empty()) return true;
  // "HTTP/1.x NNN reason\r\n", then header lines up to an empty line.
  size_t eol = answer.find("\r\n");
  if (eol == std::string::npos || eol < 12) return false;
  if (answer.compare(0, 7, "HTTP/1.") != 0 || (answer[7] != '0' && answer[7] != '1')) return false;
  if (answer[8] != ' ' || answer[9] < '1' || answer[9] > '5') return false;
  if (!std::isdigit(static_cast<unsigned char>(answer[10])) ||
      !std::isdigit(static_cast<unsigned char>(answer[11]))) {
    return false;
  }
  if (answer.size() > 12 && eol > 12 && answer[12] != ' ') return false;
  return answer.find("\r\n\r\n") != std::string::npos;
}

TEST(FuzzHttp, ServerAnswersMutatedHeadsWellFormed) {
  constexpr uint64_t kSeed = 20261202;
  constexpr int kIterations = 3000;
  net::HttpServerOptions o;
  o.listen_address = "127.0.0.1:0";
  o.max_body_bytes = 64 << 10;
  o.read_timeout = std::chrono::seconds(5);
  net::HttpServer server(o, nullptr);
  net::RouteOptions probe;
  probe.methods = {"GET", "HEAD"};
  probe.pool = net::HandlerPool::kInline;
  server.Handle("/-/ready", "/-/ready",
                [](const net::HttpRequest&, net::HttpResponse& res) { res.body = "Ready.\n"; },
                probe);
  server.Handle("/echo", "/echo", [](const net::HttpRequest& req, net::HttpResponse& res) {
    res.body = req.method + " " + req.path + " " + std::to_string(req.body.size());
  });
  net::RouteOptions query;
  query.methods = {"GET", "POST"};
  query.pool = net::HandlerPool::kQuery;
  query.cors = true;
  for (const char* path : {"/api/v1/query", "/api/v1/query_range", "/api/v1/labels", "/metrics"}) {
    server.Handle(path, path, [](const net::HttpRequest& req, net::HttpResponse& res) {
      res.content_type = "application/json";
      res.body = "{\"status\":\"success\",\"data\":\"" + std::to_string(req.query.size()) + "\"}";
    }, query);
  }
  ASSERT_TRUE(server.Start().ok());
  const int port = server.port();

  ByteMutator m(kSeed, kDictionary);
  for (int i = 0; i < kIterations; ++i) {
    const std::string& base = kCorpus[m.Below(kCorpus.size())];
    const std::string& other = kCorpus[m.Below(kCorpus.size())];
    // Mostly small mutants; now and then one past the 1 MiB head limit.
    std::string input = m.Mutate(base, m.OneIn(50) ? (2 << 20) : (16 << 10), other);
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    size_t off = 0;
    while (off < input.size()) {
      ssize_t n = ::send(fd, input.data() + off, input.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;  // the server answered early (431, 400) and stopped reading
      off += static_cast<size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string answer;
    char buf[16384];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      answer.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    ASSERT_TRUE(WellFormedAnswer(answer))
        << "seed " << kSeed << " iteration " << i << "\ninput: "
        << ::testing::PrintToString(input.substr(0, 300)) << "\nanswer: "
        << ::testing::PrintToString(answer.substr(0, 300));
    if (i % 100 == 99) {
      ASSERT_TRUE(ServerAnswers(port)) << "after iteration " << i;
    }
  }
  EXPECT_TRUE(ServerAnswers(port));
  server.Stop(std::chrono::seconds(2));
}

}  // namespace
}  // namespace promlet::fuzz
