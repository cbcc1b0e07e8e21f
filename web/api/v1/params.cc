#include "web/api/v1/params.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/duration.h"
#include "promql/parser/parser.h"

namespace promlet::web {

namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Go's strconv.ParseFloat accepts what strtod accepts minus locale quirks; we reject leading or
// trailing spaces as Go does.
bool ParseGoFloat(std::string_view s, double* out) {
  if (s.empty() || absl::ascii_isspace(static_cast<unsigned char>(s.front())) ||
      absl::ascii_isspace(static_cast<unsigned char>(s.back()))) {
    return false;
  }
  std::string buf(s);
  // strtod takes hex floats without exponent and "infinity"/"nan(...)"; Go also takes "inf",
  // "infinity", "nan" case-insensitively. Close enough: reject "nan(" payloads.
  if (buf.find('(') != std::string::npos) return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return false;
  if (errno == ERANGE && std::isinf(v)) return false;  // Go: "value out of range"
  *out = v;
  return true;
}

}  // namespace

absl::StatusOr<int64_t> ParseTime(std::string_view s) {
  double f = 0;
  if (ParseGoFloat(s, &f)) {
    double secs = 0;
    double frac = std::modf(f, &secs);
    frac = std::round(frac * 1000) / 1000;
    // time.Unix then .UnixMilli saturates in Go only by wrapping; clamp to the API's range.
    double ms = secs * 1000 + std::round(frac * 1000);
    if (std::isnan(ms) || ms < static_cast<double>(kMinTimeMs) ||
        ms > static_cast<double>(kMaxTimeMs)) {
      if (!std::isnan(ms)) return ms < 0 ? kMinTimeMs : kMaxTimeMs;
    } else {
      return static_cast<int64_t>(ms);
    }
  }
  // Prometheus' MinTime/MaxTime as formatted by Go (clients send them back verbatim).
  if (s == "-292273086-05-16T16:47:06Z") return kMinTimeMs;
  if (s == "292277025-08-18T07:12:54.999999999Z") return kMaxTimeMs;
  absl::Time t;
  std::string err;
  if (!s.empty() && absl::ascii_isdigit(static_cast<unsigned char>(s[0])) &&
      absl::ParseTime(absl::RFC3339_full, AV(s), &t, &err)) {
    return absl::ToUnixMillis(t);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("cannot parse \"", std::string(s), "\" to a valid timestamp"));
}

absl::StatusOr<int64_t> ParseDurationParam(std::string_view s) {
  double f = 0;
  if (ParseGoFloat(s, &f)) {
    double ns = f * 1e9;
    if (std::isnan(ns) || ns > 9.2233720368547758e18 || ns < -9.2233720368547758e18) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot parse \"", std::string(s), "\" to a valid duration. It overflows int64"));
    }
    // time.Duration truncates to ns; we keep ms.
    return static_cast<int64_t>(ns) / 1000000;
  }
  if (auto d = common::ParseDuration(s); d.ok()) return *d;
  return absl::InvalidArgumentError(
      absl::StrCat("cannot parse \"", std::string(s), "\" to a valid duration"));
}

bool FormUnescape(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = absl::ascii_isxdigit(static_cast<unsigned char>(in[i + 1]))
                   ? (absl::ascii_isdigit(static_cast<unsigned char>(in[i + 1]))
                          ? in[i + 1] - '0'
                          : (absl::ascii_tolower(static_cast<unsigned char>(in[i + 1])) - 'a' + 10))
                   : -1;
      int lo = absl::ascii_isxdigit(static_cast<unsigned char>(in[i + 2]))
                   ? (absl::ascii_isdigit(static_cast<unsigned char>(in[i + 2]))
                          ? in[i + 2] - '0'
                          : (absl::ascii_tolower(static_cast<unsigned char>(in[i + 2])) - 'a' + 10))
                   : -1;
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  return true;
}

absl::Status Form::Add(std::string_view encoded) {
  for (absl::string_view part : absl::StrSplit(AV(encoded), absl::ByAnyChar("&"))) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string key, value;
    std::string_view k(part.data(), eq == absl::string_view::npos ? part.size() : eq);
    std::string_view v = eq == absl::string_view::npos
                             ? std::string_view()
                             : std::string_view(part.data() + eq + 1, part.size() - eq - 1);
    if (!FormUnescape(k, &key) || !FormUnescape(v, &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("error parsing form: invalid URL escape in \"", part, "\""));
    }
    pairs_.emplace_back(std::move(key), std::move(value));
  }
  return absl::OkStatus();
}

absl::StatusOr<Form> Form::Parse(std::string_view query, std::string_view body,
                                 std::string_view content_type) {
  Form f;
  // Go's ParseForm puts body values first, then URL values; FormValue returns the first.
  absl::string_view ct = AV(content_type);
  if (!body.empty() && absl::StartsWithIgnoreCase(ct, "application/x-www-form-urlencoded")) {
    if (auto st = f.Add(body); !st.ok()) return st;
  }
  if (auto st = f.Add(query); !st.ok()) return st;
  return f;
}

std::string_view Form::Get(std::string_view name) const {
  for (const auto& [k, v] : pairs_) {
    if (k == name) return v;
  }
  return {};
}

bool Form::Has(std::string_view name) const {
  for (const auto& [k, v] : pairs_) {
    if (k == name) return true;
  }
  return false;
}

std::vector<std::string_view> Form::All(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : pairs_) {
    if (k == name) out.push_back(v);
  }
  return out;
}

absl::Status InvalidParam(std::string_view name, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid parameter \"", AV(name), "\": ", message));
}

absl::StatusOr<int64_t> TimeParam(const Form& form, std::string_view name, int64_t default_ms) {
  std::string_view v = form.Get(name);
  if (v.empty()) return default_ms;
  absl::StatusOr<int64_t> t = ParseTime(v);
  if (!t.ok()) return InvalidParam(name, t.status().message());
  return *t;
}

absl::StatusOr<TimeRange> StartEndParams(const Form& form) {
  absl::StatusOr<int64_t> start = TimeParam(form, "start", kMinTimeMs);
  if (!start.ok()) return start.status();
  absl::StatusOr<int64_t> end = TimeParam(form, "end", kMaxTimeMs);
  if (!end.ok()) return end.status();
  return TimeRange{*start, *end};
}

absl::StatusOr<int> LimitParam(const Form& form) {
  std::string_view s = form.Get("limit");
  if (s.empty()) return 0;
  int v = 0;
  if (!absl::SimpleAtoi(AV(s), &v)) {
    return InvalidParam("limit", absl::StrCat("strconv.Atoi: parsing \"", AV(s),
                                              "\": invalid syntax"));
  }
  if (v < 0) return InvalidParam("limit", "limit must be non-negative");
  return v;
}

absl::StatusOr<std::vector<std::vector<model::Matcher>>> ParseMatcherSets(
    const std::vector<std::string_view>& selectors) {
  std::vector<std::vector<model::Matcher>> sets;
  for (std::string_view s : selectors) {
    auto ms = promql::ParseMetricSelector(s);
    if (!ms.ok()) return absl::InvalidArgumentError(ms.status().message());
    bool all_empty = true;
    for (const auto& m : *ms) {
      if (!m.MatchesEmpty()) all_empty = false;
    }
    if (all_empty) {
      return absl::InvalidArgumentError("match[] must contain at least one non-empty matcher");
    }
    sets.push_back(std::move(*ms));
  }
  return sets;
}

absl::StatusOr<std::vector<std::vector<model::Matcher>>> MatchParams(const Form& form) {
  auto sets = ParseMatcherSets(form.All("match[]"));
  if (!sets.ok()) return InvalidParam("match[]", sets.status().message());
  return sets;
}

}  // namespace promlet::web
