#include "push/http_api.h"

#include <zlib.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace promlet::push {
namespace {

using ::testing::HasSubstr;

std::string Gzip(std::string_view in) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GroupStoreOptions o;
    o.now_ms = [] { return int64_t{1'700'000'000'500}; };
    store_ = *GroupStore::Open(o);
  }
  PushHttpResponse Do(std::string_view method, std::string_view path, std::string_view body,
                      std::string_view encoding = "", std::string_view type = "") {
    PushHttpRequest r{method, path, body, type, encoding};
    return ServePush(*store_, r, options_);
  }
  PushHttpOptions options_{.max_body_bytes = 1 << 20};
  std::unique_ptr<GroupStore> store_;
};

TEST_F(HttpApiTest, StatusCodes) {
  EXPECT_EQ(Do("PUT", "/metrics/job/a", "x 1\n").status, 200);
  EXPECT_EQ(Do("POST", "/metrics/job/a", "y 1\n").status, 200);
  EXPECT_EQ(Do("DELETE", "/metrics/job/a", "").status, 202);
  EXPECT_EQ(Do("DELETE", "/metrics/job/never", "").status, 202);
  auto odd = Do("PUT", "/metrics/job/a/b", "x 1\n");
  EXPECT_EQ(odd.status, 400);
  EXPECT_EQ(odd.body, "odd number of components in label string \"/b\"\n");
  EXPECT_EQ(Do("PUT", "/metrics/job/a", "x{ 1\n").status, 400);
  EXPECT_EQ(Do("PUT", "/metrics/jobx/a", "x 1\n").status, 404);
  EXPECT_EQ(Do("PUT", "/metrics/job/a%zz", "x 1\n").status, 400);
  EXPECT_EQ(Do("PUT", "/metrics/job/a", "x 1\n", "br").status, 415);
  // A protobuf Content-Type with a text body: the framing is broken.
  EXPECT_EQ(Do("PUT", "/metrics/job/a", "x 1\n", "",
               "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
               "encoding=delimited")
                .status,
            400);
}

TEST_F(HttpApiTest, PercentEncodedPathIsDecodedBeforeSplitting) {
  // Go decodes the path first: %2F becomes a separator, as in Pushgateway.
  EXPECT_EQ(Do("PUT", "/metrics/job/a%2Fb", "x 1\n").status, 400);
  EXPECT_EQ(Do("PUT", "/metrics/job/a%20b/x/%C3%A9", "x 1\n").status, 200);
  ASSERT_EQ(store_->Groups().size(), 1u);
  EXPECT_EQ(store_->Groups()[0].key, (GroupingKey{{"job", "a b"}, {"x", "\xc3\xa9"}}));
}

TEST_F(HttpApiTest, GzipBodies) {
  EXPECT_EQ(Do("PUT", "/metrics/job/a", Gzip("x 1\n"), "gzip").status, 200);
  auto bad = Do("PUT", "/metrics/job/a", "not gzip", "gzip");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("gzip"));
  options_.max_body_bytes = 100;
  auto big = Do("PUT", "/metrics/job/a", Gzip(std::string(10000, '\n')), "gzip");
  EXPECT_EQ(big.status, 413);
  EXPECT_THAT(big.body, HasSubstr("--push.max-body-size"));
  EXPECT_EQ(Do("PUT", "/metrics/job/a", std::string(200, '\n')).status, 413);
  EXPECT_EQ(store_->Groups()[0].families.count("x"), 1u);  // nothing of the refused pushes
}

TEST_F(HttpApiTest, MetricsJsonShape) {
  ASSERT_EQ(Do("PUT", "/metrics/job/a/instance@base64/=",
               "# HELP g A gauge.\n# TYPE g gauge\ng{l=\"v\"} 0.5\n"
               "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 3\nh_sum 4.5\n"
               "h_count 3\n"
               "# TYPE s summary\ns{quantile=\"0.9\"} 7\ns_sum 8\ns_count 9\n")
                .status,
            200);
  auto res = ServeMetricsJson(*store_);
  EXPECT_EQ(res.content_type, "application/json");
  auto j = nlohmann::json::parse(res.body);
  EXPECT_EQ(j["status"], "success");
  ASSERT_EQ(j["data"].size(), 1u);
  const auto& g = j["data"][0];
  EXPECT_EQ(g["labels"], (nlohmann::json{{"instance", ""}, {"job", "a"}}));
  EXPECT_EQ(g["last_push_successful"], true);
  EXPECT_EQ(g["g"]["type"], "GAUGE");
  EXPECT_EQ(g["g"]["help"], "A gauge.");
  EXPECT_EQ(g["g"]["time_stamp"], "2023-11-14T22:13:20.5Z");
  EXPECT_EQ(g["g"]["metrics"][0]["labels"],
            (nlohmann::json{{"instance", ""}, {"job", "a"}, {"l", "v"}}));
  EXPECT_EQ(g["g"]["metrics"][0]["value"], "0.5");
  EXPECT_EQ(g["h"]["metrics"][0]["buckets"], (nlohmann::json{{"1", "2"}, {"+Inf", "3"}}));
  EXPECT_EQ(g["h"]["metrics"][0]["count"], "3");
  EXPECT_EQ(g["h"]["metrics"][0]["sum"], "4.5");
  EXPECT_EQ(g["s"]["metrics"][0]["quantiles"], (nlohmann::json{{"0.9", "7"}}));
  EXPECT_EQ(g["push_time_seconds"]["metrics"][0]["value"], "1.7000000005e+09");
  // Go's struct order inside a family: time_stamp, type, help, metrics.
  EXPECT_THAT(res.body, HasSubstr("\"g\":{\"time_stamp\":"));
}

TEST_F(HttpApiTest, StatusJson) {
  PushStatusInfo info;
  info.flags = {{"web.enable-push", "true"}};
  info.start_time_unix_ms = 1'700'000'000'000;
  info.build_information = {{"version", "0.1.0"}};
  auto res = ServeStatusJson(info);
  EXPECT_EQ(res.body,
            "{\"status\":\"success\",\"data\":{\"build_information\":{\"version\":\"0.1.0\"},"
            "\"flags\":{\"web.enable-push\":\"true\"},\"start_time\":\"2023-11-14T22:13:20Z\"}}");
}

TEST(GoSprintFloat, MatchesGo) {
  EXPECT_EQ(GoSprintFloat(1700000000.5), "1.7000000005e+09");
  EXPECT_EQ(GoSprintFloat(0.5), "0.5");
  EXPECT_EQ(GoSprintFloat(100000), "100000");
  EXPECT_EQ(GoSprintFloat(1e6), "1e+06");
  EXPECT_EQ(GoSprintFloat(INFINITY), "+Inf");
}

}  // namespace
}  // namespace promlet::push
