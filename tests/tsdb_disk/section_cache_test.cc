// The block cache (tsdb/block/section_cache.h): least recently used eviction by bytes, values
// that outlive their entries, per-block owners; and blocks that share one cache reading their
// own data (two blocks of the same shape have sections at the same offsets).
#include "tsdb/block/section_cache.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/tsdb_disk/test_util.h"
#include "tsdb/block/block.h"
#include "tsdb/block/block_writer.h"

namespace promlet::tsdb {
namespace {

std::shared_ptr<const void> Value(int v) { return std::make_shared<const int>(v); }
int Read(const std::shared_ptr<const void>& p) { return *std::static_pointer_cast<const int>(p); }

TEST(SectionCache, EvictsTheLeastRecentlyUsedBeyondItsBytes) {
  SectionCache cache(100);
  cache.Insert({1, 0, 10}, Value(10), 40);
  cache.Insert({1, 0, 20}, Value(20), 40);
  ASSERT_NE(cache.Lookup({1, 0, 10}), nullptr);  // 10 is now more recent than 20
  cache.Insert({1, 0, 30}, Value(30), 40);       // 120 > 100: 20 goes
  EXPECT_EQ(cache.Lookup({1, 0, 20}), nullptr);
  ASSERT_NE(cache.Lookup({1, 0, 10}), nullptr);
  EXPECT_EQ(Read(cache.Lookup({1, 0, 10})), 10);
  EXPECT_EQ(Read(cache.Lookup({1, 0, 30})), 30);
  EXPECT_EQ(cache.usage(), 80u);
  EXPECT_EQ(cache.hits(), 4u);
  EXPECT_EQ(cache.misses(), 1u);
}

TEST(SectionCache, ALargeScanLeavesWhatWasReadAgain) {
  SectionCache cache(100);
  cache.Insert({1, 0, 0}, Value(0), 10);
  cache.Insert({1, 0, 1}, Value(1), 10);
  ASSERT_NE(cache.Lookup({1, 0, 0}), nullptr);  // read again: protected
  for (uint64_t off = 100; off < 150; ++off) cache.Insert({1, 0, off}, Value(2), 10);
  EXPECT_EQ(Read(cache.Lookup({1, 0, 0})), 0);
  EXPECT_EQ(cache.Lookup({1, 0, 1}), nullptr);    // read once: gone with the scan
  EXPECT_EQ(cache.Lookup({1, 0, 100}), nullptr);  // the scan's oldest
  EXPECT_NE(cache.Lookup({1, 0, 149}), nullptr);
  EXPECT_EQ(cache.usage(), 100u);
  // The protected segment holds at most half (0 and 149 are in it now): reading five more
  // again demotes those two, which the next scan then evicts.
  for (uint64_t off = 144; off < 149; ++off) ASSERT_NE(cache.Lookup({1, 0, off}), nullptr);
  for (uint64_t off = 200; off < 300; ++off) cache.Insert({1, 0, off}, Value(3), 10);
  EXPECT_EQ(cache.Lookup({1, 0, 0}), nullptr);
  EXPECT_EQ(cache.Lookup({1, 0, 149}), nullptr);
  for (uint64_t off = 144; off < 149; ++off) EXPECT_NE(cache.Lookup({1, 0, off}), nullptr) << off;
}

TEST(SectionCache, ReplacesAKeyAndKeepsNothingLargerThanItself) {
  SectionCache cache(100);
  cache.Insert({1, 1, 0}, Value(1), 30);
  cache.Insert({1, 1, 0}, Value(2), 50);
  EXPECT_EQ(Read(cache.Lookup({1, 1, 0})), 2);
  EXPECT_EQ(cache.usage(), 50u);
  cache.Insert({1, 1, 8}, Value(3), 101);
  EXPECT_EQ(cache.Lookup({1, 1, 8}), nullptr);
  EXPECT_EQ(cache.usage(), 50u);  // the oversized value evicted nothing
  SectionCache none(0);
  none.Insert({1, 1, 0}, Value(4), 1);
  EXPECT_EQ(none.Lookup({1, 1, 0}), nullptr);
  EXPECT_EQ(none.usage(), 0u);
}

TEST(SectionCache, EraseOwnerDropsOnlyItsEntriesAndHeldValuesStayValid) {
  SectionCache cache(1000);
  const uint64_t a = SectionCache::NewOwner(), b = SectionCache::NewOwner();
  ASSERT_NE(a, b);
  cache.Insert({a, 0, 0}, Value(1), 10);
  cache.Insert({b, 0, 0}, Value(2), 10);  // same file and offset, other owner
  cache.Insert({a, 1, 0}, Value(3), 10);
  EXPECT_EQ(Read(cache.Lookup({a, 0, 0})), 1);
  std::shared_ptr<const void> held = cache.Lookup({a, 1, 0});
  cache.EraseOwner(a);
  EXPECT_EQ(cache.Lookup({a, 0, 0}), nullptr);
  EXPECT_EQ(cache.Lookup({a, 1, 0}), nullptr);
  EXPECT_EQ(Read(cache.Lookup({b, 0, 0})), 2);
  EXPECT_EQ(cache.usage(), 10u);
  EXPECT_EQ(Read(held), 3);
}

// A block of kSeries series "m"{id} whose sample i is id * scale + i.
std::shared_ptr<Block> WriteBlock(const std::string& parent, double scale,
                                  std::shared_ptr<SectionCache> cache) {
  constexpr int kSeries = 200, kSamples = 240;
  auto w = BlockWriter::Create(parent);
  EXPECT_TRUE(w.ok());
  std::vector<int64_t> ts(kSamples);
  for (int i = 0; i < kSamples; ++i) ts[i] = 1700000000000 + i * 15000;
  for (int s = 0; s < kSeries; ++s) {
    std::vector<double> vs(kSamples);
    for (int i = 0; i < kSamples; ++i) vs[i] = s * scale + i;
    EXPECT_TRUE(
        (*w)->AddSeries(model::Labels{{"__name__", "m"}, {"id", std::to_string(1000 + s)}}, ts, vs)
            .ok());
  }
  auto meta = (*w)->Finish(0, 1800000000000);
  EXPECT_TRUE(meta.ok()) << meta.status();
  auto b = Block::Open(parent + "/" + meta->ulid, true, std::move(cache));
  EXPECT_TRUE(b.ok()) << b.status();
  return *b;
}

// Reads every sample of every series of b and checks it (WriteBlock's values at `scale`);
// returns how many it read.
size_t ReadAndCheck(const Block& b, double scale) {
  size_t n = 0;
  Block::SeriesCursor cursor;
  for (uint32_t o = 0; o < b.NumSeries(); ++o) {
    model::Labels ls;
    std::vector<BlockChunkMeta> chunks;
    EXPECT_TRUE(b.Series(o, &ls, &chunks, &cursor).ok());
    const double id = std::stod(std::string(ls.Get("id"))) - 1000;
    size_t k = 0;  // sample index in the series
    for (const BlockChunkMeta& c : chunks) {
      std::vector<int64_t> ts;
      std::vector<double> vs;
      EXPECT_TRUE(b.ReadChunk(c.ref, &ts, &vs).ok());
      for (size_t i = 0; i < vs.size(); ++i, ++k, ++n) {
        EXPECT_EQ(vs[i], id * scale + static_cast<double>(k)) << ls.ToString() << " " << k;
      }
    }
  }
  return n;
}

TEST(BlockCache, BlocksSharingACacheReadTheirOwnSectionsAndRepeatedReadsHit) {
  const std::string dir = testing::FreshDir("section_cache_test");
  auto cache = std::make_shared<SectionCache>(64 << 20);
  auto one = WriteBlock(dir + "/one", 1, cache);
  auto three = WriteBlock(dir + "/three", 3, cache);
  EXPECT_EQ(ReadAndCheck(*one, 1), 200u * 240u);
  const uint64_t misses = cache->misses();
  const size_t usage_one = cache->usage();
  EXPECT_GT(misses, 0u);
  EXPECT_GT(usage_one, 0u);
  // The other block's sections sit at the same offsets: they must be its own.
  EXPECT_EQ(ReadAndCheck(*three, 3), 200u * 240u);
  EXPECT_EQ(cache->misses(), 2 * misses);
  // Read again: everything comes from the cache.
  const uint64_t hits = cache->hits();
  EXPECT_EQ(ReadAndCheck(*one, 1), 200u * 240u);
  EXPECT_EQ(ReadAndCheck(*three, 3), 200u * 240u);
  EXPECT_EQ(cache->misses(), 2 * misses);
  EXPECT_GT(cache->hits(), hits);
  // A closed block takes its entries with it.
  one.reset();
  EXPECT_EQ(cache->usage(), usage_one);
  three.reset();
  EXPECT_EQ(cache->usage(), 0u);
  std::filesystem::remove_all(dir);
}

TEST(BlockCache, ASmallCacheStillAnswersInFull) {
  const std::string dir = testing::FreshDir("section_cache_small_test");
  auto cache = std::make_shared<SectionCache>(4096);  // smaller than one chunk group
  auto b = WriteBlock(dir + "/b", 2, cache);
  EXPECT_EQ(ReadAndCheck(*b, 2), 200u * 240u);
  EXPECT_EQ(ReadAndCheck(*b, 2), 200u * 240u);
  EXPECT_LE(cache->usage(), 4096u);
  std::filesystem::remove_all(dir);
}

TEST(BlockCache, AutoCapacityIsASixteenthOfMemoryBetween32MiBAnd1GiB) {
  constexpr uint64_t kMiB = uint64_t{1} << 20;
  EXPECT_EQ(SectionCache::AutoCapacity(256 * kMiB), 32 * kMiB);
  EXPECT_EQ(SectionCache::AutoCapacity(512 * kMiB), 32 * kMiB);
  EXPECT_EQ(SectionCache::AutoCapacity(2048 * kMiB), 128 * kMiB);
  EXPECT_EQ(SectionCache::AutoCapacity(8192 * kMiB + 16), 512 * kMiB + 1);
  EXPECT_EQ(SectionCache::AutoCapacity(16384 * kMiB), 1024 * kMiB);
  EXPECT_EQ(SectionCache::AutoCapacity(256 * 1024 * kMiB), 1024 * kMiB);
}

}  // namespace
}  // namespace promlet::tsdb
