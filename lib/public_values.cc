#include "lib/public_values.h"

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "lib/database.h"
#include "model/protoparse.h"

namespace promlet::lib {

Labels ToPublicLabels(const model::Labels& ls) {
  Labels out;
  out.reserve(ls.size());
  for (const auto& l : ls) out.push_back(Label{l.name, l.value});
  return out;
}

Histogram ToPublicHistogram(const model::histogram::FloatHistogram& h) {
  Histogram out;
  out.count = h.count;
  out.sum = h.sum;
  out.schema = h.schema;
  out.zero_threshold = h.zero_threshold;
  out.zero_count = h.zero_count;
  out.gauge = h.counter_reset_hint == model::histogram::CounterResetHint::kGauge;
  for (auto it = h.AllBucketIterator(); it.Next();) {
    const auto b = it.At();
    if (b.count == 0) continue;
    out.buckets.push_back(HistogramBucket{b.BoundaryRule(), b.lower, b.upper, b.count});
  }
  return out;
}

QueryResult ToPublicResult(promql::Result r) {
  QueryResult::Value v = std::visit(
      [](auto& x) -> QueryResult::Value {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, promql::Scalar>) {
          return Sample{x.t, x.v};
        } else if constexpr (std::is_same_v<T, promql::String>) {
          return QueryResult::StringValue{x.t, std::move(x.v)};
        } else if constexpr (std::is_same_v<T, promql::Vector>) {
          std::vector<VectorSample> out;
          out.reserve(x.size());
          for (auto& s : x) {
            VectorSample& e = out.emplace_back();
            e.labels = ToPublicLabels(s.labels);
            e.sample = Sample{s.t, s.h ? 0 : s.v};
            if (s.h) e.histogram = ToPublicHistogram(*s.h);
          }
          return out;
        } else {
          std::vector<Series> out;
          out.reserve(x.size());
          for (auto& s : x) {
            Series& series = out.emplace_back();
            series.labels = ToPublicLabels(s.labels);
            series.samples.reserve(s.points.size());
            for (const auto& p : s.points) series.samples.push_back(Sample{p.t, p.v});
            series.histograms.reserve(s.histograms.size());
            for (const auto& p : s.histograms) {
              series.histograms.push_back(HistogramSample{p.t, ToPublicHistogram(*p.h)});
            }
          }
          return out;
        }
      },
      r.value);
  return QueryResult(std::move(v), std::move(r.warnings), std::move(r.infos));
}

absl::Status AppendProtobuf(storage::Appender& app, std::string_view body, int64_t default_t) {
  model::ProtoParser p(body, model::ProtoParserOptions{});
  model::Labels labels;
  for (;;) {
    auto e = p.Next();
    if (!e.ok()) return e.status();
    if (*e == model::Entry::kEOF) return absl::OkStatus();
    if (*e != model::Entry::kSeries && *e != model::Entry::kHistogram) continue;
    if (absl::Status st = p.ParseLabels(&labels); !st.ok()) return st;
    const int64_t t = p.TimestampMs().value_or(default_t);
    absl::StatusOr<storage::SeriesRef> ref =
        *e == model::Entry::kSeries
            ? app.Append(0, labels, t, p.Value())
            : app.AppendHistogram(0, labels, t, p.IntHistogram(), p.FloatHistogram());
    if (!ref.ok()) return AppendError(ref.status(), labels.ToString(), t);
  }
}

}  // namespace promlet::lib
