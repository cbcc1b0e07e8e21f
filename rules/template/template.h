// The Go text/template engine as Prometheus uses it in alert labels, annotations and console
// templates: parse once, execute against alert data, with Prometheus' template functions.
//
// Invariants: parsing and execution never throw and never crash on any input; every failure is a
// Status whose message reads like Go's (e.g. `template: __alert_X:1: function "foo" not
// defined`). Values print as Go prints them (`{{ $value }}` of 1e6 is `1e+06`).
#ifndef PROMLET_RULES_TEMPLATE_TEMPLATE_H_
#define PROMLET_RULES_TEMPLATE_TEMPLATE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/labels.h"

namespace promlet::rules {

// One element of a `query` result: an instant-vector sample or a scalar (empty labels).
struct QuerySample {
  model::Labels labels;
  double value = 0;
};

// Runs an instant query at the alert's evaluation time; the rules module wires it to the engine.
using TemplateQueryFunc =
    std::function<absl::StatusOr<std::vector<QuerySample>>(std::string_view expr)>;

// What `$labels`, `$value`, `$externalLabels` and `$externalURL` see, and what `query`,
// `externalURL`, `pathPrefix`, `graphLink` and `tableLink` use.
struct TemplateData {
  std::map<std::string, std::string> labels;
  double value = 0;
  std::map<std::string, std::string> external_labels;
  std::string external_url;  // --web.external-url, e.g. "http://host:9090/prefix"
  int64_t eval_time_ms = 0;
  TemplateQueryFunc query;  // may be empty: `query` then fails with an error
};

// What Prometheus puts in front of every alert label and annotation template. Error positions
// count it (an error in the first action of a one-line template is at column 112 or later).
inline constexpr std::string_view kAlertTemplatePrologue =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
    "{{$externalURL := .ExternalURL}}{{$value := .Value}}";

// Parses `text` (with Prometheus' `$labels`/`$value`/... variable prologue) without executing it:
// rule-file validation uses this, so a template that does not parse is refused at load time.
// `name` is the template's name, "__alert_" + the alert name as Prometheus names it; the error
// is Go's parse error (`template: __alert_X:1: function "foo" not defined`).
absl::Status CheckTemplate(std::string_view name, std::string_view text);

// Parses and executes `text` as Prometheus expands an alert label or annotation; `name` as for
// CheckTemplate. The error message is Prometheus' (`error executing template __alert_X:
// template: __alert_X:1:115: executing "__alert_X" at <humanize "x">: error calling humanize:
// ...`); the caller turns it into the annotation text `<error expanding template: MESSAGE>` as
// Prometheus does. Execution is bounded (template-call depth, steps, 1 MiB of output).
absl::StatusOr<std::string> ExpandTemplate(std::string_view name, std::string_view text,
                                           const TemplateData& data);

// Prometheus' strutil.GraphLinkForExpression / TableLinkForExpression:
// "/graph?g0.expr=<url.QueryEscape(expr)>&g0.tab=0" (graph) or "...&g0.tab=1" (table). The
// template functions graphLink/tableLink and an alert's generatorURL (after the external URL).
std::string GraphLinkForExpression(std::string_view expr);
std::string TableLinkForExpression(std::string_view expr);

}  // namespace promlet::rules

#endif  // PROMLET_RULES_TEMPLATE_TEMPLATE_H_
