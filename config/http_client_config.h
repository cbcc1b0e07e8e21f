// HttpClientConfig: how promlet's outgoing HTTP requests authenticate and connect, as the part
// of Prometheus' common/config.HTTPClientConfig that promlet implements. It sits inline in the
// sections that send requests (scrape_configs today; alerting and remote_write later), whose
// parsers add HttpClientConfig's field lists to their own and call ParseHttpClientConfig.
//
// Invariants after parsing: at most one of basic_auth and authorization is set; bearer_token
// and bearer_token_file are folded into authorization (type "Bearer"); authorization's type is
// never empty nor "basic"; password/credentials and their *_file are not both set; file paths
// are absolute; tls_config has both or neither of cert_file and key_file. Secrets are kept as
// written here and are redacted only in Config::yaml.
// Settings that would change how requests go out (oauth2, proxies, http_headers) refuse the
// config even with --config.ignore-unsupported; enable_http2 is merely unsupported.
#ifndef PROMLET_CONFIG_HTTP_CLIENT_CONFIG_H_
#define PROMLET_CONFIG_HTTP_CLIENT_CONFIG_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace YAML {
class Node;
}

namespace promlet::config {

class Decoder;

struct BasicAuth {
  std::string username;
  std::string password;
  std::string password_file;  // absolute; read at request time
  friend bool operator==(const BasicAuth&, const BasicAuth&) = default;
};

struct Authorization {
  std::string type = "Bearer";
  std::string credentials;
  std::string credentials_file;  // absolute; read at request time
  friend bool operator==(const Authorization&, const Authorization&) = default;
};

struct TlsConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
  friend bool operator==(const TlsConfig&, const TlsConfig&) = default;
};

struct HttpClientConfig {
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;  // also from bearer_token(_file)
  TlsConfig tls_config;
  bool follow_redirects = true;
  friend bool operator==(const HttpClientConfig&, const HttpClientConfig&) = default;
};

// The keys HttpClientConfig reads from the enclosing mapping.
const std::vector<std::string_view>& HttpClientConfigFields();
// Valid Prometheus HTTP client keys promlet does not implement (recorded as unsupported).
const std::vector<std::string_view>& HttpClientConfigUnsupportedFields();
// Keys refused even with --config.ignore-unsupported (see the file comment).
const std::vector<std::string_view>& HttpClientConfigNeverIgnorableFields();

// Reads the HttpClientConfig fields of mapping `n` (at `path`). The caller has checked the
// mapping's keys and refused the never-ignorable ones.
absl::Status ParseHttpClientConfig(const Decoder& d, const YAML::Node& n, std::string_view path,
                                   HttpClientConfig* out);

}  // namespace promlet::config

#endif  // PROMLET_CONFIG_HTTP_CLIENT_CONFIG_H_
