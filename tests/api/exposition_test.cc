// The text exposition writer of /federate and /metrics against what Go's expfmt writes.
#include "web/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace promlet::web {
namespace {

TEST(ExpositionTest, ValuesLikeExpfmtWriteFloat) {
  struct Case {
    double v;
    const char* want;
  } cases[] = {
      {0, "0"},
      {-0.0, "0"},  // expfmt special-cases f == 0
      {1, "1"},
      {-1, "-1"},
      {1.5, "1.5"},
      {100000, "100000"},
      {1e6, "1e+06"},
      {1.7e9, "1.7e+09"},
      {1234567, "1.234567e+06"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {9223372036854775808.0, "9.223372036854776e+18"},
      {0.1 + 0.2, "0.30000000000000004"},
      {5e-324, "5e-324"},
      {std::nan(""), "NaN"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
  };
  for (const auto& c : cases) {
    std::string out;
    AppendExpositionValue(out, c.v);
    EXPECT_EQ(out, c.want) << c.want;
  }
}

TEST(ExpositionTest, FamiliesLikeExpfmt) {
  std::vector<prometheus::MetricFamily> families(4);
  families[0].name = "requests_total";
  families[0].help = "Requests\nwith \\ escapes.";
  families[0].type = prometheus::MetricType::Counter;
  families[0].metric.resize(1);
  families[0].metric[0].label = {{"path", "/a\"b\\c\nd"}};
  families[0].metric[0].counter.value = 1234567;
  families[1].name = "up";
  families[1].type = prometheus::MetricType::Gauge;
  families[1].metric.resize(1);
  families[1].metric[0].gauge.value = std::nan("");
  families[2].name = "latency_seconds";
  families[2].help = "Latency.";
  families[2].type = prometheus::MetricType::Histogram;
  families[2].metric.resize(1);
  families[2].metric[0].histogram.sample_count = 3;
  families[2].metric[0].histogram.sample_sum = 0.30000000000000004;
  families[2].metric[0].histogram.bucket = {{1, 0.1}, {2, 1e6}};
  families[3].name = "rpc_seconds";
  families[3].type = prometheus::MetricType::Summary;
  families[3].metric.resize(1);
  families[3].metric[0].label = {{"m", "x"}};
  families[3].metric[0].summary.sample_count = 2000000;
  families[3].metric[0].summary.sample_sum = 1.5;
  families[3].metric[0].summary.quantile = {{0.5, 0.25}};
  EXPECT_EQ(SerializeFamilies(families),
            "# HELP requests_total Requests\\nwith \\\\ escapes.\n"
            "# TYPE requests_total counter\n"
            "requests_total{path=\"/a\\\"b\\\\c\\nd\"} 1.234567e+06\n"
            "# TYPE up gauge\n"
            "up NaN\n"
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{le=\"0.1\"} 1\n"
            "latency_seconds_bucket{le=\"1e+06\"} 2\n"
            "latency_seconds_bucket{le=\"+Inf\"} 3\n"
            "latency_seconds_sum 0.30000000000000004\n"
            "latency_seconds_count 3\n"
            "# TYPE rpc_seconds summary\n"
            "rpc_seconds{m=\"x\",quantile=\"0.5\"} 0.25\n"
            "rpc_seconds_sum{m=\"x\"} 1.5\n"
            "rpc_seconds_count{m=\"x\"} 2e+06\n");
}

}  // namespace
}  // namespace promlet::web
