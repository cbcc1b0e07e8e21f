#include "scrape/scrape_loop.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/go_format.h"
#include "model/nhcb_parser.h"
#include "model/protoparse.h"
#include "model/value.h"
#include "model/relabel.h"
#include "model/target_merge.h"
#include "scrape/protocols.h"
#include "scrape/target_labels.h"

namespace promlet::scrape {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Prometheus' %.50s / %.50q truncation in limit errors.
std::string Trunc50(std::string_view s) { return std::string(s.substr(0, 50)); }

absl::Status CheckLabelLimits(const SampleOptions& o, const model::Labels& lset) {
  if (o.label_limit <= 0 && o.label_name_length_limit <= 0 && o.label_value_length_limit <= 0) {
    return absl::OkStatus();
  }
  std::string metric = Trunc50(lset.MetricName());
  if (o.label_limit > 0 && static_cast<int64_t>(lset.size()) > o.label_limit) {
    return absl::ResourceExhaustedError(
        absl::StrCat("label_limit exceeded (metric: ", metric, ", number of labels: ",
                     lset.size(), ", limit: ", o.label_limit, ")"));
  }
  for (const auto& l : lset) {
    if (o.label_name_length_limit > 0 &&
        static_cast<int64_t>(l.name.size()) > o.label_name_length_limit) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "label_name_length_limit exceeded (metric: ", metric, ", label name: ", Trunc50(l.name),
          ", length: ", l.name.size(), ", limit: ", o.label_name_length_limit, ")"));
    }
    if (o.label_value_length_limit > 0 &&
        static_cast<int64_t>(l.value.size()) > o.label_value_length_limit) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "label_value_length_limit exceeded (metric: ", metric, ", label name: ",
          Trunc50(l.name), ", value: \"", Trunc50(l.value), "\", length: ", l.value.size(),
          ", limit: ", o.label_value_length_limit, ")"));
    }
  }
  return absl::OkStatus();
}

bool IsRefNotFound(const absl::Status& s) { return absl::IsNotFound(s); }

// The synthetic series of every scrape, in the order Prometheus reports them.
constexpr const char* kReportNames[] = {
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
};
constexpr size_t kNumReport = sizeof(kReportNames) / sizeof(kReportNames[0]);

}  // namespace

std::string ScrapeTimeoutHeaderValue(std::chrono::milliseconds timeout) {
  // strconv.FormatFloat(timeout.Seconds(), 'f', -1, 64), Seconds() computed as Go does.
  int64_t ms = timeout.count();
  double seconds = static_cast<double>(ms / 1000) + static_cast<double>(ms % 1000 * 1000000) / 1e9;
  return common::GoFloat(seconds, 'f');
}

bool MutateSampleLabels(const SampleOptions& opts, model::Labels* labels) {
  *labels = model::MergeTargetLabels(*labels, opts.target_labels, opts.honor_labels);
  if (opts.metric_relabel) {
    if (!opts.metric_relabel(labels)) return false;
  }
  return !labels->empty();
}

int32_t NativeHistogramMaxSchema(double min_bucket_factor) {
  if (min_bucket_factor <= 1) min_bucket_factor = 1.00271;
  const double floor = std::floor(-std::log2(std::log2(min_bucket_factor)));
  if (floor >= model::histogram::kExponentialSchemaMax) {
    return model::histogram::kExponentialSchemaMax;
  }
  if (floor <= model::histogram::kExponentialSchemaMin) {
    return model::histogram::kExponentialSchemaMin;
  }
  return static_cast<int32_t>(floor);
}

namespace {

const absl::Status& BucketLimitError() {
  static const absl::Status* const kErr =
      new absl::Status(absl::ResourceExhaustedError("histogram bucket limit exceeded"));
  return *kErr;
}

// Prometheus' maxSchemaAppender then bucketLimitAppender, on one histogram (either kind): the
// schema is reduced to max_schema, then one step at a time until the buckets fit the limit.
template <typename H>
absl::Status FitHistogram(const SampleOptions& opts, H* h) {
  namespace hist = model::histogram;
  if (hist::IsExponentialSchemaReserved(h->schema) && h->schema > opts.native_histogram_max_schema) {
    if (auto st = h->ReduceResolution(opts.native_histogram_max_schema); !st.ok()) return st;
  }
  const int64_t limit = opts.native_histogram_bucket_limit;
  if (limit <= 0) return absl::OkStatus();
  auto buckets = [&] {
    return static_cast<int64_t>(h->positive_buckets.size() + h->negative_buckets.size());
  };
  if (buckets() > limit && !hist::IsExponentialSchema(h->schema)) return BucketLimitError();
  while (buckets() > limit) {
    if (h->schema <= hist::kExponentialSchemaMin) return BucketLimitError();
    if (auto st = h->ReduceResolution(h->schema - 1); !st.ok()) return st;
  }
  return absl::OkStatus();
}

// The parser behind a body: the text parsers, or the protobuf one.
template <typename P>
concept HasHistograms = requires(P p) { p.IntHistogram(); };

template <typename P>
AppendResult AppendParsed(P& parser, storage::Appender& app, ScrapeCache& cache,
                          const SampleOptions& opts, int64_t timestamp_ms) {
  AppendResult r;
  cache.BeginIteration();
  bool limit_exceeded = false;
  uint64_t limited = 0;  // samples that reached the sample_limit check (Prometheus' limitAppender)
  while (true) {
    absl::StatusOr<model::Entry> entry = parser.Next();
    if (!entry.ok()) {
      r.error = entry.status();
      break;
    }
    if (*entry == model::Entry::kEOF) break;
    bool is_histogram = false;
    switch (*entry) {
      case model::Entry::kType:
        cache.SetType(parser.FamilyName(), parser.Type());
        continue;
      case model::Entry::kHelp:
        if (std::optional<std::string_view> plain = parser.PlainHelp()) {
          cache.SetHelp(parser.FamilyName(), *plain);
        } else {
          cache.SetHelp(parser.FamilyName(), parser.Help());
        }
        continue;
      case model::Entry::kUnit:
        cache.SetUnit(parser.FamilyName(), parser.Unit());
        continue;
      case model::Entry::kSeries:
        break;
      case model::Entry::kHistogram:
        is_histogram = true;
        break;
      default:
        continue;
    }
    if (parser.IsCreatedSeries()) continue;  // Prometheus does not store _created as samples
    ++r.total;
    int64_t t = timestamp_ms;
    bool explicit_ts = false;
    if (opts.honor_timestamps) {
      if (auto pts = parser.TimestampMs()) {
        t = *pts;
        explicit_ts = true;
      }
    }
    std::string_view raw = parser.RawSeries();
    ScrapeCache::Entry* e = cache.Get(raw);
    bool is_new = false;
    model::Labels lset;  // only materialised for series new to the cache
    // Labels of the current series after honor_labels, relabeling and limits; false on error
    // (r.error set) or drop (*dropped).
    auto build_labels = [&](bool* dropped) {
      *dropped = false;
      absl::Status s = parser.ParseLabels(&lset);
      if (!s.ok()) {
        r.error = s;  // the parser's errors already name the line
        return false;
      }
      if (!MutateSampleLabels(opts, &lset)) {
        *dropped = true;
        return true;
      }
      if (lset.MetricName().empty()) {
        r.error = absl::InvalidArgumentError("missing metric name (__name__ label)");
        return false;
      }
      s = CheckLabelLimits(opts, lset);
      if (!s.ok()) {
        r.error = s;
        return false;
      }
      return true;
    };
    if (e == nullptr) {
      bool dropped;
      if (!build_labels(&dropped)) break;
      e = cache.Add(raw, dropped);
      if (dropped) continue;
      is_new = true;
    } else if (e->dropped) {
      continue;
    }
    ++r.added;
    model::histogram::Histogram* h = nullptr;
    model::histogram::FloatHistogram* fh = nullptr;
    if constexpr (HasHistograms<P>) {
      if (is_histogram) {
        h = parser.IntHistogram();
        fh = parser.FloatHistogram();
        absl::Status fit = h != nullptr ? FitHistogram(opts, h) : FitHistogram(opts, fh);
        if (!fit.ok()) {
          if (fit == BucketLimitError()) {
            // Keep counting what the target exposes, as for sample_limit.
            r.bucket_limit_exceeded = true;
            continue;
          }
          r.error = fit;
          break;
        }
      }
    }
    ++limited;
    if (opts.sample_limit > 0 && static_cast<int64_t>(limited) > opts.sample_limit) {
      // Keep counting what the target exposes, as Prometheus reports it, but store nothing.
      limit_exceeded = true;
      continue;
    }
    if (limit_exceeded || r.bucket_limit_exceeded) continue;
    if (e->ref == 0 && !is_new) {
      // Known text whose first append failed (e.g. out of order): it has no ref yet.
      bool dropped;
      if (!build_labels(&dropped)) break;
    }
    auto append = [&](storage::SeriesRef ref) {
      if constexpr (HasHistograms<P>) {
        if (is_histogram) return app.AppendHistogram(ref, lset, t, h, fh);
      }
      return app.Append(ref, lset, t, parser.Value());
    };
    absl::StatusOr<storage::SeriesRef> ref = append(e->ref);
    if (!ref.ok() && e->ref != 0 && IsRefNotFound(ref.status())) {
      // The storage forgot the series (e.g. head truncation): resolve it by labels again.
      bool dropped;
      if (!build_labels(&dropped)) break;
      e->ref = 0;
      ref = append(0);
    }
    if (!ref.ok()) {
      const absl::Status& s = ref.status();
      if (storage::IsOutOfOrder(s)) {
        ++r.out_of_order;
      } else if (storage::IsDuplicateSample(s)) {
        ++r.duplicates;
      } else if (storage::IsOutOfBounds(s)) {
        ++r.out_of_bounds;
      } else {
        r.error = s;
        break;
      }
      continue;
    }
    if (e->ref == 0) {
      e->ref = *ref;
      if (is_new) ++r.series_added;
    } else {
      e->ref = *ref;
    }
    if (!explicit_ts || opts.track_timestamps_staleness) cache.TrackStaleness(e);
  }
  cache.EndMetadata();
  if (r.error.ok() && limit_exceeded) r.error = absl::ResourceExhaustedError("sample limit exceeded");
  if (r.error.ok() && r.bucket_limit_exceeded) r.error = BucketLimitError();
  if (!r.error.ok()) return r;  // the caller rolls back and calls AppendStaleMarkers

  cache.ForEachStale([&](const ScrapeCache::Entry& stale) {
    // Out-of-order and duplicate markers are expected (a target came back) and ignored. A
    // histogram series gets its marker from the storage (a float stale marker marks it stale).
    (void)app.Append(stale.ref, model::Labels(), timestamp_ms, model::StaleNaN());
  });
  cache.EndIteration(/*success=*/true);
  return r;
}

}  // namespace

AppendResult AppendScrapeBody(storage::Appender& app, ScrapeCache& cache, const SampleOptions& opts,
                              std::string_view body, model::Format format, int64_t timestamp_ms) {
  if (format == model::Format::kProtobuf) {
    model::ProtoParser parser(
        body, model::ProtoParserOptions{
                  .ignore_native_histograms = !opts.scrape_native_histograms,
                  .keep_classic_histograms = opts.always_scrape_classic_histograms,
                  .convert_classic_to_nhcb = opts.convert_classic_histograms_to_nhcb});
    return AppendParsed(parser, app, cache, opts, timestamp_ms);
  }
  if (opts.convert_classic_histograms_to_nhcb) {
    model::NhcbTextParser parser(body, format, opts.always_scrape_classic_histograms);
    return AppendParsed(parser, app, cache, opts, timestamp_ms);
  }
  model::Parser parser(body, format);
  return AppendParsed(parser, app, cache, opts, timestamp_ms);
}

void AppendStaleMarkers(storage::Appender& app, ScrapeCache& cache, int64_t timestamp_ms) {
  cache.BeginIteration();
  cache.ForEachStale([&](const ScrapeCache::Entry& stale) {
    (void)app.Append(stale.ref, model::Labels(), timestamp_ms, model::StaleNaN());
  });
  cache.EndIteration(/*success=*/false);
}

namespace {

class LoopImpl : public ScrapeLoop, public std::enable_shared_from_this<LoopImpl> {
 public:
  LoopImpl(asio::io_context& io, storage::Appendable* db, ScrapeLoopOptions opts,
           std::shared_ptr<ScrapeCache> cache)
      : strand_(asio::make_strand(io)),
        timer_(strand_),
        db_(db),
        opts_(std::move(opts)),
        cache_(cache ? std::move(cache) : std::make_shared<ScrapeCache>()) {
    status_.scrape_pool = opts_.scrape_pool;
    status_.scrape_url = opts_.scrape_url;
    status_.global_url = opts_.scrape_url;
    status_.labels = PublicTargetLabels(opts_.target_labels);
    status_.discovered_labels = opts_.discovered_labels;
    status_.scrape_interval = opts_.interval;
    status_.scrape_timeout = opts_.timeout;
    for (size_t i = 0; i < kNumReport; ++i) {
      model::LabelsBuilder b(opts_.samples.target_labels);
      b.Set(model::kMetricName, kReportNames[i]);
      report_labels_[i] = b.Build();
    }
  }

  absl::Status Init() {
    absl::StatusOr<std::unique_ptr<net::HttpClient>> c = net::HttpClient::Create(strand_, opts_.http);
    if (!c.ok()) return c.status();
    client_ = *std::move(c);
    return absl::OkStatus();
  }

  void Start() override {
    asio::post(strand_, [self = shared_from_this()] { self->ScheduleFirst(); });
  }

  void Stop(StopMode mode, std::function<void()> done) override {
    asio::post(strand_, [self = shared_from_this(), mode, done = std::move(done)]() mutable {
      self->DoStop(mode, std::move(done));
    });
  }

  void InheritStatus(const TargetStatus& previous) override {
    std::lock_guard<std::mutex> lock(status_mu_);
    status_.health = previous.health;
    status_.last_error = previous.last_error;
    status_.last_scrape = previous.last_scrape;
    status_.last_scrape_duration_seconds = previous.last_scrape_duration_seconds;
    status_.scrapes = previous.scrapes;
    status_.missed_scrapes = previous.missed_scrapes;
    status_.last_samples_scraped = previous.last_samples_scraped;
    status_.samples_out_of_order = previous.samples_out_of_order;
    status_.samples_duplicate = previous.samples_duplicate;
    status_.samples_out_of_bounds = previous.samples_out_of_bounds;
  }

  void SetForcedError(absl::Status error) override {
    std::lock_guard<std::mutex> lock(status_mu_);
    forced_error_ = std::move(error);
  }

  const ScrapeLoopOptions& options() const override { return opts_; }

  TargetStatus Status() const override {
    std::lock_guard<std::mutex> lock(status_mu_);
    return status_;
  }

  std::vector<model::MetricMetadata> Metadata() const override { return cache_->Metadata(); }
  std::shared_ptr<ScrapeCache> cache() const override { return cache_; }

 private:
  enum class State { kIdle, kWaiting, kScraping, kEndOfRun, kFinished };

  void ScheduleFirst() {
    if (state_ != State::kIdle) return;
    const int64_t interval_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.interval).count();
    if (interval_ns <= 0) return;
    const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    // As Prometheus' Target.offset: the same target scrapes at the same phase of the interval
    // on every start, and a fleet spreads evenly.
    int64_t base = interval_ns - now_ns % interval_ns;
    int64_t offset = static_cast<int64_t>(
        (TargetHash(opts_.target_labels, opts_.scrape_url) ^ opts_.offset_seed) %
        static_cast<uint64_t>(interval_ns));
    int64_t next = base + offset;
    if (next > interval_ns) next -= interval_ns;
    if (opts_.scrape_immediately) next = 0;
    next_tick_ = Clock::now() + std::chrono::nanoseconds(next);
    Arm();
  }

  void Arm() {
    state_ = State::kWaiting;
    timer_.expires_at(next_tick_);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->state_ != State::kWaiting) return;
      self->Scrape();
    });
  }

  void Scrape() {
    state_ = State::kScraping;
    scrape_start_ = Clock::now();
    int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    // Prometheus aligns a timestamp within 2 ms of the expected one, so that steady targets
    // produce perfectly regular timestamps (cheaper to store).
    if (last_ts_ms_ != 0) {
      int64_t expected = last_ts_ms_ + opts_.interval.count();
      if (std::abs(now_ms - expected) <= 2) now_ms = expected;
    }
    scrape_ts_ms_ = now_ms;
    absl::Status forced;
    {
      std::lock_guard<std::mutex> lock(status_mu_);
      forced = forced_error_;
    }
    if (!forced.ok()) {
      OnResponse(forced);
      return;
    }
    client_->AsyncGet(opts_.timeout,
                      [self = shared_from_this()](absl::StatusOr<net::HttpClientResponse> r) {
                        self->OnResponse(std::move(r));
                      });
  }

  void OnResponse(absl::StatusOr<net::HttpClientResponse> resp) {
    if (state_ != State::kScraping) {  // stopped meanwhile
      Finalize();
      return;
    }
    const int64_t ts = scrape_ts_ms_;
    absl::Status scrape_err;
    AppendResult r;
    std::unique_ptr<storage::Appender> app = db_->NewAppender();
    if (!resp.ok()) {
      scrape_err = resp.status();
      AppendStaleMarkers(*app, *cache_, ts);
    } else {
      absl::StatusOr<model::Format> format =
          FormatForContentType(resp->content_type, opts_.fallback_format);
      if (!format.ok()) {
        r.error = format.status();
      } else {
        r = AppendScrapeBody(*app, *cache_, opts_.samples, resp->body, *format, ts);
      }
      net::RecycleBodyBuffer(std::move(resp->body));
      if (!r.error.ok()) {
        app->Rollback();
        app = db_->NewAppender();
        AppendStaleMarkers(*app, *cache_, ts);
        scrape_err = r.error;
      }
    }
    const double duration =
        std::chrono::duration<double>(Clock::now() - scrape_start_).count();
    const double report[kNumReport] = {
        scrape_err.ok() ? 1.0 : 0.0, duration, static_cast<double>(r.total),
        static_cast<double>(r.added), static_cast<double>(r.series_added)};
    AppendReport(*app, ts, report);
    absl::Status commit = app->Commit();
    if (!commit.ok() && scrape_err.ok()) scrape_err = commit;
    last_ts_ms_ = ts;
    {
      std::lock_guard<std::mutex> lock(status_mu_);
      status_.health = scrape_err.ok() ? TargetHealth::kUp : TargetHealth::kDown;
      status_.last_error = scrape_err.ok() ? "" : std::string(scrape_err.message());
      status_.last_scrape = std::chrono::system_clock::time_point(std::chrono::milliseconds(ts));
      status_.last_scrape_duration_seconds = duration;
      status_.last_samples_scraped = r.total;
      status_.samples_out_of_order += r.out_of_order;
      status_.samples_duplicate += r.duplicates;
      status_.samples_out_of_bounds += r.out_of_bounds;
      ++status_.scrapes;
    }
    // Next tick; ticks that already passed are missed, as with Go's ticker.
    next_tick_ += opts_.interval;
    const auto now = Clock::now();
    uint64_t missed = 0;
    while (next_tick_ <= now) {
      next_tick_ += opts_.interval;
      ++missed;
    }
    if (missed > 0) {
      std::lock_guard<std::mutex> lock(status_mu_);
      status_.missed_scrapes += missed;
    }
    Arm();
  }

  void AppendReport(storage::Appender& app, int64_t ts, const double* values) {
    for (size_t i = 0; i < kNumReport; ++i) {
      absl::StatusOr<storage::SeriesRef> ref =
          app.Append(report_refs_[i], report_labels_[i], ts, values[i]);
      if (!ref.ok() && report_refs_[i] != 0 && IsRefNotFound(ref.status())) {
        report_refs_[i] = 0;
        ref = app.Append(0, report_labels_[i], ts, values[i]);
      }
      if (ref.ok()) report_refs_[i] = *ref;
    }
  }

  void DoStop(StopMode mode, std::function<void()> done) {
    if (done) done_.push_back(std::move(done));
    if (state_ == State::kFinished) {
      RunDone();
      return;
    }
    if (stopping_) {
      // A second Stop (shutdown) cuts a pending end-of-run wait short.
      if (mode == StopMode::kShutdown && state_ == State::kEndOfRun) {
        timer_.cancel();
        Finish();
      }
      return;
    }
    stopping_ = true;
    mode_ = mode;
    const State was = state_;
    state_ = State::kIdle;
    timer_.cancel();
    if (was == State::kScraping) {
      client_->Close();  // OnResponse sees the abort and calls Finalize
      return;
    }
    Finalize();
  }

  void Finalize() {
    if (mode_ != StopMode::kTargetGone || last_ts_ms_ == 0) {
      Finish();
      return;
    }
    // End-of-run staleness as Prometheus: wait for the next tick (its time becomes the marker
    // timestamp), one more tick (a recreated target has scraped by then), then 10% more.
    state_ = State::kEndOfRun;
    const auto now = Clock::now();
    while (next_tick_ <= now) next_tick_ += opts_.interval;
    timer_.expires_at(next_tick_);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->state_ != State::kEndOfRun) return;
      self->stale_ts_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
      self->timer_.expires_at(self->next_tick_ + self->opts_.interval +
                              self->opts_.interval / 10);
      self->timer_.async_wait([self](const boost::system::error_code& ec2) {
        if (ec2 || self->state_ != State::kEndOfRun) return;
        self->WriteEndOfRunStaleness();
        self->Finish();
      });
    });
  }

  void WriteEndOfRunStaleness() {
    std::unique_ptr<storage::Appender> app = db_->NewAppender();
    AppendStaleMarkers(*app, *cache_, stale_ts_ms_);
    const double stale[kNumReport] = {model::StaleNaN(), model::StaleNaN(), model::StaleNaN(),
                                      model::StaleNaN(), model::StaleNaN()};
    AppendReport(*app, stale_ts_ms_, stale);
    (void)app->Commit();
  }

  void Finish() {
    state_ = State::kFinished;
    if (client_) client_->Close();
    RunDone();
  }

  void RunDone() {
    std::vector<std::function<void()>> done;
    done.swap(done_);
    for (auto& d : done) d();
  }

  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer timer_;
  storage::Appendable* db_;
  const ScrapeLoopOptions opts_;
  std::shared_ptr<ScrapeCache> cache_;
  std::unique_ptr<net::HttpClient> client_;

  // Strand-only state.
  State state_ = State::kIdle;
  bool stopping_ = false;
  StopMode mode_ = StopMode::kShutdown;
  Clock::time_point next_tick_{};
  Clock::time_point scrape_start_{};
  int64_t scrape_ts_ms_ = 0;
  int64_t last_ts_ms_ = 0;  // timestamp of the last completed scrape; 0 = never
  int64_t stale_ts_ms_ = 0;
  storage::SeriesRef report_refs_[kNumReport] = {};
  model::Labels report_labels_[kNumReport];
  std::vector<std::function<void()>> done_;

  mutable std::mutex status_mu_;
  TargetStatus status_;
  absl::Status forced_error_;  // guarded by status_mu_
};

}  // namespace

absl::StatusOr<std::shared_ptr<ScrapeLoop>> ScrapeLoop::Create(
    boost::asio::io_context& io, storage::Appendable* db, ScrapeLoopOptions options,
    std::shared_ptr<ScrapeCache> cache) {
  auto loop = std::make_shared<LoopImpl>(io, db, std::move(options), std::move(cache));
  absl::Status s = loop->Init();
  if (!s.ok()) return s;
  return std::shared_ptr<ScrapeLoop>(std::move(loop));
}

}  // namespace promlet::scrape
