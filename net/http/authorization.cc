#include "net/http/authorization.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace promlet::net {
namespace {

absl::StatusOr<std::string> ReadSecretFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("unable to read ", std::string(what), " ", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return std::string(absl::StripAsciiWhitespace(s));
}

}  // namespace

std::function<absl::StatusOr<std::string>()> AuthorizationSource(
    const config::HttpClientConfig& c) {
  if (c.basic_auth) {
    config::BasicAuth ba = *c.basic_auth;
    return [ba]() -> absl::StatusOr<std::string> {
      std::string password = ba.password;
      if (!ba.password_file.empty()) {
        absl::StatusOr<std::string> p =
            ReadSecretFile(ba.password_file, "basic auth password file");
        if (!p.ok()) return p.status();
        password = *p;
      }
      return absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(ba.username, ":", password)));
    };
  }
  if (c.authorization) {
    config::Authorization a = *c.authorization;
    return [a]() -> absl::StatusOr<std::string> {
      std::string cred = a.credentials;
      if (!a.credentials_file.empty()) {
        absl::StatusOr<std::string> p =
            ReadSecretFile(a.credentials_file, "authorization credentials file");
        if (!p.ok()) return p.status();
        cred = *p;
      }
      return absl::StrCat(a.type.empty() ? "Bearer" : a.type, " ", cred);
    };
  }
  return nullptr;
}

}  // namespace promlet::net
