// The template engine against Go: every row of golden_rows_*.cc must come out as promtool
// printed it (outputs and error texts, byte for byte).
#include <gtest/gtest.h>

#include "rules/template/template.h"
#include "tests/rules_template/golden_data.h"
#include "tests/rules_template/golden_rows.h"

namespace promlet::rules {
namespace {

class GoldenTest : public testing::TestWithParam<GoldenRow> {};

TEST_P(GoldenTest, MatchesPrometheus) {
  const GoldenRow& row = GetParam();
  if (row.parse_error) {
    absl::Status st = CheckTemplate(row.name, row.text);
    ASSERT_FALSE(st.ok()) << row.text;
    EXPECT_EQ(st.message(), row.want) << row.text;
    // Expansion refuses it with Prometheus' wrapping.
    absl::StatusOr<std::string> out = ExpandTemplate(row.name, row.text, GoldenData());
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().message(),
              std::string("error parsing template ") + row.name + ": " + row.want);
    return;
  }
  EXPECT_TRUE(CheckTemplate(row.name, row.text).ok()) << row.text;
  EXPECT_EQ(ExpandAsAnnotation(row.name, row.text), row.want) << row.text;
}

INSTANTIATE_TEST_SUITE_P(Promtool1, GoldenTest, testing::ValuesIn(GoldenRows1()));
INSTANTIATE_TEST_SUITE_P(Promtool2, GoldenTest, testing::ValuesIn(GoldenRows2()));

}  // namespace
}  // namespace promlet::rules
