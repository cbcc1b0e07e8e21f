// JSON encoding throughput of a query_range answer: a 1M-point matrix (1000 series x 1000
// points) written the way Api encodes matrices. Target: >= 200 MB/s.
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

#include "model/labels.h"
#include "web/api/v1/json_writer.h"

namespace promlet::web {
namespace {

struct Series {
  model::Labels labels;
  std::vector<std::pair<int64_t, double>> points;
};

std::vector<Series> MakeMatrix(int series, int points, bool integers) {
  std::vector<Series> m;
  for (int s = 0; s < series; ++s) {
    Series x;
    x.labels = model::Labels{{"__name__", "node_cpu_seconds_total"},
                            {"cpu", std::to_string(s % 64)},
                            {"instance", "host-" + std::to_string(s / 64) + ":9100"},
                            {"job", "node"},
                            {"mode", "user"}};
    for (int p = 0; p < points; ++p) {
      double v = integers ? static_cast<double>(p * 7 + s) : 1234.5678 + p * 0.37 + std::sin(p + s);
      x.points.emplace_back(1700000000000 + int64_t{p} * 15000, v);
    }
    m.push_back(std::move(x));
  }
  return m;
}

void Encode(const std::vector<Series>& m, std::string* out) {
  out->clear();
  out->append(R"({"status":"success","data":)");
  JsonWriter w(out);
  w.BeginObject();
  w.Key("resultType");
  w.String("matrix");
  w.Key("result");
  w.BeginArray();
  for (const auto& s : m) {
    w.BeginObject();
    w.Key("metric");
    w.LabelSet(s.labels);
    w.Key("values");
    w.BeginArray();
    for (const auto& [t, v] : s.points) w.Point(t, v);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out->push_back('}');
}

void BM_EncodeMatrix1M(benchmark::State& state) {
  auto m = MakeMatrix(1000, 1000, state.range(0) != 0);
  std::string out;
  out.reserve(64 << 20);
  size_t bytes = 0;
  for (auto _ : state) {
    Encode(m, &out);
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["points/s"] =
      benchmark::Counter(1e6 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(state.range(0) ? "integer values" : "fractional values");
}
BENCHMARK(BM_EncodeMatrix1M)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace promlet::web

BENCHMARK_MAIN();
