#include "storage/remote/write_handler.h"

#include <chrono>
#include <mutex>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "storage/remote/codec.h"
#include "storage/remote/write_wire.h"

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

uint64_t RandomSeed() {
  static std::mutex mu;
  static std::mt19937_64 gen{std::random_device{}()};
  std::lock_guard<std::mutex> l(mu);
  return gen();
}

struct SeriesKey {
  uint64_t lo = 0, hi = 0;
  bool operator==(const SeriesKey& o) const { return lo == o.lo && hi == o.hi; }
  template <typename H>
  friend H AbslHashValue(H h, const SeriesKey& k) {
    return H::combine(std::move(h), k.lo);
  }
};

// A series to append: from the cache (ref set, labels empty) or resolved from its labels.
struct PlannedSeries {
  storage::SeriesRef ref = 0;
  model::Labels labels;
  const storage::Sample* samples = nullptr;
  size_t num_samples = 0;
  HistogramSample* histograms = nullptr;  // only from libprotobuf (write_wire leaves them)
  size_t num_histograms = 0;
  const WireSeries* wire = nullptr;  // null when decoded by libprotobuf (not cached)
  SeriesKey key;
};

// Per-thread buffers reused by every request a thread serves.
struct Scratch {
  std::string snappy;
  WireWrite wire;
  std::vector<PlannedSeries> plan;
  std::string key_bytes;
  std::vector<std::pair<SeriesKey, storage::SeriesRef>> resolved;
};

Scratch& ThreadScratch() {
  thread_local Scratch s;
  return s;
}

// Frees a thread's buffers after a request larger than usual, so that each I/O thread keeps at
// most about kKeepScratchBytes of decoded body (plus its decoded form), not the largest ever.
constexpr size_t kKeepScratchBytes = 4 << 20;
class ScratchTrim {
 public:
  explicit ScratchTrim(Scratch* s) : s_(s) {}
  ~ScratchTrim() {
    if (s_->snappy.size() > kKeepScratchBytes) *s_ = Scratch();
  }
  ScratchTrim(const ScratchTrim&) = delete;
  ScratchTrim& operator=(const ScratchTrim&) = delete;

 private:
  Scratch* s_;
};

absl::StatusOr<model::Labels> WireSeriesLabels(const WireWrite& w, const WireSeries& s) {
  std::vector<model::Label> pairs;
  pairs.reserve(s.labels_end - s.labels_begin);
  for (uint32_t i = s.labels_begin; i < s.labels_end; ++i) {
    pairs.push_back(model::Label{std::string(w.labels[i].name), std::string(w.labels[i].value)});
  }
  return LabelsFromWire(std::move(pairs));
}

void AppendLength(size_t n, std::string* out) {
  while (n >= 0x80) {
    out->push_back(static_cast<char>(n | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
}

// Prometheus' remoteWriteAppender.AppendHistogram: schemas 9..52 (reserved for finer
// exponential schemas) are reduced to 8 first, then the storage validates and appends.
absl::StatusOr<storage::SeriesRef> AppendHistogramSample(storage::Appender* app,
                                                         storage::SeriesRef ref,
                                                         const model::Labels& labels,
                                                         HistogramSample* x) {
  namespace hist = model::histogram;
  const int32_t schema = x->is_float ? x->fh.schema : x->h.schema;
  if (hist::IsExponentialSchemaReserved(schema) && schema > hist::kExponentialSchemaMax) {
    absl::Status st = x->is_float ? x->fh.ReduceResolution(hist::kExponentialSchemaMax)
                                  : x->h.ReduceResolution(hist::kExponentialSchemaMax);
    if (!st.ok()) return absl::InvalidArgumentError(st.message());
  }
  return x->is_float ? app->AppendHistogram(ref, labels, x->t, nullptr, &x->fh)
                     : app->AppendHistogram(ref, labels, x->t, &x->h, nullptr);
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

// Series key -> storage ref, shared by the handler's concurrent requests (one lock to look up a
// request's series, one to add the new ones after its commit).
class WriteHandler::SeriesCache {
 public:
  explicit SeriesCache(size_t max_entries)
      : max_entries_(max_entries), seed_lo_(RandomSeed()), seed_hi_(RandomSeed()) {}

  SeriesKey Key(const WireWrite& w, const WireSeries& s, std::string* scratch) const {
    scratch->clear();
    for (uint32_t i = s.labels_begin; i < s.labels_end; ++i) {
      AppendLength(w.labels[i].name.size(), scratch);
      scratch->append(w.labels[i].name);
      AppendLength(w.labels[i].value.size(), scratch);
      scratch->append(w.labels[i].value);
    }
    SeriesKey k;
    common::Murmur3x64_128(scratch->data(), scratch->size(), seed_lo_, seed_hi_, &k.lo, &k.hi);
    return k;
  }
  // Sets ref of each planned series the cache knows.
  void Lookup(std::vector<PlannedSeries>* plan) {
    std::lock_guard<std::mutex> l(mu_);
    for (PlannedSeries& p : *plan) {
      auto it = refs_.find(p.key);
      if (it != refs_.end()) p.ref = it->second;
    }
  }
  void Add(const std::vector<std::pair<SeriesKey, storage::SeriesRef>>& resolved) {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [key, ref] : resolved) {
      if (refs_.size() >= max_entries_) refs_.clear();
      refs_[key] = ref;
    }
  }

 private:
  const size_t max_entries_;
  const uint64_t seed_lo_, seed_hi_;
  std::mutex mu_;
  absl::flat_hash_map<SeriesKey, storage::SeriesRef> refs_;
};

WriteHandler::WriteHandler(storage::Appendable* storage, WriteHandlerOptions options)
    : storage_(storage), options_(std::move(options)) {
  if (options_.series_cache_size > 0) {
    cache_ = std::make_unique<SeriesCache>(options_.series_cache_size);
  }
}

WriteHandler::~WriteHandler() = default;

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
  Scratch& scratch = ThreadScratch();
  ScratchTrim trim(&scratch);
  auto raw = SnappyUncompressInto(request.body, options_.max_decoded_bytes, &scratch.snappy);
  if (!raw.ok()) {
    stats_.malformed_requests.fetch_add(1, std::memory_order_relaxed);
    return Error(400, std::string(raw.status().message()));
  }
  std::vector<PlannedSeries>& plan = scratch.plan;
  plan.clear();
  size_t invalid_series = 0;
  DecodedWrite decoded;  // only for bodies outside write_wire's subset
  const WireWrite& wire = scratch.wire;
  if (DecodeWriteWire(*proto, *raw, &scratch.wire)) {
    plan.resize(wire.series.size());
    for (size_t i = 0; i < plan.size(); ++i) {
      const WireSeries& ws = wire.series[i];
      PlannedSeries& p = plan[i];
      p.wire = &ws;
      p.samples = wire.samples.data() + ws.samples_begin;
      p.num_samples = ws.samples_end - ws.samples_begin;
      if (cache_) p.key = cache_->Key(wire, ws, &scratch.key_bytes);
    }
    if (cache_) cache_->Lookup(&plan);
    size_t kept = 0;
    for (size_t i = 0; i < plan.size(); ++i) {
      PlannedSeries& p = plan[i];
      if (p.ref == 0) {
        auto labels = WireSeriesLabels(wire, *p.wire);
        if (!labels.ok()) {
          ++invalid_series;
          continue;
        }
        p.labels = *std::move(labels);
      } else {
        stats_.series_cache_hits.fetch_add(1, std::memory_order_relaxed);
      }
      if (kept != i) plan[kept] = std::move(p);
      ++kept;
    }
    plan.resize(kept);
  } else {
    auto d = DecodeWriteRequest(*proto, *raw);
    if (!d.ok()) {
      stats_.malformed_requests.fetch_add(1, std::memory_order_relaxed);
      return Error(400, std::string(d.status().message()));
    }
    decoded = *std::move(d);
    invalid_series = decoded.invalid_series;
    plan.resize(decoded.series.size());
    for (size_t i = 0; i < plan.size(); ++i) {
      plan[i].labels = std::move(decoded.series[i].labels);
      plan[i].samples = decoded.series[i].samples.data();
      plan[i].num_samples = decoded.series[i].samples.size();
      plan[i].histograms = decoded.series[i].histograms.data();
      plan[i].num_histograms = decoded.series[i].histograms.size();
    }
  }
  stats_.invalid_series.fetch_add(invalid_series, std::memory_order_relaxed);
  if (invalid_series > 0 && options_.log) {
    options_.log(absl::StrCat("remote write: skipped ", invalid_series,
                              " series with invalid metric name or labels"));
  }
  const int64_t now = options_.now_ms ? options_.now_ms()
                                      : std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count();
  const int64_t max_t = now + kMaxAheadMs;
  const bool v1 = *proto == WriteProto::kV1;
  auto app = storage_->NewAppender();
  uint64_t appended = 0, rejected = 0, hist_appended = 0, hist_rejected = 0;
  std::string bad;  // the first rejection, quoted in the answer
  auto& resolved = scratch.resolved;
  resolved.clear();
  for (PlannedSeries& s : plan) {
    storage::SeriesRef ref = s.ref;
    bool from_cache = ref != 0;
    for (size_t i = 0; i < s.num_samples; ++i) {
      const storage::Sample& x = s.samples[i];
      absl::Status st;
      if (x.t > max_t) {
        st = storage::ErrOutOfBounds();
      } else {
        auto r = app->Append(ref, ref ? model::Labels() : s.labels, x.t, x.v);
        if (!r.ok() && from_cache && absl::IsNotFound(r.status())) {
          // The storage dropped the series since it was cached (head truncation): by labels.
          stats_.series_cache_stale.fetch_add(1, std::memory_order_relaxed);
          from_cache = false;
          ref = 0;
          auto labels = WireSeriesLabels(wire, *s.wire);  // valid: it was cached
          if (labels.ok()) s.labels = *std::move(labels);
          r = app->Append(0, s.labels, x.t, x.v);
        }
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
        if (s.labels.empty() && s.wire != nullptr) {
          auto labels = WireSeriesLabels(wire, *s.wire);
          if (labels.ok()) s.labels = *std::move(labels);
        }
        bad =
            absl::StrCat(st.message(), " for series ", s.labels.ToString(), " at timestamp ", x.t);
      }
      if (v1) break;
    }
    if (v1 && !bad.empty()) break;
    // Histograms come only through libprotobuf, so the series' labels are at hand.
    for (size_t i = 0; i < s.num_histograms; ++i) {
      HistogramSample& x = s.histograms[i];
      absl::StatusOr<storage::SeriesRef> r =
          x.t > max_t ? absl::StatusOr<storage::SeriesRef>(storage::ErrOutOfBounds())
                      : AppendHistogramSample(app.get(), ref, s.labels, &x);
      if (r.ok()) {
        ref = *r;
        ++hist_appended;
        continue;
      }
      // Out of order, duplicate, out of bounds and invalid histograms (Prometheus'
      // histogram.Error: InvalidArgument here) are the sender's fault: 400, not retried.
      if (!IsBadSample(r.status()) && !absl::IsInvalidArgument(r.status())) {
        app->Rollback();
        return Error(StorageErrorStatus(r.status()), std::string(r.status().message()));
      }
      ++hist_rejected;
      if (bad.empty()) {
        bad = absl::StrCat(r.status().message(), " for series ", s.labels.ToString(),
                           " at timestamp ", x.t);
      }
      if (v1) break;
    }
    if (v1 && !bad.empty()) break;
    if (cache_ && !from_cache && ref != 0 && s.wire != nullptr) resolved.emplace_back(s.key, ref);
  }
  stats_.samples_rejected.fetch_add(rejected, std::memory_order_relaxed);
  stats_.histograms_rejected.fetch_add(hist_rejected, std::memory_order_relaxed);
  if (!bad.empty() && options_.log) options_.log(absl::StrCat("remote write: ", bad));
  if (v1 && !bad.empty()) {
    app->Rollback();
    return Error(400, bad);
  }
  if (auto st = app->Commit(); !st.ok()) {
    return Error(StorageErrorStatus(st), std::string(st.message()));
  }
  if (cache_ && !resolved.empty()) cache_->Add(resolved);
  stats_.samples_appended.fetch_add(appended, std::memory_order_relaxed);
  stats_.histograms_appended.fetch_add(hist_appended, std::memory_order_relaxed);
  WriteHttpResponse out;
  if (!v1) {
    out.headers = {{"X-Prometheus-Remote-Write-Samples-Written", absl::StrCat(appended)},
                   {"X-Prometheus-Remote-Write-Histograms-Written", absl::StrCat(hist_appended)},
                   {"X-Prometheus-Remote-Write-Exemplars-Written", "0"}};
    if (invalid_series > 0 && bad.empty()) {
      bad = absl::StrCat(invalid_series, " series with invalid metric name or labels");
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
