#include "web/api/v1/params.h"

#include <gtest/gtest.h>

namespace promlet::web {
namespace {

TEST(ParseTimeTest, UnixSecondsAndRfc3339) {
  EXPECT_EQ(*ParseTime("0"), 0);
  EXPECT_EQ(*ParseTime("1435781451.781"), 1435781451781);
  EXPECT_EQ(*ParseTime("1435781451.7814"), 1435781451781);  // rounded to ms
  EXPECT_EQ(*ParseTime("1435781451.7816"), 1435781451782);
  EXPECT_EQ(*ParseTime("1e3"), 1000000);
  EXPECT_EQ(*ParseTime("-1.5"), -1500);
  EXPECT_EQ(*ParseTime("2015-07-01T20:10:51.781Z"), 1435781451781);
  EXPECT_EQ(*ParseTime("2015-07-01T22:10:51.781+02:00"), 1435781451781);
  EXPECT_EQ(*ParseTime("2015-07-01T20:10:51Z"), 1435781451000);
  EXPECT_EQ(*ParseTime("-292273086-05-16T16:47:06Z"), kMinTimeMs);
  EXPECT_EQ(*ParseTime("292277025-08-18T07:12:54.999999999Z"), kMaxTimeMs);
}

TEST(ParseTimeTest, RejectsGarbageWithPrometheusMessage) {
  for (const char* bad : {"", "abc", "12abc", " 12", "2015-07-01", "2015-13-01T00:00:00Z",
                          "1h"}) {
    auto t = ParseTime(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().message(),
              std::string("cannot parse \"") + bad + "\" to a valid timestamp");
  }
}

TEST(ParseDurationParamTest, FloatSecondsOrDuration) {
  EXPECT_EQ(*ParseDurationParam("15"), 15000);
  EXPECT_EQ(*ParseDurationParam("0.5"), 500);
  EXPECT_EQ(*ParseDurationParam("1m30s"), 90000);
  EXPECT_EQ(*ParseDurationParam("1h"), 3600000);
  EXPECT_EQ(*ParseDurationParam("-5"), -5000);
  EXPECT_EQ(*ParseDurationParam("0"), 0);
  EXPECT_FALSE(ParseDurationParam("").ok());
  EXPECT_FALSE(ParseDurationParam("1x").ok());
  EXPECT_FALSE(ParseDurationParam("1e300").ok());
  EXPECT_EQ(ParseDurationParam("abc").status().message(),
            "cannot parse \"abc\" to a valid duration");
}

TEST(FormTest, QueryAndBodyMerge) {
  auto f = Form::Parse("query=up&match[]=a&time=1", "match%5B%5D=b&query=1%2B1+x",
                       "application/x-www-form-urlencoded; charset=utf-8");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Get("query"), "1+1 x");  // body first, as Go's Request.Form
  auto all = f->All("match[]");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], "b");
  EXPECT_EQ(all[1], "a");
  EXPECT_TRUE(f->Has("time"));
  EXPECT_FALSE(f->Has("start"));
  EXPECT_EQ(f->Get("start"), "");
}

TEST(FormTest, BodyIgnoredWithoutFormContentType) {
  auto f = Form::Parse("", "query=up", "application/json");
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->Has("query"));
}

TEST(FormTest, BadEscapeIsAnError) {
  EXPECT_FALSE(Form::Parse("query=%zz", "", "").ok());
  EXPECT_FALSE(Form::Parse("query=%4", "", "").ok());
}

}  // namespace
}  // namespace promlet::web
