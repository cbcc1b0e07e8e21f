// The Remote Write receiver (POST /api/v1/write), transport-independent: web/remote_routes.cc
// adapts it to the HTTP server. Accepts Remote Write 1.0 (prometheus.WriteRequest) and 2.0
// (io.prometheus.write.v2.Request), negotiated by Content-Type as Prometheus does; snappy bodies.
//
// Invariants (Prometheus' receiver semantics):
//  - A request is one storage::Appender batch: 1.0 requests commit all or nothing. Out of
//    order, duplicate or out-of-bounds samples (and samples more than 10 minutes in the future)
//    answer 400 with the storage's reason so that senders do not retry; in 1.0 nothing of such a
//    request is stored. In 2.0 the other series' samples are stored (the spec's partial write)
//    and X-Prometheus-Remote-Write-{Samples,Histograms,Exemplars}-Written report what was.
//  - A malformed body (bad snappy, bad protobuf, bad symbol references) answers 400 and stores
//    nothing; an unknown Content-Type or Content-Encoding answers 415.
//  - Overload answers 503 so that senders retry later: more than max_inflight requests at once,
//    or a storage that cannot write (WAL full disk: Unavailable). Other storage errors are 500.
//  - Series with invalid labels are skipped and counted (Prometheus' behaviour), never stored.
//  - Native histograms (1.0 `histograms`, 2.0 `histograms`; integer or float, custom buckets)
//    go through storage::Appender::AppendHistogram after schemas 9..52 are reduced to 8, as
//    Prometheus' receiver does; an invalid histogram answers 400 naming the series (1.0: nothing
//    stored; 2.0: the rest is stored). Bodies with histograms take the libprotobuf path.
//  - Hot path: bodies are snappy-decoded into per-thread buffers (freed after a body over
//    4 MiB) and decoded without copies (write_wire.h; anything outside its subset goes
//    through libprotobuf with identical answers), and a bounded cache maps a series' labels as
//    sent (a seeded 128-bit hash of the (name, value) sequence in wire order, as the scrape
//    cache keys raw series text) to its storage ref, so a known series costs one hash and one
//    lookup: no label copies, sorting or validation. Only series whose request committed are
//    cached (a ref from a rolled-back batch is never reused); a ref the storage no longer knows
//    (head truncation) falls back to the labels. The cache is cleared when it reaches
//    series_cache_size entries.
#ifndef PROMLET_STORAGE_REMOTE_WRITE_HANDLER_H_
#define PROMLET_STORAGE_REMOTE_WRITE_HANDLER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/interface.h"

namespace promlet::remote {

struct WriteHttpRequest {
  std::string_view body;
  std::string_view content_type;
  std::string_view content_encoding;
};

struct WriteHttpResponse {
  int status = 204;
  std::string body;  // the error, with a trailing newline, for non-2xx answers
  std::vector<std::pair<std::string, std::string>> headers;
};

struct WriteHandlerOptions {
  size_t max_decoded_bytes = 32 << 20;  // snappy-decoded body bound
  int max_inflight = 8;                 // concurrent requests before 503
  // Milliseconds since the epoch (tests fix it); samples later than now + 10 min are refused.
  std::function<int64_t()> now_ms;
  // Called with a line to log (rejected samples, skipped series); may be null.
  std::function<void(std::string_view)> log;
  // Entries of the series -> ref cache (~40 bytes each); 0 disables it.
  size_t series_cache_size = 1 << 20;
};

struct WriteHandlerStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> samples_appended{0};
  std::atomic<uint64_t> samples_rejected{0};  // out of order, duplicate, out of bounds
  std::atomic<uint64_t> histograms_appended{0};
  std::atomic<uint64_t> histograms_rejected{0};  // as samples_rejected, or invalid
  std::atomic<uint64_t> invalid_series{0};
  std::atomic<uint64_t> malformed_requests{0};
  std::atomic<uint64_t> overloaded_requests{0};
  std::atomic<uint64_t> series_cache_hits{0};
  std::atomic<uint64_t> series_cache_stale{0};  // cached refs the storage no longer knew
};

class WriteHandler {
 public:
  // `storage` must outlive the handler.
  WriteHandler(storage::Appendable* storage, WriteHandlerOptions options);
  ~WriteHandler();
  WriteHttpResponse Serve(const WriteHttpRequest& request);
  const WriteHandlerStats& stats() const { return stats_; }

 private:
  storage::Appendable* const storage_;
  const WriteHandlerOptions options_;
  std::atomic<int> inflight_{0};
  WriteHandlerStats stats_;
  class SeriesCache;
  std::unique_ptr<SeriesCache> cache_;
};

}  // namespace promlet::remote

#endif  // PROMLET_STORAGE_REMOTE_WRITE_HANDLER_H_
