#include "model/histogram/test_notation.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace promlet::model::histogram {
namespace {

bool IsAlpha(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Go's %q of a string (the texts here are ASCII in practice).
std::string Quote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Go's %q of a rune.
std::string QuoteRune(char c) {
  if (c == '\'') return "'\\''";
  if (c == '\n') return "'\\n'";
  if (c == '\t') return "'\\t'";
  return std::string("'") + c + "'";
}

class Parser {
 public:
  Parser(absl::string_view text, size_t pos, size_t column_offset)
      : s_(text), i_(pos), column_offset_(column_offset) {}

  size_t pos() const { return i_; }

  absl::Status Error(size_t at, absl::string_view msg) const {
    return absl::InvalidArgumentError(
        absl::StrCat("1:", column_offset_ + at + 1, ": parse error: ", msg));
  }
  char Peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  bool AtEnd() const { return i_ >= s_.size(); }
  void SkipSpaces() {
    while (!AtEnd() && IsSpace(s_[i_])) ++i_;
  }
  // Prometheus' generated parser's complaint about the item at i_: `unexpected " " in series
  // values` (its error recovery attributes every slip inside a series to the values).
  absl::Status UnexpectedHere() const {
    if (AtEnd()) return Error(i_, "unexpected end of input in series values");
    if (s_.substr(i_, 2) == "}}") return Error(i_, "unexpected \"}}\" in series values");
    return Error(i_, absl::StrCat("unexpected ", Quote(s_.substr(i_, 1)), " in series values"));
  }

  // Scans a number as Prometheus' lexer does in series descriptions (no hexadecimal) and
  // returns its text; empty when there is none.
  absl::StatusOr<std::string> ScanNumberText() {
    const size_t start = i_;
    if (IsAlpha(Peek())) {  // Inf, NaN
      size_t j = i_;
      while (j < s_.size() && IsAlpha(s_[j])) ++j;
      std::string word = absl::AsciiStrToLower(s_.substr(i_, j - i_));
      if (word == "inf" || word == "nan") {
        i_ = j;
        return std::string(s_.substr(start, j - start));
      }
      return Error(start,
                   absl::StrCat("bad histogram descriptor found: ", Quote(s_.substr(i_, j - i_))));
    }
    auto bad = [&]() {
      return Error(start, absl::StrCat("bad number syntax: ", Quote(s_.substr(start, i_ - start))));
    };
    if (Peek() == '.') ++i_;
    if (IsDigit(Peek())) ++i_;
    bool dot = false, exp = false;
    for (;;) {
      const char c = Peek();
      if (c == '.') {
        if (dot) {
          ++i_;
          return bad();
        }
        ++i_;
        dot = true;
        if (Peek() == '_' || Peek() == '.') {
          ++i_;
          return bad();
        }
        continue;
      }
      if (c == 'e' || c == 'E') {
        if (exp) {
          ++i_;
          return bad();
        }
        ++i_;
        exp = true;
        if (Peek() == '+' || Peek() == '-') ++i_;
        const char n = Peek();
        if (n == '.' || n == '_' || n == 'e' || n == 'E' || AtEnd()) {
          if (!AtEnd()) ++i_;
          return bad();
        }
        continue;
      }
      if (c == '_') {
        ++i_;
        const char n = Peek();
        if (n == '.' || n == '_' || n == 'e' || n == 'E' || AtEnd()) {
          if (!AtEnd()) ++i_;
          return bad();
        }
        continue;
      }
      if (IsDigit(c)) {
        while (IsDigit(Peek())) ++i_;
        continue;
      }
      break;
    }
    if (i_ == start) return std::string();
    const char n = Peek();
    if (n != 'x' && (IsAlpha(n) || IsDigit(n))) {
      ++i_;
      return bad();
    }
    return std::string(s_.substr(start, i_ - start));
  }

  // Prometheus' parser.number: strconv.ParseInt(text, 0, 64), else ParseFloat.
  static std::optional<double> NumberValue(std::string text) {
    std::string lower = absl::AsciiStrToLower(text);
    if (lower == "inf" || lower == "+inf") return std::numeric_limits<double>::infinity();
    if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
    std::string digits;
    for (char c : text) {
      if (c != '_') digits.push_back(c);
    }
    const bool integer = digits.find_first_of(".eE") == std::string::npos;
    if (integer && !digits.empty()) {
      int base = 10;
      std::string body = digits;
      if (body.size() > 1 && body[0] == '0') {
        if (body[1] == 'o' || body[1] == 'O') {
          base = 8, body = body.substr(2);
        } else if (body[1] == 'b' || body[1] == 'B') {
          base = 2, body = body.substr(2);
        } else {
          base = 8, body = body.substr(1);  // Go's base-0 rule: a leading 0 is octal
        }
      }
      errno = 0;
      char* end = nullptr;
      const long long v = std::strtoll(body.c_str(), &end, base);
      if (errno == 0 && end != nullptr && *end == '\0' && !body.empty()) {
        return static_cast<double>(v);
      }
    }
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(digits.c_str(), &end);
    if (digits.empty() || *end != '\0') return std::nullopt;
    return v;
  }

  // signed_or_unsigned_number (allow_sign) or number.
  absl::StatusOr<double> Number(bool allow_sign) {
    const size_t start = i_;
    bool negative = false;
    if (allow_sign && Peek() == '-') {
      negative = true;
      ++i_;
    }
    absl::StatusOr<std::string> text = ScanNumberText();
    if (!text.ok()) return text.status();
    if (text->empty()) return UnexpectedHere();
    std::optional<double> v = NumberValue(*text);
    if (!v) {
      return Error(start, absl::StrCat("error parsing number: strconv.ParseFloat: parsing ",
                                       Quote(*text), ": invalid syntax"));
    }
    return negative ? -*v : *v;
  }

  // uint (strconv.ParseUint base 10) and int (an optional '-').
  absl::StatusOr<uint64_t> Uint() {
    const size_t start = i_;
    absl::StatusOr<std::string> text = ScanNumberText();
    if (!text.ok()) return text.status();
    if (text->empty()) return UnexpectedHere();
    errno = 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text->c_str(), &end, 10);
    if (!IsDigit((*text)[0]) || *end != '\0' || errno != 0) {
      return Error(start, absl::StrCat("invalid repetition in series values: strconv.ParseUint: "
                                       "parsing ",
                                       Quote(*text),
                                       errno != 0 ? ": value out of range" : ": invalid syntax"));
    }
    return static_cast<uint64_t>(v);
  }
  absl::StatusOr<int64_t> Int() {
    bool negative = false;
    if (Peek() == '-') {
      negative = true;
      ++i_;
    }
    absl::StatusOr<uint64_t> v = Uint();
    if (!v.ok()) return v.status();
    return negative ? -static_cast<int64_t>(*v) : static_cast<int64_t>(*v);
  }

  // bucket_set: "[" number (" " number)* [" "] "]".
  absl::StatusOr<std::vector<double>> BucketSet() {
    if (Peek() != '[') return UnexpectedHere();
    ++i_;
    std::vector<double> out;
    for (;;) {
      if (AtEnd()) return UnexpectedHere();
      const char c = Peek();
      if (c == ']' && !out.empty()) {
        ++i_;
        return out;
      }
      if (IsSpace(c)) return UnexpectedHere();
      if (!IsDigit(c) && c != '-' && c != '.' && !IsAlpha(c)) {
        return Error(i_, absl::StrCat("invalid character in buckets description: ", QuoteRune(c)));
      }
      absl::StatusOr<double> v = Number(true);
      if (!v.ok()) return v.status();
      out.push_back(*v);
      if (IsSpace(Peek())) {
        SkipSpaces();
      } else if (Peek() != ']') {
        if (AtEnd()) return UnexpectedHere();
        return Error(i_,
                     absl::StrCat("invalid character in buckets description: ", QuoteRune(Peek())));
      }
    }
  }

  // "{{" [desc (" " desc)*] [" "] "}}" -> a histogram (Prometheus' buildHistogramFromMap).
  absl::StatusOr<HistogramSeriesValue> Descriptor() {
    if (s_.substr(i_, 2) != "{{") {
      return UnexpectedHere();
    }
    i_ += 2;
    HistogramSeriesValue out;
    FloatHistogram& h = out.histogram;
    std::set<std::string> seen;
    std::optional<std::vector<double>> buckets, n_buckets;
    int64_t offset = 0, n_offset = 0;
    if (IsSpace(Peek())) {
      // Only "{{ }}" may have a space after "{{"; the grammar names a key found there by its
      // token number (SUM_DESC is 57370, the others follow in lex.go's order).
      SkipSpaces();
      if (s_.substr(i_, 2) != "}}") {
        static const char* const kTokenOrder[] = {
            "sum",       "count",    "schema",     "offset",        "n_offset",          "buckets",
            "n_buckets", "z_bucket", "z_bucket_w", "custom_values", "counter_reset_hint"};
        size_t j = i_;
        while (j < s_.size() && IsAlpha(s_[j])) ++j;
        const std::string word = absl::AsciiStrToLower(s_.substr(i_, j - i_));
        for (int k = 0; k < 11; ++k) {
          if (word == kTokenOrder[k]) {
            return Error(i_, absl::StrCat("unexpected \"<Item ", 57370 + k, ">\" ",
                                          Quote(s_.substr(i_, j - i_)), " in series values"));
          }
        }
        return UnexpectedHere();
      }
    }
    while (s_.substr(i_, 2) != "}}") {
      if (AtEnd()) return UnexpectedHere();
      const size_t key_start = i_;
      if (!IsAlpha(Peek())) {
        return Error(
            i_, absl::StrCat("histogram description incomplete unexpected: ", QuoteRune(Peek())));
      }
      while (IsAlpha(Peek())) ++i_;
      const std::string key = absl::AsciiStrToLower(s_.substr(key_start, i_ - key_start));
      static const std::set<std::string> kKeys = {
          "sum",       "count",    "schema",     "offset",        "n_offset",          "buckets",
          "n_buckets", "z_bucket", "z_bucket_w", "custom_values", "counter_reset_hint"};
      if (!kKeys.contains(key)) {
        return Error(key_start, absl::StrCat("bad histogram descriptor found: ",
                                             Quote(s_.substr(key_start, i_ - key_start))));
      }
      if (Peek() != ':') return Error(key_start, "missing `:` for histogram descriptor");
      ++i_;
      if (!seen.insert(key).second) {
        // Prometheus reports this one without a position, as column 1.
        return absl::InvalidArgumentError(
            absl::StrCat("1:1: parse error: duplicate key \"", key, "\" in histogram"));
      }
      absl::Status st;
      auto number_into = [&](double* field, bool allow_sign) {
        absl::StatusOr<double> v = Number(allow_sign);
        if (!v.ok()) return v.status();
        *field = *v;
        return absl::OkStatus();
      };
      auto int_into = [&](int64_t* field) {
        absl::StatusOr<int64_t> v = Int();
        if (!v.ok()) return v.status();
        *field = *v;
        return absl::OkStatus();
      };
      auto set_into = [&](std::optional<std::vector<double>>* field) {
        absl::StatusOr<std::vector<double>> v = BucketSet();
        if (!v.ok()) return v.status();
        *field = *std::move(v);
        return absl::OkStatus();
      };
      if (key == "schema") {
        int64_t schema = 0;
        st = int_into(&schema);
        h.schema = static_cast<int32_t>(schema);
      } else if (key == "sum") {
        st = number_into(&h.sum, true);
      } else if (key == "count") {
        st = number_into(&h.count, true);
      } else if (key == "z_bucket") {
        st = number_into(&h.zero_count, true);
      } else if (key == "z_bucket_w") {
        st = number_into(&h.zero_threshold, false);
      } else if (key == "custom_values") {
        std::optional<std::vector<double>> cv;
        st = set_into(&cv);
        if (st.ok()) h.custom_values = MakeCustomValues(*std::move(cv));
      } else if (key == "buckets") {
        st = set_into(&buckets);
      } else if (key == "n_buckets") {
        st = set_into(&n_buckets);
      } else if (key == "offset") {
        st = int_into(&offset);
      } else if (key == "n_offset") {
        st = int_into(&n_offset);
      } else {  // counter_reset_hint
        const size_t word_start = i_;
        while (IsAlpha(Peek())) ++i_;
        const std::string word = absl::AsciiStrToLower(s_.substr(word_start, i_ - word_start));
        if (word == "unknown") {
          h.counter_reset_hint = CounterResetHint::kUnknown;
        } else if (word == "reset") {
          h.counter_reset_hint = CounterResetHint::kReset;
        } else if (word == "not_reset") {
          h.counter_reset_hint = CounterResetHint::kNotReset;
        } else if (word == "gauge") {
          h.counter_reset_hint = CounterResetHint::kGauge;
        } else {
          return Error(word_start, absl::StrCat("bad histogram descriptor found: ",
                                                Quote(s_.substr(word_start, i_ - word_start))));
        }
        out.counter_reset_hint_set = true;
      }
      if (!st.ok()) return st;
      if (IsSpace(Peek())) {
        SkipSpaces();
      } else if (s_.substr(i_, 2) != "}}") {
        return UnexpectedHere();
      }
    }
    i_ += 2;
    if (buckets) {
      h.positive_buckets = *buckets;
      h.positive_spans = {
          Span{static_cast<int32_t>(offset), static_cast<uint32_t>(buckets->size())}};
    }
    if (n_buckets) {
      h.negative_buckets = *n_buckets;
      h.negative_spans = {
          Span{static_cast<int32_t>(n_offset), static_cast<uint32_t>(n_buckets->size())}};
    }
    return out;
  }

  // "x" uint after a histogram.
  absl::StatusOr<uint64_t> Times() {
    if (Peek() != 'x') return UnexpectedHere();
    ++i_;
    const size_t start = i_;
    times_at_ = start;
    absl::StatusOr<uint64_t> n = Uint();
    if (!n.ok()) return n.status();
    if (*n > kMaxHistogramRepeat) {
      return Error(start, absl::StrCat("repetition ", *n, " exceeds the limit of ",
                                       kMaxHistogramRepeat, " values per item"));
    }
    return n;
  }

  size_t times_at() const { return times_at_; }

 private:
  absl::string_view s_;
  size_t i_;
  size_t times_at_ = 0;  // where the last repetition count starts
  size_t column_offset_;
};

}  // namespace

absl::Status ParseHistogramSeriesItem(absl::string_view text, size_t* pos, size_t column_offset,
                                      std::vector<HistogramSeriesValue>* out) {
  Parser p(text, *pos, column_offset);
  absl::StatusOr<HistogramSeriesValue> base = p.Descriptor();
  if (!base.ok()) return base.status();
  const char next = p.Peek();
  if (next == 'x') {
    absl::StatusOr<uint64_t> n = p.Times();
    if (!n.ok()) return n.status();
    out->insert(out->end(), *n + 1, *base);  // the extra value is for time 0
  } else if (next == '+' || next == '-') {
    const size_t op_at = p.pos();
    Parser rest(text, op_at + 1, column_offset);
    absl::StatusOr<HistogramSeriesValue> inc = rest.Descriptor();
    if (!inc.ok()) return inc.status();
    absl::StatusOr<uint64_t> n = rest.Times();
    if (!n.ok()) return n.status();
    // Prometheus' histogramsSeries: base, base±inc, base±2inc, ..., with inc's hint flag.
    const bool hint_set = inc->counter_reset_hint_set;
    out->push_back({base->histogram, hint_set});
    FloatHistogram cur = base->histogram;
    for (uint64_t k = 1; k <= *n; ++k) {
      if (cur.schema > inc->histogram.schema) {
        return rest.Error(rest.times_at(),
                          absl::StrCat("error combining histograms: cannot merge from schema ",
                                       inc->histogram.schema, " to ", cur.schema));
      }
      FloatHistogram next_value = cur.Copy();
      absl::StatusOr<ArithResult> r =
          next == '+' ? next_value.Add(inc->histogram) : next_value.Sub(inc->histogram);
      if (!r.ok()) return rest.Error(rest.times_at(), r.status().message());
      cur = std::move(next_value);
      out->push_back({cur, hint_set});
    }
    *pos = rest.pos();
    if (*pos < text.size() && !IsSpace(text[*pos])) return rest.UnexpectedHere();
    return absl::OkStatus();
  } else {
    out->push_back(*std::move(base));
  }
  *pos = p.pos();
  if (*pos < text.size() && !IsSpace(text[*pos])) return p.UnexpectedHere();
  return absl::OkStatus();
}

absl::StatusOr<HistogramSeriesValue> ParseHistogramDescriptor(absl::string_view text) {
  Parser p(text, 0, 0);
  p.SkipSpaces();
  absl::StatusOr<HistogramSeriesValue> h = p.Descriptor();
  if (!h.ok()) return h.status();
  p.SkipSpaces();
  if (!p.AtEnd()) return p.UnexpectedHere();
  return h;
}

}  // namespace promlet::model::histogram
