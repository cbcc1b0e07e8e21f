// Helpers for tests that drive real programs: a free loopback port, a child process with its
// output captured to a file, and a minimal blocking HTTP/1.1 client (loopback only).
#ifndef PROMLET_TESTS_INTEGRATION_TEST_UTIL_H_
#define PROMLET_TESTS_INTEGRATION_TEST_UTIL_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace promlet::testing {

inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

inline std::string MakeTempDir(const std::string& tag) {
  std::string tmpl = "/tmp/promlet-" + tag + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  return ::mkdtemp(buf.data());
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path);
  out << data;
}

inline bool FileExecutable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// A child process; stdout+stderr go to `log_path`. Killed (SIGKILL) on destruction if running.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& log_path,
          const std::string& cwd = "")
      : log_path_(log_path) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) _exit(126);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
  }
  void Signal(int sig) { ::kill(pid_, sig); }
  // Exit status (WEXITSTATUS, or 128+signal), or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int st = 0;
      pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }
  bool Running() {
    if (exited_) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      exited_ = true;
      return false;
    }
    return true;
  }
  std::string Log() const { return ReadFile(log_path_); }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string log_path_;
};

struct HttpResult {
  int status = 0;  // 0: connection failed
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

inline std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One request on a fresh connection to 127.0.0.1:port ("Connection: close").
inline HttpResult HttpDo(int port, const std::string& method, const std::string& target,
                         const std::string& body = "",
                         const std::vector<std::pair<std::string, std::string>>& headers = {},
                         int timeout_ms = 10000) {
  HttpResult r;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return r;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  size_t off = 0;
  while (off < req.size()) {
    ssize_t n = ::send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  std::string resp;
  char buf[65536];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  size_t hdr_end = resp.find("\r\n\r\n");
  if (hdr_end == std::string::npos) return r;
  std::istringstream hs(resp.substr(0, hdr_end));
  std::string line;
  std::getline(hs, line);
  if (line.size() > 12) r.status = std::atoi(line.c_str() + 9);
  while (std::getline(hs, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t c = line.find(':');
    if (c == std::string::npos) continue;
    std::string v = line.substr(c + 1);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    r.headers[Lower(line.substr(0, c))] = v;
  }
  std::string raw = resp.substr(hdr_end + 4);
  if (Lower(r.headers["transfer-encoding"]) == "chunked") {
    size_t pos = 0;
    while (pos < raw.size()) {
      size_t eol = raw.find("\r\n", pos);
      if (eol == std::string::npos) break;
      size_t len = std::strtoul(raw.substr(pos, eol - pos).c_str(), nullptr, 16);
      if (len == 0) break;
      r.body.append(raw, eol + 2, len);
      pos = eol + 2 + len + 2;
    }
  } else {
    r.body = raw;
  }
  return r;
}

inline HttpResult HttpGet(int port, const std::string& target) {
  return HttpDo(port, "GET", target);
}
inline HttpResult HttpPostForm(int port, const std::string& target, const std::string& form) {
  return HttpDo(port, "POST", target, form,
                {{"Content-Type", "application/x-www-form-urlencoded"}});
}

// Polls `pred` until true or the timeout passes.
inline bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

}  // namespace promlet::testing

#endif  // PROMLET_TESTS_INTEGRATION_TEST_UTIL_H_
