// Prometheus' alert-template expansion (rules/alerting.go + template/template.go) on top of the
// Go text/template engine of this folder.
#include "rules/template/template.h"

#include <memory>
#include <mutex>
#include <unordered_map>

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

// Parsed templates by (name, text): every evaluation expands the same few templates for each
// alert, and a parse costs more than an execution. Bounded; emptied when full.
struct ParsedTemplate {
  absl::Status status;
  std::shared_ptr<const tmpl::TemplateSet> set;
};

ParsedTemplate Parse(std::string_view name, std::string_view text) {
  constexpr size_t kMaxCached = 4096;
  static std::mutex mu;
  static auto* cache = new std::unordered_map<std::string, ParsedTemplate>();
  std::string key;
  key.reserve(name.size() + 1 + text.size());
  key.append(name);
  key.push_back('\0');
  key.append(text);
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache->find(key);
    if (it != cache->end()) return it->second;
  }
  auto set = std::make_shared<tmpl::TemplateSet>();
  ParsedTemplate parsed;
  parsed.status = ParseAlertTemplate(name, text, set.get());
  if (parsed.status.ok()) parsed.set = std::move(set);
  std::lock_guard<std::mutex> lock(mu);
  if (cache->size() >= kMaxCached) cache->clear();
  cache->emplace(std::move(key), parsed);
  return parsed;
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
  ParsedTemplate parsed = Parse(name, text);
  if (!parsed.status.ok()) {
    return absl::InvalidArgumentError("error parsing template " + std::string(name) + ": " +
                                      std::string(parsed.status.message()));
  }
  tmpl::FuncContext ctx{&data};
  absl::StatusOr<std::string> out =
      tmpl::Execute(*parsed.set, AlertData(data), tmpl::TemplateFuncs(), ctx);
  if (!out.ok()) {
    return absl::InvalidArgumentError("error executing template " + std::string(name) + ": " +
                                      std::string(out.status().message()));
  }
  return out;
}

std::string GraphLinkForExpression(std::string_view expr) {
  return "/graph?g0.expr=" + tmpl::GoQueryEscape(expr) + "&g0.tab=0";
}

std::string TableLinkForExpression(std::string_view expr) {
  return "/graph?g0.expr=" + tmpl::GoQueryEscape(expr) + "&g0.tab=1";
}

}  // namespace promlet::rules
