// WAL: round trip, torn tail at random bytes, mid-segment corruption, checkpoints, disk full;
// sharded replay (Head::Replayer, DB::Open) gives exactly the head of a sequential replay.
#include "model/value.h"
#include "tsdb/wlog/wal.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "tsdb/db.h"
#include "tsdb/head.h"
#include "tsdb/encoding/crc32c.h"

namespace promlet::tsdb {
namespace {
namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  std::string d = (fs::temp_directory_path() / ("promlet_wal_" + name + "_" + std::to_string(getpid())))
                      .string();
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

struct Collector : WalReplayHandler {
  void OnSeries(absl::Span<const RefSeries> s) override { series.insert(series.end(), s.begin(), s.end()); }
  void OnSamples(absl::Span<const RefSample> s) override { samples.insert(samples.end(), s.begin(), s.end()); }
  void OnTombstones(absl::Span<const WalTombstone> t) override { tombs.insert(tombs.end(), t.begin(), t.end()); }
  std::vector<RefSeries> series;
  std::vector<RefSample> samples;
  std::vector<WalTombstone> tombs;
};

// Replay then repair, as DB::Open does.
absl::StatusOr<WalReplayReport> ReadAndRepair(const std::string& dir, WalReplayHandler* h) {
  auto rep = ReadWal(dir, h);
  if (rep.ok()) {
    if (auto st = RepairWal(dir, &*rep); !st.ok()) return st;
  }
  return rep;
}

// Writes `batches` batches of 10 samples (one new series each) and returns the batches' samples.
std::vector<RefSample> WriteBatches(Wal* wal, int batches, int first_ref = 1) {
  std::vector<RefSample> all;
  for (int b = 0; b < batches; ++b) {
    storage::SeriesRef ref = first_ref + b;
    std::vector<RefSeries> s = {{ref, model::Labels{{"__name__", "m"}, {"i", std::to_string(ref)}}}};
    std::vector<RefSample> xs;
    for (int i = 0; i < 10; ++i) xs.push_back({ref, 1000 * i + b, i % 3 == 0 ? 0.1 * i : double(i)});
    EXPECT_TRUE(wal->Log(s, xs).ok());
    all.insert(all.end(), xs.begin(), xs.end());
  }
  return all;
}

TEST(Crc32c, KnownVector) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  std::string big(1000, 'x');
  EXPECT_EQ(Crc32cExtend(Crc32c(big.substr(0, 333)), big.data() + 333, 667), Crc32c(big));
}

TEST(Wal, RoundTripKeepsValuesBitExact) {
  std::string dir = TempDir("rt");
  {
    auto wal = Wal::Open(dir);
    ASSERT_TRUE(wal.ok());
    std::vector<RefSeries> s = {{7, model::Labels{{"__name__", "up"}, {"job", "a"}}},
                                {9, model::Labels{{"__name__", "x"}}}};
    std::vector<RefSample> xs = {{7, 1000, 1}, {9, 1000, model::StaleNaN()}, {7, 2000, -0.0},
                                 {9, -5, 1e300}, {7, 3000, 12345678901.0}, {9, 4, 0.1}};
    ASSERT_TRUE((*wal)->Log(s, xs).ok());
    ASSERT_TRUE((*wal)->LogTombstones({{7, 10, 20}}).ok());
  }
  Collector c;
  auto rep = ReadAndRepair(dir, &c);
  ASSERT_TRUE(rep.ok()) << rep.status();
  ASSERT_EQ(c.series.size(), 2u);
  EXPECT_EQ(c.series[0].ref, 7u);
  EXPECT_EQ(c.series[0].labels.Get("job"), "a");
  ASSERT_EQ(c.samples.size(), 6u);
  EXPECT_TRUE(model::IsStaleNaN(c.samples[1].v));
  EXPECT_TRUE(std::signbit(c.samples[2].v));
  EXPECT_EQ(c.samples[3].t, -5);
  EXPECT_EQ(c.samples[3].v, 1e300);
  EXPECT_EQ(c.samples[4].v, 12345678901.0);
  EXPECT_EQ(c.samples[5].v, 0.1);
  ASSERT_EQ(c.tombs.size(), 1u);
  EXPECT_EQ(c.tombs[0].maxt, 20);
  EXPECT_FALSE(rep->torn_tail);
  EXPECT_FALSE(rep->corruption);
}

TEST(Wal, SegmentsRotateAndReplayInOrder) {
  std::string dir = TempDir("rot");
  std::vector<RefSample> want;
  {
    WalOptions o;
    o.segment_size = 300;
    auto wal = Wal::Open(dir, o);
    ASSERT_TRUE(wal.ok());
    want = WriteBatches(wal->get(), 50);
    EXPECT_GT((*wal)->CurrentSegment(), 5);
  }
  // A reopened WAL appends to a new segment.
  {
    auto wal = Wal::Open(dir);
    ASSERT_TRUE(wal.ok());
    auto more = WriteBatches(wal->get(), 3, 100);
    want.insert(want.end(), more.begin(), more.end());
  }
  Collector c;
  auto rep = ReadAndRepair(dir, &c);
  ASSERT_TRUE(rep.ok());
  ASSERT_EQ(c.samples.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(c.samples[i].ref, want[i].ref);
    EXPECT_EQ(c.samples[i].t, want[i].t);
  }
  EXPECT_EQ(c.series.size(), 53u);
}

TEST(Wal, TornTailAtRandomByteKeepsEveryWholeBatch) {
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    std::string dir = TempDir("torn");
    {
      auto wal = Wal::Open(dir);
      ASSERT_TRUE(wal.ok());
      WriteBatches(wal->get(), 20);
    }
    std::string seg = dir + "/" + WalSegmentName(1);
    auto size = fs::file_size(seg);
    auto cut = std::uniform_int_distribution<uint64_t>(0, size - 1)(rng);
    fs::resize_file(seg, cut);
    Collector c;
    auto rep = ReadAndRepair(dir, &c);
    ASSERT_TRUE(rep.ok());
    EXPECT_FALSE(rep->corruption);
    // Every batch is one series record + one samples record; whole records survive.
    EXPECT_EQ(c.samples.size() % 10, 0u);
    EXPECT_GE(c.series.size(), c.samples.size() / 10);
    for (size_t i = 0; i < c.samples.size(); ++i) EXPECT_EQ(c.samples[i].ref, i / 10 + 1);
    // The repaired log replays cleanly and can be appended to.
    Collector again;
    auto rep2 = ReadAndRepair(dir, &again);
    ASSERT_TRUE(rep2.ok());
    EXPECT_FALSE(rep2->torn_tail);
    EXPECT_EQ(again.samples.size(), c.samples.size());
  }
}

// Writes 60 batches into segments of 2000 bytes (at least 3 segments).
void WriteSegments(const std::string& dir) {
  WalOptions o;
  o.segment_size = 2000;
  auto wal = Wal::Open(dir, o);
  ASSERT_TRUE(wal.ok());
  WriteBatches(wal->get(), 60);
  ASSERT_GE((*wal)->CurrentSegment(), 3);
}

// Overwrites bytes [offset, offset + bytes.size()) of a file.
void Overwrite(const std::string& path, uint64_t offset, const std::string& bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char ch;
  f.read(&ch, 1);
  ch ^= 0x5a;
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&ch, 1);
}

// Batch refs replayed, in order.
std::vector<storage::SeriesRef> BatchRefs(const Collector& c) {
  std::vector<storage::SeriesRef> out;
  for (const auto& s : c.samples) {
    if (out.empty() || out.back() != s.ref) out.push_back(s.ref);
  }
  return out;
}

TEST(Wal, MidSegmentCorruptionMovesSegmentAsideAndKeepsWhatReads) {
  std::string dir = TempDir("corrupt");
  WriteSegments(dir);
  Collector whole;
  ASSERT_TRUE(ReadAndRepair(dir, &whole).ok());
  // Flip a byte in the middle of segment 2.
  std::string seg2 = dir + "/" + WalSegmentName(2);
  const auto seg2_size = fs::file_size(seg2);
  FlipByte(seg2, seg2_size / 2);
  Collector c;
  auto rep = ReadAndRepair(dir, &c);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->corruption);
  EXPECT_FALSE(rep->torn_tail);
  EXPECT_EQ(rep->damaged_segments, 1);
  EXPECT_EQ(rep->damaged_file, seg2);
  EXPECT_GT(rep->records_lost_estimate, 0u);
  ASSERT_FALSE(rep->warnings.empty());
  EXPECT_NE(rep->warnings.back().find("offset"), std::string::npos);
  // Segment 1, the start of segment 2 and every later segment replayed, in order.
  auto refs = BatchRefs(c);
  EXPECT_GT(refs.size(), 0u);
  EXPECT_LT(refs.size(), 60u);
  EXPECT_EQ(refs.back(), 60u);
  EXPECT_TRUE(std::is_sorted(refs.begin(), refs.end()));
  // The whole damaged segment is kept for inspection; the log keeps its good prefix.
  EXPECT_EQ(fs::file_size(dir + "/damaged/" + WalSegmentName(2)), seg2_size);
  EXPECT_LT(fs::file_size(seg2), seg2_size / 2 + 1);
  EXPECT_TRUE(fs::exists(dir + "/" + WalSegmentName(3)));
  // Reopen + replay is clean and keeps the same records.
  Collector again;
  auto rep2 = ReadAndRepair(dir, &again);
  ASSERT_TRUE(rep2.ok());
  EXPECT_FALSE(rep2->corruption);
  EXPECT_FALSE(rep2->torn_tail);
  EXPECT_EQ(again.samples.size(), c.samples.size());
}

// Damage at offset 0: a flipped length byte, zeroed bytes, random bytes.
std::vector<std::pair<std::string, std::function<void(const std::string&)>>> OffsetZeroDamages() {
  return {
      {"flipped length", [](const std::string& p) { FlipByte(p, 3); }},
      {"flipped checksum", [](const std::string& p) { FlipByte(p, 5); }},
      {"zeroed", [](const std::string& p) { Overwrite(p, 0, std::string(16, '\0')); }},
      {"random", [](const std::string& p) {
         std::mt19937 rng(7);
         std::string b(16, ' ');
         for (auto& ch : b) ch = static_cast<char>(rng());
         Overwrite(p, 0, b);
       }},
  };
}

TEST(Wal, DamageAtOffsetZeroOfTheLastSegmentIsCorruptionNotATornTail) {
  for (const auto& [name, damage] : OffsetZeroDamages()) {
    SCOPED_TRACE(name);
    std::string dir = TempDir("zero_last");
    {
      auto wal = Wal::Open(dir);
      ASSERT_TRUE(wal.ok());
      WriteBatches(wal->get(), 20);
    }
    std::string seg = dir + "/" + WalSegmentName(1);
    const auto size = fs::file_size(seg);
    damage(seg);
    Collector c;
    auto rep = ReadAndRepair(dir, &c);
    ASSERT_TRUE(rep.ok());
    EXPECT_TRUE(rep->corruption);
    EXPECT_FALSE(rep->torn_tail);
    EXPECT_EQ(rep->damaged_segments, 1);
    EXPECT_EQ(rep->damaged_offset, 0u);
    EXPECT_EQ(c.samples.size(), 0u);
    EXPECT_EQ(fs::file_size(dir + "/damaged/" + WalSegmentName(1)), size);
    Collector again;
    auto rep2 = ReadAndRepair(dir, &again);
    ASSERT_TRUE(rep2.ok());
    EXPECT_FALSE(rep2->corruption);
    EXPECT_FALSE(rep2->torn_tail);
  }
}

TEST(Wal, DamageAtOffsetZeroOfAnEarlierSegmentKeepsTheOthers) {
  for (const auto& [name, damage] : OffsetZeroDamages()) {
    SCOPED_TRACE(name);
    std::string dir = TempDir("zero_mid");
    WriteSegments(dir);
    Collector whole;
    ASSERT_TRUE(ReadAndRepair(dir, &whole).ok());
    Collector seg2_alone;
    {
      std::string only = TempDir("zero_mid_only");
      fs::copy_file(dir + "/" + WalSegmentName(2), only + "/" + WalSegmentName(2));
      ASSERT_TRUE(ReadAndRepair(only, &seg2_alone).ok());
    }
    damage(dir + "/" + WalSegmentName(2));
    Collector c;
    auto rep = ReadAndRepair(dir, &c);
    ASSERT_TRUE(rep.ok());
    EXPECT_TRUE(rep->corruption);
    EXPECT_FALSE(rep->torn_tail);
    EXPECT_EQ(rep->damaged_segments, 1);
    EXPECT_EQ(rep->damaged_offset, 0u);
    // Exactly segment 2's samples are missing.
    EXPECT_EQ(c.samples.size(), whole.samples.size() - seg2_alone.samples.size());
    EXPECT_TRUE(fs::exists(dir + "/damaged/" + WalSegmentName(2)));
    EXPECT_TRUE(fs::exists(dir + "/" + WalSegmentName(3)));
  }
}

// Every file under dir with its bytes.
std::map<std::string, std::string> DirContents(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    std::string& v = out[e.path().string()];
    if (e.is_regular_file()) {
      std::ifstream f(e.path(), std::ios::binary);
      v.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
  }
  return out;
}

TEST(Wal, ReaderNeverWritesMovesOrRepairs) {
  std::string dir = TempDir("readonly");
  WriteSegments(dir);
  FlipByte(dir + "/" + WalSegmentName(2), 3);  // corruption at offset 0
  std::string last;
  for (const auto& e : fs::directory_iterator(dir)) last = std::max(last, e.path().string());
  fs::resize_file(last, fs::file_size(last) - 3);  // torn tail
  fs::create_directories(dir + "/checkpoint.00000001.tmp");  // unfinished checkpoint
  const auto before = DirContents(dir);
  Collector c;
  auto rep = ReadWal(dir, &c);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->corruption);
  ASSERT_EQ(rep->damage.size(), 2u);
  EXPECT_FALSE(rep->damage[0].torn);
  EXPECT_TRUE(rep->damage[1].torn);
  EXPECT_EQ(DirContents(dir), before);
  // Reading again finds the same; repair then fixes it.
  Collector again;
  auto rep2 = ReadWal(dir, &again);
  ASSERT_TRUE(rep2.ok());
  EXPECT_EQ(rep2->damage.size(), 2u);
  EXPECT_EQ(again.samples.size(), c.samples.size());
  ASSERT_TRUE(RepairWal(dir, &*rep2).ok());
  EXPECT_NE(DirContents(dir), before);
  EXPECT_FALSE(fs::exists(dir + "/checkpoint.00000001.tmp"));
  Collector after;
  auto rep3 = ReadWal(dir, &after);
  ASSERT_TRUE(rep3.ok());
  EXPECT_TRUE(rep3->damage.empty());
  EXPECT_EQ(after.samples.size(), c.samples.size());
}

TEST(Wal, CheckpointKeepsOnlyLiveSeriesAndRecentSamples) {
  std::string dir = TempDir("cp");
  WalOptions o;
  o.segment_size = 500;
  auto wal = Wal::Open(dir, o);
  ASSERT_TRUE(wal.ok());
  WriteBatches(wal->get(), 30);  // refs 1..30, t = 1000*i + b
  auto closed = (*wal)->CutSegment();
  ASSERT_TRUE(closed.ok());
  ASSERT_TRUE((*wal)->Checkpoint(*closed, [](storage::SeriesRef r) { return r % 2 == 0; }, 5000).ok());
  EXPECT_TRUE(fs::exists(dir + "/checkpoint." + WalSegmentName(*closed)));
  EXPECT_FALSE(fs::exists(dir + "/" + WalSegmentName(1)));
  WriteBatches(wal->get(), 2, 100);
  Collector c;
  auto rep = ReadAndRepair(dir, &c);
  ASSERT_TRUE(rep.ok());
  for (const auto& s : c.samples) {
    if (s.ref < 100) {
      EXPECT_EQ(s.ref % 2, 0u);
      EXPECT_GE(s.t, 5000);
    }
  }
  int n100 = 0;
  for (const auto& s : c.samples) n100 += s.ref >= 100;
  EXPECT_EQ(n100, 20);
  for (const auto& s : c.series) EXPECT_TRUE(s.ref % 2 == 0 || s.ref >= 100);
}

TEST(Wal, DiskFullFailsAppendsCleanlyAndResumes) {
  std::string dir = TempDir("full");
  auto wal = Wal::Open(dir);
  ASSERT_TRUE(wal.ok());
  WriteBatches(wal->get(), 5);
  auto size = fs::file_size(dir + "/" + WalSegmentName(1));
  // Cap file size just above the current size: the next batches fail with EFBIG.
  struct rlimit old;
  getrlimit(RLIMIT_FSIZE, &old);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = old;
  lim.rlim_cur = size + 50;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  int failures = 0;
  for (int b = 0; b < 5; ++b) {
    std::vector<RefSample> xs;
    for (int i = 0; i < 10; ++i) xs.push_back({1, 100000 + b * 10 + i, 1.5});
    auto st = (*wal)->Log({}, xs);
    if (!st.ok()) {
      ++failures;
      EXPECT_TRUE(absl::IsUnavailable(st)) << st;
    }
  }
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, old_handler);
  EXPECT_GT(failures, 0);
  EXPECT_EQ((*wal)->metrics().write_failures.load(), static_cast<uint64_t>(failures));
  // Space is back: appends work again and the log holds only whole batches.
  std::vector<RefSample> xs = {{2, 999999, 3.0}};
  ASSERT_TRUE((*wal)->Log({}, xs).ok());
  wal->reset();
  Collector c;
  auto rep = ReadAndRepair(dir, &c);
  ASSERT_TRUE(rep.ok());
  EXPECT_FALSE(rep->corruption);
  EXPECT_FALSE(rep->torn_tail);
  EXPECT_EQ(c.samples.size(), 50u + 10u * (5 - failures) + 1u);
  EXPECT_EQ(c.samples.back().t, 999999);
}


// A log with everything replay must get exactly right: series records interleaved with samples,
// refs in several 64-runs and two 2^16 table segments, samples out of order, duplicates (same and
// other value), stale NaNs and -0.0, samples of refs not (yet) defined, a ref defined after
// samples named it, a second ref for existing labels (alias) with samples under both refs, a
// series record that reuses a ref for other labels, timestamps across 2 h chunk boundaries.
void WriteTrickyWal(const std::string& dir, uint64_t seed) {
  auto wal = Wal::Open(dir);
  ASSERT_TRUE(wal.ok());
  std::mt19937_64 rng(seed);
  std::vector<storage::SeriesRef> defined;
  std::map<storage::SeriesRef, int64_t> last_t;
  std::vector<storage::SeriesRef> pending;  // refs whose series record comes later
  for (storage::SeriesRef r = 1; r <= 700; ++r) pending.push_back(r);
  for (storage::SeriesRef r = 65530; r <= 65600; ++r) pending.push_back(r);
  std::shuffle(pending.begin(), pending.end(), rng);
  auto labels_of = [](storage::SeriesRef r) {
    return model::Labels{{"__name__", "m" + std::to_string(r % 7)}, {"i", std::to_string(r)}};
  };
  auto rnd = [&](uint64_t n) { return static_cast<uint64_t>(rng() % n); };
  for (int step = 0; step < 400; ++step) {
    if (!pending.empty() && (defined.empty() || rnd(4) == 0)) {
      std::vector<RefSeries> ss;
      for (int k = 0; k < 1 + static_cast<int>(rnd(60)) && !pending.empty(); ++k) {
        ss.push_back({pending.back(), labels_of(pending.back())});
        defined.push_back(pending.back());
        pending.pop_back();
      }
      if (rnd(3) == 0 && !defined.empty()) {
        // Alias: a fresh ref for labels an existing ref holds.
        storage::SeriesRef target = defined[rnd(defined.size())];
        storage::SeriesRef alias = 200000 + static_cast<storage::SeriesRef>(step);
        ss.push_back({alias, labels_of(target)});
        defined.push_back(alias);
      }
      if (rnd(5) == 0) ss.push_back({defined[rnd(defined.size())], model::Labels{{"__name__", "clash"}}});
      ASSERT_TRUE((*wal)->Log(ss, {}).ok());
      continue;
    }
    std::vector<RefSample> xs;
    int n = 1 + static_cast<int>(rnd(300));
    for (int k = 0; k < n; ++k) {
      storage::SeriesRef r;
      uint64_t kind = rnd(100);
      if (kind < 2 && !pending.empty()) {
        r = pending[rnd(pending.size())];  // not defined yet: unknown now
      } else if (kind < 3) {
        r = 900000 + rnd(10);  // never defined
      } else {
        r = defined[rnd(defined.size())];
      }
      int64_t& lt = last_t[r];
      int64_t t = lt + 15000 + static_cast<int64_t>(rnd(3)) * 1000;
      uint64_t odd = rnd(100);
      if (odd < 4 && lt > 0) t = lt;                  // duplicate timestamp
      if (odd >= 4 && odd < 7 && lt > 0) t = lt - 1;  // out of order
      if (t > lt) lt = t;
      double v = static_cast<double>(rnd(1000)) / 4;
      if (rnd(50) == 0) v = model::StaleNaN();
      if (rnd(50) == 0) v = -0.0;
      xs.push_back({r, t, v});
      if (rnd(10) == 0) xs.push_back({r, lt + 15000 + static_cast<int64_t>(rnd(1000)), v + 1});
      if (xs.back().t > lt) lt = xs.back().t;
    }
    ASSERT_TRUE((*wal)->Log({}, xs).ok());
    if (step % 97 == 0) {
      ASSERT_TRUE((*wal)->LogTombstones({{defined[0], 0, 1000}}).ok());
    }
  }
}

// Sequential reference replay through Head::ReplaySeries / ReplaySamples on one thread.
struct SequentialReplay : WalReplayHandler {
  explicit SequentialReplay(Head* h) : head(h) {}
  void OnSeries(absl::Span<const RefSeries> s) override {
    for (const auto& x : s) {
      if (!head->ReplaySeries(x.ref, x.labels).ok()) ++series_errors;
    }
  }
  void OnSamples(absl::Span<const RefSample> s) override { head->ReplaySamples(s); }
  Head* head;
  int series_errors = 0;
};

// Head::Replayer driven with `shards` shards, each shard's batch applied on its own thread.
struct ShardedReplay : WalReplayHandler {
  ShardedReplay(Head* h, int shards) : replayer(h, shards), routed(static_cast<size_t>(shards)) {}
  void OnSeries(absl::Span<const RefSeries> s) override {
    for (const auto& x : s) {
      if (!replayer.AddSeries(x.ref, x.labels).ok()) ++series_errors;
    }
  }
  void OnSamples(absl::Span<const RefSample> s) override {
    for (auto& r : routed) r.clear();
    replayer.Route(s, routed.data());
    std::vector<std::thread> ts;
    for (int k = 0; k < replayer.shards(); ++k) {
      ts.emplace_back([this, k] { replayer.Apply(k, routed[static_cast<size_t>(k)]); });
    }
    for (auto& t : ts) t.join();
  }
  Head::Replayer replayer;
  std::vector<std::vector<Head::Replayer::Sample>> routed;
  int series_errors = 0;
};

// Everything observable of a head: series with refs, alias resolution, every sample bit-exact,
// and the counters.
std::string HeadFingerprint(Head& h) {
  std::string out;
  for (const auto& s : h.LiveSeries()) {
    out += std::to_string(s.ref) + " " + s.labels.ToString() + "\n";
  }
  for (storage::SeriesRef r : {storage::SeriesRef{200005}, storage::SeriesRef{200123}, storage::SeriesRef{900001}}) {
    out += "live " + std::to_string(r) + "=" + std::to_string(h.IsLive(r)) + "\n";
  }
  auto q = h.NewQuerier(INT64_MIN, INT64_MAX);
  EXPECT_TRUE(q.ok());
  auto set = (*q)->Select({model::Matcher::MustMake(model::MatchType::kRegexMatch, "__name__", ".+")});
  while (set->Next()) {
    out += set->At().labels().ToString() + ":";
    auto it = set->At().Iterator();
    while (it->Next()) {
      out += " " + std::to_string(it->T()) + "=" + std::to_string(std::bit_cast<uint64_t>(it->V()));
    }
    out += "\n";
  }
  HeadStats st = h.Stats();
  out += "series " + std::to_string(st.num_series) + " chunks " + std::to_string(st.num_chunks) +
         " appended " + std::to_string(st.samples_appended) + " ooo " +
         std::to_string(st.out_of_order) + " dup " + std::to_string(st.duplicates) + " unknown " +
         std::to_string(h.replay_unknown_refs()) + " mint " + std::to_string(st.min_time) +
         " maxt " + std::to_string(st.max_time) + "\n";
  return out;
}

TEST(WalReplay, ShardedReplayerMatchesSequentialReplayExactly) {
  std::string dir = TempDir("sharded");
  WriteTrickyWal(dir, 7);
  Head want_head;
  SequentialReplay seq(&want_head);
  ASSERT_TRUE(ReadAndRepair(dir, &seq).ok());
  std::string want = HeadFingerprint(want_head);
  // The log really holds the cases (else this test could not fail).
  HeadStats ws = want_head.Stats();
  ASSERT_GT(ws.out_of_order, 0u);
  ASSERT_GT(ws.duplicates, 0u);
  ASSERT_GT(want_head.replay_unknown_refs(), 0u);
  ASSERT_GT(seq.series_errors, 0);
  ASSERT_GT(ws.num_chunks, ws.num_series);
  for (int shards : {1, 2, 3, 5}) {
    Head h;
    int errors = 0;
    {
      ShardedReplay sh(&h, shards);
      ASSERT_TRUE(ReadAndRepair(dir, &sh).ok());
      errors = sh.series_errors;
    }  // the replayer publishes its counters when it goes
    EXPECT_EQ(errors, seq.series_errors);
    EXPECT_EQ(HeadFingerprint(h), want) << shards << " shards";
  }
}

TEST(WalReplay, DBOpenReplaysExactlyWhatSequentialReplayBuilds) {
  for (uint64_t seed : {1, 2}) {
    std::string dir = TempDir("dbreplay" + std::to_string(seed));
    WriteTrickyWal(dir + "/wal", seed);
    Head want_head;
    SequentialReplay seq(&want_head);
    ASSERT_TRUE(ReadAndRepair(dir + "/wal", &seq).ok());
    DBOptions o;
    o.background_compaction = false;
    o.log = [](const std::string&) {};
    auto db = DB::Open(dir, o);
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ(HeadFingerprint(*(*db)->head()), HeadFingerprint(want_head));
    EXPECT_FALSE((*db)->open_report().wal.corruption);
  }
}

TEST(WalReplay, ReplayerResolvesRefsTheHeadAlreadyHeld) {
  Head h;
  model::Labels a{{"__name__", "a"}};
  ASSERT_TRUE(h.ReplaySeries(5, a).ok());
  {
    Head::Replayer r(&h, 2, /*min_valid=*/100);
    std::vector<std::vector<Head::Replayer::Sample>> out(2);
    std::vector<RefSample> xs = {{5, 50, 1}, {5, 100, 2}, {5, 200, 3}, {6, 300, 4}};
    r.Route(xs, out.data());
    EXPECT_EQ(out[0].size() + out[1].size(), 2u);  // t=50 is below min_valid, ref 6 unknown
    r.Apply(0, out[0]);
    r.Apply(1, out[1]);
  }
  EXPECT_EQ(h.replay_unknown_refs(), 1u);
  EXPECT_EQ(h.Stats().samples_appended, 2u);
  EXPECT_EQ(h.MinTime(), 100);
  EXPECT_EQ(h.MaxTime(), 200);
}

}  // namespace
}  // namespace promlet::tsdb
