// Pushed bodies in the text exposition format (0.0.4), read into metric families the way
// Pushgateway's parser (expfmt.TextParser.TextToMetricFamilies) groups them.
//
// Grouping rules (expfmt's): a sample joins the family of its exact name; otherwise a _sum or
// _count sample joins a summary family of the base name, and a _bucket, _sum or _count sample a
// histogram family of the base name; otherwise it starts an untyped family of its own name.
// Families need not be contiguous. A second HELP or TYPE line for a family, or a TYPE after its
// samples, is an error; families without samples are dropped. Metric and label names must be
// legacy names (Pushgateway's default validation); label names may not start with "__".
// Errors are InvalidArgument "text format parsing error in line N: ...".
#ifndef PROMLET_PUSH_TEXT_BODY_H_
#define PROMLET_PUSH_TEXT_BODY_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "push/group.h"

namespace promlet::push {

// Families in order of first appearance; samples keep the body's labels (no grouping key yet).
absl::StatusOr<std::vector<Family>> ParseTextBody(std::string_view body);

}  // namespace promlet::push

#endif  // PROMLET_PUSH_TEXT_BODY_H_
