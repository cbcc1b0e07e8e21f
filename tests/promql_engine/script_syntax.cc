#include "tests/promql_engine/script_syntax.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/duration.h"
#include "common/utf8.h"
#include "model/value.h"
#include "model/histogram/buckets.h"
#include "model/histogram/test_notation.h"

namespace promlet::promql::testing {

using model::Labels;

std::string Trim(std::string_view s) {
  return std::string(absl::StripAsciiWhitespace(absl::string_view(s.data(), s.size())));
}


// FORMAT.md §6.5.
bool AlmostEqual(double a, double b) {
  if (model::IsStaleNaN(a) || model::IsStaleNaN(b)) return model::IsStaleNaN(a) && model::IsStaleNaN(b);
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  const double diff = std::fabs(a - b);
  const double abs_sum = std::fabs(a) + std::fabs(b);
  constexpr double kMinNormal = 2.2250738585072014e-308;
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < 1e-6 * kMinNormal;
  return diff / std::min(abs_sum, DBL_MAX) < 1e-6;
}

std::string FormatValue(double v) {
  if (model::IsStaleNaN(v)) return "stale";
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

// Script durations (§2).
std::optional<int64_t> ParseScriptDuration(std::string_view s) {
  auto r = common::ParseDuration(s);
  if (!r.ok()) return std::nullopt;
  return *r;
}

// §3.3: integer with automatic base, then float.
std::optional<double> ParseNumber(std::string_view s, bool allow_hex) {
  std::string str(s);
  if (str.empty()) return std::nullopt;
  std::string digits;
  for (char c : str) {
    if (c != '_') digits.push_back(c);
  }
  {
    const char* p = digits.c_str();
    bool hex = digits.find("0x") != std::string::npos || digits.find("0X") != std::string::npos;
    if (allow_hex || !hex) {
      char* end = nullptr;
      errno = 0;
      long long v = std::strtoll(p, &end, 0);
      if (end != p && *end == '\0' && errno == 0) return static_cast<double>(v);
    }
  }
  // Floats: no hex floats, no "infinity" spelled differently is fine.
  if (str.find("0x") != std::string::npos || str.find("0X") != std::string::npos) {
    return std::nullopt;
  }
  char* end = nullptr;
  double v = std::strtod(str.c_str(), &end);
  if (end == str.c_str() || *end != '\0') return std::nullopt;
  return v;
}

// Go string literal unescaping for "..." and '...'; `raw` as is.
bool ParseString(std::string_view s, size_t* i, std::string* out) {
  if (*i >= s.size()) return false;
  const char q = s[*i];
  if (q != '"' && q != '\'' && q != '`') return false;
  ++*i;
  out->clear();
  while (*i < s.size()) {
    char c = s[*i];
    if (c == q) {
      ++*i;
      return true;
    }
    if (c == '\\' && q != '`') {
      ++*i;
      if (*i >= s.size()) return false;
      char e = s[*i];
      ++*i;
      switch (e) {
        case 'a': out->push_back('\a'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'v': out->push_back('\v'); break;
        case '\\': out->push_back('\\'); break;
        case '\'': out->push_back('\''); break;
        case '"': out->push_back('"'); break;
        case 'x': {
          if (*i + 2 > s.size()) return false;
          out->push_back(static_cast<char>(std::stoi(std::string(s.substr(*i, 2)), nullptr, 16)));
          *i += 2;
          break;
        }
        case 'u':
        case 'U': {
          const size_t n = e == 'u' ? 4 : 8;
          if (*i + n > s.size()) return false;
          uint32_t cp = static_cast<uint32_t>(std::stoul(std::string(s.substr(*i, n)), nullptr, 16));
          *i += n;
          common::AppendRune(out, cp);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            if (*i + 2 > s.size()) return false;
            out->push_back(static_cast<char>(std::stoi(std::string(s.substr(*i - 1, 3)), nullptr, 8)));
            *i += 2;
          } else {
            return false;
          }
      }
      continue;
    }
    out->push_back(c);
    ++*i;
  }
  return false;
}

namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

void SkipSpaces(std::string_view s, size_t* i) {
  while (*i < s.size() && (s[*i] == ' ' || s[*i] == '\t')) ++*i;
}

}  // namespace

// Parses the metric part of a series line; *i ends after it.
absl::StatusOr<Labels> ParseMetric(std::string_view s, size_t* i) {
  std::vector<model::Label> pairs;
  if (*i < s.size() && IsNameStart(s[*i])) {
    size_t j = *i;
    while (j < s.size() && IsNameChar(s[j])) ++j;
    pairs.push_back({std::string(s.substr(*i, j - *i)), ""});
    pairs.back() = {"__name__", std::string(s.substr(*i, j - *i))};
    *i = j;
  }
  if (*i < s.size() && s[*i] == '{') {
    ++*i;
    while (true) {
      SkipSpaces(s, i);
      if (*i >= s.size()) return absl::InvalidArgumentError("unterminated label set");
      if (s[*i] == '}') {
        ++*i;
        break;
      }
      std::string name, value;
      if (s[*i] == '"' || s[*i] == '\'' || s[*i] == '`') {
        if (!ParseString(s, i, &name)) return absl::InvalidArgumentError("bad string");
      } else {
        size_t j = *i;
        while (j < s.size() && IsNameChar(s[j])) ++j;
        if (j == *i) return absl::InvalidArgumentError(absl::StrCat("bad label at ", *i));
        name = std::string(s.substr(*i, j - *i));
        *i = j;
      }
      SkipSpaces(s, i);
      if (*i < s.size() && s[*i] == '=') {
        ++*i;
        SkipSpaces(s, i);
        if (!ParseString(s, i, &value)) return absl::InvalidArgumentError("bad label value");
        pairs.push_back({name, value});
      } else {
        pairs.push_back({"__name__", name});  // a lone string is the metric name
      }
      SkipSpaces(s, i);
      if (*i < s.size() && s[*i] == ',') ++*i;
    }
  } else if (pairs.empty()) {
    return absl::InvalidArgumentError("no metric");
  }
  return Labels::FromUnsorted(std::move(pairs));
}

// Value sequence (§3.2). Histogram items produce histogram slots (not loaded here).
absl::StatusOr<std::vector<Slot>> ParseValues(std::string_view s) {
  std::vector<Slot> out;
  // Tokenize: whitespace separated, but {{ ... }} stays together.
  std::vector<std::string> items;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) break;
    size_t j = i;
    std::string item;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) {
      if (s.substr(j, 2) == "{{") {
        size_t close = s.find("}}", j);
        if (close == std::string_view::npos) return absl::InvalidArgumentError("unterminated {{");
        item += std::string(s.substr(j, close + 2 - j));
        j = close + 2;
      } else {
        item.push_back(s[j++]);
      }
    }
    items.push_back(item);
    i = j;
  }
  for (const std::string& it : items) {
    if (it.rfind("{{", 0) == 0) {
      std::vector<model::histogram::HistogramSeriesValue> hs;
      size_t pos = 0;
      if (absl::Status st = model::histogram::ParseHistogramSeriesItem(it, &pos, 0, &hs);
          !st.ok()) {
        return st;
      }
      for (auto& h : hs) {
        Slot slot{true, true, 0};
        slot.h = std::make_shared<const model::histogram::FloatHistogram>(std::move(h.histogram));
        slot.counter_reset_hint_set = h.counter_reset_hint_set;
        out.push_back(std::move(slot));
      }
      continue;
    }
    if (it == "_") {
      out.push_back({});
      continue;
    }
    if (it.rfind("_x", 0) == 0) {
      size_t n = std::stoul(it.substr(2));
      for (size_t k = 0; k < n; ++k) out.push_back({});
      continue;
    }
    if (it == "stale") {
      out.push_back({true, false, model::StaleNaN()});
      continue;
    }
    // V, VxN, V+DxN, V-DxN.
    std::string base = it;
    std::optional<size_t> times;
    size_t xpos = it.rfind('x');
    if (xpos != std::string::npos && xpos + 1 < it.size() &&
        std::all_of(it.begin() + xpos + 1, it.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      base = it.substr(0, xpos);
      times = std::stoul(it.substr(xpos + 1));
    }
    if (!times) {
      auto v = ParseNumber(base, false);
      if (!v) return absl::InvalidArgumentError(absl::StrCat("bad value \"", it, "\""));
      out.push_back({true, false, *v});
      continue;
    }
    // Split base into V and optional signed D.
    size_t split = std::string::npos;
    for (size_t k = 1; k < base.size(); ++k) {
      if ((base[k] == '+' || base[k] == '-') && base[k - 1] != 'e' && base[k - 1] != 'E') {
        split = k;
        break;
      }
    }
    double v0, d = 0;
    if (split == std::string::npos) {
      auto v = ParseNumber(base, false);
      if (!v) return absl::InvalidArgumentError(absl::StrCat("bad value \"", it, "\""));
      v0 = *v;
    } else {
      auto v = ParseNumber(base.substr(0, split), false);
      auto dd = ParseNumber(base.substr(split + 1), false);
      if (!v || !dd) return absl::InvalidArgumentError(absl::StrCat("bad value \"", it, "\""));
      v0 = *v;
      d = base[split] == '-' ? -*dd : *dd;
    }
    double cur = v0;
    for (size_t k = 0; k <= *times; ++k) {
      out.push_back({true, false, cur});
      cur += d;
    }
  }
  return out;
}

absl::StatusOr<SeriesLine> ParseSeriesLine(std::string_view line) {
  size_t i = 0;
  auto l = ParseMetric(line, &i);
  if (!l.ok()) return l.status();
  SeriesLine sl;
  sl.labels = std::move(*l);
  auto v = ParseValues(line.substr(i));
  if (!v.ok()) return v.status();
  sl.slots = std::move(*v);
  return sl;
}

namespace {

// A signed script duration at s[*i] (`-1m`, `+30s`, `0`, `59999ms`); *i ends after it.
std::optional<int64_t> ParseSignedDuration(std::string_view s, size_t* i) {
  int64_t sign = 1;
  if (*i < s.size() && (s[*i] == '-' || s[*i] == '+')) {
    if (s[*i] == '-') sign = -1;
    ++*i;
  }
  const size_t start = *i;
  while (*i < s.size() && (std::isdigit(static_cast<unsigned char>(s[*i])) ||
                           std::string_view("smhdwy").find(s[*i]) != std::string_view::npos)) {
    ++*i;
  }
  auto d = ParseScriptDuration(s.substr(start, *i - start));
  if (!d) return std::nullopt;
  return sign * *d;
}

}  // namespace

bool IsStartTimestampLine(std::string_view line) {
  size_t i = 0;
  return ParseMetric(line, &i).ok() && line.substr(i, 3) == "@st";
}

absl::StatusOr<StartTimestampLine> ParseStartTimestampLine(std::string_view line) {
  size_t i = 0;
  auto l = ParseMetric(line, &i);
  if (!l.ok()) return l.status();
  if (line.substr(i, 3) != "@st") return absl::InvalidArgumentError("not an @st line");
  StartTimestampLine out;
  out.labels = std::move(*l);
  const std::string rest(line.substr(i + 3));
  for (absl::string_view piece : absl::StrSplit(rest, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
    const std::string_view item(piece.data(), piece.size());
    auto bad = [&] {
      return absl::InvalidArgumentError(
          absl::StrCat("bad start-timestamp item \"", std::string(item), "\""));
    };
    if (item == "_") {
      out.offsets.push_back(std::nullopt);
      continue;
    }
    if (item.substr(0, 2) == "_x") {
      auto n = ParseNumber(item.substr(2), false);
      if (!n || *n < 0 || *n != std::floor(*n)) return bad();
      out.offsets.insert(out.offsets.end(), static_cast<size_t>(*n), std::nullopt);
      continue;
    }
    size_t p = 0;
    auto d = ParseSignedDuration(item, &p);
    if (!d) return bad();
    int64_t step = 0;
    if (p < item.size() && (item[p] == '+' || item[p] == '-')) {
      auto e = ParseSignedDuration(item, &p);
      if (!e) return bad();
      step = *e;
    }
    size_t times = 1;
    if (p < item.size() && item[p] == 'x') {
      auto n = ParseNumber(item.substr(p + 1), false);
      if (!n || *n < 0 || *n != std::floor(*n)) return bad();
      times = static_cast<size_t>(*n) + 1;
      p = item.size();
    } else if (step != 0) {
      return bad();  // `d+e` needs a repetition count
    }
    if (p != item.size()) return bad();
    for (size_t k = 0; k < times; ++k) out.offsets.push_back(*d + static_cast<int64_t>(k) * step);
  }
  return out;
}

}  // namespace promlet::promql::testing

namespace promlet::promql::testing {

bool HistogramsMatch(const model::histogram::FloatHistogram& want_in,
                     const model::histogram::FloatHistogram& got_in, bool compare_hint) {
  using model::histogram::SpansMatch;
  // promqltest compares both compacted.
  model::histogram::FloatHistogram want = want_in.Copy(), got = got_in.Copy();
  want.Compact(0);
  got.Compact(0);
  auto buckets_match = [](const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!AlmostEqual(a[i], b[i])) return false;
    }
    return true;
  };
  if (want.schema != got.schema || !AlmostEqual(want.count, got.count) ||
      !AlmostEqual(want.sum, got.sum)) {
    return false;
  }
  if (want.UsesCustomBuckets() &&
      !model::histogram::CustomBucketBoundsMatch(want.custom_values, got.custom_values)) {
    return false;
  }
  if (want.zero_threshold != got.zero_threshold || !AlmostEqual(want.zero_count, got.zero_count)) {
    return false;
  }
  if (!SpansMatch(want.negative_spans, got.negative_spans) ||
      !buckets_match(want.negative_buckets, got.negative_buckets) ||
      !SpansMatch(want.positive_spans, got.positive_spans) ||
      !buckets_match(want.positive_buckets, got.positive_buckets)) {
    return false;
  }
  return !compare_hint || want.counter_reset_hint == got.counter_reset_hint;
}

}  // namespace promlet::promql::testing
