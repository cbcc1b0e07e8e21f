// The "data" object of /api/v1/query and /api/v1/query_range, {"resultType":...,"result":...},
// written from an engine result. The API handlers and the embedding library (lib/) both use it,
// so promlet_query answers byte for byte what the HTTP API answers.
#ifndef PROMLET_WEB_API_V1_QUERY_JSON_H_
#define PROMLET_WEB_API_V1_QUERY_JSON_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "promql/engine/engine.h"
#include "web/api/v1/json_writer.h"

namespace promlet::web {

// /api/v1/query_range's limits and Prometheus' words for them; the embedding library applies
// the same ones to promlet_query_range.
inline constexpr int64_t kMaxPointsPerSeries = 11000;
inline constexpr char kEndBeforeStartMessage[] = "end timestamp must not be before start time";
inline constexpr char kNonPositiveStepMessage[] =
    "zero or negative query resolution step widths are not accepted. Try a positive integer";
inline constexpr char kTooManyPointsMessage[] =
    "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
    "resolution (?step=XX)";

// Writes the data object with at most `max_series` series of a vector or matrix result. With
// an engine, a large matrix is encoded on its helper threads too (Engine::ShareWork); the bytes
// are the same.
void WriteQueryData(const promql::Result& q, size_t max_series, JsonWriter& w,
                    const promql::Engine* engine = nullptr);
// The whole data object, every series.
std::string QueryDataJson(const promql::Result& q, const promql::Engine* engine = nullptr);

}  // namespace promlet::web

#endif  // PROMLET_WEB_API_V1_QUERY_JSON_H_
