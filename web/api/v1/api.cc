#include "web/api/v1/api.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/match.h"
#include "web/api/v1/handlers.h"

namespace promlet::web {

using net::HandlerPool;
using net::HttpRequest;
using net::HttpResponse;
using net::HttpServer;
using net::RouteOptions;

namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

enum class Methods {
  kGet,         // GET only
  kGetAndPost,  // GET and POST (form-encoded parameters in the body)
  kWrite,       // POST and PUT (admin actions)
};

struct Route {
  const char* path;
  Handler handler;
  Methods methods = Methods::kGet;
  // Evaluation (behind the query limiter) and federation are the expensive endpoints: the
  // query pool, so that they never delay the cheap ones.
  HandlerPool pool = HandlerPool::kGeneral;
};

// As Prometheus' router registers them.
const std::vector<Route>& Routes() {
  static const std::vector<Route> kRoutes = {
      {"/api/v1/query", &Query, Methods::kGetAndPost, HandlerPool::kQuery},
      {"/api/v1/query_range", &QueryRange, Methods::kGetAndPost, HandlerPool::kQuery},
      {"/api/v1/query_exemplars", &QueryExemplars, Methods::kGetAndPost},
      {"/api/v1/format_query", &FormatQuery, Methods::kGetAndPost},
      {"/api/v1/parse_query", &ParseQuery, Methods::kGetAndPost},
      {"/api/v1/series", &Series, Methods::kGetAndPost},
      {"/api/v1/labels", &LabelNames, Methods::kGetAndPost},
      {"/api/v1/metadata", &Metadata},
      {"/api/v1/targets", &Targets},
      {"/api/v1/targets/metadata", &TargetsMetadata},
      {"/api/v1/rules", &Rules},
      {"/api/v1/alerts", &Alerts},
      {"/api/v1/alertmanagers", &AlertManagers},
      {"/api/v1/status/buildinfo", &StatusBuildInfo},
      {"/api/v1/status/config", &StatusConfig},
      {"/api/v1/status/flags", &StatusFlags},
      {"/api/v1/status/runtimeinfo", &StatusRuntimeInfo},
      {"/api/v1/status/tsdb", &StatusTsdb},
      {"/api/v1/status/walreplay", &StatusWalReplay},
      {"/api/v1/admin/tsdb/delete_series", &DeleteSeries, Methods::kWrite},
      {"/api/v1/admin/tsdb/clean_tombstones", &CleanTombstones, Methods::kWrite},
      {"/api/v1/admin/tsdb/snapshot", &Snapshot, Methods::kWrite},
      {"/federate", &Federate, Methods::kGet, HandlerPool::kQuery},
  };
  return kRoutes;
}

// /api/v1/label/<name>/values, served under a path prefix.
constexpr char kLabelValuesPrefix[] = "/api/v1/label/";
const Route kLabelValues = {kLabelValuesPrefix, &LabelValues};

std::vector<std::string> MethodsOf(const Route& r) {
  switch (r.methods) {
    case Methods::kGet:
      return {"GET"};
    case Methods::kGetAndPost:
      return {"GET", "POST"};
    case Methods::kWrite:
      return {"POST", "PUT"};
  }
  return {};
}

}  // namespace

class Api::Impl {
 public:
  Impl(ApiOptions options, storage::Queryable* storage, const promql::Engine* engine,
       TargetSource targets, RuntimeStatus runtime, AdminHooks admin, RuleSource rules)
      : options_(std::move(options)),
        targets_(std::move(targets)),
        runtime_(std::move(runtime)),
        admin_(std::move(admin)),
        rules_(std::move(rules)),
        limiter_(options_.max_concurrency),
        env_{options_, *storage, *engine, targets_, runtime_, admin_, limiter_, rules_} {
    if (!options_.now_ms) options_.now_ms = SystemNowMs;
  }

  void ServeRoute(const Route& r, const HttpRequest& req, HttpResponse& res) const {
    auto methods = MethodsOf(r);
    if (std::find(methods.begin(), methods.end(), req.method) == methods.end()) {
      // As Prometheus' router answers (the server answers this before the handler runs).
      res.status = 405;
      res.body = "Method Not Allowed\n";
      return;
    }
    auto form = Form::Parse(req.query, req.body, req.Header("content-type"));
    if (!form.ok()) return WriteResult(BadData(std::string(form.status().message())), res);
    WriteResult(r.handler(Request{req, *form, env_}), res);
  }

  void Serve(const HttpRequest& req, HttpResponse& res) const {
    for (const auto& r : Routes()) {
      if (req.path == r.path) return ServeRoute(r, req, res);
    }
    if (absl::StartsWith(req.path, kLabelValuesPrefix) && absl::EndsWith(req.path, "/values")) {
      return ServeRoute(kLabelValues, req, res);
    }
    res.status = 404;
    res.body = "404 page not found\n";
  }

 private:
  ApiOptions options_;
  TargetSource targets_;
  RuntimeStatus runtime_;
  AdminHooks admin_;
  RuleSource rules_;
  QueryLimiter limiter_;
  const Env env_;
};

Api::Api(ApiOptions options, storage::Queryable* storage, const promql::Engine* engine,
         TargetSource targets, RuntimeStatus runtime, AdminHooks admin, RuleSource rules)
    : impl_(std::make_unique<Impl>(std::move(options), storage, engine, std::move(targets),
                                   std::move(runtime), std::move(admin), std::move(rules))) {}

Api::~Api() = default;

void Api::Register(HttpServer& server) {
  const Impl* impl = impl_.get();
  for (const auto& r : Routes()) {
    const Route* route = &r;
    RouteOptions options;
    options.methods = MethodsOf(r);
    options.cors = absl::StartsWith(r.path, "/api/");
    options.pool = r.pool;
    server.Handle(
        r.path, r.path,
        [impl, route](const HttpRequest& req, HttpResponse& res) {
          impl->ServeRoute(*route, req, res);
        },
        std::move(options));
  }
  RouteOptions label_values;
  label_values.methods = {"GET"};
  label_values.cors = true;
  server.HandlePrefix(
      kLabelValuesPrefix, "/api/v1/label/:name/values",
      [impl](const HttpRequest& req, HttpResponse& res) { impl->Serve(req, res); },
      std::move(label_values));
}

HttpResponse Api::Serve(const HttpRequest& request) {
  HttpResponse res;
  impl_->Serve(request, res);
  return res;
}

}  // namespace promlet::web
