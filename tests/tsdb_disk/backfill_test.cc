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
  char* bad[] = {const_cast<char*>("tsdb"), const_cast<char*>("frobnicate")};
  EXPECT_EQ(RunTsdbCommand(2, bad, out, out), 2);
}

}  // namespace
}  // namespace promlet::tools
