// The alert data every golden row was expanded with: the series up{job="j",instance="h:9090"}
// at 1234.5678 firing at t=60s, external label region="eu", external URL
// http://example.com:9090/prom, and `query "up"` answering that series and
// up{job="k",instance="a.b.c:80"} 0 (in promtool's order).
#ifndef PROMLET_TESTS_RULES_TEMPLATE_GOLDEN_DATA_H_
#define PROMLET_TESTS_RULES_TEMPLATE_GOLDEN_DATA_H_

#include <string>

#include "absl/status/status.h"
#include "rules/template/template.h"

namespace promlet::rules {

inline TemplateData GoldenData() {
  TemplateData d;
  d.labels = {{"__name__", "up"}, {"instance", "h:9090"}, {"job", "j"}};
  d.value = 1234.5678;
  d.external_url = "http://example.com:9090/prom";
  d.external_labels = {{"region", "eu"}};
  d.eval_time_ms = 60000;
  d.query = [](std::string_view q) -> absl::StatusOr<std::vector<QuerySample>> {
    if (q == "up") {
      return std::vector<QuerySample>{
          {model::Labels{{"__name__", "up"}, {"instance", "h:9090"}, {"job", "j"}}, 1234.5678},
          {model::Labels{{"__name__", "up"}, {"instance", "a.b.c:80"}, {"job", "k"}}, 0}};
    }
    if (q == "nothing") return std::vector<QuerySample>{};
    return absl::InvalidArgumentError("1:1: parse error: unexpected character after '!': '!'");
  };
  return d;
}

// What Prometheus puts in the annotation: the expansion, or its error wrapped.
inline std::string ExpandAsAnnotation(const std::string& name, const std::string& text,
                                      const TemplateData& data = GoldenData()) {
  absl::StatusOr<std::string> out = ExpandTemplate(name, text, data);
  if (out.ok()) return *out;
  return "<error expanding template: " + std::string(out.status().message()) + ">";
}

}  // namespace promlet::rules

#endif  // PROMLET_TESTS_RULES_TEMPLATE_GOLDEN_DATA_H_
