// The real promlet binary's command line and configuration strictness (issue 22 items 12, 14,
// 15, 16, 17): unknown commands and stray arguments, refused flags, the route prefix, both
// versions, secrets hidden in status/config, unsupported config settings.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>

#include "tests/integration/test_util.h"

namespace promlet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char* kBinary = PROMLET_BINARY;

struct CliRun {
  int code = -1;  // -1: still running after the limit (then killed)
  std::string output;
  bool wrote_data_dir = false;  // ./data appeared in the working directory
};

// Runs promlet with `args` in a fresh working directory; a command that would start a server
// instead of failing shows up as code -1.
CliRun RunCli(const std::vector<std::string>& args) {
  std::string dir = MakeTempDir("cli");
  std::vector<std::string> argv = {kBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  CliRun r;
  {
    Process p(argv, dir + "/out.txt", dir);
    r.code = p.Wait(std::chrono::seconds(20)).value_or(-1);
  }
  r.output = ReadFile(dir + "/out.txt");
  struct stat st;
  r.wrote_data_dir = ::stat((dir + "/data").c_str(), &st) == 0;
  std::system(("rm -rf " + dir).c_str());
  return r;
}

// A running promlet on a free loopback port with a private data dir.
class Server {
 public:
  Server(std::vector<std::string> extra, const std::string& ready_path = "/-/ready",
         const std::string& config_yaml = "") {
    dir_ = MakeTempDir("clisrv");
    port_ = FreePort();
    std::vector<std::string> argv = {kBinary,
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                     "--storage.tsdb.path=" + dir_ + "/data"};
    if (!config_yaml.empty()) {
      WriteFile(dir_ + "/prometheus.yml", config_yaml);
      argv.push_back("--config.file=" + dir_ + "/prometheus.yml");
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    proc_ = std::make_unique<Process>(argv, dir_ + "/log.txt");
    ready_ = WaitFor([&] { return HttpGet(port_, ready_path).status == 200 || !proc_->Running(); },
                     std::chrono::seconds(30)) &&
             proc_->Running();
  }
  ~Server() {
    proc_.reset();
    std::system(("rm -rf " + dir_).c_str());
  }
  bool ready() const { return ready_; }
  int port() const { return port_; }
  Process& proc() { return *proc_; }

 private:
  std::string dir_;
  int port_ = 0;
  bool ready_ = false;
  std::unique_ptr<Process> proc_;
};

TEST(CliTest, UnknownCommandsAndStrayArgumentsExitTwoWithUsage) {
  const std::vector<std::vector<std::string>> cases = {
      {"test", "alerts"}, {"test"}, {"rules"}, {"serve", "now"},
      {"check", "alerts", "x.yml"}, {"--log.level=warn", "stray"}, {"check", "config"},
  };
  for (const auto& args : cases) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    CliRun r = RunCli(args);
    EXPECT_EQ(r.code, 2) << joined << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr("promlet: error: ")) << joined;
    EXPECT_THAT(r.output, HasSubstr("usage: promlet")) << joined;
    EXPECT_FALSE(r.wrote_data_dir) << joined;
  }
  // Rule checks and unit tests exist; a missing file fails them as promtool does (exit 1).
  CliRun check = RunCli({"check", "rules", "x.yml"});
  EXPECT_EQ(check.code, 1);
  EXPECT_THAT(check.output, HasSubstr("path 'x.yml' does not exist"));
  CliRun rules = RunCli({"test", "rules", "x.yml"});
  EXPECT_EQ(rules.code, 1);
  EXPECT_THAT(rules.output, HasSubstr("Unit Testing:  x.yml"));
  EXPECT_THAT(rules.output, HasSubstr("FAILED:"));
  EXPECT_THAT(RunCli({"--log.level=warn", "stray"}).output, HasSubstr("'stray'"));
}

TEST(CliTest, VersionExplainsPromletAndPrometheusApiVersions) {
  CliRun r = RunCli({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.output, HasSubstr("promlet, version 0."));
  EXPECT_THAT(r.output, HasSubstr("Prometheus API compatibility: 3.0.0"));
  EXPECT_THAT(r.output, HasSubstr("promletVersion"));
}

// The revision is the commit the binary was built from, looked up at build time (a value fixed
// when CMake configured the tree went stale with every later commit).
TEST(CliTest, VersionNamesTheCommitItWasBuiltFrom) {
  std::string head;
  if (FILE* git = popen("git -C " PROMLET_SOURCE_DIR " rev-parse --short=12 HEAD 2>/dev/null", "r")) {
    char buf[64];
    while (fgets(buf, sizeof(buf), git) != nullptr) head += buf;
    pclose(git);
  }
  while (!head.empty() && (head.back() == '\n' || head.back() == '\r')) head.pop_back();
  if (head.size() != 12) GTEST_SKIP() << "the source tree is not a git checkout";
  EXPECT_THAT(RunCli({"--version"}).output, HasSubstr("revision: " + head + ")"));
}

TEST(CliTest, BadRemoteStorageFlagsAreRefused) {
  CliRun r = RunCli({"--storage.remote.max-retention=soon"});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--storage.remote.max-retention"));
  EXPECT_FALSE(r.wrote_data_dir);
  CliRun neg = RunCli({"--storage.remote.read-concurrent-limit=-1"});
  EXPECT_EQ(neg.code, 2) << neg.output;
  EXPECT_THAT(neg.output, HasSubstr("--storage.remote."));
}

TEST(CliTest, BadExternalUrlIsRefused) {
  for (const char* url : {"\"http://h/\"", "ftp://h/x", "h:9090"}) {
    CliRun r = RunCli({std::string("--web.external-url=") + url});
    EXPECT_EQ(r.code, 2) << url << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr("parse external URL")) << url;
  }
}

TEST(CliTest, RoutePrefixServesEveryEndpointUnderIt) {
  Server s({"--web.route-prefix=/prom/", "--web.page-title=My Title"}, "/prom/-/ready");
  ASSERT_TRUE(s.ready()) << s.proc().Log();
  EXPECT_EQ(HttpGet(s.port(), "/prom/-/healthy").status, 200);
  EXPECT_EQ(HttpGet(s.port(), "/prom/metrics").status, 200);
  auto q = HttpGet(s.port(), "/prom/api/v1/query?query=1%2B1");
  EXPECT_EQ(q.status, 200);
  EXPECT_THAT(q.body, HasSubstr("\"2\""));
  EXPECT_EQ(HttpGet(s.port(), "/prom/api/v1/label/job/values").status, 200);
  // Outside the prefix: nothing, except the root that leads to it.
  EXPECT_EQ(HttpGet(s.port(), "/-/ready").status, 404);
  EXPECT_EQ(HttpGet(s.port(), "/api/v1/query?query=1").status, 404);
  EXPECT_EQ(HttpGet(s.port(), "/promx/-/ready").status, 404);
  auto root = HttpGet(s.port(), "/");
  EXPECT_EQ(root.status, 302);
  EXPECT_EQ(root.headers["location"], "/prom");
  // The embedded config scrapes promlet's own /metrics under the prefix.
  auto targets = HttpGet(s.port(), "/prom/api/v1/targets");
  EXPECT_THAT(targets.body, HasSubstr("/prom/metrics\""));
  auto flags = HttpGet(s.port(), "/prom/api/v1/status/flags");
  EXPECT_THAT(flags.body, HasSubstr(R"("web.route-prefix":"/prom/")"));
  EXPECT_THAT(flags.body, HasSubstr(R"("web.page-title":"My Title")"));
}

TEST(CliTest, ExternalUrlPathIsTheDefaultRoutePrefix) {
  Server s({"--web.external-url=http://promlet.example:9999/ext/"}, "/ext/-/ready");
  ASSERT_TRUE(s.ready()) << s.proc().Log();
  EXPECT_EQ(HttpGet(s.port(), "/ext/api/v1/status/buildinfo").status, 200);
  EXPECT_EQ(HttpGet(s.port(), "/-/ready").status, 404);
}

TEST(CliTest, BuildInfoReportsBothVersions) {
  Server s({});
  ASSERT_TRUE(s.ready()) << s.proc().Log();
  auto r = HttpGet(s.port(), "/api/v1/status/buildinfo");
  EXPECT_THAT(r.body, HasSubstr(R"("version":"3.0.0")"));
  EXPECT_THAT(r.body, HasSubstr(R"("promletVersion":"0.)"));
  EXPECT_THAT(r.body, HasSubstr(R"("revision":"promlet-0.)"));
}

constexpr char kSecretConfig[] = R"(global:
  scrape_interval: 1m
scrape_configs:
  - job_name: basic
    basic_auth: {username: alice, password: hunter2-secret}
    static_configs: [{targets: ['127.0.0.1:1']}]
  - job_name: bearer
    bearer_token: bearer-secret-123
    static_configs: [{targets: ['127.0.0.1:1']}]
  - job_name: files
    authorization: {credentials_file: /run/secrets/token}
    static_configs: [{targets: ['127.0.0.1:1']}]
)";

TEST(CliTest, StatusConfigShowsSecretsAsSecret) {
  Server s({}, "/-/ready", kSecretConfig);
  ASSERT_TRUE(s.ready()) << s.proc().Log();
  auto r = HttpGet(s.port(), "/api/v1/status/config");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, Not(HasSubstr("hunter2-secret")));
  EXPECT_THAT(r.body, Not(HasSubstr("bearer-secret-123")));
  // JSON writes < and > as \u003c and \u003e, as Go's encoding/json does.
  EXPECT_THAT(r.body, HasSubstr(R"(password: \u003csecret\u003e)"));
  EXPECT_THAT(r.body, HasSubstr(R"(bearer_token: \u003csecret\u003e)"));
  EXPECT_THAT(r.body, HasSubstr("credentials_file: /run/secrets/token"));
  EXPECT_THAT(r.body, HasSubstr("username: alice"));
  EXPECT_THAT(s.proc().Log(), Not(HasSubstr("hunter2-secret")));
}

constexpr char kUnsupportedConfig[] = R"(global:
  scrape_interval: 1m
tracing: {endpoint: 'localhost:4317'}
remote_read:
  - url: http://127.0.0.1:1/api/v1/read
scrape_configs:
  - job_name: a
    dns_sd_configs: [{names: [example.org]}]
    static_configs: [{targets: ['127.0.0.1:1']}]
)";

TEST(CliTest, UnsupportedConfigSettingsRefuseToStartUnlessIgnored) {
  std::string dir = MakeTempDir("unsup");
  WriteFile(dir + "/prometheus.yml", kUnsupportedConfig);
  const std::string cfg = dir + "/prometheus.yml";
  CliRun refused = RunCli({"--web.listen-address=127.0.0.1:" + std::to_string(FreePort()),
                           "--config.file=" + cfg, "--storage.tsdb.path=" + dir + "/data"});
  EXPECT_NE(refused.code, 0) << refused.output;
  EXPECT_NE(refused.code, -1) << refused.output;
  for (const std::string& want : {cfg + ":3: tracing: section not supported",
                                 cfg + ":4: remote_read: section not supported",
                                 cfg + ":8: scrape_configs[0].dns_sd_configs: not supported"}) {
    EXPECT_THAT(refused.output, HasSubstr(want));
  }
  EXPECT_THAT(refused.output, HasSubstr("--config.ignore-unsupported"));

  CliRun check = RunCli({"check", "config", cfg});
  EXPECT_EQ(check.code, 1) << check.output;
  EXPECT_THAT(check.output, HasSubstr("FAILED"));
  EXPECT_THAT(check.output, HasSubstr("tracing"));
  CliRun check_ignored = RunCli({"check", "config", "--config.ignore-unsupported", cfg});
  EXPECT_EQ(check_ignored.code, 0) << check_ignored.output;
  EXPECT_THAT(check_ignored.output, HasSubstr("SUCCESS"));
  EXPECT_THAT(check_ignored.output, HasSubstr("WARNING: " + cfg + ":3: tracing"));

  {
    Server s({"--config.ignore-unsupported"}, "/-/ready", kUnsupportedConfig);
    ASSERT_TRUE(s.ready()) << s.proc().Log();
    // One warning line per ignored setting, each a valid logfmt line with one msg key.
    std::istringstream log(s.proc().Log());
    int warnings = 0;
    for (std::string line; std::getline(log, line);) {
      if (line.find("Configuration warning") == std::string::npos) continue;
      ++warnings;
      size_t first = line.find(" msg=");
      ASSERT_NE(first, std::string::npos) << line;
      EXPECT_EQ(line.find(" msg=", first + 1), std::string::npos) << line;
      EXPECT_THAT(line, HasSubstr("level=warn"));
    }
    EXPECT_EQ(warnings, 3) << s.proc().Log();
  }
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace promlet::testing
