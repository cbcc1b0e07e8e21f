// BasicAuth: checks an HTTP `Authorization: Basic ...` header against --web.config.file's
// basic_auth_users (user -> bcrypt hash), as Prometheus' exporter-toolkit does.
//
// Invariants:
//  - The whole password is compared: one holding a NUL byte never matches (crypt(3) would stop
//    reading at the NUL, so "secret\0anything" would pass as "secret").
//  - An unknown user costs one bcrypt against a dummy hash of the highest configured cost, so
//    the answer time does not tell which user names exist.
//  - A successful verification is remembered for `cache_ttl`, in a cache of at most
//    `cache_capacity` entries keyed by an HMAC-SHA256 (random per-process key) of user, hash and
//    password: the password itself is never stored. Failures are not cached, so guessing
//    passwords cannot evict the good entries faster than it pays bcrypts.
//  - Thread-safe. Header parsing follows Go's Request.BasicAuth ("Basic " case-insensitively,
//    standard base64, user and password split at the first ':').
#ifndef PROMLET_NET_HTTP_BASIC_AUTH_H_
#define PROMLET_NET_HTTP_BASIC_AUTH_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promlet::net {

class BasicAuth {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    size_t cache_capacity = 1024;
    std::chrono::milliseconds cache_ttl{std::chrono::seconds(60)};
    std::function<Clock::time_point()> now = [] { return Clock::now(); };
  };

  enum class Verdict {
    kAllow,        // no users configured, or these credentials were verified recently
    kDeny,         // no or malformed credentials, or a password holding a NUL byte
    kNeedsBcrypt,  // Verify() must decide (costs one bcrypt)
  };

  // `users`: user -> bcrypt hash, as validated by ParseWebConfig. Empty: everyone is allowed.
  explicit BasicAuth(std::vector<std::pair<std::string, std::string>> users, Options options);
  explicit BasicAuth(std::vector<std::pair<std::string, std::string>> users)
      : BasicAuth(std::move(users), Options{}) {}

  bool enabled() const { return !users_.empty(); }

  // Cheap (no bcrypt): safe to call on an I/O thread.
  Verdict Check(std::string_view authorization_header) const;
  // The full decision: Check(), then a bcrypt when needed; caches a success.
  bool Verify(std::string_view authorization_header);

  // Seams for tests: bcrypt computations run, and how many of them used the dummy hash.
  uint64_t bcrypt_runs() const { return bcrypt_runs_.load(); }
  uint64_t dummy_hash_runs() const { return dummy_hash_runs_.load(); }
  std::string_view dummy_hash() const { return dummy_hash_; }

 private:
  using Mac = std::array<unsigned char, 32>;
  struct Credentials {
    std::string user;
    std::string password;
  };
  // False when the header is missing, malformed, or the password holds a NUL byte.
  static bool Parse(std::string_view header, Credentials* out);
  const std::string* HashOf(const std::string& user) const;
  Mac CacheKey(const std::string& user, const std::string& hash,
               const std::string& password) const;
  bool Cached(const Mac& key) const;
  void Remember(const Mac& key);

  std::vector<std::pair<std::string, std::string>> users_;
  Options options_;
  std::string dummy_hash_;  // bcrypt setting string with the highest configured cost
  std::array<unsigned char, 32> hmac_key_{};

  mutable std::mutex mu_;
  std::map<Mac, Clock::time_point> cache_;  // key -> expiry

  std::atomic<uint64_t> bcrypt_runs_{0};
  std::atomic<uint64_t> dummy_hash_runs_{0};
};

}  // namespace promlet::net

#endif  // PROMLET_NET_HTTP_BASIC_AUTH_H_
