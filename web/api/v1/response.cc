#include "web/api/v1/response.h"

#include <optional>
#include <utility>

#include "net/http/body_buffers.h"

namespace promlet::web {

struct Result::Envelope {
  // A kept body's pages are already in memory (net/http/body_buffers.h).
  Envelope() : body(net::TakeBodyBuffer()) {
    body.reserve(256);
    body.append(R"({"status":"success","data":)");
  }
  std::string body;
  JsonWriter writer{&body};
  std::string gzipped;  // the gzip answer, once the writer has compressed anything
  std::optional<common::GzipWriter> gzip;
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
};

ApiErrorKind ClassifyError(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
      return {"bad_data", 400};
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kResourceExhausted:
      return {"execution", 422};
    case absl::StatusCode::kDeadlineExceeded:
      return {"timeout", 503};
    case absl::StatusCode::kCancelled:
      return {"canceled", 499};
    case absl::StatusCode::kNotFound:
      return {"not_found", 404};
    case absl::StatusCode::kUnavailable:
      return {"unavailable", 503};
    default:
      return {"internal", 500};
  }
}

ApiError BadData(std::string message) { return ApiError{"bad_data", 400, std::move(message)}; }
ApiError InternalError(std::string_view message) {
  return ApiError{"internal", 500, std::string(message)};
}
ApiError UnavailableError(std::string message) {
  return ApiError{"unavailable", 503, std::move(message)};
}

Result::Result() : envelope_(std::make_unique<Envelope>()) {}
Result::Result(ApiError error) : error_(std::move(error)) {}
Result::Result(const absl::Status& error) {
  ApiErrorKind k = ClassifyError(error);
  error_ = ApiError{k.type, k.http_status, std::string(error.message())};
}

Result::~Result() = default;
Result::Result(Result&&) noexcept = default;
Result& Result::operator=(Result&&) noexcept = default;

Result Result::NoContent() {
  net::HttpResponse response;
  response.status = 204;
  return Whole(std::move(response));
}

Result Result::Whole(net::HttpResponse response) {
  Result r;
  r.envelope_.reset();
  r.whole_ = std::move(response);
  return r;
}

JsonWriter& Result::data() { return envelope_->writer; }

void Result::CompressLargeData() {
  Envelope& env = *envelope_;
  if (env.gzip) return;
  env.gzipped = net::TakeBodyBuffer();
  env.gzip.emplace(&env.gzipped);
  env.writer.CompressInto(&*env.gzip);
}

void Result::AddWarning(std::string warning) { envelope_->warnings.push_back(std::move(warning)); }

void Result::AddWarnings(const std::vector<std::string>& warnings,
                         const std::vector<std::string>& infos) {
  envelope_->warnings.insert(envelope_->warnings.end(), warnings.begin(), warnings.end());
  envelope_->infos.insert(envelope_->infos.end(), infos.begin(), infos.end());
}

namespace {

void AppendStrings(std::string& body, std::string_view key, const std::vector<std::string>& list) {
  if (list.empty()) return;
  body.append(",\"");
  body.append(key);
  body.append("\":");
  JsonWriter w(&body);
  w.BeginArray();
  for (const auto& s : list) w.String(s);
  w.EndArray();
}

}  // namespace

void WriteResult(Result&& result, net::HttpResponse& res) {
  if (result.whole_) {
    // Field by field: the server may have set headers (CORS) before the handler ran.
    net::HttpResponse& whole = *result.whole_;
    res.status = whole.status;
    res.content_type = std::move(whole.content_type);
    res.body = std::move(whole.body);
    for (auto& h : whole.headers) res.headers.push_back(std::move(h));
    return;
  }
  res.content_type = "application/json";
  if (result.error_) {
    const ApiError& e = *result.error_;
    res.status = e.status;
    std::string body = R"({"status":"error","errorType":")";
    body.append(e.type);
    body.append(R"(","error":)");
    JsonWriter w(&body);
    w.String(e.message);
    body.push_back('}');
    res.body = std::move(body);
    return;
  }
  Result::Envelope& env = *result.envelope_;
  AppendStrings(env.body, "warnings", env.warnings);
  AppendStrings(env.body, "infos", env.infos);
  env.body.push_back('}');
  res.status = 200;
  if (env.writer.compressed()) {
    env.gzip->Append(env.body);
    env.gzip->Finish();
    net::GiveBodyBuffer(std::move(env.body));
    res.body = std::move(env.gzipped);
    net::MarkGzipEncoded(res);
    return;
  }
  // Taken for a gzip answer that turned out small (the server compresses it): the kept buffer
  // goes back to the pool rather than with this Result.
  if (env.gzip) net::GiveBodyBuffer(std::move(env.gzipped));
  res.body = std::move(env.body);
}

size_t LimitedCount(size_t n, int limit, Result& result) {
  if (limit > 0 && n > static_cast<size_t>(limit)) {
    result.AddWarning("results truncated due to limit");
    return static_cast<size_t>(limit);
  }
  return n;
}

}  // namespace promlet::web
