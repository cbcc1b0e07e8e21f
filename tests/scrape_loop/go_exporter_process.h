// The Go-client exporter of tests/scrape_loop/go_exporter as a child process for tests: built
// offline with Debian's golang-go and client_golang in GOPATH mode (no network: GOPROXY=off),
// started on a free 127.0.0.1 port, killed on destruction. Tests skip, naming the packages, when
// the toolchain is missing (GoExporterProcess::MissingToolchain).
#ifndef PROMLET_TESTS_SCRAPE_LOOP_GO_EXPORTER_PROCESS_H_
#define PROMLET_TESTS_SCRAPE_LOOP_GO_EXPORTER_PROCESS_H_

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tests/scrape_loop/test_server.h"

extern char** environ;

namespace promlet::scrape::testing {

inline uint16_t FreeLoopbackPort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

class GoExporterProcess {
 public:
  static constexpr char kClientGolang[] =
      "/usr/share/gocode/src/github.com/prometheus/client_golang";

  // Why the exporter cannot be built here, or "" when it can.
  static std::string MissingToolchain() {
    if (!GoBinary().empty() && std::filesystem::exists(kClientGolang)) return "";
    return "go or client_golang missing: apt-get install golang-go "
           "golang-github-prometheus-client-golang-dev";
  }

  GoExporterProcess() = default;
  GoExporterProcess(const GoExporterProcess&) = delete;
  GoExporterProcess& operator=(const GoExporterProcess&) = delete;
  ~GoExporterProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st;
      waitpid(pid_, &st, 0);
    }
  }

  // Builds the exporter into `dir` (which must exist; the Go build cache goes there too) and
  // starts it; OK once it answers /metrics.
  absl::Status Start(const std::string& dir) {
    std::filesystem::create_directories(dir + "/gocache");
    const std::string src = std::string(PROMLET_SOURCE_DIR) + "/tests/scrape_loop/go_exporter";
    const std::string cmd = absl::StrCat(
        "cd ", src,
        " && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off GOCACHE=", dir,
        "/gocache ", GoBinary(), " build -o ", dir, "/exporter . > ", dir, "/build.log 2>&1");
    if (std::system(cmd.c_str()) != 0) {
      return absl::InternalError(absl::StrCat("go build failed, see ", dir, "/build.log"));
    }
    port_ = FreeLoopbackPort();
    std::string bin = dir + "/exporter";
    std::string port = std::to_string(port_);
    char* argv[] = {bin.data(), port.data(), nullptr};
    if (posix_spawn(&pid_, bin.c_str(), nullptr, nullptr, argv, environ) != 0) {
      pid_ = -1;
      return absl::InternalError("cannot start " + bin);
    }
    for (int i = 0; i < 400; ++i) {
      if (HttpGet(port_, "/metrics").status == 200) return absl::OkStatus();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return absl::DeadlineExceededError("the exporter did not answer");
  }

  uint16_t port() const { return port_; }

 private:
  static std::string GoBinary() {
    for (const char* p : {"/usr/bin/go", "/usr/lib/go/bin/go"}) {
      if (std::filesystem::exists(p)) return p;
    }
    return "";
  }

  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace promlet::scrape::testing

#endif  // PROMLET_TESTS_SCRAPE_LOOP_GO_EXPORTER_PROCESS_H_
