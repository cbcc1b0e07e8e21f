// Fuzz: the text exposition (0.0.4) and OpenMetrics parsers (scrape/textparse.h) on mutated
// exposition bodies. Every entry is fully read (labels, help, exemplars) so mutants reach the
// unescaping and number paths; errors must carry a message and end the parse.
#include <gtest/gtest.h>

#include "model/textparse.h"
#include "tests/fuzz/mutator.h"
#include "scrape/protocols.h"

namespace promlet::scrape {
namespace {

const std::vector<std::string> kDictionary = {
    "# TYPE ", "# HELP ", "# UNIT ", "# EOF\n", " # {", "{", "}", "=\"", "\",", "\"", "\\",
    "\\n", "\\\"", "_total", "_created", "_bucket", "le=\"+Inf\"", "quantile=\"0.5\"",
    " counter\n", " histogram\n", " gaugehistogram\n", " summary\n", " info\n", " stateset\n",
    " untyped\n", " unknown\n", "\n", " ", "\t", "\xc3\xa9", "\xff", "1.5e300", ".5"};

void ParseAll(const std::string& body, model::Format format) {
  model::Parser p(body, format);
  for (int entries = 0; entries < 100000; ++entries) {
    absl::StatusOr<model::Entry> e = p.Next();
    if (!e.ok()) {
      PROMLET_EXPECT_ERROR_HAS_MESSAGE(e.status());
      // The parser is finished after an error and keeps returning it.
      absl::StatusOr<model::Entry> again = p.Next();
      EXPECT_FALSE(again.ok());
      return;
    }
    switch (*e) {
      case model::Entry::kEOF:
        EXPECT_EQ(p.Next().value_or(model::Entry::kSeries), model::Entry::kEOF);
        return;
      case model::Entry::kSeries: {
        (void)p.RawSeries();
        (void)p.MetricName();
        model::Labels labels;
        absl::Status st = p.ParseLabels(&labels);
        PROMLET_EXPECT_ERROR_HAS_MESSAGE(st);
        (void)p.Value();
        (void)p.TimestampMs();
        (void)p.SeriesType();
        (void)p.IsCreatedSeries();
        if (p.HasExemplar()) (void)p.GetExemplar();
        break;
      }
      case model::Entry::kType:
        (void)p.FamilyName();
        (void)model::MetricTypeName(p.Type());
        break;
      case model::Entry::kHelp:
        (void)p.FamilyName();
        (void)p.Help();
        (void)p.PlainHelp();
        break;
      case model::Entry::kUnit:
        (void)p.FamilyName();
        (void)p.Unit();
        break;
      case model::Entry::kComment:
        (void)p.Comment();
        break;
      case model::Entry::kHistogram:
        ADD_FAILURE() << "the text parsers never return native histograms";
        return;
    }
  }
}

TEST(FuzzTextParse, PrometheusText004) {
  fuzz::RunFuzz(fuzz::ReadCorpusFile(fuzz::CorpusPath("text.txt")), kDictionary, 20000,
                [](const std::string& in) {
                  ParseAll(in, model::Format::kText004);
                  auto md = model::CollectMetadata(in, model::Format::kText004);
                  if (!md.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(md.status());
                });
}

TEST(FuzzTextParse, OpenMetrics) {
  fuzz::RunFuzz(fuzz::ReadCorpusFile(fuzz::CorpusPath("openmetrics.txt")), kDictionary, 20000,
                [](const std::string& in) {
                  ParseAll(in, model::Format::kOpenMetrics);
                  auto md = model::CollectMetadata(in, model::Format::kOpenMetrics);
                  if (!md.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(md.status());
                });
}

// Content negotiation reads a header the target chooses.
TEST(FuzzTextParse, ContentType) {
  std::vector<std::string> corpus = {"application/openmetrics-text; version=1.0.0; charset=utf-8",
                                     "text/plain; version=0.0.4; charset=utf-8", "text/plain",
                                     "application/json", ""};
  fuzz::RunFuzz(corpus, {";", "=", "version", "\"", ","}, 3000, [](const std::string& in) {
    auto f = FormatForContentType(in);
    if (!f.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(f.status());
    (void)FormatForContentType(in, model::Format::kText004);
    auto p = ParseScrapeProtocol(in);
    if (!p.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(p.status());
  });
}

}  // namespace
}  // namespace promlet::scrape
