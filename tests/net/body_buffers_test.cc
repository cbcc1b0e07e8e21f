// Kept response bodies (net/http/body_buffers.h): which strings are kept and handed out, and
// that the server gives a body back once it is written (plain and gzip), so that the next
// answer is written into memory that is already there.
#include "net/http/body_buffers.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "net/http/server.h"
#include "tests/integration/test_util.h"

namespace promlet::net {
namespace {

std::string WithCapacity(size_t capacity) {
  std::string s;
  s.reserve(capacity);
  s = "some body";
  return s;
}

class BodyBuffersTest : public ::testing::Test {
 protected:
  void SetUp() override { ReleaseBodyBuffers(); }
  void TearDown() override { ReleaseBodyBuffers(); }
};

TEST_F(BodyBuffersTest, KeepsLargeBodiesEmptiedAndHandsOutTheLargestFirst) {
  EXPECT_TRUE(TakeBodyBuffer().empty());
  GiveBodyBuffer(WithCapacity(kMinKeptCapacity - 1));  // too small to be worth keeping
  EXPECT_EQ(KeptBodyBuffers(), 0u);
  GiveBodyBuffer(WithCapacity(kMinKeptCapacity));
  GiveBodyBuffer(WithCapacity(kMinKeptCapacity * 8));
  GiveBodyBuffer(WithCapacity(kMinKeptCapacity * 2));
  EXPECT_EQ(KeptBodyBuffers(), 3u);
  std::string first = TakeBodyBuffer();
  EXPECT_TRUE(first.empty());
  EXPECT_GE(first.capacity(), kMinKeptCapacity * 8);
  EXPECT_GE(TakeBodyBuffer().capacity(), kMinKeptCapacity * 2);
  EXPECT_EQ(KeptBodyBuffers(), 1u);
}

TEST_F(BodyBuffersTest, KeepsAtMostKKeptBodiesDroppingTheSmallest) {
  for (size_t i = 1; i <= kKeptBodies + 2; ++i) GiveBodyBuffer(WithCapacity(kMinKeptCapacity * i));
  EXPECT_EQ(KeptBodyBuffers(), kKeptBodies);
  size_t smallest = SIZE_MAX;
  while (KeptBodyBuffers() > 0) smallest = std::min(smallest, TakeBodyBuffer().capacity());
  EXPECT_GE(smallest, kMinKeptCapacity * 3);           // 1 and 2 were dropped
  GiveBodyBuffer(WithCapacity(kMaxKeptCapacity + 1));  // too large to hold on to
  EXPECT_EQ(KeptBodyBuffers(), 0u);
}

TEST_F(BodyBuffersTest, ReleaseFreesEveryKeptBody) {
  GiveBodyBuffer(WithCapacity(kMinKeptCapacity));
  GiveBodyBuffer(WithCapacity(kMinKeptCapacity));
  ReleaseBodyBuffers();
  EXPECT_EQ(KeptBodyBuffers(), 0u);
}

// Polls until n bodies are kept: the server gives a body back after the client has it.
bool KeptSoon(size_t n) {
  for (int i = 0; i < 2000 && KeptBodyBuffers() != n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return KeptBodyBuffers() == n;
}

TEST_F(BodyBuffersTest, TheServerGivesWrittenBodiesBack) {
  HttpServerOptions o;
  o.listen_address = "127.0.0.1:0";
  HttpServer server(o, nullptr);
  std::atomic<size_t> capacity_taken{0};
  server.Handle("/big", "/big", [&](const HttpRequest&, HttpResponse& res) {
    std::string body = TakeBodyBuffer();
    capacity_taken = body.capacity();
    body.append(size_t{1} << 20, 'x');
    res.body = std::move(body);
  });
  ASSERT_TRUE(server.Start().ok());

  auto r = testing::HttpDo(server.port(), "GET", "/big");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), size_t{1} << 20);
  ASSERT_TRUE(KeptSoon(1));
  r = testing::HttpDo(server.port(), "GET", "/big");
  ASSERT_EQ(r.status, 200);
  EXPECT_GE(capacity_taken.load(), size_t{1} << 20);  // the first answer's memory
  ASSERT_TRUE(KeptSoon(1));

  // gzip: the plain body is given back when compressed, the compressed one once written.
  ReleaseBodyBuffers();
  r = testing::HttpDo(server.port(), "GET", "/big", "", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_LT(r.body.size(), size_t{1} << 20);
  ASSERT_TRUE(KeptSoon(2));  // the compressed one keeps the capacity deflateBound asked for
  EXPECT_GE(TakeBodyBuffer().capacity(), size_t{1} << 20);
  server.Stop(std::chrono::seconds(2));
}

}  // namespace
}  // namespace promlet::net
