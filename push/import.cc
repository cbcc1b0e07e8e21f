#include "push/import.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/utf8.h"
#include "common/views.h"
#include "model/textparse.h"

namespace promlet::push {

absl::StatusOr<std::vector<ImportedSample>> ParseImport(
    std::string_view body, const std::vector<std::string>& extra_labels, int64_t now_ms) {
  std::vector<model::Label> extras;
  for (const auto& param : extra_labels) {
    size_t eq = param.find('=');
    std::string name = param.substr(0, eq);
    if (eq == std::string::npos || !model::IsValidLabelName(name) || name == model::kMetricName) {
      return absl::InvalidArgumentError(absl::StrCat("invalid extra_label ",
                                                     common::ToAbsl(common::GoQuote(param)),
                                                     ": want name=value with a valid label name"));
    }
    extras.push_back(model::Label{std::move(name), param.substr(eq + 1)});
  }
  std::vector<ImportedSample> out;
  model::Parser parser(body, model::Format::kText004);
  model::LabelsBuilder builder;
  for (;;) {
    auto entry = parser.Next();
    if (!entry.ok()) return entry.status();  // "line N: ..."
    if (*entry == model::Entry::kEOF) break;
    if (*entry != model::Entry::kSeries) continue;
    ImportedSample s;
    model::Labels labels;
    if (auto st = parser.ParseLabels(&labels); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("line ", parser.line(), ": ", st.message()));
    }
    builder.Reset(labels);
    for (const auto& l : extras) builder.Set(l.name, l.value);
    s.labels = builder.Build();
    s.t = parser.TimestampMs().value_or(now_ms);
    s.v = parser.Value();
    s.line = parser.line();
    out.push_back(std::move(s));
  }
  return out;
}

absl::Status AppendImported(storage::Appendable& storage, const std::vector<ImportedSample>& samples) {
  auto app = storage.NewAppender();
  for (const auto& s : samples) {
    auto ref = app->Append(0, s.labels, s.t, s.v);
    if (!ref.ok()) {
      app->Rollback();
      return absl::InvalidArgumentError(
          absl::StrCat("line ", s.line, ": ", s.labels.ToString(), ": ", ref.status().message()));
    }
  }
  return app->Commit();
}

}  // namespace promlet::push
