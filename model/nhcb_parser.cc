#include "model/nhcb_parser.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "common/utf8.h"
#include "common/views.h"

namespace promlet::model {
namespace {

constexpr std::string_view kBucketLabel = "le";

// Prometheus' convertnhcb.GetHistogramMetricBaseName.
enum class Suffix { kNone, kBucket, kSum, kCount };
Suffix CutSuffix(std::string_view name, std::string_view* base) {
  for (auto [suffix, kind] : {std::pair{std::string_view("_bucket"), Suffix::kBucket},
                              std::pair{std::string_view("_sum"), Suffix::kSum},
                              std::pair{std::string_view("_count"), Suffix::kCount}}) {
    if (name.ends_with(suffix)) {
      *base = name.substr(0, name.size() - suffix.size());
      return kind;
    }
  }
  *base = name;
  return Suffix::kNone;
}

}  // namespace

NhcbTextParser::NhcbTextParser(std::string_view body, Format format, bool keep_classic_histograms)
    : inner_(body, format), keep_classic_(keep_classic_histograms) {}

absl::Status NhcbTextParser::ParseLabels(Labels* out) const {
  if (emitting_) {
    *out = nhcb_lset_;
    return absl::OkStatus();
  }
  *out = lset_;
  return absl::OkStatus();
}

Labels NhcbTextParser::IdentityOf(const Labels& l) const {
  LabelsBuilder b(l);
  b.Del(kMetricName);
  b.Del(kBucketLabel);
  return b.Build();
}

bool NhcbTextParser::DifferentMetric() const {
  if (family_type_ != MetricType::kHistogram) return true;
  std::string_view base;
  CutSuffix(lset_.MetricName(), &base);
  if (base != last_name_) return true;
  return IdentityOf(lset_) != last_identity_;
}

bool NhcbTextParser::HandleClassicSeries() {
  if (family_type_ != MetricType::kHistogram) return false;
  std::string_view base;
  const Suffix suffix = CutSuffix(lset_.MetricName(), &base);
  if (base != family_ || suffix == Suffix::kNone) return false;
  double le = 0;
  if (suffix == Suffix::kBucket) {
    if (!lset_.Has(kBucketLabel)) return false;
    if (!absl::SimpleAtod(common::ToAbsl(lset_.Get(kBucketLabel)), &le) || std::isnan(le)) {
      return false;
    }
  }
  if (!collecting_) {
    last_name_ = std::string(base);
    last_identity_ = IdentityOf(lset_);
    LabelsBuilder b(lset_);
    b.Set(kMetricName, base);
    b.Del(kBucketLabel);
    temp_lset_ = b.Build();
    collecting_ = true;
  }
  temp_ts_ = inner_.TimestampMs();
  // Errors latch inside temp_ and surface (as "no histogram") at conversion.
  switch (suffix) {
    case Suffix::kBucket:
      (void)temp_.SetBucketCount(le, inner_.Value());
      break;
    case Suffix::kCount:
      (void)temp_.SetCount(inner_.Value());
      break;
    case Suffix::kSum:
      (void)temp_.SetSum(inner_.Value());
      break;
    case Suffix::kNone:
      break;
  }
  return true;
}

bool NhcbTextParser::ProcessNhcb() {
  if (!collecting_) return false;
  collecting_ = false;
  absl::StatusOr<bool> is_float = temp_.Convert(&h_, &fh_);
  temp_.Reset();
  if (!is_float.ok()) return false;
  is_float_ = *is_float;
  if (!(is_float_ ? fh_.Validate() : h_.Validate()).ok()) return false;
  nhcb_lset_ = temp_lset_;
  nhcb_ts_ = temp_ts_;
  // The cache key: name{a="b",...} as Prometheus' metricStringNHCB.
  key_.assign(nhcb_lset_.MetricName());
  bool first = true;
  for (const auto& l : nhcb_lset_) {
    if (l.name == kMetricName) continue;
    key_.push_back(first ? '{' : ',');
    first = false;
    key_.append(l.name);
    key_.push_back('=');
    common::AppendGoQuoted(&key_, l.value);
  }
  if (!first) key_.push_back('}');
  return true;
}

absl::StatusOr<Entry> NhcbTextParser::Next() {
  while (true) {
    if (emitting_) {
      emitting_ = false;
      const Entry e = *pending_;
      pending_.reset();
      if (e == Entry::kSeries) {
        const bool collected = HandleClassicSeries();
        if (collected && !keep_classic_) continue;
      }
      return e;
    }
    absl::StatusOr<Entry> e = inner_.Next();
    if (!e.ok()) return e;
    switch (*e) {
      case Entry::kSeries: {
        if (auto st = inner_.ParseLabels(&lset_); !st.ok()) return st;
        if (collecting_ && DifferentMetric() && ProcessNhcb()) {
          emitting_ = true;
          pending_ = Entry::kSeries;
          return Entry::kHistogram;
        }
        const bool collected = HandleClassicSeries();
        if (collected && !keep_classic_) continue;
        return e;
      }
      case Entry::kType:
        family_.assign(inner_.FamilyName());
        family_type_ = inner_.Type();
        break;
      default:
        break;
    }
    if (ProcessNhcb()) {
      emitting_ = true;
      pending_ = *e;
      return Entry::kHistogram;
    }
    return e;
  }
}

}  // namespace promlet::model
