// Result: what an /api/v1 handler returns, and WriteResult, the one writer of the API's
// response envelope and of its errors.
//
// Invariants:
//  - Every /api/v1 answer goes through WriteResult, byte-compatible with Prometheus: a success is
//    {"status":"success","data":<data>[,"warnings":[...]][,"infos":[...]]}, an error is
//    {"status":"error","errorType":"<type>","error":"<message>"}, both application/json. A
//    Result may instead carry a response written whole (204 of the admin actions, the text of
//    /federate).
//  - Errors map to types and HTTP statuses in one place (ClassifyError): bad_data 400,
//    execution 422, canceled 499, internal 500, unavailable 503, timeout 503, not_found 404.
//    A bad parameter is bad_data with `invalid parameter "<name>": ...` (InvalidParam).
//  - "results truncated due to limit" is added by one function (LimitedCount).
#ifndef PROMLET_WEB_API_V1_RESPONSE_H_
#define PROMLET_WEB_API_V1_RESPONSE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "net/http/server.h"
#include "web/api/v1/json_writer.h"

namespace promlet::web {

// The error type and HTTP status Prometheus uses for an engine/storage status.
struct ApiErrorKind {
  const char* type;
  int http_status;
};
ApiErrorKind ClassifyError(const absl::Status& s);

struct ApiError {
  const char* type;
  int status;
  std::string message;
};
ApiError BadData(std::string message);
ApiError InternalError(std::string_view message);
ApiError UnavailableError(std::string message);

class Result {
 public:
  // A success; write its data with data().
  Result();
  // An error (implicit, so that a handler can `return BadData(...)` or `return st;`). A status
  // is classified by ClassifyError; it must not be OK.
  Result(ApiError error);             // NOLINT(google-explicit-constructor)
  Result(const absl::Status& error);  // NOLINT(google-explicit-constructor)
  ~Result();
  Result(Result&&) noexcept;
  Result& operator=(Result&&) noexcept;
  // 204 No Content with an empty body (admin actions).
  static Result NoContent();
  // `response` as it is (not the JSON envelope).
  static Result Whole(net::HttpResponse response);

  JsonWriter& data();
  // For a client that takes gzip: a large part of the data (a range query's many series) may
  // then be compressed as it is encoded, on the engine's helper threads (JsonWriter's
  // RawDeflated), and the answer is sent compressed. Otherwise the server compresses the
  // answer whole, as any other.
  void CompressLargeData();
  void AddWarning(std::string warning);
  void AddWarnings(const std::vector<std::string>& warnings, const std::vector<std::string>& infos);

 private:
  friend void WriteResult(Result&& result, net::HttpResponse& res);
  // Heap-held so that the writer's pointer to the body survives moving the Result.
  struct Envelope;
  std::unique_ptr<Envelope> envelope_;
  std::optional<ApiError> error_;
  std::optional<net::HttpResponse> whole_;
};

// Writes `result` into `res` (status, content type, body).
void WriteResult(Result&& result, net::HttpResponse& res);

// How many of `n` results to write under `limit` (0 or less: all); adds the warning "results
// truncated due to limit" to `result` when that is fewer than n.
size_t LimitedCount(size_t n, int limit, Result& result);

}  // namespace promlet::web

#endif  // PROMLET_WEB_API_V1_RESPONSE_H_
