// VictoriaMetrics-style import of text exposition lines (POST /api/v1/import/prometheus):
// samples are stored as given, without group semantics.
//
//  - Each series line may carry a millisecond timestamp; lines without one take the request's
//    time. HELP, TYPE and comment lines are ignored.
//  - extra_label=name=value parameters are set on every sample (overriding a body label).
//  - All or nothing: the whole body is parsed and checked before anything is appended, and an
//    append error rolls the batch back; errors name the 1-based line ("line 3: ...").
#ifndef PROMLET_PUSH_IMPORT_H_
#define PROMLET_PUSH_IMPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/labels.h"
#include "storage/interface.h"

namespace promlet::push {

struct ImportedSample {
  model::Labels labels;
  int64_t t = 0;
  double v = 0;
  int line = 0;
};

// Parses `body`; `extra_labels` are the raw "name=value" parameter values.
absl::StatusOr<std::vector<ImportedSample>> ParseImport(
    std::string_view body, const std::vector<std::string>& extra_labels, int64_t now_ms);

// Appends every sample in one batch; on an error nothing is kept and the error names the line.
absl::Status AppendImported(storage::Appendable& storage, const std::vector<ImportedSample>& samples);

}  // namespace promlet::push

#endif  // PROMLET_PUSH_IMPORT_H_
