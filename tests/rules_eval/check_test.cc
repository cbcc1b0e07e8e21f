// `promlet check rules`: promtool's output and exit codes (0, 1 on errors, 3 for lint errors
// with --lint-fatal), and the same verdict as the real promtool when it is installed.
#include "rules/check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "config/temp_dir.h"

namespace promlet::rules {
namespace {

using ::testing::HasSubstr;

constexpr char kGood[] =
    "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: up\n"
    "      - alert: X\n        expr: up == 0\n";
constexpr char kDup[] =
    "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: up\n"
    "      - record: a\n        expr: up\n";
constexpr char kBad[] =
    "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: sum(\n"
    "      - record: b\n        expr: up\n        labels: {__name__: x}\n"
    "  - name: g\n";

TEST(CheckRules, OutputAndExitCodesLikePromtool) {
  config::TempDir dir;
  dir.Write("good.yml", kGood);
  dir.Write("dup.yml", kDup);
  dir.Write("bad.yml", kBad);
  CheckOutput r = CheckRuleFiles({dir.File("good.yml")}, {});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "Checking " + dir.File("good.yml") + "\n  SUCCESS: 2 rules found\n\n");
  EXPECT_EQ(r.err, "");

  r = CheckRuleFiles({dir.File("dup.yml")}, {});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err,
            "  FAILED:\nlint error 1 duplicate rule(s) found.\nMetric: a\nLabel(s):\n"
            "Might cause inconsistency while recording expressions\n");
  EXPECT_EQ(CheckRuleFiles({dir.File("dup.yml")}, {.lint_fatal = true}).exit_code, 3);
  EXPECT_EQ(CheckRuleFiles({dir.File("dup.yml")}, {.lint_duplicates = false}).exit_code, 0);

  r = CheckRuleFiles({dir.File("bad.yml"), dir.File("good.yml")}, {.lint_fatal = true});
  EXPECT_EQ(r.exit_code, 1);
  const std::string b = dir.File("bad.yml");
  EXPECT_EQ(r.err, "  FAILED:\n" + b +
                       ": 5:15: group \"g\", rule 1, \"a\": could not parse expression: 1:5: "
                       "parse error: unclosed left parenthesis\n" +
                       b + ": group \"g\", rule 2, \"b\": invalid label name: __name__\n" + b +
                       ": 9:5: groupname: \"g\" is repeated in the same file\n");
  EXPECT_THAT(r.out, HasSubstr("SUCCESS: 2 rules found"));

  // Group labels take part in the duplicate check (promtool 3: FromMaps(group, rule)).
  dir.Write("glabels.yml",
            "groups:\n  - name: g\n    labels: {team: a}\n    rules:\n"
            "      - record: a\n        expr: up\n      - record: a\n        expr: up\n"
            "        labels: {team: b}\n      - record: a\n        expr: up\n"
            "        labels: {team: a}\n");
  r = CheckRuleFiles({dir.File("glabels.yml")}, {});
  EXPECT_EQ(r.err,
            "  FAILED:\nlint error 1 duplicate rule(s) found.\nMetric: a\nLabel(s):\n"
            "\tteam: a\nMight cause inconsistency while recording expressions\n");

  r = CheckRuleFiles({}, {}, kGood);
  EXPECT_EQ(r.out, "Checking standard input\n  SUCCESS: 2 rules found\n\n");
  r = RunCheckRules({dir.File("missing.yml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "promlet: error: path '" + dir.File("missing.yml") + "' does not exist, try --help\n");
  EXPECT_EQ(RunCheckRules({"--lint=none", dir.File("dup.yml")}).exit_code, 0);
  EXPECT_EQ(RunCheckRules({"--lint-fatal", dir.File("dup.yml")}).exit_code, 3);

  // promtool 3's --ignore-unknown-fields: fields rulefmt does not know are skipped.
  dir.Write("unknown.yml",
            "groups:\n  - name: g\n    owner: team-a\n    rules:\n"
            "      - record: r\n        expr: vector(1)\n        runbook: http://x\n");
  r = RunCheckRules({dir.File("unknown.yml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("owner"));
  r = RunCheckRules({"--ignore-unknown-fields", dir.File("unknown.yml")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("SUCCESS: 1 rules found"));
}

// The same files through the real promtool (Debian's 2.42) when installed: same exit codes
// and, for these cases, the same stderr. (2.42 validates names with the legacy rules, 3.x and
// promlet accept any UTF-8 name: such cases are kept out of this comparison.)
TEST(CheckRules, AgreesWithPromtool) {
  if (::access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool not installed";
  config::TempDir dir;
  const std::string cwd = std::filesystem::current_path().string();
  const std::pair<const char*, const char*> cases[] = {
      {"good.yml", kGood},
      {"dup.yml", kDup},
      {"bad.yml", kBad},
      {"unknown.yml",
       "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: up\n"
       "        foo: 1\n"},
      {"dur.yml", "groups:\n  - name: g\n    interval: 1x\n    rules: []\n"},
      {"missing_fields.yml",
       "groups:\n  - name: g\n    rules:\n      - expr: up\n"
       "      - record: x\n      - record: y\n        alert: Y\n"
       "        expr: up\n  - name: \"\"\n    rules: []\n"},
      {"empty.yml", ""},
  };
  for (const auto& [name, text] : cases) {
    dir.Write(name, text);
    for (bool fatal : {false, true}) {
      const std::string cmd = "cd " + dir.path() + " && /usr/bin/promtool check rules " +
                              (fatal ? "--lint-fatal " : "") + name + " 2>err.txt >/dev/null";
      const int status = std::system(cmd.c_str());
      const int want = WEXITSTATUS(status);
      ASSERT_EQ(::chdir(dir.path().c_str()), 0);
      CheckOutput got = CheckRuleFiles({name}, {.lint_fatal = fatal});
      EXPECT_EQ(got.exit_code, want) << name << " fatal=" << fatal;
      std::ifstream in(dir.File("err.txt"));
      std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(got.err, err) << name;
    }
  }
  ASSERT_EQ(::chdir(cwd.c_str()), 0);
}

}  // namespace
}  // namespace promlet::rules
