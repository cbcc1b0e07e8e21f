#include "model/textparse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

namespace promlet::model {
namespace {

using ::testing::HasSubstr;
using namespace std::string_literals;

struct Sample {
  std::string raw;
  std::string labels;  // Labels::ToString()
  double value;
  std::optional<int64_t> ts;
  bool created = false;
};

// Parses a whole body; returns the series or the first error.
absl::StatusOr<std::vector<Sample>> ParseAll(std::string_view body, Format f) {
  Parser p(body, f);
  std::vector<Sample> out;
  for (;;) {
    absl::StatusOr<Entry> e = p.Next();
    if (!e.ok()) return e.status();
    if (*e == Entry::kEOF) return out;
    if (*e != Entry::kSeries) continue;
    Labels l;
    absl::Status st = p.ParseLabels(&l);
    if (!st.ok()) return st;
    out.push_back({std::string(p.RawSeries()), l.ToString(), p.Value(), p.TimestampMs(),
                   p.IsCreatedSeries()});
  }
}

TEST(TextParse, BasicText) {
  const char* body =
      "# HELP http_requests_total The total \\\\ number\\n of requests.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
      "\n"
      "# A normal comment\n"
      "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
      "metric_without_timestamp_and_labels 12.47\n"
      "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
      "nan_metric NaN\n"
      "neg_inf -Inf\n"
      "a:b:c_total 1e-3\n"
      "trailing_comma{a=\"b\",} 2\n"
      "  spaced { a = \"b\" , c=\"d\" }\t4\t\n"
      "empty_val{a=\"\"} 5\n";
  auto r = ParseAll(body, Format::kText004);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 11u);
  EXPECT_EQ((*r)[0].raw, "http_requests_total{method=\"post\",code=\"200\"}");
  EXPECT_EQ((*r)[0].labels, "http_requests_total{code=\"200\", method=\"post\"}");
  EXPECT_EQ((*r)[0].value, 1027);
  EXPECT_EQ((*r)[0].ts, 1395066363000);
  EXPECT_EQ((*r)[1].value, 3);
  EXPECT_EQ((*r)[2].value, 1.458255915e9);
  EXPECT_THAT((*r)[2].labels, HasSubstr("path=\"C:\\\\DIR\\\\FILE.TXT\""));
  EXPECT_FALSE((*r)[3].ts.has_value());
  EXPECT_EQ((*r)[4].value, INFINITY);
  EXPECT_EQ((*r)[4].ts, -3982045);
  EXPECT_TRUE(std::isnan((*r)[5].value));
  EXPECT_EQ((*r)[6].value, -INFINITY);
  EXPECT_EQ((*r)[7].labels, "a:b:c_total");
  EXPECT_DOUBLE_EQ((*r)[7].value, 1e-3);
  EXPECT_EQ((*r)[8].labels, "trailing_comma{a=\"b\"}");
  EXPECT_EQ((*r)[9].labels, "spaced{a=\"b\", c=\"d\"}");
  EXPECT_EQ((*r)[9].value, 4);
  EXPECT_EQ((*r)[10].labels, "empty_val");
}

TEST(TextParse, MetadataEntries) {
  const char* body =
      "# HELP foo Help with \\\\ and \\n here\n"
      "# TYPE foo gauge\n"
      "#TYPE bar counter\n"
      "# HELPER not help\n"
      "foo 1\n";
  Parser p(body, Format::kText004);
  auto e = p.Next();
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, Entry::kHelp);
  EXPECT_EQ(p.FamilyName(), "foo");
  EXPECT_EQ(p.Help(), "Help with \\ and \n here");
  e = p.Next();
  EXPECT_EQ(*e, Entry::kType);
  EXPECT_EQ(p.Type(), MetricType::kGauge);
  e = p.Next();
  EXPECT_EQ(*e, Entry::kType);
  EXPECT_EQ(p.FamilyName(), "bar");
  EXPECT_EQ(p.Type(), MetricType::kCounter);
  e = p.Next();
  EXPECT_EQ(*e, Entry::kComment);
  EXPECT_EQ(p.Comment(), "# HELPER not help");
  e = p.Next();
  EXPECT_EQ(*e, Entry::kSeries);
  EXPECT_EQ(p.MetricName(), "foo");
  EXPECT_EQ(p.SeriesType(), MetricType::kUnknown);  // last TYPE was bar
  e = p.Next();
  EXPECT_EQ(*e, Entry::kEOF);
  EXPECT_EQ(*p.Next(), Entry::kEOF);
}

TEST(TextParse, AllTextTypes) {
  auto md = CollectMetadata(
      "# TYPE a counter\n# TYPE b gauge\n# TYPE c histogram\n# TYPE d summary\n"
      "# TYPE e untyped\n# HELP a x\n",
      Format::kText004);
  ASSERT_TRUE(md.ok()) << md.status();
  ASSERT_EQ(md->size(), 5u);
  EXPECT_EQ((*md)[0].type, MetricType::kCounter);
  EXPECT_EQ((*md)[0].help, "x");
  EXPECT_EQ((*md)[2].type, MetricType::kHistogram);
  EXPECT_EQ((*md)[3].type, MetricType::kSummary);
  EXPECT_EQ((*md)[4].type, MetricType::kUntyped);
  EXPECT_EQ(MetricTypeName((*md)[4].type), "untyped");
  auto bad = CollectMetadata("# TYPE a info\n", Format::kText004);
  EXPECT_FALSE(bad.ok());
}

TEST(TextParse, QuotedUtf8Names) {
  const char* body =
      "# TYPE \"my.metric\" gauge\n"
      "{\"my.metric\", a=\"b\", \"label.with\\\"quote\"=\"v\"} 1\n"
      "{\"only.name\"} 2\n"
      "legacy{\"dotted.label\"=\"x\"} 3\n";
  Parser p(body, Format::kText004);
  auto e = p.Next();
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(p.FamilyName(), "my.metric");
  ASSERT_EQ(*p.Next(), Entry::kSeries);
  EXPECT_EQ(p.MetricName(), "my.metric");
  EXPECT_EQ(p.SeriesType(), MetricType::kGauge);
  Labels l;
  ASSERT_TRUE(p.ParseLabels(&l).ok());
  EXPECT_EQ(l.Get("__name__"), "my.metric");
  EXPECT_EQ(l.Get("a"), "b");
  EXPECT_EQ(l.Get("label.with\"quote"), "v");
  ASSERT_EQ(*p.Next(), Entry::kSeries);
  EXPECT_EQ(p.MetricName(), "only.name");
  EXPECT_EQ(p.Value(), 2);
  ASSERT_EQ(*p.Next(), Entry::kSeries);
  ASSERT_TRUE(p.ParseLabels(&l).ok());
  EXPECT_EQ(l.Get("dotted.label"), "x");
}

TEST(TextParse, ErrorsNameLineAndExpectation) {
  struct Case {
    const char* body;
    const char* want;
  } cases[] = {
      {"a 1\nb 2\nfoo abc\n", "line 3: expected value after metric, got \"abc\""},
      {"foo\n", "line 1: expected value after metric, got end of line"},
      {"foo{a=\"b\" 1\n", "line 1: expected \",\" or \"}\" after label"},
      {"foo{a=b} 1\n", "line 1: expected quoted label value, got \"b}\""},
      {"foo{a\"b\"} 1\n", "expected \"=\" after label name"},
      {"foo{1a=\"b\"} 1\n", "expected label name or closing brace"},
      {"foo{a=\"b\n\"} 1\n", "expected closing quote"},
      {"foo 1 abc\n", "expected integer timestamp in ms or end of line after value, got \"abc\""},
      {"foo 1 1.5\n", "expected integer timestamp"},
      {"foo 1 2 3\n", "expected end of line after timestamp, got \"3\""},
      {"# TYPE foo bar\n", "line 1: expected counter, gauge, histogram, summary or untyped"},
      {"# TYPE foo\n", "expected counter"},
      {"# HELP \n", "expected metric name"},
      {"{a=\"b\"} 1\n", "expected metric name"},
      {"0foo 1\n", "line 1: expected metric name, got \"0foo\""},
      {"foo 0x10\n", "expected value"},
      {"foo 1_000\n", "expected value"},
      {"foo{a=\"b\",a=\"c\"} 1\n", "label name \"a\" is not unique"},
  };
  for (const Case& c : cases) {
    auto r = ParseAll(c.body, Format::kText004);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.want)) << c.body;
  }
}

TEST(TextParse, ErrorIsSticky) {
  Parser p("foo abc\nbar 1\n", Format::kText004);
  EXPECT_FALSE(p.Next().ok());
  EXPECT_FALSE(p.Next().ok());
}

TEST(TextParse, LastLineWithoutNewline) {
  auto r = ParseAll("a 1\nb 2", Format::kText004);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].value, 2);
}

TEST(OpenMetricsParse, Basic) {
  const char* body =
      "# TYPE foo counter\n"
      "# UNIT foo_seconds seconds\n"
      "# HELP foo Some \\\"help\\\"\n"
      "foo_total{a=\"b\"} 17.0 1520879607.789 # {trace_id=\"oHg5SJYRHA0\"} 9.8 1520879607.789\n"
      "foo_created{a=\"b\"} 1520430000.123\n"
      "# TYPE hh histogram\n"
      "hh_bucket{le=\"+Inf\"} 3 # {id=\"x\"} 2\n"
      "hh_count 3\n"
      "hh_created 1.5e9\n"
      "# TYPE g gauge\n"
      "g_created 5\n"
      "# TYPE i info\n"
      "i_info{v=\"1\"} 1\n"
      "# TYPE s stateset\n"
      "s{s=\"a\"} 1\n"
      "# TYPE gh gaugehistogram\n"
      "gh_gcount 1\n"
      "# TYPE u unknown\n"
      "u 1 -1.5\n"
      "# EOF\n";
  Parser p(body, Format::kOpenMetrics);
  std::vector<std::string> names;
  int series = 0;
  for (;;) {
    auto e = p.Next();
    ASSERT_TRUE(e.ok()) << e.status();
    if (*e == Entry::kEOF) break;
    if (*e == Entry::kUnit) {
      EXPECT_EQ(p.FamilyName(), "foo_seconds");
      EXPECT_EQ(p.Unit(), "seconds");
    }
    if (*e == Entry::kHelp) { EXPECT_EQ(p.Help(), "Some \"help\""); }
    if (*e != Entry::kSeries) continue;
    ++series;
    std::string n(p.MetricName());
    if (n == "foo_total") {
      EXPECT_EQ(p.Value(), 17.0);
      EXPECT_EQ(p.TimestampMs(), 1520879607789);
      ASSERT_TRUE(p.HasExemplar());
      auto ex = p.GetExemplar();
      ASSERT_TRUE(ex.has_value());
      EXPECT_EQ(ex->labels.Get("trace_id"), "oHg5SJYRHA0");
      EXPECT_EQ(ex->value, 9.8);
      EXPECT_EQ(ex->timestamp_ms, 1520879607789);
      EXPECT_FALSE(p.IsCreatedSeries());
      EXPECT_EQ(p.SeriesType(), MetricType::kCounter);
      EXPECT_EQ(p.RawSeries(), "foo_total{a=\"b\"}");
    } else if (n == "foo_created" || n == "hh_created") {
      EXPECT_TRUE(p.IsCreatedSeries()) << n;
    } else if (n == "g_created") {
      EXPECT_FALSE(p.IsCreatedSeries());
    } else if (n == "hh_bucket") {
      auto ex = p.GetExemplar();
      ASSERT_TRUE(ex.has_value());
      EXPECT_FALSE(ex->timestamp_ms.has_value());
      EXPECT_EQ(p.SeriesType(), MetricType::kHistogram);
    } else if (n == "u") {
      EXPECT_EQ(p.TimestampMs(), -1500);
    } else if (n == "gh_gcount") {
      EXPECT_EQ(p.SeriesType(), MetricType::kGaugeHistogram);
    } else {
      EXPECT_FALSE(p.HasExemplar());
    }
  }
  EXPECT_EQ(series, 10);
  EXPECT_EQ(*p.Next(), Entry::kEOF);
}

TEST(OpenMetricsParse, TimestampsToMs) {
  auto r = ParseAll("a 1 1700000000.123\nb 1 1700000000\nc 1 1.7e9\nd 1 0.001\n# EOF", Format::kOpenMetrics);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].ts, 1700000000123);
  EXPECT_EQ((*r)[1].ts, 1700000000000);
  EXPECT_EQ((*r)[2].ts, 1700000000000);
  EXPECT_EQ((*r)[3].ts, 1);
}

TEST(OpenMetricsParse, Errors) {
  struct Case {
    const char* body;
    const char* want;
  } cases[] = {
      {"a 1\n", "line 2: data does not end with # EOF"},
      {"a 1\n# EOF\nb 1\n", "line 3: unexpected data after # EOF"},
      {"a 1\n\n# EOF\n", "line 2: expected a metric"},
      {"# comment\n# EOF\n", "line 1: expected HELP, TYPE, UNIT or EOF"},
      {"# TYPE a untyped\n# EOF\n", "expected counter, gauge"},
      {"# UNIT a_bytes seconds\n# EOF\n", "unit must be a suffix"},
      {"a 1 NaN\n# EOF\n", "expected timestamp in seconds"},
      {"a 1 # x\n# EOF\n", "expected \"# {\" starting an exemplar"},
      {"a 1 # {x=\"y\"}\n# EOF\n", "expected value after exemplar labels"},
      {"a  1\n# EOF\n", "expected value after metric"},
      {"a 1 5 6\n# EOF\n", "line 1: expected \"# {\""},
  };
  for (const Case& c : cases) {
    auto r = ParseAll(c.body, Format::kOpenMetrics);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.want)) << c.body;
  }
  EXPECT_TRUE(ParseAll("a 1\n# EOF", Format::kOpenMetrics).ok());
}

TEST(TextParse, NodeExporterPage) {
  std::ifstream in(std::string(PROMLET_SHARED_DIR) + "/bench/node_exporter_template.prom");
  if (!in) GTEST_SKIP() << "node_exporter_template.prom not found";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string body = ss.str();
  auto r = ParseAll(body, Format::kText004);
  ASSERT_TRUE(r.ok()) << r.status();
  size_t lines = 0;
  std::istringstream is(body);
  for (std::string line; std::getline(is, line);) {
    if (!line.empty() && line[0] != '#') ++lines;
  }
  EXPECT_EQ(r->size(), lines);
}

// Prometheus' TestPromParse input (model/textparse/promparse_test.go), same expectations.
TEST(TextParse, PrometheusConformance) {
  std::string input =
      "# HELP go_gc_duration_seconds A summary of the GC invocation durations.\n"
      "# \tTYPE go_gc_duration_seconds summary\n"
      "go_gc_duration_seconds{quantile=\"0\"} 4.9351e-05\n"
      "go_gc_duration_seconds{quantile=\"0.25\",} 7.424100000000001e-05\n"
      "go_gc_duration_seconds{quantile=\"0.5\",a=\"b\"} 8.3835e-05\n"
      "go_gc_duration_seconds{quantile=\"0.8\", a=\"b\"} 8.3835e-05\n"
      "go_gc_duration_seconds{ quantile=\"0.9\", a=\"b\"} 8.3835e-05\n"
      "# Hrandom comment starting with prefix of HELP\n"
      "#\n"
      "wind_speed{A=\"2\",c=\"3\"} 12345\n"
      "# comment with escaped \\n newline\n"
      "# comment with escaped \\ escape character\n"
      "# HELP nohelp1\n"
      "# HELP nohelp2 \n"
      "go_gc_duration_seconds{ quantile=\"1.0\", a=\"b\" } 8.3835e-05\n"
      "go_gc_duration_seconds { quantile=\"1.0\", a=\"b\" } 8.3835e-05\n"
      "go_gc_duration_seconds { quantile= \"1.0\", a= \"b\", } 8.3835e-05\n"
      "go_gc_duration_seconds { quantile = \"1.0\", a = \"b\" } 8.3835e-05\n"
      "go_gc_duration_seconds { quantile = \"2.0\" a = \"b\" } 8.3835e-05\n"
      "go_gc_duration_seconds_count 99\n"
      "some:aggregate:rate5m{a_b=\"c\"}\t1\n"
      "# HELP go_goroutines Number of goroutines that currently exist.\n"
      "# TYPE go_goroutines gauge\n"
      "go_goroutines 33  \t123123\n"
      "_metric_starting_with_underscore 1\n"
      "testmetric{_label_starting_with_underscore=\"foo\"} 1\n"
      "testmetric{label=\"\\\"bar\\\"\"} 1";
  input += "\n# HELP metric foo\0bar"s;
  input += "\nnull_byte_metric{a=\"abc\0\"} 1"s;

  // One line per entry: kind, then the name/raw series, then help/type/labels/value.
  std::vector<std::string> got;
  Parser p(input, Format::kText004);
  for (;;) {
    auto e = p.Next();
    ASSERT_TRUE(e.ok()) << e.status();
    if (*e == Entry::kEOF) break;
    switch (*e) {
      case Entry::kHelp:
        got.push_back("help " + std::string(p.FamilyName()) + " [" + p.Help() + "]");
        break;
      case Entry::kType:
        got.push_back("type " + std::string(p.FamilyName()) + " " +
                      std::string(MetricTypeName(p.Type())));
        break;
      case Entry::kComment:
        got.push_back("comment " + std::string(p.Comment()));
        break;
      case Entry::kSeries: {
        Labels l;
        ASSERT_TRUE(p.ParseLabels(&l).ok());
        std::ostringstream os;
        os << "series " << p.RawSeries() << " => " << l.ToString() << " " << p.Value();
        if (p.TimestampMs()) os << " @" << *p.TimestampMs();
        got.push_back(os.str());
        break;
      }
      default:
        got.push_back("other");
    }
  }
  std::vector<std::string> want = {
      "help go_gc_duration_seconds [A summary of the GC invocation durations.]",
      "type go_gc_duration_seconds summary",
      "series go_gc_duration_seconds{quantile=\"0\"} => go_gc_duration_seconds{quantile=\"0\"} 4.9351e-05",
      "series go_gc_duration_seconds{quantile=\"0.25\",} => go_gc_duration_seconds{quantile=\"0.25\"} 7.4241e-05",
      "series go_gc_duration_seconds{quantile=\"0.5\",a=\"b\"} => go_gc_duration_seconds{a=\"b\", quantile=\"0.5\"} 8.3835e-05",
      "series go_gc_duration_seconds{quantile=\"0.8\", a=\"b\"} => go_gc_duration_seconds{a=\"b\", quantile=\"0.8\"} 8.3835e-05",
      "series go_gc_duration_seconds{ quantile=\"0.9\", a=\"b\"} => go_gc_duration_seconds{a=\"b\", quantile=\"0.9\"} 8.3835e-05",
      "comment # Hrandom comment starting with prefix of HELP",
      "comment #",
      "series wind_speed{A=\"2\",c=\"3\"} => wind_speed{A=\"2\", c=\"3\"} 12345",
      "comment # comment with escaped \\n newline",
      "comment # comment with escaped \\ escape character",
      "help nohelp1 []",
      "help nohelp2 []",
      "series go_gc_duration_seconds{ quantile=\"1.0\", a=\"b\" } => go_gc_duration_seconds{a=\"b\", quantile=\"1.0\"} 8.3835e-05",
      "series go_gc_duration_seconds { quantile=\"1.0\", a=\"b\" } => go_gc_duration_seconds{a=\"b\", quantile=\"1.0\"} 8.3835e-05",
      "series go_gc_duration_seconds { quantile= \"1.0\", a= \"b\", } => go_gc_duration_seconds{a=\"b\", quantile=\"1.0\"} 8.3835e-05",
      "series go_gc_duration_seconds { quantile = \"1.0\", a = \"b\" } => go_gc_duration_seconds{a=\"b\", quantile=\"1.0\"} 8.3835e-05",
      "series go_gc_duration_seconds { quantile = \"2.0\" a = \"b\" } => go_gc_duration_seconds{a=\"b\", quantile=\"2.0\"} 8.3835e-05",
      "series go_gc_duration_seconds_count => go_gc_duration_seconds_count 99",
      "series some:aggregate:rate5m{a_b=\"c\"} => some:aggregate:rate5m{a_b=\"c\"} 1",
      "help go_goroutines [Number of goroutines that currently exist.]",
      "type go_goroutines gauge",
      "series go_goroutines => go_goroutines 33 @123123",
      "series _metric_starting_with_underscore => _metric_starting_with_underscore 1",
      "series testmetric{_label_starting_with_underscore=\"foo\"} => testmetric{_label_starting_with_underscore=\"foo\"} 1",
      "series testmetric{label=\"\\\"bar\\\"\"} => testmetric{label=\"\\\"bar\\\"\"} 1",
      "help metric [foo\0bar]"s,
      // Labels print like Go's strconv.Quote (as Prometheus' labels.String()): NUL is \x00.
      "series null_byte_metric{a=\"abc\0\"} => null_byte_metric{a=\"abc\\x00\"} 1"s,
  };
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << i;
}

// Prometheus' TestPromParseErrors / TestOpenMetricsParseErrors inputs: every one is rejected
// (our messages differ; they name the line instead of quoting the lexer state).
TEST(TextParse, PrometheusErrorCasesAreRejected) {
  const std::string text_cases[] = {
      "a",
      "a{b='c'} 1\n",
      "a{b=\n",
      "a{\xff=\"foo\"} 1\n",
      "a{b=\"\xff\"} 1\n",
      "{\"a\", \"b = \"c\"}",
      "{\"a\",b\\nc=\"d\"} 1",
      "a true\n",
      "something_weird{problem=\"",
      "empty_label_name{=\"\"} 0",
      "foo 1_2\n",
      "foo 0x1p-3\n",
      "foo 0x1P-3\n",
      "foo 0 1_2\n",
      "{a=\"ok\"} 1",
      "# TYPE #\n#EOF\n",
      "# HELP #\n#EOF\n",
      "a{b=\0\"ssss\"} 1\n"s,
      "a{b=\"\0"s,
      "a{b\0=\"hiih\"}\t1"s,
      "a\0{b=\"ddd\"} 1"s,
      "a 0 1\0"s,
  };
  for (const std::string& c : text_cases) {
    EXPECT_FALSE(ParseAll(c, Format::kText004).ok()) << c;
  }
  const std::string om_cases[] = {
      "", "\n", "metric", "metric 1", "metric 1\n", "metric_total 1 # {aa=\"bb\"} 4",
      "a\n#EOF\n", "\n\n#EOF\n", " a 1\n#EOF\n", "9\n#EOF\n", "# TYPE u untyped\n#EOF\n",
      "# TYPE c counter \n#EOF\n", "#  TYPE c counter\n#EOF\n", "# TYPE \n#EOF\n",
      "# TYPE m\n#EOF\n", "# UNIT metric suffix\n#EOF\n", "# UNIT metricsuffix suffix\n#EOF\n",
      "# UNIT m suffix\n#EOF\n", "# UNIT \n#EOF\n", "# UNIT m\n#EOF\n", "# HELP \n#EOF\n",
      "# HELP m\n#EOF\n", "a\t1\n#EOF\n", "a 1\t2\n#EOF\n", "a 1 2 \n#EOF\n", "a 1 2 #\n#EOF\n",
      "a 1 1z\n#EOF\n", " # EOF\n", "# EOF\na 1", "# EOF\n\n", "# EOFa 1", "#\tTYPE c counter\n",
      "# TYPE c  counter\n", "a 1 1 1\n# EOF\n", "a{b='c'} 1\n# EOF\n", "a{,b=\"c\"} 1\n# EOF\n",
      "a{b=\"c\"d=\"e\"} 1\n# EOF\n", "a{b=\"c\",,d=\"e\"} 1\n# EOF\n", "a{b=\n# EOF\n",
      "a{\xff=\"foo\"} 1\n# EOF\n", "a{b=\"\xff\"} 1\n# EOF\n", "{\"a\",\"b = \"c\"}\n# EOF\n",
      "{\"a\",b\\nc=\"d\"} 1\n# EOF\n", "a true\n", "something_weird{problem=\"\n# EOF\n",
      "empty_label_name{=\"\"} 0\n# EOF\n", "foo 1_2\n\n# EOF\n", "foo 0x1p-3\n\n# EOF\n",
      "foo 0 1_2\n\n# EOF\n", "custom_metric_total 1 # {aa=bb}\n# EOF\n",
      "custom_metric_total 1 # {aa=\"bb\"}\n# EOF\n", "custom_metric_total 1 # {aa=\"bb\"}",
      "custom_metric_total 1 # {bb}", "custom_metric_total 1 # {bb, a=\"dd\"}",
      "custom_metric_total 1 # {aa=\"bb\",,cc=\"dd\"} 1", "custom_metric_total 1 # {aa=\"bb\"} 1_2",
      "custom_metric_total 1 # {aa=\"bb\"} 0x1p-3", "custom_metric_total 1 # {aa=\"bb\"} true",
      "custom_metric_total 1 # {aa=\"bb\",cc=}", "{b=\"c\",} 1", "a 1 NaN", "a 1 -Inf", "a 1 Inf",
      "# TYPE hhh histogram\nhhh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4 NaN",
      "# TYPE hhh histogram\nhhh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4 -Inf", "#", "# H",
  };
  for (const std::string& c : om_cases) {
    EXPECT_FALSE(ParseAll(c, Format::kOpenMetrics).ok()) << c;
  }
  for (const std::string& ok : {std::string("# EOF"), std::string("# EOF\n"),
                                "null_byte_metric{a=\"abc\0\"} 1\n# EOF\n"s,
                                std::string("# HELP m \n# UNIT m_s s\n# EOF\n")}) {
    auto r = ParseAll(ok, Format::kOpenMetrics);
    EXPECT_TRUE(r.ok()) << ok << ": " << r.status();
  }
}

// Randomized mutations of valid inputs: the parsers must return (ok or error), never crash,
// hang or read out of bounds (ASan checks the latter).
TEST(ParserFuzz, MutatedInputsNeverCrash) {
  const std::vector<std::string> seeds = {
      "# HELP a b\n# TYPE a counter\na_total{x=\"y\",z=\"\\\\\\\"\\n\"} 1.5e3 123\n",
      "{\"my.metric\", \"a.b\"=\"c\"} +Inf\nfoo NaN -1\n# comment\n",
      "# TYPE foo counter\n# UNIT foo_s s\nfoo_total{a=\"b\"} 1 1.5 # {t=\"x\"} 2 3.25\n"
      "foo_created 1\n# EOF\n",
  };
  const std::string alphabet = "{}\",=#\\ \n\t.0123456789eE+-_aZ:\"EOFNaInf";
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s = seeds[iter % seeds.size()];
    int edits = 1 + rng() % 4;
    for (int k = 0; k < edits; ++k) {
      size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
      switch (rng() % 4) {
        case 0:
          if (!s.empty() && pos < s.size()) s.erase(pos, 1 + rng() % 3);
          break;
        case 1: s.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        case 2:
          if (pos < s.size()) s[pos] = static_cast<char>(rng() % 256);
          break;
        case 3: s = s.substr(0, pos); break;
      }
    }
    for (Format f : {Format::kText004, Format::kOpenMetrics}) {
      // Exact-size heap copy so ASan flags any read past the end.
      std::unique_ptr<char[]> buf(new char[s.size() + 1]);
      std::memcpy(buf.get(), s.data(), s.size());
      Parser p(std::string_view(buf.get(), s.size()), f);
      for (int n = 0; n < 1000; ++n) {
        auto e = p.Next();
        if (!e.ok() || *e == Entry::kEOF) break;
        if (*e == Entry::kSeries) {
          Labels l;
          (void)p.ParseLabels(&l);
          (void)p.GetExemplar();
          (void)p.SeriesType();
        } else if (*e == Entry::kHelp) {
          (void)p.Help();
        }
      }
    }
  }
}

}  // namespace
}  // namespace promlet::model
