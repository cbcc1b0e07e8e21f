// Native histograms through the embedded library (libpromlet.so's exported API only): appended
// from protobuf exposition bodies (built here with libprotobuf), read back as typed C++ results
// (vector, matrix, range vector, series cursor), through the C API's opaque handles, and in the
// JSON both share with the HTTP API.
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "promlet/promlet.h"
#include "promlet/promlet.hpp"
#include "tests/common_proto/body.h"
#include "tests/integration/test_util.h"

namespace {

using promlet::testing::MakeTempDir;

constexpr int64_t kT0 = 1700000000000;

// A native histogram (lat_seconds unless named), schema 0 (buckets (0.5,1], (1,2], (4,8]), zero
// threshold 1e-128, with the given absolute bucket counts.
std::string Body(long a, long b, long c, double sum, const std::string& name = "lat_seconds") {
  return promlet::testing::DelimitedBody({promlet::testing::NativeHistogramFamily(
      name, 0, {{0, 2}, {1, 1}}, {a, b - a, c - b}, static_cast<unsigned long>(a + b + c), sum)});
}

promlet::Histogram Expected(double a, double b, double c, double sum) {
  promlet::Histogram h;
  h.count = a + b + c;
  h.sum = sum;
  h.schema = 0;
  h.zero_threshold = 1e-128;
  h.buckets = {{0, 0.5, 1, a}, {0, 1, 2, b}, {0, 4, 8, c}};
  return h;
}

class HistogramApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("embed-hist");
    auto db = promlet::Db::Open(dir_);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_.emplace(std::move(db).value());
    promlet::Appender app = db_->NewAppender();
    ASSERT_TRUE(app.AddProtobuf(Body(1, 2, 2, 9.5), kT0).ok());
    ASSERT_TRUE(app.Commit().ok());
    promlet::Appender app2 = db_->NewAppender();
    promlet::Status st = app2.AddProtobuf(Body(2, 2, 3, 20), kT0 + 60000);
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_TRUE(app2.Commit().ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::optional<promlet::Db> db_;
};

TEST_F(HistogramApiTest, TypedCppResultsCarryHistograms) {
  auto v = db_->Query("lat_seconds", kT0 + 1000);
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_EQ(v->vector().size(), 1u);
  const promlet::VectorSample& e = v->vector()[0];
  EXPECT_EQ(promlet::LabelValue(e.labels, "__name__"), "lat_seconds");
  EXPECT_EQ(e.sample, (promlet::Sample{kT0 + 1000, 0}));
  ASSERT_TRUE(e.histogram.has_value());
  EXPECT_EQ(*e.histogram, Expected(1, 2, 2, 9.5));

  auto count = db_->Query("histogram_count(lat_seconds)", kT0 + 60000);
  ASSERT_TRUE(count.ok());
  EXPECT_FALSE(count->vector()[0].histogram.has_value());
  EXPECT_EQ(count->vector()[0].sample.value, 7);

  auto m = db_->QueryRange("lat_seconds", kT0, kT0 + 60000, 30000);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->matrix().size(), 1u);
  EXPECT_TRUE(m->matrix()[0].samples.empty());
  EXPECT_EQ(m->matrix()[0].histograms,
            (std::vector<promlet::HistogramSample>{{kT0, Expected(1, 2, 2, 9.5)},
                                                   {kT0 + 30000, Expected(1, 2, 2, 9.5)},
                                                   {kT0 + 60000, Expected(2, 2, 3, 20)}}));

  // A gauge-free rate gives a float histogram with fractional counts.
  auto rate = db_->Query("rate(lat_seconds[2m])", kT0 + 60000);
  ASSERT_TRUE(rate.ok());
  ASSERT_TRUE(rate->vector()[0].histogram.has_value());
  EXPECT_DOUBLE_EQ(rate->vector()[0].histogram->count, 2.0 / 60);

  // The typed buckets are the JSON's.
  auto json = db_->QueryJson("lat_seconds", kT0 + 1000);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find(R"("histogram":[1700000001,{"count":"5","sum":"9.5","buckets":)"
                       R"([[0,"0.5","1","1"],[0,"1","2","2"],[0,"4","8","2"]]}])"),
            std::string::npos)
      << *json;
}

TEST_F(HistogramApiTest, SeriesCursorYieldsHistogramSamples) {
  auto cur = db_->Select("lat_seconds", kT0, kT0 + 60000);
  ASSERT_TRUE(cur.ok());
  ASSERT_TRUE(cur->Next());
  promlet::Sample s;
  std::optional<promlet::Histogram> h;
  ASSERT_TRUE(cur->NextSample(s, h));
  EXPECT_EQ(s.timestamp_ms, kT0);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(*h, Expected(1, 2, 2, 9.5));
  // The one-argument form reads a histogram sample as NaN.
  ASSERT_TRUE(cur->NextSample(s));
  EXPECT_EQ(s.timestamp_ms, kT0 + 60000);
  EXPECT_TRUE(std::isnan(s.value));
  EXPECT_FALSE(cur->NextSample(s, h));
  EXPECT_TRUE(cur->status().ok());
}

TEST_F(HistogramApiTest, BrokenProtobufIsAnError) {
  promlet::Appender app = db_->NewAppender();
  promlet::Status st = app.AddProtobuf(std::string("\x05\x0a\x03", 3), kT0);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("byte 0"), std::string::npos) << st.message();
}

TEST_F(HistogramApiTest, CApiOpaqueHandles) {
  db_.reset();  // the directory is locked: hand it to the C API
  char* err = nullptr;
  promlet_db* db = promlet_open(dir_.c_str(), &err);
  ASSERT_NE(db, nullptr) << err;
  // A float series too, to see floats and histograms side by side.
  promlet_appender* a = promlet_appender_new(db);
  ASSERT_EQ(promlet_appender_add(a, "up{job=\"x\"}", kT0, 1, &err), 0) << err;
  const std::string body = Body(4, 0, 1, 33);
  ASSERT_EQ(promlet_appender_add_protobuf(a, body.data(), body.size(), kT0 + 120000, &err), 0)
      << err;
  ASSERT_EQ(promlet_appender_commit(a, &err), 0) << err;

  promlet_result* r = promlet_query_result(db, "{__name__=~\"lat_seconds|up\"}", kT0, &err);
  ASSERT_NE(r, nullptr) << err;
  ASSERT_EQ(promlet_result_series_count(r), 2u);
  EXPECT_STREQ(promlet_result_series_labels(r, 0), "lat_seconds");
  EXPECT_STREQ(promlet_result_series_labels(r, 1), "up{job=\"x\"}");
  ASSERT_EQ(promlet_result_point_count(r, 0), 1u);
  int64_t t = 0;
  double v = -1;
  const promlet_histogram* h = nullptr;
  ASSERT_EQ(promlet_result_point(r, 0, 0, &t, &v, &h), 0);
  EXPECT_EQ(t, kT0);
  EXPECT_EQ(v, 0);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(promlet_histogram_count(h), 5);
  EXPECT_EQ(promlet_histogram_sum(h), 9.5);
  EXPECT_EQ(promlet_histogram_schema(h), 0);
  EXPECT_EQ(promlet_histogram_zero_threshold(h), 1e-128);
  EXPECT_EQ(promlet_histogram_zero_count(h), 0);
  EXPECT_EQ(promlet_histogram_is_gauge(h), 0);
  ASSERT_EQ(promlet_histogram_bucket_count(h), 3u);
  int rule = -1;
  double lower = 0, upper = 0, count = 0;
  ASSERT_EQ(promlet_histogram_bucket(h, 2, &rule, &lower, &upper, &count), 0);
  EXPECT_EQ(rule, 0);
  EXPECT_EQ(lower, 4);
  EXPECT_EQ(upper, 8);
  EXPECT_EQ(count, 2);
  EXPECT_EQ(promlet_histogram_bucket(h, 3, &rule, &lower, &upper, &count), -1);
  ASSERT_EQ(promlet_result_point(r, 1, 0, &t, &v, &h), 0);
  EXPECT_EQ(v, 1);
  EXPECT_EQ(h, nullptr);
  EXPECT_EQ(promlet_result_point(r, 2, 0, &t, &v, &h), -1);
  promlet_result_free(r);

  // A range vector: the series' histograms in time order.
  r = promlet_query_result(db, "lat_seconds[5m]", kT0 + 120000, &err);
  ASSERT_NE(r, nullptr) << err;
  ASSERT_EQ(promlet_result_point_count(r, 0), 3u);
  ASSERT_EQ(promlet_result_point(r, 0, 2, &t, nullptr, &h), 0);
  EXPECT_EQ(t, kT0 + 120000);
  EXPECT_EQ(promlet_histogram_count(h), 5);
  EXPECT_EQ(promlet_histogram_sum(h), 33);
  promlet_result_free(r);

  // A series holding a float, then histograms: its points in time order, each of its kind.
  a = promlet_appender_new(db);
  ASSERT_EQ(promlet_appender_add(a, "mixed", kT0, 3, &err), 0) << err;
  const std::string mixed = Body(1, 1, 1, 4, "mixed");
  ASSERT_EQ(promlet_appender_add_protobuf(a, mixed.data(), mixed.size(), kT0 + 60000, &err), 0)
      << err;
  ASSERT_EQ(promlet_appender_commit(a, &err), 0) << err;
  r = promlet_query_range_result(db, "mixed", kT0, kT0 + 120000, 60000, &err);
  ASSERT_NE(r, nullptr) << err;
  ASSERT_EQ(promlet_result_series_count(r), 1u);
  ASSERT_EQ(promlet_result_point_count(r, 0), 3u);
  ASSERT_EQ(promlet_result_point(r, 0, 0, &t, &v, &h), 0);
  EXPECT_EQ(t, kT0);
  EXPECT_EQ(v, 3);
  EXPECT_EQ(h, nullptr);
  for (size_t i : {1, 2}) {
    ASSERT_EQ(promlet_result_point(r, 0, i, &t, &v, &h), 0);
    EXPECT_EQ(t, kT0 + 60000 * static_cast<int64_t>(i));
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(promlet_histogram_count(h), 3);
  }
  promlet_result_free(r);

  r = promlet_query_result(db, "\"text\"", kT0, &err);
  EXPECT_EQ(r, nullptr);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(err).find("string"), std::string::npos) << err;
  promlet_free(err);
  err = nullptr;
  r = promlet_query_result(db, "2 * 21", kT0, &err);
  ASSERT_NE(r, nullptr) << err;
  ASSERT_EQ(promlet_result_point(r, 0, 0, &t, &v, &h), 0);
  EXPECT_EQ(v, 42);
  EXPECT_STREQ(promlet_result_series_labels(r, 0), "{}");
  promlet_result_free(r);
  promlet_close(db);
}

}  // namespace
