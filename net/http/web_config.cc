#include "net/http/web_config.h"

#include <unistd.h>

#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "yaml-cpp/yaml.h"

namespace promlet::net {
namespace {

// Builds errors that name the file and the field.
class Validator {
 public:
  explicit Validator(std::string_view path) : path_(path) {
    size_t slash = path_.rfind('/');
    dir_ = slash == std::string::npos ? "." : path_.substr(0, slash == 0 ? 1 : slash);
  }

  absl::Status Error(std::string_view field, std::string_view msg) const {
    if (field.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("web config ", path_, ": ", std::string(msg)));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("web config ", path_, ": ", std::string(field), ": ", std::string(msg)));
  }

  absl::Status CheckMap(const YAML::Node& n, std::string_view field) const {
    if (!n.IsMap()) return Error(field, "must be a mapping");
    return absl::OkStatus();
  }

  absl::Status CheckKeys(const YAML::Node& n, std::string_view field,
                         std::initializer_list<std::string_view> known) const {
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) return Error(field, "keys must be strings");
      std::string key = kv.first.Scalar();
      bool ok = false;
      for (auto k : known) ok = ok || key == k;
      if (!ok) {
        return Error(field.empty() ? key : absl::StrCat(std::string(field), ".", key),
                     "unknown field");
      }
    }
    return absl::OkStatus();
  }

  absl::Status String(const YAML::Node& parent, std::string_view field, std::string_view key,
                      std::string* out) const {
    YAML::Node n = parent[std::string(key)];
    if (!n || n.IsNull()) return absl::OkStatus();
    if (!n.IsScalar()) return Error(Join(field, key), "must be a string");
    *out = n.Scalar();
    return absl::OkStatus();
  }

  // A readable file, resolved against the config file's directory.
  absl::Status File(const YAML::Node& parent, std::string_view field, std::string_view key,
                    std::string* out) const {
    if (auto st = String(parent, field, key, out); !st.ok()) return st;
    if (out->empty()) return absl::OkStatus();
    if ((*out)[0] != '/') *out = absl::StrCat(dir_, "/", *out);
    std::ifstream in(*out);
    if (!in.good() || ::access(out->c_str(), R_OK) != 0) {
      return Error(Join(field, key), absl::StrCat("cannot read file ", *out));
    }
    return absl::OkStatus();
  }

  static std::string Join(std::string_view a, std::string_view b) {
    return absl::StrCat(std::string(a), ".", std::string(b));
  }

 private:
  std::string path_;
  std::string dir_;
};

absl::Status ParseTls(const Validator& v, const YAML::Node& n, WebTlsConfig* tls) {
  const std::string f = "tls_server_config";
  if (auto st = v.CheckMap(n, f); !st.ok()) return st;
  if (auto st = v.CheckKeys(n, f,
                            {"cert_file", "key_file", "client_auth_type", "client_ca_file",
                             "min_version", "max_version", "cipher_suites", "curve_preferences",
                             "prefer_server_cipher_suites", "client_allowed_sans", "cert",
                             "key"});
      !st.ok()) {
    return st;
  }
  for (auto inline_key : {"cert", "key", "cipher_suites", "curve_preferences",
                          "prefer_server_cipher_suites", "client_allowed_sans"}) {
    if (n[inline_key]) return v.Error(Validator::Join(f, inline_key), "is not supported");
  }
  if (auto st = v.File(n, f, "cert_file", &tls->cert_file); !st.ok()) return st;
  if (auto st = v.File(n, f, "key_file", &tls->key_file); !st.ok()) return st;
  if (tls->cert_file.empty() && tls->key_file.empty()) {
    return v.Error(f, "missing cert_file and key_file");
  }
  if (tls->cert_file.empty()) return v.Error(f + ".cert_file", "missing (key_file is set)");
  if (tls->key_file.empty()) return v.Error(f + ".key_file", "missing (cert_file is set)");
  if (auto st = v.String(n, f, "client_auth_type", &tls->client_auth_type); !st.ok()) return st;
  static const std::set<std::string> kAuthTypes = {
      "", "NoClientCert", "RequestClientCert", "RequireAnyClientCert",
      "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"};
  if (!kAuthTypes.count(tls->client_auth_type)) {
    return v.Error(f + ".client_auth_type", absl::StrCat("invalid value \"",
                                                         tls->client_auth_type, "\""));
  }
  if (auto st = v.File(n, f, "client_ca_file", &tls->client_ca_file); !st.ok()) return st;
  bool verifies = tls->client_auth_type == "VerifyClientCertIfGiven" ||
                  tls->client_auth_type == "RequireAndVerifyClientCert";
  if (verifies && tls->client_ca_file.empty()) {
    return v.Error(f + ".client_ca_file",
                   absl::StrCat("required with client_auth_type ", tls->client_auth_type));
  }
  if (!verifies && !tls->client_ca_file.empty()) {
    return v.Error(f + ".client_auth_type",
                   "client_ca_file is set but client certificates are not verified");
  }
  static const std::set<std::string> kVersions = {"", "TLS10", "TLS11", "TLS12", "TLS13"};
  for (auto [key, out] : {std::pair<const char*, std::string*>{"min_version", &tls->min_version},
                          {"max_version", &tls->max_version}}) {
    if (auto st = v.String(n, f, key, out); !st.ok()) return st;
    if (!kVersions.count(*out)) {
      return v.Error(Validator::Join(f, key),
                     absl::StrCat("unknown TLS version \"", *out, "\" (TLS10..TLS13)"));
    }
  }
  // What the server does not implement is refused, never silently weakened or ignored.
  if (tls->min_version == "TLS10" || tls->min_version == "TLS11") {
    return v.Error(f + ".min_version", "not supported: promlet serves TLS12 and TLS13 only");
  }
  if (!tls->max_version.empty()) return v.Error(f + ".max_version", "is not supported yet");
  if (!tls->client_auth_type.empty() && tls->client_auth_type != "NoClientCert") {
    return v.Error(f + ".client_auth_type",
                   absl::StrCat(tls->client_auth_type, " is not supported yet (NoClientCert only)"));
  }
  return absl::OkStatus();
}

absl::Status ParseHttpServerConfig(const Validator& v, const YAML::Node& n) {
  const std::string f = "http_server_config";
  if (auto st = v.CheckMap(n, f); !st.ok()) return st;
  if (auto st = v.CheckKeys(n, f, {"http2", "headers"}); !st.ok()) return st;
  if (YAML::Node h2 = n["http2"]; h2 && !h2.IsNull()) {
    bool b;
    if (!h2.IsScalar() || !YAML::convert<bool>::decode(h2, b)) {
      return v.Error(f + ".http2", "must be a boolean");
    }
    // promlet speaks HTTP/1.1 only; http2: true is Prometheus' default and harmless.
  }
  if (YAML::Node hd = n["headers"]; hd && !hd.IsNull() && hd.size() > 0) {
    // Refused rather than ignored: a user relying on security headers must know.
    return v.Error(f + ".headers", "custom response headers are not supported yet");
  }
  return absl::OkStatus();
}

}  // namespace

bool LooksLikeBcrypt(std::string_view h) {
  // $2b$10$ + 22 salt chars + 31 hash chars = 60.
  if (h.size() != 60 || h[0] != '$' || h[1] != '2' || h[3] != '$' || h[6] != '$') return false;
  if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') return false;
  if (h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9') return false;
  int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (size_t i = 7; i < h.size(); ++i) {
    char c = h[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<WebConfig> ParseWebConfig(std::string_view yaml, std::string_view path) {
  Validator v(path);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return v.Error("", absl::StrCat("invalid YAML: ", e.what()));
  }
  WebConfig out;
  if (!root || root.IsNull()) return out;  // an empty file: no TLS, no auth
  if (!root.IsMap()) return v.Error("", "top level must be a mapping");
  if (auto st = v.CheckKeys(root, "", {"tls_server_config", "basic_auth_users",
                                       "http_server_config"});
      !st.ok()) {
    return st;
  }
  if (YAML::Node users = root["basic_auth_users"]; users && !users.IsNull()) {
    if (!users.IsMap()) return v.Error("basic_auth_users", "must be a mapping user: bcrypt-hash");
    for (const auto& kv : users) {
      if (!kv.first.IsScalar() || kv.first.Scalar().empty()) {
        return v.Error("basic_auth_users", "user names must be non-empty strings");
      }
      std::string field = absl::StrCat("basic_auth_users.", kv.first.Scalar());
      if (kv.first.Scalar().find(':') != std::string::npos) {
        return v.Error(field, "user names cannot contain ':'");
      }
      if (!kv.second.IsScalar() || !LooksLikeBcrypt(kv.second.Scalar())) {
        return v.Error(field, "not a bcrypt hash (want $2a$, $2b$ or $2y$, e.g. from htpasswd -nBC 10)");
      }
      out.basic_auth_users.emplace_back(kv.first.Scalar(), kv.second.Scalar());
    }
  }
  if (YAML::Node h = root["http_server_config"]; h && !h.IsNull()) {
    if (auto st = ParseHttpServerConfig(v, h); !st.ok()) return st;
  }
  if (YAML::Node t = root["tls_server_config"]; t && !t.IsNull()) {
    if (auto st = ParseTls(v, t, &out.tls); !st.ok()) return st;
    out.has_tls = true;
  }
  return out;
}

absl::StatusOr<WebConfig> LoadWebConfig(std::string_view path) {
  std::ifstream in{std::string(path)};
  if (!in.good()) {
    return absl::InvalidArgumentError(
        absl::StrCat("web config ", std::string(path), ": cannot read file"));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("web config ", std::string(path), ": cannot read file"));
  }
  return ParseWebConfig(ss.str(), path);
}

}  // namespace promlet::net
