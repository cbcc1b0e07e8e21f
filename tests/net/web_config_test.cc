// WebConfig: exporter-toolkit web-config parsing and validation (errors name file and field).
#include "net/http/web_config.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace promlet::net {
namespace {

using ::testing::HasSubstr;

// A real bcrypt hash of "secret" (cost 4).
constexpr char kHash[] = "$2b$04$tLyRQf0D8H1Yhn7rlrHHBuqxT5b1MfQLsQRQoOQdkdpQpYi2gybOG";

class WebConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/promlet-webconfig-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  std::string dir_;
};

TEST_F(WebConfigTest, EmptyFileMeansNoAuthNoTls) {
  auto wc = LoadWebConfig(Write("w.yml", ""));
  ASSERT_TRUE(wc.ok()) << wc.status();
  EXPECT_TRUE(wc->basic_auth_users.empty());
  EXPECT_FALSE(wc->has_tls);
}

TEST_F(WebConfigTest, BasicAuthUsersLoadInOrder) {
  auto wc = ParseWebConfig(std::string("basic_auth_users:\n  bob: ") + kHash + "\n  alice: '" +
                               kHash + "'\nhttp_server_config:\n  http2: true\n",
                           "/etc/w.yml");
  ASSERT_TRUE(wc.ok()) << wc.status();
  ASSERT_EQ(wc->basic_auth_users.size(), 2u);
  EXPECT_EQ(wc->basic_auth_users[0].first, "bob");
  EXPECT_EQ(wc->basic_auth_users[0].second, kHash);
  EXPECT_EQ(wc->basic_auth_users[1].first, "alice");
}

TEST_F(WebConfigTest, UnknownFieldsAreErrorsNamingTheField) {
  auto wc = ParseWebConfig("basic_auth_user:\n  bob: x\n", "/etc/w.yml");
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("/etc/w.yml"));
  EXPECT_THAT(wc.status().message(), HasSubstr("basic_auth_user: unknown field"));
  wc = ParseWebConfig("http_server_config:\n  http3: true\n", "w.yml");
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("http_server_config.http3: unknown field"));
  wc = ParseWebConfig("tls_server_config:\n  certfile: a\n", "w.yml");
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("tls_server_config.certfile: unknown field"));
}

TEST_F(WebConfigTest, NonBcryptHashIsRejected) {
  for (const char* bad : {"secret", "$1$abc$def", "$2b$04$short",
                          "$2b$03$tLyRQf0D8H1Yhn7rlrHHBuqxT5b1MfQLsQRQoOQdkdpQpYi2gybOG",
                          "$2b$04$tLyRQf0D8H1Yhn7rlrHHBuqxT5b1MfQLsQRQoOQdkdpQpYi2gybO!"}) {
    auto wc = ParseWebConfig(std::string("basic_auth_users:\n  bob: '") + bad + "'\n", "w.yml");
    ASSERT_FALSE(wc.ok()) << bad;
    EXPECT_THAT(wc.status().message(), HasSubstr("basic_auth_users.bob: not a bcrypt hash"));
  }
  EXPECT_TRUE(LooksLikeBcrypt(kHash));
  auto wc = ParseWebConfig("basic_auth_users: [a, b]\n", "w.yml");
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("basic_auth_users: must be a mapping"));
}

TEST_F(WebConfigTest, InvalidYamlAndNonMappingAreErrors) {
  auto wc = ParseWebConfig("basic_auth_users: {bob: [\n", "w.yml");
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("invalid YAML"));
  wc = ParseWebConfig("- a\n- b\n", "w.yml");
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("top level must be a mapping"));
}

TEST_F(WebConfigTest, UnreadableConfigFileIsAnError) {
  auto wc = LoadWebConfig(dir_ + "/missing.yml");
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("missing.yml: cannot read file"));
}

TEST_F(WebConfigTest, CertWithoutKeyIsAnError) {
  Write("c.pem", "cert");
  auto wc = LoadWebConfig(Write("w.yml", "tls_server_config:\n  cert_file: c.pem\n"));
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("tls_server_config.key_file: missing"));
  wc = LoadWebConfig(Write("w.yml", "tls_server_config:\n  key_file: c.pem\n"));
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("tls_server_config.cert_file: missing"));
}

TEST_F(WebConfigTest, UnreadableCertFileIsAnErrorResolvedAgainstConfigDir) {
  Write("k.pem", "key");
  auto wc = LoadWebConfig(Write("w.yml", "tls_server_config:\n  cert_file: nope.pem\n"
                                         "  key_file: k.pem\n"));
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(),
              HasSubstr("tls_server_config.cert_file: cannot read file " + dir_ + "/nope.pem"));
}

TEST_F(WebConfigTest, BadTlsFieldValuesAreErrors) {
  Write("c.pem", "cert");
  Write("k.pem", "key");
  const std::string base = "tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n";
  auto wc = LoadWebConfig(Write("w.yml", base + "  min_version: TLS14\n"));
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("tls_server_config.min_version: unknown TLS"));
  wc = LoadWebConfig(Write("w.yml", base + "  client_auth_type: Maybe\n"));
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("tls_server_config.client_auth_type: invalid"));
  wc = LoadWebConfig(Write("w.yml", base + "  client_auth_type: RequireAndVerifyClientCert\n"));
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("tls_server_config.client_ca_file: required"));
}

TEST_F(WebConfigTest, ValidTlsLoadsWithPathsRelativeToTheConfigDir) {
  Write("c.pem", "cert");
  Write("k.pem", "key");
  auto wc = LoadWebConfig(Write("w.yml", "tls_server_config:\n  cert_file: c.pem\n"
                                         "  key_file: " + dir_ + "/k.pem\n  min_version: TLS13\n"));
  ASSERT_TRUE(wc.ok()) << wc.status();
  EXPECT_TRUE(wc->has_tls);
  EXPECT_EQ(wc->tls.cert_file, dir_ + "/c.pem");
  EXPECT_EQ(wc->tls.key_file, dir_ + "/k.pem");
  EXPECT_EQ(wc->tls.min_version, "TLS13");
}

TEST_F(WebConfigTest, UnimplementedTlsOptionsAreRefusedNeverIgnored) {
  Write("c.pem", "cert");
  Write("k.pem", "key");
  const std::string base = "tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n";
  for (auto [extra, want] : std::vector<std::pair<std::string, std::string>>{
           {"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: c.pem\n",
            "client_auth_type: RequireAndVerifyClientCert is not supported yet"},
           {"  max_version: TLS12\n", "max_version: is not supported yet"},
           {"  min_version: TLS10\n", "min_version: not supported"},
           {"  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", "cipher_suites: is not supported"}}) {
    auto wc = LoadWebConfig(Write("w.yml", base + extra));
    ASSERT_FALSE(wc.ok()) << extra;
    EXPECT_THAT(wc.status().message(), HasSubstr("tls_server_config." + want)) << extra;
  }
}

TEST_F(WebConfigTest, CustomHeadersAreRefusedNotIgnored) {
  auto wc = ParseWebConfig("http_server_config:\n  headers:\n    X-Frame-Options: deny\n", "w.yml");
  ASSERT_FALSE(wc.ok());
  EXPECT_THAT(wc.status().message(), HasSubstr("http_server_config.headers"));
}

}  // namespace
}  // namespace promlet::net
