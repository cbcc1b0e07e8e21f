#include "web/api/v1/query_json.h"

#include <algorithm>
#include <limits>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace promlet::web {

namespace {

// [<timestamp>,{"count":"..","sum":"..","buckets":[[<boundary rule>,"lower","upper","count"],
// ...]}] as Prometheus' marshalHistogram writes it: populated buckets only, ascending; the
// rule is Bucket::BoundaryRule.
void HistogramPoint(int64_t t, const model::histogram::FloatHistogram& h, JsonWriter& w) {
  w.BeginArray();
  w.Timestamp(t);
  w.BeginObject();
  w.Key("count");
  w.SampleValue(h.count);
  w.Key("sum");
  w.SampleValue(h.sum);
  bool any = false;
  auto it = h.AllBucketIterator();
  while (it.Next()) {
    const auto b = it.At();
    if (b.count == 0) continue;
    if (!any) {
      w.Key("buckets");
      w.BeginArray();
      any = true;
    }
    w.BeginArray();
    w.Int(b.BoundaryRule());
    w.SampleValue(b.lower);
    w.SampleValue(b.upper);
    w.SampleValue(b.count);
    w.EndArray();
  }
  if (any) w.EndArray();
  w.EndObject();
  w.EndArray();
}

void WriteSeries(const promql::Series& s, const TimestampTexts& times, JsonWriter& w) {
  w.BeginObject();
  w.Key("metric");
  w.LabelSet(s.labels);
  if (!s.points.empty() || s.histograms.empty()) {
    w.Key("values");
    w.BeginArray();
    for (const auto& p : s.points) w.Point(p.t, p.v, times);
    w.EndArray();
  }
  if (!s.histograms.empty()) {
    w.Key("histograms");
    w.BeginArray();
    for (const auto& p : s.histograms) HistogramPoint(p.t, *p.h, w);
    w.EndArray();
  }
  w.EndObject();
}

// Encoding is about half the CPU of a range query that answers with many points (a 22 MB
// answer: formatting floats and timestamps), so a large answer is encoded in runs of series
// of about kPointsPerRun points (a histogram counting as kHistogramWeight), each into its own
// string, shared with the engine's helper threads as its selections are; the runs are
// appended in order, so the bytes are the sequential encoding's. A run (~70 KB) stays below
// glibc's default mmap threshold (128 KiB; the server raises it) where the library embeds
// this: its memory comes from the arenas, not from fresh pages.
constexpr size_t kPointsPerRun = 2048;
constexpr size_t kHistogramWeight = 16;

size_t Weight(const promql::Series& s) {
  return 1 + s.points.size() + s.histograms.size() * kHistogramWeight;
}

// The grid a range query's points lie on, guessed from the series (the earliest and latest
// point, the smallest gap between two first points) and formatted once when its timestamps
// are written several times over; TimestampTexts checks every timestamp against it.
TimestampTexts RangeQueryGrid(const promql::Matrix& m, size_t n, size_t points) {
  constexpr size_t kMaxSteps = size_t{1} << 16;
  int64_t first = std::numeric_limits<int64_t>::max();
  int64_t last = std::numeric_limits<int64_t>::min();
  int64_t step = std::numeric_limits<int64_t>::max();
  for (size_t i = 0; i < n; ++i) {
    const auto& p = m[i].points;
    if (p.empty()) continue;
    first = std::min(first, p.front().t);
    last = std::max(last, p.back().t);
    if (p.size() >= 2) {  // unsigned: two far-apart timestamps do not overflow
      const uint64_t gap = static_cast<uint64_t>(p[1].t) - static_cast<uint64_t>(p[0].t);
      if (gap <= static_cast<uint64_t>(step)) step = static_cast<int64_t>(gap);
    }
  }
  // No point, or no series of two points (a series' points strictly increase: gaps are > 0).
  if (first > last || step == std::numeric_limits<int64_t>::max()) return {};
  const uint64_t steps =
      (static_cast<uint64_t>(last) - static_cast<uint64_t>(first)) / static_cast<uint64_t>(step) +
      1;
  if (steps > kMaxSteps || points < 2 * steps) return {};
  return TimestampTexts(first, step, steps);
}

void WriteMatrix(const promql::Matrix& m, size_t n, const promql::Engine* engine, JsonWriter& w) {
  w.BeginArray();
  size_t points = 0;
  for (size_t i = 0; i < n; ++i) points += m[i].points.size();
  const TimestampTexts times = RangeQueryGrid(m, n, points);
  std::vector<size_t> run_starts{0};
  if (engine != nullptr) {
    size_t weight = 0;
    for (size_t i = 0; i + 1 < n; ++i) {
      weight += Weight(m[i]);
      if (weight >= kPointsPerRun) {
        run_starts.push_back(i + 1);
        weight = 0;
      }
    }
  }
  // With a gzip answer, each run is deflated where it was encoded (on the helper threads), and
  // only the compressed runs are joined here.
  const bool deflate = run_starts.size() > 1 && w.may_compress();
  // Room for every point at once (~33 bytes each with a 17-digit value): growing the body as
  // it goes copies it each time it doubles, and reserving per series copies it whenever the
  // next series does not fit.
  std::string* buf = w.out();
  if (!deflate) buf->reserve(buf->size() + points * 34 + n * 128);
  if (run_starts.size() == 1) {
    for (size_t i = 0; i < n; ++i) WriteSeries(m[i], times, w);
  } else {
    run_starts.push_back(n);
    std::vector<std::string> runs(deflate ? 0 : run_starts.size() - 1);
    std::vector<common::DeflatedPiece> deflated(deflate ? run_starts.size() - 1 : 0);
    engine->ShareWork(
        run_starts.size() - 1,
        [&](size_t r) {
          // Written through a string of this thread's own: neighbouring elements of `runs`
          // share cache lines, and two threads updating their lengths point by point made
          // the encoding slower than on one thread.
          thread_local std::string reused;
          std::string run;
          std::string& text = deflate ? reused : run;
          text.clear();
          JsonWriter rw(&text);
          for (size_t i = run_starts[r]; i < run_starts[r + 1]; ++i) WriteSeries(m[i], times, rw);
          if (deflate) {
            deflated[r] = common::DeflatePiece(text);
          } else {
            runs[r] = std::move(run);
          }
        },
        [&](size_t r) {
          if (deflate) {
            w.RawDeflated(deflated[r]);
            deflated[r] = {};
          } else {
            w.Raw(runs[r]);
            std::string().swap(runs[r]);
          }
        });
  }
  w.EndArray();
}

}  // namespace

void WriteQueryData(const promql::Result& q, size_t max_series, JsonWriter& w,
                    const promql::Engine* engine) {
  w.BeginObject();
  w.Key("resultType");
  w.String(promql::ValueTypeName(q.type()));
  w.Key("result");
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, promql::Scalar>) {
          w.ScalarPoint(v.t, v.v);
        } else if constexpr (std::is_same_v<T, promql::String>) {
          w.BeginArray();
          w.Double(static_cast<double>(v.t) / 1000);  // promql.String.MarshalJSON
          w.String(v.v);
          w.EndArray();
        } else if constexpr (std::is_same_v<T, promql::Vector>) {
          w.BeginArray();
          const size_t n = std::min(v.size(), max_series);
          for (size_t i = 0; i < n; ++i) {
            w.BeginObject();
            w.Key("metric");
            w.LabelSet(v[i].labels);
            if (v[i].h) {
              w.Key("histogram");
              HistogramPoint(v[i].t, *v[i].h, w);
            } else {
              w.Key("value");
              w.Point(v[i].t, v[i].v);
            }
            w.EndObject();
          }
          w.EndArray();
        } else {
          WriteMatrix(v, std::min(v.size(), max_series), engine, w);
        }
      },
      q.value);
  w.EndObject();
}

std::string QueryDataJson(const promql::Result& q, const promql::Engine* engine) {
  std::string out;
  JsonWriter w(&out);
  WriteQueryData(q, static_cast<size_t>(-1), w, engine);
  return out;
}

}  // namespace promlet::web
