#include "model/value.h"
#include "web/federate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "promql/parser/parser.h"
#include "web/api/v1/handlers.h"
#include "web/exposition.h"

namespace promlet::web {

namespace {

struct Latest {
  model::Labels labels;
  int64_t t;
  double v;
};

}  // namespace

absl::StatusOr<std::string> FederateText(storage::Queryable& storage,
                                         const std::vector<std::vector<model::Matcher>>& selectors,
                                         int64_t now_ms, int64_t lookback_ms) {
  auto q = storage.NewQuerier(now_ms - lookback_ms, now_ms);
  if (!q.ok()) return q.status();
  std::vector<Latest> found;
  storage::SelectHints hints;
  hints.start = now_ms - lookback_ms;
  hints.end = now_ms;
  hints.func = "series";
  for (const auto& ms : selectors) {
    auto ss = (*q)->Select(ms, &hints);
    while (ss->Next()) {
      const storage::Series& s = ss->At();
      auto it = s.Iterator();
      bool any = false;
      int64_t t = 0;
      double v = 0;
      while (it->Next()) {
        if (it->T() > now_ms) break;
        t = it->T();
        v = it->V();
        any = true;
      }
      if (!it->status().ok()) return it->status();
      if (!any || model::IsStaleNaN(v)) continue;
      found.push_back(Latest{s.labels(), t, v});
    }
    if (!ss->status().ok()) return ss->status();
  }
  // Merge of several selectors: by labels, duplicates dropped; then grouped by metric name.
  std::sort(found.begin(), found.end(),
            [](const Latest& a, const Latest& b) { return a.labels < b.labels; });
  found.erase(std::unique(found.begin(), found.end(),
                          [](const Latest& a, const Latest& b) { return a.labels == b.labels; }),
              found.end());
  std::stable_sort(found.begin(), found.end(), [](const Latest& a, const Latest& b) {
    return a.labels.MetricName() < b.labels.MetricName();
  });

  std::string out;
  out.reserve(found.size() * 80);
  std::string_view current;
  bool first = true;
  for (const auto& s : found) {
    std::string_view name = s.labels.MetricName();
    if (first || name != current) {
      out.append("# TYPE ").append(name).append(" untyped\n");
      current = name;
      first = false;
    }
    out.append(name);
    bool open = false;
    for (const auto& l : s.labels) {
      if (l.name == model::kMetricName) continue;
      out.push_back(open ? ',' : '{');
      open = true;
      out.append(l.name).append("=\"");
      AppendExpositionLabelValue(out, l.value);
      out.push_back('"');
    }
    if (open) out.push_back('}');
    out.push_back(' ');
    AppendExpositionValue(out, s.v);
    out.push_back(' ');
    out.append(std::to_string(s.t));
    out.push_back('\n');
  }
  return out;
}

Result Federate(const Request& r) {
  // Errors are plain text, as Prometheus' federation handler writes them.
  auto text_error = [](int status, absl::string_view message) {
    net::HttpResponse res;
    res.status = status;
    res.body = absl::StrCat(message, "\n");
    return Result::Whole(std::move(res));
  };
  std::vector<std::vector<model::Matcher>> sets;
  for (std::string_view s : r.form.All("match[]")) {
    auto ms = promql::ParseMetricSelector(s);
    if (!ms.ok()) return text_error(400, ms.status().message());
    sets.push_back(std::move(*ms));
  }
  const ApiOptions& o = r.env.options;
  auto body = FederateText(r.env.storage, sets, o.now_ms(), o.lookback_delta_ms);
  if (!body.ok()) return text_error(500, body.status().message());
  net::HttpResponse res;
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  res.body = std::move(*body);
  return Result::Whole(std::move(res));
}

}  // namespace promlet::web
