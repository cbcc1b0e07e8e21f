#include "web/api/v1/query_json.h"

#include <algorithm>
#include <type_traits>
#include <variant>

namespace promlet::web {

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
            w.Key("value");
            w.Point(v[i].t, v[i].v);
            w.EndObject();
          }
          w.EndArray();
        } else {
          w.BeginArray();
          const size_t n = std::min(v.size(), max_series);
          std::string* buf = w.out();
          for (size_t i = 0; i < n; ++i) {
            w.BeginObject();
            w.Key("metric");
            w.LabelSet(v[i].labels);
            w.Key("values");
            // Hot loop: points appended directly, ~30 bytes each.
            buf->reserve(buf->size() + v[i].points.size() * 32 + 16);
            w.BeginArray();
            for (const auto& p : v[i].points) w.Point(p.t, p.v);
            w.EndArray();
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
