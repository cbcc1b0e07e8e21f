#include "storage/remote/write_handler.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "storage/remote/codec.h"

namespace promlet::remote {
namespace {

constexpr int64_t kMaxAheadMs = 10 * 60 * 1000;  // Prometheus' maxAheadTime

bool IsBadSample(const absl::Status& st) {
  return storage::IsOutOfOrder(st) || storage::IsDuplicateSample(st) || storage::IsOutOfBounds(st);
}

WriteHttpResponse Error(int status, std::string msg) {
  WriteHttpResponse r;
  r.status = status;
  r.body = std::move(msg);
  r.body.push_back('\n');
  return r;
}

// 503 for a storage that cannot write now (the WAL's disk is full), 500 otherwise.
int StorageErrorStatus(const absl::Status& st) {
  return absl::IsUnavailable(st) || absl::IsResourceExhausted(st) ? 503 : 500;
}

class InflightGuard {
 public:
  explicit InflightGuard(std::atomic<int>* n) : n_(n) { n_->fetch_add(1); }
  ~InflightGuard() { n_->fetch_sub(1); }
  InflightGuard(const InflightGuard&) = delete;
  InflightGuard& operator=(const InflightGuard&) = delete;

 private:
  std::atomic<int>* n_;
};

}  // namespace

WriteHandler::WriteHandler(storage::Appendable* storage, WriteHandlerOptions options)
    : storage_(storage), options_(std::move(options)) {}

WriteHttpResponse WriteHandler::Serve(const WriteHttpRequest& request) {
  stats_.requests.fetch_add(1, std::memory_order_relaxed);
  auto proto = ParseWriteContentType(request.content_type);
  if (!proto.ok()) return Error(415, std::string(proto.status().message()));
  if (!request.content_encoding.empty() && request.content_encoding != "snappy") {
    return Error(415, absl::StrCat(std::string(request.content_encoding),
                                   " encoding (compression) is not accepted by this server; "
                                   "only snappy is acceptable"));
  }
  InflightGuard guard(&inflight_);
  if (inflight_.load() > options_.max_inflight) {
    stats_.overloaded_requests.fetch_add(1, std::memory_order_relaxed);
    return Error(503, absl::StrCat("too many concurrent remote write requests (limit ",
                                   options_.max_inflight, "); retry later"));
  }
  auto raw = SnappyUncompress(request.body, options_.max_decoded_bytes);
  if (!raw.ok()) {
    stats_.malformed_requests.fetch_add(1, std::memory_order_relaxed);
    return Error(400, std::string(raw.status().message()));
  }
  auto decoded = DecodeWriteRequest(*proto, *raw);
  if (!decoded.ok()) {
    stats_.malformed_requests.fetch_add(1, std::memory_order_relaxed);
    return Error(400, std::string(decoded.status().message()));
  }
  stats_.invalid_series.fetch_add(decoded->invalid_series, std::memory_order_relaxed);
  if (decoded->invalid_series > 0 && options_.log) {
    options_.log(absl::StrCat("remote write: skipped ", decoded->invalid_series,
                              " series with invalid metric name or labels"));
  }
  const int64_t now = options_.now_ms ? options_.now_ms()
                                      : std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count();
  const int64_t max_t = now + kMaxAheadMs;
  const bool v1 = *proto == WriteProto::kV1;
  auto app = storage_->NewAppender();
  uint64_t appended = 0, rejected = 0;
  std::string bad;  // the first rejection, quoted in the answer
  for (const auto& s : decoded->series) {
    storage::SeriesRef ref = 0;
    for (const auto& x : s.samples) {
      absl::Status st;
      if (x.t > max_t) {
        st = storage::ErrOutOfBounds();
      } else {
        auto r = app->Append(ref, ref ? model::Labels() : s.labels, x.t, x.v);
        if (r.ok()) {
          ref = *r;
          ++appended;
          continue;
        }
        st = r.status();
      }
      if (!IsBadSample(st)) {
        app->Rollback();
        return Error(StorageErrorStatus(st), std::string(st.message()));
      }
      ++rejected;
      if (bad.empty()) {
        bad =
            absl::StrCat(st.message(), " for series ", s.labels.ToString(), " at timestamp ", x.t);
      }
      if (v1) break;
    }
    if (v1 && !bad.empty()) break;
  }
  stats_.samples_rejected.fetch_add(rejected, std::memory_order_relaxed);
  if (!bad.empty() && options_.log) options_.log(absl::StrCat("remote write: ", bad));
  if (v1 && !bad.empty()) {
    app->Rollback();
    return Error(400, bad);
  }
  if (auto st = app->Commit(); !st.ok()) {
    return Error(StorageErrorStatus(st), std::string(st.message()));
  }
  stats_.samples_appended.fetch_add(appended, std::memory_order_relaxed);
  WriteHttpResponse out;
  if (!v1) {
    out.headers = {{"X-Prometheus-Remote-Write-Samples-Written", absl::StrCat(appended)},
                   {"X-Prometheus-Remote-Write-Histograms-Written", "0"},
                   {"X-Prometheus-Remote-Write-Exemplars-Written", "0"}};
    if (decoded->invalid_series > 0 && bad.empty()) {
      bad = absl::StrCat(decoded->invalid_series, " series with invalid metric name or labels");
    }
  }
  if (!bad.empty()) {
    WriteHttpResponse err = Error(400, bad);
    err.headers = std::move(out.headers);
    return err;
  }
  return out;
}

}  // namespace promlet::remote
