// `promlet test rules`: the expanding notation of input series, and promtool's verdicts and
// output on passing and failing unit-test files (compared with the real promtool when
// installed).
#include "rules/junit_xml.h"
#include "rules/unit_test_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include "model/value.h"
#include "tsdb/head.h"

namespace promlet::rules {
namespace {

using ::testing::HasSubstr;

const std::string kData = PROMLET_RULES_TESTDATA;

UnitTestOptions Options() {
  UnitTestOptions o;
  o.new_storage = [] { return std::make_unique<tsdb::Head>(); };
  return o;
}

TEST(UnitTestRunner, PassingAndFailingFiles) {
  CheckOutput pass = RunRuleUnitTests({kData + "/pass.yml", kData + "/order.yml"}, Options());
  EXPECT_EQ(pass.exit_code, 0) << pass.err;
  EXPECT_EQ(pass.out, "Unit Testing:  " + kData + "/pass.yml\n  SUCCESS\n\nUnit Testing:  " +
                          kData + "/order.yml\n  SUCCESS\n\n");
  CheckOutput fail = RunRuleUnitTests({kData + "/fail.yml"}, Options());
  EXPECT_EQ(fail.exit_code, 1);
  EXPECT_THAT(fail.err, HasSubstr("    name: broken,\n    alertname: HighErrors, time: 4m, \n"));
  EXPECT_THAT(fail.err, HasSubstr("        got: {instance=\"x\"} 2E+01\n"));
  EXPECT_THAT(fail.err, HasSubstr("    expr: \"sum(\", time: 1m, err: 1:5: parse error"));
  CheckOutput missing = RunRuleUnitTests({kData + "/nope.yml"}, Options());
  EXPECT_EQ(missing.exit_code, 1);
}

// Byte for byte what Debian's promtool prints, and the same exit codes.
TEST(UnitTestRunner, SameOutputAsPromtool) {
  if (::access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool not installed";
  for (const char* name : {"pass.yml", "fail.yml", "order.yml", "empty_pass.yml", "empty_fail.yml",
                           "flags.yml", "fuzzy_off.yml", "unknown.yml"}) {
    const std::string out = ::testing::TempDir() + "/promtool.out";
    const std::string err = ::testing::TempDir() + "/promtool.err";
    const int status = std::system(
        ("cd " + kData + " && /usr/bin/promtool test rules " + name + " >" + out + " 2>" + err)
            .c_str());
    const std::string cwd = std::filesystem::current_path().string();
    ASSERT_EQ(::chdir(kData.c_str()), 0);
    CheckOutput got = RunRuleUnitTests({name}, Options());
    ASSERT_EQ(::chdir(cwd.c_str()), 0);
    auto read = [](const std::string& p) {
      std::ifstream in(p);
      return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    EXPECT_EQ(got.exit_code, WEXITSTATUS(status)) << name;
    EXPECT_EQ(got.out, read(out)) << name;
    EXPECT_EQ(got.err, read(err)) << name;
  }
}

// promtool 3's flags and fields (Debian's 2.42 has none of them: checked against its source).
struct Chdir {
  std::string old = std::filesystem::current_path().string();
  explicit Chdir(const std::string& to) { std::filesystem::current_path(to); }
  ~Chdir() { std::filesystem::current_path(old); }
};

TEST(UnitTestRunner, RunSelectsTestGroupsByName) {
  Chdir in(kData);
  CheckOutput all = RunTestRules({"flags.yml"}, Options());
  EXPECT_EQ(all.exit_code, 1);
  EXPECT_THAT(all.err, HasSubstr("vector(1)"));
  CheckOutput alpha = RunTestRules({"--run", "alp", "flags.yml"}, Options());
  EXPECT_EQ(alpha.exit_code, 0) << alpha.err;
  EXPECT_EQ(alpha.out, "Unit Testing:  flags.yml\n  SUCCESS\n\n");
  // Several --run are alternatives; the unnamed group's name is "" and matches no pattern.
  CheckOutput two = RunTestRules({"--run=^alpha$", "--run", "^beta$", "flags.yml"}, Options());
  EXPECT_EQ(two.exit_code, 1);
  EXPECT_THAT(two.err, HasSubstr("exp: {} 2E+00"));
  EXPECT_THAT(two.err, ::testing::Not(HasSubstr("vector(1) > 1")));
  // A pattern matching the empty name selects the unnamed group too.
  EXPECT_THAT(RunTestRules({"--run", "^$", "flags.yml"}, Options()).err,
              HasSubstr("vector(1) > 1"));
  CheckOutput bad = RunTestRules({"--run", "(", "flags.yml"}, Options());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("invalid --run regular expression"));
}

TEST(UnitTestRunner, JUnitXmlAsPromtoolWritesIt) {
  Chdir in(kData);
  const std::string xml_path = ::testing::TempDir() + "/junit.xml";
  CheckOutput r = RunTestRules({"--junit", xml_path, "flags.yml", "nope.yml"}, Options());
  EXPECT_EQ(r.exit_code, 1);
  std::ifstream in_xml(xml_path);
  std::string xml((std::istreambuf_iterator<char>(in_xml)), std::istreambuf_iterator<char>());
  // The timestamp is the local time of the run.
  std::regex stamp("timestamp=\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\"");
  EXPECT_TRUE(std::regex_search(xml, stamp)) << xml;
  xml = std::regex_replace(xml, stamp, "timestamp=\"T\"");
  EXPECT_EQ(xml,
            "<testsuites><testsuite name=\"flags.yml\" tests=\"3\" failures=\"2\" errors=\"0\" "
            "skipped=\"0\" timestamp=\"T\"><testcase name=\"alpha\"></testcase>"
            "<testcase name=\"beta\"><failure>    expr: &#34;vector(1)&#34;, time: 0s,&#xA;        "
            "exp: {} 2E+00&#xA;        got: {} 1E+00</failure></testcase>"
            "<testcase name=\"unnamed#2\"><failure>    expr: &#34;vector(1) &gt; 1&#34;, time: "
            "0s,&#xA;        exp: {} 1E+00&#xA;        got: nil</failure></testcase></testsuite>"
            "<testsuite name=\"nope.yml\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" "
            "timestamp=\"\"><testcase name=\"unknown\"><error>open nope.yml: no such file or "
            "directory</error></testcase></testsuite></testsuites>");
}

TEST(UnitTestRunner, GoXmlEscaping) {
  EXPECT_EQ(GoXmlEscape("a\"b'c&d<e>f\tg\nh\ri\x01j\xffk\xc3\xa9"),
            "a&#34;b&#39;c&amp;d&lt;e&gt;f&#x9;g&#xA;h&#xD;i\xEF\xBF\xBDj\xEF\xBF\xBDk\xc3\xa9");
}

TEST(UnitTestRunner, FuzzyCompareAcceptsOneUlp) {
  Chdir in(kData);
  EXPECT_EQ(RunTestRules({"fuzzy.yml"}, Options()).exit_code, 0);
  CheckOutput off = RunTestRules({"fuzzy_off.yml"}, Options());
  EXPECT_EQ(off.exit_code, 1);
  EXPECT_THAT(off.err, HasSubstr("exp: {} 3E-01\n        got: {} 3.0000000000000004E-01"));
}

TEST(UnitTestRunner, IgnoreUnknownFieldsInRuleFiles) {
  Chdir in(kData);
  CheckOutput strict = RunTestRules({"unknown.yml"}, Options());
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_THAT(strict.err, HasSubstr("line 3: field owner not found in type rulefmt.RuleGroup"));
  EXPECT_THAT(strict.err, HasSubstr("line 7: field runbook not found in type rulefmt.RuleNode"));
  CheckOutput lax = RunTestRules({"--ignore-unknown-fields", "unknown.yml"}, Options());
  EXPECT_EQ(lax.exit_code, 0) << lax.err;
}

TEST(UnitTestRunner, FlagErrors) {
  CheckOutput r = RunTestRules({"--bogus", "x.yml"}, Options());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "promlet: error: unknown long flag '--bogus', try --help\n");
  r = RunTestRules({"--diff", "x.yml"}, Options());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("'--diff' of promtool is not implemented"));
  r = RunTestRules({"--run"}, Options());
  EXPECT_EQ(r.err, "promlet: error: expected argument for flag '--run', try --help\n");
  r = RunTestRules({}, Options());
  EXPECT_THAT(r.err, HasSubstr("required argument 'test-rule-file' not provided"));
}

}  // namespace
}  // namespace promlet::rules
