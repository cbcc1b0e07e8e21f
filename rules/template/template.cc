// Placeholder until the template engine lands: plain text passes through, any action is an error.
#include "rules/template/template.h"

namespace promlet::rules {

absl::Status CheckTemplate(std::string_view name, std::string_view text) {
  if (text.find("{{") != std::string_view::npos) {
    return absl::UnimplementedError("template: " + std::string(name) +
                                    ": template actions are not implemented yet");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ExpandTemplate(std::string_view name, std::string_view text,
                                           const TemplateData&) {
  if (absl::Status s = CheckTemplate(name, text); !s.ok()) return s;
  return std::string(text);
}

}  // namespace promlet::rules
