// /api/v1/series, /api/v1/labels, /api/v1/label/<name>/values, /api/v1/metadata.
#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "web/api/v1/handlers.h"

namespace promlet::web {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Label names or values over every selector in `sets` (sorted, distinct), or over all series
// when there is none; `list` asks one querier call. A storage failure is an internal error.
using ListFn = std::function<absl::StatusOr<std::vector<std::string>>(
    storage::Querier& q, const std::vector<model::Matcher>& matchers)>;
Result ListStrings(const Request& r, const ListFn& list) {
  auto range = StartEndParams(r.form);
  if (!range.ok()) return range.status();
  auto limit = LimitParam(r.form);
  if (!limit.ok()) return limit.status();
  auto sets = MatchParams(r.form);
  if (!sets.ok()) return sets.status();
  auto q = r.env.storage.NewQuerier(range->start, range->end);
  if (!q.ok()) return q.status();
  std::vector<std::string> names;
  if (sets->empty()) {
    auto got = list(**q, {});
    if (!got.ok()) return InternalError(got.status().message());
    names = std::move(*got);
  } else {
    std::set<std::string> uniq;
    for (const auto& ms : *sets) {
      auto got = list(**q, ms);
      if (!got.ok()) return InternalError(got.status().message());
      uniq.insert(got->begin(), got->end());
    }
    names.assign(uniq.begin(), uniq.end());
  }
  Result out;
  JsonWriter& w = out.data();
  w.BeginArray();
  size_t n = LimitedCount(names.size(), *limit, out);
  for (size_t i = 0; i < n; ++i) w.String(names[i]);
  w.EndArray();
  return out;
}

// "limit" and "limit_per_metric" of /metadata: -1 (no limit) when absent or empty.
absl::StatusOr<int> MetadataLimit(const Form& f, std::string_view name) {
  int v = -1;
  if (f.Has(name) && !f.Get(name).empty() && !absl::SimpleAtoi(AV(f.Get(name)), &v)) {
    return absl::InvalidArgumentError(absl::StrCat(AV(name), " must be a number"));
  }
  return v;
}

}  // namespace

Result Series(const Request& r) {
  if (r.form.All("match[]").empty()) return BadData("no match[] parameter provided");
  auto range = StartEndParams(r.form);
  if (!range.ok()) return range.status();
  auto limit = LimitParam(r.form);
  if (!limit.ok()) return limit.status();
  auto sets = MatchParams(r.form);
  if (!sets.ok()) return sets.status();
  auto q = r.env.storage.NewQuerier(range->start, range->end);
  if (!q.ok()) return q.status();
  storage::SelectHints hints;
  hints.start = range->start;
  hints.end = range->end;
  hints.func = "series";
  std::vector<model::Labels> all;
  for (const auto& ms : *sets) {
    auto ss = (*q)->Select(ms, &hints);
    while (ss->Next()) all.push_back(ss->At().labels());
    if (!ss->status().ok()) return ss->status();
  }
  if (sets->size() > 1) {
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
  }
  Result out;
  JsonWriter& w = out.data();
  w.BeginArray();
  size_t n = LimitedCount(all.size(), *limit, out);
  for (size_t i = 0; i < n; ++i) w.LabelSet(all[i]);
  w.EndArray();
  return out;
}

Result LabelNames(const Request& r) {
  return ListStrings(
      r, [](storage::Querier& q, const std::vector<model::Matcher>& ms) { return q.LabelNames(ms); });
}

Result LabelValues(const Request& r) {
  std::string_view encoded(r.http.path);
  encoded.remove_prefix(std::string_view("/api/v1/label/").size());
  encoded.remove_suffix(std::string_view("/values").size());
  std::string name;
  if (!FormUnescape(encoded, &name) || name.find('/') != std::string::npos ||
      !model::IsValidLabelName(name)) {
    return BadData(absl::StrCat("invalid label name: \"", AV(encoded), "\""));
  }
  return ListStrings(r, [&name](storage::Querier& q, const std::vector<model::Matcher>& ms) {
    return q.LabelValues(name, ms);
  });
}

Result Metadata(const Request& r) {
  auto limit = MetadataLimit(r.form, "limit");
  if (!limit.ok()) return BadData(std::string(limit.status().message()));
  auto limit_per_metric = MetadataLimit(r.form, "limit_per_metric");
  if (!limit_per_metric.ok()) return BadData(std::string(limit_per_metric.status().message()));
  std::string_view metric = r.form.Get("metric");
  // metric -> distinct (type, help, unit) in first-seen order.
  std::map<std::string, std::vector<MetadataView>> by_metric;
  if (r.env.targets.metadata) {
    for (const auto& t : r.env.targets.metadata()) {
      for (const auto& md : t.metadata) {
        if (!metric.empty() && md.metric != metric) continue;
        auto& list = by_metric[md.metric];
        bool dup = false;
        for (const auto& e : list) {
          if (e.type == md.type && e.help == md.help && e.unit == md.unit) dup = true;
        }
        if (!dup) list.push_back(md);
      }
    }
  }
  Result out;
  JsonWriter& w = out.data();
  w.BeginObject();
  int emitted = 0;
  for (const auto& [name, list] : by_metric) {
    if (*limit >= 0 && emitted >= *limit) break;
    w.Key(name);
    w.BeginArray();
    int k = 0;
    for (const auto& md : list) {
      if (*limit_per_metric > 0 && k >= *limit_per_metric) break;
      w.BeginObject();
      WriteMetadataFields(w, md);
      w.EndObject();
      ++k;
    }
    w.EndArray();
    ++emitted;
  }
  w.EndObject();
  return out;
}

}  // namespace promlet::web
