// NhcbTextParser: the text and OpenMetrics parser (model/textparse.h) with classic histograms
// converted into native histograms with custom buckets (schema -53), for
// convert_classic_histograms_to_nhcb. A port of Prometheus' textparse.NHCBParser for parsers
// without native histograms.
//
// The series of one classic histogram (<family>_bucket{le}, _sum, _count with equal other
// labels, of a family whose TYPE is histogram) are collected while they come and, when the next
// entry belongs to something else (another label set, another family, metadata, the end), one
// kHistogram entry carries the converted histogram before that entry is returned. The classic
// series themselves are returned too only with keep_classic_histograms. A classic histogram
// that does not convert (non-cumulative counts, count mismatch, an invalid result) yields no
// kHistogram, as in Prometheus. Exemplars are not carried over.
//
// Deliberate differences: the converted histogram gets the timestamp of its last classic
// series (Prometheus reuses whatever series it read last, possibly the next family's); after a
// conversion that fails validation collection restarts (Prometheus keeps collecting into the
// failed histogram).
//
// Accessors are valid until the next Next(), as for Parser. Interface: as ProtoParser's.
#ifndef PROMLET_MODEL_NHCB_PARSER_H_
#define PROMLET_MODEL_NHCB_PARSER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/histogram/convert_nhcb.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"
#include "model/labels.h"
#include "model/textparse.h"

namespace promlet::model {

class NhcbTextParser {
 public:
  // `body` must outlive the parser and stay unchanged.
  NhcbTextParser(std::string_view body, Format format, bool keep_classic_histograms);

  absl::StatusOr<Entry> Next();

  std::string_view RawSeries() const { return emitting_ ? key_ : inner_.RawSeries(); }
  absl::Status ParseLabels(Labels* out) const;
  double Value() const { return inner_.Value(); }
  std::optional<int64_t> TimestampMs() const { return emitting_ ? nhcb_ts_ : inner_.TimestampMs(); }
  bool IsCreatedSeries() const { return !emitting_ && inner_.IsCreatedSeries(); }
  histogram::Histogram* IntHistogram() { return is_float_ ? nullptr : &h_; }
  histogram::FloatHistogram* FloatHistogram() { return is_float_ ? &fh_ : nullptr; }

  std::string_view FamilyName() const { return inner_.FamilyName(); }
  MetricType Type() const { return inner_.Type(); }
  std::optional<std::string_view> PlainHelp() const { return inner_.PlainHelp(); }
  std::string Help() const { return inner_.Help(); }
  std::string_view Unit() const { return inner_.Unit(); }

 private:
  // Collects the current series if it is part of a classic histogram; true when collected.
  bool HandleClassicSeries();
  // The labels of lset_ without __name__ and le (the identity of one classic histogram).
  Labels IdentityOf(const Labels& l) const;
  bool DifferentMetric() const;
  // Converts what was collected; true when a histogram is ready to emit.
  bool ProcessNhcb();

  Parser inner_;
  bool keep_classic_;
  bool emitting_ = false;    // the current entry is the converted histogram
  std::optional<Entry> pending_;  // the inner entry to return after the converted histogram
  bool collecting_ = false;

  std::string family_;  // last TYPE line's family
  MetricType family_type_ = MetricType::kUnknown;
  Labels lset_;  // current inner series (parsed for every series)

  std::string last_name_;  // base name of the histogram being collected
  Labels last_identity_;
  Labels temp_lset_;  // labels of the histogram being collected (__name__ = base name)
  std::optional<int64_t> temp_ts_;
  histogram::ClassicToNhcb temp_;

  Labels nhcb_lset_;
  std::string key_;
  std::optional<int64_t> nhcb_ts_;
  bool is_float_ = false;
  histogram::Histogram h_;
  histogram::FloatHistogram fh_;
};

}  // namespace promlet::model

#endif  // PROMLET_MODEL_NHCB_PARSER_H_
