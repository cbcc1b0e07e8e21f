// The real promlet binary with --web.config.file: basic auth on every endpoint, and refusal to
// start (exit 1, naming file and field) on a bad web config or one asking for unsupported TLS.
#include <crypt.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/test_util.h"

namespace promlet::testing {
namespace {

using ::testing::HasSubstr;

const char* kBinary = PROMLET_BINARY;

// bcrypt of `password` with a fixed cost-4 salt, computed by crypt(3) as users' htpasswd would.
std::string Bcrypt(const std::string& password) {
  struct crypt_data data {};
  const char* out = crypt_r(password.c_str(), "$2b$04$abcdefghijklmnopqrstuu", &data);
  return out != nullptr && out[0] == '$' ? out : "";
}

struct Run {
  std::string dir;
  int port = 0;
  std::unique_ptr<Process> proc;
};

// Starts promlet with `web_yaml` written to <dir>/web/web.yml.
std::unique_ptr<Run> Start(const std::string& web_yaml) {
  auto r = std::make_unique<Run>();
  r->dir = MakeTempDir("webcfg");
  r->port = FreePort();
  ::mkdir((r->dir + "/web").c_str(), 0755);
  WriteFile(r->dir + "/web/web.yml", web_yaml);
  r->proc = std::make_unique<Process>(
      std::vector<std::string>{kBinary,
                               "--web.listen-address=127.0.0.1:" + std::to_string(r->port),
                               "--storage.tsdb.path=" + r->dir + "/data",
                               "--web.config.file=" + r->dir + "/web/web.yml"},
      r->dir + "/log.txt");
  return r;
}

void Cleanup(const Run& r) { std::system(("rm -rf " + r.dir).c_str()); }

TEST(WebConfigBinaryTest, BasicAuthIsEnforcedOnEveryEndpoint) {
  std::string hash = Bcrypt("secret");
  ASSERT_EQ(hash.size(), 60u) << "crypt(3) has no bcrypt support";
  auto r = Start("basic_auth_users:\n  alice: " + hash + "\n");
  ASSERT_TRUE(WaitFor([&] { return HttpGet(r->port, "/-/ready").status != 0 || !r->proc->Running(); },
                      std::chrono::seconds(30)))
      << r->proc->Log();
  ASSERT_TRUE(r->proc->Running()) << r->proc->Log();

  const std::vector<std::pair<std::string, std::string>> good = {
      {"Authorization", "Basic YWxpY2U6c2VjcmV0"}};  // alice:secret
  const std::vector<std::pair<std::string, std::string>> wrong = {
      {"Authorization", "Basic YWxpY2U6d3Jvbmc="}};  // alice:wrong
  for (const char* path : {"/-/ready", "/-/healthy", "/metrics", "/api/v1/query?query=1",
                           "/api/v1/status/buildinfo", "/no/such/path"}) {
    auto none = HttpGet(r->port, path);
    EXPECT_EQ(none.status, 401) << path;
    EXPECT_EQ(none.headers["www-authenticate"], "Basic") << path;
    EXPECT_EQ(HttpDo(r->port, "GET", path, "", wrong).status, 401) << path;
  }
  auto ok = HttpDo(r->port, "GET", "/api/v1/query?query=1%2B1", "", good);
  EXPECT_EQ(ok.status, 200);
  EXPECT_THAT(ok.body, HasSubstr("\"2\""));
  EXPECT_EQ(HttpDo(r->port, "GET", "/-/ready", "", good).status, 200);
  auto form = good;
  form.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  EXPECT_EQ(HttpDo(r->port, "POST", "/api/v1/query", "query=3", form).status, 200);
  EXPECT_EQ(HttpDo(r->port, "GET", "/no/such/path", "", good).status, 404);
  Cleanup(*r);
}

// The bug: crypt(3) read the password as a C string, so "secret\0anything" passed as "secret".
// Unknown users, right and wrong passwords: each answer is the same 401 or a 200.
TEST(WebConfigBinaryTest, PasswordWithNulByteIsRefused) {
  std::string hash = Bcrypt("secret");
  ASSERT_EQ(hash.size(), 60u) << "crypt(3) has no bcrypt support";
  auto r = Start("basic_auth_users:\n  alice: " + hash + "\n");
  ASSERT_TRUE(WaitFor([&] { return HttpGet(r->port, "/-/ready").status != 0 || !r->proc->Running(); },
                      std::chrono::seconds(30)))
      << r->proc->Log();
  auto with = [](const std::string& b64) {
    return std::vector<std::pair<std::string, std::string>>{{"Authorization", "Basic " + b64}};
  };
  EXPECT_EQ(HttpDo(r->port, "GET", "/-/ready", "", with("YWxpY2U6c2VjcmV0AGFueXRoaW5n")).status,
            401);  // alice:secret\0anything
  EXPECT_EQ(HttpDo(r->port, "GET", "/-/ready", "", with("YWxpY2U6c2VjcmV0AA==")).status,
            401);  // alice:secret\0
  EXPECT_EQ(HttpDo(r->port, "GET", "/-/ready", "", with("Ym9iOnNlY3JldA==")).status,
            401);  // bob:secret (unknown user)
  for (int i = 0; i < 3; ++i) {  // the second and third are answered from the cache
    EXPECT_EQ(HttpDo(r->port, "GET", "/-/ready", "", with("YWxpY2U6c2VjcmV0")).status, 200);
  }
  Cleanup(*r);
}

// Each bad web config stops promlet with exit code 1 and a message naming the problem.
TEST(WebConfigBinaryTest, BadWebConfigRefusesToStart) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"basic_auth_users:\n  alice: plaintext\n", "basic_auth_users.alice: not a bcrypt hash"},
      {"basic_auth_userz:\n  alice: x\n", "basic_auth_userz: unknown field"},
      {"tls_server_config:\n  cert_file: c.pem\n", "tls_server_config.cert_file: cannot read"},
      {"tls_server_config: {cert_file: web.yml, key_file: web.yml, client_auth_type: "
       "RequireAnyClientCert}\n",
       "tls_server_config.client_auth_type: RequireAnyClientCert is not supported yet"},
      {"{{{\n", "invalid YAML"},
  };
  for (const auto& [yaml, want] : cases) {
    auto r = Start(yaml);
    auto code = r->proc->Wait(std::chrono::seconds(30));
    ASSERT_TRUE(code.has_value()) << yaml;
    EXPECT_EQ(*code, 1) << yaml;
    std::string log = r->proc->Log();
    EXPECT_THAT(log, HasSubstr(want)) << yaml;
    EXPECT_THAT(log, HasSubstr(r->dir + "/web/web.yml")) << yaml;
    Cleanup(*r);
  }
}

TEST(WebConfigBinaryTest, MissingWebConfigFileRefusesToStart) {
  std::string dir = MakeTempDir("webcfg");
  Process p({kBinary, "--web.listen-address=127.0.0.1:" + std::to_string(FreePort()),
             "--storage.tsdb.path=" + dir + "/data", "--web.config.file=" + dir + "/nope.yml"},
            dir + "/log.txt");
  auto code = p.Wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_THAT(p.Log(), HasSubstr(dir + "/nope.yml: cannot read file"));
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace promlet::testing
