// libpromlet through its C API: samples/s appended (1 thread and one per core, 1,000 series,
// 1,000 samples per commit) and the latency of one instant and one range query in-process
// against the same queries answered by promlet_serve over loopback HTTP.
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "promlet/promlet.h"
#include "tests/integration/test_util.h"

namespace {

constexpr int kSeries = 1000;
constexpr int64_t kT0 = 1700000000000;

std::vector<std::string> SeriesNames(int thread) {
  std::vector<std::string> out;
  for (int i = 0; i < kSeries; ++i) {
    out.push_back("bench_metric{thread=\"" + std::to_string(thread) + "\",instance=\"host-" +
                  std::to_string(i) + "\",job=\"bench\"}");
  }
  return out;
}

void BM_Append(benchmark::State& state) {
  static promlet_db* db = nullptr;
  static std::string dir;
  if (state.thread_index() == 0) {
    dir = promlet::testing::MakeTempDir("embed-bench");
    db = promlet_open(dir.c_str(), nullptr);
  }
  // Google Benchmark starts all threads' loops together after thread 0's setup.
  const std::vector<std::string> names = SeriesNames(state.thread_index());
  int64_t t = kT0;
  for (auto _ : state) {
    promlet_appender* a = promlet_appender_new(db);
    for (const auto& n : names) promlet_appender_add(a, n.c_str(), t, 1.0, nullptr);
    promlet_appender_commit(a, nullptr);
    t += 1000;
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
  if (state.thread_index() == 0) {
    promlet_close(db);
    std::filesystem::remove_all(dir);
  }
}
BENCHMARK(BM_Append)->Threads(1)->UseRealTime();
BENCHMARK(BM_Append)->Threads(static_cast<int>(std::thread::hardware_concurrency()))->UseRealTime();

// A database with 1,000 series x 360 samples (one hour at 10 s), served on loopback.
struct QueryFixture {
  std::string dir = promlet::testing::MakeTempDir("embed-bench-q");
  promlet_db* db = promlet_open(dir.c_str(), nullptr);
  int port = 0;
  QueryFixture() {
    const auto names = SeriesNames(0);
    for (int s = 0; s < 360; ++s) {
      promlet_appender* a = promlet_appender_new(db);
      for (const auto& n : names) promlet_appender_add(a, n.c_str(), kT0 + s * 10000, s, nullptr);
      promlet_appender_commit(a, nullptr);
    }
    promlet_serve(db, "127.0.0.1:0", nullptr);
    port = promlet_serve_port(db);
  }
  ~QueryFixture() {
    promlet_close(db);
    std::filesystem::remove_all(dir);
  }
};
QueryFixture& Fixture() {
  static QueryFixture* f = new QueryFixture();
  return *f;
}

constexpr const char* kInstant = "sum by (job) (rate(bench_metric[5m]))";
constexpr int64_t kEnd = kT0 + 3590000;

void BM_QueryC(benchmark::State& state) {
  auto& f = Fixture();
  for (auto _ : state) {
    char* json = state.range(0) == 0
                     ? promlet_query(f.db, kInstant, kEnd, nullptr)
                     : promlet_query_range(f.db, kInstant, kT0, kEnd, 60000, nullptr);
    benchmark::DoNotOptimize(json);
    promlet_free(json);
  }
}
BENCHMARK(BM_QueryC)->Arg(0)->Arg(1)->UseRealTime();

void BM_QueryHttp(benchmark::State& state) {
  auto& f = Fixture();
  const std::string q = "sum%20by%20(job)%20(rate(bench_metric%5B5m%5D))";
  const std::string target =
      state.range(0) == 0 ? "/api/v1/query?query=" + q + "&time=1700003590"
                          : "/api/v1/query_range?query=" + q +
                                "&start=1700000000&end=1700003590&step=60";
  for (auto _ : state) {
    auto r = promlet::testing::HttpGet(f.port, target);
    if (r.status != 200) state.SkipWithError(r.body.c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_QueryHttp)->Arg(0)->Arg(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
