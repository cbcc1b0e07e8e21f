// The C++ API (include/promlet/promlet.hpp) over lib::Database (conversions to the std-only
// public types in public_values.h). No exception leaves this file.
#include <algorithm>
#include <exception>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/views.h"
#include "lib/database.h"
#include "lib/public_values.h"
#include "model/textparse.h"
#include "promlet/promlet.hpp"
#include "promql/parser/parser.h"
#include "web/api/v1/query_json.h"

namespace promlet {
namespace {

Status FromAbsl(const absl::Status& st) {
  return st.ok() ? Status() : Status::Error(std::string(st.message()));
}

model::Labels ToModel(const Labels& ls) {
  std::vector<model::Label> pairs;
  pairs.reserve(ls.size());
  for (const auto& l : ls) pairs.push_back(model::Label{l.name, l.value});
  return model::Labels::FromUnsorted(std::move(pairs));
}

// Runs fn, turning an escaping exception into an error.
template <typename T, typename Fn>
Result<T> Guard(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return Status::Error(std::string("internal error: ") + e.what());
  } catch (...) {
    return Status::Error("internal error");
  }
}

absl::StatusOr<std::vector<model::Matcher>> ParseSelector(std::string_view selector) {
  auto ms = promql::ParseMetricSelector(selector);
  if (!ms.ok()) return ms.status();
  if (std::all_of(ms->begin(), ms->end(), [](const auto& m) { return m.MatchesEmpty(); })) {
    return absl::InvalidArgumentError(absl::StrCat(
        "selector \"", common::ToAbsl(selector), "\" must contain at least one non-empty matcher"));
  }
  return ms;
}

}  // namespace

std::string_view LabelValue(const Labels& labels, std::string_view name) {
  for (const auto& l : labels) {
    if (l.name == name) return l.value;
  }
  return {};
}

std::string Version() { return PROMLET_LIB_VERSION; }

// ---- Appender ----

class Appender::Impl {
 public:
  explicit Impl(std::unique_ptr<storage::Appender> app) : app_(std::move(app)) {}
  ~Impl() {
    if (!done_) app_->Rollback();
  }

  Status Add(const model::Labels& labels, std::string_view what, int64_t t, double v) {
    if (done_) return Status::Error("appender already committed or rolled back");
    auto ref = app_->Append(0, labels, t, v);
    if (!ref.ok()) return FromAbsl(lib::AppendError(ref.status(), what, t));
    return Status();
  }
  Status AddText(std::string_view text, int64_t default_t, bool openmetrics) {
    model::Parser p(text, openmetrics ? model::Format::kOpenMetrics : model::Format::kText004);
    for (;;) {
      auto e = p.Next();
      if (!e.ok()) return Status::Error(absl::StrCat("line ", p.line(), ": ", e.status().message()));
      if (*e == model::Entry::kEOF) return Status();
      if (*e != model::Entry::kSeries) continue;
      model::Labels labels;
      if (auto st = p.ParseLabels(&labels); !st.ok()) {
        return Status::Error(absl::StrCat("line ", p.line(), ": ", st.message()));
      }
      Status st = Add(labels, p.RawSeries(), p.TimestampMs().value_or(default_t), p.Value());
      if (!st.ok()) return Status::Error(absl::StrCat("line ", p.line(), ": ", st.message()));
    }
  }
  Status AddProtobuf(std::string_view body, int64_t default_t) {
    if (done_) return Status::Error("appender already committed or rolled back");
    return FromAbsl(lib::AppendProtobuf(*app_, body, default_t));
  }
  Status Commit() {
    if (done_) return Status::Error("appender already committed or rolled back");
    done_ = true;
    return FromAbsl(app_->Commit());
  }
  void Rollback() {
    if (done_) return;
    done_ = true;
    app_->Rollback();
  }

 private:
  std::unique_ptr<storage::Appender> app_;
  bool done_ = false;
};

Appender::Appender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Appender::Appender(Appender&&) noexcept = default;
Appender& Appender::operator=(Appender&&) noexcept = default;
Appender::~Appender() = default;

Status Appender::Add(std::string_view series, int64_t timestamp_ms, double value) {
  if (!impl_) return Status::Error("appender moved from");
  return Guard<bool>([&]() -> Result<bool> {
           auto labels = lib::ParseSeriesText(series);
           if (!labels.ok()) return FromAbsl(labels.status());
           Status st = impl_->Add(*labels, series, timestamp_ms, value);
           if (!st.ok()) return st;
           return true;
         })
      .status();
}

Status Appender::Add(const Labels& labels, int64_t timestamp_ms, double value) {
  if (!impl_) return Status::Error("appender moved from");
  return Guard<bool>([&]() -> Result<bool> {
           model::Labels ls = ToModel(labels);
           if (ls.MetricName().empty()) return Status::Error("labels without \"__name__\"");
           Status st = impl_->Add(ls, ls.ToString(), timestamp_ms, value);
           if (!st.ok()) return st;
           return true;
         })
      .status();
}

Status Appender::AddText(std::string_view text, int64_t default_timestamp_ms, bool openmetrics) {
  if (!impl_) return Status::Error("appender moved from");
  return Guard<bool>([&]() -> Result<bool> {
           Status st = impl_->AddText(text, default_timestamp_ms, openmetrics);
           if (!st.ok()) return st;
           return true;
         })
      .status();
}

Status Appender::AddProtobuf(std::string_view body, int64_t default_timestamp_ms) {
  if (!impl_) return Status::Error("appender moved from");
  return Guard<bool>([&]() -> Result<bool> {
           Status st = impl_->AddProtobuf(body, default_timestamp_ms);
           if (!st.ok()) return st;
           return true;
         })
      .status();
}

Status Appender::Commit() {
  if (!impl_) return Status::Error("appender moved from");
  return Guard<bool>([&]() -> Result<bool> {
           Status st = impl_->Commit();
           if (!st.ok()) return st;
           return true;
         })
      .status();
}

void Appender::Rollback() {
  if (impl_) impl_->Rollback();
}

// ---- SeriesCursor ----

class SeriesCursor::Impl {
 public:
  Impl(std::unique_ptr<storage::Querier> q, std::unique_ptr<storage::SeriesSet> set)
      : querier_(std::move(q)), set_(std::move(set)) {}

  bool Next() {
    it_.reset();
    if (!set_->Next()) return false;
    labels_ = lib::ToPublicLabels(set_->At().labels());
    it_ = set_->At().Iterator();
    return true;
  }
  bool NextSample(Sample& out, std::optional<Histogram>* histogram) {
    if (!it_ || !it_->Next()) return false;
    if (it_->Type() == storage::ValueType::kFloat) {
      out = Sample{it_->T(), it_->V()};
      if (histogram != nullptr) histogram->reset();
      return true;
    }
    if (histogram == nullptr) {
      out = Sample{it_->T(), std::numeric_limits<double>::quiet_NaN()};
      return true;
    }
    it_->AtFloatHistogram(&scratch_);
    out = Sample{it_->T(), 0};
    *histogram = lib::ToPublicHistogram(scratch_);
    return true;
  }
  Status status() const {
    if (it_ && !it_->status().ok()) return FromAbsl(it_->status());
    return FromAbsl(set_->status());
  }
  const Labels& labels() const { return labels_; }

 private:
  std::unique_ptr<storage::Querier> querier_;  // outlives the set and iterators it made
  std::unique_ptr<storage::SeriesSet> set_;
  std::unique_ptr<storage::SampleIterator> it_;
  Labels labels_;
  model::histogram::FloatHistogram scratch_;
};

SeriesCursor::SeriesCursor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SeriesCursor::SeriesCursor(SeriesCursor&&) noexcept = default;
SeriesCursor& SeriesCursor::operator=(SeriesCursor&&) noexcept = default;
SeriesCursor::~SeriesCursor() = default;
bool SeriesCursor::Next() { return impl_ && impl_->Next(); }
const Labels& SeriesCursor::labels() const {
  static const Labels kNone;
  return impl_ ? impl_->labels() : kNone;
}
bool SeriesCursor::NextSample(Sample& out) { return impl_ && impl_->NextSample(out, nullptr); }
bool SeriesCursor::NextSample(Sample& out, std::optional<Histogram>& histogram) {
  return impl_ && impl_->NextSample(out, &histogram);
}
Status SeriesCursor::status() const {
  return impl_ ? impl_->status() : Status::Error("cursor moved from");
}

// ---- Db ----

class Db::Impl {
 public:
  explicit Impl(std::unique_ptr<lib::Database> db) : db(std::move(db)) {}
  std::unique_ptr<lib::Database> db;
};

Db::Db(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Db::Db(Db&&) noexcept = default;
Db& Db::operator=(Db&&) noexcept = default;
Db::~Db() = default;

Result<Db> Db::Open(const std::string& dir, const Options& options) {
  return Guard<Db>([&]() -> Result<Db> {
    lib::DatabaseOptions o;
    o.retention_ms = options.retention_ms;
    o.retention_bytes = options.retention_bytes;
    o.block_duration_ms = options.block_duration_ms;
    o.query_timeout_ms = options.query_timeout_ms;
    o.query_max_samples = options.query_max_samples;
    o.lookback_delta_ms = options.lookback_delta_ms;
    o.query_max_concurrency = options.query_max_concurrency;
    o.lockfile = options.lockfile;
    auto db = lib::Database::Open(dir, o);
    if (!db.ok()) return FromAbsl(db.status());
    return Db(std::make_unique<Impl>(std::move(*db)));
  });
}

Appender Db::NewAppender() {
  return Appender(std::make_unique<Appender::Impl>(impl_->db->NewAppender()));
}

Result<QueryResult> Db::Query(std::string_view expr, int64_t time_ms) const {
  return Guard<QueryResult>([&]() -> Result<QueryResult> {
    auto r = impl_->db->Query(expr, time_ms);
    if (!r.ok()) return FromAbsl(r.status());
    return lib::ToPublicResult(std::move(*r));
  });
}

Result<QueryResult> Db::QueryRange(std::string_view expr, int64_t start_ms, int64_t end_ms,
                                   int64_t step_ms) const {
  return Guard<QueryResult>([&]() -> Result<QueryResult> {
    auto r = impl_->db->QueryRange(expr, start_ms, end_ms, step_ms);
    if (!r.ok()) return FromAbsl(r.status());
    return lib::ToPublicResult(std::move(*r));
  });
}

Result<std::string> Db::QueryJson(std::string_view expr, int64_t time_ms) const {
  return Guard<std::string>([&]() -> Result<std::string> {
    auto r = impl_->db->Query(expr, time_ms);
    if (!r.ok()) return FromAbsl(r.status());
    return web::QueryDataJson(*r, &impl_->db->engine());
  });
}

Result<std::string> Db::QueryRangeJson(std::string_view expr, int64_t start_ms, int64_t end_ms,
                                       int64_t step_ms) const {
  return Guard<std::string>([&]() -> Result<std::string> {
    auto r = impl_->db->QueryRange(expr, start_ms, end_ms, step_ms);
    if (!r.ok()) return FromAbsl(r.status());
    return web::QueryDataJson(*r, &impl_->db->engine());
  });
}

Result<SeriesCursor> Db::Select(std::string_view selector, int64_t min_ms, int64_t max_ms) const {
  return Guard<SeriesCursor>([&]() -> Result<SeriesCursor> {
    auto ms = ParseSelector(selector);
    if (!ms.ok()) return FromAbsl(ms.status());
    auto q = impl_->db->queryable().NewQuerier(min_ms, max_ms);
    if (!q.ok()) return FromAbsl(q.status());
    auto set = (*q)->Select(*ms);
    return SeriesCursor(std::make_unique<SeriesCursor::Impl>(std::move(*q), std::move(set)));
  });
}

namespace {

// Label names or values over the union of series matching each selector (all without one).
template <typename Lookup>
Result<std::vector<std::string>> LabelLookup(lib::Database& db,
                                             std::span<const std::string> selectors,
                                             Lookup&& lookup) {
  auto q = db.queryable().NewQuerier(std::numeric_limits<int64_t>::min(),
                                     std::numeric_limits<int64_t>::max());
  if (!q.ok()) return FromAbsl(q.status());
  std::vector<std::vector<model::Matcher>> sets;
  for (const auto& s : selectors) {
    auto ms = ParseSelector(s);
    if (!ms.ok()) return FromAbsl(ms.status());
    sets.push_back(std::move(*ms));
  }
  if (sets.empty()) sets.emplace_back();
  std::vector<std::string> out;
  for (const auto& ms : sets) {
    absl::StatusOr<std::vector<std::string>> part = lookup(**q, ms);
    if (!part.ok()) return FromAbsl(part.status());
    out.insert(out.end(), part->begin(), part->end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Result<std::vector<std::string>> Db::LabelNames(std::span<const std::string> selectors) const {
  return Guard<std::vector<std::string>>([&]() -> Result<std::vector<std::string>> {
    return LabelLookup(*impl_->db, selectors,
                       [](storage::Querier& q, const std::vector<model::Matcher>& ms) {
                         return q.LabelNames(ms);
                       });
  });
}

Result<std::vector<std::string>> Db::LabelValues(std::string_view name,
                                                 std::span<const std::string> selectors) const {
  return Guard<std::vector<std::string>>([&]() -> Result<std::vector<std::string>> {
    return LabelLookup(*impl_->db, selectors,
                       [name](storage::Querier& q, const std::vector<model::Matcher>& ms) {
                         return q.LabelValues(name, ms);
                       });
  });
}

Result<int> Db::Serve(const std::string& listen_address) {
  return Guard<int>([&]() -> Result<int> {
    auto port = impl_->db->Serve(listen_address);
    if (!port.ok()) return FromAbsl(port.status());
    return static_cast<int>(*port);
  });
}

}  // namespace promlet
