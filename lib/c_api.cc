// The C API (include/promlet/promlet.h) over lib::Database. No exception leaves this file: each
// entry point catches everything and turns it into an error message.
#include "promlet/promlet.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "lib/database.h"
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
char* QueryJson(char** errmsg, Eval&& eval) {
  char* out = nullptr;
  Call(errmsg, [&]() -> absl::Status {
    absl::StatusOr<promlet::promql::Result> r = eval();
    if (!r.ok()) return r.status();
    out = CopyString(promlet::web::QueryDataJson(*r));
    if (out == nullptr) return absl::ResourceExhaustedError("out of memory");
    return absl::OkStatus();
  });
  return out;
}

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
  return QueryJson(errmsg, [&] { return db->db->Query(expr, time_ms); });
}

char* promlet_query_range(promlet_db* db, const char* expr, int64_t start_ms, int64_t end_ms,
                          int64_t step_ms, char** errmsg) {
  if (db == nullptr || expr == nullptr) {
    SetError(errmsg, db == nullptr ? "db is NULL" : "expr is NULL");
    return nullptr;
  }
  return QueryJson(errmsg, [&] { return db->db->QueryRange(expr, start_ms, end_ms, step_ms); });
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
