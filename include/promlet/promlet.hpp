// promlet.hpp: the C++20 API of promlet, an embeddable Prometheus-compatible time-series
// database: the capabilities of promlet.h with RAII handles, typed query results instead of
// JSON (native histograms included), and what C makes awkward (batch append of exposition text
// or protobuf, iteration over series and raw samples, label names and values).
//
// Conventions:
//  - No exceptions: fallible calls return promlet::Status or promlet::Result<T>. Reading the
//    value of a failed Result is a programming error (it aborts with the message).
//  - Only the C++ standard library appears here; the implementation lives behind pimpl, so the
//    ABI does not change when promlet's internals do.
//  - Db is thread-safe; an Appender and a SeriesCursor belong to one thread at a time. Every
//    Appender and SeriesCursor must be destroyed before its Db.
//  - Timestamps are int64 milliseconds since the Unix epoch.
#ifndef PROMLET_PROMLET_HPP_
#define PROMLET_PROMLET_HPP_

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "promlet/export.h"

namespace promlet {

// OK, or an error message (never empty for an error).
class Status {
 public:
  Status() = default;
  static Status Error(std::string message) {
    Status s;
    s.failed_ = true;
    s.message_ = message.empty() ? "unknown error" : std::move(message);
    return s;
  }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string& message() const { return message_; }

 private:
  bool failed_ = false;
  std::string message_;
};

// A value or the Status saying why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status error) : value_(std::move(error)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(value_).ok()) value_ = Status::Error("Result made from an OK Status");
  }
  bool ok() const { return std::holds_alternative<T>(value_); }
  explicit operator bool() const { return ok(); }
  Status status() const { return ok() ? Status() : std::get<Status>(value_); }
  T& value() & { return Get(); }
  const T& value() const& { return const_cast<Result*>(this)->Get(); }
  T&& value() && { return std::move(Get()); }
  T* operator->() { return &Get(); }
  const T* operator->() const { return &const_cast<Result*>(this)->Get(); }
  T& operator*() & { return Get(); }
  const T& operator*() const& { return const_cast<Result*>(this)->Get(); }

 private:
  T& Get() {
    if (!ok()) {
      std::fprintf(stderr, "promlet::Result::value() of an error: %s\n",
                   std::get<Status>(value_).message().c_str());
      std::abort();
    }
    return std::get<T>(value_);
  }
  std::variant<T, Status> value_;
};

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
};
// A series' identity, sorted by name; the metric name is the label "__name__".
using Labels = std::vector<Label>;
// The value of `name` in `labels`, or "" when absent.
PROMLET_EXPORT std::string_view LabelValue(const Labels& labels, std::string_view name);

struct Sample {
  int64_t timestamp_ms = 0;
  double value = 0;
  friend bool operator==(const Sample&, const Sample&) = default;
};

// One bucket of a native histogram, as the HTTP API's JSON writes it.
struct HistogramBucket {
  // Which bounds belong to the bucket (the API's boundary rule): 0 (lower, upper] (positive
  // and custom buckets), 1 [lower, upper) (negative buckets), 2 (lower, upper), 3 [lower, upper]
  // (the zero bucket, the first custom bucket).
  int boundary_rule = 0;
  double lower = 0;
  double upper = 0;
  double count = 0;
  friend bool operator==(const HistogramBucket&, const HistogramBucket&) = default;
};

// A native histogram sample (integer histograms are given with float counts).
struct Histogram {
  double count = 0;  // observations, NaN ones included
  double sum = 0;
  // Exponential schemas -4..8 (bucket boundaries at powers of 2^(2^-schema)); -53: custom
  // bucket boundaries (NHCB, a classic histogram stored as a native one).
  int32_t schema = 0;
  double zero_threshold = 0;  // the zero bucket is [-zero_threshold, zero_threshold]
  double zero_count = 0;
  bool gauge = false;  // a gauge histogram (counter resets do not apply)
  // The populated buckets, ascending: negative, zero, positive (the zero bucket appears here
  // too when populated).
  std::vector<HistogramBucket> buckets;
  friend bool operator==(const Histogram&, const Histogram&) = default;
};

struct HistogramSample {
  int64_t timestamp_ms = 0;
  Histogram histogram;
  friend bool operator==(const HistogramSample&, const HistogramSample&) = default;
};

// One element of an instant vector: a float sample, or a histogram (then sample.value is 0).
struct VectorSample {
  Labels labels;
  Sample sample;
  std::optional<Histogram> histogram;
};

// One series of a range query or range-vector result: its float samples and its histogram
// samples, each in timestamp order (as the API's "values" and "histograms").
struct Series {
  Labels labels;
  std::vector<Sample> samples;
  std::vector<HistogramSample> histograms;
};

// A PromQL answer, typed: exactly one of scalar / string / vector / matrix.
class QueryResult {
 public:
  enum class Type { kScalar, kString, kVector, kMatrix };
  struct StringValue {
    int64_t timestamp_ms = 0;
    std::string value;
  };

  Type type() const { return static_cast<Type>(value_.index()); }
  const Sample& scalar() const { return std::get<0>(value_); }
  const StringValue& string() const { return std::get<1>(value_); }
  const std::vector<VectorSample>& vector() const { return std::get<2>(value_); }
  const std::vector<Series>& matrix() const { return std::get<3>(value_); }
  // Annotations ("PromQL warning: ...", "PromQL info: ...") as the HTTP API reports them.
  const std::vector<std::string>& warnings() const { return warnings_; }
  const std::vector<std::string>& infos() const { return infos_; }

  using Value = std::variant<Sample, StringValue, std::vector<VectorSample>, std::vector<Series>>;
  QueryResult(Value value, std::vector<std::string> warnings, std::vector<std::string> infos)
      : value_(std::move(value)), warnings_(std::move(warnings)), infos_(std::move(infos)) {}

 private:
  Value value_;
  std::vector<std::string> warnings_;
  std::vector<std::string> infos_;
};

// Database options; the defaults are promlet's (and Prometheus') defaults.
struct Options {
  int64_t retention_ms = 15LL * 24 * 3600 * 1000;  // 0: no time limit
  int64_t retention_bytes = 0;                     // 0: no size limit
  int64_t block_duration_ms = 2LL * 3600 * 1000;
  int64_t query_timeout_ms = 2LL * 60 * 1000;
  int64_t query_max_samples = 50000000;
  int64_t lookback_delta_ms = 5LL * 60 * 1000;
  int query_max_concurrency = 20;  // HTTP API (Serve)
  bool lockfile = true;
};

class Db;

// A batch of samples, durable and visible at Commit(). Destroying an uncommitted Appender
// rolls it back.
class PROMLET_EXPORT Appender {
 public:
  Appender(Appender&&) noexcept;
  Appender& operator=(Appender&&) noexcept;
  ~Appender();

  // `series` as in the text exposition format: `name{label="value",...}`.
  Status Add(std::string_view series, int64_t timestamp_ms, double value);
  // The same with the labels given (the metric name as "__name__"); any order.
  Status Add(const Labels& labels, int64_t timestamp_ms, double value);
  // Every sample of an exposition-format text (Prometheus text format 0.0.4; with
  // `openmetrics`, OpenMetrics 1.0). Samples without a timestamp get `default_timestamp_ms`.
  // Stops at the first malformed line or refused sample with an error naming the line; samples
  // added before it stay in the batch.
  Status AddText(std::string_view text, int64_t default_timestamp_ms, bool openmetrics = false);
  // Every sample of a protobuf exposition body (length-delimited io.prometheus.client.
  // MetricFamily messages, what Prometheus scrapes): native histograms are stored as such,
  // classic histograms and summaries as their series. Stops at the first broken message or
  // refused sample with an error naming it; samples added before it stay in the batch.
  Status AddProtobuf(std::string_view body, int64_t default_timestamp_ms);
  // Writes the batch to the WAL (durable when OK) and makes it visible. The appender is
  // finished afterwards, whether or not it succeeded.
  Status Commit();
  void Rollback();

  class Impl;

 private:
  friend class Db;
  explicit Appender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Series matching a selector with their raw samples in a time range, one at a time.
class PROMLET_EXPORT SeriesCursor {
 public:
  SeriesCursor(SeriesCursor&&) noexcept;
  SeriesCursor& operator=(SeriesCursor&&) noexcept;
  ~SeriesCursor();

  // Advances to the next series (sorted by labels); false at the end or on error (status()).
  bool Next();
  const Labels& labels() const;
  // The current series' next sample, in timestamp order; false when it has no more. A
  // histogram sample reads as value NaN here: use the second form to get it.
  bool NextSample(Sample& out);
  // The same, with `histogram` set for a histogram sample (out.value is then 0) and reset for
  // a float sample.
  bool NextSample(Sample& out, std::optional<Histogram>& histogram);
  Status status() const;

  class Impl;

 private:
  friend class Db;
  explicit SeriesCursor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class PROMLET_EXPORT Db {
 public:
  // Opens (creating if needed) the database in `dir`. The directory is locked while open.
  static Result<Db> Open(const std::string& dir, const Options& options = {});
  Db(Db&&) noexcept;
  Db& operator=(Db&&) noexcept;
  // Stops serving, syncs the WAL and releases the directory.
  ~Db();

  Appender NewAppender();

  // PromQL at one instant, and over [start, end] every step (the result is a matrix).
  Result<QueryResult> Query(std::string_view expr, int64_t time_ms) const;
  Result<QueryResult> QueryRange(std::string_view expr, int64_t start_ms, int64_t end_ms,
                                 int64_t step_ms) const;
  // The same as the JSON of the HTTP API's "data" object.
  Result<std::string> QueryJson(std::string_view expr, int64_t time_ms) const;
  Result<std::string> QueryRangeJson(std::string_view expr, int64_t start_ms, int64_t end_ms,
                                     int64_t step_ms) const;

  // Series matching `selector` (e.g. `up{job="node"}`, `{__name__=~"http_.*"}`) with samples in
  // [min_ms, max_ms] (both inclusive).
  Result<SeriesCursor> Select(std::string_view selector, int64_t min_ms, int64_t max_ms) const;
  // Sorted label names, and sorted values of one label, over series matching every selector
  // (all series when none is given).
  Result<std::vector<std::string>> LabelNames(std::span<const std::string> selectors = {}) const;
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               std::span<const std::string> selectors = {}) const;

  // Serves the Prometheus HTTP API from background threads ("host:port"; ":0" = any free
  // port); returns the bound port.
  Result<int> Serve(const std::string& listen_address);

  class Impl;

 private:
  explicit Db(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The library's version, e.g. "0.1.0".
PROMLET_EXPORT std::string Version();

}  // namespace promlet

#endif  // PROMLET_PROMLET_HPP_
