// The remote write sender without a network: position file, WAL watcher across segments and
// checkpoints, WAL segment keeper, and the queue (batching, retries, 4xx vs 5xx, durable
// position, resharding) with a scripted transport.
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/remote/codec.h"
#include "storage/remote/position.h"
#include "storage/remote/queue_manager.h"
#include "storage/remote/remote_storage.h"
#include "storage/remote/wal_watcher.h"
#include "tests/remote/temp_dir.h"
#include "tsdb/wlog/tail.h"
#include "tsdb/wlog/wal.h"

namespace promlet::remote {
namespace {

using ::testing::HasSubstr;

bool WaitFor(const std::function<bool()>& pred, int seconds = 20) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

model::Labels L(const std::string& name, const std::string& i) {
  return model::Labels{{"__name__", name}, {"i", i}};
}

TEST(PositionFileTest, RoundTripMissingAndDamaged) {
  TempDir dir;
  PositionFile f(dir.path() + "/position");
  auto none = f.Load();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(f.Store({7, 12345}, true).ok());
  auto got = f.Load();
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, (WalPosition{7, 12345}));
  std::ofstream(dir.path() + "/position") << "promlet-remote-write-position-v1 7 12346 1\n";
  auto bad = f.Load();
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("damaged"));
}

// Records what the watcher hands over.
class RecordingSink : public WalSampleSink {
 public:
  void StoreSeries(absl::Span<const tsdb::RefSeries> s) override {
    std::lock_guard<std::mutex> l(mu);
    for (const auto& x : s) series[x.ref] = x.labels;
  }
  bool Append(absl::Span<const tsdb::RefSample> s, WalPosition end) override {
    std::lock_guard<std::mutex> l(mu);
    for (const auto& x : s) {
      EXPECT_TRUE(series.count(x.ref)) << "sample before its series, ref " << x.ref;
      samples.push_back({series[x.ref].ToString(), x.t});
    }
    ends.push_back(end);
    return true;
  }
  void Dropped(uint64_t n) override { dropped += n; }
  size_t Count() {
    std::lock_guard<std::mutex> l(mu);
    return samples.size();
  }
  std::mutex mu;
  std::map<storage::SeriesRef, model::Labels> series;
  std::vector<std::pair<std::string, int64_t>> samples;
  std::vector<WalPosition> ends;
  uint64_t dropped = 0;
};

TEST(WalWatcherTest, FollowsSegmentsAndCheckpointsFromAStartPosition) {
  TempDir dir;
  const std::string wal_dir = dir.path() + "/wal";
  auto wal = tsdb::Wal::Open(wal_dir);
  ASSERT_TRUE(wal.ok()) << wal.status();
  // Segment 1: series a, b and samples; segment 2: more samples; then a checkpoint of 1 keeping
  // both series, but segment 1 kept by the keeper (a queue still needs it).
  ASSERT_TRUE((*wal)->Log({{1, L("a", "1")}, {2, L("b", "2")}}, {{1, 10, 1}, {2, 10, 2}}).ok());
  ASSERT_TRUE((*wal)->Log({}, {{1, 20, 1}}).ok());
  ASSERT_TRUE((*wal)->CutSegment().ok());
  ASSERT_TRUE((*wal)->Log({{3, L("c", "3")}}, {{3, 30, 3}, {1, 30, 1}}).ok());
  int keep_from = 1;
  (*wal)->SetSegmentKeeper([&] { return keep_from; });
  ASSERT_TRUE((*wal)->CutSegment().ok());
  ASSERT_TRUE((*wal)
                  ->Checkpoint(
                      1, [](storage::SeriesRef) { return true; }, 0)
                  .ok());
  EXPECT_TRUE(std::filesystem::exists(tsdb::WalSegmentPath(wal_dir, 1)));
  // Start after segment 1's first record: the second record of segment 1 comes first.
  auto first = tsdb::ReadSegmentRecords(tsdb::WalSegmentPath(wal_dir, 1), 0, 1 << 20);
  ASSERT_TRUE(first.ok());
  ASSERT_GE(first->ends.size(), 2u);
  // The first Log wrote a series record and a samples record.
  const WalPosition start{1, first->ends[1]};
  RecordingSink sink;
  WalWatcherOptions o;
  o.wal_dir = wal_dir;
  o.start = start;
  o.poll_interval_ms = 5;
  WalWatcher w(o, &sink);
  w.Start();
  ASSERT_TRUE(WaitFor([&] { return sink.Count() >= 3; }));
  // New data in the live segment is followed too.
  ASSERT_TRUE((*wal)->Log({{4, L("d", "4")}}, {{4, 40, 4}}).ok());
  ASSERT_TRUE(WaitFor([&] { return sink.Count() >= 4; }));
  w.Stop();
  std::lock_guard<std::mutex> l(sink.mu);
  EXPECT_EQ(sink.samples,
            (std::vector<std::pair<std::string, int64_t>>{
                {"a{i=\"1\"}", 20}, {"c{i=\"3\"}", 30}, {"a{i=\"1\"}", 30}, {"d{i=\"4\"}", 40}}));
  EXPECT_EQ(sink.ends.front().segment, 1);
  EXPECT_EQ(sink.ends.back().segment, 3);
  // Once nobody needs segment 1, the next checkpoint removes it.
  keep_from = INT_MAX;
  ASSERT_TRUE((*wal)->CutSegment().ok());
  ASSERT_TRUE((*wal)
                  ->Checkpoint(
                      3, [](storage::SeriesRef) { return true; }, 0)
                  .ok());
  EXPECT_FALSE(std::filesystem::exists(tsdb::WalSegmentPath(wal_dir, 1)));
}

TEST(WalWatcherTest, ANewQueueStartsAtTheEndAndSeriesFromTheCheckpointAreKnown) {
  TempDir dir;
  const std::string wal_dir = dir.path() + "/wal";
  auto wal = tsdb::Wal::Open(wal_dir);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Log({{1, L("old", "1")}}, {{1, 10, 1}}).ok());
  ASSERT_TRUE((*wal)->CutSegment().ok());
  ASSERT_TRUE((*wal)
                  ->Checkpoint(
                      1, [](storage::SeriesRef) { return true; }, 0)
                  .ok());
  EXPECT_FALSE(std::filesystem::exists(tsdb::WalSegmentPath(wal_dir, 1)));
  RecordingSink sink;
  WalWatcherOptions o;
  o.wal_dir = wal_dir;
  o.poll_interval_ms = 5;
  WalWatcher w(o, &sink);
  w.Start();
  ASSERT_TRUE(WaitFor([&] { return w.read_position().segment == 2; }));
  ASSERT_TRUE((*wal)->Log({}, {{1, 20, 5}}).ok());  // series 1 is only in the checkpoint
  ASSERT_TRUE(WaitFor([&] { return sink.Count() >= 1; }));
  w.Stop();
  std::lock_guard<std::mutex> l(sink.mu);
  ASSERT_EQ(sink.samples.size(), 1u);
  EXPECT_EQ(sink.samples[0], (std::pair<std::string, int64_t>{"old{i=\"1\"}", 20}));
}

TEST(WalWatcherTest, SegmentsOlderThanMaxRetentionAreDroppedOutLoud) {
  TempDir dir;
  const std::string wal_dir = dir.path() + "/wal";
  auto wal = tsdb::Wal::Open(wal_dir);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Log({{1, L("a", "1")}}, {{1, 10, 1}, {1, 20, 2}}).ok());
  ASSERT_TRUE((*wal)->CutSegment().ok());
  ASSERT_TRUE((*wal)->Log({}, {{1, 30, 3}}).ok());
  // Segment 1 was last written 5 hours ago.
  const auto old = std::filesystem::file_time_type::clock::now() - std::chrono::hours(5);
  std::filesystem::last_write_time(tsdb::WalSegmentPath(wal_dir, 1), old);
  RecordingSink sink;
  std::string log;
  std::mutex log_mu;
  WalWatcherOptions o;
  o.wal_dir = wal_dir;
  o.start = WalPosition{1, 0};
  o.max_retention_ms = 4 * 3600 * 1000;
  o.poll_interval_ms = 5;
  o.log = [&](std::string_view m) {
    std::lock_guard<std::mutex> l(log_mu);
    log += std::string(m);
  };
  WalWatcher w(o, &sink);
  w.Start();
  ASSERT_TRUE(WaitFor([&] { return sink.Count() >= 1; }));
  w.Stop();
  std::lock_guard<std::mutex> l(sink.mu);
  EXPECT_EQ(sink.dropped, 2u);
  EXPECT_EQ(sink.samples, (std::vector<std::pair<std::string, int64_t>>{{"a{i=\"1\"}", 30}}));
  std::lock_guard<std::mutex> ll(log_mu);
  EXPECT_THAT(log, HasSubstr("older than --storage.remote.max-retention"));
}

// A transport that answers from a script (then 204) and records what it accepted.
class ScriptedTransport : public WriteTransport {
 public:
  struct Shared {
    std::mutex mu;
    std::deque<int> script;  // statuses to answer, in order; empty: 204
    std::vector<WriteSeries> accepted;
    std::vector<size_t> batch_sizes;
    int requests = 0;
    // Like Prometheus' Remote Write 1.0 receiver: a request with a sample older than the
    // series' newest stored one (or at its time with another value) is refused whole with a
    // 400; one at its time with the same value is accepted and changes nothing.
    bool refuse_whole_requests = false;
    std::map<std::string, std::vector<std::pair<int64_t, double>>> stored;  // by labels
  };
  explicit ScriptedTransport(std::shared_ptr<Shared> s) : s_(std::move(s)) {}
  Result Send(const std::string& body) override {
    std::lock_guard<std::mutex> l(s_->mu);
    ++s_->requests;
    int status = 204;
    if (!s_->script.empty()) {
      status = s_->script.front();
      s_->script.pop_front();
    }
    if (status == 409) {
      status = 400;  // scripted as 409: a 400 "out of order sample"
      return {status, "out of order sample"};
    }
    if (status == 204 && s_->refuse_whole_requests) return StoreOrRefuse(body);
    if (status == 204) {
      auto raw = SnappyUncompress(body, 1 << 26);
      EXPECT_TRUE(raw.ok());
      auto req = DecodeWriteRequest(WriteProto::kV1, *raw);
      EXPECT_TRUE(req.ok());
      size_t n = 0;
      for (auto& s : req->series) {
        n += s.samples.size();
        s_->accepted.push_back(std::move(s));
      }
      s_->batch_sizes.push_back(n);
    }
    return {status, status == 204   ? ""
                    : status == 409 ? "out of order sample"
                                    : "receiver says no"};
  }

 private:
  Result StoreOrRefuse(const std::string& body) {
    auto raw = SnappyUncompress(body, 1 << 26);
    EXPECT_TRUE(raw.ok());
    auto req = DecodeWriteRequest(WriteProto::kV1, *raw);
    EXPECT_TRUE(req.ok());
    for (const auto& series : req->series) {
      const auto& have = s_->stored[series.labels.ToString()];
      if (have.empty()) continue;
      for (const auto& x : series.samples) {
        if (x.t < have.back().first) return {400, "out of order sample"};
        if (x.t == have.back().first && x.v != have.back().second)
          return {400, "duplicate sample for timestamp"};
      }
    }
    for (const auto& series : req->series) {
      auto& have = s_->stored[series.labels.ToString()];
      for (const auto& x : series.samples) {
        if (have.empty() || x.t > have.back().first) have.emplace_back(x.t, x.v);
      }
    }
    return {204, ""};
  }

  std::shared_ptr<Shared> s_;
};

class QueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    wal_dir_ = dir_.path() + "/wal";
    auto w = tsdb::Wal::Open(wal_dir_);
    ASSERT_TRUE(w.ok());
    wal_ = std::move(*w);
    shared_ = std::make_shared<ScriptedTransport::Shared>();
    // Queues start at the WAL's first segment (a new queue would start at its end, racing with
    // the test's first writes).
    ASSERT_TRUE(PositionFile(dir_.path() + "/position").Store({1, 0}, false).ok());
    ASSERT_TRUE(PositionFile(dir_.path() + "/position2").Store({1, 0}, false).ok());
  }

  QueueOptions Options() {
    QueueOptions o;
    o.name = "q";
    o.url = "http://test/";
    o.queue.max_samples_per_send = 10;
    o.queue.batch_send_deadline_ms = 20;
    o.queue.min_backoff_ms = 1;
    o.queue.max_backoff_ms = 4;
    o.queue.capacity = 100;
    o.external_labels = model::Labels{{"cluster", "c1"}};
    o.position_path = dir_.path() + "/position";
    o.watcher.wal_dir = wal_dir_;
    o.watcher.poll_interval_ms = 5;
    o.persist_interval_ms = 5;
    o.reshard_interval_ms = 3600 * 1000;
    auto shared = shared_;
    o.transport = [shared] { return std::make_unique<ScriptedTransport>(shared); };
    o.log = [this](std::string_view m) {
      std::lock_guard<std::mutex> l(log_mu_);
      log_ += std::string(m) + "\n";
    };
    return o;
  }

  // n samples of `series` distinct series at t = base + i.
  void Write(int n, int series, int64_t base) {
    std::vector<tsdb::RefSeries> new_series;
    for (int s = 1; s <= series; ++s) {
      if (known_.insert(s).second)
        new_series.push_back({static_cast<uint64_t>(s), L("m", std::to_string(s))});
    }
    std::vector<tsdb::RefSample> samples;
    for (int i = 0; i < n; ++i)
      samples.push_back({static_cast<uint64_t>(1 + i % series), base + i, double(i)});
    ASSERT_TRUE(wal_->Log(new_series, samples).ok());
  }

  size_t Accepted() {
    std::lock_guard<std::mutex> l(shared_->mu);
    size_t n = 0;
    for (const auto& s : shared_->accepted) n += s.samples.size();
    return n;
  }

  // Every accepted series' samples, by labels, in the order received.
  std::map<std::string, std::vector<int64_t>> ByLabels() {
    std::lock_guard<std::mutex> l(shared_->mu);
    std::map<std::string, std::vector<int64_t>> out;
    for (const auto& s : shared_->accepted) {
      for (const auto& x : s.samples) out[s.labels.ToString()].push_back(x.t);
    }
    return out;
  }

  TempDir dir_;
  std::string wal_dir_;
  std::unique_ptr<tsdb::Wal> wal_;
  std::shared_ptr<ScriptedTransport::Shared> shared_;
  std::set<int> known_;
  std::mutex log_mu_;
  std::string log_;
};

TEST_F(QueueTest, BatchesInOrderWithExternalLabelsAndStoresThePosition) {
  QueueManager q(Options());
  ASSERT_TRUE(q.Start().ok());
  Write(95, 3, 1000);
  ASSERT_TRUE(WaitFor([&] { return Accepted() == 95; }));
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    for (size_t n : shared_->batch_sizes) EXPECT_LE(n, 10u);
    EXPECT_EQ(shared_->accepted[0].labels.Get("cluster"), "c1");
  }
  for (const auto& [labels, ts] : ByLabels()) {
    EXPECT_TRUE(std::is_sorted(ts.begin(), ts.end())) << labels;
  }
  ASSERT_TRUE(
      WaitFor([&] { return q.committed().offset > 0 && q.metrics().samples_pending == 0; }));
  q.Stop();
  auto stored = PositionFile(dir_.path() + "/position").Load();
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(**stored, q.committed());
  EXPECT_EQ(q.metrics().samples_total.load(), 95u);
}

TEST_F(QueueTest, RetriesServerErrorsAndDropsClientErrors) {
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    shared_->script = {500, 503, 0, 400};  // three retryable failures, then a refusal
  }
  QueueManager q(Options());
  ASSERT_TRUE(q.Start().ok());
  Write(10, 1, 1000);  // one batch: retried 3 times, then refused
  ASSERT_TRUE(WaitFor([&] { return q.metrics().samples_failed_total.load() == 10; }));
  EXPECT_EQ(q.metrics().samples_retried_total.load(), 30u);
  Write(5, 1, 2000);
  ASSERT_TRUE(WaitFor([&] { return Accepted() == 5; }));
  q.Stop();
  std::lock_guard<std::mutex> l(log_mu_);
  EXPECT_THAT(log_, HasSubstr("refused 10 samples with HTTP status 400: receiver says no"));
}

TEST_F(QueueTest, Http429IsRetriedOnlyWhenConfigured) {
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    shared_->script = {429};
  }
  QueueOptions o = Options();
  o.queue.retry_on_http_429 = true;
  QueueManager q(o);
  ASSERT_TRUE(q.Start().ok());
  Write(4, 1, 1000);
  ASSERT_TRUE(WaitFor([&] { return Accepted() == 4; }));
  EXPECT_EQ(q.metrics().samples_failed_total.load(), 0u);
  q.Stop();

  {
    std::lock_guard<std::mutex> l(shared_->mu);
    shared_->script = {429};
    shared_->accepted.clear();
  }
  QueueOptions o2 = Options();
  o2.position_path = dir_.path() + "/position2";
  QueueManager q2(o2);
  ASSERT_TRUE(q2.Start().ok());
  Write(4, 1, 2000);
  // The first 4 samples (from the WAL's start) are refused too.
  ASSERT_TRUE(WaitFor([&] { return q2.metrics().samples_failed_total.load() >= 4; }));
  q2.Stop();
}

TEST_F(QueueTest, RestartResumesFromTheAcknowledgedPositionWithoutLoss) {
  {
    QueueManager q(Options());
    ASSERT_TRUE(q.Start().ok());
    Write(30, 2, 1000);
    ASSERT_TRUE(WaitFor([&] { return Accepted() == 30; }));
    ASSERT_TRUE(WaitFor([&] { return q.metrics().samples_pending == 0; }));
    q.Stop();
  }
  // Down: the receiver fails everything while the queue is stopped and restarted.
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    shared_->script.assign(1000000, 503);
  }
  Write(20, 2, 2000);
  {
    QueueManager q(Options());
    ASSERT_TRUE(q.Start().ok());
    ASSERT_TRUE(WaitFor([&] { return q.metrics().samples_retried_total.load() > 0; }));
    q.Stop();  // as a kill would: nothing acknowledged past the first 30
  }
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    shared_->script.clear();
  }
  Write(10, 2, 3000);
  QueueManager q(Options());
  ASSERT_TRUE(q.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return Accepted() == 60; }));
  q.Stop();
  auto by = ByLabels();
  size_t total = 0;
  for (const auto& [labels, ts] : by) {
    total += ts.size();
    EXPECT_TRUE(std::is_sorted(ts.begin(), ts.end())) << labels;
    EXPECT_EQ(std::set<int64_t>(ts.begin(), ts.end()).size(), ts.size()) << "resent: " << labels;
  }
  EXPECT_EQ(total, 60u);
}

TEST_F(QueueTest, ReshardingKeepsEverySeriesInOrder) {
  QueueOptions o = Options();
  o.queue.min_shards = 1;
  o.queue.max_shards = 4;
  QueueManager q(o);
  ASSERT_TRUE(q.Start().ok());
  Write(200, 7, 1000);
  q.Reshard(4);
  EXPECT_EQ(q.metrics().shards.load(), 4);
  Write(200, 7, 5000);
  q.Reshard(2);
  Write(200, 7, 9000);
  ASSERT_TRUE(WaitFor([&] { return Accepted() == 600; }));
  q.Stop();
  for (const auto& [labels, ts] : ByLabels()) {
    EXPECT_TRUE(std::is_sorted(ts.begin(), ts.end())) << labels;
  }
}

TEST_F(QueueTest, WriteRelabelConfigsDropSeriesAsDropped) {
  QueueOptions o = Options();
  model::RelabelConfig drop;
  drop.source_labels = {"i"};
  drop.regex = *model::RelabelRegex::Compile("2");
  drop.action = model::RelabelAction::kDrop;
  o.write_relabel_configs = {drop};
  QueueManager q(o);
  ASSERT_TRUE(q.Start().ok());
  Write(10, 2, 1000);
  ASSERT_TRUE(WaitFor([&] { return Accepted() == 5 && q.metrics().samples_dropped_total == 5; }));
  q.Stop();
  for (const auto& [labels, ts] : ByLabels())
    EXPECT_THAT(labels, ::testing::Not(HasSubstr("i=\"2\"")));
}

TEST(RemoteStorageTest, ReloadKeepsUnchangedQueuesAndStoredPositionsPinTheWal) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/remote/old");
  ASSERT_TRUE(PositionFile(dir.path() + "/remote/old/position").Store({3, 10}, false).ok());
  RemoteStorageOptions o;
  o.data_dir = dir.path();
  o.wal_dir = dir.path() + "/wal";
  RemoteStorage rs(o);
  // Before the configuration is applied, the previous run's positions keep their segments.
  EXPECT_EQ(rs.FirstNeededSegment(), 3);
  config::RemoteWriteConfig a;
  a.url = "http://127.0.0.1:1/api/v1/write";
  a.name = "a";
  config::RemoteWriteConfig b = a;
  b.name = "b";
  ASSERT_TRUE(rs.ApplyConfig({a, b}, {}).ok());
  EXPECT_EQ(rs.FirstNeededSegment(), INT_MAX);  // "old" is no longer configured; no WAL yet
  auto before = rs.queue_managers();
  ASSERT_EQ(before.size(), 2u);
  b.remote_timeout_ms = 5000;
  ASSERT_TRUE(rs.ApplyConfig({a, b}, {}).ok());
  auto after = rs.queue_managers();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0], before[0]);  // a unchanged: kept running
  EXPECT_NE(after[1], before[1]);  // b changed: restarted
  ASSERT_TRUE(rs.ApplyConfig({b}, model::Labels{{"site", "x"}}).ok());
  EXPECT_EQ(rs.queues(), 1u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/remote/b"));
  rs.Stop();
}

TEST_F(QueueTest, OutOfOrderRefusalOfAMixedBatchIsRetriedSeriesBySeries) {
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    // The whole batch is refused, then series 1 alone is refused (with its 3 samples, its
    // last 2, its last), series 2 and 3 accepted.
    shared_->script = {409, 409, 409, 409};
  }
  QueueOptions o = Options();
  o.queue.max_samples_per_send = 30;
  o.queue.batch_send_deadline_ms = 200;
  QueueManager q(o);
  ASSERT_TRUE(q.Start().ok());
  Write(9, 3, 1000);
  ASSERT_TRUE(WaitFor([&] { return Accepted() == 6 && q.metrics().samples_pending == 0; }));
  q.Stop();
  EXPECT_EQ(q.metrics().samples_failed_total.load(), 3u);
  EXPECT_EQ(q.metrics().samples_total.load(), 6u);
  auto by = ByLabels();
  EXPECT_EQ(by.size(), 2u);
}

}  // namespace
}  // namespace promlet::remote

namespace promlet::remote {
namespace {

// After a crash, a resent batch mixes samples a whole-request-refusing receiver already holds
// with newer ones, within one series too: the receiver ends up with every sample, each series'
// held prefix is left out (counted failed), and no newer sample is lost.
TEST_F(QueueTest, OutOfOrderRefusalWithinOneSeriesSendsEverySampleTheReceiverLacks) {
  auto key = [](int i) {
    return model::Labels{{"__name__", "m"}, {"cluster", "c1"}, {"i", std::to_string(i)}}.ToString();
  };
  // Samples of the first record: series s (1..3) at t = 1000 + i, value i, i = s-1 (mod 3).
  std::map<std::string, std::vector<std::pair<int64_t, double>>> all;
  for (int i = 0; i < 30; ++i) all[key(1 + i % 3)].emplace_back(1000 + i, double(i));
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    shared_->refuse_whole_requests = true;
    // The receiver holds series 1 up to its 5th sample, all of series 3, nothing of series 2.
    auto& one = shared_->stored[key(1)];
    one.assign(all[key(1)].begin(), all[key(1)].begin() + 5);
    shared_->stored[key(3)] = all[key(3)];
  }
  QueueOptions o = Options();
  o.queue.max_samples_per_send = 100;
  o.queue.batch_send_deadline_ms = 200;
  QueueManager q(o);
  ASSERT_TRUE(q.Start().ok());
  Write(30, 3, 1000);
  ASSERT_TRUE(
      WaitFor([&] { return q.metrics().samples_pending == 0 && q.committed().offset > 0; }));
  q.Stop();
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    EXPECT_EQ(shared_->stored, all);
  }
  // Held and left out: series 1's first 4 (its 5th is resent, a no-op), series 3's first 9.
  EXPECT_EQ(q.metrics().samples_failed_total.load(), 4u + 9u);
  std::lock_guard<std::mutex> l(log_mu_);
  EXPECT_THAT(log_, HasSubstr("resending without its oldest samples"));
}

}  // namespace
}  // namespace promlet::remote

namespace promlet::remote {
namespace {

// prometheus_remote_storage_highest_timestamp_in_seconds is the newest sample stored, as in
// Prometheus, not the newest a (possibly stalled) WAL watcher has read.
TEST(RemoteStorageTest, HighestTimestampInIsTheNewestSampleStored) {
  TempDir dir;
  RemoteStorageOptions o;
  o.data_dir = dir.path();
  o.wal_dir = dir.path() + "/wal";
  o.highest_appended_ms = [] { return int64_t{1'700'000'123'000}; };
  RemoteStorage rs(o);
  double value = -1;
  for (const auto& f : rs.Collect()) {
    if (f.name == "prometheus_remote_storage_highest_timestamp_in_seconds")
      value = f.metric.at(0).gauge.value;
  }
  EXPECT_EQ(value, 1'700'000'123.0);
}

}  // namespace
}  // namespace promlet::remote

namespace promlet::remote {
namespace {

size_t AcceptedHistograms(ScriptedTransport::Shared* s, std::vector<HistogramSample>* out) {
  std::lock_guard<std::mutex> l(s->mu);
  size_t n = 0;
  for (const auto& series : s->accepted) {
    n += series.histograms.size();
    if (out != nullptr) out->insert(out->end(), series.histograms.begin(), series.histograms.end());
  }
  return n;
}

class HistogramQueueTest : public QueueTest {
 protected:
  // Logs one series with an integer histogram at t and a float one at t + 1, then a float
  // sample of another series (so the watcher has read past the histograms once it is sent).
  std::vector<tsdb::RefHistogramSample> WriteHistograms(int64_t t) {
    auto h = std::make_shared<model::histogram::Histogram>();
    h->schema = 2;
    h->zero_threshold = 0.01;
    h->zero_count = 1;
    h->positive_spans = {{-1, 2}};
    h->positive_buckets = {2, -1};
    h->count = 4;
    h->sum = 3.5;
    h->counter_reset_hint = model::histogram::CounterResetHint::kNotReset;
    auto fh = std::make_shared<model::histogram::FloatHistogram>(h->ToFloat());
    fh->counter_reset_hint = model::histogram::CounterResetHint::kGauge;
    std::vector<tsdb::RefHistogramSample> hs = {{7, t, h, nullptr}, {7, t + 1, nullptr, fh}};
    std::vector<tsdb::RefSeries> series = {{7, L("nh", "x")}, {8, L("after", "x")}};
    EXPECT_TRUE(wal_->LogBatch(series, {}, hs).ok());
    std::vector<tsdb::RefSample> after = {{8, t + 2, 1.0}};
    EXPECT_TRUE(wal_->Log({}, after).ok());
    return hs;
  }
};

TEST_F(HistogramQueueTest, SendNativeHistogramsSendsThemSampleForSample) {
  QueueOptions o = Options();
  o.watcher.read_histograms = true;
  QueueManager q(o);
  ASSERT_TRUE(q.Start().ok());
  auto hs = WriteHistograms(5000);
  ASSERT_TRUE(WaitFor([&] { return AcceptedHistograms(shared_.get(), nullptr) == 2; }));
  ASSERT_TRUE(WaitFor([&] { return Accepted() == 1; }));
  std::vector<HistogramSample> got;
  AcceptedHistograms(shared_.get(), &got);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].t, 5000);
  EXPECT_FALSE(got[0].is_float);
  EXPECT_TRUE(got[0].h.Equals(*hs[0].h)) << got[0].h.String();
  EXPECT_EQ(got[0].h.counter_reset_hint, model::histogram::CounterResetHint::kNotReset);
  EXPECT_EQ(got[1].t, 5001);
  EXPECT_TRUE(got[1].is_float);
  EXPECT_TRUE(got[1].fh.Equals(*hs[1].fh));
  EXPECT_EQ(got[1].fh.counter_reset_hint, model::histogram::CounterResetHint::kGauge);
  ASSERT_TRUE(WaitFor([&] { return q.metrics().histograms_total.load() == 2; }));
  EXPECT_EQ(q.metrics().samples_total.load(), 1u);
  q.Stop();
}

TEST_F(HistogramQueueTest, WithoutSendNativeHistogramsTheyAreNotSent) {
  QueueManager q(Options());
  ASSERT_TRUE(q.Start().ok());
  WriteHistograms(5000);
  ASSERT_TRUE(WaitFor([&] { return Accepted() == 1; }));
  EXPECT_EQ(AcceptedHistograms(shared_.get(), nullptr), 0u);
  EXPECT_EQ(q.metrics().histograms_total.load(), 0u);
  q.Stop();
}

}  // namespace
}  // namespace promlet::remote
