// Prometheus' alert-template expansion (rules/alerting.go + template/template.go) on top of the
// Go text/template engine of this folder.
#include "rules/template/template.h"

#include "rules/template/exec.h"
#include "rules/template/funcs.h"
#include "rules/template/parser.h"

namespace promlet::rules {
namespace {

bool HasTemplateFunction(std::string_view name) {
  const tmpl::FuncTable& f = tmpl::TemplateFuncs();
  return f.find(name) != f.end();
}

tmpl::Value AlertData(const TemplateData& data) {
  auto st = std::make_shared<tmpl::StructData>();
  st->type_name =
      "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; "
      "Value interface {} }";
  st->fields.emplace_back("Labels", tmpl::Value::StringMap(data.labels));
  st->fields.emplace_back("ExternalLabels", tmpl::Value::StringMap(data.external_labels));
  st->fields.emplace_back("ExternalURL", tmpl::Value::String(data.external_url));
  st->fields.emplace_back("Value", tmpl::Value::Float(data.value));
  tmpl::Value v;
  v.kind = tmpl::Kind::kStruct;
  v.st = std::move(st);
  return v;
}

absl::Status ParseAlertTemplate(std::string_view name, std::string_view text,
                                tmpl::TemplateSet* set) {
  std::string full;
  full.reserve(kAlertTemplatePrologue.size() + text.size());
  full.append(kAlertTemplatePrologue);
  full.append(text);
  return tmpl::ParseTemplate(name, full, HasTemplateFunction, set);
}

}  // namespace

absl::Status CheckTemplate(std::string_view name, std::string_view text) {
  tmpl::TemplateSet set;
  return ParseAlertTemplate(name, text, &set);
}

absl::StatusOr<std::string> ExpandTemplate(std::string_view name, std::string_view text,
                                           const TemplateData& data) {
  // Plain text (most label values) needs no engine.
  if (text.find("{{") == std::string_view::npos) return std::string(text);
  tmpl::TemplateSet set;
  if (absl::Status s = ParseAlertTemplate(name, text, &set); !s.ok()) {
    return absl::InvalidArgumentError("error parsing template " + std::string(name) + ": " +
                                      std::string(s.message()));
  }
  tmpl::FuncContext ctx{&data};
  absl::StatusOr<std::string> out =
      tmpl::Execute(set, AlertData(data), tmpl::TemplateFuncs(), ctx);
  if (!out.ok()) {
    return absl::InvalidArgumentError("error executing template " + std::string(name) + ": " +
                                      std::string(out.status().message()));
  }
  return out;
}

}  // namespace promlet::rules
