// ScrapeLoop: scrapes one target every interval and appends what it got, as Prometheus'
// scrapeLoop does.
//
// Per scrape: GET (HttpClient) -> parse (textparse, or protoparse for the protobuf format chosen
// by Content-Type) -> per sample: cache lookup by raw series text, else labels + honor_labels +
// metric_relabel_configs + limits -> Append (AppendHistogram for native histograms). Everything of one
// scrape goes into ONE Appender batch together with the synthetic series up,
// scrape_duration_seconds, scrape_samples_scraped, scrape_samples_post_metric_relabeling and
// scrape_series_added. A failed scrape (HTTP error, parse error, sample_limit, label limits)
// stores nothing it parsed: that batch is rolled back and a second batch carries the stale
// markers for the previous scrape's series plus the synthetic series with up=0.
//
// Staleness, exactly as Prometheus: a series present in the previous successful scrape and
// absent now gets tsdb::StaleNaN() at the scrape's timestamp (a float marker also for a
// histogram series: the storage turns it into a histogram marker, as Prometheus' head does); a failed scrape marks all of them;
// a loop stopped because its target went away waits until just over two intervals after its
// last scrape (the target may come back) and then marks every series it had, synthetic ones
// included, at the time of the first missed tick. A loop stopped for shutdown, or handing its
// cache to a successor, writes no markers. Samples with explicit timestamps are not tracked.
//
// Threading: a loop runs on its own strand of the io_context it is given; no thread per target.
// Timing: the first scrape happens at a stable offset within the interval derived from the
// target hash, then every interval; ticks that pass while a scrape still runs are skipped and
// counted as missed. Append errors (out of order, duplicate, out of bounds) are counted, not
// fatal.
#ifndef PROMLET_SCRAPE_SCRAPE_LOOP_H_
#define PROMLET_SCRAPE_SCRAPE_LOOP_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "net/http/client.h"
#include "scrape/scrape_cache.h"
#include "scrape/target.h"
#include "model/textparse.h"
#include "model/labels.h"
#include "storage/interface.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace promlet::scrape {

// How scraped samples become stored samples (the non-I/O part of a scrape config).
struct SampleOptions {
  model::Labels target_labels;  // public target labels (job, instance, ...), no "__" labels
  bool honor_labels = false;
  bool honor_timestamps = true;
  // Also track series with explicit timestamps for stale markers (track_timestamps_staleness).
  bool track_timestamps_staleness = false;
  int64_t sample_limit = 0;  // 0 = no limit (same for the label limits)
  int64_t label_limit = 0;
  int64_t label_name_length_limit = 0;
  int64_t label_value_length_limit = 0;
  // Native histograms (config names). Without scrape_native_histograms the native parts of a
  // protobuf histogram are ignored and its classic series stored.
  bool scrape_native_histograms = false;
  bool always_scrape_classic_histograms = false;
  bool convert_classic_histograms_to_nhcb = false;
  // native_histogram_bucket_limit: an exponential histogram with more buckets is reduced in
  // resolution until it fits; failing that (or for custom buckets) the scrape fails with
  // "histogram bucket limit exceeded". 0 = no limit.
  int64_t native_histogram_bucket_limit = 0;
  // From native_histogram_min_bucket_factor (NativeHistogramMaxSchema): exponential histograms
  // of a higher schema are reduced to it first.
  int32_t native_histogram_max_schema = 8;
  // metric_relabel_configs: rewrites the labels in place; false drops the series. Null = none.
  std::function<bool(model::Labels*)> metric_relabel;
};

struct ScrapeLoopOptions {
  std::string scrape_pool;
  model::Labels target_labels;      // full target labels, "__" labels included
  model::Labels discovered_labels;  // before relabeling, for the API
  std::string scrape_url;
  net::HttpClientOptions http;  // host, port, path, auth/accept headers, TLS, body_size_limit
  std::chrono::milliseconds interval{60000};
  std::chrono::milliseconds timeout{10000};
  SampleOptions samples;
  // Format used when the response has no usable Content-Type (fallback_scrape_protocol).
  std::optional<model::Format> fallback_format;
  uint64_t offset_seed = 0;  // mixed into the target hash (Prometheus: a per-server seed)
  // First scrape right after Start() instead of at the target's offset (tests, one-shot tools).
  bool scrape_immediately = false;
};

// Counts from appending one scrape body.
struct AppendResult {
  uint64_t total = 0;         // samples exposed (scrape_samples_scraped)
  uint64_t added = 0;         // after metric relabeling (scrape_samples_post_metric_relabeling)
  uint64_t series_added = 0;  // series new to the cache (scrape_series_added)
  uint64_t out_of_order = 0;
  uint64_t duplicates = 0;
  uint64_t out_of_bounds = 0;
  bool bucket_limit_exceeded = false;  // (scrape failed with "histogram bucket limit exceeded")
  absl::Status error;  // parse error, limit breach or storage failure: the batch must be dropped
};

// Prometheus' pickSchema: the largest schema whose bucket growth factor is at least
// `min_bucket_factor` (<= 1, e.g. unset, means 8), clamped to -4..8.
int32_t NativeHistogramMaxSchema(double min_bucket_factor);

// Builds the labels a scraped series is stored under: target labels merged per honor_labels
// (clashes renamed exported_<name>, exported_exported_<name>, ...), then metric relabeling.
// Returns false when relabeling dropped the series.
bool MutateSampleLabels(const SampleOptions& opts, model::Labels* labels);

// Appends one parsed body into `app` (no I/O, no commit); the core of a scrape, public for
// tests and benchmarks. On error the caller must Rollback. Every format goes through the same
// loop (a template over the text and the protobuf parser); native histograms (protobuf, or
// classic ones converted with convert_classic_histograms_to_nhcb) go to AppendHistogram after
// the max-schema reduction and the bucket limit, and count as one sample each (scraped,
// post-relabeling, sample_limit), as in Prometheus.
AppendResult AppendScrapeBody(storage::Appender& app, ScrapeCache& cache, const SampleOptions& opts,
                              std::string_view body, model::Format format, int64_t timestamp_ms);

// Appends stale markers for every series of the previous successful scrape that this (failed
// or final) iteration did not expose; the iteration is then closed as failed.
void AppendStaleMarkers(storage::Appender& app, ScrapeCache& cache, int64_t timestamp_ms);

class ScrapeLoop {
 public:
  enum class StopMode {
    kShutdown,    // server stopping: no stale markers (Prometheus restarts where it was)
    kTargetGone,  // target removed: end-of-run stale markers after ~2 intervals
    kHandOver,    // a successor loop takes the cache: no stale markers
  };

  // `db` must outlive the loop. A `cache` from a stopped predecessor continues its series and
  // staleness state; null starts empty. Fails on bad HTTP options (scheme, TLS files).
  static absl::StatusOr<std::shared_ptr<ScrapeLoop>> Create(
      boost::asio::io_context& io, storage::Appendable* db, ScrapeLoopOptions options,
      std::shared_ptr<ScrapeCache> cache = nullptr);
  virtual ~ScrapeLoop() = default;

  // Schedules the first scrape. Call once.
  virtual void Start() = 0;
  // Stops scraping (an in-flight request is aborted). `done` runs once (on an io thread) after
  // the loop's last action, e.g. after the end-of-run stale markers; calling Stop again with
  // kShutdown cuts a pending end-of-run wait short. Thread-safe.
  virtual void Stop(StopMode mode, std::function<void()> done) = 0;

  // Takes over a predecessor's health, last error, last scrape and counters (a reload restarts
  // a loop; /api/v1/targets should not flip to "unknown"). Call before Start().
  virtual void InheritStatus(const TargetStatus& previous) = 0;

  // Makes every following scrape fail with `error` without contacting the target (OK clears
  // it), as Prometheus does for a pool over its target_limit. Thread-safe.
  virtual void SetForcedError(absl::Status error) = 0;

  virtual const ScrapeLoopOptions& options() const = 0;
  // Snapshot of the target's state. Thread-safe.
  virtual TargetStatus Status() const = 0;
  // Metadata (TYPE/HELP/UNIT) last exposed by the target, sorted by family. Thread-safe.
  virtual std::vector<model::MetricMetadata> Metadata() const = 0;
  // The cache, for handing over to a successor after Stop(kHandOver) completed.
  virtual std::shared_ptr<ScrapeCache> cache() const = 0;
};

// The X-Prometheus-Scrape-Timeout-Seconds value for a timeout ("10", "0.5").
std::string ScrapeTimeoutHeaderValue(std::chrono::milliseconds timeout);

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_SCRAPE_LOOP_H_
