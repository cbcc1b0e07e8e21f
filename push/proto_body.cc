#include "push/proto_body.h"

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/go_format.h"
#include "common/utf8.h"
#include "common/views.h"
#include "common/views.h"
#include "model/labels.h"
#include "model/metric_family.h"

namespace promlet::push {
namespace {

using model::MetricType;
namespace proto = model::proto;

absl::Status FamilyError(std::string_view family, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      "metric family ", common::ToAbsl(common::GoQuote(family)), ": ", common::ToAbsl(what)));
}

// Appends the samples of one metric of family `f` (type already set).
absl::Status Flatten(const proto::Metric& m, Family* f) {
  std::vector<model::Label> base;
  for (const auto& lp : m.labels) {
    if (!model::IsValidLegacyLabelName(lp.name) || lp.name.starts_with("__")) {
      return FamilyError(
          f->name, absl::StrCat("invalid label name ", common::ToAbsl(common::GoQuote(lp.name))));
    }
    if (!common::IsValidUtf8(lp.value)) {
      return FamilyError(f->name,
                         absl::StrCat("label ", common::ToAbsl(lp.name), " has a value that is not UTF-8"));
    }
    base.push_back(model::Label{std::string(lp.name), std::string(lp.value)});
  }
  auto labels_of = [&](std::string_view suffix, std::string_view extra_name,
                       std::string extra_value) {
    std::vector<model::Label> labels = base;
    labels.push_back(model::Label{std::string(model::kMetricName), f->name + std::string(suffix)});
    if (!extra_name.empty()) labels.push_back(model::Label{std::string(extra_name), extra_value});
    return model::Labels::FromUnsorted(std::move(labels));
  };
  auto add = [&](std::string_view suffix, double v, std::string_view extra_name = "",
                 std::string extra_value = "", bool synthesized = false) {
    f->samples.push_back(
        PushedSample{labels_of(suffix, extra_name, std::move(extra_value)), v, synthesized});
  };
  if (m.timestamp_ms != 0) f->has_timestamp = true;
  switch (f->type) {
    case MetricType::kCounter:
    case MetricType::kGauge:
    case MetricType::kUntyped: {
      const bool has = f->type == MetricType::kCounter ? m.has_counter
                       : f->type == MetricType::kGauge ? m.has_gauge
                                                       : m.has_untyped;
      if (!has) {
        return FamilyError(f->name, absl::StrCat("a metric lacks the ",
                                                 common::ToAbsl(model::MetricTypeName(f->type)),
                                                 " value its family's type requires"));
      }
      add("", m.value);
      return absl::OkStatus();
    }
    case MetricType::kSummary: {
      if (!m.has_summary) return FamilyError(f->name, "a metric lacks its summary");
      for (const auto& q : m.summary.quantiles) {
        add("", q.value, "quantile", common::GoFloat(q.quantile, 'g'));
      }
      add("_sum", m.summary.sample_sum);
      add("_count", static_cast<double>(m.summary.sample_count));
      return absl::OkStatus();
    }
    case MetricType::kHistogram:
    case MetricType::kGaugeHistogram: {
      if (!m.has_histogram) return FamilyError(f->name, "a metric lacks its histogram");
      const proto::Histogram& h = m.histogram;
      const bool gauge = f->type == MetricType::kGaugeHistogram;
      if (h.IsNative()) {
        // Stored as Prometheus stores a scrape of it with scrape_native_histograms: one
        // histogram sample (its classic buckets, if any, are not kept).
        if (auto st = h.CheckSpans(); !st.ok()) {
          return FamilyError(f->name, common::ToStd(st.message()));
        }
        PushedSample s{labels_of("", "", ""), 0, false};
        absl::Status valid;
        if (h.IsFloat()) {
          auto fh = std::make_shared<model::histogram::FloatHistogram>();
          h.ToFloatHistogram(gauge, fh.get());
          valid = fh->Validate();
          s.float_histogram = std::move(fh);
        } else {
          auto ih = std::make_shared<model::histogram::Histogram>();
          h.ToHistogram(gauge, ih.get());
          valid = ih->Validate();
          s.histogram = std::move(ih);
        }
        if (!valid.ok()) return FamilyError(f->name, common::ToStd(valid.message()));
        f->samples.push_back(std::move(s));
        return absl::OkStatus();
      }
      if (gauge) return FamilyError(f->name, "classic gauge histograms are not supported");
      bool has_inf = false;
      for (const auto& b : h.buckets) {
        add("_bucket", b.Count(), "le", common::GoFloat(b.upper_bound, 'g'));
        if (std::isinf(b.upper_bound) && b.upper_bound > 0) has_inf = true;
      }
      if (!has_inf) add("_bucket", h.ClassicCount(), "le", "+Inf", /*synthesized=*/true);
      add("_sum", h.sample_sum);
      add("_count", h.ClassicCount());
      return absl::OkStatus();
    }
    default:
      return FamilyError(f->name, "unknown metric type");
  }
}

MetricType TypeOf(uint32_t wire) {
  switch (static_cast<proto::WireType>(wire)) {
    case proto::WireType::kCounter: return MetricType::kCounter;
    case proto::WireType::kGauge: return MetricType::kGauge;
    case proto::WireType::kSummary: return MetricType::kSummary;
    case proto::WireType::kUntyped: return MetricType::kUntyped;
    case proto::WireType::kHistogram: return MetricType::kHistogram;
    case proto::WireType::kGaugeHistogram: return MetricType::kGaugeHistogram;
  }
  return MetricType::kUnknown;
}

}  // namespace

bool IsDelimitedProtobuf(std::string_view content_type) {
  return proto::IsDelimitedMetricFamily(content_type);
}

absl::StatusOr<std::vector<Family>> ParseProtoDelimitedBody(std::string_view body) {
  std::vector<Family> out;
  std::map<std::string, size_t, std::less<>> index;
  proto::MetricFamilyReader reader(body);
  proto::MetricFamily pf;
  while (true) {
    absl::StatusOr<bool> more = reader.Next(&pf);
    if (!more.ok()) return more.status();
    if (!*more) break;
    Family fam;
    fam.name = std::string(pf.name);
    fam.help = std::string(pf.help);
    if (!model::IsValidLegacyMetricName(fam.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid metric name ", common::ToAbsl(common::GoQuote(fam.name))));
    }
    fam.type = TypeOf(pf.type);
    for (size_t i = 0; i < pf.size(); ++i) {
      if (auto st = Flatten(pf.metric(i), &fam); !st.ok()) return st;
    }
    if (auto it = index.find(fam.name); it != index.end()) {
      out[it->second] = std::move(fam);
    } else {
      index.emplace(fam.name, out.size());
      out.push_back(std::move(fam));
    }
  }
  return out;
}

}  // namespace promlet::push
