#include "push/import.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "push/http_api.h"
#include "tests/push/recording_storage.h"

namespace promlet::push {
namespace {

using ::testing::HasSubstr;

TEST(Import, TimestampsAndExtraLabels) {
  auto samples = ParseImport("# HELP a help\n# TYPE a gauge\na{job=\"x\"} 1 1700000000000\nb 2\n",
                             {"job=override", "env=prod"}, 1'700'000'000'999);
  ASSERT_TRUE(samples.ok()) << samples.status();
  ASSERT_EQ(samples->size(), 2u);
  EXPECT_EQ((*samples)[0].labels.ToString(), "a{env=\"prod\", job=\"override\"}");
  EXPECT_EQ((*samples)[0].t, 1'700'000'000'000);
  EXPECT_EQ((*samples)[1].t, 1'700'000'000'999);  // no timestamp: the request's time
  EXPECT_EQ((*samples)[1].line, 4);
}

TEST(Import, ErrorsNameTheLine) {
  EXPECT_THAT(std::string(ParseImport("a 1\nb{ 2\n", {}, 0).status().message()),
              HasSubstr("line 2: "));
  EXPECT_THAT(std::string(ParseImport("a 1\n", {"bad"}, 0).status().message()),
              HasSubstr("invalid extra_label \"bad\""));
}

TEST(Import, AllOrNothing) {
  RecordingStorage storage;
  storage.refuse = "b";
  auto samples = ParseImport("a 1 1000\nb 2 1000\n", {}, 0);
  ASSERT_TRUE(samples.ok());
  auto st = AppendImported(storage, *samples);
  EXPECT_EQ(st.message(), "line 2: b: out of bounds");
  EXPECT_TRUE(storage.committed.empty());
  storage.refuse.clear();
  EXPECT_TRUE(AppendImported(storage, *samples).ok());
  EXPECT_EQ(storage.committed.size(), 2u);
}

TEST(Import, HttpStatuses) {
  RecordingStorage storage;
  PushHttpOptions options{.max_body_bytes = 1000};
  EXPECT_EQ(ServeImportPrometheus(storage, {"a 1\n", "", {}}, options, 5).status, 204);
  auto bad = ServeImportPrometheus(storage, {"a 1\nb{\n", "", {}}, options, 5);
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("line 2"));
  EXPECT_EQ(ServeImportPrometheus(storage, {std::string(2000, '\n'), "", {}}, options, 5).status,
            413);
  EXPECT_EQ(storage.committed.size(), 1u);
}

}  // namespace
}  // namespace promlet::push
