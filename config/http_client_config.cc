#include "config/http_client_config.h"

#include "absl/strings/ascii.h"
#include "config/decoder.h"

namespace promlet::config {
namespace {

absl::Status ParseBasicAuth(const Decoder& d, const YAML::Node& n, std::string_view path,
                            std::optional<BasicAuth>* out) {
  auto ba = Decoder::Child(n, "basic_auth");
  if (!ba) return absl::OkStatus();
  std::string bp = Decoder::Join(path, "basic_auth");
  absl::Status st;
  if (!(st = d.CheckKeys(*ba, bp, {"username", "password", "password_file"})).ok()) return st;
  BasicAuth b;
  if (!(st = d.String(*ba, bp, "username", &b.username)).ok()) return st;
  if (!(st = d.String(*ba, bp, "password", &b.password)).ok()) return st;
  if (!(st = d.File(*ba, bp, "password_file", &b.password_file)).ok()) return st;
  if (!b.password.empty() && !b.password_file.empty()) {
    return d.Error(*ba, bp,
                   "at most one of basic_auth password & password_file must be configured");
  }
  *out = b;
  return absl::OkStatus();
}

// authorization, or the older bearer_token / bearer_token_file folded into it.
absl::Status ParseAuthorization(const Decoder& d, const YAML::Node& n, std::string_view path,
                                std::optional<Authorization>* out) {
  absl::Status st;
  std::string bearer, bearer_file;
  if (!(st = d.String(n, path, "bearer_token", &bearer)).ok()) return st;
  if (!(st = d.File(n, path, "bearer_token_file", &bearer_file)).ok()) return st;
  if (!bearer.empty() && !bearer_file.empty()) {
    return d.Error(n, path, "at most one of bearer_token & bearer_token_file must be configured");
  }
  auto az = Decoder::Child(n, "authorization");
  if (!az) {
    if (!bearer.empty() || !bearer_file.empty())
      *out = Authorization{"Bearer", bearer, bearer_file};
    return absl::OkStatus();
  }
  std::string ap = Decoder::Join(path, "authorization");
  if (!(st = d.CheckKeys(*az, ap, {"type", "credentials", "credentials_file"})).ok()) return st;
  Authorization a;
  if (!(st = d.String(*az, ap, "type", &a.type)).ok()) return st;
  if (!(st = d.String(*az, ap, "credentials", &a.credentials)).ok()) return st;
  if (!(st = d.File(*az, ap, "credentials_file", &a.credentials_file)).ok()) return st;
  if (a.type.empty()) a.type = "Bearer";
  if (absl::AsciiStrToLower(a.type) == "basic") {
    return d.Error(*az, Decoder::Join(ap, "type"),
                   "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
  }
  if (!a.credentials.empty() && !a.credentials_file.empty()) {
    return d.Error(
        *az, ap, "at most one of authorization credentials & credentials_file must be configured");
  }
  if (!bearer.empty() || !bearer_file.empty()) {
    return d.Error(*az, ap,
                   "authorization is not compatible with bearer_token & bearer_token_file");
  }
  *out = a;
  return absl::OkStatus();
}

absl::Status ParseTlsConfig(const Decoder& d, const YAML::Node& n, std::string_view path,
                            TlsConfig* t) {
  auto tls = Decoder::Child(n, "tls_config");
  if (!tls) return absl::OkStatus();
  std::string tp = Decoder::Join(path, "tls_config");
  absl::Status st;
  if (!(st = d.CheckKeys(
            *tls, tp, {"ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"}))
           .ok()) {
    return st;
  }
  if (!(st = d.File(*tls, tp, "ca_file", &t->ca_file)).ok()) return st;
  if (!(st = d.File(*tls, tp, "cert_file", &t->cert_file)).ok()) return st;
  if (!(st = d.File(*tls, tp, "key_file", &t->key_file)).ok()) return st;
  if (!(st = d.String(*tls, tp, "server_name", &t->server_name)).ok()) return st;
  if (!(st = d.Bool(*tls, tp, "insecure_skip_verify", &t->insecure_skip_verify)).ok()) return st;
  if (t->cert_file.empty() != t->key_file.empty()) {
    return d.Error(*tls, tp,
                   "exactly one of key or key_file / cert or cert_file is configured; both are "
                   "needed for client certificates");
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string_view>& HttpClientConfigFields() {
  static const std::vector<std::string_view> kFields = {"basic_auth",   "authorization",
                                                        "bearer_token", "bearer_token_file",
                                                        "tls_config",   "follow_redirects"};
  return kFields;
}

const std::vector<std::string_view>& HttpClientConfigUnsupportedFields() {
  static const std::vector<std::string_view> kFields = {"enable_http2"};
  return kFields;
}

const std::vector<std::string_view>& HttpClientConfigNeverIgnorableFields() {
  static const std::vector<std::string_view> kFields = {
      "oauth2",      "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header",
      "http_headers"};
  return kFields;
}

absl::Status ParseHttpClientConfig(const Decoder& d, const YAML::Node& n, std::string_view path,
                                   HttpClientConfig* out) {
  absl::Status st;
  if (!(st = d.Bool(n, path, "follow_redirects", &out->follow_redirects)).ok()) return st;
  if (!(st = ParseBasicAuth(d, n, path, &out->basic_auth)).ok()) return st;
  if (!(st = ParseAuthorization(d, n, path, &out->authorization)).ok()) return st;
  if (out->basic_auth && out->authorization) {
    return d.Error(n, path,
                   "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be "
                   "configured");
  }
  return ParseTlsConfig(d, n, path, &out->tls_config);
}

}  // namespace promlet::config
