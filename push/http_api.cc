#include "push/http_api.h"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/go_format.h"
#include "common/gzip.h"
#include "common/views.h"
#include "nlohmann/json.hpp"
#include "push/grouping_path.h"
#include "push/import.h"
#include "push/proto_body.h"
#include "push/text_body.h"

namespace promlet::push {
namespace {

using nlohmann::json;
using ordered_json = nlohmann::ordered_json;
using model::MetricType;

PushHttpResponse Error(int status, std::string_view msg) {
  PushHttpResponse res;
  res.status = status;
  res.body = absl::StrCat(common::ToAbsl(msg), "\n");
  return res;
}

int StatusFor(const absl::Status& st) {
  switch (st.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kDataLoss:
      return 400;
    case absl::StatusCode::kResourceExhausted:
      return 413;
    case absl::StatusCode::kNotFound:
      return 404;
    default:
      return 500;
  }
}

// Go's time.Time JSON encoding (RFC 3339 with trailing-zero-trimmed fraction), in UTC.
std::string GoJsonTime(int64_t unix_ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMillis(unix_ms),
                          absl::UTCTimeZone());
}

std::string_view DtoTypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "COUNTER";
    case MetricType::kGauge:
      return "GAUGE";
    case MetricType::kSummary:
      return "SUMMARY";
    case MetricType::kHistogram:
      return "HISTOGRAM";
    case MetricType::kGaugeHistogram:
      return "GAUGE_HISTOGRAM";
    default:
      return "UNTYPED";
  }
}

// A count as Go prints a uint64 (integral counts) or a float64.
std::string CountString(double v) {
  if (v >= 0 && v < 1.8e19 && std::floor(v) == v) {
    return absl::StrCat(static_cast<uint64_t>(v));
  }
  return GoSprintFloat(v);
}

// The labels a Pushgateway metric carries: the sample's labels without __name__ (and without
// `drop`, the bucket or quantile label), plus grouping labels with empty values and an empty
// instance when absent, as sanitizeLabels adds them.
json MetricLabels(const model::Labels& labels, const GroupingKey& key, std::string_view drop) {
  json out = json::object();
  for (const auto& l : labels) {
    if (l.name == model::kMetricName || l.name == drop) continue;
    out[l.name] = l.value;
  }
  for (const auto& [name, value] : key) {
    if (!out.contains(name)) out[name] = value;
  }
  if (!out.contains("instance")) out["instance"] = "";
  return out;
}

double ParseBound(std::string_view s) {
  double v = 0;
  if (s == "+Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  if (!absl::SimpleAtod(common::ToAbsl(s), &v)) return NAN;
  return v;
}

// Histogram and summary samples folded back into Pushgateway's per-metric JSON.
json ComplexMetrics(const Family& f, const GroupingKey& key) {
  const bool histogram =
      f.type == MetricType::kHistogram || f.type == MetricType::kGaugeHistogram;
  const std::string_view bound_label = histogram ? "le" : "quantile";
  struct Metric {
    model::Labels base;
    json labels;
    json parts = json::object();  // buckets/quantiles
    std::string sum = "0", count = "0";
  };
  std::vector<Metric> metrics;
  auto metric_for = [&](const model::Labels& labels) -> Metric& {
    model::LabelsBuilder b(labels);
    b.Del(model::kMetricName).Del(bound_label);
    model::Labels base = b.Build();
    for (auto& m : metrics) {
      if (m.base == base) return m;
    }
    Metric& m = metrics.emplace_back();
    m.base = std::move(base);
    m.labels = MetricLabels(labels, key, bound_label);
    return m;
  };
  for (const auto& s : f.samples) {
    std::string_view name = s.labels.MetricName();
    Metric& m = metric_for(s.labels);
    if (s.IsHistogram()) {
      // A native histogram: Pushgateway's API shows its count and sum (and classic buckets
      // only, which promlet does not keep for native histograms).
      m.count = s.histogram ? std::to_string(s.histogram->count)
                            : CountString(s.float_histogram->count);
      m.sum = GoSprintFloat(s.histogram ? s.histogram->sum : s.float_histogram->sum);
    } else if (name == f.name + "_sum") {
      m.sum = GoSprintFloat(s.value);
    } else if (name == f.name + "_count") {
      m.count = CountString(s.value);
    } else if (s.labels.Has(bound_label) && !s.synthesized) {
      std::string bound = GoSprintFloat(ParseBound(s.labels.Get(bound_label)));
      m.parts[bound] = histogram ? CountString(s.value) : GoSprintFloat(s.value);
    }
  }
  json out = json::array();
  for (auto& m : metrics) {
    json jm;
    jm[histogram ? "buckets" : "quantiles"] = std::move(m.parts);
    jm["count"] = m.count;
    jm["labels"] = std::move(m.labels);
    jm["sum"] = m.sum;
    out.push_back(std::move(jm));
  }
  return out;
}

json SimpleMetrics(const Family& f, const GroupingKey& key) {
  json out = json::array();
  for (const auto& s : f.samples) {
    json jm;
    jm["labels"] = MetricLabels(s.labels, key, "");
    jm["value"] = GoSprintFloat(s.value);
    out.push_back(std::move(jm));
  }
  return out;
}

}  // namespace

std::string GoSprintFloat(double v) { return common::GoFloat(v, 'g'); }

namespace {

// Applies Content-Encoding (gzip or none) and the body limit: *out views the decoded body
// (`body` itself, or *inflated), or the error response is returned.
std::optional<PushHttpResponse> DecodeBody(std::string_view body, std::string_view content_encoding,
                                           const PushHttpOptions& options, std::string* inflated,
                                           std::string_view* out) {
  std::string encoding =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(common::ToAbsl(content_encoding)));
  *out = body;
  if (encoding == "gzip") {
    auto plain = common::GunzipWithLimit(body, static_cast<int64_t>(options.max_body_bytes));
    if (!plain.ok()) {
      if (plain.status().code() == absl::StatusCode::kResourceExhausted) {
        return Error(413, absl::StrCat("request body too large: more than ", options.max_body_bytes,
                                       " bytes after gunzip (--push.max-body-size)"));
      }
      return Error(400,
                   absl::StrCat("cannot decompress the gzip body: ", plain.status().message()));
    }
    *inflated = *std::move(plain);
    *out = *inflated;
  } else if (!encoding.empty() && encoding != "identity") {
    return Error(415, absl::StrCat("unsupported Content-Encoding \"",
                                   common::ToAbsl(content_encoding), "\" (only gzip is accepted)"));
  }
  if (options.max_body_bytes > 0 && out->size() > options.max_body_bytes) {
    return Error(413, absl::StrCat("request body too large: ", out->size(), " bytes, limit ",
                                   options.max_body_bytes, " (--push.max-body-size)"));
  }
  return std::nullopt;
}

}  // namespace

PushHttpResponse ServePush(GroupStore& store, const PushHttpRequest& req,
                           const PushHttpOptions& options) {
  auto path = PathUnescape(req.path);
  if (!path.ok()) return Error(400, common::ToStd(path.status().message()));
  auto key = ParseGroupingPath(*path);
  if (!key.ok()) {
    if (key.status().code() == absl::StatusCode::kNotFound) return Error(404, "404 page not found");
    return Error(400, common::ToStd(key.status().message()));
  }
  if (req.method == "DELETE") {
    if (auto st = store.Delete(*key); !st.ok())
      return Error(StatusFor(st), common::ToStd(st.message()));
    PushHttpResponse res;
    res.status = 202;
    return res;
  }
  if (req.method != "PUT" && req.method != "POST") {
    return Error(405, "Method Not Allowed");
  }
  std::string inflated;
  std::string_view body;
  if (auto err = DecodeBody(req.body, req.content_encoding, options, &inflated, &body)) {
    return *std::move(err);
  }
  // As Pushgateway: the delimited protobuf encoding when the Content-Type names it exactly,
  // the text format otherwise.
  auto families =
      IsDelimitedProtobuf(req.content_type) ? ParseProtoDelimitedBody(body) : ParseTextBody(body);
  if (!families.ok()) return Error(400, common::ToStd(families.status().message()));
  WriteMode mode = req.method == "PUT" ? WriteMode::kReplaceGroup : WriteMode::kReplaceFamilies;
  if (auto st = store.Push(*key, *std::move(families), mode); !st.ok()) {
    return Error(StatusFor(st), common::ToStd(st.message()));
  }
  PushHttpResponse res;
  return res;
}

PushHttpResponse ServeMetricsJson(const GroupStore& store) {
  ordered_json data = ordered_json::array();
  for (const Group& g : store.Groups()) {
    // Go marshals the group (a map[string]any) with sorted keys and each family (a struct) in
    // field order; metrics are maps again (json sorts their keys).
    std::map<std::string, ordered_json> fields;
    fields["labels"] = ordered_json(g.key);
    fields["last_push_successful"] = g.LastPushSuccessful();
    for (const auto& [name, f] : g.families) {
      ordered_json jf;
      jf["time_stamp"] = GoJsonTime(f.push_time_ms);
      jf["type"] = DtoTypeName(f.type);
      if (!f.help.empty()) jf["help"] = f.help;
      json metrics = (f.type == MetricType::kHistogram || f.type == MetricType::kGaugeHistogram ||
                      f.type == MetricType::kSummary)
                         ? ComplexMetrics(f, g.key)
                         : SimpleMetrics(f, g.key);
      jf["metrics"] = ordered_json::parse(metrics.dump());
      fields[name] = std::move(jf);
    }
    ordered_json og = ordered_json::object();
    for (auto& [k, v] : fields) og[k] = std::move(v);
    data.push_back(std::move(og));
  }
  ordered_json out;
  out["status"] = "success";
  out["data"] = std::move(data);
  PushHttpResponse res;
  res.content_type = "application/json";
  res.body = out.dump();
  return res;
}

PushHttpResponse ServeImportPrometheus(storage::Appendable& storage, const ImportHttpRequest& req,
                                       const PushHttpOptions& options, int64_t now_ms) {
  std::string inflated;
  std::string_view body;
  if (auto err = DecodeBody(req.body, req.content_encoding, options, &inflated, &body)) {
    return *std::move(err);
  }
  auto samples = ParseImport(body, req.extra_labels, now_ms);
  if (!samples.ok()) return Error(400, common::ToStd(samples.status().message()));
  if (auto st = AppendImported(storage, *samples); !st.ok()) {
    return Error(st.code() == absl::StatusCode::kInvalidArgument ? 400 : 500,
                 common::ToStd(st.message()));
  }
  PushHttpResponse res;
  res.status = 204;
  return res;
}

PushHttpResponse ServeStatusJson(const PushStatusInfo& info) {
  json data;
  data["build_information"] = info.build_information;
  data["flags"] = info.flags;
  data["start_time"] = GoJsonTime(info.start_time_unix_ms);
  ordered_json out;
  out["status"] = "success";
  out["data"] = ordered_json::parse(data.dump());
  PushHttpResponse res;
  res.content_type = "application/json";
  res.body = out.dump();
  return res;
}

}  // namespace promlet::push
