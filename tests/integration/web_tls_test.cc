// The real promlet binary serving HTTPS from --web.config.file's tls_server_config, with a
// self-signed certificate made by the openssl CLI and checked by curl --cacert (loopback only).
#include <stdio.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/test_util.h"

namespace promlet::testing {
namespace {

using ::testing::HasSubstr;

const char* kTlsBinary = PROMLET_BINARY;

// Runs a shell command; returns its stdout.
std::string Shell(const std::string& cmd, int* code) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) {
    *code = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int st = ::pclose(f);
  *code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

class WebTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FileExecutable("/usr/bin/openssl") || !FileExecutable("/usr/bin/curl")) {
      GTEST_SKIP() << "needs /usr/bin/openssl and /usr/bin/curl";
    }
    dir_ = MakeTempDir("webtls");
    int code = 0;
    Shell("cd " + dir_ + " && /usr/bin/openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
          "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
          "-keyout key.pem -out cert.pem 2>&1",
          &code);
    ASSERT_EQ(code, 0) << "openssl req failed";
  }
  void TearDown() override {
    proc_.reset();
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }

  // Starts promlet with `web_yaml` (relative paths resolve against dir_).
  void Start(const std::string& web_yaml) {
    WriteFile(dir_ + "/web.yml", web_yaml);
    port_ = FreePort();
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{kTlsBinary,
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--storage.tsdb.path=" + dir_ + "/data",
                                 "--web.config.file=" + dir_ + "/web.yml"},
        dir_ + "/log.txt");
  }

  // curl over HTTPS trusting only our cert; returns the HTTP code ("000" when TLS failed).
  std::string Curl(const std::string& path, const std::string& extra, std::string* body) {
    int code = 0;
    std::string out = Shell("/usr/bin/curl -sS --max-time 10 --cacert " + dir_ + "/cert.pem " +
                                extra + " -o " + dir_ + "/body -w '%{http_code}' https://127.0.0.1:" +
                                std::to_string(port_) + path + " 2>/dev/null",
                            &code);
    if (body != nullptr) *body = ReadFile(dir_ + "/body");
    return out;
  }

  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Process> proc_;
};

TEST_F(WebTlsTest, ServesHttpsOnlyWithTheConfiguredCertificate) {
  Start("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n");
  ASSERT_TRUE(WaitFor([&] { return Curl("/-/ready", "", nullptr) == "200" || !proc_->Running(); },
                      std::chrono::seconds(30)))
      << proc_->Log();
  ASSERT_TRUE(proc_->Running()) << proc_->Log();
  std::string body;
  EXPECT_EQ(Curl("/api/v1/query?query=1%2B1", "", &body), "200");
  EXPECT_THAT(body, HasSubstr("\"2\""));
  EXPECT_EQ(Curl("/api/v1/query", "--data-urlencode query=3", &body), "200");
  EXPECT_THAT(body, HasSubstr("\"3\""));
  // Plain HTTP on the TLS port gets Go's answer (it was closed without one), and is served
  // nothing else.
  auto plain = HttpGet(port_, "/-/ready");
  EXPECT_EQ(plain.status, 400);
  EXPECT_EQ(plain.body, "Client sent an HTTP request to an HTTPS server.\n");
  EXPECT_EQ(HttpDo(port_, "POST", "/api/v1/query", "query=1").body,
            "Client sent an HTTP request to an HTTPS server.\n");
  EXPECT_EQ(Curl("/-/ready", "", nullptr), "200");
  // A client that does not trust the certificate refuses it.
  int code = 0;
  Shell("/usr/bin/curl -sS --max-time 10 -o /dev/null https://127.0.0.1:" +
            std::to_string(port_) + "/-/ready 2>/dev/null",
        &code);
  EXPECT_NE(code, 0);
}

TEST_F(WebTlsTest, TlsAndBasicAuthTogether) {
  // bcrypt("secret"), cost 4.
  Start("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
        "basic_auth_users:\n  alice: $2b$04$tLyRQf0D8H1Yhn7rlrHHBuqxT5b1MfQLsQRQoOQdkdpQpYi2gybOG\n");
  ASSERT_TRUE(WaitFor([&] { return Curl("/-/ready", "", nullptr) == "401" || !proc_->Running(); },
                      std::chrono::seconds(30)))
      << proc_->Log();
  EXPECT_EQ(Curl("/-/ready", "-u alice:wrong", nullptr), "401");
  EXPECT_EQ(Curl("/-/ready", "-u alice:secret", nullptr), "200");
}

TEST_F(WebTlsTest, KeyNotMatchingCertificateRefusesToStart) {
  int code = 0;
  Shell("cd " + dir_ + " && /usr/bin/openssl genrsa -out other.pem 2048 2>&1", &code);
  ASSERT_EQ(code, 0);
  Start("tls_server_config:\n  cert_file: cert.pem\n  key_file: other.pem\n");
  auto exit = proc_->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(exit.has_value());
  EXPECT_NE(*exit, 0);
  EXPECT_THAT(proc_->Log(), HasSubstr("TLS key " + dir_ + "/other.pem"));
}

}  // namespace
}  // namespace promlet::testing
