#include "push/proto_body.h"

#include <bit>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/go_format.h"
#include "common/utf8.h"
#include "common/views.h"
#include "common/varint.h"  // the one protobuf-compatible varint reader in the tree
#include "model/labels.h"

namespace promlet::push {
namespace {

using model::MetricType;

// One field of a protobuf message: its number, wire type and payload.
struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  uint64_t varint = 0;     // wire 0; wire 1 and 5 hold the raw bits here too
  std::string_view bytes;  // wire 2
  double AsDouble() const { return std::bit_cast<double>(varint); }
};

// Walks the fields of a message; false (with ok() false) on malformed input.
class FieldReader {
 public:
  explicit FieldReader(std::string_view msg) : dec_(msg) {}
  bool Next(Field* f) {
    if (dec_.empty()) return false;
    uint64_t key = 0;
    if (!dec_.Uvarint(&key)) return Fail();
    f->number = static_cast<uint32_t>(key >> 3);
    f->wire = static_cast<uint32_t>(key & 7);
    switch (f->wire) {
      case 0:
        return dec_.Uvarint(&f->varint) || Fail();
      case 1:
        return dec_.Fixed64(&f->varint) || Fail();
      case 2:
        return dec_.String(&f->bytes) || Fail();
      case 5: {
        uint32_t v = 0;
        if (!dec_.Fixed32(&v)) return Fail();
        f->varint = v;
        return true;
      }
      default:
        return Fail();
    }
  }
  bool ok() const { return ok_; }

 private:
  bool Fail() {
    ok_ = false;
    return false;
  }
  common::Decoder dec_;
  bool ok_ = true;
};

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid protobuf MetricFamily: ", common::ToAbsl(what)));
}

struct Bucket {
  double upper_bound = 0;
  double count = 0;
};

struct DecodedMetric {
  std::vector<std::pair<std::string, std::string>> labels;
  std::optional<double> gauge, counter, untyped;
  bool has_summary = false, has_histogram = false, native = false;
  double sample_count = 0, sample_sum = 0;
  std::vector<std::pair<double, double>> quantiles;
  std::vector<Bucket> buckets;
  bool has_timestamp = false;
};

absl::Status DecodeSummary(std::string_view msg, DecodedMetric* m) {
  m->has_summary = true;
  FieldReader r(msg);
  Field f;
  while (r.Next(&f)) {
    if (f.number == 1 && f.wire == 0) m->sample_count = static_cast<double>(f.varint);
    if (f.number == 2 && f.wire == 1) m->sample_sum = f.AsDouble();
    if (f.number == 3 && f.wire == 2) {
      FieldReader q(f.bytes);
      Field qf;
      double quantile = 0, value = 0;
      while (q.Next(&qf)) {
        if (qf.number == 1 && qf.wire == 1) quantile = qf.AsDouble();
        if (qf.number == 2 && qf.wire == 1) value = qf.AsDouble();
      }
      if (!q.ok()) return Malformed("broken summary quantile");
      m->quantiles.emplace_back(quantile, value);
    }
  }
  return r.ok() ? absl::OkStatus() : Malformed("broken summary");
}

absl::Status DecodeHistogram(std::string_view msg, DecodedMetric* m) {
  m->has_histogram = true;
  FieldReader r(msg);
  Field f;
  double count_float = 0;
  while (r.Next(&f)) {
    switch (f.number) {
      case 1:
        if (f.wire == 0) m->sample_count = static_cast<double>(f.varint);
        break;
      case 2:
        if (f.wire == 1) m->sample_sum = f.AsDouble();
        break;
      case 4:
        if (f.wire == 1) count_float = f.AsDouble();
        break;
      case 3: {
        if (f.wire != 2) break;
        FieldReader b(f.bytes);
        Field bf;
        Bucket bucket;
        double cum_float = 0;
        while (b.Next(&bf)) {
          if (bf.number == 1 && bf.wire == 0) bucket.count = static_cast<double>(bf.varint);
          if (bf.number == 2 && bf.wire == 1) bucket.upper_bound = bf.AsDouble();
          if (bf.number == 4 && bf.wire == 1) cum_float = bf.AsDouble();
        }
        if (!b.ok()) return Malformed("broken histogram bucket");
        if (cum_float > 0) bucket.count = cum_float;
        m->buckets.push_back(bucket);
        break;
      }
      case 9:   // negative_span
      case 12:  // positive_span
        m->native = true;
        break;
      default:
        break;
    }
  }
  if (count_float > 0) m->sample_count = count_float;
  return r.ok() ? absl::OkStatus() : Malformed("broken histogram");
}

absl::Status DecodeMetric(std::string_view msg, DecodedMetric* m) {
  FieldReader r(msg);
  Field f;
  while (r.Next(&f)) {
    auto single_double = [&](std::optional<double>* out) -> absl::Status {
      FieldReader v(f.bytes);
      Field vf;
      *out = 0.0;
      while (v.Next(&vf)) {
        if (vf.number == 1 && vf.wire == 1) *out = vf.AsDouble();
      }
      return v.ok() ? absl::OkStatus() : Malformed("broken value");
    };
    absl::Status st;
    switch (f.number) {
      case 1: {
        if (f.wire != 2) break;
        FieldReader l(f.bytes);
        Field lf;
        std::string name, value;
        while (l.Next(&lf)) {
          if (lf.number == 1 && lf.wire == 2) name = std::string(lf.bytes);
          if (lf.number == 2 && lf.wire == 2) value = std::string(lf.bytes);
        }
        if (!l.ok()) return Malformed("broken label pair");
        m->labels.emplace_back(std::move(name), std::move(value));
        break;
      }
      case 2:
        if (f.wire == 2) st = single_double(&m->gauge);
        break;
      case 3:
        if (f.wire == 2) st = single_double(&m->counter);
        break;
      case 5:
        if (f.wire == 2) st = single_double(&m->untyped);
        break;
      case 4:
        if (f.wire == 2) st = DecodeSummary(f.bytes, m);
        break;
      case 7:
        if (f.wire == 2) st = DecodeHistogram(f.bytes, m);
        break;
      case 6:
        m->has_timestamp = true;
        break;
      default:
        break;
    }
    if (!st.ok()) return st;
  }
  return r.ok() ? absl::OkStatus() : Malformed("broken metric");
}

absl::Status FamilyError(std::string_view family, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      "metric family ", common::ToAbsl(common::GoQuote(family)), ": ", common::ToAbsl(what)));
}

// Appends the samples of one metric of family `f` (type already set).
absl::Status Flatten(const DecodedMetric& m, Family* f) {
  std::vector<model::Label> base;
  for (const auto& [name, value] : m.labels) {
    if (!model::IsValidLegacyLabelName(name) || name.starts_with("__")) {
      return FamilyError(
          f->name, absl::StrCat("invalid label name ", common::ToAbsl(common::GoQuote(name))));
    }
    if (!common::IsValidUtf8(value)) {
      return FamilyError(f->name, absl::StrCat("label ", name, " has a value that is not UTF-8"));
    }
    base.push_back(model::Label{name, value});
  }
  auto add = [&](std::string_view suffix, double v, std::string_view extra_name = "",
                 std::string extra_value = "", bool synthesized = false) {
    std::vector<model::Label> labels = base;
    labels.push_back(model::Label{std::string(model::kMetricName), f->name + std::string(suffix)});
    if (!extra_name.empty()) labels.push_back(model::Label{std::string(extra_name), extra_value});
    f->samples.push_back(
        PushedSample{model::Labels::FromUnsorted(std::move(labels)), v, synthesized});
  };
  if (m.has_timestamp) f->has_timestamp = true;
  switch (f->type) {
    case MetricType::kCounter:
    case MetricType::kGauge:
    case MetricType::kUntyped: {
      const std::optional<double>& v = f->type == MetricType::kCounter ? m.counter
                                       : f->type == MetricType::kGauge ? m.gauge
                                                                       : m.untyped;
      if (!v.has_value()) {
        return FamilyError(f->name, absl::StrCat("a metric lacks the ",
                                                 common::ToAbsl(model::MetricTypeName(f->type)),
                                                 " value its family's type requires"));
      }
      add("", *v);
      return absl::OkStatus();
    }
    case MetricType::kSummary: {
      if (!m.has_summary) return FamilyError(f->name, "a metric lacks its summary");
      for (const auto& [q, v] : m.quantiles) add("", v, "quantile", common::GoFloat(q, 'g'));
      add("_sum", m.sample_sum);
      add("_count", m.sample_count);
      return absl::OkStatus();
    }
    case MetricType::kHistogram: {
      if (!m.has_histogram) return FamilyError(f->name, "a metric lacks its histogram");
      if (m.native) {
        return FamilyError(f->name, "native histograms are not supported (push classic buckets)");
      }
      bool has_inf = false;
      for (const auto& b : m.buckets) {
        add("_bucket", b.count, "le", common::GoFloat(b.upper_bound, 'g'));
        if (std::isinf(b.upper_bound) && b.upper_bound > 0) has_inf = true;
      }
      if (!has_inf) add("_bucket", m.sample_count, "le", "+Inf", /*synthesized=*/true);
      add("_sum", m.sample_sum);
      add("_count", m.sample_count);
      return absl::OkStatus();
    }
    default:
      return FamilyError(f->name, "gauge histograms are not supported");
  }
}

}  // namespace

bool IsDelimitedProtobuf(std::string_view content_type) {
  std::string ct = absl::AsciiStrToLower(common::ToAbsl(content_type));
  std::erase(ct, ' ');
  return ct.starts_with("application/vnd.google.protobuf") &&
         ct.find("encoding=delimited") != std::string::npos &&
         ct.find("proto=io.prometheus.client.metricfamily") != std::string::npos;
}

absl::StatusOr<std::vector<Family>> ParseProtoDelimitedBody(std::string_view body) {
  std::vector<Family> out;
  std::map<std::string, size_t, std::less<>> index;
  common::Decoder frames(body);
  while (!frames.empty()) {
    size_t offset = body.size() - frames.remaining();
    std::string_view msg;
    if (!frames.String(&msg)) {
      return Malformed(absl::StrCat("truncated message at byte ", offset));
    }
    Family fam;
    std::vector<DecodedMetric> metrics;
    uint64_t type = 3;  // UNTYPED
    FieldReader r(msg);
    Field f;
    while (r.Next(&f)) {
      if (f.number == 1 && f.wire == 2) fam.name = std::string(f.bytes);
      if (f.number == 2 && f.wire == 2) fam.help = std::string(f.bytes);
      if (f.number == 3 && f.wire == 0) type = f.varint;
      if (f.number == 4 && f.wire == 2) {
        DecodedMetric m;
        if (auto st = DecodeMetric(f.bytes, &m); !st.ok()) return st;
        metrics.push_back(std::move(m));
      }
    }
    if (!r.ok()) return Malformed(absl::StrCat("broken message at byte ", offset));
    if (!model::IsValidLegacyMetricName(fam.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid metric name ", common::ToAbsl(common::GoQuote(fam.name))));
    }
    switch (type) {
      case 0:
        fam.type = MetricType::kCounter;
        break;
      case 1:
        fam.type = MetricType::kGauge;
        break;
      case 2:
        fam.type = MetricType::kSummary;
        break;
      case 3:
        fam.type = MetricType::kUntyped;
        break;
      case 4:
        fam.type = MetricType::kHistogram;
        break;
      default:
        fam.type = MetricType::kGaugeHistogram;
        break;
    }
    for (const auto& m : metrics) {
      if (auto st = Flatten(m, &fam); !st.ok()) return st;
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
