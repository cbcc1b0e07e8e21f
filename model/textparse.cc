#include "model/textparse.h"

// Deliberate differences from Prometheus' parsers:
// - Text format: a last line without '\n' is accepted; spaces around label pairs are accepted.
// - OpenMetrics timestamps written with at most 3 decimals ("1700000000.123") are converted to
//   milliseconds exactly (Prometheus computes int64(seconds*1000), which can be 1 ms low for
//   some inputs); other forms use the same float conversion as Prometheus.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace promlet::model {
namespace {

using absl::string_view;

string_view AV(std::string_view s) { return string_view(s.data(), s.size()); }

// Character classes, one table lookup per byte.
struct CharTable {
  bool metric_first[256] = {};
  bool metric_rest[256] = {};
  bool label_first[256] = {};
  bool label_rest[256] = {};
  constexpr CharTable() {
    for (int c = 0; c < 256; ++c) {
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      bool digit = c >= '0' && c <= '9';
      label_first[c] = alpha;
      label_rest[c] = alpha || digit;
      metric_first[c] = alpha || c == ':';
      metric_rest[c] = alpha || digit || c == ':';
    }
  }
};
constexpr CharTable kChars;

inline unsigned char U(char c) { return static_cast<unsigned char>(c); }
inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Go's strconv.ParseFloat restricted as Prometheus' parseFloat (no hex, no underscores).
bool ParseFloat(std::string_view s, double* out) {
  if (s.empty() || s.size() > 512) return false;
  // Fast path: short unsigned integers, the most common value form.
  if (s.size() <= 15) {
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size(); ++i) {
      unsigned d = U(s[i]) - '0';
      if (d > 9) break;
      v = v * 10 + d;
    }
    if (i == s.size()) {
      *out = static_cast<double>(v);
      return true;
    }
  }
  const char* b = s.data();
  const char* e = b + s.size();
  bool neg = false;
  if (*b == '+' || *b == '-') {
    neg = *b == '-';
    ++b;
    if (b == e || *b == '+' || *b == '-') return false;
  }
  for (const char* q = b; q < e; ++q) {
    if (*q == '(' || *q == 'p' || *q == 'P' || *q == '_' || *q == 'x' || *q == 'X') return false;
  }
  double v;
  auto r = std::from_chars(b, e, v, std::chars_format::general);
  if (r.ec != std::errc() || r.ptr != e) return false;
  *out = neg ? -v : v;
  return true;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b < e && *b == '+') ++b;
  if (b == e) return false;
  auto r = std::from_chars(b, e, *out, 10);
  return r.ec == std::errc() && r.ptr == e;
}

// Float seconds -> ms. Exact for decimal forms with up to 3 fractional digits.
bool ParseTimestampSeconds(std::string_view s, int64_t* out) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  int64_t ip = 0;
  size_t digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 15; ++i, ++digits) {
    ip = ip * 10 + (s[i] - '0');
  }
  if (digits > 0) {
    int64_t frac = 0;
    int fd = 0;
    bool ok = true;
    if (i < s.size() && s[i] == '.') {
      ++i;
      for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        if (fd == 3) {
          ok = false;
          break;
        }
        frac = frac * 10 + (s[i] - '0');
        ++fd;
      }
    }
    if (ok && i == s.size()) {
      for (; fd < 3; ++fd) frac *= 10;
      int64_t ms = ip * 1000 + frac;
      *out = neg ? -ms : ms;
      return true;
    }
  }
  double ts;
  if (!ParseFloat(s, &ts)) return false;
  if (!std::isfinite(ts)) return false;
  double ms = ts * 1000;
  if (ms >= 9.2e18 || ms <= -9.2e18) return false;
  *out = static_cast<int64_t>(ms);
  return true;
}

// Label values and quoted names: \\ \" \n; any other escape is kept as written (as Prometheus).
void UnescapeInto(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      char n = s[i + 1];
      if (n == '\\' || n == '"') {
        out->push_back(n);
        ++i;
        continue;
      }
      if (n == 'n') {
        out->push_back('\n');
        ++i;
        continue;
      }
    }
    out->push_back(c);
  }
}

std::string Unescaped(std::string_view s) {
  std::string out;
  UnescapeInto(s, &out);
  return out;
}

bool ParseTypeWord(std::string_view w, Format f, MetricType* t) {
  if (w == "counter") *t = MetricType::kCounter;
  else if (w == "gauge") *t = MetricType::kGauge;
  else if (w == "histogram") *t = MetricType::kHistogram;
  else if (w == "summary") *t = MetricType::kSummary;
  else if (f == Format::kText004 && w == "untyped") *t = MetricType::kUntyped;
  else if (f == Format::kOpenMetrics && w == "unknown") *t = MetricType::kUnknown;
  else if (f == Format::kOpenMetrics && w == "gaugehistogram") *t = MetricType::kGaugeHistogram;
  else if (f == Format::kOpenMetrics && w == "info") *t = MetricType::kInfo;
  else if (f == Format::kOpenMetrics && w == "stateset") *t = MetricType::kStateset;
  else return false;
  return true;
}

bool HasSuffix(std::string_view s, std::string_view suf) {
  return s.size() >= suf.size() && s.substr(s.size() - suf.size()) == suf;
}

}  // namespace

std::string_view MetricTypeName(MetricType t) {
  switch (t) {
    case MetricType::kUnknown: return "unknown";
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kGaugeHistogram: return "gaugehistogram";
    case MetricType::kSummary: return "summary";
    case MetricType::kInfo: return "info";
    case MetricType::kStateset: return "stateset";
    case MetricType::kUntyped: return "untyped";
  }
  return "unknown";
}

Parser::Parser(std::string_view body, Format format)
    : body_(body), format_(format), pos_(body.data()), end_(body.data() + body.size()) {
  labels_.reserve(16);
}

const char* Parser::LineEnd(const char* p) const {
  const void* nl = std::memchr(p, '\n', end_ - p);
  return nl ? static_cast<const char*>(nl) : end_;
}

absl::Status Parser::Fail(std::string_view what, const char* at) {
  std::string got;
  if (at == nullptr || at >= end_ || *at == '\n') {
    got = "end of line";
    if (at != nullptr && at >= end_) got = "end of input";
  } else {
    const char* e = at;
    while (e < end_ && *e != '\n' && (e == at || !IsBlank(*e)) && e - at < 48) ++e;
    got = absl::StrCat("\"", AV(std::string_view(at, e - at)), "\"");
  }
  error_ = absl::InvalidArgumentError(absl::StrCat("line ", line_, ": ", AV(what), ", got ", got));
  done_ = true;
  return error_;
}

absl::StatusOr<Entry> Parser::Next() {
  if (done_) {
    if (!error_.ok()) return error_;
    return Entry::kEOF;
  }
  for (;;) {
    if (pos_ >= end_) {
      if (format_ == Format::kOpenMetrics) {
        ++line_;
        return Fail("data does not end with # EOF", end_);
      }
      done_ = true;
      return Entry::kEOF;
    }
    ++line_;
    const char* p = pos_;
    if (format_ == Format::kText004) {
      while (p < end_ && IsBlank(*p)) ++p;
      if (p >= end_) {
        pos_ = end_;
        continue;
      }
      if (*p == '\n') {
        pos_ = p + 1;
        continue;
      }
    } else if (*p == '\n') {
      return Fail("expected a metric, # HELP, # TYPE, # UNIT or # EOF (empty lines are not allowed)",
                  p);
    }
    if (*p == '#') return ParseComment(p);
    return ParseSeries(p);
  }
}

bool Parser::Err(const char* what, const char* at) {
  err_what_ = what;
  err_at_ = at;
  return false;
}

bool Parser::ParseQuoted(const char*& p, std::string_view* out, bool* escaped) {
  // p at the opening quote.
  ++p;
  const char* start = p;
  *escaped = false;
  unsigned char high = 0;  // any byte >= 0x80 seen: validate UTF-8 (rare, so only then)
  while (p < end_) {
    char c = *p;
    high |= U(c);
    if (c == '"') {
      *out = std::string_view(start, p - start);
      if ((high & 0x80) && !IsValidUtf8(*out)) return Err("invalid UTF-8 in quoted string", start);
      ++p;
      return true;
    }
    if (c == '\\') {
      *escaped = true;
      if (end_ - p < 2) break;
      p += 2;
      continue;
    }
    if (c == '\n') return Err("expected closing quote (a newline inside quotes must be \\n)", p);
    ++p;
  }
  return Err("expected closing quote", end_);
}

bool Parser::ParseLabelSet(const char*& p, std::vector<LabelSpan>* out, bool allow_name) {
  // p at '{'.
  ++p;
  bool first = true;
  for (;;) {
    while (p < end_ && IsBlank(*p)) ++p;
    if (p >= end_) return Err("expected label name or closing brace", p);
    if (*p == '}') {
      ++p;
      return true;
    }
    LabelSpan s;
    if (*p == '"') {
      if (!ParseQuoted(p, &s.name, &s.name_escaped)) return false;
      while (p < end_ && IsBlank(*p)) ++p;
      if (allow_name && first && p < end_ && (*p == ',' || *p == '}')) {
        name_ = s.name;
        name_escaped_ = s.name_escaped;
        first = false;
        goto separator;
      }
      if (s.name.empty()) return Err("expected non-empty label name", p);
    } else {
      const char* b = p;
      if (p < end_ && kChars.label_first[U(*p)]) {
        ++p;
        while (p < end_ && kChars.label_rest[U(*p)]) ++p;
      }
      if (p == b) return Err("expected label name or closing brace", p);
      s.name = std::string_view(b, p - b);
      s.name_escaped = false;
    }
    first = false;
    while (p < end_ && IsBlank(*p)) ++p;
    if (p >= end_ || *p != '=') return Err("expected \"=\" after label name", p);
    ++p;
    while (p < end_ && IsBlank(*p)) ++p;
    if (p >= end_ || *p != '"') return Err("expected quoted label value", p);
    if (!ParseQuoted(p, &s.value, &s.value_escaped)) return false;
    out->push_back(s);
  separator:
    while (p < end_ && IsBlank(*p)) ++p;
    if (p < end_ && *p == ',') {
      ++p;
      continue;
    }
    if (p < end_ && *p == '}') {
      ++p;
      return true;
    }
    // Prometheus' text parser also accepts pairs separated by blanks only: a{x="1" y="2"}.
    if (format_ == Format::kText004 && p < end_ && IsBlank(p[-1]) &&
        (kChars.label_first[U(*p)] || *p == '"')) {
      continue;
    }
    return Err("expected \",\" or \"}\" after label", p);
  }
}

absl::StatusOr<Entry> Parser::ParseSeries(const char* p) {
  const char* start = p;
  const char* line_end = LineEnd(p);
  const bool text = format_ == Format::kText004;
  labels_.clear();
  name_ = {};
  name_escaped_ = false;
  exemplar_raw_ = {};
  timestamp_ms_.reset();
  is_created_ = false;

  const char* series_end;
  if (*p == '{') {
    if (!ParseLabelSet(p, &labels_, /*allow_name=*/true)) return Fail(err_what_, err_at_);
    if (name_.empty()) return Fail("expected metric name (first item in braces)", start + 1);
    series_end = p;
  } else {
    if (!kChars.metric_first[U(*p)]) return Fail("expected metric name", p);
    ++p;
    while (p < line_end && kChars.metric_rest[U(*p)]) ++p;
    name_ = std::string_view(start, p - start);
    series_end = p;
    const char* q = p;
    if (text) while (q < line_end && IsBlank(*q)) ++q;
    if (q < line_end && *q == '{') {
      p = q;
      if (!ParseLabelSet(p, &labels_, /*allow_name=*/false)) return Fail(err_what_, err_at_);
      series_end = p;
    }
  }
  if (p > line_end) {  // quoted strings cannot span lines, so this is defensive only
    return Fail("unexpected newline in series", line_end);
  }
  raw_series_ = std::string_view(start, series_end - start);

  // Value.
  if (p >= line_end || !IsBlank(*p) || (!text && *p != ' ')) {
    return Fail("expected value after metric", p);
  }
  if (text) {
    while (p < line_end && IsBlank(*p)) ++p;
  } else {
    ++p;
  }
  const char* vb = p;
  while (p < line_end && !IsBlank(*p)) ++p;
  if (vb == p) return Fail("expected value after metric", p);
  if (!ParseFloat(std::string_view(vb, p - vb), &value_)) {
    return Fail("expected value after metric", vb);
  }

  if (text) {
    while (p < line_end && IsBlank(*p)) ++p;
    if (p < line_end) {
      const char* tb = p;
      while (p < line_end && !IsBlank(*p)) ++p;
      int64_t ts;
      if (!ParseInt64(std::string_view(tb, p - tb), &ts)) {
        return Fail("expected integer timestamp in ms or end of line after value", tb);
      }
      timestamp_ms_ = ts;
      while (p < line_end && IsBlank(*p)) ++p;
      if (p < line_end) return Fail("expected end of line after timestamp", p);
    }
  } else {
    if (p < line_end) {
      ++p;  // the single space
      if (p < line_end && *p != '#') {
        const char* tb = p;
        while (p < line_end && *p != ' ') ++p;
        int64_t ts;
        if (!ParseTimestampSeconds(std::string_view(tb, p - tb), &ts)) {
          return Fail("expected timestamp in seconds, exemplar or end of line after value", tb);
        }
        timestamp_ms_ = ts;
        if (p < line_end) ++p;
        else goto done;
      }
      // Exemplar: "# {labels} value [timestamp]".
      if (p + 2 >= line_end || p[0] != '#' || p[1] != ' ' || p[2] != '{') {
        return Fail("expected \"# {\" starting an exemplar or end of line", p);
      }
      const char* eb = p + 2;
      p = eb;
      size_t keep = labels_.size();
      if (!ParseLabelSet(p, &labels_, /*allow_name=*/false)) return Fail(err_what_, err_at_);
      labels_.resize(keep);
      if (p >= line_end || *p != ' ') return Fail("expected value after exemplar labels", p);
      ++p;
      const char* xb = p;
      while (p < line_end && *p != ' ') ++p;
      double xv;
      if (!ParseFloat(std::string_view(xb, p - xb), &xv)) {
        return Fail("expected exemplar value", xb);
      }
      if (p < line_end) {
        ++p;
        const char* tb = p;
        while (p < line_end && *p != ' ') ++p;
        int64_t ts;
        if (!ParseTimestampSeconds(std::string_view(tb, p - tb), &ts)) {
          return Fail("expected exemplar timestamp or end of line", tb);
        }
        if (p < line_end) return Fail("expected end of line after exemplar", p);
      }
      exemplar_raw_ = std::string_view(eb, line_end - eb);
    }
  done:
    UpdateCreated();
  }
  pos_ = line_end < end_ ? line_end + 1 : end_;
  return Entry::kSeries;
}

void Parser::UpdateCreated() {
  switch (family_type_) {
    case MetricType::kCounter:
    case MetricType::kHistogram:
    case MetricType::kSummary:
    case MetricType::kGaugeHistogram:
      is_created_ = HasSuffix(name_, "_created");
      break;
    default:
      is_created_ = false;
  }
}

bool Parser::ParseMetadataName(const char*& p, const char* line_end) {
  meta_name_ = {};
  meta_name_escaped_ = false;
  if (p < line_end && *p == '"') {
    if (!ParseQuoted(p, &meta_name_, &meta_name_escaped_)) return false;
    if (meta_name_.empty()) return Err("expected metric name", p);
    return true;
  }
  const char* b = p;
  if (p < line_end && kChars.metric_first[U(*p)]) {
    ++p;
    while (p < line_end && kChars.metric_rest[U(*p)]) ++p;
  }
  if (p == b) return Err("expected metric name", p);
  meta_name_ = std::string_view(b, p - b);
  return true;
}

absl::StatusOr<Entry> Parser::ParseComment(const char* p) {
  const char* line_end = LineEnd(p);
  const char* hash = p;
  ++p;
  const bool text = format_ == Format::kText004;
  auto keyword = [&](std::string_view kw) {
    size_t n = kw.size();
    return line_end - p > static_cast<ptrdiff_t>(n) && std::memcmp(p, kw.data(), n) == 0 &&
           IsBlank(p[n]) && (text || p[n] == ' ');
  };
  if (text) {
    while (p < line_end && IsBlank(*p)) ++p;
  } else {
    if (line_end - p == 4 && std::memcmp(p, " EOF", 4) == 0) {
      pos_ = line_end < end_ ? line_end + 1 : end_;
      done_ = true;
      if (pos_ < end_) {
        ++line_;
        return Fail("unexpected data after # EOF", pos_);
      }
      return Entry::kEOF;
    }
    if (p >= line_end || *p != ' ') return Fail("expected \"# HELP\", \"# TYPE\", \"# UNIT\" or \"# EOF\"", hash);
    ++p;
  }
  Entry kind;
  if (keyword("HELP")) {
    kind = Entry::kHelp;
  } else if (keyword("TYPE")) {
    kind = Entry::kType;
  } else if (!text && keyword("UNIT")) {
    kind = Entry::kUnit;
  } else if (text) {
    text_ = std::string_view(hash, line_end - hash);  // the whole line, as Prometheus
    pos_ = line_end < end_ ? line_end + 1 : end_;
    return Entry::kComment;
  } else {
    return Fail("expected HELP, TYPE, UNIT or EOF after \"# \"", p);
  }
  p += 5;
  if (text) while (p < line_end && IsBlank(*p)) ++p;
  if (!ParseMetadataName(p, line_end)) return Fail(err_what_, err_at_);
  text_ = {};
  if (!text && p >= line_end) {
    return Fail(kind == Entry::kHelp   ? "expected text in HELP"
                : kind == Entry::kUnit ? "expected text in UNIT"
                                       : "expected text in TYPE",
                p);
  }
  if (p < line_end) {
    if (!IsBlank(*p) || (!text && *p != ' ')) return Fail("expected a space after the metric name", p);
    ++p;
    if (kind == Entry::kType && text) while (p < line_end && IsBlank(*p)) ++p;
    text_ = std::string_view(p, line_end - p);
  }
  if (kind == Entry::kType) {
    std::string_view w = text_;
    if (text) {
      while (!w.empty() && IsBlank(w.back())) w.remove_suffix(1);
    }
    if (!ParseTypeWord(w, format_, &type_)) {
      return Fail(text ? "expected counter, gauge, histogram, summary or untyped after TYPE name"
                       : "expected counter, gauge, histogram, gaugehistogram, summary, info, "
                         "stateset or unknown after TYPE name",
                  w.empty() ? line_end : w.data());
    }
    family_ = meta_name_escaped_ ? Unescaped(meta_name_) : std::string(meta_name_);
    family_type_ = type_;
  } else if (kind == Entry::kUnit) {
    if (!text_.empty() && !HasSuffix(FamilyName(), text_) &&
        !HasSuffix(FamilyName(), absl::StrCat("_", AV(text_)))) {
      return Fail("unit must be a suffix of the metric name", text_.data());
    }
  }
  pos_ = line_end < end_ ? line_end + 1 : end_;
  return kind;
}

std::string_view Parser::MetricName() const {
  if (!name_escaped_) return name_;
  UnescapeInto(name_, &name_buf_);
  return name_buf_;
}

std::string_view Parser::FamilyName() const {
  if (!meta_name_escaped_) return meta_name_;
  UnescapeInto(meta_name_, &name_buf_);
  return name_buf_;
}

std::string Parser::Help() const {
  if (text_.find('\\') == std::string_view::npos) return std::string(text_);
  std::string out;
  out.reserve(text_.size());
  for (size_t i = 0; i < text_.size(); ++i) {
    char c = text_[i];
    if (c == '\\' && i + 1 < text_.size()) {
      char n = text_[i + 1];
      if (n == '\\') { out.push_back('\\'); ++i; continue; }
      if (n == 'n') { out.push_back('\n'); ++i; continue; }
      if (n == '"' && format_ == Format::kOpenMetrics) { out.push_back('"'); ++i; continue; }
    }
    out.push_back(c);
  }
  return out;
}

MetricType Parser::SeriesType() const {
  if (family_.empty()) return MetricType::kUnknown;
  std::string_view name = MetricName();
  if (name.size() < family_.size() || name.substr(0, family_.size()) != family_) {
    return MetricType::kUnknown;
  }
  std::string_view suffix = name.substr(family_.size());
  static constexpr std::string_view kSuffixes[] = {"",        "_total",  "_bucket", "_count",
                                                   "_sum",    "_created", "_gcount", "_gsum",
                                                   "_info"};
  for (std::string_view s : kSuffixes) {
    if (suffix == s) return family_type_;
  }
  return MetricType::kUnknown;
}

absl::Status Parser::ParseLabels(Labels* out) const {
  std::vector<Label> v;
  v.reserve(labels_.size() + 1);
  v.push_back({std::string(kMetricName), std::string(MetricName())});
  for (const LabelSpan& s : labels_) {
    Label l;
    if (s.name_escaped) UnescapeInto(s.name, &l.name); else l.name.assign(s.name);
    if (s.value_escaped) UnescapeInto(s.value, &l.value); else l.value.assign(s.value);
    v.push_back(std::move(l));
  }
  std::sort(v.begin(), v.end(),
            [](const Label& a, const Label& b) { return a.name < b.name; });
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i].name == v[i - 1].name) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_, ": label name \"",
                                                     v[i].name, "\" is not unique"));
    }
  }
  v.erase(std::remove_if(v.begin(), v.end(), [](const Label& l) { return l.value.empty(); }),
          v.end());
  *out = Labels::FromSorted(std::move(v));
  return absl::OkStatus();
}

std::optional<Exemplar> Parser::GetExemplar() const {
  if (exemplar_raw_.empty()) return std::nullopt;
  // Re-parse the span validated in Next(); cannot fail.
  Parser sub(exemplar_raw_, Format::kOpenMetrics);
  const char* p = sub.pos_;
  std::vector<LabelSpan> spans;
  if (!sub.ParseLabelSet(p, &spans, false)) return std::nullopt;
  Exemplar ex;
  std::vector<Label> v;
  for (const LabelSpan& s : spans) {
    Label l;
    if (s.name_escaped) UnescapeInto(s.name, &l.name); else l.name.assign(s.name);
    if (s.value_escaped) UnescapeInto(s.value, &l.value); else l.value.assign(s.value);
    v.push_back(std::move(l));
  }
  ex.labels = Labels::FromUnsorted(std::move(v));
  ++p;
  const char* e = sub.end_;
  const char* xb = p;
  while (p < e && *p != ' ') ++p;
  ParseFloat(std::string_view(xb, p - xb), &ex.value);
  if (p < e) {
    ++p;
    int64_t ts;
    if (ParseTimestampSeconds(std::string_view(p, e - p), &ts)) ex.timestamp_ms = ts;
  }
  return ex;
}

absl::StatusOr<std::vector<MetricMetadata>> CollectMetadata(std::string_view body, Format format) {
  Parser p(body, format);
  std::vector<MetricMetadata> out;
  absl::flat_hash_map<std::string, size_t> index;
  for (;;) {
    absl::StatusOr<Entry> e = p.Next();
    if (!e.ok()) return e.status();
    if (*e == Entry::kEOF) break;
    if (*e != Entry::kType && *e != Entry::kHelp && *e != Entry::kUnit) continue;
    std::string name(p.FamilyName());
    auto [it, inserted] = index.try_emplace(name, out.size());
    if (inserted) out.push_back(MetricMetadata{name, MetricType::kUnknown, "", ""});
    MetricMetadata& m = out[it->second];
    if (*e == Entry::kType) m.type = p.Type();
    if (*e == Entry::kHelp) m.help = p.Help();
    if (*e == Entry::kUnit) m.unit = std::string(p.Unit());
  }
  return out;
}

}  // namespace promlet::model
