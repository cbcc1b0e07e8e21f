// Federation: the newest sample of every series matching any of the selectors, within the
// lookback window before `now_ms`, in the text exposition format (0.0.4) Prometheus' /federate
// writes: series grouped by metric name (sorted), one "# TYPE <name> untyped" line per group,
// each sample with its timestamp. Series whose newest sample is a staleness marker are left out.
// The /federate handler itself (match[] parameters, plain-text errors) is Federate in
// web/api/v1/handlers.h, defined in federate.cc.
#ifndef PROMLET_WEB_FEDERATE_H_
#define PROMLET_WEB_FEDERATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/matcher.h"
#include "storage/interface.h"

namespace promlet::web {

absl::StatusOr<std::string> FederateText(storage::Queryable& storage,
                                         const std::vector<std::vector<model::Matcher>>& selectors,
                                         int64_t now_ms, int64_t lookback_ms);

}  // namespace promlet::web

#endif  // PROMLET_WEB_FEDERATE_H_
