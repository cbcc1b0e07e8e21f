// The C API (include/promlet/promlet.h) over lib::Database. No exception leaves this file: each
// entry point catches everything and turns it into an error message.
#include "promlet/promlet.h"

#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "lib/database.h"
#include "lib/public_values.h"
#include "web/api/v1/query_json.h"

struct promlet_db {
  std::unique_ptr<promlet::lib::Database> db;
};

struct promlet_appender {
  std::unique_ptr<promlet::storage::Appender> app;
};

struct promlet_options {
  promlet::lib::DatabaseOptions options;
};

struct promlet_histogram {
  promlet::Histogram h;
};

// A typed query result: series of points; the histograms and label strings handed out live
// here (a deque keeps their addresses).
struct promlet_result {
  struct Point {
    int64_t t;
    double v;
    const promlet_histogram* h;
  };
  struct Series {
    std::string labels;
    std::vector<Point> points;
  };
  std::vector<Series> series;
  std::deque<promlet_histogram> histograms;
};

namespace {

char* CopyString(std::string_view s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

void SetError(char** errmsg, std::string_view message) {
  if (errmsg != nullptr) *errmsg = CopyString(message);
}

// Runs `fn` (returning absl::Status); 0 when OK, else -1 with the message in *errmsg.
template <typename Fn>
int Call(char** errmsg, Fn&& fn) {
  try {
    absl::Status st = fn();
    if (st.ok()) return 0;
    SetError(errmsg, std::string_view(st.message().data(), st.message().size()));
  } catch (const std::exception& e) {
    SetError(errmsg, std::string("internal error: ") + e.what());
  } catch (...) {
    SetError(errmsg, "internal error");
  }
  return -1;
}

absl::Status Required(const void* p, const char* what) {
  if (p == nullptr) return absl::InvalidArgumentError(std::string(what) + " is NULL");
  return absl::OkStatus();
}

promlet_db* Open(const char* dir, const promlet::lib::DatabaseOptions& options, char** errmsg) {
  promlet_db* out = nullptr;
  Call(errmsg, [&]() -> absl::Status {
    if (auto st = Required(dir, "dir"); !st.ok()) return st;
    auto db = promlet::lib::Database::Open(dir, options);
    if (!db.ok()) return db.status();
    out = new promlet_db{std::move(*db)};
    return absl::OkStatus();
  });
  return out;
}

template <typename Eval>
char* QueryJson(char** errmsg, const promlet::promql::Engine& engine, Eval&& eval) {
  char* out = nullptr;
  Call(errmsg, [&]() -> absl::Status {
    absl::StatusOr<promlet::promql::Result> r = eval();
    if (!r.ok()) return r.status();
    out = CopyString(promlet::web::QueryDataJson(*r, &engine));
    if (out == nullptr) return absl::ResourceExhaustedError("out of memory");
    return absl::OkStatus();
  });
  return out;
}

// `name{a="b",...}`; "{}" without labels.
std::string SeriesText(const promlet::model::Labels& labels) {
  return labels.empty() ? "{}" : labels.ToString();
}

template <typename Eval>
promlet_result* TypedResult(char** errmsg, Eval&& eval) {
  promlet_result* out = nullptr;
  Call(errmsg, [&]() -> absl::Status {
    absl::StatusOr<promlet::promql::Result> r = eval();
    if (!r.ok()) return r.status();
    auto res = std::make_unique<promlet_result>();
    auto histogram = [&](const promlet::promql::HistogramPtr& h) {
      res->histograms.push_back(promlet_histogram{promlet::lib::ToPublicHistogram(*h)});
      return &res->histograms.back();
    };
    if (auto* scalar = std::get_if<promlet::promql::Scalar>(&r->value)) {
      res->series.push_back({"{}", {{scalar->t, scalar->v, nullptr}}});
    } else if (auto* vector = std::get_if<promlet::promql::Vector>(&r->value)) {
      for (const auto& s : *vector) {
        res->series.push_back(
            {SeriesText(s.labels), {{s.t, s.h ? 0 : s.v, s.h ? histogram(s.h) : nullptr}}});
      }
    } else if (auto* matrix = std::get_if<promlet::promql::Matrix>(&r->value)) {
      for (const auto& s : *matrix) {
        promlet_result::Series& out_series = res->series.emplace_back();
        out_series.labels = SeriesText(s.labels);
        // Floats and histograms never share a timestamp: merge them in time order.
        size_t f = 0, h = 0;
        while (f < s.points.size() || h < s.histograms.size()) {
          if (h == s.histograms.size() ||
              (f < s.points.size() && s.points[f].t < s.histograms[h].t)) {
            out_series.points.push_back({s.points[f].t, s.points[f].v, nullptr});
            ++f;
          } else {
            out_series.points.push_back({s.histograms[h].t, 0, histogram(s.histograms[h].h)});
            ++h;
          }
        }
      }
    } else {
      return absl::InvalidArgumentError(
          "the query returned a string: typed results hold numbers and histograms (use "
          "promlet_query for its JSON)");
    }
    out = res.release();
    return absl::OkStatus();
  });
  return out;
}

const promlet::Histogram* Hist(const promlet_histogram* h) { return h == nullptr ? nullptr : &h->h; }

}  // namespace

extern "C" {

promlet_db* promlet_open(const char* dir, char** errmsg) {
  return Open(dir, promlet::lib::DatabaseOptions{}, errmsg);
}

promlet_db* promlet_open_with_options(const char* dir, const promlet_options* o, char** errmsg) {
  return Open(dir, o != nullptr ? o->options : promlet::lib::DatabaseOptions{}, errmsg);
}

promlet_options* promlet_options_new(void) { return new (std::nothrow) promlet_options(); }

int promlet_options_set(promlet_options* o, const char* name, const char* value, char** errmsg) {
  return Call(errmsg, [&]() -> absl::Status {
    if (auto st = Required(o, "options"); !st.ok()) return st;
    if (auto st = Required(name, "name"); !st.ok()) return st;
    if (auto st = Required(value, "value"); !st.ok()) return st;
    return promlet::lib::SetOption(o->options, name, value);
  });
}

void promlet_options_free(promlet_options* o) { delete o; }

promlet_appender* promlet_appender_new(promlet_db* db) {
  if (db == nullptr) return nullptr;
  try {
    return new promlet_appender{db->db->NewAppender()};
  } catch (...) {
    return nullptr;
  }
}

int promlet_appender_add(promlet_appender* a, const char* series, int64_t timestamp_ms,
                         double value, char** errmsg) {
  return Call(errmsg, [&]() -> absl::Status {
    if (auto st = Required(a, "appender"); !st.ok()) return st;
    if (auto st = Required(series, "series"); !st.ok()) return st;
    auto labels = promlet::lib::ParseSeriesText(series);
    if (!labels.ok()) return labels.status();
    auto ref = a->app->Append(0, *labels, timestamp_ms, value);
    if (!ref.ok()) return promlet::lib::AppendError(ref.status(), series, timestamp_ms);
    return absl::OkStatus();
  });
}

int promlet_appender_add_protobuf(promlet_appender* a, const void* body, size_t size,
                                  int64_t default_timestamp_ms, char** errmsg) {
  return Call(errmsg, [&]() -> absl::Status {
    if (auto st = Required(a, "appender"); !st.ok()) return st;
    if (size > 0) {
      if (auto st = Required(body, "body"); !st.ok()) return st;
    }
    return promlet::lib::AppendProtobuf(
        *a->app, std::string_view(static_cast<const char*>(body), size), default_timestamp_ms);
  });
}

int promlet_appender_commit(promlet_appender* a, char** errmsg) {
  std::unique_ptr<promlet_appender> owned(a);
  return Call(errmsg, [&]() -> absl::Status {
    if (auto st = Required(a, "appender"); !st.ok()) return st;
    return a->app->Commit();
  });
}

void promlet_appender_rollback(promlet_appender* a) {
  if (a == nullptr) return;
  a->app->Rollback();
  delete a;
}

char* promlet_query(promlet_db* db, const char* expr, int64_t time_ms, char** errmsg) {
  if (db == nullptr || expr == nullptr) {
    SetError(errmsg, db == nullptr ? "db is NULL" : "expr is NULL");
    return nullptr;
  }
  return QueryJson(errmsg, db->db->engine(), [&] { return db->db->Query(expr, time_ms); });
}

char* promlet_query_range(promlet_db* db, const char* expr, int64_t start_ms, int64_t end_ms,
                          int64_t step_ms, char** errmsg) {
  if (db == nullptr || expr == nullptr) {
    SetError(errmsg, db == nullptr ? "db is NULL" : "expr is NULL");
    return nullptr;
  }
  return QueryJson(errmsg, db->db->engine(),
                   [&] { return db->db->QueryRange(expr, start_ms, end_ms, step_ms); });
}

promlet_result* promlet_query_result(promlet_db* db, const char* expr, int64_t time_ms,
                                     char** errmsg) {
  if (db == nullptr || expr == nullptr) {
    SetError(errmsg, db == nullptr ? "db is NULL" : "expr is NULL");
    return nullptr;
  }
  return TypedResult(errmsg, [&] { return db->db->Query(expr, time_ms); });
}

promlet_result* promlet_query_range_result(promlet_db* db, const char* expr, int64_t start_ms,
                                           int64_t end_ms, int64_t step_ms, char** errmsg) {
  if (db == nullptr || expr == nullptr) {
    SetError(errmsg, db == nullptr ? "db is NULL" : "expr is NULL");
    return nullptr;
  }
  return TypedResult(errmsg,
                     [&] { return db->db->QueryRange(expr, start_ms, end_ms, step_ms); });
}

void promlet_result_free(promlet_result* r) { delete r; }

size_t promlet_result_series_count(const promlet_result* r) {
  return r == nullptr ? 0 : r->series.size();
}

const char* promlet_result_series_labels(const promlet_result* r, size_t series) {
  if (r == nullptr || series >= r->series.size()) return nullptr;
  return r->series[series].labels.c_str();
}

size_t promlet_result_point_count(const promlet_result* r, size_t series) {
  if (r == nullptr || series >= r->series.size()) return 0;
  return r->series[series].points.size();
}

int promlet_result_point(const promlet_result* r, size_t series, size_t point,
                         int64_t* timestamp_ms, double* value,
                         const promlet_histogram** histogram) {
  if (r == nullptr || series >= r->series.size() || point >= r->series[series].points.size()) {
    return -1;
  }
  const promlet_result::Point& p = r->series[series].points[point];
  if (timestamp_ms != nullptr) *timestamp_ms = p.t;
  if (value != nullptr) *value = p.v;
  if (histogram != nullptr) *histogram = p.h;
  return 0;
}

double promlet_histogram_count(const promlet_histogram* h) { return h ? h->h.count : 0; }
double promlet_histogram_sum(const promlet_histogram* h) { return h ? h->h.sum : 0; }
int32_t promlet_histogram_schema(const promlet_histogram* h) { return h ? h->h.schema : 0; }
double promlet_histogram_zero_threshold(const promlet_histogram* h) {
  return h ? h->h.zero_threshold : 0;
}
double promlet_histogram_zero_count(const promlet_histogram* h) { return h ? h->h.zero_count : 0; }
int promlet_histogram_is_gauge(const promlet_histogram* h) { return h && h->h.gauge ? 1 : 0; }
size_t promlet_histogram_bucket_count(const promlet_histogram* h) {
  return h ? h->h.buckets.size() : 0;
}

int promlet_histogram_bucket(const promlet_histogram* h, size_t i, int* boundary_rule,
                             double* lower, double* upper, double* count) {
  const promlet::Histogram* hist = Hist(h);
  if (hist == nullptr || i >= hist->buckets.size()) return -1;
  const promlet::HistogramBucket& b = hist->buckets[i];
  if (boundary_rule != nullptr) *boundary_rule = b.boundary_rule;
  if (lower != nullptr) *lower = b.lower;
  if (upper != nullptr) *upper = b.upper;
  if (count != nullptr) *count = b.count;
  return 0;
}

int promlet_serve(promlet_db* db, const char* listen_address, char** errmsg) {
  return Call(errmsg, [&]() -> absl::Status {
    if (auto st = Required(db, "db"); !st.ok()) return st;
    if (auto st = Required(listen_address, "listen_address"); !st.ok()) return st;
    return db->db->Serve(listen_address).status();
  });
}

int promlet_serve_port(promlet_db* db) { return db == nullptr ? 0 : db->db->port(); }

void promlet_close(promlet_db* db) { delete db; }

void promlet_free(void* p) { std::free(p); }

const char* promlet_version(void) { return PROMLET_LIB_VERSION; }

}  // extern "C"
