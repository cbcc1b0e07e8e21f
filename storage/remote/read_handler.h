// The Remote Read endpoint (POST /api/v1/read), transport-independent: web/remote_routes.cc
// adapts it to the HTTP server. Answers Prometheus' snappy-compressed prometheus.ReadRequest
// with either response type the client accepts, in its order of preference:
//  - SAMPLES: a snappy-compressed ReadResponse (one QueryResult per query, series sorted by
//    labels, samples in time order), bounded by sample_limit (over it: 400, nothing returned);
//  - STREAMED_XOR_CHUNKS: frames (codec.h) of ChunkedReadResponse, each holding whole series of
//    one query (query_index) as XOR chunks of at most 120 samples, a frame closed once it passes
//    max_bytes_in_frame (Prometheus' limit is ignored for this type, as in Prometheus).
// Label matchers and hints (start, end, step, func, grouping, by, range) are passed to the
// storage. At most concurrent_limit reads run at once; more wait for a slot.
// External labels (global.external_labels), as in Prometheus' read handler: an equality matcher
// on an external label with its value selects series without that label (stored series do not
// carry it), and every returned series gets the external labels it does not carry itself.
//
// Invariant: a malformed request (snappy, protobuf, matcher) answers 400 naming what is wrong;
// a response type the client does not accept is never sent.
#ifndef PROMLET_STORAGE_REMOTE_READ_HANDLER_H_
#define PROMLET_STORAGE_REMOTE_READ_HANDLER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/labels.h"
#include "storage/interface.h"

namespace promlet::remote {

struct ReadHttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ReadHandlerOptions {
  int64_t sample_limit = 50000000;  // 0: no limit
  int64_t concurrent_limit = 10;    // 0: no limit
  size_t max_bytes_in_frame = 1 << 20;
  size_t max_decoded_bytes = 32 << 20;
  // The configuration's current external labels (read on each request: they change on reload);
  // unset: none.
  std::function<model::Labels()> external_labels;
};

class ReadHandler {
 public:
  // `storage` must outlive the handler.
  ReadHandler(storage::Queryable* storage, ReadHandlerOptions options);
  ReadHttpResponse Serve(std::string_view body);

 private:
  storage::Queryable* const storage_;
  const ReadHandlerOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t running_ = 0;  // guarded by mu_
};

}  // namespace promlet::remote

#endif  // PROMLET_STORAGE_REMOTE_READ_HANDLER_H_
