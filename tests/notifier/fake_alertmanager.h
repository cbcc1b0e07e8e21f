// FakeAlertmanager: an HttpServer on 127.0.0.1 answering POST <prefix>/api/v2/alerts like an
// Alertmanager, recording each request's alerts (parsed JSON) and headers. A gate can hold
// requests until the test opens it (to fill the notifier's queue, or to outlast its timeout).
#ifndef PROMLET_TESTS_NOTIFIER_FAKE_ALERTMANAGER_H_
#define PROMLET_TESTS_NOTIFIER_FAKE_ALERTMANAGER_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "net/http/server.h"

namespace promlet::notifier {

class FakeAlertmanager {
 public:
  struct Request {
    std::string path;
    std::string content_type;
    std::string authorization;
    nlohmann::json alerts;
  };

  explicit FakeAlertmanager(std::string path_prefix = "") : prefix_(std::move(path_prefix)) {
    net::HttpServerOptions o;
    o.listen_address = "127.0.0.1:0";
    o.io_threads = 1;
    o.worker_threads = 2;
    o.query_threads = 1;
    server_ = std::make_unique<net::HttpServer>(o, nullptr);
    const std::string path = prefix_ + "/api/v2/alerts";
    net::RouteOptions post;
    post.methods = {"POST"};
    server_->Handle(
        path, path,
        [this](const net::HttpRequest& req, net::HttpResponse& res) {
          int status = 200;
          {
            std::unique_lock<std::mutex> lock(mu_);
            ++arrived_;
            cv_.notify_all();
            // Held requests wait for the gate (or give up after a minute, never forever).
            cv_.wait_for(lock, std::chrono::seconds(60), [this] { return open_; });
            Request r;
            r.path = req.path;
            r.content_type = std::string(req.Header("content-type"));
            r.authorization = std::string(req.Header("authorization"));
            r.alerts = nlohmann::json::parse(req.body, nullptr, false);
            requests_.push_back(std::move(r));
            status = status_;
            cv_.notify_all();
          }
          res.status = status;
          res.body = status / 100 == 2 ? "" : "boom\n";
        },
        post);
    started_ = server_->Start().ok();
  }
  ~FakeAlertmanager() {
    Open();
    server_->Stop();
  }

  bool started() const { return started_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", server_->port()); }
  std::string url() const { return absl::StrCat("http://", address(), prefix_, "/api/v2/alerts"); }

  void Close() {  // holds every request from now on
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void SetStatus(int status) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
  }

  // Waits (up to 20 s) until `n` requests have arrived (held ones included) / were answered.
  bool WaitArrived(size_t n) {
    return WaitFor([&] { return arrived_ >= n; });
  }
  bool WaitAnswered(size_t n) {
    return WaitFor([&] { return requests_.size() >= n; });
  }

  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // Every alert received, in order.
  std::vector<nlohmann::json> alerts() const {
    std::vector<nlohmann::json> out;
    for (const Request& r : requests()) {
      if (r.alerts.is_array()) {
        for (const auto& a : r.alerts) out.push_back(a);
      }
    }
    return out;
  }

 private:
  bool WaitFor(const std::function<bool()>& cond) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), cond);
  }

  std::string prefix_;
  std::unique_ptr<net::HttpServer> server_;
  bool started_ = false;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int status_ = 200;
  size_t arrived_ = 0;
  std::vector<Request> requests_;
};

}  // namespace promlet::notifier

#endif  // PROMLET_TESTS_NOTIFIER_FAKE_ALERTMANAGER_H_
