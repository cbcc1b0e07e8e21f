#include "model/target_merge.h"

#include <gtest/gtest.h>

namespace promlet::model {
namespace {

const Labels kTarget{{"instance", "host:9100"}, {"job", "node"}};

TEST(MergeTargetLabels, TargetWinsAndClashesAreExported) {
  Labels sample{{"__name__", "up"}, {"instance", "exposed"}, {"mode", "idle"}};
  EXPECT_EQ(MergeTargetLabels(sample, kTarget, false).ToString(),
            "up{exported_instance=\"exposed\", instance=\"host:9100\", job=\"node\", mode=\"idle\"}");
}

TEST(MergeTargetLabels, HonorLabelsKeepsTheSamplesOwnAndFillsGaps) {
  Labels sample{{"__name__", "up"}, {"instance", "exposed"}};
  EXPECT_EQ(MergeTargetLabels(sample, kTarget, true).ToString(),
            "up{instance=\"exposed\", job=\"node\"}");
}

TEST(MergeTargetLabels, ExportedNamesTakenAlreadyGetAnotherPrefix) {
  Labels sample{{"__name__", "m"}, {"job", "a"}, {"exported_job", "b"}};
  EXPECT_EQ(MergeTargetLabels(sample, Labels{{"job", "t"}}, false).ToString(),
            "m{exported_exported_job=\"a\", exported_job=\"b\", job=\"t\"}");
}

TEST(MergeTargetLabels, EmptyTargetOrEmptyExposedValueChangesNothingElse) {
  Labels sample{{"__name__", "m"}, {"x", "1"}};
  EXPECT_EQ(MergeTargetLabels(sample, Labels{}, false), sample);
  // An exposed empty value is no label: nothing to export.
  EXPECT_EQ(MergeTargetLabels(sample, Labels{{"job", "t"}}, false).ToString(),
            "m{job=\"t\", x=\"1\"}");
}

}  // namespace
}  // namespace promlet::model
