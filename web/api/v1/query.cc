// /api/v1/query, query_range, query_exemplars, format_query, parse_query.
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_map.h"

#include "promql/parser/parser.h"
#include "web/api/v1/ast_json.h"
#include "web/api/v1/handlers.h"
#include "web/api/v1/heap_trimmer.h"
#include "web/api/v1/query_json.h"

namespace promlet::web {
namespace {

// For safety, the number of points per series a range query may return (as Prometheus).

// Declared first in a query handler, so it runs last: tells the process' HeapTrimmer that a
// query ran and whether it held enough memory to be worth returning once queries stop.
struct TrimHeapAfterLargeQuery {
  TrimHeapAfterLargeQuery() { HeapTrimmer::Process().QueryStarted(); }
  TrimHeapAfterLargeQuery(const TrimHeapAfterLargeQuery&) = delete;
  TrimHeapAfterLargeQuery& operator=(const TrimHeapAfterLargeQuery&) = delete;
  ~TrimHeapAfterLargeQuery() {
    // Points held at the peak plus raw samples decoded (a batch of series' raw samples is
    // held at a time), 16 bytes each: past 4 MiB the freed memory is worth returning.
    constexpr int64_t kTrimAfterSamples = (4 << 20) / 16;
    HeapTrimmer::Process().QueryEnded(stats.peak_samples + stats.samples_decoded >
                                      kTrimAfterSamples);
  }
  promql::QueryStats stats;  // filled in by the evaluation
};

// Evaluates through the query limiter: the deadline is the smaller of the `timeout` parameter
// and --query.timeout, from the request's arrival (time spent waiting for a query thread
// counts, as in Prometheus); `lookback_delta` overrides the engine's default.
absl::StatusOr<promql::Result> Evaluate(
    const Request& r, promql::QueryStats* stats,
    const std::function<absl::StatusOr<promql::Result>(const promql::QueryOptions&)>& eval) {
  const Form& f = r.form;
  int64_t timeout_ms = r.env.options.query_timeout_ms;
  if (f.Has("timeout")) {
    auto t = ParseDurationParam(f.Get("timeout"));
    if (!t.ok()) return InvalidParam("timeout", t.status().message());
    if (*t > 0) timeout_ms = std::min(timeout_ms, *t);
  }
  promql::QueryOptions qo;
  qo.stats = stats;
  if (f.Has("lookback_delta")) {
    auto ld = ParseDurationParam(f.Get("lookback_delta"));
    if (!ld.ok()) return InvalidParam("lookback_delta", ld.status().message());
    if (*ld > 0) qo.lookback_delta_ms = *ld;
  }
  return r.env.limiter.Run(r.http.received + std::chrono::milliseconds(timeout_ms),
                           r.http.client_gone, [&](std::atomic<bool>* cancel) {
                             qo.cancel = cancel;
                             return eval(qo);
                           });
}

// {"resultType":...,"result":...} of a query, at most `limit` series; a large one encoded on the
// engine's helper threads too.
void EncodeResult(const promql::Result& q, int limit, const promql::Engine& engine, Result& out) {
  out.AddWarnings(q.warnings, q.infos);
  size_t series = 0;
  if (const auto* v = std::get_if<promql::Vector>(&q.value)) series = v->size();
  if (const auto* m = std::get_if<promql::Matrix>(&q.value)) series = m->size();
  WriteQueryData(q, LimitedCount(series, limit, out), out.data(), &engine);
}

// Parsed queries by their text, most recently used first. Dashboards send the same queries
// again and again, and parsing (ANTLR) was ~13% of a small query's server time. An AST is
// never modified once parsed (the engine reads it through const references; per-query state
// such as resolved durations lives in the query's context), so one AST may serve concurrent
// queries. Only successful parses are kept; errors are parsed again (and cost nothing to keep).
class ParsedQueries {
 public:
  using ExprRef = std::shared_ptr<const promql::Expr>;
  static absl::StatusOr<ExprRef> Parse(std::string_view query) {
    static auto* cache = new ParsedQueries();  // leaked: no destruction order to get wrong
    return cache->Get(query);
  }

 private:
  static constexpr size_t kEntries = 512;
  static constexpr size_t kMaxQueryBytes = 8 << 10;

  absl::StatusOr<ExprRef> Get(std::string_view query) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (auto it = index_.find(query); it != index_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->second;
      }
    }
    auto parsed = promql::ParseExpr(query);
    if (!parsed.ok()) return parsed.status();
    ExprRef expr(std::move(*parsed));
    if (query.size() > kMaxQueryBytes) return expr;
    std::lock_guard<std::mutex> l(mu_);
    if (index_.contains(query)) return expr;  // parsed meanwhile by another query
    lru_.emplace_front(std::string(query), expr);
    index_.emplace(lru_.front().first, lru_.begin());
    if (lru_.size() > kEntries) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
    return expr;
  }

  std::mutex mu_;
  std::list<std::pair<std::string, ExprRef>> lru_;
  // Keys view the strings in lru_ (list nodes never move).
  absl::flat_hash_map<std::string_view, std::list<std::pair<std::string, ExprRef>>::iterator>
      index_;
};

// The parsed "query" parameter.
absl::StatusOr<ParsedQueries::ExprRef> QueryParam(const Form& f) {
  auto expr = ParsedQueries::Parse(f.Get("query"));
  if (!expr.ok()) return InvalidParam("query", expr.status().message());
  return expr;
}

// Parses "query" and "limit", evaluates with `eval` and encodes the answer.
Result RunAndEncode(const Request& r, TrimHeapAfterLargeQuery& trim,
                    const std::function<absl::StatusOr<promql::Result>(
                        const promql::Expr&, const promql::QueryOptions&)>& eval) {
  auto limit = LimitParam(r.form);
  if (!limit.ok()) return limit.status();
  auto expr = QueryParam(r.form);
  if (!expr.ok()) return expr.status();
  absl::StatusOr<promql::Result> q =
      Evaluate(r, &trim.stats, [&](const promql::QueryOptions& qo) { return eval(**expr, qo); });
  if (!q.ok()) return q.status();
  Result out;
  if (net::AcceptsGzip(r.http.Header("accept-encoding"))) out.CompressLargeData();
  EncodeResult(*q, *limit, r.env.engine, out);
  return out;
}

}  // namespace

Result Query(const Request& r) {
  TrimHeapAfterLargeQuery trim;
  int64_t t = r.env.options.now_ms();
  if (r.form.Has("time")) {  // present but empty is an error, unlike the other time parameters
    auto pt = ParseTime(r.form.Get("time"));
    if (!pt.ok()) return InvalidParam("time", pt.status().message());
    t = *pt;
  }
  std::string query(r.form.Get("query"));
  return RunAndEncode(r, trim, [&](const promql::Expr& e, const promql::QueryOptions& qo) {
    return r.env.engine.InstantQuery(r.env.storage, e, t, qo, query);
  });
}

Result QueryRange(const Request& r) {
  TrimHeapAfterLargeQuery trim;
  const Form& f = r.form;
  auto start = ParseTime(f.Get("start"));
  if (!start.ok()) return InvalidParam("start", start.status().message());
  auto end = ParseTime(f.Get("end"));
  if (!end.ok()) return InvalidParam("end", end.status().message());
  if (*end < *start) return InvalidParam("end", kEndBeforeStartMessage);
  auto step = ParseDurationParam(f.Get("step"));
  if (!step.ok()) return InvalidParam("step", step.status().message());
  if (*step <= 0) return InvalidParam("step", kNonPositiveStepMessage);
  if ((*end - *start) / *step > kMaxPointsPerSeries) {
    return BadData(kTooManyPointsMessage);
  }
  std::string query(f.Get("query"));
  return RunAndEncode(r, trim, [&](const promql::Expr& e, const promql::QueryOptions& qo) {
    return r.env.engine.RangeQuery(r.env.storage, e, *start, *end, *step, qo, query);
  });
}

Result QueryExemplars(const Request& r) {
  auto range = StartEndParams(r.form);
  if (!range.ok()) return range.status();
  if (range->end < range->start) {
    return InvalidParam("end", "end timestamp must not be before start time");
  }
  auto expr = QueryParam(r.form);
  if (!expr.ok()) return expr.status();
  // Exemplars are not stored (yet): the correct answer is an empty list.
  Result out;
  out.data().BeginArray();
  out.data().EndArray();
  return out;
}

Result FormatQuery(const Request& r) {
  auto expr = QueryParam(r.form);
  if (!expr.ok()) return expr.status();
  Result out;
  out.data().String(promql::Print(**expr));
  return out;
}

Result ParseQuery(const Request& r) {
  auto expr = QueryParam(r.form);
  if (!expr.ok()) return expr.status();
  Result out;
  WriteAstJson(**expr, out.data());
  return out;
}

}  // namespace promlet::web
