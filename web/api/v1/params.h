// Parsing of the API's request parameters, with Prometheus' rules and error texts.
//
//  - Times: unix seconds as a float (rounded to milliseconds) or RFC3339 (with fraction and
//    offset), as Prometheus' parseTime.
//  - Durations: float seconds or a Prometheus duration ("1h30m", "15d", "0"), as parseDuration
//    (the duration syntax itself is common::ParseDuration's).
//  - Forms: the URL query string merged with an application/x-www-form-urlencoded body
//    (body values after URL values, as Go's Request.Form).
//  - Named parameters of a form (TimeParam, StartEndParams, LimitParam, MatchParams): one parser
//    each, used by every handler that takes them.
// Every error is InvalidArgument. ParseTime's and ParseDurationParam's message is what
// Prometheus puts after `invalid parameter "<name>": `; the form-level parsers return the whole
// message, prefix included (InvalidParam).
#ifndef PROMLET_WEB_API_V1_PARAMS_H_
#define PROMLET_WEB_API_V1_PARAMS_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/matcher.h"

namespace promlet::web {

// Prometheus' MinTime/MaxTime (math.MinInt64/4 .. MaxInt64/4 ms, ~ ±292 million years).
inline constexpr int64_t kMinTimeMs = std::numeric_limits<int64_t>::min() / 4;
inline constexpr int64_t kMaxTimeMs = std::numeric_limits<int64_t>::max() / 4;

// parseTime: ms since the epoch.
absl::StatusOr<int64_t> ParseTime(std::string_view s);
// parseDuration: ms.
absl::StatusOr<int64_t> ParseDurationParam(std::string_view s);

// Percent-decoding of one form component ('+' is a space). False on a bad escape.
bool FormUnescape(std::string_view in, std::string* out);

class Form {
 public:
  // Parses the query string and, for a form-encoded POST/PUT body, the body too.
  static absl::StatusOr<Form> Parse(std::string_view query, std::string_view body,
                                    std::string_view content_type);
  // First value of `name`, or "" (Go's FormValue).
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  // Every value of `name`, in order (for match[]).
  std::vector<std::string_view> All(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

 private:
  absl::Status Add(std::string_view encoded);
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// The InvalidArgument status of a bad parameter: `invalid parameter "<name>": <message>`.
absl::Status InvalidParam(std::string_view name, absl::string_view message);

// The time parameter `name`; `default_ms` when absent or empty.
absl::StatusOr<int64_t> TimeParam(const Form& form, std::string_view name, int64_t default_ms);

// "start" and "end", kMinTimeMs and kMaxTimeMs when absent.
struct TimeRange {
  int64_t start;
  int64_t end;
};
absl::StatusOr<TimeRange> StartEndParams(const Form& form);

// "limit": a non-negative integer; 0 (no limit) when absent or empty.
absl::StatusOr<int> LimitParam(const Form& form);

// Every match[] selector; each needs a matcher that does not match the empty string. Errors
// are InvalidParam("match[]", ...).
absl::StatusOr<std::vector<std::vector<model::Matcher>>> MatchParams(const Form& form);
// The same parse of selectors with the bare error text (Prometheus' parseMatchersParam, which
// /api/v1/rules reports as plain bad_data).
absl::StatusOr<std::vector<std::vector<model::Matcher>>> ParseMatcherSets(
    const std::vector<std::string_view>& selectors);

}  // namespace promlet::web

#endif  // PROMLET_WEB_API_V1_PARAMS_H_
