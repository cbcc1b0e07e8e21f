#include "web/api/v1/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/gzip.h"
#include "model/value.h"
#include "storage/interface.h"
#include "web/api/v1/query_json.h"

namespace promlet::web {
namespace {

TEST(SampleValueTest, FormatsLikePrometheusMarshalFloat) {
  struct Case {
    double v;
    const char* want;
  } cases[] = {
      {0, "0"},
      {-0.0, "-0"},
      {1, "1"},
      {-1, "-1"},
      {1.5, "1.5"},
      {0.1, "0.1"},
      {1.0 / 3, "0.3333333333333333"},
      {100, "100"},
      {123456789012, "123456789012"},
      {1e15, "1000000000000000"},
      {1e20, "100000000000000000000"},
      {1e21, "1e+21"},
      {1.5e300, "1.5e+300"},
      {1e-6, "0.000001"},
      {1e-7, "1e-07"},
      {-1e-7, "-1e-07"},
      {1.234e-10, "1.234e-10"},
      {0.000123, "0.000123"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {model::StaleNaN(), "NaN"},
      {9007199254740993.0, "9007199254740992"},
      {9223372036854775808.0, "9223372036854776000"},  // shortest digits, then zeros
      {-1e20 - 65536, "-100000000000000070000"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {123.456, "123.456"},
      {-2.5, "-2.5"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(SampleValueString(c.v), c.want) << c.want;
  }
}

// encoding/json's float64 (Prometheus' scalar and string times, *float64 fields).
TEST(JsonNumberTest, FormatsLikeEncodingJson) {
  struct Case {
    double v;
    const char* want;
  } cases[] = {
      {0, "0"},          {1700000000.5, "1700000000.5"}, {1.001, "1.001"}, {-1.5, "-1.5"},
      {1e-7, "1e-7"},    {1.5e-10, "1.5e-10"},           {1e21, "1e+21"},  {1e20, "100000000000000000000"},
      {1e-6, "0.000001"}, {9223372036854775808.0, "9223372036854776000"}, {5e-324, "5e-324"},
  };
  for (const auto& c : cases) {
    char buf[kSampleValueMaxLen];
    EXPECT_EQ(std::string(buf, FormatJsonNumber(c.v, buf)), c.want) << c.want;
  }
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.Double(1e-7);
  w.Double(std::numeric_limits<double>::infinity());
  w.ScalarPoint(1700000000500, 1e21);
  w.EndArray();
  EXPECT_EQ(out, R"([1e-7,null,[1700000000.5,"1000000000000000000000"]])");
}

TEST(TimestampTest, SecondsWithThreeDecimalsWhenFractional) {
  struct Case {
    int64_t ms;
    const char* want;
  } cases[] = {
      {0, "0"},
      {1000, "1"},
      {1500, "1.500"},
      {1001, "1.001"},
      {1010, "1.010"},
      {1435781451781, "1435781451.781"},
      {-1500, "-1.500"},
      {-1, "-0.001"},
      {999, "0.999"},
      {std::numeric_limits<int64_t>::min() / 4, "-2305843009213693.952"},
  };
  for (const auto& c : cases) {
    char buf[32];
    EXPECT_EQ(std::string(buf, FormatTimestamp(c.ms, buf)), c.want) << c.want;
  }
}

TEST(JsonWriterTest, PlacesCommasAndNests) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a");
  w.Int(1);
  w.Key("b");
  w.BeginArray();
  w.String("x");
  w.Bool(true);
  w.Null();
  w.BeginObject();
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.EndArray();
  w.Key("c");
  w.Point(1500, 2);
  w.Key("d");
  w.SampleValue(1e-7);
  w.Key("e");
  w.Double(0.05);
  w.EndObject();
  EXPECT_EQ(out, R"({"a":1,"b":["x",true,null,{},[]],"c":[1.500,"2"],"d":"1e-07","e":0.05})");
}

TEST(JsonWriterTest, EscapesStringsLikeGo) {
  std::string out;
  JsonWriter w(&out);
  w.String("q\"b\\n\nt\tc\x01<a>&\xe2\x80\xa8 \xff ok \xc3\xa9");
  EXPECT_EQ(out, R"("q\"b\\n\nt\tc\u0001\u003ca\u003e\u0026\u2028 \ufffd ok é")");
}

TEST(JsonWriterTest, LabelSetInSortedOrder) {
  std::string out;
  JsonWriter w(&out);
  w.LabelSet(model::Labels{{"job", "a"}, {"__name__", "up"}, {"instance", "h:1"}});
  EXPECT_EQ(out, R"({"__name__":"up","instance":"h:1","job":"a"})");
}

}  // namespace
}  // namespace promlet::web

namespace promlet::web {
namespace {

// A native histogram with positive buckets from index 0 (upper bounds 1, 2, 4, ...).
std::shared_ptr<model::histogram::FloatHistogram> PositiveHistogram(double count, double sum,
                                                                    std::vector<double> buckets) {
  auto h = std::make_shared<model::histogram::FloatHistogram>();
  h->count = count;
  h->sum = sum;
  h->positive_spans = {{0, static_cast<uint32_t>(buckets.size())}};
  h->positive_buckets = std::move(buckets);
  return h;
}

// Prometheus' marshalHistogram: count and sum as strings, populated buckets as
// [boundary rule, lower, upper, count]; a matrix series without floats has no "values".
TEST(QueryJsonTest, HistogramsAsPrometheusWritesThem) {
  // (0.5,1]:1, (1,2]:0 (left out), (2,4]:2
  const auto h = PositiveHistogram(3, 4, {1, 0, 2});
  const auto labels = model::Labels::FromUnsorted({{"__name__", "h"}});
  promql::Result vec;
  vec.value = promql::Vector{promql::Sample{labels, 1500, 0, h}};
  EXPECT_EQ(QueryDataJson(vec),
            R"({"resultType":"vector","result":[{"metric":{"__name__":"h"},"histogram":)"
            R"([1.500,{"count":"3","sum":"4","buckets":[[0,"0.5","1","1"],[0,"2","4","2"]]}]}]})");
  promql::Series s;
  s.labels = labels;
  s.histograms.push_back({2000, h});
  promql::Result mat;
  mat.value = promql::Matrix{s};
  EXPECT_EQ(QueryDataJson(mat),
            R"({"resultType":"matrix","result":[{"metric":{"__name__":"h"},"histograms":)"
            R"([[2,{"count":"3","sum":"4","buckets":[[0,"0.5","1","1"],[0,"2","4","2"]]}]]}]})");
}

// A large matrix is encoded in runs of series on the engine's helper threads: the bytes must
// be the sequential encoding's, whatever the threads, with a series limit too.
// 300 series over many runs: NaNs, native histograms, escaped labels, series without points.
promql::Result ManyRunsMatrix() {
  const auto h = PositiveHistogram(7, 2.5, {3, 4});
  promql::Matrix m;
  size_t points = 0;
  for (int i = 0; i < 300; ++i) {
    promql::Series s;
    s.labels = model::Labels::FromUnsorted(
        {{"__name__", "m"}, {"i", std::to_string(i)}, {"quoted", "a\"<b>\\"}});
    const int n = (i * 37) % 500;  // 0 points: "values":[]
    for (int k = 0; k < n; ++k) {
      const double v = k % 11 == 0 ? std::nan("") : (i + 0.1) * k / 3.0;
      s.points.push_back({int64_t{1700000000000} + k * 15000, v});
    }
    if (i % 7 == 0) {
      for (int k = 0; k < 5; ++k) s.histograms.push_back({int64_t{1700000000500} + k * 15000, h});
    }
    points += s.points.size();
    m.push_back(std::move(s));
  }
  EXPECT_GT(points, 20u * 2048);  // many runs
  promql::Result mat;
  mat.value = std::move(m);
  return mat;
}

TEST(QueryJsonTest, MatrixEncodedOnHelperThreadsGivesTheSequentialBytes) {
  const promql::Result mat = ManyRunsMatrix();
  const std::string sequential = QueryDataJson(mat);
  std::string limited;
  {
    JsonWriter w(&limited);
    WriteQueryData(mat, 100, w);
  }
  for (auto mode : {promql::QueryParallelism::kForce, promql::QueryParallelism::kAuto}) {
    for (int threads : {2, 4}) {
      promql::EngineOptions eo;
      eo.parallelism = mode;
      eo.max_threads = threads;
      promql::Engine engine(eo);
      EXPECT_EQ(QueryDataJson(mat, &engine), sequential) << threads << " threads";
      std::string got;
      JsonWriter w(&got);
      WriteQueryData(mat, 100, w, &engine);
      EXPECT_EQ(got, limited) << threads << " threads, 100 series";
    }
  }
  EXPECT_NE(sequential.find(R"("i":"299")"), std::string::npos);
  EXPECT_EQ(limited.find(R"("i":"100")"), std::string::npos);
}

// A writer that compresses gets each run deflated where it was encoded; what it wrote before
// and after joins them, and the stream inflates to the sequential bytes.
TEST(QueryJsonTest, MatrixDeflatedInRunsInflatesToTheSequentialBytes) {
  const promql::Result mat = ManyRunsMatrix();
  const std::string want = "{\"data\":" + QueryDataJson(mat) + "}";
  for (auto mode : {promql::QueryParallelism::kOff, promql::QueryParallelism::kForce,
                    promql::QueryParallelism::kAuto}) {
    promql::EngineOptions eo;
    eo.parallelism = mode;
    eo.max_threads = 3;
    promql::Engine engine(eo);
    std::string body = "{\"data\":";
    std::string gzipped;
    common::GzipWriter gzip(&gzipped);
    JsonWriter w(&body);
    w.CompressInto(&gzip);
    WriteQueryData(mat, static_cast<size_t>(-1), w, &engine);
    ASSERT_TRUE(w.compressed());
    body += "}";
    gzip.Append(body);
    gzip.Finish();
    EXPECT_LT(gzipped.size(), want.size() / 3);
    auto got = common::GunzipWithLimit(gzipped, 0);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, want) << "mode " << static_cast<int>(mode);
  }
  // One run (or no engine to share it with) is written as it is: the caller compresses it.
  promql::Result small;
  small.value = promql::Matrix(std::get<promql::Matrix>(mat.value).begin(),
                               std::get<promql::Matrix>(mat.value).begin() + 3);
  std::string body, gzipped;
  common::GzipWriter gzip(&gzipped);
  JsonWriter w(&body);
  w.CompressInto(&gzip);
  promql::Engine engine;
  WriteQueryData(small, static_cast<size_t>(-1), w, &engine);
  EXPECT_FALSE(w.compressed());
  EXPECT_EQ(body, QueryDataJson(small));
}

std::string TextOf(int64_t t, const TimestampTexts& texts) {
  char buf[64];
  return std::string(buf, texts.Write(t, buf));
}

std::string Formatted(int64_t t) {
  char buf[32];
  return std::string(buf, FormatTimestamp(t, buf));
}

// A grid's texts are FormatTimestamp's, on the grid and off it (between steps, before the
// first, after the last, negative, at the ends of int64).
TEST(TimestampTextsTest, WritesWhatFormatTimestampWrites) {
  const TimestampTexts grid(-30500, 15000, 10);
  const TimestampTexts none;
  for (int64_t t : {int64_t{-30500}, int64_t{-15500}, int64_t{-500}, int64_t{14500},
                    int64_t{104500}, int64_t{-30501}, int64_t{-45500}, int64_t{119500}, int64_t{0},
                    int64_t{1}, int64_t{1700000000000}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(TextOf(t, grid), Formatted(t)) << t;
    EXPECT_EQ(TextOf(t, none), Formatted(t)) << t;
  }
  const TimestampTexts wide(std::numeric_limits<int64_t>::max() - 2, 1, 3);
  EXPECT_EQ(TextOf(std::numeric_limits<int64_t>::max(), wide),
            Formatted(std::numeric_limits<int64_t>::max()));
}

// A range query's answer is written with its grid's texts, and points off the grid (a series
// that starts between steps) as themselves: the same bytes as a writer with no grid.
TEST(QueryJsonTest, RangeAnswerTimestampsAreThoseOfEveryPoint) {
  promql::Matrix m;
  std::string want;
  JsonWriter w(&want);
  w.BeginObject();
  w.Key("resultType");
  w.String("matrix");
  w.Key("result");
  w.BeginArray();
  for (int i = 0; i < 20; ++i) {
    promql::Series s;
    s.labels = model::Labels::FromUnsorted({{"__name__", "g"}, {"i", std::to_string(i)}});
    const int64_t offset = i == 3 ? 7 : 0;  // one series off the grid
    for (int k = i % 4; k < 40; k += 1 + (i % 3)) {
      s.points.push_back({int64_t{1700000000500} + k * 30000 + offset, k * 0.5});
    }
    w.BeginObject();
    w.Key("metric");
    w.LabelSet(s.labels);
    w.Key("values");
    w.BeginArray();
    for (const auto& p : s.points) w.Point(p.t, p.v);
    w.EndArray();
    w.EndObject();
    m.push_back(std::move(s));
  }
  w.EndArray();
  w.EndObject();
  promql::Result mat;
  mat.value = std::move(m);
  EXPECT_EQ(QueryDataJson(mat), want);
}

}  // namespace
}  // namespace promlet::web
