// A loopback HTTP/1.1 server for scrape tests: 127.0.0.1 on a free port, keep-alive, replies
// chosen per request by a handler (status, content type, body, delay, gzip), and Stop() makes it
// disappear (listener and live connections closed). Runs its own io_context on one thread.
#ifndef PROMLET_TESTS_SCRAPE_LOOP_TEST_SERVER_H_
#define PROMLET_TESTS_SCRAPE_LOOP_TEST_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace promlet::scrape::testing {

// Polls pred every 5 ms until it holds or the limit passes; returns its last value.
template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

struct Reply {
  int status = 200;
  std::string content_type = "text/plain; version=0.0.4; charset=utf-8";
  std::string body;
  std::chrono::milliseconds delay{0};
  bool gzip = false;
  std::vector<std::pair<std::string, std::string>> headers = {};  // extra ones, e.g. Location
};

struct SeenRequest {
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
};

class TestServer {
 public:
  using Handler = std::function<Reply(const SeenRequest&)>;
  explicit TestServer(Handler handler);
  ~TestServer();
  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void SetHandler(Handler h);
  // Closes the listener and every connection; later scrapes get "connection refused".
  void Stop();
  std::vector<SeenRequest> requests() const;
  int connections_accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

std::string Gzip(const std::string& data);

// A blocking GET on 127.0.0.1 for tests (no gzip); empty on error.
struct FetchResult {
  int status = 0;
  std::string content_type;
  std::string body;
};
FetchResult HttpGet(uint16_t port, const std::string& target,
                    const std::map<std::string, std::string>& headers = {});

}  // namespace promlet::scrape::testing

#endif  // PROMLET_TESTS_SCRAPE_LOOP_TEST_SERVER_H_
