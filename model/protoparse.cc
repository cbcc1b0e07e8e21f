#include "model/protoparse.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/go_format.h"
#include "common/utf8.h"
#include "common/views.h"

namespace promlet::model {
namespace {

using proto::WireType;

constexpr char kSep = '\xff';  // Prometheus' model.SeparatorByte

bool Is(uint32_t type, WireType t) { return type == static_cast<uint32_t>(t); }

}  // namespace

ProtoParser::ProtoParser(std::string_view body, ProtoParserOptions options)
    : opts_(options), reader_(body) {}

absl::Status ProtoParser::Fail(absl::Status s) {
  done_ = true;
  error_ = std::move(s);
  return error_;
}

std::optional<int64_t> ProtoParser::TimestampMs() const {
  // As Prometheus: 0 means "no timestamp" (proto3 cannot tell unset from 0).
  if (metric().timestamp_ms == 0) return std::nullopt;
  return metric().timestamp_ms;
}

std::optional<int64_t> ProtoParser::StartTimestampMs() const {
  return metric().start_timestamp_ms;
}

MetricType ProtoParser::Type() const {
  switch (static_cast<WireType>(family_.type)) {
    case WireType::kCounter: return MetricType::kCounter;
    case WireType::kGauge: return MetricType::kGauge;
    case WireType::kHistogram: return MetricType::kHistogram;
    case WireType::kGaugeHistogram: return MetricType::kGaugeHistogram;
    case WireType::kSummary: return MetricType::kSummary;
    default: return MetricType::kUnknown;  // untyped reads as unknown, as in Prometheus
  }
}

bool ProtoParser::IsHistogramFamily() const {
  return Is(family_.type, WireType::kHistogram) || Is(family_.type, WireType::kGaugeHistogram);
}

bool ProtoParser::IsClassic() const {
  return opts_.ignore_native_histograms || !metric().histogram.IsNative();
}

absl::Status ProtoParser::ParseLabels(Labels* out) const {
  std::vector<Label> v;
  v.reserve(labels_.size());
  for (const auto& l : labels_) v.push_back(Label{std::string(l.name), std::string(l.value)});
  *out = Labels::FromSorted(std::move(v));
  return absl::OkStatus();
}

absl::Status ProtoParser::SetSeries(std::string_view suffix, std::string_view magic_name,
                                    std::string_view magic_value) {
  name_.assign(family_.name);
  name_.append(suffix);
  labels_.clear();
  labels_.push_back({kMetricName, name_});
  for (const auto& lp : metric().labels) {
    if (lp.name.empty() || !common::IsValidUtf8(lp.name)) {
      return proto::FamilyError(
          family_, absl::StrCat("invalid label name ", common::ToAbsl(common::GoQuote(lp.name))));
    }
    if (!common::IsValidUtf8(lp.value)) {
      return proto::FamilyError(
          family_, absl::StrCat("label ", common::ToAbsl(common::GoQuote(lp.name)),
                                " has a value that is not UTF-8"));
    }
    labels_.push_back({lp.name, lp.value});
  }
  if (!magic_name.empty()) labels_.push_back({magic_name, magic_value});
  // Insertion sort: label sets are small and usually sorted already.
  for (size_t i = 1; i < labels_.size(); ++i) {
    for (size_t j = i; j > 0 && labels_[j].name < labels_[j - 1].name; --j) {
      std::swap(labels_[j], labels_[j - 1]);
    }
  }
  key_.assign(name_);
  for (size_t i = 0; i < labels_.size(); ++i) {
    if (i > 0 && labels_[i].name == labels_[i - 1].name) {
      return proto::FamilyError(family_, absl::StrCat("label name ",
                                                      common::ToAbsl(common::GoQuote(labels_[i].name)),
                                                      " repeats in a metric"));
    }
    if (labels_[i].name == kMetricName) continue;
    key_.push_back(kSep);
    key_.append(labels_[i].name);
    key_.push_back(kSep);
    key_.append(labels_[i].value);
  }
  return absl::OkStatus();
}

absl::Status ProtoParser::EmitNative() {
  const proto::Histogram& h = metric().histogram;
  if (auto st = h.CheckSpans(); !st.ok()) return proto::FamilyError(family_, common::ToStd(st.message()));
  if (auto st = SetSeries("", "", ""); !st.ok()) return st;
  const bool gauge = Is(family_.type, WireType::kGaugeHistogram);
  is_float_ = h.IsFloat();
  if (is_float_) {
    h.ToFloatHistogram(gauge, &fh_);
  } else {
    h.ToHistogram(gauge, &h_);
  }
  return absl::OkStatus();
}

absl::Status ProtoParser::EmitNhcb() {
  const proto::Histogram& h = metric().histogram;
  nhcb_.Reset();
  absl::Status st = nhcb_.SetCount(h.ClassicCount());
  if (st.ok()) st = nhcb_.SetSum(h.sample_sum);
  for (const auto& b : h.buckets) {
    if (st.ok()) st = nhcb_.SetBucketCount(b.upper_bound, b.Count());
  }
  absl::StatusOr<bool> is_float = st.ok() ? nhcb_.Convert(&h_, &fh_) : absl::StatusOr<bool>(st);
  if (!is_float.ok()) {
    return proto::FamilyError(family_,
                              absl::StrCat("converting a classic histogram to native histogram "
                                           "with custom buckets: ",
                                           common::ToAbsl(common::ToStd(is_float.status().message()))));
  }
  is_float_ = *is_float;
  if (Is(family_.type, WireType::kGaugeHistogram)) {
    (is_float_ ? fh_.counter_reset_hint : h_.counter_reset_hint) =
        histogram::CounterResetHint::kGauge;
  }
  return SetSeries("", "", "");
}

absl::StatusOr<Entry> ProtoParser::StartMetric() {
  if (IsHistogramFamily()) {
    if (!IsClassic()) {
      if (auto st = EmitNative(); !st.ok()) return Fail(st);
      step_ = Step::kNative;
      return Entry::kHistogram;
    }
    if (opts_.convert_classic_to_nhcb && !opts_.keep_classic_histograms) {
      if (auto st = EmitNhcb(); !st.ok()) return Fail(st);
      step_ = Step::kMetricDone;
      return Entry::kHistogram;
    }
  }
  if (IsHistogramFamily() || Is(family_.type, WireType::kSummary)) {
    field_ = -2;
    return EmitClassic();
  }
  if (auto st = SetSeries("", "", ""); !st.ok()) return Fail(st);
  value_ = metric().value;
  step_ = Step::kMetricDone;
  return Entry::kSeries;
}

// Emits classic field field_ of the current summary or histogram.
absl::StatusOr<Entry> ProtoParser::EmitClassic() {
  step_ = Step::kClassic;
  classic_done_ = false;
  absl::Status st;
  if (Is(family_.type, WireType::kSummary)) {
    const proto::Summary& s = metric().summary;
    if (field_ == -2) {
      st = SetSeries("_count", "", "");
      value_ = static_cast<double>(s.sample_count);
    } else if (field_ == -1) {
      st = SetSeries("_sum", "", "");
      value_ = s.sample_sum;
      classic_done_ = s.quantiles.empty();
    } else {
      const proto::Quantile& q = s.quantiles[static_cast<size_t>(field_)];
      magic_value_ = common::FormatOpenMetricsFloat(q.quantile);
      st = SetSeries("", "quantile", magic_value_);
      value_ = q.value;
      classic_done_ = static_cast<size_t>(field_) + 1 == s.quantiles.size();
    }
  } else {
    const proto::Histogram& h = metric().histogram;
    if (field_ == -2) {
      st = SetSeries("_count", "", "");
      value_ = h.ClassicCount();
    } else if (field_ == -1) {
      st = SetSeries("_sum", "", "");
      value_ = h.sample_sum;
    } else if (static_cast<size_t>(field_) >= h.buckets.size()) {
      st = SetSeries("_bucket", "le", "+Inf");
      value_ = h.ClassicCount();
      classic_done_ = true;
    } else {
      const proto::Bucket& b = h.buckets[static_cast<size_t>(field_)];
      magic_value_ = common::FormatOpenMetricsFloat(b.upper_bound);
      st = SetSeries("_bucket", "le", magic_value_);
      value_ = b.Count();
      classic_done_ = std::isinf(b.upper_bound) && b.upper_bound > 0;
    }
  }
  if (!st.ok()) return Fail(st);
  return Entry::kSeries;
}

absl::StatusOr<Entry> ProtoParser::AfterClassic() {
  if (IsHistogramFamily() && IsClassic() && opts_.convert_classic_to_nhcb) {
    // keep_classic_histograms: the classic series came first, now the NHCB.
    if (auto st = EmitNhcb(); !st.ok()) return Fail(st);
    step_ = Step::kMetricDone;
    return Entry::kHistogram;
  }
  return NextMetric();
}

absl::StatusOr<Entry> ProtoParser::NextMetric() {
  if (++metric_ < family_.size()) return StartMetric();
  step_ = Step::kFamilyStart;
  return Next();
}

absl::StatusOr<Entry> ProtoParser::Next() {
  if (done_) {
    if (!error_.ok()) return error_;
    return Entry::kEOF;
  }
  switch (step_) {
    case Step::kFamilyStart: {
      while (true) {
        absl::StatusOr<bool> more = reader_.Next(&family_);
        if (!more.ok()) return Fail(more.status());
        if (!*more) {
          done_ = true;
          return Entry::kEOF;
        }
        if (family_.size() > 0) break;  // empty families are skipped, metadata included
      }
      if (family_.name.empty() || !common::IsValidUtf8(family_.name)) {
        return Fail(proto::FamilyError(
            family_, absl::StrCat("invalid metric name: ",
                                  common::ToAbsl(common::GoQuote(family_.name)))));
      }
      if (!common::IsValidUtf8(family_.help)) {
        return Fail(proto::FamilyError(family_, "invalid help (not UTF-8)"));
      }
      if (family_.type > static_cast<uint32_t>(WireType::kGaugeHistogram)) {
        return Fail(proto::FamilyError(family_, absl::StrCat("unknown metric type ", family_.type)));
      }
      step_ = Step::kHelp;
      return Entry::kHelp;
    }
    case Step::kHelp:
      step_ = family_.unit.empty() ? Step::kType : Step::kUnit;
      return step_ == Step::kUnit ? Entry::kUnit : Entry::kType;
    case Step::kUnit:
      step_ = Step::kType;
      return Entry::kType;
    case Step::kType:
      metric_ = 0;
      return StartMetric();
    case Step::kClassic:
      if (classic_done_) return AfterClassic();
      ++field_;
      return EmitClassic();
    case Step::kNative:
      if (opts_.keep_classic_histograms && !metric().histogram.buckets.empty()) {
        field_ = -2;
        return EmitClassic();
      }
      return NextMetric();
    case Step::kMetricDone:
      return NextMetric();
  }
  return Fail(absl::InternalError("protobuf parser in an impossible state"));
}

}  // namespace promlet::model
