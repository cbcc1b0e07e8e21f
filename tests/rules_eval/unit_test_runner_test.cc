// `promlet test rules`: the expanding notation of input series, and promtool's verdicts and
// output on passing and failing unit-test files (compared with the real promtool when
// installed).
#include "rules/unit_test_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

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
  for (const char* name : {"pass.yml", "fail.yml", "order.yml", "empty_pass.yml", "empty_fail.yml"}) {
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

}  // namespace
}  // namespace promlet::rules
