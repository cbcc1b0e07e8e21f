// GzipWriter: pieces deflated on their own (on other threads) and text deflated in place join
// into one gzip stream that any decoder reads back as the text, CRC and size checked.
#include "common/gzip.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace promlet::common {
namespace {

std::string Text(size_t n, unsigned seed) {
  std::string s;
  s.reserve(n);
  unsigned x = seed;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245 + 12345;
    // Mostly JSON-like repetition, some noise, and every byte value now and then.
    s.push_back(i % 97 == 0 ? static_cast<char>(x >> 16) : "[1700000000,\"0.25\"],"[i % 20]);
  }
  return s;
}

TEST(GzipWriterTest, PiecesDeflatedOnOtherThreadsJoinIntoOneStream) {
  const std::vector<size_t> sizes = {0, 1, 100, 65536, 300000, 0, 7, 1 << 20};
  std::vector<std::string> texts;
  for (size_t i = 0; i < sizes.size(); ++i)
    texts.push_back(Text(sizes[i], static_cast<unsigned>(i)));
  std::vector<DeflatedPiece> pieces(texts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < texts.size(); ++i) {
    threads.emplace_back([&, i] { pieces[i] = DeflatePiece(texts[i]); });
  }
  for (auto& t : threads) t.join();
  std::string out = "kept";  // appended to, not replaced
  GzipWriter gzip(&out);
  std::string want;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (i % 3 == 1) {
      gzip.Append(texts[i]);
    } else {
      gzip.AppendDeflated(pieces[i]);
    }
    want += texts[i];
  }
  gzip.Append("tail");
  want += "tail";
  gzip.Finish();
  ASSERT_EQ(out.substr(0, 4), "kept");
  const std::string z = out.substr(4);
  EXPECT_LT(z.size(), want.size() / 2);
  auto got = GunzipWithLimit(z, 0);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, want);
  // The trailer is checked: a wrong CRC or size is an error, not a silent difference.
  for (size_t at : {z.size() - 8, z.size() - 1}) {
    std::string bad = z;
    bad[at] = static_cast<char>(bad[at] ^ 1);
    EXPECT_FALSE(GunzipWithLimit(bad, 0).ok()) << "byte " << at;
  }
}

TEST(GzipWriterTest, NothingAppendedIsTheEmptyText) {
  std::string out;
  GzipWriter gzip(&out);
  gzip.Append("");
  gzip.AppendDeflated(DeflatePiece(""));
  gzip.Finish();
  auto got = GunzipWithLimit(out, 0);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "");
}

}  // namespace
}  // namespace promlet::common
