#include "web/federate.h"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/views.h"
#include "model/histogram/float_histogram.h"
#include "model/metric_family_writer.h"
#include "model/value.h"
#include "promql/parser/parser.h"
#include "web/api/v1/handlers.h"
#include "web/exposition.h"

namespace promlet::web {

namespace {

namespace hist = model::histogram;
namespace proto = model::proto;

struct Latest {
  model::Labels labels;
  int64_t t;
  double v;
  std::optional<hist::FloatHistogram> h;

  bool IsGaugeHistogram() const {
    return h && h->counter_reset_hint == hist::CounterResetHint::kGauge;
  }
};

absl::StatusOr<std::vector<Latest>> CollectLatest(
    storage::Queryable& storage, const std::vector<std::vector<model::Matcher>>& selectors,
    int64_t now_ms, int64_t lookback_ms) {
  auto q = storage.NewQuerier(now_ms - lookback_ms, now_ms);
  if (!q.ok()) return q.status();
  std::vector<Latest> found;
  storage::SelectHints hints;
  hints.start = now_ms - lookback_ms;
  hints.end = now_ms;
  hints.func = "series";
  hist::FloatHistogram fh;
  for (const auto& ms : selectors) {
    auto ss = (*q)->Select(ms, &hints);
    while (ss->Next()) {
      const storage::Series& s = ss->At();
      auto it = s.Iterator();
      bool any = false, is_histogram = false;
      int64_t t = 0;
      double v = 0;
      while (it->Next()) {
        if (it->T() > now_ms) break;
        t = it->T();
        any = true;
        is_histogram = it->Type() != storage::ValueType::kFloat;
        if (is_histogram) {
          it->AtFloatHistogram(&fh);
        } else {
          v = it->V();
        }
      }
      if (!it->status().ok()) return it->status();
      if (!any || model::IsStaleNaN(is_histogram ? fh.sum : v)) continue;
      found.push_back(Latest{s.labels(), t, v, std::nullopt});
      if (is_histogram) found.back().h = fh;
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
  return found;
}

// A classic histogram's cumulative buckets from a custom-buckets histogram (Prometheus'
// makeClassicHistogram): one per custom bound, +Inf left implicit.
std::vector<proto::Bucket> ClassicBuckets(const hist::FloatHistogram& h) {
  std::vector<proto::Bucket> out;
  if (!h.custom_values) return out;
  out.reserve(h.custom_values->size());
  double cumulative = 0;
  auto it = h.PositiveBucketIterator();
  bool available = it.Next();
  for (size_t i = 0; i < h.custom_values->size(); ++i) {
    while (available && it.At().index < static_cast<int32_t>(i)) available = it.Next();
    if (available && it.At().index == static_cast<int32_t>(i)) cumulative += it.At().count;
    proto::Bucket b;
    b.upper_bound = (*h.custom_values)[i];
    b.cumulative_count_float = cumulative;
    out.push_back(b);
  }
  return out;
}

// One text sample line: name{labels[,extra_name="extra_value"]} value timestamp.
void TextLine(std::string& out, std::string_view name, const model::Labels& labels,
              std::string_view extra_name, std::string_view extra_value, double v, int64_t t) {
  out.append(name);
  bool open = false;
  for (const auto& l : labels) {
    if (l.name == model::kMetricName) continue;
    out.push_back(open ? ',' : '{');
    open = true;
    out.append(l.name).append("=\"");
    AppendExpositionLabelValue(out, l.value);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    out.push_back(open ? ',' : '{');
    open = true;
    out.append(extra_name).append("=\"").append(extra_value).push_back('"');
  }
  if (open) out.push_back('}');
  out.push_back(' ');
  AppendExpositionValue(out, v);
  out.push_back(' ');
  out.append(std::to_string(t));
  out.push_back('\n');
}

// The kind of family a sample belongs to; a change of kind starts a new family.
enum class Kind { kFloat, kHistogram, kGaugeHistogram };
Kind KindOf(const Latest& s) {
  if (!s.h) return Kind::kFloat;
  return s.IsGaugeHistogram() ? Kind::kGaugeHistogram : Kind::kHistogram;
}

std::string Text(const std::vector<Latest>& found) {
  std::string out;
  out.reserve(found.size() * 80);
  std::string_view current;
  Kind current_kind = Kind::kFloat;
  bool first = true;
  std::string scratch;
  for (const auto& s : found) {
    // Only counter histograms with custom buckets have a text form (as classic histograms):
    // the text format has no native or gauge histograms (expfmt refuses GAUGE_HISTOGRAM).
    if (s.h && (!s.h->UsesCustomBuckets() || s.IsGaugeHistogram())) continue;
    std::string_view name = s.labels.MetricName();
    const Kind kind = KindOf(s);
    if (first || name != current || kind != current_kind) {
      out.append("# TYPE ").append(name);
      out.append(kind == Kind::kFloat ? " untyped\n" : " histogram\n");
      current = name;
      current_kind = kind;
      first = false;
    }
    if (!s.h) {
      TextLine(out, name, s.labels, "", "", s.v, s.t);
      continue;
    }
    const std::string bucket_name = std::string(name) + "_bucket";
    for (const proto::Bucket& b : ClassicBuckets(*s.h)) {
      scratch.clear();
      AppendExpositionValue(scratch, b.upper_bound);
      TextLine(out, bucket_name, s.labels, "le", scratch, b.cumulative_count_float, s.t);
    }
    TextLine(out, bucket_name, s.labels, "le", "+Inf", s.h->count, s.t);
    TextLine(out, std::string(name) + "_sum", s.labels, "", "", s.h->sum, s.t);
    TextLine(out, std::string(name) + "_count", s.labels, "", "", s.h->count, s.t);
  }
  return out;
}

std::string Protobuf(const std::vector<Latest>& found) {
  std::string out;
  proto::MetricFamily family;
  family.metrics.reserve(found.size());
  bool open = false;
  Kind current_kind = Kind::kFloat;
  auto ship = [&] {
    if (open) proto::AppendDelimitedFamily(family, &out);
  };
  for (const auto& s : found) {
    std::string_view name = s.labels.MetricName();
    const Kind kind = KindOf(s);
    if (!open || name != family.name || kind != current_kind) {
      ship();
      family.name = name;
      family.type =
          static_cast<uint32_t>(kind == Kind::kFloat       ? proto::WireType::kUntyped
                                : kind == Kind::kHistogram ? proto::WireType::kHistogram
                                                           : proto::WireType::kGaugeHistogram);
      family.metrics.clear();
      family.num_metrics = 0;
      current_kind = kind;
      open = true;
    }
    proto::Metric& m = family.metrics.emplace_back();
    family.num_metrics = family.metrics.size();
    for (const auto& l : s.labels) {
      if (l.name != model::kMetricName) m.labels.push_back({l.name, l.value});
    }
    m.timestamp_ms = s.t;
    if (!s.h) {
      m.has_untyped = true;
      m.value = s.v;
      continue;
    }
    m.has_histogram = true;
    if (s.h->UsesCustomBuckets()) {
      m.histogram.sample_count_float = s.h->count;
      m.histogram.sample_sum = s.h->sum;
      m.histogram.buckets = ClassicBuckets(*s.h);
    } else {
      proto::NativeHistogramFields(*s.h, &m.histogram);
    }
  }
  ship();
  return out;
}

}  // namespace

FederationFormat NegotiateFederationFormat(std::string_view accept) {
  struct Entry {
    std::string type, proto, encoding, version;
    double q = 1;
  };
  std::vector<Entry> entries;
  for (absl::string_view part : absl::StrSplit(common::ToAbsl(accept), ',')) {
    std::vector<absl::string_view> fields = absl::StrSplit(part, ';');
    Entry e;
    e.type = absl::AsciiStrToLower(absl::StripAsciiWhitespace(fields[0]));
    if (e.type.empty()) continue;
    for (size_t i = 1; i < fields.size(); ++i) {
      absl::string_view kv = absl::StripAsciiWhitespace(fields[i]);
      size_t eq = kv.find('=');
      if (eq == absl::string_view::npos) continue;
      std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(kv.substr(0, eq)));
      std::string value(absl::StripAsciiWhitespace(kv.substr(eq + 1)));
      if (key == "q") {
        e.q = std::strtod(value.c_str(), nullptr);
      } else if (key == "proto") {
        e.proto = std::move(value);
      } else if (key == "encoding") {
        e.encoding = std::move(value);
      } else if (key == "version") {
        e.version = std::move(value);
      }
    }
    entries.push_back(std::move(e));
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.q > b.q; });
  for (const Entry& e : entries) {
    if (e.type == "application/vnd.google.protobuf" &&
        e.proto == "io.prometheus.client.MetricFamily" && e.encoding == "delimited") {
      return FederationFormat::kProtobuf;
    }
    if (e.type == "text/plain" && (e.version == "0.0.4" || e.version.empty())) {
      return FederationFormat::kText;
    }
  }
  return FederationFormat::kText;
}

absl::StatusOr<std::string> FederateBody(storage::Queryable& storage,
                                         const std::vector<std::vector<model::Matcher>>& selectors,
                                         int64_t now_ms, int64_t lookback_ms,
                                         FederationFormat format) {
  auto found = CollectLatest(storage, selectors, now_ms, lookback_ms);
  if (!found.ok()) return found.status();
  return format == FederationFormat::kProtobuf ? Protobuf(*found) : Text(*found);
}

absl::StatusOr<std::string> FederateText(storage::Queryable& storage,
                                         const std::vector<std::vector<model::Matcher>>& selectors,
                                         int64_t now_ms, int64_t lookback_ms) {
  return FederateBody(storage, selectors, now_ms, lookback_ms, FederationFormat::kText);
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
  const FederationFormat format = NegotiateFederationFormat(r.http.Header("accept"));
  auto body = FederateBody(r.env.storage, sets, o.now_ms(), o.lookback_delta_ms, format);
  if (!body.ok()) return text_error(500, body.status().message());
  net::HttpResponse res;
  res.content_type = format == FederationFormat::kProtobuf
                         ? std::string(proto::kDelimitedMetricFamilyType)
                         : "text/plain; version=0.0.4; charset=utf-8";
  res.body = std::move(*body);
  return Result::Whole(std::move(res));
}

}  // namespace promlet::web
