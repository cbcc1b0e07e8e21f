// Golden-JSON tests of the API handlers on a fixed in-memory dataset (tsdb::Head + the engine).
#include "web/api/v1/api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cmd/web_hooks.h"
#include "common/gzip.h"
#include "promql/engine/engine.h"
#include "tsdb/head.h"
#include "web/api/v1/params.h"

namespace promlet::web {
namespace {

using net::HttpRequest;
using net::HttpResponse;

using ::testing::HasSubstr;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.NewAppender();
    // Samples every 15 s from 0 to 300 s.
    for (int64_t t = 0; t <= 300000; t += 15000) {
      ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "up"}, {"job", "prometheus"},
                                              {"instance", "localhost:9090"}},
                              t, 1)
                      .ok());
      ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "up"}, {"job", "node"},
                                              {"instance", "localhost:9100"}},
                              t, t < 150000 ? 1 : 0)
                      .ok());
      ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "http_requests_total"}, {"job", "api"},
                                              {"method", "GET"}},
                              t, static_cast<double>(t) / 1000 * 2)
                      .ok());
      ASSERT_TRUE(app->Append(0, model::Labels{{"__name__", "tiny"}}, t, 1e-7).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
    ApiOptions o;
    o.now_ms = [] { return int64_t{300000}; };
    o.flags = {{"web.listen-address", "0.0.0.0:9090"}, {"query.timeout", "2m"}};
    o.revision = "promlet-0.1.0";
    o.build_date = "20261123";
    o.go_version = "g++ 12";
    o.promlet_version = "0.1.0";
    TargetSource targets;
    targets.active = [] {
      ActiveTargetView t;
      t.scrape_pool = "promlet";
      t.scrape_url = "http://localhost:9090/metrics";
      t.global_url = "http://host:9090/metrics";
      t.labels = model::Labels{{"job", "promlet"}, {"instance", "localhost:9090"}};
      t.discovered_labels = model::Labels{{"__address__", "localhost:9090"}, {"job", "promlet"}};
      t.health = "up";
      t.last_scrape_unix_nanos = 1700000000123456789;
      t.last_scrape_duration_seconds = 0.0125;
      t.scrape_interval_ms = 15000;
      t.scrape_timeout_ms = 10000;
      return std::vector<ActiveTargetView>{t};
    };
    targets.dropped = [] {
      DroppedTargetView d;
      d.scrape_pool = "promlet";
      d.discovered_labels = model::Labels{{"__address__", "drop:1"}};
      return std::vector<DroppedTargetView>{d};
    };
    targets.metadata = [] {
      TargetMetadataView t;
      t.target = model::Labels{{"job", "promlet"}, {"instance", "localhost:9090"}};
      t.metadata = {{"up", "gauge", "Target up.", ""},
                    {"http_requests_total", "counter", "Requests.", ""}};
      return std::vector<TargetMetadataView>{t, t};
    };
    RuntimeStatus runtime;
    runtime.config_yaml = [] { return std::string("global:\n  scrape_interval: 15s\n"); };
    runtime.tsdb_status = [this](size_t limit) { return cmd::TsdbStatusOf(head_, limit); };
    api_ = std::make_unique<Api>(o, &head_, &engine_, targets, runtime);
  }

  HttpResponse Get(const std::string& target,
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest req;
    req.headers = std::move(headers);
    req.method = "GET";
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    return api_->Serve(req);
  }
  HttpResponse Post(const std::string& path, const std::string& body) {
    HttpRequest req;
    req.method = "POST";
    req.path = path;
    req.body = body;
    req.headers = {{"content-type", "application/x-www-form-urlencoded"}};
    return api_->Serve(req);
  }

  tsdb::Head head_;
  promql::Engine engine_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, InstantVectorQuery) {
  auto r = Get("/api/v1/query?query=up&time=300");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"resultType":"vector","result":[)"
            R"({"metric":{"__name__":"up","instance":"localhost:9090","job":"prometheus"},"value":[300,"1"]},)"
            R"({"metric":{"__name__":"up","instance":"localhost:9100","job":"node"},"value":[300,"0"]}]}})");
}

// Issue 21: parsed queries are kept by their text and shared between queries; each query
// still gets its own answer (time, step-dependent durations), and a bad query its error.
TEST_F(ApiTest, RepeatedQueryTextAnswersEachQueryOnItsOwn) {
  auto r = Get("/api/v1/query?query=up%7Bjob%3D%22node%22%7D&time=60");
  EXPECT_NE(r.body.find(R"("value":[60,"1"])"), std::string::npos) << r.body;
  r = Get("/api/v1/query?query=up%7Bjob%3D%22node%22%7D&time=300");
  EXPECT_NE(r.body.find(R"("value":[300,"0"])"), std::string::npos) << r.body;
  // [step()] is resolved per query: 2 samples per 30 s window, 4 per 60 s window.
  const std::string q = "/api/v1/query_range?query=count_over_time(up%7Bjob%3D%22node%22%7D%5Bstep()%5D)";
  r = Get(q + "&start=120&end=120&step=30");
  EXPECT_NE(r.body.find(R"([[120,"2"]])"), std::string::npos) << r.body;
  r = Get(q + "&start=120&end=120&step=60");
  EXPECT_NE(r.body.find(R"([[120,"4"]])"), std::string::npos) << r.body;
  r = Get(q + "&start=120&end=120&step=30");
  EXPECT_NE(r.body.find(R"([[120,"2"]])"), std::string::npos) << r.body;
  auto bad = Get("/api/v1/query?query=sum(&time=1");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Get("/api/v1/query?query=sum(&time=1").body, bad.body);
}

TEST_F(ApiTest, DefaultTimeIsNowAndTinyValuesUseExponent) {
  auto r = Get("/api/v1/query?query=tiny");
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"resultType":"vector","result":[)"
            R"({"metric":{"__name__":"tiny"},"value":[300,"1e-07"]}]}})");
}

TEST_F(ApiTest, ScalarAndStringResultsViaPostForm) {
  auto r = Post("/api/v1/query", "query=1%2B1&time=10.5");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"scalar","result":[10.5,"2"]}})");
  r = Post("/api/v1/query", "query=%22a%3Cb%22&time=1");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"string","result":[1,"a\u003cb"]}})");
  r = Get("/api/v1/query?query=1/0&time=1");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"scalar","result":[1,"+Inf"]}})");
}

// Issue 22 item 18: the strings Prometheus writes. A scalar is promql.Scalar.MarshalJSON: the
// time as encoding/json writes float64(ms)/1000 and the value in Go's 'f' format at any
// magnitude; vector and matrix samples use jsonutil (MarshalTimestamp with 3 decimals,
// MarshalFloat: 'e' below 1e-6 and from 1e21, shortest digits padded with zeros).
TEST_F(ApiTest, ExactJsonOfScalarsAndTimes) {
  struct Case {
    const char* query;
    const char* time;
    const char* result;
  } cases[] = {
      {"1e-7", "1700000000.5", R"([1700000000.5,"0.0000001"])"},
      {"1e21", "1700000000.5", R"([1700000000.5,"1000000000000000000000"])"},
      {"2%5E63", "1", R"([1,"9223372036854776000"])"},
      {"0.1", "1.001", R"([1.001,"0.1"])"},
      {"-1e6", "0.5", R"([0.5,"-1000000"])"},
      {"0", "0", R"([0,"0"])"},
      {"0%2F0", "1700000000.123", R"([1700000000.123,"NaN"])"},
      {"-1%2F0", "-1.5", R"([-1.5,"-Inf"])"},
      {"5e-324", "1", R"([1,"0.)" "000000000000000000000000000000000000000000000000000000000000"
                             "000000000000000000000000000000000000000000000000000000000000"
                             "000000000000000000000000000000000000000000000000000000000000"
                             "000000000000000000000000000000000000000000000000000000000000"
                             "000000000000000000000000000000000000000000000000000000000000"
                             "00000000000000000000000" R"(5"])"},
  };
  for (const auto& c : cases) {
    auto r = Get(std::string("/api/v1/query?query=") + c.query + "&time=" + c.time);
    EXPECT_EQ(r.body, std::string(R"({"status":"success","data":{"resultType":"scalar","result":)") +
                          c.result + "}}")
        << c.query;
  }
  // A string result carries its time the same way.
  auto r = Get("/api/v1/query?query=%22x%22&time=1700000000.5");
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"resultType":"string","result":[1700000000.5,"x"]}})");
}

TEST_F(ApiTest, ExactJsonOfVectorAndMatrixSamples) {
  auto r = Get("/api/v1/query?query=vector(2%5E63)&time=1700000000.5");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{},"value":[1700000000.500,"9223372036854776000"]}]}})");
  r = Get("/api/v1/query?query=vector(1e21)&time=1.001");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{},"value":[1.001,"1e+21"]}]}})");
  r = Get("/api/v1/query_range?query=vector(-1e-7)&start=0.5&end=1&step=0.5");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"matrix","result":[)"
                    R"({"metric":{},"values":[[0.500,"-1e-07"],[1,"-1e-07"]]}]}})");
  r = Get("/api/v1/query?query=vector(1e20%2B1e5)&time=0");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{},"value":[0,"100000000000000100000"]}]}})");
}

TEST_F(ApiTest, RangeQueryMatrix) {
  auto r = Get("/api/v1/query_range?query=http_requests_total&start=0&end=30&step=15");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{"__name__":"http_requests_total","job":"api","method":"GET"},)"
            R"("values":[[0,"0"],[15,"30"],[30,"60"]]}]}})");
  // Durations and RFC3339 are accepted too.
  auto r2 = Post("/api/v1/query_range",
                 "query=http_requests_total&start=1970-01-01T00:00:00Z&end=1970-01-01T00:00:30Z&step=15s");
  EXPECT_EQ(r2.body, r.body);
}

// A range answer of several runs is compressed as it is encoded when the client takes gzip
// (headers set, the server told not to compress it again); it inflates to the plain answer.
// Small answers and clients that refuse gzip get the plain answer, for the server to handle.
TEST_F(ApiTest, LargeRangeAnswerIsSentCompressedToGzipClients) {
  const std::string large = "/api/v1/query_range?query=up&start=0&end=300&step=0.05";
  const HttpResponse plain = Get(large);
  ASSERT_EQ(plain.status, 200) << plain.body;
  ASSERT_GT(plain.body.size(), 100000u);
  const HttpResponse gz = Get(large, {{"accept-encoding", "deflate, gzip"}});
  ASSERT_EQ(gz.status, 200);
  EXPECT_THAT(gz.headers,
              ::testing::Contains(std::pair<std::string, std::string>("Content-Encoding", "gzip")));
  EXPECT_THAT(gz.headers,
              ::testing::Contains(std::pair<std::string, std::string>("Vary", "Accept-Encoding")));
  EXPECT_FALSE(gz.compressible);
  auto inflated = common::GunzipWithLimit(gz.body, 0);
  ASSERT_TRUE(inflated.ok()) << inflated.status();
  EXPECT_EQ(*inflated, plain.body);

  for (const auto& [target, accept] : std::vector<std::pair<std::string, std::string>>{
           {"/api/v1/query_range?query=up&start=0&end=300&step=15", "gzip"}, {large, "gzip;q=0"}}) {
    const HttpResponse r = Get(target, {{"accept-encoding", accept}});
    EXPECT_EQ(r.body, Get(target).body) << target << " " << accept;
    EXPECT_TRUE(r.compressible);
    EXPECT_THAT(r.headers, ::testing::Not(::testing::Contains(
                               std::pair<std::string, std::string>("Content-Encoding", "gzip"))));
  }
}

TEST_F(ApiTest, RangeQueryRateHasFractionalValues) {
  auto r = Get("/api/v1/query_range?query=rate(http_requests_total%5B1m%5D)&start=60&end=60.5&step=0.5");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, ::testing::MatchesRegex(
                         R"(.*"values":\[\[60,"[0-9.]+"\],\[60\.500,"[0-9.]+"\]\].*)"));
}

TEST_F(ApiTest, QueryLimitTruncatesWithWarning) {
  auto r = Get("/api/v1/query?query=up&time=300&limit=1");
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"resultType":"vector","result":[)"
            R"({"metric":{"__name__":"up","instance":"localhost:9090","job":"prometheus"},"value":[300,"1"]}]},)"
            R"("warnings":["results truncated due to limit"]})");
}

TEST_F(ApiTest, QueryParameterErrors) {
  struct Case {
    std::string target;
    int status;
    std::string error;
  } cases[] = {
      {"/api/v1/query?time=1", 400, R"(invalid parameter \"query\": )"},
      {"/api/v1/query?query=up{&time=1", 400, R"(invalid parameter \"query\": 1:4: parse error)"},
      {"/api/v1/query?query=up&time=abc", 400,
       R"(invalid parameter \"time\": cannot parse \"abc\" to a valid timestamp)"},
      {"/api/v1/query?query=up&timeout=soon", 400,
       R"(invalid parameter \"timeout\": cannot parse \"soon\" to a valid duration)"},
      {"/api/v1/query?query=up&limit=-1", 400,
       R"(invalid parameter \"limit\": limit must be non-negative)"},
      {"/api/v1/query?query=up&limit=x", 400, R"(invalid parameter \"limit\": )"},
      {"/api/v1/query_range?query=up&end=10&step=1", 400,
       R"(invalid parameter \"start\": cannot parse \"\" to a valid timestamp)"},
      {"/api/v1/query_range?query=up&start=10&end=x&step=1", 400,
       R"(invalid parameter \"end\": cannot parse \"x\" to a valid timestamp)"},
      {"/api/v1/query_range?query=up&start=10&end=5&step=1", 400,
       R"(invalid parameter \"end\": end timestamp must not be before start time)"},
      {"/api/v1/query_range?query=up&start=0&end=10", 400,
       R"(invalid parameter \"step\": cannot parse \"\" to a valid duration)"},
      {"/api/v1/query_range?query=up&start=0&end=10&step=0", 400,
       R"(invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer)"},
      {"/api/v1/query_range?query=up&start=0&end=10&step=-1", 400, R"(zero or negative)"},
      {"/api/v1/query_range?query=up&start=0&end=11001&step=1", 400,
       R"(exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX))"},
      {"/api/v1/query_range?query=up%5B5m%5D&start=0&end=10&step=1", 400, R"(range vector)"},
      {"/api/v1/series?start=0", 400, R"(no match[] parameter provided)"},
      {"/api/v1/series?match[]=up{", 400, R"(invalid parameter \"match[]\": )"},
      {"/api/v1/series?match[]={job=~\".*\"}", 400, R"(at least one non-empty matcher)"},
      {"/api/v1/series?match[]=up&start=x", 400, R"(invalid parameter \"start\": )"},
      {"/api/v1/series?match[]=up&limit=q", 400, R"(invalid parameter \"limit\": )"},
      {"/api/v1/labels?end=zz", 400, R"(invalid parameter \"end\": )"},
      {"/api/v1/labels?match[]=%7B", 400, R"(invalid parameter \"match[]\": )"},
      {"/api/v1/label/%FF/values", 400, R"(invalid label name: \"%FF\")"},
      {"/api/v1/label/job/values?start=x", 400, R"(invalid parameter \"start\": )"},
      {"/api/v1/query_exemplars?query=up{&start=0&end=1", 400, R"(invalid parameter \"query\": )"},
      {"/api/v1/query_exemplars?query=up&start=bad", 400, R"(invalid parameter \"start\": )"},
      {"/api/v1/format_query?query=1+%2B", 400, R"(invalid parameter \"query\": )"},
      {"/api/v1/targets/metadata?match_target=%7B", 400, R"(invalid parameter \"match_target\": )"},
      {"/api/v1/query?query=up%7Bjob%3D%22a%22&time=1", 400, R"(invalid parameter \"query\": )"},
      {"/api/v1/query?query=%zz", 400, R"(invalid URL escape)"},
  };
  for (const auto& c : cases) {
    auto r = Get(c.target);
    EXPECT_EQ(r.status, c.status) << c.target << " -> " << r.body;
    EXPECT_THAT(r.body, HasSubstr(R"({"status":"error","errorType":"bad_data","error":")"))
        << c.target;
    EXPECT_THAT(r.body, HasSubstr(c.error)) << c.target << " -> " << r.body;
  }
}

TEST_F(ApiTest, ExecutionErrorIs422) {
  // Two series on each side of an on() match: duplicate match group.
  auto r = Get("/api/v1/query?query=up%20%2B%20on()%20up&time=300");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"({"status":"error","errorType":"execution","error":"found duplicate series)"));
}

TEST_F(ApiTest, SeriesLabelsAndValues) {
  auto r = Get("/api/v1/series?match[]=up&match[]=up{job=%22node%22}");
  EXPECT_EQ(r.body,
            R"({"status":"success","data":[)"
            R"({"__name__":"up","instance":"localhost:9090","job":"prometheus"},)"
            R"({"__name__":"up","instance":"localhost:9100","job":"node"}]})");
  r = Post("/api/v1/series", "match%5B%5D=http_requests_total&start=0&end=300");
  EXPECT_EQ(r.body,
            R"({"status":"success","data":[{"__name__":"http_requests_total","job":"api","method":"GET"}]})");
  r = Get("/api/v1/series?match[]=up&limit=1");
  EXPECT_THAT(r.body, HasSubstr(R"("warnings":["results truncated due to limit"])"));

  r = Post("/api/v1/labels", "");
  EXPECT_EQ(r.body, R"({"status":"success","data":["__name__","instance","job","method"]})");
  r = Get("/api/v1/labels?match[]=up");
  EXPECT_EQ(r.body, R"({"status":"success","data":["__name__","instance","job"]})");

  r = Get("/api/v1/label/__name__/values?start=0&end=300&limit=40000");
  EXPECT_EQ(r.body, R"({"status":"success","data":["http_requests_total","tiny","up"]})");
  r = Get("/api/v1/label/job/values?match[]=up");
  EXPECT_EQ(r.body, R"({"status":"success","data":["node","prometheus"]})");
  r = Get("/api/v1/label/nonexistent/values");
  EXPECT_EQ(r.body, R"({"status":"success","data":[]})");
  r = Get("/api/v1/label/job/values?limit=1");
  EXPECT_EQ(r.body,
            R"({"status":"success","data":["api"],"warnings":["results truncated due to limit"]})");
}

TEST_F(ApiTest, TargetsAndMetadata) {
  auto r = Get("/api/v1/targets");
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"activeTargets":[{"discoveredLabels":{"__address__":"localhost:9090","job":"promlet"},)"
            R"("labels":{"instance":"localhost:9090","job":"promlet"},"scrapePool":"promlet",)"
            R"("scrapeUrl":"http://localhost:9090/metrics","globalUrl":"http://host:9090/metrics",)"
            R"("lastError":"","lastScrape":"2023-11-14T22:13:20.123456789Z","lastScrapeDuration":0.0125,)"
            R"("health":"up","scrapeInterval":"15s","scrapeTimeout":"10s"}],)"
            R"("droppedTargets":[{"discoveredLabels":{"__address__":"drop:1"},"scrapePool":"promlet"}],)"
            R"("droppedTargetCounts":{"promlet":1}}})");
  r = Get("/api/v1/targets?state=active");
  EXPECT_THAT(r.body, HasSubstr(R"("droppedTargets":[])"));
  EXPECT_THAT(r.body, HasSubstr(R"("scrapeUrl")"));
  r = Get("/api/v1/targets?state=dropped");
  EXPECT_THAT(r.body, HasSubstr(R"("activeTargets":[])"));
  EXPECT_THAT(r.body, HasSubstr(R"("drop:1")"));

  r = Get("/api/v1/metadata");
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"http_requests_total":[{"type":"counter","help":"Requests.","unit":""}],)"
            R"("up":[{"type":"gauge","help":"Target up.","unit":""}]}})");
  r = Get("/api/v1/metadata?metric=up");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"up":[{"type":"gauge","help":"Target up.","unit":""}]}})");
  r = Get("/api/v1/metadata?limit=1");
  EXPECT_THAT(r.body, ::testing::Not(HasSubstr("\"up\"")));

  r = Get("/api/v1/targets/metadata?match_target=%7Bjob%3D%22promlet%22%7D&metric=up&limit=1");
  EXPECT_EQ(r.body,
            R"({"status":"success","data":[{"target":{"instance":"localhost:9090","job":"promlet"},)"
            R"("type":"gauge","help":"Target up.","unit":""}]})");
}

TEST_F(ApiTest, StaticEndpoints) {
  EXPECT_EQ(Get("/api/v1/rules").body, R"({"status":"success","data":{"groups":[]}})");
  EXPECT_EQ(Get("/api/v1/alerts").body, R"({"status":"success","data":{"alerts":[]}})");
  EXPECT_EQ(Post("/api/v1/query_exemplars", "query=up&start=0&end=300").body,
            R"({"status":"success","data":[]})");
  EXPECT_EQ(Get("/api/v1/status/buildinfo").body,
            R"({"status":"success","data":{"version":"3.0.0","revision":"promlet-0.1.0","branch":"main",)"
            R"("buildUser":"promlet","buildDate":"20261123","goVersion":"g++ 12","promletVersion":"0.1.0"}})");
  EXPECT_EQ(Get("/api/v1/status/flags").body,
            R"({"status":"success","data":{"query.timeout":"2m","web.listen-address":"0.0.0.0:9090"}})");
  EXPECT_EQ(Get("/api/v1/status/config").body,
            R"({"status":"success","data":{"yaml":"global:\n  scrape_interval: 15s\n"}})");
  EXPECT_EQ(Get("/api/v1/status/walreplay").body,
            R"({"status":"success","data":{"min":0,"max":0,"current":0}})");
  EXPECT_EQ(Get("/api/v1/format_query?query=sum(rate(x%5B5m%5D))by(job)").body,
            R"x({"status":"success","data":"sum by (job) (rate(x[5m]))"})x");
  auto rt = Get("/api/v1/status/runtimeinfo");
  EXPECT_THAT(rt.body, HasSubstr(R"("storageRetention":"15d")"));
  EXPECT_THAT(rt.body, HasSubstr(R"("reloadConfigSuccess":true)"));
  auto tsdb = Get("/api/v1/status/tsdb");
  EXPECT_THAT(tsdb.body, HasSubstr(R"("headStats":{"numSeries":4,)"));
  EXPECT_THAT(tsdb.body, HasSubstr(R"("seriesCountByMetricName":[{"name":"up","value":2})"));
  EXPECT_THAT(tsdb.body, HasSubstr(R"("minTime":0,"maxTime":300000})"));
}

TEST_F(ApiTest, AdminDisabledAndMethodsAndUnknownPaths) {
  auto r = Post("/api/v1/admin/tsdb/delete_series", "match[]=up");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"status":"error","errorType":"unavailable","error":"admin APIs disabled"})");
  EXPECT_EQ(Get("/api/v1/admin/tsdb/snapshot").status, 405);
  HttpRequest del;
  del.method = "DELETE";
  del.path = "/api/v1/query";
  EXPECT_EQ(api_->Serve(del).status, 405);
  EXPECT_EQ(Get("/api/v1/nope").status, 404);
}

// The server's disconnect check reaches the evaluation: a query whose client is gone is
// cancelled (499), and one that waited past its timeout for a query thread times out (503).
TEST_F(ApiTest, GoneClientCancelsAndQueueTimeCountsAgainstTheTimeout) {
  HttpRequest gone;
  gone.method = "GET";
  gone.path = "/api/v1/query";
  gone.query = "query=up&time=300";
  gone.client_gone = [] { return true; };
  auto r = api_->Serve(gone);
  EXPECT_EQ(r.status, 499);
  EXPECT_THAT(r.body, HasSubstr(R"("errorType":"canceled")"));

  HttpRequest late;
  late.method = "GET";
  late.path = "/api/v1/query";
  late.query = "query=up&time=300&timeout=5s";
  late.received = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  r = api_->Serve(late);
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, HasSubstr(R"("errorType":"timeout")"));
  // HEAD is not a method of the API (Prometheus' router answers 405).
  HttpRequest head;
  head.method = "HEAD";
  head.path = "/api/v1/labels";
  EXPECT_EQ(api_->Serve(head).status, 405);
}

TEST_F(ApiTest, FederateEndpoint) {
  auto r = Get("/federate?match[]=up");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "# TYPE up untyped\n"
            "up{instance=\"localhost:9090\",job=\"prometheus\"} 1 300000\n"
            "up{instance=\"localhost:9100\",job=\"node\"} 0 300000\n");
  EXPECT_EQ(Get("/federate?match[]=up{").status, 400);
}

TEST(ApiAdminTest, AdminHooksWhenEnabled) {
  tsdb::Head head;
  promql::Engine engine;
  ApiOptions o;
  o.enable_admin = true;
  std::vector<std::string> calls;
  AdminHooks admin;
  admin.delete_series = [&](const std::vector<std::vector<model::Matcher>>& sel, int64_t mint,
                            int64_t maxt) {
    calls.push_back("delete " + std::to_string(sel.size()) + " " + std::to_string(mint) + " " +
                    std::to_string(maxt));
    return absl::OkStatus();
  };
  admin.clean_tombstones = [&] {
    calls.push_back("clean");
    return absl::OkStatus();
  };
  admin.snapshot = [&](bool skip_head) -> absl::StatusOr<std::string> {
    calls.push_back(skip_head ? "snap skip" : "snap");
    return std::string("20261123T000000Z-0123456789abcdef");
  };
  Api api(o, &head, &engine, {}, {}, admin);
  HttpRequest req;
  req.method = "POST";
  req.path = "/api/v1/admin/tsdb/delete_series";
  req.query = "match[]=up&start=1&end=2";
  EXPECT_EQ(api.Serve(req).status, 204);
  req.query = "";
  auto r = api.Serve(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("no match[] parameter provided"));
  req.path = "/api/v1/admin/tsdb/clean_tombstones";
  EXPECT_EQ(api.Serve(req).status, 204);
  req.path = "/api/v1/admin/tsdb/snapshot";
  req.query = "skip_head=true";
  r = api.Serve(req);
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"name":"20261123T000000Z-0123456789abcdef"}})");
  req.query = "skip_head=maybe";
  EXPECT_EQ(api.Serve(req).status, 400);
  EXPECT_EQ(calls, (std::vector<std::string>{"delete 1 1000 2000", "clean", "snap skip"}));
}

// /api/v1/alertmanagers reads the notifier through TargetSource::alertmanagers, in Prometheus'
// shape; without the hook both lists are empty.
TEST(ApiAlertmanagers, ListsActiveAndDroppedByUrl) {
  tsdb::Head head;
  promql::Engine engine;
  TargetSource targets;
  targets.alertmanagers = [] {
    return AlertmanagersView{{"http://a:9093/api/v2/alerts", "https://b:9093/am/api/v2/alerts"},
                             {"http://c:9093/api/v2/alerts"}};
  };
  Api api(ApiOptions{}, &head, &engine, targets);
  HttpRequest req;
  req.method = "GET";
  req.path = "/api/v1/alertmanagers";
  EXPECT_EQ(api.Serve(req).body,
            R"({"status":"success","data":{"activeAlertmanagers":[)"
            R"({"url":"http://a:9093/api/v2/alerts"},{"url":"https://b:9093/am/api/v2/alerts"}],)"
            R"("droppedAlertmanagers":[{"url":"http://c:9093/api/v2/alerts"}]}})");
  Api empty(ApiOptions{}, &head, &engine);
  EXPECT_EQ(empty.Serve(req).body,
            R"({"status":"success","data":{"activeAlertmanagers":[],"droppedAlertmanagers":[]}})");
}

}  // namespace
}  // namespace promlet::web
