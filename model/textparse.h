// Exposition-format pull parsers: Prometheus text 0.0.4 and OpenMetrics 1.0 text.
//
// A Parser walks a body that the caller keeps alive and unchanged for the parser's lifetime
// (a scrape buffer or a large mmapped file). Next() advances one entry (a series sample or a
// metadata line) and every accessor returns views into that body or into small buffers the
// parser reuses, valid until the next call to Next(). No allocation happens per sample once
// the internal buffers have grown, and labels are only materialised on ParseLabels(), so a
// scrape cache keyed by RawSeries() pays no label work for series it already knows.
//
// Errors: Next() returns a Status naming the 1-based line and what was expected, e.g.
//   line 12: expected value after metric, got "abc"
// After an error the parser is finished: further Next() calls return the same error.
// Behaviour follows Prometheus' textparse (promparse.go / openmetricsparse.go); see
// textparse.cc for the deliberate differences.
#ifndef PROMLET_MODEL_TEXTPARSE_H_
#define PROMLET_MODEL_TEXTPARSE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/labels.h"

namespace promlet::model {

// kProtobuf is the delimited MetricFamily encoding, read by model/protoparse.h (not by Parser).
enum class Format { kText004, kOpenMetrics, kProtobuf };

enum class MetricType {
  kUnknown,  // no TYPE seen, or OpenMetrics "unknown"
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateset,
  kUntyped,  // text format "untyped"
};
// Prometheus' spelling ("counter", "gaugehistogram", "unknown", ...), as /api/v1/metadata shows.
std::string_view MetricTypeName(MetricType t);

// kHistogram (a native histogram sample) comes only from the protobuf parser
// (model/protoparse.h); the text parsers never return it.
enum class Entry { kSeries, kType, kHelp, kUnit, kComment, kEOF, kHistogram };

struct Exemplar {
  Labels labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;
};

// Metadata for one metric family, as a scrape loop keeps it per target.
struct MetricMetadata {
  std::string family;
  MetricType type = MetricType::kUnknown;
  std::string help;
  std::string unit;
};

class Parser {
 public:
  // `body` must outlive the parser and stay unchanged.
  Parser(std::string_view body, Format format);
  static std::unique_ptr<Parser> New(std::string_view body, Format format) {
    return std::make_unique<Parser>(body, format);
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Advances to the next entry. kEOF is returned at the end (OpenMetrics: at "# EOF", which
  // is required and must be the last line) and on every later call.
  absl::StatusOr<Entry> Next();

  Format format() const { return format_; }
  // 1-based line number of the current entry.
  int line() const { return line_; }

  // --- kSeries ---
  // The series text as written (metric name and label set, without value and timestamp):
  // the scrape cache key. Identical text means identical labels.
  std::string_view RawSeries() const { return raw_series_; }
  // The metric name, unescaped (a quoted UTF-8 name has its quotes and escapes removed).
  std::string_view MetricName() const;
  // Materialises the labels (including __name__), sorted. Fails if a label name repeats.
  absl::Status ParseLabels(Labels* out) const;
  double Value() const { return value_; }
  // Text: the integer milliseconds as written; OpenMetrics: float seconds converted to ms.
  std::optional<int64_t> TimestampMs() const { return timestamp_ms_; }
  // OpenMetrics only: a "<family>_created" series of a counter, histogram, summary or
  // gaugehistogram family. Prometheus does not store these as samples by default.
  bool IsCreatedSeries() const { return is_created_; }
  // Type of the family this series belongs to (the last TYPE line, when the series name is the
  // family name or the family name plus a type suffix such as _total or _bucket).
  MetricType SeriesType() const;
  // OpenMetrics exemplar after " # " on the current series line, if any.
  bool HasExemplar() const { return !exemplar_raw_.empty(); }
  std::optional<Exemplar> GetExemplar() const;

  // --- kType / kHelp / kUnit ---
  // The family name of the metadata line, unescaped.
  std::string_view FamilyName() const;
  MetricType Type() const { return type_; }  // kType
  std::string Help() const;                  // kHelp, unescaped
  // kHelp: the help text without a copy when it has no escapes (then it equals Help()).
  std::optional<std::string_view> PlainHelp() const {
    if (text_.find('\\') != std::string_view::npos) return std::nullopt;
    return text_;
  }
  std::string_view Unit() const { return text_; }  // kUnit
  // kComment: the whole comment line, "# ..." (text format only; OpenMetrics has none).
  std::string_view Comment() const { return text_; }

 private:
  struct LabelSpan {
    std::string_view name;   // raw: quoted names include no quotes but may hold escapes
    std::string_view value;  // raw, between the quotes
    bool name_escaped;
    bool value_escaped;
  };

  absl::Status Fail(std::string_view what, const char* at);
  absl::StatusOr<Entry> ParseComment(const char* p);
  absl::StatusOr<Entry> ParseSeries(const char* p);
  // The helpers below return false after recording the failure in err_what_/err_at_.
  bool Err(const char* what, const char* at);
  bool ParseLabelSet(const char*& p, std::vector<LabelSpan>* out, bool allow_name);
  bool ParseQuoted(const char*& p, std::string_view* out, bool* escaped);
  bool ParseMetadataName(const char*& p, const char* line_end);
  const char* LineEnd(const char* p) const;
  void UpdateCreated();

  std::string_view body_;
  Format format_;
  const char* pos_;
  const char* end_;
  int line_ = 0;
  bool done_ = false;
  absl::Status error_;
  const char* err_what_ = "";
  const char* err_at_ = nullptr;

  // Current series.
  std::string_view raw_series_;
  std::string_view name_;  // raw
  bool name_escaped_ = false;
  std::vector<LabelSpan> labels_;
  double value_ = 0;
  std::optional<int64_t> timestamp_ms_;
  bool is_created_ = false;
  std::string_view exemplar_raw_;  // "{...} value [ts]" after " # "
  mutable std::string name_buf_;

  // Current metadata line.
  std::string_view meta_name_;
  bool meta_name_escaped_ = false;
  MetricType type_ = MetricType::kUnknown;
  std::string_view text_;

  // Last TYPE line, for SeriesType() and _created detection.
  std::string family_;
  MetricType family_type_ = MetricType::kUnknown;
};

// Collects the metadata of a whole body (one entry per family, in order of appearance).
// Convenience for tests and tools; a scrape loop reads the metadata entries as they come.
absl::StatusOr<std::vector<MetricMetadata>> CollectMetadata(std::string_view body, Format format);

}  // namespace promlet::model

#endif  // PROMLET_MODEL_TEXTPARSE_H_
