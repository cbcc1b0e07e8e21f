#include "model/value.h"
#include "web/federate.h"

#include <gtest/gtest.h>

#include "tsdb/head.h"

namespace promlet::web {
namespace {

TEST(FederateTest, LatestSampleWithinLookbackGroupedByName) {
  tsdb::Head head;
  auto app = head.NewAppender();
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "up"}, {"job", "b"}}, 1000, 1).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "up"}, {"job", "b"}}, 2000, 0).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "up"}, {"job", "a"}}, 2000, 1).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "a_metric"}, {"x", "q\"\n"}}, 1500, 1.5e6).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "stale"}}, 1000, 1).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "stale"}}, 2000, model::StaleNaN()).ok());
  ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "old"}}, 100, 1).ok());
  ASSERT_TRUE(app->Commit().ok());

  std::vector<std::vector<model::Matcher>> sel = {
      {model::Matcher::MustMake(model::MatchType::kRegexMatch, "__name__", ".+")},
      {model::Matcher::MustMake(model::MatchType::kEqual, "job", "a")},  // overlaps: deduped
  };
  auto text = FederateText(head, sel, /*now=*/2500, /*lookback=*/2000);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text,
            "# TYPE a_metric untyped\n"
            "a_metric{x=\"q\\\"\\n\"} 1.5e+06 1500\n"
            "# TYPE up untyped\n"
            "up{job=\"a\"} 1 2000\n"
            "up{job=\"b\"} 0 2000\n");
}

TEST(FederateTest, NoSelectorsNoOutput) {
  tsdb::Head head;
  auto text = FederateText(head, {}, 1000, 300000);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "");
}

}  // namespace
}  // namespace promlet::web
