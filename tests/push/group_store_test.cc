#include "model/value.h"
#include "push/group_store.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "push/group_file.h"
#include "push/text_body.h"
#include "tests/push/recording_storage.h"

namespace promlet::push {
namespace {

using ::testing::HasSubstr;

class GroupStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(""); }
  void Open(const std::string& dir) {
    store_.reset();
    GroupStoreOptions o;
    o.dir = dir;
    o.storage = &storage_;
    o.now_ms = [this] { return now_ms_; };
    o.max_groups = max_groups_;
    o.max_series_per_group = max_series_;
    auto s = GroupStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  absl::Status Push(const GroupingKey& key, std::string_view body, WriteMode mode) {
    auto fams = ParseTextBody(body);
    if (!fams.ok()) return fams.status();
    now_ms_ += 1000;
    return store_->Push(key, *std::move(fams), mode);
  }
  const Group* Find(const std::vector<Group>& groups, const GroupingKey& key) {
    for (const auto& g : groups) {
      if (g.key == key) return &g;
    }
    return nullptr;
  }
  std::vector<std::string> FamilyNames(const GroupingKey& key) {
    auto groups = store_->Groups();
    const Group* g = Find(groups, key);
    std::vector<std::string> out;
    if (g == nullptr) return out;
    for (const auto& [name, f] : g->families) out.push_back(name);
    return out;
  }

  RecordingStorage storage_;
  int64_t now_ms_ = 1'700'000'000'000;
  size_t max_groups_ = 0;
  size_t max_series_ = 0;
  std::unique_ptr<GroupStore> store_;
  const GroupingKey kA{{"job", "a"}};
  const GroupingKey kB{{"job", "b"}};
};

TEST_F(GroupStoreTest, PutReplacesGroupPostReplacesFamilies) {
  ASSERT_TRUE(Push(kA, "x 1\ny 2\n", WriteMode::kReplaceGroup).ok());
  EXPECT_THAT(FamilyNames(kA),
              ::testing::ElementsAre("push_failure_time_seconds", "push_time_seconds", "x", "y"));
  ASSERT_TRUE(Push(kA, "x{v=\"2\"} 10\n", WriteMode::kReplaceFamilies).ok());
  EXPECT_THAT(FamilyNames(kA),
              ::testing::ElementsAre("push_failure_time_seconds", "push_time_seconds", "x", "y"));
  auto last = storage_.Last();
  EXPECT_EQ(last["x{job=\"a\", v=\"2\"}"], 10);
  EXPECT_TRUE(model::IsStaleNaN(last["x{job=\"a\"}"]));  // POST replaced the whole family x
  EXPECT_EQ(last["y{job=\"a\"}"], 2);
  ASSERT_TRUE(Push(kA, "z 3\n", WriteMode::kReplaceGroup).ok());
  EXPECT_THAT(FamilyNames(kA),
              ::testing::ElementsAre("push_failure_time_seconds", "push_time_seconds", "z"));
  last = storage_.Last();
  EXPECT_TRUE(model::IsStaleNaN(last["y{job=\"a\"}"]));
  EXPECT_EQ(last["push_time_seconds{job=\"a\"}"], static_cast<double>(now_ms_) / 1000);
  EXPECT_EQ(last["push_failure_time_seconds{job=\"a\"}"], 0);
}

TEST_F(GroupStoreTest, EmptyPutKeepsOnlyPushTimes) {
  ASSERT_TRUE(Push(kA, "x 1\n", WriteMode::kReplaceGroup).ok());
  ASSERT_TRUE(Push(kA, "", WriteMode::kReplaceGroup).ok());
  EXPECT_THAT(FamilyNames(kA),
              ::testing::ElementsAre("push_failure_time_seconds", "push_time_seconds"));
}

TEST_F(GroupStoreTest, GroupingKeyWinsOverBodyLabels) {
  GroupingKey key{{"job", "a"}, {"instance", "i1"}, {"drop", ""}};
  ASSERT_TRUE(Push(key, "m{job=\"other\",instance=\"x\",drop=\"y\",keep=\"k\"} 1\n",
                   WriteMode::kReplaceGroup)
                  .ok());
  auto last = storage_.Last();
  EXPECT_EQ(last.count("m{instance=\"i1\", job=\"a\", keep=\"k\"}"), 1u)
      << ::testing::PrintToString(last);
}

TEST_F(GroupStoreTest, DeleteRemovesGroupAndMarksStale) {
  ASSERT_TRUE(Push(kA, "x 1\n", WriteMode::kReplaceGroup).ok());
  ASSERT_TRUE(Push(kB, "x 1\n", WriteMode::kReplaceGroup).ok());
  ASSERT_TRUE(store_->Delete(kA).ok());
  EXPECT_EQ(store_->Groups().size(), 1u);
  auto last = storage_.Last();
  EXPECT_TRUE(model::IsStaleNaN(last["x{job=\"a\"}"]));
  EXPECT_TRUE(model::IsStaleNaN(last["push_time_seconds{job=\"a\"}"]));
  EXPECT_EQ(last["x{job=\"b\"}"], 1);
  EXPECT_TRUE(store_->Delete(kA).ok());  // deleting a missing group is fine
}

TEST_F(GroupStoreTest, TimestampsRejectedAndFailureRecorded) {
  ASSERT_TRUE(Push(kA, "x 1\n", WriteMode::kReplaceGroup).ok());
  auto st = Push(kA, "x 2 1700000000000\n", WriteMode::kReplaceGroup);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "pushed metrics are invalid or inconsistent with existing metrics: pushed metrics "
            "must not have timestamps");
  auto groups = store_->Groups();
  const Group* g = Find(groups, kA);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->families.at("x").samples[0].value, 1);  // unchanged
  EXPECT_EQ(g->PushFailureTimeSeconds(), static_cast<double>(now_ms_) / 1000);
  EXPECT_FALSE(g->LastPushSuccessful());
  // A failed push to a new group creates it with push_time_seconds 0, as Pushgateway does.
  ASSERT_FALSE(Push(kB, "y 1 5\n", WriteMode::kReplaceGroup).ok());
  groups = store_->Groups();
  g = Find(groups, kB);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->PushTimeSeconds(), 0);
  EXPECT_THAT(FamilyNames(kB),
              ::testing::ElementsAre("push_failure_time_seconds", "push_time_seconds"));
}

TEST_F(GroupStoreTest, TypeConflictAcrossGroupsRejected) {
  ASSERT_TRUE(Push(kA, "# TYPE x counter\nx 1\n", WriteMode::kReplaceGroup).ok());
  auto st = Push(kB, "# TYPE x gauge\nx 1\n", WriteMode::kReplaceGroup);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("\"x\" has type gauge"));
  EXPECT_THAT(FamilyNames(kB),
              ::testing::ElementsAre("push_failure_time_seconds", "push_time_seconds"));
  // The same group may change a family's type; help may differ between groups.
  EXPECT_TRUE(Push(kA, "# TYPE x gauge\nx 1\n", WriteMode::kReplaceFamilies).ok());
  EXPECT_TRUE(
      Push(kB, "# HELP x other help\n# TYPE x gauge\nx 1\n", WriteMode::kReplaceGroup).ok());
}

TEST_F(GroupStoreTest, DuplicateSeriesRejected) {
  auto st = Push(kA, "x{a=\"1\"} 1\nx{a=\"1\"} 2\n", WriteMode::kReplaceGroup);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("x{a=\"1\", job=\"a\"} was collected before with the same name"));
  // A series another group already exposes: {job="a"} pushing x{v="1"} and {job="a",v="1"}
  // pushing x expose the same series.
  ASSERT_TRUE(Push(kA, "x{v=\"1\"} 1\n", WriteMode::kReplaceGroup).ok());
  st = Push({{"job", "a"}, {"v", "1"}}, "x 2\n", WriteMode::kReplaceGroup);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("(in group {job=\"a\"})"));
}

TEST_F(GroupStoreTest, EmptyGroupingValueIsADistinctGroupThatCollides) {
  ASSERT_TRUE(Push(kA, "x 1\n", WriteMode::kReplaceGroup).ok());
  // {job="a", instance=""} exposes the same series as {job="a"}: Pushgateway refuses it.
  auto st = Push({{"job", "a"}, {"instance", ""}}, "y 1\n", WriteMode::kReplaceGroup);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Groups().size(), 1u);
}

TEST_F(GroupStoreTest, OtherEmptyGroupingValueIsADistinctGroupThatPushgatewayAccepts) {
  // Pushgateway keeps x="" as a label pair, so {job="a", x=""} does not collide with {job="a"}
  // although both expose y{job="a"} to a scrape (differential test against Pushgateway 1.5).
  ASSERT_TRUE(Push(kA, "y 1\n", WriteMode::kReplaceGroup).ok());
  GroupingKey empty_x{{"job", "a"}, {"x", ""}};
  ASSERT_TRUE(Push(empty_x, "y 1\n", WriteMode::kReplaceGroup).ok());
  EXPECT_EQ(store_->Groups().size(), 2u);
  // Deleting one group leaves the series to the other: no staleness marker.
  ASSERT_TRUE(store_->Delete(empty_x).ok());
  EXPECT_EQ(storage_.Last()["y{job=\"a\"}"], 1);
}

TEST_F(GroupStoreTest, Limits) {
  max_groups_ = 1;
  max_series_ = 3;  // two series plus the two push-time gauges would be 4
  Open("");
  EXPECT_EQ(Push(kA, "x 1\ny 1\n", WriteMode::kReplaceGroup).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(store_->Groups().empty());
  ASSERT_TRUE(Push(kA, "x 1\n", WriteMode::kReplaceGroup).ok());
  auto st = Push(kB, "x 1\n", WriteMode::kReplaceGroup);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(st.message()), HasSubstr("--push.max-groups"));
}

TEST_F(GroupStoreTest, AppendAllRepeatsValuesWithIncreasingTimestamps) {
  ASSERT_TRUE(Push(kA, "x 1\n", WriteMode::kReplaceGroup).ok());
  storage_.committed.clear();
  store_->AppendAll();
  store_->AppendAll();  // same clock: timestamps still strictly increase
  std::vector<int64_t> ts;
  for (const auto& r : storage_.committed) {
    if (r.labels.MetricName() == "x") ts.push_back(r.t);
  }
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_LT(ts[0], ts[1]);
}

TEST_F(GroupStoreTest, PersistsAcrossReopen) {
  std::string dir = ::testing::TempDir() + "/push_store_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  Open(dir);
  ASSERT_TRUE(Push(kA, "# HELP x h\n# TYPE x counter\nx{a=\"1\"} NaN\nx{a=\"2\"} 1e300\n",
                   WriteMode::kReplaceGroup)
                  .ok());
  GroupingKey odd{{"job", "a/b"}, {"instance", ""}};
  ASSERT_TRUE(Push(odd, "y 1\n", WriteMode::kReplaceGroup).ok());
  ASSERT_TRUE(Push(kB, "z 1\n", WriteMode::kReplaceGroup).ok());
  ASSERT_TRUE(store_->Delete(kB).ok());
  auto before = store_->Groups();
  // A stray temporary file (a crash mid-write) is ignored and removed.
  { std::ofstream(dir + "/deadbeef.json.tmp") << "{"; }
  Open(dir);
  auto after = store_->Groups();
  ASSERT_EQ(after.size(), 2u);
  for (const auto& g : before) {
    const Group* a = Find(after, g.key);
    ASSERT_NE(a, nullptr) << GroupingKeyString(g.key);
    EXPECT_EQ(EncodeGroup(*a), EncodeGroup(g));
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/deadbeef.json.tmp"));
  // The reloaded store still knows which series each group owns.
  EXPECT_EQ(Push({{"job", "a"}, {"a", "1"}}, "x 1\n", WriteMode::kReplaceGroup).code(),
            absl::StatusCode::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

TEST_F(GroupStoreTest, NativeHistogramsAreAppendedAndSurviveARestart) {
  const std::string dir = ::testing::TempDir() + "/push_nh_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Open(dir);
  Family f;
  f.name = "h";
  f.type = model::MetricType::kHistogram;
  auto h = std::make_shared<model::histogram::Histogram>();
  h->schema = 1;
  h->count = 3;
  h->sum = 2.5;
  h->zero_threshold = 0.001;
  h->zero_count = 1;
  h->positive_spans = {{-1, 2}};
  h->positive_buckets = {1, 0};
  PushedSample s{model::Labels{{"__name__", "h"}}, 0, false};
  s.histogram = h;
  f.samples.push_back(s);
  Family g;
  g.name = "g";
  g.type = model::MetricType::kGaugeHistogram;
  auto fh = std::make_shared<model::histogram::FloatHistogram>();
  fh->counter_reset_hint = model::histogram::CounterResetHint::kGauge;
  fh->count = 0.5;
  fh->zero_count = 0.5;
  fh->zero_threshold = 0.25;
  PushedSample gs{model::Labels{{"__name__", "g"}}, 0, false};
  gs.float_histogram = fh;
  g.samples.push_back(gs);
  now_ms_ += 1000;
  ASSERT_TRUE(store_->Push(kA, {f, g}, WriteMode::kReplaceGroup).ok());
  std::map<std::string, std::string> stored;
  for (const auto& r : storage_.committed) {
    if (!r.histogram.empty()) stored[r.labels.ToString()] = r.histogram;
  }
  EXPECT_EQ(stored["h{job=\"a\"}"], h->String());
  EXPECT_EQ(stored["g{job=\"a\"}"], fh->String());
  auto before = store_->Groups();
  Open(dir);
  auto after = store_->Groups();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(EncodeGroup(after[0]), EncodeGroup(before[0]));
  const Family& reloaded = after[0].families.at("h");
  ASSERT_NE(reloaded.samples[0].histogram, nullptr);
  EXPECT_TRUE(reloaded.samples[0].histogram->Equals(*h));
  const Family& reloaded_g = after[0].families.at("g");
  ASSERT_NE(reloaded_g.samples[0].float_histogram, nullptr);
  EXPECT_TRUE(reloaded_g.samples[0].float_histogram->Equals(*fh));
  EXPECT_EQ(reloaded_g.samples[0].float_histogram->counter_reset_hint,
            model::histogram::CounterResetHint::kGauge);
  std::filesystem::remove_all(dir);
}

TEST_F(GroupStoreTest, DamagedFileSkipped) {
  std::string dir = ::testing::TempDir() + "/push_damaged_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  { std::ofstream(dir + "/0123.json") << "{\"version\":1,"; }
  Open(dir);
  EXPECT_TRUE(store_->Groups().empty());
  EXPECT_TRUE(std::filesystem::exists(dir + "/0123.json.corrupt"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace promlet::push
