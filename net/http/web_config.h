// WebConfig: the --web.config.file of Prometheus' exporter-toolkit (TLS and basic auth for the
// HTTP server), loaded and validated before the server starts.
//
// Invariants of a successfully loaded WebConfig:
//  - Every key in the file is known (unknown keys are errors, as in exporter-toolkit).
//  - Every basic_auth_users value looks like a bcrypt hash ($2a$/$2b$/$2y$, cost 04..31,
//    53 characters of bcrypt base64), so a typo cannot silently lock everyone out or in.
//  - File paths are made absolute relative to the config file's directory and are readable.
//  - has_tls means: serve HTTPS only with tls.cert_file/key_file (PEM). Options the server does
//    not implement (client certificates, max_version, TLS < 1.2, inline cert/key, cipher lists)
//    are errors, never silently ignored.
// Errors name the file and the field, e.g. "web config /etc/w.yml: basic_auth_users.alice: ...".
#ifndef PROMLET_NET_HTTP_WEB_CONFIG_H_
#define PROMLET_NET_HTTP_WEB_CONFIG_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace promlet::net {

struct WebTlsConfig {
  std::string cert_file;         // absolute path
  std::string key_file;          // absolute path
  std::string client_auth_type;  // "" = NoClientCert
  std::string client_ca_file;    // absolute path or ""
  std::string min_version;       // "" or TLS10..TLS13
  std::string max_version;
};

struct WebConfig {
  bool has_tls = false;
  WebTlsConfig tls;
  // user -> bcrypt hash, in file order.
  std::vector<std::pair<std::string, std::string>> basic_auth_users;
};

// Parses `yaml` as read from `path` (used for messages and to resolve relative paths).
absl::StatusOr<WebConfig> ParseWebConfig(std::string_view yaml, std::string_view path);

// Reads and parses the file at `path`. An unreadable file is an error.
absl::StatusOr<WebConfig> LoadWebConfig(std::string_view path);

// True when `hash` has the shape of a bcrypt hash.
bool LooksLikeBcrypt(std::string_view hash);

}  // namespace promlet::net

#endif  // PROMLET_NET_HTTP_WEB_CONFIG_H_
