// Backfill (promlet tsdb create-blocks-from openmetrics) and the list/analyze commands.
#include "tools/backfill.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/tsdb_disk/test_util.h"
#include "tools/tsdb_cli.h"
#include "tsdb/db.h"

namespace promlet::tools {
namespace {
namespace fs = std::filesystem;
using tsdb::testing::CountSamples;
using tsdb::testing::FreshDir;
using tsdb::testing::QueryAll;

constexpr int64_t kBase = 1699999200000;  // a multiple of 2h

// Writes an OpenMetrics file spanning 5h with a counter, a gauge with decimals and a
// histogram-like family; returns the expected samples keyed like QueryAll.
tsdb::testing::SeriesSamples WriteInput(const std::string& path) {
  tsdb::testing::SeriesSamples want;
  std::ofstream f(path);
  f << "# HELP reqs_total Requests.\n# TYPE reqs_total counter\n";
  for (int inst = 0; inst < 3; ++inst) {
    double v = 100 * inst;
    for (int i = 0; i < 5 * 240; ++i) {
      int64_t t = kBase + i * 15000 + inst;
      v += (i * 7 + inst) % 13;
      char buf[256];
      std::snprintf(buf, sizeof buf, "reqs_total{instance=\"h%d\"} %.17g %lld.%03lld\n", inst, v,
                    (long long)(t / 1000), (long long)(t % 1000));
      f << buf;
      want["reqs_total{instance=\"h" + std::to_string(inst) + "\"}"].emplace_back(t, v);
    }
  }
  f << "# TYPE temp gauge\n";
  for (int i = 0; i < 5 * 240; ++i) {
    int64_t t = kBase + i * 15000;
    double v = 20.5 + (i % 17) * 0.01;
    char buf[256];
    std::snprintf(buf, sizeof buf, "temp %.17g %lld.%03lld\n", v, (long long)(t / 1000),
                  (long long)(t % 1000));
    f << buf;
    want["temp"].emplace_back(t, v);
  }
  f << "# EOF\n";
  return want;
}

TEST(Backfill, BlocksQueryBackToTheInput) {
  std::string dir = FreshDir("backfill");
  std::string input = dir + "/in.om";
  auto want = WriteInput(input);
  BackfillOptions o;
  o.zstd_level = 1;
  auto r = BackfillOpenMetrics(input, dir + "/data", o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->series, 4u);
  EXPECT_EQ(r->samples, 4u * 1200);
  ASSERT_EQ(r->blocks.size(), 3u);  // [0,2h) [2h,4h) [4h,6h)
  EXPECT_EQ(r->blocks[0].min_time, kBase);
  tsdb::DBOptions dbo;
  dbo.background_compaction = false;
  dbo.wal_enabled = false;
  auto db = tsdb::DB::Open(dir + "/data", dbo);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(QueryAll(db->get(), kBase, kBase + 6 * 3600 * 1000), want);
}

TEST(Backfill, BadLineIsReportedWithItsNumberAndNothingIsWritten) {
  std::string dir = FreshDir("backfill_bad");
  std::string input = dir + "/in.om";
  {
    std::ofstream f(input);
    f << "# TYPE a gauge\na 1 1700000000.000\na 2 1700000015.000\na{x=\"1\" 3 1700000030\n# EOF\n";
  }
  auto r = BackfillOpenMetrics(input, dir + "/data");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("line 4"), std::string::npos) << r.status();
  EXPECT_TRUE(!fs::exists(dir + "/data") || fs::is_empty(dir + "/data"));
  {
    std::ofstream f(input);
    f << "# TYPE a gauge\na 1 1700000000.000\na 2\n# EOF\n";
  }
  r = BackfillOpenMetrics(input, dir + "/data");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("line 3"), std::string::npos) << r.status();
  {
    std::ofstream f(input);
    f << "# TYPE a gauge\na 1 1700000000.000\na 2 9223372036854775.000\n# EOF\n";
  }
  r = BackfillOpenMetrics(input, dir + "/data");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("line 3"), std::string::npos) << r.status();
  EXPECT_TRUE(!fs::exists(dir + "/data") || fs::is_empty(dir + "/data"));
}

tsdb::testing::SeriesSamples QueryDir(const std::string& data, int64_t mint, int64_t maxt) {
  tsdb::DBOptions dbo;
  dbo.background_compaction = false;
  dbo.wal_enabled = false;
  auto db = tsdb::DB::Open(data, dbo);
  if (!db.ok()) return {};
  return QueryAll(db->get(), mint, maxt);
}

// Blocks must not overlap: one per window, sorted.
void ExpectOneBlockPerWindow(const BackfillResult& r) {
  for (size_t i = 0; i < r.blocks.size(); ++i) {
    EXPECT_EQ(r.blocks[i].max_time - r.blocks[i].min_time, 2 * 3600 * 1000);
    if (i > 0) {
      EXPECT_GE(r.blocks[i].min_time, r.blocks[i - 1].max_time);
    }
  }
}

// An input whose lines are out of order within each series, spread over three windows with the
// windows interleaved, with repeated timestamps whose later line must win; one series arrives
// in exactly reverse order (more than the out-of-order merge threshold).
// Fast backfill (zstd level 1) holding at most `cap` bytes of samples (0 = no cap).
absl::StatusOr<BackfillResult> BackfillWithCap(const std::string& input, const std::string& data,
                                               int64_t cap) {
  BackfillOptions o;
  o.zstd_level = 1;
  o.max_held_bytes = cap;
  return BackfillOpenMetrics(input, data, o);
}

tsdb::testing::SeriesSamples WriteShuffledInput(const std::string& path) {
  std::map<std::string, std::map<int64_t, double>> expect;  // later line overwrites
  std::vector<std::pair<std::string, std::pair<int64_t, double>>> lines;
  uint64_t rng = 12345;
  auto next = [&rng] {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng >> 33;
  };
  for (int s = 0; s < 3; ++s) {
    std::string series = "shuffled{s=\"" + std::to_string(s) + "\"}";
    std::vector<int64_t> ts;
    for (int i = 0; i < 3 * 480; ++i) ts.push_back(kBase + i * 15000);
    for (size_t i = ts.size() - 1; i > 0; --i) std::swap(ts[i], ts[next() % (i + 1)]);
    for (size_t i = 0; i < ts.size(); ++i) {
      lines.push_back({series, {ts[i], static_cast<double>(next() % 1000) / 8}});
      if (i % 50 == 0) lines.push_back({series, {ts[i / 2], static_cast<double>(i)}});  // repeat
    }
  }
  for (int i = 3 * 480 - 1; i >= 0; --i) {
    lines.push_back({"reversed", {kBase + i * 15000 + 7, static_cast<double>(i) * 0.5}});
  }
  std::ofstream f(path);
  f << "# TYPE shuffled gauge\n";
  bool reversed_family = false;
  for (const auto& [series, tv] : lines) {
    if (series == "reversed" && !reversed_family) {
      f << "# TYPE reversed gauge\n";
      reversed_family = true;
    }
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s %.17g %lld.%03lld\n", series.c_str(), tv.second,
                  (long long)(tv.first / 1000), (long long)(tv.first % 1000));
    f << buf;
    expect[series][tv.first] = tv.second;
  }
  f << "# EOF\n";
  tsdb::testing::SeriesSamples want;
  for (const auto& [series, m] : expect) {
    for (const auto& tv : m) want[series].push_back(tv);
  }
  return want;
}

TEST(Backfill, OutOfOrderInputIsSortedAndTheLaterLineWins) {
  std::string dir = FreshDir("backfill_ooo");
  std::string input = dir + "/in.om";
  auto want = WriteShuffledInput(input);
  ASSERT_EQ(want.size(), 4u);
  for (int64_t cap : {int64_t{0}, int64_t{1} << 30, int64_t{4} << 10}) {
    SCOPED_TRACE(cap);
    std::string data = dir + "/data" + std::to_string(cap);
    auto r = BackfillWithCap(input, data, cap);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->series, 4u);
    EXPECT_EQ(r->samples, CountSamples(want));
    ASSERT_EQ(r->blocks.size(), 3u);
    ExpectOneBlockPerWindow(*r);
    if (cap == (int64_t{4} << 10)) {
      EXPECT_GT(r->flushes, 3);
    }
    EXPECT_EQ(QueryDir(data, kBase, kBase + 6 * 3600 * 1000), want);
  }
}

TEST(Backfill, TinyCapFlushesEarlyAndQueriesBackExactlyTheInput) {
  std::string dir = FreshDir("backfill_cap");
  std::string input = dir + "/in.om";
  auto want = WriteInput(input);
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    std::string data = dir + "/data" + std::to_string(threads);
    BackfillOptions o;
    o.zstd_level = 1;
    o.threads = threads;
    o.max_held_bytes = 1 << 10;
    auto r = BackfillOpenMetrics(input, data, o);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_GT(r->flushes, 3);
    EXPECT_EQ(r->series, 4u);
    EXPECT_EQ(r->samples, 4u * 1200);
    ASSERT_EQ(r->blocks.size(), 3u);  // every window's flushes merged into one block
    ExpectOneBlockPerWindow(*r);
    size_t dirs = 0;
    for (const auto& e : fs::directory_iterator(data)) dirs += e.is_directory();
    EXPECT_EQ(dirs, 3u);  // the flushed parts are gone
    EXPECT_EQ(QueryDir(data, kBase, kBase + 6 * 3600 * 1000), want);
  }
}

TEST(Backfill, SeriesRepeatedAcrossTheFileKeepsTheLaterLineUnderACap) {
  // Family "a" appears twice, split so that with two threads the first half of the file ends
  // with a(i) and the second starts with a(-i): the second thread reaches its "a" samples long
  // before the first does, so flushes hold them in the wrong order; the later line must still
  // win for every repeated timestamp.
  std::string dir = FreshDir("backfill_repeat");
  std::string input = dir + "/in.om";
  tsdb::testing::SeriesSamples want;
  {
    std::ofstream f(input);
    f << "# TYPE b gauge\n";
    for (int i = 0; i < 2000; ++i) f << "b " << i << " " << (kBase + i * 15000) / 1000 << "\n";
    f << "# TYPE a gauge\n";
    for (int i = 0; i < 1000; ++i) f << "a " << i << " " << (kBase + i * 15000) / 1000 << "\n";
    f << "# TYPE a gauge\n";
    for (int i = 0; i < 600; ++i) f << "a " << -i << " " << (kBase + i * 15000) / 1000 << "\n";
    f << "# TYPE c gauge\n";
    for (int i = 0; i < 1400; ++i) f << "c " << i << " " << (kBase + i * 15000) / 1000 << "\n";
    f << "# EOF\n";
    for (int i = 0; i < 1000; ++i) want["a"].emplace_back(kBase + i * 15000, i < 600 ? -i : i);
    for (int i = 0; i < 2000; ++i) want["b"].emplace_back(kBase + i * 15000, i);
    for (int i = 0; i < 1400; ++i) want["c"].emplace_back(kBase + i * 15000, i);
  }
  for (int64_t cap : {int64_t{0}, int64_t{1} << 10}) {
    SCOPED_TRACE(cap);
    std::string data = dir + "/data" + std::to_string(cap);
    auto r = BackfillWithCap(input, data, cap);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->series, 3u);
    EXPECT_EQ(QueryDir(data, kBase, kBase + 10 * 3600 * 1000), want);
  }
}

TEST(Backfill, BadLineAfterEarlyFlushesRemovesEveryBlock) {
  std::string dir = FreshDir("backfill_bad_cap");
  std::string input = dir + "/in.om";
  int bad_line = 0;
  {
    std::ofstream f(input);
    int line = 0;
    for (int fam = 0; fam < 6; ++fam) {
      f << "# TYPE m" << fam << " gauge\n";
      ++line;
      for (int i = 0; i < 500; ++i) {
        f << "m" << fam << "{i=\"" << i % 7 << "\"} " << i << " " << (kBase + i * 60000) / 1000
          << "\n";
        ++line;
      }
    }
    f << "m5{i=\"1\"} 1\n";  // no timestamp, deep in the second half
    bad_line = line + 1;
    f << "# EOF\n";
  }
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    BackfillOptions o;
    o.zstd_level = 1;
    o.threads = threads;
    o.max_held_bytes = 4 << 10;
    auto r = BackfillOpenMetrics(input, dir + "/data", o);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("line " + std::to_string(bad_line) + ":"),
              std::string::npos)
        << r.status();
    EXPECT_TRUE(!fs::exists(dir + "/data") || fs::is_empty(dir + "/data"));
  }
}

TEST(TsdbCli, ListAndAnalyze) {
  std::string dir = FreshDir("cli");
  std::string input = dir + "/in.om";
  WriteInput(input);
  std::string data = dir + "/data";
  char* argv1[] = {const_cast<char*>("tsdb"), const_cast<char*>("create-blocks-from"),
                   const_cast<char*>("openmetrics"), input.data(), data.data()};
  std::FILE* out = std::tmpfile();
  ASSERT_EQ(RunTsdbCommand(5, argv1, out, out), 0);
  char* argv2[] = {const_cast<char*>("tsdb"), const_cast<char*>("list"), data.data()};
  std::FILE* list = std::tmpfile();
  ASSERT_EQ(RunTsdbCommand(3, argv2, list, list), 0);
  char* argv3[] = {const_cast<char*>("tsdb"), const_cast<char*>("analyze"), data.data()};
  std::FILE* an = std::tmpfile();
  ASSERT_EQ(RunTsdbCommand(3, argv3, an, an), 0);
  auto slurp = [](std::FILE* f) {
    std::rewind(f);
    std::string s;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    return s;
  };
  std::string l = slurp(list), a = slurp(an);
  EXPECT_NE(l.find("BLOCK ULID"), std::string::npos);
  EXPECT_EQ(std::count(l.begin(), l.end(), '\n'), 4);  // header + 3 blocks
  EXPECT_NE(a.find("3 reqs_total"), std::string::npos) << a;
  char* badcap[] = {const_cast<char*>("tsdb"), const_cast<char*>("create-blocks-from"),
                    const_cast<char*>("--max-samples-memory=12XB"),
                    const_cast<char*>("openmetrics"), input.data(), data.data()};
  EXPECT_EQ(RunTsdbCommand(6, badcap, out, out), 2);
  std::string capped = dir + "/capped";
  char* cap[] = {const_cast<char*>("tsdb"), const_cast<char*>("create-blocks-from"),
                 const_cast<char*>("--max-samples-memory=4KiB"), const_cast<char*>("openmetrics"),
                 input.data(), capped.data()};
  std::FILE* capout = std::tmpfile();
  ASSERT_EQ(RunTsdbCommand(6, cap, capout, capout), 0);
  std::string c = slurp(capout);
  EXPECT_NE(c.find("3 blocks, 4 series, 4800 samples"), std::string::npos) << c;
  EXPECT_NE(c.find("flushed"), std::string::npos) << c;
  char* bad[] = {const_cast<char*>("tsdb"), const_cast<char*>("frobnicate")};
  EXPECT_EQ(RunTsdbCommand(2, bad, out, out), 2);
}

}  // namespace
}  // namespace promlet::tools
