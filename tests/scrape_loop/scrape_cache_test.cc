// ScrapeCache through AppendScrapeBody (no I/O): staleness across successful and failed
// scrapes, cache eviction, and metadata as last exposed, including the positional fast path
// (lines that moved, changed, repeat within a page, or carry escapes).
#include "model/value.h"
#include "scrape/scrape_cache.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scrape/scrape_loop.h"
#include "tests/scrape_loop/mem_storage.h"

namespace promlet::scrape {
namespace {

using testing::MemStorage;

class ScrapeCacheTest : public ::testing::Test {
 protected:
  // One scrape: append `body` at time t and commit; on error roll back and write the stale
  // markers as the scrape loop does.
  AppendResult Scrape(std::string_view body, int64_t t) {
    auto app = db_.NewAppender();
    AppendResult r = AppendScrapeBody(*app, cache_, opts_, body, model::Format::kText004, t);
    if (!r.error.ok()) {
      app->Rollback();
      app = db_.NewAppender();
      AppendStaleMarkers(*app, cache_, t);
    }
    EXPECT_TRUE(app->Commit().ok());
    return r;
  }
  std::vector<storage::Sample> Of(const model::Labels& l) const { return db_.Samples(l); }
  static bool Stale(const storage::Sample& s) { return model::IsStaleNaN(s.v); }

  MemStorage db_;
  ScrapeCache cache_;
  SampleOptions opts_;
};

const model::Labels kA{{"__name__", "a"}};
const model::Labels kB{{"__name__", "b"}, {"x", "y"}};
const model::Labels kC{{"__name__", "c"}};

TEST_F(ScrapeCacheTest, VanishedSeriesGetOneMarkerAndLeaveTheCache) {
  ASSERT_TRUE(Scrape("a 1\nb{x=\"y\"} 2\nc 3\n", 1000).error.ok());
  EXPECT_EQ(cache_.size(), 3u);
  ASSERT_TRUE(Scrape("a 1\nc 3\n", 2000).error.ok());
  EXPECT_EQ(cache_.size(), 2u);
  ASSERT_TRUE(Scrape("a 1\nc 3\n", 3000).error.ok());
  auto b = Of(kB);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].t, 2000);
  EXPECT_TRUE(Stale(b[1]));
  // It comes back: a new series to the cache, no marker in between.
  AppendResult r = Scrape("a 1\nb{x=\"y\"} 5\nc 3\n", 4000);
  EXPECT_EQ(r.series_added, 1u);
  b = Of(kB);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[2].v, 5);
  EXPECT_EQ(Of(kA).size(), 4u);
}

TEST_F(ScrapeCacheTest, FailedScrapeMarksEveryPreviousSeriesEvenThoseItParsed) {
  ASSERT_TRUE(Scrape("a 1\nb{x=\"y\"} 2\n", 1000).error.ok());
  // "a" is parsed (and tracked) before the error: it must get its marker all the same.
  EXPECT_FALSE(Scrape("a 7\nb{x=\"y\" 2\n", 2000).error.ok());
  auto a = Of(kA), b = Of(kB);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_TRUE(Stale(a[1]));
  EXPECT_TRUE(Stale(b[1]));
  EXPECT_EQ(a[1].t, 2000);
  // A second failure adds nothing; the next success has no "previous" series to mark.
  EXPECT_FALSE(Scrape("garbage{\n", 3000).error.ok());
  ASSERT_TRUE(Scrape("c 1\n", 4000).error.ok());
  EXPECT_EQ(Of(kA).size(), 2u);
  EXPECT_EQ(Of(kB).size(), 2u);
  ASSERT_TRUE(Scrape("a 1\n", 5000).error.ok());
  auto c = Of(kC);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_TRUE(Stale(c[1]));
  EXPECT_EQ(c[1].t, 5000);
}

TEST_F(ScrapeCacheTest, ExplicitTimestampsAreNotTracked) {
  ASSERT_TRUE(Scrape("a 1 500\nc 1\n", 1000).error.ok());
  ASSERT_TRUE(Scrape("\n", 2000).error.ok());
  EXPECT_EQ(Of(kA).size(), 1u);
  ASSERT_EQ(Of(kC).size(), 2u);
  EXPECT_TRUE(Stale(Of(kC)[1]));
}

TEST_F(ScrapeCacheTest, ManySeriesSurviveRehashing) {
  std::string body;
  for (int i = 0; i < 3000; ++i) body += "m{i=\"" + std::to_string(i) + "\"} 1\n";
  ASSERT_TRUE(Scrape(body, 1000).error.ok());
  AppendResult r = Scrape(body, 2000);
  EXPECT_EQ(r.series_added, 0u);
  EXPECT_EQ(r.added, 3000u);
  EXPECT_EQ(db_.label_lookups(), 3000u);  // second scrape: by ref only
  ASSERT_TRUE(Scrape("m{i=\"7\"} 1\n", 3000).error.ok());
  EXPECT_EQ(cache_.size(), 1u);
  auto s = Of(model::Labels{{"__name__", "m"}, {"i", "2999"}});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_TRUE(Stale(s[2]));
}

model::MetricMetadata Meta(std::string family, model::MetricType t, std::string help, std::string unit = "") {
  model::MetricMetadata m;
  m.family = std::move(family);
  m.type = t;
  m.help = std::move(help);
  m.unit = std::move(unit);
  return m;
}

MATCHER_P(SameMeta, want, "") {
  return arg.family == want.family && arg.type == want.type && arg.help == want.help &&
         arg.unit == want.unit;
}

TEST_F(ScrapeCacheTest, MetadataFollowsEveryChange) {
  using ::testing::ElementsAre;
  ASSERT_TRUE(Scrape("# HELP a Help of a.\n# TYPE a counter\na 1\n"
                     "# HELP b Help of b.\n# TYPE b gauge\nb{x=\"y\"} 1\n",
                     1000)
                  .error.ok());
  EXPECT_THAT(cache_.Metadata(),
              ElementsAre(SameMeta(Meta("a", model::MetricType::kCounter, "Help of a.")),
                          SameMeta(Meta("b", model::MetricType::kGauge, "Help of b."))));
  // Same positions, other families / texts; an escaped help; b's lines gone (kept, as before).
  ASSERT_TRUE(Scrape("# HELP c C \\\\ \\n.\n# TYPE c gauge\nc 1\n"
                     "# HELP a New help.\n# TYPE a gauge\na 1\n",
                     2000)
                  .error.ok());
  EXPECT_THAT(cache_.Metadata(),
              ElementsAre(SameMeta(Meta("a", model::MetricType::kGauge, "New help.")),
                          SameMeta(Meta("b", model::MetricType::kGauge, "Help of b.")),
                          SameMeta(Meta("c", model::MetricType::kGauge, "C \\ \n."))));
  // A family repeated within one page: the last line wins, on every scrape.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Scrape("# HELP a first\n# HELP a second\na 1\n", 3000 + 1000 * i).error.ok());
    auto m = cache_.MetadataFor("a");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->help, "second");
  }
  // Back to an empty help.
  ASSERT_TRUE(Scrape("# HELP a\na 1\n", 7000).error.ok());
  EXPECT_EQ(cache_.MetadataFor("a")->help, "");
  EXPECT_FALSE(cache_.MetadataFor("zzz").has_value());
  // A line identical to the previous page's line at its position must still be applied when
  // an earlier line of this page changed the same family's help.
  ASSERT_TRUE(Scrape("# HELP b z\n# HELP a x\na 1\n", 8000).error.ok());
  EXPECT_EQ(cache_.MetadataFor("a")->help, "x");
  ASSERT_TRUE(Scrape("# HELP a y\n# HELP a x\na 1\n", 9000).error.ok());
  EXPECT_EQ(cache_.MetadataFor("a")->help, "x");
  ASSERT_TRUE(Scrape("# HELP a y\n# HELP b z\na 1\n", 10000).error.ok());
  EXPECT_EQ(cache_.MetadataFor("a")->help, "y");
  // A failed parse applies the lines before its error, and only those count as "previous".
  EXPECT_FALSE(Scrape("# HELP a w\nbad{\n# HELP b q\n", 11000).error.ok());
  EXPECT_EQ(cache_.MetadataFor("a")->help, "w");
  EXPECT_EQ(cache_.MetadataFor("b")->help, "z");
  ASSERT_TRUE(Scrape("# HELP a w\n# HELP b q\na 1\n", 12000).error.ok());
  EXPECT_EQ(cache_.MetadataFor("b")->help, "q");
}

TEST_F(ScrapeCacheTest, MetadataIsPerTargetAlthoughTextsAreShared) {
  ScrapeCache other;
  ASSERT_TRUE(Scrape("# HELP a Shared.\na 1\n", 1000).error.ok());
  {
    auto app = db_.NewAppender();
    ASSERT_TRUE(AppendScrapeBody(*app, other, opts_, "# HELP a Shared.\n# HELP z Z.\nz 1\n",
                                 model::Format::kText004, 1000)
                    .error.ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  EXPECT_EQ(cache_.Metadata().size(), 1u);
  EXPECT_EQ(other.Metadata().size(), 2u);
  ASSERT_TRUE(Scrape("# HELP a Changed.\na 1\n", 2000).error.ok());
  EXPECT_EQ(cache_.MetadataFor("a")->help, "Changed.");
  EXPECT_EQ(other.MetadataFor("a")->help, "Shared.");
}

TEST_F(ScrapeCacheTest, MetadataOfVanishedFamiliesIsDroppedSoChurnStaysBounded) {
  // 37 scrapes of 1,000 new family names each (issue 22 kept all 37,000).
  for (int scrape = 0; scrape < 37; ++scrape) {
    std::string body;
    for (int i = 0; i < 1000; ++i) {
      const std::string name = absl::StrCat("churn_", scrape, "_", i);
      absl::StrAppend(&body, "# HELP ", name, " Churning.\n# TYPE ", name, " gauge\n", name,
                      " 1\n");
    }
    absl::StrAppend(&body, "# HELP steady Always there.\nsteady 1\n");
    ASSERT_TRUE(Scrape(body, 1000 * (scrape + 1)).error.ok());
  }
  // Prometheus keeps a vanished family for 10 more scrapes.
  EXPECT_LE(cache_.metadata_size(), (ScrapeCache::kMetadataKeepIterations + 1) * 1000 + 1);
  EXPECT_EQ(cache_.MetadataFor("steady")->help, "Always there.");
  EXPECT_TRUE(cache_.MetadataFor("churn_36_999").has_value());
  EXPECT_FALSE(cache_.MetadataFor("churn_0_0").has_value());
  // The fast path restarts cleanly after a drop: later changes still show.
  ASSERT_TRUE(Scrape("# HELP steady Changed.\nsteady 1\n", 100000).error.ok());
  EXPECT_EQ(cache_.MetadataFor("steady")->help, "Changed.");
  ASSERT_TRUE(Scrape("# HELP steady Again.\nsteady 1\n", 101000).error.ok());
  EXPECT_EQ(cache_.MetadataFor("steady")->help, "Again.");
}

}  // namespace
}  // namespace promlet::scrape
