// The C++ API (promlet/promlet.hpp) through libpromlet.so: typed results, exposition-text batch
// append, series cursors, label lookups, errors as values, and Serve.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "promlet/promlet.hpp"
#include "tests/integration/test_util.h"

namespace {

using promlet::testing::HttpGet;
using promlet::testing::MakeTempDir;

constexpr int64_t kT0 = 1700000000000;

class CppApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("embed-cpp");
    auto db = promlet::Db::Open(dir_);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_.emplace(std::move(db).value());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::optional<promlet::Db> db_;
};

TEST_F(CppApiTest, TypedResults) {
  promlet::Appender app = db_->NewAppender();
  ASSERT_TRUE(app.Add("cpu_seconds_total{core=\"0\"}", kT0, 10).ok());
  ASSERT_TRUE(app.Add("cpu_seconds_total{core=\"1\"}", kT0, 20).ok());
  ASSERT_TRUE(app.Add({{"__name__", "cpu_seconds_total"}, {"core", "0"}}, kT0 + 60000, 70).ok());
  ASSERT_TRUE(app.Commit().ok());

  auto v = db_->Query("cpu_seconds_total", kT0 + 1000);
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_EQ(v->type(), promlet::QueryResult::Type::kVector);
  ASSERT_EQ(v->vector().size(), 2u);
  EXPECT_EQ(promlet::LabelValue(v->vector()[0].labels, "core"), "0");
  EXPECT_EQ(v->vector()[1].sample, (promlet::Sample{kT0 + 1000, 20}));

  auto rate = db_->Query("cpu_seconds_total{core=\"0\"} - cpu_seconds_total offset 1m",
                         kT0 + 60000);
  ASSERT_TRUE(rate.ok());
  ASSERT_EQ(rate->vector().size(), 1u);
  EXPECT_EQ(rate->vector()[0].sample.value, 60);
  EXPECT_TRUE(promlet::LabelValue(rate->vector()[0].labels, "__name__").empty());

  auto s = db_->Query("2 * 21", kT0);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->type(), promlet::QueryResult::Type::kScalar);
  EXPECT_EQ(s->scalar().value, 42);
  auto str = db_->Query("\"text\"", kT0);
  ASSERT_TRUE(str.ok());
  EXPECT_EQ(str->string().value, "text");

  auto m = db_->QueryRange("cpu_seconds_total{core=\"0\"}", kT0, kT0 + 60000, 30000);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->type(), promlet::QueryResult::Type::kMatrix);
  ASSERT_EQ(m->matrix().size(), 1u);
  EXPECT_EQ(m->matrix()[0].samples,
            (std::vector<promlet::Sample>{{kT0, 10}, {kT0 + 30000, 10}, {kT0 + 60000, 70}}));
  auto rv = db_->Query("cpu_seconds_total{core=\"0\"}[2m]", kT0 + 60000);
  ASSERT_TRUE(rv.ok());
  ASSERT_EQ(rv->type(), promlet::QueryResult::Type::kMatrix);
  EXPECT_EQ(rv->matrix()[0].samples.size(), 2u);

  // The JSON form is the C API's and the HTTP API's.
  auto json = db_->QueryJson("2 * 21", kT0);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, R"({"resultType":"scalar","result":[1700000000,"42"]})");
  // Annotations come with the result, worded as the HTTP API words them.
  promlet::Appender gauge = db_->NewAppender();
  ASSERT_TRUE(gauge.Add("temperature", kT0, 20).ok());
  ASSERT_TRUE(gauge.Add("temperature", kT0 + 30000, 21).ok());
  ASSERT_TRUE(gauge.Commit().ok());
  auto info = db_->Query("rate(temperature[5m])", kT0 + 30000);
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->infos().size(), 1u);
  EXPECT_NE(info->infos()[0].find("metric might not be a counter"), std::string::npos);
}

TEST_F(CppApiTest, AddTextAppendsAWholeExposition) {
  promlet::Appender app = db_->NewAppender();
  const std::string text =
      "# HELP jobs_total Jobs.\n# TYPE jobs_total counter\n"
      "jobs_total{queue=\"a\"} 3\njobs_total{queue=\"b\"} 4 1700000005000\n";
  ASSERT_TRUE(app.AddText(text, kT0).ok());
  ASSERT_TRUE(app.Commit().ok());
  auto r = db_->Query("jobs_total", kT0 + 5000);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->vector().size(), 2u);
  EXPECT_EQ(r->vector()[0].sample, (promlet::Sample{kT0 + 5000, 3}));
  EXPECT_EQ(r->vector()[1].sample, (promlet::Sample{kT0 + 5000, 4}));
  auto raw = db_->Query("jobs_total{queue=\"b\"}[1m]", kT0 + 5000);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->matrix()[0].samples[0].timestamp_ms, kT0 + 5000);  // the text's timestamp

  promlet::Appender bad = db_->NewAppender();
  promlet::Status st = bad.AddText("ok 1\nbroken{ 2\n", kT0);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().rfind("line 2: ", 0), 0u) << st.message();
}

TEST_F(CppApiTest, SeriesCursorAndLabelLookups) {
  promlet::Appender app = db_->NewAppender();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(app.Add("req{path=\"/a\"}", kT0 + i * 1000, i).ok());
    ASSERT_TRUE(app.Add("req{path=\"/b\"}", kT0 + i * 1000, 10 + i).ok());
  }
  ASSERT_TRUE(app.Add("other{zone=\"eu\"}", kT0, 1).ok());
  ASSERT_TRUE(app.Commit().ok());

  auto cur = db_->Select("req", kT0 + 1000, kT0 + 3000);
  ASSERT_TRUE(cur.ok()) << cur.status().message();
  std::vector<std::string> paths;
  std::vector<double> values;
  while (cur->Next()) {
    paths.emplace_back(promlet::LabelValue(cur->labels(), "path"));
    promlet::Sample s;
    while (cur->NextSample(s)) values.push_back(s.value);
  }
  EXPECT_TRUE(cur->status().ok());
  EXPECT_EQ(paths, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(values, (std::vector<double>{1, 2, 3, 11, 12, 13}));

  auto names = db_->LabelNames();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "path", "zone"}));
  std::vector<std::string> sel = {"req"};
  auto only_req = db_->LabelNames(sel);
  ASSERT_TRUE(only_req.ok());
  EXPECT_EQ(*only_req, (std::vector<std::string>{"__name__", "path"}));
  auto vals = db_->LabelValues("path");
  ASSERT_TRUE(vals.ok());
  EXPECT_EQ(*vals, (std::vector<std::string>{"/a", "/b"}));

  EXPECT_FALSE(db_->Select("{path=~\".*\"}", kT0, kT0).ok());  // matches everything: refused
  EXPECT_FALSE(db_->Select("req{", kT0, kT0).ok());
}

TEST_F(CppApiTest, ErrorsAreValues) {
  auto again = promlet::Db::Open(dir_);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("is in use"), std::string::npos);

  promlet::Appender app = db_->NewAppender();
  EXPECT_FALSE(app.Add("x{", kT0, 1).ok());
  EXPECT_FALSE(app.Add(promlet::Labels{{"job", "no-name"}}, kT0, 1).ok());
  ASSERT_TRUE(app.Add("x", kT0, 1).ok());
  promlet::Status ooo = app.Add("x", kT0 - 1, 1);
  EXPECT_EQ(ooo.message(), "out of order sample (series x, timestamp 1699999999999)");
  ASSERT_TRUE(app.Commit().ok());
  EXPECT_FALSE(app.Commit().ok());  // finished
  EXPECT_FALSE(app.Add("x", kT0 + 1, 1).ok());

  auto q = db_->Query("rate(x)", kT0);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("expected type range vector"), std::string::npos)
      << q.status().message();
  EXPECT_FALSE(db_->QueryRange("x", kT0, kT0 + 1000, -1).ok());

  {
    promlet::Appender dropped = db_->NewAppender();
    ASSERT_TRUE(dropped.Add("never", kT0, 1).ok());
  }  // destroyed without Commit: rolled back
  auto never = db_->Query("never", kT0);
  ASSERT_TRUE(never.ok());
  EXPECT_TRUE(never->vector().empty());
}

TEST_F(CppApiTest, ServeAnswersTheSameJson) {
  promlet::Appender app = db_->NewAppender();
  ASSERT_TRUE(app.Add("up{job=\"x\"}", kT0, 1).ok());
  ASSERT_TRUE(app.Commit().ok());
  auto port = db_->Serve("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status().message();
  auto r = HttpGet(*port, "/api/v1/query?query=up&time=1700000000");
  auto json = db_->QueryJson("up", kT0);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":" + *json + "}");
  EXPECT_FALSE(db_->Serve("127.0.0.1:0").ok());
}

TEST(CppApiVersion, MatchesC) { EXPECT_EQ(promlet::Version(), PROMLET_EXPECTED_VERSION); }

}  // namespace
