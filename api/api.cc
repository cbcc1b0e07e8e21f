#include "api/api.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <list>
#include <malloc.h>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "api/federate.h"
#include "api/ast_json.h"
#include "api/json_writer.h"
#include "api/params.h"
#include "common/duration.h"
#include "common/log.h"
#include "promql/parser/parser.h"

namespace promlet::api {

using net::HandlerPool;
using net::HttpRequest;
using net::HttpResponse;
using net::HttpServer;
using net::RouteOptions;

namespace {

constexpr int kMaxPoints = 11000;

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

struct Error {
  const char* type;
  int status;
  std::string message;
};

Error BadData(std::string msg) { return Error{"bad_data", 400, std::move(msg)}; }
Error InvalidParam(std::string_view name, absl::string_view msg) {
  return BadData(absl::StrCat("invalid parameter \"", AV(name), "\": ", msg));
}
Error InvalidParam(std::string_view name, const char* msg) {
  return InvalidParam(name, absl::string_view(msg));
}
Error InvalidParam(std::string_view name, const std::string& msg) {
  return InvalidParam(name, absl::string_view(msg));
}

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Go's time.Time RFC3339Nano in UTC, e.g. "2024-01-02T03:04:05.123456789Z".
std::string Rfc3339Nano(int64_t unix_nanos) {
  if (unix_nanos == 0) return "0001-01-01T00:00:00Z";
  absl::Time t = absl::FromUnixNanos(unix_nanos);
  std::string s = absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
  return s;
}

// A successful response body under construction.
class Reply {
 public:
  Reply() : w_(&body_) {
    body_.reserve(256);
    body_.append(R"({"status":"success","data":)");
    w_ = JsonWriter(&body_);
  }
  JsonWriter& data() { return w_; }
  void AddWarning(std::string w) { warnings_.push_back(std::move(w)); }
  void AddInfo(std::string i) { infos_.push_back(std::move(i)); }
  void SetWarnings(std::vector<std::string> w, std::vector<std::string> i) {
    warnings_.insert(warnings_.end(), w.begin(), w.end());
    infos_.insert(infos_.end(), i.begin(), i.end());
  }
  std::string Finish() {
    if (!warnings_.empty()) {
      body_.append(",\"warnings\":");
      JsonWriter w(&body_);
      w.BeginArray();
      for (const auto& s : warnings_) w.String(s);
      w.EndArray();
    }
    if (!infos_.empty()) {
      body_.append(",\"infos\":");
      JsonWriter w(&body_);
      w.BeginArray();
      for (const auto& s : infos_) w.String(s);
      w.EndArray();
    }
    body_.push_back('}');
    return std::move(body_);
  }

 private:
  std::string body_;
  JsonWriter w_;
  std::vector<std::string> warnings_;
  std::vector<std::string> infos_;
};

void WriteError(HttpResponse& res, const Error& e) {
  res.status = e.status;
  res.content_type = "application/json";
  std::string body = R"({"status":"error","errorType":")";
  body.append(e.type);
  body.append(R"(","error":)");
  JsonWriter w(&body);
  w.String(e.message);
  body.push_back('}');
  res.body = std::move(body);
}

void WriteSuccess(HttpResponse& res, Reply& reply) {
  res.status = 200;
  res.content_type = "application/json";
  res.body = reply.Finish();
}

absl::StatusOr<int> ParseLimit(std::string_view s) {
  if (s.empty()) return 0;
  int v = 0;
  if (!absl::SimpleAtoi(AV(s), &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("strconv.Atoi: parsing \"", AV(s), "\": invalid syntax"));
  }
  if (v < 0) return absl::InvalidArgumentError("limit must be non-negative");
  return v;
}

// Concurrency gate: at most `max` holders; waiters poll their own cancellation.
class Gate {
 public:
  explicit Gate(int max) : max_(std::max(1, max)) {}
  // False when `give_up` became true while waiting.
  bool Acquire(const std::function<bool()>& give_up) {
    std::unique_lock<std::mutex> lock(mu_);
    if (give_up()) return false;
    while (active_ >= max_) {
      if (give_up()) return false;
      cv_.wait_for(lock, std::chrono::milliseconds(20));
    }
    ++active_;
    return true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    --active_;
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int active_ = 0;
  const int max_;
};

// One query's cancellation state, watched by the watchdog thread.
struct Watch {
  std::atomic<bool> cancel{false};
  std::atomic<bool> timed_out{false};
  std::atomic<bool> client_gone{false};
  std::chrono::steady_clock::time_point deadline;
  std::function<bool()> gone;
};

// "type", "help", "unit" of one metric's metadata (/metadata and /targets/metadata).
void WriteMetadataFields(JsonWriter& w, const MetadataView& md) {
  w.Key("type");
  w.String(md.type);
  w.Key("help");
  w.String(md.help);
  w.Key("unit");
  w.String(md.unit);
}

// Declared first in a query handler, so it runs last: hands the memory the engine and the
// encoder freed back to the OS (glibc keeps freed pages in each thread's arena otherwise, and
// a large query would leave RSS at its peak for the life of the process). Only past a few
// MiB of free heap: trimming after every small query made the next one fault its pages in
// again (~5% of a small query's time).
struct TrimHeapAtExit {
  TrimHeapAtExit() = default;
  TrimHeapAtExit(const TrimHeapAtExit&) = delete;
  TrimHeapAtExit& operator=(const TrimHeapAtExit&) = delete;
  ~TrimHeapAtExit() {
    constexpr size_t kKeepFreeBytes = 16 << 20;
    if (mallinfo2().fordblks > kKeepFreeBytes) malloc_trim(0);
  }
};

}  // namespace

ApiErrorKind ClassifyError(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument: return {"bad_data", 400};
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kResourceExhausted: return {"execution", 422};
    case absl::StatusCode::kDeadlineExceeded: return {"timeout", 503};
    case absl::StatusCode::kCancelled: return {"canceled", 499};
    case absl::StatusCode::kNotFound: return {"not_found", 404};
    case absl::StatusCode::kUnavailable: return {"unavailable", 503};
    default: return {"internal", 500};
  }
}

class Api::Impl {
 public:
  Impl(ApiOptions options, tsdb::Queryable* storage, const promql::Engine* engine,
       tsdb::Head* head, TargetSource targets, RuntimeStatus runtime, AdminHooks admin)
      : o_(std::move(options)),
        storage_(storage),
        engine_(engine),
        head_(head),
        targets_(std::move(targets)),
        runtime_(std::move(runtime)),
        admin_(std::move(admin)),
        gate_(o_.max_concurrency) {
    if (!o_.now_ms) o_.now_ms = SystemNowMs;
    watchdog_ = std::thread([this] { WatchdogLoop(); });
  }
  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(watch_mu_);
      stop_ = true;
    }
    watch_cv_.notify_all();
    watchdog_.join();
  }

  using Handler = void (Impl::*)(const HttpRequest&, const Form&, HttpResponse&);
  struct Route {
    const char* path;
    Handler handler;
    bool write = false;  // POST/PUT only (admin)
  };
  static const std::vector<Route>& Routes();
  // The methods Prometheus' router accepts on the route.
  static std::vector<std::string> MethodsOf(const Route& r);

  void Serve(const HttpRequest& req, HttpResponse& res);
  void ServeRoute(const Route& r, const HttpRequest& req, HttpResponse& res);

  // Handlers.
  void Query(const HttpRequest&, const Form&, HttpResponse&);
  void QueryRange(const HttpRequest&, const Form&, HttpResponse&);
  void QueryExemplars(const HttpRequest&, const Form&, HttpResponse&);
  void FormatQuery(const HttpRequest&, const Form&, HttpResponse&);
  void ParseQuery(const HttpRequest&, const Form&, HttpResponse&);
  void Series(const HttpRequest&, const Form&, HttpResponse&);
  void Labels(const HttpRequest&, const Form&, HttpResponse&);
  void LabelValues(const HttpRequest&, const Form&, HttpResponse&);
  void Metadata(const HttpRequest&, const Form&, HttpResponse&);
  void Targets(const HttpRequest&, const Form&, HttpResponse&);
  void TargetsMetadata(const HttpRequest&, const Form&, HttpResponse&);
  void Rules(const HttpRequest&, const Form&, HttpResponse&);
  void Alerts(const HttpRequest&, const Form&, HttpResponse&);
  void AlertManagers(const HttpRequest&, const Form&, HttpResponse&);
  void BuildInfo(const HttpRequest&, const Form&, HttpResponse&);
  void Config(const HttpRequest&, const Form&, HttpResponse&);
  void Flags(const HttpRequest&, const Form&, HttpResponse&);
  void RuntimeInfo(const HttpRequest&, const Form&, HttpResponse&);
  void TsdbStatus(const HttpRequest&, const Form&, HttpResponse&);
  void WalReplay(const HttpRequest&, const Form&, HttpResponse&);
  void DeleteSeries(const HttpRequest&, const Form&, HttpResponse&);
  void CleanTombstones(const HttpRequest&, const Form&, HttpResponse&);
  void Snapshot(const HttpRequest&, const Form&, HttpResponse&);
  void Federate(const HttpRequest&, const Form&, HttpResponse&);

  // Shared pieces.
  absl::StatusOr<std::vector<std::vector<tsdb::Matcher>>> ParseMatchers(
      const std::vector<std::string_view>& raw, std::optional<Error>* err);
  bool TimeParam(const Form& f, std::string_view name, int64_t def, int64_t* out, HttpResponse& res);
  // Runs `eval` under the concurrency gate with timeout/disconnect cancellation; false (and
  // an error response written) when it was refused or failed.
  template <typename Eval>
  bool RunQuery(const HttpRequest& req, const Form& f, HttpResponse& res, Eval eval,
                absl::StatusOr<promql::Result>* out);
  void EncodeResult(const promql::Result& r, int limit, Reply& reply);
  void WatchdogLoop();

  ApiOptions o_;
  tsdb::Queryable* storage_;
  const promql::Engine* engine_;
  tsdb::Head* head_;
  TargetSource targets_;
  RuntimeStatus runtime_;
  AdminHooks admin_;
  Gate gate_;

  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  std::list<Watch*> watches_;
  bool stop_ = false;
  std::thread watchdog_;
};

const std::vector<Api::Impl::Route>& Api::Impl::Routes() {
  static const std::vector<Route> kRoutes = {
      {"/api/v1/query", &Impl::Query},
      {"/api/v1/query_range", &Impl::QueryRange},
      {"/api/v1/query_exemplars", &Impl::QueryExemplars},
      {"/api/v1/format_query", &Impl::FormatQuery},
      {"/api/v1/parse_query", &Impl::ParseQuery},
      {"/api/v1/series", &Impl::Series},
      {"/api/v1/labels", &Impl::Labels},
      {"/api/v1/metadata", &Impl::Metadata},
      {"/api/v1/targets", &Impl::Targets},
      {"/api/v1/targets/metadata", &Impl::TargetsMetadata},
      {"/api/v1/rules", &Impl::Rules},
      {"/api/v1/alerts", &Impl::Alerts},
      {"/api/v1/alertmanagers", &Impl::AlertManagers},
      {"/api/v1/status/buildinfo", &Impl::BuildInfo},
      {"/api/v1/status/config", &Impl::Config},
      {"/api/v1/status/flags", &Impl::Flags},
      {"/api/v1/status/runtimeinfo", &Impl::RuntimeInfo},
      {"/api/v1/status/tsdb", &Impl::TsdbStatus},
      {"/api/v1/status/walreplay", &Impl::WalReplay},
      {"/api/v1/admin/tsdb/delete_series", &Impl::DeleteSeries, true},
      {"/api/v1/admin/tsdb/clean_tombstones", &Impl::CleanTombstones, true},
      {"/api/v1/admin/tsdb/snapshot", &Impl::Snapshot, true},
      {"/federate", &Impl::Federate},
  };
  return kRoutes;
}

std::vector<std::string> Api::Impl::MethodsOf(const Route& r) {
  if (r.write) return {"POST", "PUT"};
  static const std::set<std::string_view> kPostToo = {
      "/api/v1/query",        "/api/v1/query_range", "/api/v1/query_exemplars",
      "/api/v1/format_query", "/api/v1/parse_query", "/api/v1/series",
      "/api/v1/labels"};
  if (kPostToo.count(r.path)) return {"GET", "POST"};
  return {"GET"};
}

void Api::Impl::ServeRoute(const Route& r, const HttpRequest& req, HttpResponse& res) {
  auto methods = MethodsOf(r);
  if (std::find(methods.begin(), methods.end(), req.method) == methods.end()) {
    // As Prometheus' router answers (the server answers this before the handler runs).
    res.status = 405;
    res.body = "Method Not Allowed\n";
    return;
  }
  auto form = Form::Parse(req.query, req.body, req.Header("content-type"));
  if (!form.ok()) {
    WriteError(res, BadData(std::string(form.status().message())));
    return;
  }
  (this->*r.handler)(req, *form, res);
}

void Api::Impl::Serve(const HttpRequest& req, HttpResponse& res) {
  for (const auto& r : Routes()) {
    if (req.path == r.path) return ServeRoute(r, req, res);
  }
  static const Route kLabelValues = {"/api/v1/label/", &Impl::LabelValues};
  if (absl::StartsWith(req.path, "/api/v1/label/") && absl::EndsWith(req.path, "/values")) {
    return ServeRoute(kLabelValues, req, res);
  }
  res.status = 404;
  res.body = "404 page not found\n";
}

void Api::Impl::WatchdogLoop() {
  std::unique_lock<std::mutex> lock(watch_mu_);
  while (!stop_) {
    if (watches_.empty()) {
      watch_cv_.wait(lock);
      continue;
    }
    auto now = std::chrono::steady_clock::now();
    for (Watch* w : watches_) {
      if (now >= w->deadline) {
        w->timed_out = true;
        w->cancel = true;
      } else if (w->gone && w->gone()) {
        w->client_gone = true;
        w->cancel = true;
      }
    }
    watch_cv_.wait_for(lock, std::chrono::milliseconds(25));
  }
}

template <typename Eval>
bool Api::Impl::RunQuery(const HttpRequest& req, const Form& f, HttpResponse& res, Eval eval,
                         absl::StatusOr<promql::Result>* out) {
  int64_t timeout_ms = o_.query_timeout_ms;
  if (f.Has("timeout")) {
    auto t = ParseDurationParam(f.Get("timeout"));
    if (!t.ok()) {
      WriteError(res, InvalidParam("timeout", t.status().message()));
      return false;
    }
    if (*t > 0) timeout_ms = std::min(timeout_ms, *t);
  }
  Watch watch;
  // From the request's arrival: time spent waiting for a query thread counts, as in Prometheus.
  watch.deadline = req.received + std::chrono::milliseconds(timeout_ms);
  watch.gone = req.client_gone;
  if (std::chrono::steady_clock::now() >= watch.deadline) {
    watch.timed_out = true;
    watch.cancel = true;
  } else if (watch.gone && watch.gone()) {
    watch.client_gone = true;
    watch.cancel = true;
  }
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    watches_.push_back(&watch);
  }
  watch_cv_.notify_all();
  struct Unwatch {
    Impl* self;
    Watch* w;
    ~Unwatch() {
      std::lock_guard<std::mutex> lock(self->watch_mu_);
      self->watches_.remove(w);
    }
  } unwatch{this, &watch};

  if (!gate_.Acquire([&] { return watch.cancel.load(); })) {
    *out = watch.timed_out ? absl::DeadlineExceededError("query timed out in query queue")
                           : absl::CancelledError("query was canceled in query queue");
  } else {
    promql::QueryOptions qo;
    qo.cancel = &watch.cancel;
    if (f.Has("lookback_delta")) {
      auto ld = ParseDurationParam(f.Get("lookback_delta"));
      if (!ld.ok()) {
        gate_.Release();
        WriteError(res, InvalidParam("lookback_delta", ld.status().message()));
        return false;
      }
      if (*ld > 0) qo.lookback_delta_ms = *ld;
    }
    *out = eval(qo);
    gate_.Release();
    if (!out->ok() && out->status().code() == absl::StatusCode::kCancelled && watch.timed_out) {
      *out = absl::DeadlineExceededError("query timed out in query execution");
    }
  }
  if (!out->ok()) {
    ApiErrorKind k = ClassifyError(out->status());
    WriteError(res, Error{k.type, k.http_status, std::string(out->status().message())});
    return false;
  }
  return true;
}

void Api::Impl::EncodeResult(const promql::Result& r, int limit, Reply& reply) {
  JsonWriter& w = reply.data();
  w.BeginObject();
  w.Key("resultType");
  w.String(promql::ValueTypeName(r.type()));
  w.Key("result");
  bool truncated = false;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, promql::Scalar>) {
          w.ScalarPoint(v.t, v.v);
        } else if constexpr (std::is_same_v<T, promql::String>) {
          w.BeginArray();
          w.Double(static_cast<double>(v.t) / 1000);  // promql.String.MarshalJSON
          w.String(v.v);
          w.EndArray();
        } else if constexpr (std::is_same_v<T, promql::Vector>) {
          w.BeginArray();
          size_t n = v.size();
          if (limit > 0 && n > static_cast<size_t>(limit)) {
            n = static_cast<size_t>(limit);
            truncated = true;
          }
          for (size_t i = 0; i < n; ++i) {
            w.BeginObject();
            w.Key("metric");
            w.LabelSet(v[i].labels);
            w.Key("value");
            w.Point(v[i].t, v[i].v);
            w.EndObject();
          }
          w.EndArray();
        } else {
          w.BeginArray();
          size_t n = v.size();
          if (limit > 0 && n > static_cast<size_t>(limit)) {
            n = static_cast<size_t>(limit);
            truncated = true;
          }
          std::string* out = w.out();
          for (size_t i = 0; i < n; ++i) {
            w.BeginObject();
            w.Key("metric");
            w.LabelSet(v[i].labels);
            w.Key("values");
            // Hot loop: points appended directly, ~30 bytes each.
            out->reserve(out->size() + v[i].points.size() * 32 + 16);
            w.BeginArray();
            for (const auto& p : v[i].points) w.Point(p.t, p.v);
            w.EndArray();
            w.EndObject();
          }
          w.EndArray();
        }
      },
      r.value);
  w.EndObject();
  reply.SetWarnings(r.warnings, r.infos);
  if (truncated) reply.AddWarning("results truncated due to limit");
}

void Api::Impl::Query(const HttpRequest& req, const Form& f, HttpResponse& res) {
  TrimHeapAtExit trim;
  int64_t t = o_.now_ms();
  if (f.Has("time")) {
    auto pt = ParseTime(f.Get("time"));
    if (!pt.ok()) return WriteError(res, InvalidParam("time", pt.status().message()));
    t = *pt;
  }
  auto limit = ParseLimit(f.Get("limit"));
  if (!limit.ok()) return WriteError(res, InvalidParam("limit", limit.status().message()));
  std::string query(f.Get("query"));
  auto expr = promql::ParseExpr(query);
  if (!expr.ok()) return WriteError(res, InvalidParam("query", expr.status().message()));
  absl::StatusOr<promql::Result> result;
  if (!RunQuery(req, f, res,
                [&](const promql::QueryOptions& qo) {
                  return engine_->InstantQuery(*storage_, **expr, t, qo, query);
                },
                &result)) {
    return;
  }
  Reply reply;
  EncodeResult(*result, *limit, reply);
  WriteSuccess(res, reply);
}

void Api::Impl::QueryRange(const HttpRequest& req, const Form& f, HttpResponse& res) {
  TrimHeapAtExit trim;
  auto start = ParseTime(f.Get("start"));
  if (!start.ok()) return WriteError(res, InvalidParam("start", start.status().message()));
  auto end = ParseTime(f.Get("end"));
  if (!end.ok()) return WriteError(res, InvalidParam("end", end.status().message()));
  if (*end < *start) {
    return WriteError(res, InvalidParam("end", "end timestamp must not be before start time"));
  }
  auto step = ParseDurationParam(f.Get("step"));
  if (!step.ok()) return WriteError(res, InvalidParam("step", step.status().message()));
  if (*step <= 0) {
    return WriteError(res, InvalidParam("step",
                                        "zero or negative query resolution step widths are not "
                                        "accepted. Try a positive integer"));
  }
  // For safety, limit the number of returned points per timeseries (as Prometheus does).
  if ((*end - *start) / *step > kMaxPoints) {
    return WriteError(res, BadData("exceeded maximum resolution of 11,000 points per timeseries. "
                                   "Try decreasing the query resolution (?step=XX)"));
  }
  auto limit = ParseLimit(f.Get("limit"));
  if (!limit.ok()) return WriteError(res, InvalidParam("limit", limit.status().message()));
  std::string query(f.Get("query"));
  auto expr = promql::ParseExpr(query);
  if (!expr.ok()) return WriteError(res, InvalidParam("query", expr.status().message()));
  absl::StatusOr<promql::Result> result;
  if (!RunQuery(req, f, res,
                [&](const promql::QueryOptions& qo) {
                  return engine_->RangeQuery(*storage_, **expr, *start, *end, *step, qo, query);
                },
                &result)) {
    return;
  }
  Reply reply;
  EncodeResult(*result, *limit, reply);
  WriteSuccess(res, reply);
}

bool Api::Impl::TimeParam(const Form& f, std::string_view name, int64_t def, int64_t* out,
                          HttpResponse& res) {
  std::string_view v = f.Get(name);
  if (v.empty()) {
    *out = def;
    return true;
  }
  auto t = ParseTime(v);
  if (!t.ok()) {
    WriteError(res, InvalidParam(name, t.status().message()));
    return false;
  }
  *out = *t;
  return true;
}

absl::StatusOr<std::vector<std::vector<tsdb::Matcher>>> Api::Impl::ParseMatchers(
    const std::vector<std::string_view>& raw, std::optional<Error>* err) {
  std::vector<std::vector<tsdb::Matcher>> sets;
  for (std::string_view s : raw) {
    auto ms = promql::ParseMetricSelector(s);
    if (!ms.ok()) {
      *err = InvalidParam("match[]", ms.status().message());
      return ms.status();
    }
    bool all_empty = true;
    for (const auto& m : *ms) {
      if (!m.MatchesEmpty()) all_empty = false;
    }
    if (all_empty) {
      *err = InvalidParam("match[]", "match[] must contain at least one non-empty matcher");
      return absl::InvalidArgumentError("empty matchers");
    }
    sets.push_back(std::move(*ms));
  }
  return sets;
}

void Api::Impl::QueryExemplars(const HttpRequest&, const Form& f, HttpResponse& res) {
  int64_t start, end;
  if (!TimeParam(f, "start", kMinTimeMs, &start, res)) return;
  if (!TimeParam(f, "end", kMaxTimeMs, &end, res)) return;
  if (end < start) {
    return WriteError(res, InvalidParam("end", "end timestamp must not be before start time"));
  }
  auto expr = promql::ParseExpr(f.Get("query"));
  if (!expr.ok()) return WriteError(res, InvalidParam("query", expr.status().message()));
  // Exemplars are not stored (yet): the correct answer is an empty list.
  Reply reply;
  reply.data().BeginArray();
  reply.data().EndArray();
  WriteSuccess(res, reply);
}

void Api::Impl::FormatQuery(const HttpRequest&, const Form& f, HttpResponse& res) {
  auto expr = promql::ParseExpr(f.Get("query"));
  if (!expr.ok()) return WriteError(res, InvalidParam("query", expr.status().message()));
  Reply reply;
  reply.data().String(promql::Print(**expr));
  WriteSuccess(res, reply);
}

void Api::Impl::ParseQuery(const HttpRequest&, const Form& f, HttpResponse& res) {
  auto expr = promql::ParseExpr(f.Get("query"));
  if (!expr.ok()) return WriteError(res, InvalidParam("query", expr.status().message()));
  Reply reply;
  WriteAstJson(**expr, reply.data());
  WriteSuccess(res, reply);
}

void Api::Impl::Series(const HttpRequest&, const Form& f, HttpResponse& res) {
  auto raw = f.All("match[]");
  if (raw.empty()) return WriteError(res, BadData("no match[] parameter provided"));
  int64_t start, end;
  if (!TimeParam(f, "start", kMinTimeMs, &start, res)) return;
  if (!TimeParam(f, "end", kMaxTimeMs, &end, res)) return;
  auto limit = ParseLimit(f.Get("limit"));
  if (!limit.ok()) return WriteError(res, InvalidParam("limit", limit.status().message()));
  std::optional<Error> err;
  auto sets = ParseMatchers(raw, &err);
  if (!sets.ok()) return WriteError(res, *err);
  auto q = storage_->NewQuerier(start, end);
  if (!q.ok()) {
    auto k = ClassifyError(q.status());
    return WriteError(res, Error{k.type, k.http_status, std::string(q.status().message())});
  }
  tsdb::SelectHints hints;
  hints.start = start;
  hints.end = end;
  hints.func = "series";
  std::vector<tsdb::Labels> all;
  for (const auto& ms : *sets) {
    auto ss = (*q)->Select(ms, &hints);
    while (ss->Next()) all.push_back(ss->At().labels());
    if (!ss->status().ok()) {
      auto k = ClassifyError(ss->status());
      return WriteError(res, Error{k.type, k.http_status, std::string(ss->status().message())});
    }
  }
  if (sets->size() > 1) {
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
  }
  Reply reply;
  JsonWriter& w = reply.data();
  w.BeginArray();
  size_t n = all.size();
  if (*limit > 0 && n > static_cast<size_t>(*limit)) {
    n = static_cast<size_t>(*limit);
    reply.AddWarning("results truncated due to limit");
  }
  for (size_t i = 0; i < n; ++i) w.LabelSet(all[i]);
  w.EndArray();
  WriteSuccess(res, reply);
}

void Api::Impl::Labels(const HttpRequest&, const Form& f, HttpResponse& res) {
  int64_t start, end;
  if (!TimeParam(f, "start", kMinTimeMs, &start, res)) return;
  if (!TimeParam(f, "end", kMaxTimeMs, &end, res)) return;
  auto limit = ParseLimit(f.Get("limit"));
  if (!limit.ok()) return WriteError(res, InvalidParam("limit", limit.status().message()));
  std::optional<Error> err;
  auto sets = ParseMatchers(f.All("match[]"), &err);
  if (!sets.ok()) return WriteError(res, *err);
  auto q = storage_->NewQuerier(start, end);
  if (!q.ok()) {
    auto k = ClassifyError(q.status());
    return WriteError(res, Error{k.type, k.http_status, std::string(q.status().message())});
  }
  std::vector<std::string> names;
  if (sets->empty()) {
    auto r = (*q)->LabelNames({});
    if (!r.ok()) return WriteError(res, Error{"internal", 500, std::string(r.status().message())});
    names = std::move(*r);
  } else {
    std::set<std::string> uniq;
    for (const auto& ms : *sets) {
      auto r = (*q)->LabelNames(ms);
      if (!r.ok()) return WriteError(res, Error{"internal", 500, std::string(r.status().message())});
      uniq.insert(r->begin(), r->end());
    }
    names.assign(uniq.begin(), uniq.end());
  }
  Reply reply;
  JsonWriter& w = reply.data();
  w.BeginArray();
  size_t n = names.size();
  if (*limit > 0 && n > static_cast<size_t>(*limit)) {
    n = static_cast<size_t>(*limit);
    reply.AddWarning("results truncated due to limit");
  }
  for (size_t i = 0; i < n; ++i) w.String(names[i]);
  w.EndArray();
  WriteSuccess(res, reply);
}

void Api::Impl::LabelValues(const HttpRequest& req, const Form& f, HttpResponse& res) {
  std::string_view encoded(req.path);
  encoded.remove_prefix(std::string_view("/api/v1/label/").size());
  encoded.remove_suffix(std::string_view("/values").size());
  std::string name;
  if (!FormUnescape(encoded, &name) || name.find('/') != std::string::npos ||
      !tsdb::IsValidLabelName(name)) {
    return WriteError(res, BadData(absl::StrCat("invalid label name: \"", std::string(encoded), "\"")));
  }
  int64_t start, end;
  if (!TimeParam(f, "start", kMinTimeMs, &start, res)) return;
  if (!TimeParam(f, "end", kMaxTimeMs, &end, res)) return;
  auto limit = ParseLimit(f.Get("limit"));
  if (!limit.ok()) return WriteError(res, InvalidParam("limit", limit.status().message()));
  std::optional<Error> err;
  auto sets = ParseMatchers(f.All("match[]"), &err);
  if (!sets.ok()) return WriteError(res, *err);
  auto q = storage_->NewQuerier(start, end);
  if (!q.ok()) {
    auto k = ClassifyError(q.status());
    return WriteError(res, Error{k.type, k.http_status, std::string(q.status().message())});
  }
  std::vector<std::string> values;
  if (sets->empty()) {
    auto r = (*q)->LabelValues(name, {});
    if (!r.ok()) return WriteError(res, Error{"internal", 500, std::string(r.status().message())});
    values = std::move(*r);
  } else {
    std::set<std::string> uniq;
    for (const auto& ms : *sets) {
      auto r = (*q)->LabelValues(name, ms);
      if (!r.ok()) return WriteError(res, Error{"internal", 500, std::string(r.status().message())});
      uniq.insert(r->begin(), r->end());
    }
    values.assign(uniq.begin(), uniq.end());
  }
  Reply reply;
  JsonWriter& w = reply.data();
  w.BeginArray();
  size_t n = values.size();
  if (*limit > 0 && n > static_cast<size_t>(*limit)) {
    n = static_cast<size_t>(*limit);
    reply.AddWarning("results truncated due to limit");
  }
  for (size_t i = 0; i < n; ++i) w.String(values[i]);
  w.EndArray();
  WriteSuccess(res, reply);
}

void Api::Impl::Metadata(const HttpRequest&, const Form& f, HttpResponse& res) {
  int limit = -1, limit_per_metric = -1;
  if (f.Has("limit") && !f.Get("limit").empty()) {
    if (!absl::SimpleAtoi(AV(f.Get("limit")), &limit)) {
      return WriteError(res, BadData("limit must be a number"));
    }
  }
  if (f.Has("limit_per_metric") && !f.Get("limit_per_metric").empty()) {
    if (!absl::SimpleAtoi(AV(f.Get("limit_per_metric")), &limit_per_metric)) {
      return WriteError(res, BadData("limit_per_metric must be a number"));
    }
  }
  std::string_view metric = f.Get("metric");
  // metric -> distinct (type, help, unit) in first-seen order.
  std::map<std::string, std::vector<MetadataView>> by_metric;
  if (targets_.metadata) {
    for (const auto& t : targets_.metadata()) {
      for (const auto& md : t.metadata) {
        if (!metric.empty() && md.metric != metric) continue;
        auto& list = by_metric[md.metric];
        bool dup = false;
        for (const auto& e : list) {
          if (e.type == md.type && e.help == md.help && e.unit == md.unit) dup = true;
        }
        if (!dup) list.push_back(md);
      }
    }
  }
  Reply reply;
  JsonWriter& w = reply.data();
  w.BeginObject();
  int emitted = 0;
  for (const auto& [name, list] : by_metric) {
    if (limit >= 0 && emitted >= limit) break;
    w.Key(name);
    w.BeginArray();
    int k = 0;
    for (const auto& md : list) {
      if (limit_per_metric > 0 && k >= limit_per_metric) break;
      w.BeginObject();
      WriteMetadataFields(w, md);
      w.EndObject();
      ++k;
    }
    w.EndArray();
    ++emitted;
  }
  w.EndObject();
  WriteSuccess(res, reply);
}

void Api::Impl::Targets(const HttpRequest&, const Form& f, HttpResponse& res) {
  std::string_view state = f.Get("state");
  std::string_view pool = f.Get("scrapePool");
  bool show_active = state.empty() || absl::EqualsIgnoreCase(AV(state), "any") ||
                     absl::EqualsIgnoreCase(AV(state), "active");
  bool show_dropped = state.empty() || absl::EqualsIgnoreCase(AV(state), "any") ||
                      absl::EqualsIgnoreCase(AV(state), "dropped");
  Reply reply;
  JsonWriter& w = reply.data();
  w.BeginObject();
  w.Key("activeTargets");
  w.BeginArray();
  if (show_active && targets_.active) {
    for (const auto& t : targets_.active()) {
      if (!pool.empty() && t.scrape_pool != pool) continue;
      w.BeginObject();
      w.Key("discoveredLabels");
      w.LabelSet(t.discovered_labels);
      w.Key("labels");
      w.LabelSet(t.labels);
      w.Key("scrapePool");
      w.String(t.scrape_pool);
      w.Key("scrapeUrl");
      w.String(t.scrape_url);
      w.Key("globalUrl");
      w.String(t.global_url);
      w.Key("lastError");
      w.String(t.last_error);
      w.Key("lastScrape");
      w.String(Rfc3339Nano(t.last_scrape_unix_nanos));
      w.Key("lastScrapeDuration");
      w.Double(t.last_scrape_duration_seconds);
      w.Key("health");
      w.String(t.health);
      w.Key("scrapeInterval");
      w.String(common::FormatDuration(t.scrape_interval_ms));
      w.Key("scrapeTimeout");
      w.String(common::FormatDuration(t.scrape_timeout_ms));
      w.EndObject();
    }
  }
  w.EndArray();
  w.Key("droppedTargets");
  w.BeginArray();
  std::map<std::string, int> dropped_counts;
  if (targets_.dropped) {
    for (const auto& t : targets_.dropped()) {
      ++dropped_counts[t.scrape_pool];
      if (!show_dropped || (!pool.empty() && t.scrape_pool != pool)) continue;
      w.BeginObject();
      w.Key("discoveredLabels");
      w.LabelSet(t.discovered_labels);
      w.Key("scrapePool");
      w.String(t.scrape_pool);
      w.EndObject();
    }
  }
  w.EndArray();
  w.Key("droppedTargetCounts");
  w.BeginObject();
  if (targets_.scrape_pools) {
    for (const auto& p : targets_.scrape_pools()) dropped_counts.emplace(p, 0);
  }
  for (const auto& [p, n] : dropped_counts) {
    w.Key(p);
    w.Int(n);
  }
  w.EndObject();
  w.EndObject();
  WriteSuccess(res, reply);
}

void Api::Impl::TargetsMetadata(const HttpRequest&, const Form& f, HttpResponse& res) {
  auto limit = ParseLimit(f.Get("limit"));
  if (!limit.ok()) return WriteError(res, InvalidParam("limit", limit.status().message()));
  std::vector<tsdb::Matcher> match;
  if (!f.Get("match_target").empty()) {
    auto ms = promql::ParseMetricSelector(f.Get("match_target"));
    if (!ms.ok()) return WriteError(res, InvalidParam("match_target", ms.status().message()));
    match = std::move(*ms);
  }
  std::string_view metric = f.Get("metric");
  Reply reply;
  JsonWriter& w = reply.data();
  w.BeginArray();
  int n = 0;
  if (targets_.metadata) {
    for (const auto& t : targets_.metadata()) {
      bool ok = true;
      for (const auto& m : match) {
        if (!m.Matches(t.target.Get(m.name()))) ok = false;
      }
      if (!ok) continue;
      for (const auto& md : t.metadata) {
        if (!metric.empty() && md.metric != metric) continue;
        if (*limit > 0 && n >= *limit) break;
        w.BeginObject();
        w.Key("target");
        w.LabelSet(t.target);
        if (metric.empty()) {
          w.Key("metric");
          w.String(md.metric);
        }
        WriteMetadataFields(w, md);
        w.EndObject();
        ++n;
      }
    }
  }
  w.EndArray();
  WriteSuccess(res, reply);
}

void Api::Impl::Rules(const HttpRequest&, const Form& f, HttpResponse& res) {
  std::string_view type = f.Get("type");
  if (!type.empty() && type != "alert" && type != "record") {
    return WriteError(res, InvalidParam("type", absl::StrCat("not supported value \"", AV(type), "\"")));
  }
  Reply reply;
  reply.data().Raw(R"({"groups":[]})");
  WriteSuccess(res, reply);
}

void Api::Impl::Alerts(const HttpRequest&, const Form&, HttpResponse& res) {
  Reply reply;
  reply.data().Raw(R"({"alerts":[]})");
  WriteSuccess(res, reply);
}

void Api::Impl::AlertManagers(const HttpRequest&, const Form&, HttpResponse& res) {
  Reply reply;
  reply.data().Raw(R"({"activeAlertmanagers":[],"droppedAlertmanagers":[]})");
  WriteSuccess(res, reply);
}

void Api::Impl::BuildInfo(const HttpRequest&, const Form&, HttpResponse& res) {
  Reply reply;
  JsonWriter& w = reply.data();
  w.BeginObject();
  w.Key("version");
  w.String(o_.version);
  w.Key("revision");
  w.String(o_.revision);
  w.Key("branch");
  w.String(o_.branch);
  w.Key("buildUser");
  w.String(o_.build_user);
  w.Key("buildDate");
  w.String(o_.build_date);
  w.Key("goVersion");
  w.String(o_.go_version);
  w.Key("promletVersion");
  w.String(o_.promlet_version);
  w.EndObject();
  WriteSuccess(res, reply);
}

void Api::Impl::Config(const HttpRequest&, const Form&, HttpResponse& res) {
  Reply reply;
  JsonWriter& w = reply.data();
  w.BeginObject();
  w.Key("yaml");
  w.String(runtime_.config_yaml ? runtime_.config_yaml() : "");
  w.EndObject();
  WriteSuccess(res, reply);
}

void Api::Impl::Flags(const HttpRequest&, const Form&, HttpResponse& res) {
  std::map<std::string, std::string> sorted(o_.flags.begin(), o_.flags.end());
  Reply reply;
  JsonWriter& w = reply.data();
  w.BeginObject();
  for (const auto& [k, v] : sorted) {
    w.Key(k);
    w.String(v);
  }
  w.EndObject();
  WriteSuccess(res, reply);
}

void Api::Impl::RuntimeInfo(const HttpRequest&, const Form&, HttpResponse& res) {
  Reply reply;
  JsonWriter& w = reply.data();
  w.BeginObject();
  w.Key("startTime");
  w.String(Rfc3339Nano(o_.start_time_unix_ms * 1000000));
  w.Key("CWD");
  w.String(o_.cwd);
  w.Key("reloadConfigSuccess");
  w.Bool(runtime_.reload_config_success ? runtime_.reload_config_success() : true);
  w.Key("lastConfigTime");
  w.String(Rfc3339Nano(
      (runtime_.last_config_time_unix_ms ? runtime_.last_config_time_unix_ms() : o_.start_time_unix_ms) *
      1000000));
  w.Key("corruptionCount");
  w.Int(runtime_.corruption_count ? runtime_.corruption_count() : 0);
  w.Key("goroutineCount");
  w.Int(0);
  w.Key("GOMAXPROCS");
  w.Int(static_cast<int64_t>(std::thread::hardware_concurrency()));
  w.Key("GOMEMLIMIT");
  w.Int(std::numeric_limits<int64_t>::max());
  w.Key("GOGC");
  w.String("");
  w.Key("GODEBUG");
  w.String("");
  w.Key("storageRetention");
  w.String(o_.storage_retention);
  w.EndObject();
  WriteSuccess(res, reply);
}

void Api::Impl::TsdbStatus(const HttpRequest&, const Form& f, HttpResponse& res) {
  int limit = 10;
  if (!f.Get("limit").empty()) {
    if (!absl::SimpleAtoi(AV(f.Get("limit")), &limit) || limit < 1) {
      return WriteError(res, BadData("limit must be a positive number"));
    }
  }
  Reply reply;
  JsonWriter& w = reply.data();
  tsdb::HeadCardinality card;
  tsdb::HeadStats stats;
  if (head_ != nullptr) {
    card = head_->Cardinality(static_cast<size_t>(limit));
    stats = head_->Stats();
  }
  w.BeginObject();
  w.Key("headStats");
  w.BeginObject();
  w.Key("numSeries");
  w.Uint(stats.num_series);
  w.Key("numLabelPairs");
  w.Uint(card.num_label_pairs);
  w.Key("chunkCount");
  w.Uint(stats.num_chunks);
  bool empty = stats.min_time > stats.max_time;
  w.Key("minTime");
  w.Int(empty ? std::numeric_limits<int64_t>::max() : stats.min_time);
  w.Key("maxTime");
  w.Int(empty ? std::numeric_limits<int64_t>::min() : stats.max_time);
  w.EndObject();
  auto list = [&](const char* key, const std::vector<tsdb::HeadCardinality::Entry>& entries) {
    w.Key(key);
    w.BeginArray();
    for (const auto& e : entries) {
      w.BeginObject();
      w.Key("name");
      w.String(e.name);
      w.Key("value");
      w.Uint(e.value);
      w.EndObject();
    }
    w.EndArray();
  };
  list("seriesCountByMetricName", card.series_count_by_metric_name);
  list("labelValueCountByLabelName", card.label_value_count_by_label_name);
  list("memoryInBytesByLabelName", card.memory_in_bytes_by_label_name);
  list("seriesCountByLabelValuePair", card.series_count_by_label_value_pair);
  w.EndObject();
  WriteSuccess(res, reply);
}

void Api::Impl::WalReplay(const HttpRequest&, const Form&, HttpResponse& res) {
  std::vector<int64_t> v = runtime_.wal_replay ? runtime_.wal_replay() : std::vector<int64_t>{};
  v.resize(3, 0);
  Reply reply;
  JsonWriter& w = reply.data();
  w.BeginObject();
  w.Key("min");
  w.Int(v[0]);
  w.Key("max");
  w.Int(v[1]);
  w.Key("current");
  w.Int(v[2]);
  w.EndObject();
  WriteSuccess(res, reply);
}

void Api::Impl::DeleteSeries(const HttpRequest&, const Form& f, HttpResponse& res) {
  if (!o_.enable_admin) return WriteError(res, Error{"unavailable", 503, "admin APIs disabled"});
  auto raw = f.All("match[]");
  if (raw.empty()) return WriteError(res, BadData("no match[] parameter provided"));
  int64_t start, end;
  if (!TimeParam(f, "start", kMinTimeMs, &start, res)) return;
  if (!TimeParam(f, "end", kMaxTimeMs, &end, res)) return;
  std::optional<Error> err;
  auto sets = ParseMatchers(raw, &err);
  if (!sets.ok()) return WriteError(res, *err);
  if (!admin_.delete_series) {
    return WriteError(res, Error{"unavailable", 503, "delete_series is not supported by this storage"});
  }
  if (auto st = admin_.delete_series(*sets, start, end); !st.ok()) {
    return WriteError(res, Error{"internal", 500, std::string(st.message())});
  }
  res.status = 204;
  res.body.clear();
}

void Api::Impl::CleanTombstones(const HttpRequest&, const Form&, HttpResponse& res) {
  if (!o_.enable_admin) return WriteError(res, Error{"unavailable", 503, "admin APIs disabled"});
  if (!admin_.clean_tombstones) {
    return WriteError(res, Error{"unavailable", 503, "clean_tombstones is not supported by this storage"});
  }
  if (auto st = admin_.clean_tombstones(); !st.ok()) {
    return WriteError(res, Error{"internal", 500, std::string(st.message())});
  }
  res.status = 204;
  res.body.clear();
}

void Api::Impl::Snapshot(const HttpRequest&, const Form& f, HttpResponse& res) {
  if (!o_.enable_admin) return WriteError(res, Error{"unavailable", 503, "admin APIs disabled"});
  bool skip_head = false;
  std::string_view sh = f.Get("skip_head");
  if (!sh.empty()) {
    if (sh == "1" || sh == "t" || sh == "T" || sh == "true" || sh == "TRUE" || sh == "True") {
      skip_head = true;
    } else if (sh == "0" || sh == "f" || sh == "F" || sh == "false" || sh == "FALSE" ||
               sh == "False") {
      skip_head = false;
    } else {
      return WriteError(res, InvalidParam("skip_head", absl::StrCat("strconv.ParseBool: parsing \"",
                                                                   AV(sh), "\": invalid syntax")));
    }
  }
  if (!admin_.snapshot) {
    return WriteError(res, Error{"unavailable", 503, "snapshot is not supported by this storage"});
  }
  auto name = admin_.snapshot(skip_head);
  if (!name.ok()) {
    return WriteError(res, Error{"internal", 500,
                                 absl::StrCat("create snapshot: ", name.status().message())});
  }
  Reply reply;
  JsonWriter& w = reply.data();
  w.BeginObject();
  w.Key("name");
  w.String(*name);
  w.EndObject();
  WriteSuccess(res, reply);
}

void Api::Impl::Federate(const HttpRequest&, const Form& f, HttpResponse& res) {
  auto raw = f.All("match[]");
  std::vector<std::vector<tsdb::Matcher>> sets;
  for (std::string_view s : raw) {
    auto ms = promql::ParseMetricSelector(s);
    if (!ms.ok()) {
      res.status = 400;
      res.body = absl::StrCat(ms.status().message(), "\n");
      return;
    }
    sets.push_back(std::move(*ms));
  }
  auto body = FederateText(*storage_, sets, o_.now_ms(), o_.lookback_delta_ms);
  if (!body.ok()) {
    res.status = 500;
    res.body = absl::StrCat(body.status().message(), "\n");
    return;
  }
  res.status = 200;
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  res.body = std::move(*body);
}

Api::Api(ApiOptions options, tsdb::Queryable* storage, const promql::Engine* engine,
         tsdb::Head* head, TargetSource targets, RuntimeStatus runtime, AdminHooks admin)
    : impl_(std::make_unique<Impl>(std::move(options), storage, engine, head, std::move(targets),
                                   std::move(runtime), std::move(admin))) {}

Api::~Api() = default;

void Api::Register(HttpServer& server) {
  Impl* impl = impl_.get();
  for (const auto& r : Impl::Routes()) {
    const Impl::Route* route = &r;
    RouteOptions options;
    options.methods = Impl::MethodsOf(r);
    options.cors = absl::StartsWith(r.path, "/api/");
    // Evaluation (behind the concurrency gate) and federation are the expensive endpoints: they
    // get the query pool, so they never delay the cheap ones.
    std::string_view path = r.path;
    if (path == "/api/v1/query" || path == "/api/v1/query_range" || path == "/federate") {
      options.pool = HandlerPool::kQuery;
    }
    server.Handle(r.path, r.path,
                  [impl, route](const HttpRequest& req, HttpResponse& res) {
                    impl->ServeRoute(*route, req, res);
                  },
                  std::move(options));
  }
  RouteOptions label_values;
  label_values.methods = {"GET"};
  label_values.cors = true;
  server.HandlePrefix("/api/v1/label/", "/api/v1/label/:name/values",
                      [impl](const HttpRequest& req, HttpResponse& res) { impl->Serve(req, res); },
                      std::move(label_values));
}

HttpResponse Api::Serve(const HttpRequest& request) {
  HttpResponse res;
  impl_->Serve(request, res);
  return res;
}

}  // namespace promlet::api
