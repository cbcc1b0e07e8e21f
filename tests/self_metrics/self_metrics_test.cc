// The storage/scrape collector: the serialized /metrics text carries the head's, the DB's and the
// scrape manager's figures under Prometheus' names, read at render time.
#include "web/self_metrics.h"

#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tsdb/db.h"
#include "tsdb/head.h"
#include "tsdb/metrics.h"

namespace promlet::web {
namespace {

namespace fs = std::filesystem;
using model::Labels;

// The value of the sample line that starts with `series` (name plus labels exactly as
// serialized), or "" if absent.
std::string ValueOf(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return line.substr(series.size() + 1);
  }
  return "";
}

void AppendSamples(storage::Storage& s) {
  auto app = s.NewAppender();
  Labels a{{"__name__", "up"}, {"job", "a"}};
  Labels b{{"__name__", "up"}, {"job", "b"}};
  for (int64_t t = 1000; t <= 5000; t += 1000) {
    ASSERT_TRUE(app->Append(0, a, t, 1).ok());
    ASSERT_TRUE(app->Append(0, b, t, 2).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
}

TEST(StorageCollector, HeadFiguresAfterAppends) {
  tsdb::Head head;
  AppendSamples(head);
  // One out-of-order sample: older than the series' newest.
  auto app = head.NewAppender();
  (void)app->Append(0, Labels{{"__name__", "up"}, {"job", "a"}}, 500, 7);
  (void)app->Commit();

  SelfMetrics m(BuildInfo{});
  m.Add(NewStorageCollector([&head] { return tsdb::CollectMetrics(nullptr, &head); }, nullptr));
  std::string text = m.Render();
  tsdb::HeadStats s = head.Stats();
  ASSERT_EQ(s.samples_appended, 10u);
  ASSERT_EQ(s.out_of_order, 1u);

  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_series"), "2");
  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_samples_appended_total{type=\"float\"}"), "10");
  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_series_created_total"), "2");
  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_series_removed_total"), "0");
  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_out_of_order_samples_total{type=\"float\"}"), "1");
  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_min_time"), "1000");
  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_max_time"), "5000");
  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_chunks"), std::to_string(s.num_chunks));
  EXPECT_EQ(ValueOf(text, "promlet_tsdb_head_chunk_bytes"), std::to_string(s.chunk_bytes));
  EXPECT_NE(s.chunk_bytes, 0u);
  EXPECT_THAT(text, testing::HasSubstr("# TYPE prometheus_tsdb_head_samples_appended_total counter"));
  EXPECT_THAT(text, testing::HasSubstr("# TYPE prometheus_tsdb_head_series gauge"));
  // Head-only: no DB or scrape families.
  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_blocks_loaded"), "");
  EXPECT_EQ(ValueOf(text, "promlet_scrape_missed_total"), "");
}

TEST(StorageCollector, HistogramSamplesCountedByType) {
  tsdb::Head head;
  AppendSamples(head);
  auto app = head.NewAppender();
  model::histogram::Histogram h;
  h.count = 1;
  h.zero_count = 1;
  h.sum = 2;
  ASSERT_TRUE(app->AppendHistogram(0, Labels{{"__name__", "nh"}}, 1000, &h, nullptr).ok());
  ASSERT_TRUE(app->AppendHistogram(0, Labels{{"__name__", "nh"}}, 2000, &h, nullptr).ok());
  ASSERT_TRUE(app->Commit().ok());
  SelfMetrics m(BuildInfo{});
  m.Add(NewStorageCollector([&head] { return tsdb::CollectMetrics(nullptr, &head); }, nullptr));
  std::string text = m.Render();
  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_samples_appended_total{type=\"float\"}"), "10");
  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_samples_appended_total{type=\"histogram\"}"),
            "2");
}

TEST(StorageCollector, ValuesAreReadAtRenderTime) {
  tsdb::Head head;
  SelfMetrics m(BuildInfo{});
  m.Add(NewStorageCollector([&head] { return tsdb::CollectMetrics(nullptr, &head); }, nullptr));
  EXPECT_EQ(ValueOf(m.Render(), "prometheus_tsdb_head_series"), "0");
  AppendSamples(head);
  std::string text = m.Render();
  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_series"), "2");
  EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_samples_appended_total{type=\"float\"}"), "10");
}

TEST(StorageCollector, DbAndScrapeFigures) {
  std::string dir =
      (fs::temp_directory_path() / ("promlet_selfmetrics_" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  {
    tsdb::DBOptions o;
    o.background_compaction = false;
    auto db = tsdb::DB::Open(dir, o);
    ASSERT_TRUE(db.ok()) << db.status();
    AppendSamples(**db);
    ScrapeTotals totals;
    totals.pools = 1;
    totals.active_targets = 3;
    totals.scrapes = 42;
    totals.missed_scrapes = 2;
    SelfMetrics m(BuildInfo{});
    tsdb::DB* dbp = db->get();
    m.Add(NewStorageCollector([dbp] { return tsdb::CollectMetrics(dbp, nullptr); },
                              [&totals] { return totals; }));
    std::string text = m.Render();
    EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_series"), "2");
    EXPECT_EQ(ValueOf(text, "prometheus_tsdb_head_samples_appended_total{type=\"float\"}"), "10");
    EXPECT_EQ(ValueOf(text, "prometheus_tsdb_blocks_loaded"), "0");
    EXPECT_EQ(ValueOf(text, "prometheus_tsdb_compactions_total"), "0");
    EXPECT_EQ(ValueOf(text, "promlet_tsdb_append_failures_total"), "0");
    EXPECT_EQ(ValueOf(text, "prometheus_tsdb_wal_corruptions_total"), "0");
    EXPECT_EQ(ValueOf(text, "promlet_tsdb_disk_bytes"), std::to_string((*db)->DiskBytes()));
    EXPECT_NE(ValueOf(text, "promlet_tsdb_wal_records_written_total"), "");
    EXPECT_NE(ValueOf(text, "promlet_tsdb_wal_records_written_total"), "0");
    EXPECT_EQ(ValueOf(text, "promlet_scrape_pools"), "1");
    EXPECT_EQ(ValueOf(text, "promlet_scrape_active_targets"), "3");
    EXPECT_EQ(ValueOf(text, "promlet_scrape_scrapes_total"), "42");
    EXPECT_EQ(ValueOf(text, "promlet_scrape_missed_total"), "2");
    totals.missed_scrapes = 5;  // read through the callback at each render
    EXPECT_EQ(ValueOf(m.Render(), "promlet_scrape_missed_total"), "5");
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace promlet::web
