#include "net/http/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace promlet::net {
namespace {

// bcrypt cost of a hash validated by LooksLikeBcrypt ("$2b$10$...").
int CostOf(const std::string& hash) {
  if (hash.size() < 7) return 4;
  return (hash[4] - '0') * 10 + (hash[5] - '0');
}

void AppendField(std::string* out, const std::string& field) {
  // Length-prefixed, so ("ab","c") and ("a","bc") never give the same MAC input.
  uint64_t n = field.size();
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out->append(field);
}

}  // namespace

BasicAuth::BasicAuth(std::vector<std::pair<std::string, std::string>> users, Options options)
    : users_(std::move(users)), options_(std::move(options)) {
  int cost = 4;
  for (const auto& [user, hash] : users_) cost = std::max(cost, CostOf(hash));
  // A bcrypt setting (prefix, cost, 22 salt characters): crypt(3) hashes with it at `cost`, and
  // no password can match it because it holds no hash part.
  dummy_hash_ = absl::StrCat("$2b$", cost < 10 ? "0" : "", cost, "$abcdefghijklmnopqrstuu");
  if (RAND_bytes(hmac_key_.data(), static_cast<int>(hmac_key_.size())) != 1) {
    std::random_device rd;
    for (auto& b : hmac_key_) b = static_cast<unsigned char>(rd());
  }
}

bool BasicAuth::Parse(std::string_view header, Credentials* out) {
  constexpr std::string_view kPrefix = "Basic ";
  if (header.size() < kPrefix.size() ||
      !absl::EqualsIgnoreCase(absl::string_view(header.data(), kPrefix.size()),
                              absl::string_view(kPrefix.data(), kPrefix.size()))) {
    return false;
  }
  std::string decoded;
  header.remove_prefix(kPrefix.size());
  if (!absl::Base64Unescape(absl::string_view(header.data(), header.size()), &decoded)) {
    return false;
  }
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  out->user = decoded.substr(0, colon);
  out->password = decoded.substr(colon + 1);
  // crypt(3) reads a C string: a NUL would cut the password short and compare a prefix.
  return out->password.find('\0') == std::string::npos;
}

const std::string* BasicAuth::HashOf(const std::string& user) const {
  for (const auto& [u, hash] : users_) {
    if (u == user) return &hash;
  }
  return nullptr;
}

BasicAuth::Mac BasicAuth::CacheKey(const std::string& user, const std::string& hash,
                                   const std::string& password) const {
  std::string input;
  input.reserve(user.size() + hash.size() + password.size() + 24);
  AppendField(&input, user);
  AppendField(&input, hash);
  AppendField(&input, password);
  Mac mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), hmac_key_.data(), static_cast<int>(hmac_key_.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(), &len);
  OPENSSL_cleanse(input.data(), input.size());
  return mac;
}

bool BasicAuth::Cached(const Mac& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(key);
  return it != cache_.end() && options_.now() < it->second;
}

void BasicAuth::Remember(const Mac& key) {
  if (options_.cache_capacity == 0) return;
  auto now = options_.now();
  std::lock_guard<std::mutex> lock(mu_);
  if (cache_.size() >= options_.cache_capacity && !cache_.count(key)) {
    for (auto it = cache_.begin(); it != cache_.end();) {
      it = now >= it->second ? cache_.erase(it) : std::next(it);
    }
    if (cache_.size() >= options_.cache_capacity) {
      auto oldest = std::min_element(cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
        return a.second < b.second;
      });
      cache_.erase(oldest);
    }
  }
  cache_[key] = now + options_.cache_ttl;
}

BasicAuth::Verdict BasicAuth::Check(std::string_view authorization_header) const {
  if (users_.empty()) return Verdict::kAllow;
  Credentials c;
  if (!Parse(authorization_header, &c)) return Verdict::kDeny;
  const std::string* hash = HashOf(c.user);
  if (hash != nullptr && Cached(CacheKey(c.user, *hash, c.password))) return Verdict::kAllow;
  OPENSSL_cleanse(c.password.data(), c.password.size());
  return Verdict::kNeedsBcrypt;
}

bool BasicAuth::Verify(std::string_view authorization_header) {
  if (users_.empty()) return true;
  Credentials c;
  if (!Parse(authorization_header, &c)) return false;
  const std::string* hash = HashOf(c.user);
  std::optional<Mac> key;
  if (hash != nullptr) {
    key = CacheKey(c.user, *hash, c.password);
    if (Cached(*key)) return true;
  }
  // Unknown users pay the same bcrypt as known ones (exporter-toolkit does the same).
  const std::string& setting = hash != nullptr ? *hash : dummy_hash_;
  if (hash == nullptr) ++dummy_hash_runs_;
  ++bcrypt_runs_;
  struct crypt_data data {};
  const char* out = crypt_r(c.password.c_str(), setting.c_str(), &data);
  OPENSSL_cleanse(c.password.data(), c.password.size());
  bool ok = hash != nullptr && out != nullptr && out[0] != '*' &&
            std::string_view(out).size() == hash->size() &&
            CRYPTO_memcmp(out, hash->data(), hash->size()) == 0;
  OPENSSL_cleanse(&data, sizeof data);
  if (ok) Remember(*key);
  return ok;
}

}  // namespace promlet::net
