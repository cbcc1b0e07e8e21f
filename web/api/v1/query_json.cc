#include "web/api/v1/query_json.h"

#include <algorithm>
#include <type_traits>
#include <variant>

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

}  // namespace

void WriteQueryData(const promql::Result& q, size_t max_series, JsonWriter& w) {
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
          w.BeginArray();
          const size_t n = std::min(v.size(), max_series);
          // Room for every point at once (~33 bytes each with a 17-digit value): growing the
          // body as it goes copies it each time it doubles, and reserving per series copies
          // it whenever the next series does not fit.
          size_t points = 0;
          for (size_t i = 0; i < n; ++i) points += v[i].points.size();
          std::string* buf = w.out();
          buf->reserve(buf->size() + points * 34 + n * 128);
          for (size_t i = 0; i < n; ++i) {
            w.BeginObject();
            w.Key("metric");
            w.LabelSet(v[i].labels);
            if (!v[i].points.empty() || v[i].histograms.empty()) {
              w.Key("values");
              w.BeginArray();
              for (const auto& p : v[i].points) w.Point(p.t, p.v);
              w.EndArray();
            }
            if (!v[i].histograms.empty()) {
              w.Key("histograms");
              w.BeginArray();
              for (const auto& p : v[i].histograms) HistogramPoint(p.t, *p.h, w);
              w.EndArray();
            }
            w.EndObject();
          }
          w.EndArray();
        }
      },
      q.value);
  w.EndObject();
}

std::string QueryDataJson(const promql::Result& q) {
  std::string out;
  JsonWriter w(&out);
  WriteQueryData(q, static_cast<size_t>(-1), w);
  return out;
}

}  // namespace promlet::web
