// BasicAuth: full-password comparison (NUL bytes), the dummy hash for unknown users, and the
// bounded, expiring cache of successful verifications (counted through the bcrypt seams, never
// timed).
#include "net/http/basic_auth.h"

#include <crypt.h>

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"

namespace promlet::net {
namespace {

using Verdict = BasicAuth::Verdict;

std::string Bcrypt(const std::string& password) {
  struct crypt_data data {};
  const char* out = crypt_r(password.c_str(), "$2b$04$abcdefghijklmnopqrstuu", &data);
  return out != nullptr && out[0] == '$' ? out : "";
}

std::string Header(const std::string& user, const std::string& password) {
  return "Basic " + absl::Base64Escape(user + ":" + password);
}

struct FakeClock {
  BasicAuth::Clock::time_point t = BasicAuth::Clock::time_point() + std::chrono::hours(1);
};

BasicAuth::Options WithClock(FakeClock* clock, size_t capacity = 16) {
  BasicAuth::Options o;
  o.cache_capacity = capacity;
  o.cache_ttl = std::chrono::seconds(60);
  o.now = [clock] { return clock->t; };
  return o;
}

TEST(BasicAuthTest, NoUsersAllowsEveryone) {
  BasicAuth auth({});
  EXPECT_FALSE(auth.enabled());
  EXPECT_EQ(auth.Check(""), Verdict::kAllow);
  EXPECT_TRUE(auth.Verify(""));
}

TEST(BasicAuthTest, RightPasswordPassesWrongFails) {
  ASSERT_EQ(Bcrypt("secret").size(), 60u) << "crypt(3) has no bcrypt support";
  BasicAuth auth({{"alice", Bcrypt("secret")}});
  EXPECT_EQ(auth.Check(Header("alice", "secret")), Verdict::kNeedsBcrypt);
  EXPECT_TRUE(auth.Verify(Header("alice", "secret")));
  EXPECT_FALSE(auth.Verify(Header("alice", "wrong")));
  EXPECT_FALSE(auth.Verify(Header("alice", "secre")));
  EXPECT_FALSE(auth.Verify(Header("alice", "secret2")));
  // Go's Request.BasicAuth matches the scheme case-insensitively.
  EXPECT_TRUE(auth.Verify("basic " + absl::Base64Escape("alice:secret")));
}

// The bug: crypt(3) stopped at the NUL, so "secret\0anything" passed as "secret".
TEST(BasicAuthTest, PasswordWithNulByteNeverMatches) {
  BasicAuth auth({{"alice", Bcrypt("secret")}});
  std::string nul_password("secret\0anything", 15);
  EXPECT_EQ(auth.Check(Header("alice", nul_password)), Verdict::kDeny);
  EXPECT_FALSE(auth.Verify(Header("alice", nul_password)));
  EXPECT_FALSE(auth.Verify(Header("alice", std::string("secret\0", 7))));
  EXPECT_EQ(auth.bcrypt_runs(), 0u);
}

TEST(BasicAuthTest, MalformedHeadersAreDeniedWithoutBcrypt) {
  BasicAuth auth({{"alice", Bcrypt("secret")}});
  for (const std::string& h :
       {std::string(""), std::string("Bearer abc"), std::string("Basic"),
        std::string("Basic !!!not-base64"), "Basic " + absl::Base64Escape("no-colon")}) {
    EXPECT_EQ(auth.Check(h), Verdict::kDeny) << h;
    EXPECT_FALSE(auth.Verify(h)) << h;
  }
  EXPECT_EQ(auth.bcrypt_runs(), 0u);
}

// Unknown users pay a bcrypt against the dummy hash, so timing cannot tell them from known ones.
TEST(BasicAuthTest, UnknownUserIsHashedAgainstTheDummy) {
  BasicAuth auth({{"alice", Bcrypt("secret")}});
  EXPECT_EQ(auth.Check(Header("mallory", "secret")), Verdict::kNeedsBcrypt);
  EXPECT_FALSE(auth.Verify(Header("mallory", "secret")));
  EXPECT_EQ(auth.bcrypt_runs(), 1u);
  EXPECT_EQ(auth.dummy_hash_runs(), 1u);
  EXPECT_FALSE(auth.Verify(Header("alice", "wrong")));
  EXPECT_EQ(auth.bcrypt_runs(), 2u);
  EXPECT_EQ(auth.dummy_hash_runs(), 1u);
  // Unknown users are never cached: each attempt pays again.
  EXPECT_FALSE(auth.Verify(Header("mallory", "secret")));
  EXPECT_EQ(auth.dummy_hash_runs(), 2u);
}

TEST(BasicAuthTest, SuccessIsCachedUntilItsLifetimeEnds) {
  FakeClock clock;
  BasicAuth auth({{"alice", Bcrypt("secret")}}, WithClock(&clock));
  EXPECT_TRUE(auth.Verify(Header("alice", "secret")));
  EXPECT_EQ(auth.bcrypt_runs(), 1u);
  EXPECT_EQ(auth.Check(Header("alice", "secret")), Verdict::kAllow);
  EXPECT_TRUE(auth.Verify(Header("alice", "secret")));
  EXPECT_EQ(auth.bcrypt_runs(), 1u);
  // Another password of the same user is not covered by the cached success.
  EXPECT_EQ(auth.Check(Header("alice", "secret-not")), Verdict::kNeedsBcrypt);
  EXPECT_FALSE(auth.Verify(Header("alice", "secret-not")));
  EXPECT_EQ(auth.bcrypt_runs(), 2u);

  clock.t += std::chrono::seconds(61);
  EXPECT_EQ(auth.Check(Header("alice", "secret")), Verdict::kNeedsBcrypt);
  EXPECT_TRUE(auth.Verify(Header("alice", "secret")));
  EXPECT_EQ(auth.bcrypt_runs(), 3u);
}

TEST(BasicAuthTest, FailuresAreNotCached) {
  BasicAuth auth({{"alice", Bcrypt("secret")}});
  EXPECT_FALSE(auth.Verify(Header("alice", "wrong")));
  EXPECT_FALSE(auth.Verify(Header("alice", "wrong")));
  EXPECT_EQ(auth.bcrypt_runs(), 2u);
}

TEST(BasicAuthTest, CacheIsBoundedAndEvictsTheOldest) {
  FakeClock clock;
  BasicAuth auth({{"a", Bcrypt("pa")}, {"b", Bcrypt("pb")}, {"c", Bcrypt("pc")}},
                 WithClock(&clock, /*capacity=*/2));
  EXPECT_TRUE(auth.Verify(Header("a", "pa")));
  clock.t += std::chrono::seconds(1);
  EXPECT_TRUE(auth.Verify(Header("b", "pb")));
  clock.t += std::chrono::seconds(1);
  EXPECT_TRUE(auth.Verify(Header("c", "pc")));
  EXPECT_EQ(auth.Check(Header("a", "pa")), Verdict::kNeedsBcrypt);
  EXPECT_EQ(auth.Check(Header("b", "pb")), Verdict::kAllow);
  EXPECT_EQ(auth.Check(Header("c", "pc")), Verdict::kAllow);
}

TEST(BasicAuthTest, TheDummyHashHasTheHighestConfiguredCost) {
  // A cost-5 user: the dummy must cost as much, or unknown users would answer faster.
  struct crypt_data data {};
  std::string cost5 = crypt_r("pw", "$2b$05$abcdefghijklmnopqrstuu", &data);
  ASSERT_EQ(cost5.size(), 60u);
  BasicAuth auth({{"a", Bcrypt("pa")}, {"b", cost5}});
  EXPECT_EQ(auth.dummy_hash().substr(0, 7), "$2b$05$");
  EXPECT_FALSE(auth.Verify(Header("nobody", "pw")));
  EXPECT_EQ(auth.dummy_hash_runs(), 1u);
}

}  // namespace
}  // namespace promlet::net
