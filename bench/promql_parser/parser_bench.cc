// Parse (and print) time for a typical dashboard query and a ~2 KB recording-rule-sized query.
// Target: < 50 us for the typical query (release build).
#include <string>

#include "benchmark/benchmark.h"
#include "promql/parser/parser.h"

namespace {

const char* kTypical =
    "sum by (job, instance) (rate(http_requests_total{job=\"api-server\", code=~\"5..\"}[5m])) "
    "/ on (job, instance) group_left sum by (job, instance) (rate(http_requests_total[5m]))";

std::string BigQuery() {
  std::string q;
  int i = 0;
  while (q.size() < 2048) {
    if (!q.empty()) q += " or ";
    q += "histogram_quantile(0.9" + std::to_string(i) +
         ", sum by (le, service) (rate(request_duration_seconds_bucket{service=\"svc" +
         std::to_string(i) + "\", code!~\"5..\"}[5m] offset 1m))) > bool 0.5";
    ++i;
  }
  return q;
}

void BM_ParseTypical(benchmark::State& state) {
  for (auto _ : state) {
    auto e = promlet::promql::ParseExpr(kTypical);
    benchmark::DoNotOptimize(e);
    if (!e.ok()) state.SkipWithError("parse failed");
  }
}
BENCHMARK(BM_ParseTypical);

void BM_Parse2KB(benchmark::State& state) {
  std::string q = BigQuery();
  for (auto _ : state) {
    auto e = promlet::promql::ParseExpr(q);
    benchmark::DoNotOptimize(e);
    if (!e.ok()) state.SkipWithError("parse failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(q.size()));
}
BENCHMARK(BM_Parse2KB);

void BM_PrintTypical(benchmark::State& state) {
  auto e = promlet::promql::ParseExpr(kTypical);
  for (auto _ : state) {
    std::string s = promlet::promql::Print(**e);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_PrintTypical);

}  // namespace

BENCHMARK_MAIN();
