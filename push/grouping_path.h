// The grouping key in a Pushgateway URL: /metrics/job/<job>{/<label>/<value>}.
//
// Decoding follows Pushgateway (handler/push.go splitLabels, decodeBase64) on a path that Go's
// server has already percent-decoded:
//  - "job@base64/<v>" and "<label>@base64/<v>" carry URL-safe base64 values (RFC 4648 §5);
//    trailing '=' padding is ignored, so "<label>@base64/=" is the empty value;
//  - label names must be legacy label names not starting with "__" ("improper label name");
//  - an odd number of components is an error; a "job" label in the path is overridden by the
//    job segment; a missing job answers "job name is required".
// Every error is InvalidArgument carrying Pushgateway's message (the HTTP layer answers 400).
#ifndef PROMLET_PUSH_GROUPING_PATH_H_
#define PROMLET_PUSH_GROUPING_PATH_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "push/group.h"

namespace promlet::push {

// Go's url.PathUnescape: %XX sequences decoded, '+' kept; a bad escape is an error.
absl::StatusOr<std::string> PathUnescape(std::string_view escaped);

// Go's base64.RawURLEncoding.DecodeString after trimming trailing '='.
absl::StatusOr<std::string> DecodeBase64Value(std::string_view s);

// `path` is the decoded request path without the route prefix, starting at "/metrics/job".
absl::StatusOr<GroupingKey> ParseGroupingPath(std::string_view path);

}  // namespace promlet::push

#endif  // PROMLET_PUSH_GROUPING_PATH_H_
