// Fuzz: the Go template engine (rules/template) on mutated alert templates. Parsing and
// expansion must never crash, hang or throw; every failure is a Status with a message.
#include <gtest/gtest.h>

#include "rules/template/template.h"
#include "tests/fuzz/mutator.h"

namespace promlet::rules {
namespace {

const std::vector<std::string> kDictionary = {
    "{{", "}}", "{{- ", " -}}", "{{/*", "*/}}", "$labels", "$value", ".Labels", ".Value", "$",
    ".", " range ", " if ", " else ", " else if ", " with ", " end", " define \"a\"",
    " template \"a\" ", " block \"b\" ", " break", " continue", " | ", "(", ")", "\"", "`", "'",
    " := ", " = ", ", ", "$x", "$i, $e := ", "nil", "1e6", "0x1F", "-1", "1000000000",
    "humanize ", "humanizeDuration ", "printf \"%v %d %s %.2f %q %x %*d %[2]v\" ", "print ",
    "query \"up\"", "first ", "label \"job\" ", "sortByLabel \"job\" ", "index ", "slice ", "len ",
    "eq ", "lt ", "and ", "or ", "not ", "html ", "js ", "call ", "reReplaceAll \"(a+)\" \"$1\" ",
    "match \"(\" ", "toTime ", "toDuration ", "title ", "args 1 2 ", "stripDomain ",
    "parseDuration \"1h\" ", "\\", "\n", "\xc3\xa9", "\xff", "%"};

TemplateData FuzzData() {
  TemplateData d;
  d.labels = {{"__name__", "up"}, {"instance", "h:9090"}, {"job", "j"}};
  d.value = 1234.5678;
  d.external_url = "http://example.com:9090/prom";
  d.external_labels = {{"region", "eu"}};
  d.eval_time_ms = 60000;
  d.query = [](std::string_view q) -> absl::StatusOr<std::vector<QuerySample>> {
    if (q.empty()) return absl::InvalidArgumentError("empty query");
    return std::vector<QuerySample>{
        {model::Labels{{"__name__", "up"}, {"job", std::string(q.substr(0, 8))}}, 1},
        {model::Labels{{"instance", "a:1"}}, -2.5}};
  };
  return d;
}

TEST(FuzzTemplate, CheckAndExpand) {
  const TemplateData data = FuzzData();
  fuzz::RunFuzz(
      fuzz::ReadCorpusFile(fuzz::CorpusPath("template.txt")), kDictionary, 6000,
      [&](const std::string& in) {
        absl::Status st = CheckTemplate("__alert_Fuzz", in);
        PROMLET_EXPECT_ERROR_HAS_MESSAGE(st);
        absl::StatusOr<std::string> out = ExpandTemplate("__alert_Fuzz", in, data);
        if (!out.ok()) {
          PROMLET_EXPECT_ERROR_HAS_MESSAGE(out.status());
        } else {
          EXPECT_TRUE(st.ok()) << "expanded a template that does not parse";
          EXPECT_LE(out->size(), size_t{1} << 20);
        }
      },
      4096);
}

}  // namespace
}  // namespace promlet::rules
