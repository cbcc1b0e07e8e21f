// The instant-vector and scalar function kernels.
#include "promql/engine/instant_functions.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "common/civil_days.h"
#include "common/go_format.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "promql/engine/collector.h"

namespace promlet::promql::internal {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class DateField {
  kMinute, kHour, kDayOfMonth, kMonth, kYear, kDayOfWeek, kDayOfYear, kDaysInMonth,
};

using common::CivilFromDays;

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

double DatePart(DateField fn, int64_t secs) {
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (fn == DateField::kMinute) return static_cast<double>((rem / 60) % 60);
  if (fn == DateField::kHour) return static_cast<double>(rem / 3600);
  if (fn == DateField::kDayOfMonth) return d;
  if (fn == DateField::kMonth) return m;
  if (fn == DateField::kYear) return static_cast<double>(y);
  if (fn == DateField::kDayOfWeek) {
    int64_t wd = (days + 4) % 7;  // 1970-01-01 was a Thursday
    if (wd < 0) wd += 7;
    return static_cast<double>(wd);
  }
  static const int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (fn == DateField::kDayOfYear) return kCum[m - 1] + d + ((m > 2 && IsLeap(y)) ? 1 : 0);
  if (fn == DateField::kDaysInMonth) return kDays[m - 1] + ((m == 2 && IsLeap(y)) ? 1 : 0);
  return kNaN;
}

// Go's int64(float64) for the values Prometheus converts to Unix seconds.
int64_t GoInt64(double f) {
  if (std::isnan(f) || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(f);
}

double SgnOf(double f) {
  if (f < 0) return -1;
  if (f > 0) return 1;
  return f;  // 0, -0, NaN
}

// Natural order: runs of digits compare by numeric value (as Prometheus' natsort).
bool NaturalLess(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t i2 = i, j2 = j;
      while (i2 < a.size() && digit(a[i2])) ++i2;
      while (j2 < b.size() && digit(b[j2])) ++j2;
      std::string_view na = a.substr(i, i2 - i), nb = b.substr(j, j2 - j);
      while (na.size() > 1 && na[0] == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb[0] == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = i2;
      j = j2;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

enum class SortOrder { kByValue, kByValueDesc, kByLabel, kByLabelDesc };

EMatrix SortFunction(FunctionArgs& args, SortOrder order) {
  const Call& c = args.call;
  EMatrix m = args.vector(0);
  if (args.grid.start != args.grid.end) return m;  // results of range queries are ordered by labels
  if (order == SortOrder::kByValue || order == SortOrder::kByValueDesc) {
    // Prometheus' filterFloats: histogram samples are not sorted by value but dropped.
    int64_t dropped = 0;
    std::erase_if(m, [&](ESeries& s) {
      dropped += static_cast<int64_t>(s.histograms.size());
      std::vector<HPoint>().swap(s.histograms);
      return s.floats.empty();
    });
    args.ctx->SubSamples(dropped);
  }
  if (order == SortOrder::kByValue) {
    std::stable_sort(m.begin(), m.end(), [](const ESeries& a, const ESeries& b) {
      const double x = a.floats[0].f, y = b.floats[0].f;
      // reverse of vectorByReverseValueHeap.Less(b, a)
      if (std::isnan(y)) return !std::isnan(x);
      if (std::isnan(x)) return false;
      return x < y;
    });
  } else if (order == SortOrder::kByValueDesc) {
    std::stable_sort(m.begin(), m.end(), [](const ESeries& a, const ESeries& b) {
      const double x = a.floats[0].f, y = b.floats[0].f;
      if (std::isnan(y)) return !std::isnan(x);
      if (std::isnan(x)) return false;
      return x > y;
    });
  } else {
    std::vector<std::string> names;
    for (size_t i = 1; i < c.args.size(); ++i) names.push_back(StringArg(*c.args[i]));
    const bool desc = order == SortOrder::kByLabelDesc;
    std::stable_sort(m.begin(), m.end(), [&](const ESeries& a, const ESeries& b) {
      for (const auto& n : names) {
        const std::string_view x = a.metric.Get(n), y = b.metric.Get(n);
        if (x != y) return desc ? NaturalLess(y, x) : NaturalLess(x, y);
      }
      const int cmp = model::Labels::Compare(a.metric, b.metric);
      return desc ? cmp > 0 : cmp < 0;
    });
  }
  return m;
}

// histogram_quantile / histogram_fraction over classic buckets. The argument comes as a
// matrix, or as StepRows when it is an aggregation folded into cells (the common
// `sum by (..., le) (rate(x_bucket[w]))`: no matrix is built for it). Each group's buckets
// are gathered in upper-bound order (ties in input order), which is the order BucketQuantile's
// stable sort would give them, so the result does not depend on the way the input came.
// histogram_quantiles(v, "label", φ...) is the quantile mode with several φ: one output series
// per group and φ, labelled with φ as Prometheus formats it (FormatOpenMetricsFloat).
enum class HistogramMode { kQuantile, kFraction, kQuantiles };

EMatrix HistogramFunction(FunctionArgs& a, HistogramMode mode) {
  const Call& c = a.call;
  QueryContext* ctx = a.ctx;
  const StepGrid& grid = a.grid;
  const bool is_q = mode != HistogramMode::kFraction;
  const size_t varg_index = mode == HistogramMode::kQuantile ? 1 : mode == HistogramMode::kFraction ? 2 : 0;
  // The φ of each quantile (per step), or histogram_fraction's lower and upper bounds.
  std::vector<std::vector<double>> phis;
  std::vector<double> p2;
  std::string quantile_label;
  if (mode == HistogramMode::kQuantiles) {
    quantile_label = StringArg(*c.args[1]);
    for (size_t i = 2; i < c.args.size(); ++i) phis.push_back(a.scalar(i));
  } else {
    phis.push_back(a.scalar(0));
    if (!is_q) p2 = a.scalar(1);
  }
  const std::vector<double>& p1 = phis[0];
  const Expr& varg = *c.args[varg_index];
  std::optional<StepRows> rows;
  EMatrix m = a.vector_or_rows(varg_index, &rows);
  const size_t nseries = rows ? rows->labels.size() : m.size();
  auto labels_of = [&](size_t i) -> const model::Labels& {
    return rows ? rows->labels[i] : m[i].metric;
  };
  // Per series: bucket signature ordinal and upper bound (NaN when malformed).
  absl::flat_hash_map<uint64_t, int> sig_ord;
  std::vector<int> ord(nseries, -1);
  std::vector<double> ub(nseries, kNaN);
  std::vector<model::Labels> group_labels;
  // Native histograms are answered on their own (NativeHistogramQuantile/Fraction); a series
  // with histogram points only has no bucket label to check.
  bool has_native = false;
  for (size_t i = 0; !rows && i < nseries; ++i) has_native = has_native || !m[i].histograms.empty();
  for (size_t i = 0; i < nseries; ++i) {
    const model::Labels& metric = labels_of(i);
    if (!rows && m[i].floats.empty()) continue;
    const std::string le(metric.Get("le"));
    char* endp = nullptr;
    double u = std::strtod(le.c_str(), &endp);
    if (le.empty() || endp != le.c_str() + le.size() || std::isnan(u)) {
      if (le == "+Inf" || le == "Inf" || le == "inf" || le == "+inf") {
        u = std::numeric_limits<double>::infinity();
      } else {
        ctx->Warn(absl::StrCat("bucket label \"le\" is missing or has a malformed value of \"",
                                le, "\" for metric name \"", std::string(metric.MetricName()),
                                "\""),
                   varg.pos);
        continue;
      }
    }
    ub[i] = u;
    auto [it, inserted] =
        sig_ord.try_emplace(model::LabelsBuilder(metric).Del("le").Build().Hash(),
                            static_cast<int>(group_labels.size()));
    if (inserted) {
      model::LabelsBuilder b(metric);
      b.Del(model::kMetricName).Del("le");
      group_labels.push_back(b.Build());
    }
    ord[i] = it->second;
  }
  if (is_q) {
    for (size_t k = 0; k < phis.size(); ++k) {
      const Expr& phi_arg = *c.args[mode == HistogramMode::kQuantiles ? k + 2 : 0];
      for (double q : phis[k]) {
        if (std::isnan(q) || q < 0 || q > 1) {
          ctx->Warn(absl::StrCat("quantile value should be between 0 and 1, got ",
                                  common::GoFloat(q, 'g')),
                     phi_arg.pos);
          break;
        }
      }
    }
  }
  // Each group's series by upper bound, ties in input order.
  std::vector<std::vector<uint32_t>> members(group_labels.size());
  for (size_t i = 0; i < nseries; ++i) {
    if (ord[i] >= 0) members[ord[i]].push_back(static_cast<uint32_t>(i));
  }
  for (auto& mem : members) {
    std::stable_sort(mem.begin(), mem.end(), [&](uint32_t x, uint32_t y) { return ub[x] < ub[y]; });
  }
  std::vector<size_t> pos(rows ? 0 : nseries, 0);
  // Series i's value at step (time ts), if it has a point there.
  auto value_at = [&](size_t i, size_t step, int64_t ts, double* v) {
    if (rows) {
      if (rows->present[i][step] == 0) return false;
      *v = rows->cells[i][step].value;
      return true;
    }
    const auto& fl = m[i].floats;
    size_t& p = pos[i];
    while (p < fl.size() && fl[p].t < ts) ++p;
    if (p >= fl.size() || fl[p].t != ts) return false;
    *v = fl[p].f;
    return true;
  };
  // BucketQuantile had to fix the buckets of the group whose last input series is `series`.
  auto note_forced_monotonicity = [&](size_t series) {
    ctx->Info(absl::StrCat("input to histogram_quantile needed to be fixed for monotonicity (see "
                           "https://prometheus.io/docs/prometheus/latest/querying/functions/"
                           "#histogram_quantile) for metric name \"",
                           std::string(labels_of(series).MetricName()), "\""),
              varg.pos);
  };
  Collector col(grid.start == grid.end);
  std::vector<int> out_idx(group_labels.size(), -1);
  std::vector<Bucket> buckets;
  // Native histograms: per series, the next histogram point, its output series, and the
  // groups of classic buckets a native histogram conflicted with (by step).
  std::vector<size_t> hpos(has_native ? nseries : 0, 0);
  std::vector<int> native_idx(has_native ? nseries : 0, -1);
  std::vector<size_t> conflicted(has_native ? group_labels.size() : 0, 0);
  auto group_has_bucket = [&](size_t g, size_t step, int64_t ts) {
    for (const uint32_t i : members[g]) {
      double v;
      if (value_at(i, step, ts, &v)) return true;
    }
    return false;
  };
  auto native_step = [&](size_t step, int64_t ts) {
    for (size_t i = 0; i < nseries; ++i) {
      const auto& hs = m[i].histograms;
      size_t& p = hpos[i];
      while (p < hs.size() && hs[p].t < ts) ++p;
      if (p >= hs.size() || hs[p].t != ts) continue;
      const std::string name(m[i].metric.MetricName());
      if (auto it = sig_ord.find(m[i].metric.Hash()); it != sig_ord.end()) {
        const auto g = static_cast<size_t>(it->second);
        if (conflicted[g] == step + 1 || group_has_bucket(g, step, ts)) {
          conflicted[g] = step + 1;
          ctx->Warn(absl::StrCat("vector contains a mix of classic and native histograms for "
                                 "metric name \"", name, "\""),
                    varg.pos);
          continue;
        }
      }
      const model::histogram::FloatHistogram& h = *hs[p].h;
      auto quantile = [&](double q) {
        bool nan_result = false, nan_skew = false;
        const double r = NativeHistogramQuantile(q, h, &nan_result, &nan_skew);
        if (nan_result) {
          ctx->Info(absl::StrCat("input to histogram_quantile has NaN observations, result is "
                                 "NaN for metric name \"", name, "\""),
                    varg.pos);
        }
        if (nan_skew) {
          ctx->Info(absl::StrCat("input to histogram_quantile has NaN observations, result is "
                                 "skewed higher for metric name \"", name, "\""),
                    varg.pos);
        }
        return r;
      };
      if (mode == HistogramMode::kQuantiles) {
        for (const auto& phi : phis) {
          model::LabelsBuilder lb(m[i].metric);
          lb.Set(quantile_label, common::FormatOpenMetricsFloat(phi[step]));
          col.Add(col.Intern(lb.Build(), true), ts, quantile(phi[step]));
        }
        continue;
      }
      double v;
      if (is_q) {
        v = quantile(p1[step]);
      } else {
        bool nans = false;
        v = NativeHistogramFraction(p1[step], p2[step], h, &nans);
        if (nans) {
          ctx->Info(absl::StrCat("input to histogram_fraction has NaN observations, which are "
                                 "excluded from all fractions for metric name \"", name, "\""),
                    varg.pos);
        }
      }
      if (native_idx[i] < 0 || grid.start == grid.end) native_idx[i] = col.Intern(m[i].metric, true);
      col.Add(native_idx[i], ts, v);
    }
  };
  // Group g's result at one step.
  auto group_step = [&](size_t g, size_t step, int64_t ts) {
    buckets.clear();
    // The series that last (in input order) gave the group a bucket at this step: its
    // metric name goes into the monotonicity info (looked up only then).
    size_t last_series = 0;
    for (const uint32_t i : members[g]) {
      double v;
      if (!value_at(i, step, ts, &v)) continue;
      buckets.push_back({ub[i], v});
      last_series = std::max<size_t>(last_series, i);
    }
    if (buckets.empty()) return;
    if (mode == HistogramMode::kQuantiles) {
      for (const auto& phi : phis) {
        bool forced = false;
        const double v = BucketQuantile(phi[step], buckets, &forced);
        if (forced) {
          note_forced_monotonicity(last_series);
        }
        model::LabelsBuilder lb(group_labels[g]);
        lb.Set(quantile_label, common::FormatOpenMetricsFloat(phi[step]));
        col.Add(col.Intern(lb.Build(), true), ts, v);
      }
      return;
    }
    double v;
    if (is_q) {
      bool forced = false;
      v = BucketQuantile(p1[step], buckets, &forced);
      if (forced) {
        note_forced_monotonicity(last_series);
      }
    } else {
      v = BucketFraction(p1[step], p2[step], buckets);
    }
    if (out_idx[g] < 0 || grid.start == grid.end) out_idx[g] = col.Intern(group_labels[g], true);
    col.Add(out_idx[g], ts, v);
  };
  // Group by group (each group's buckets read step after step, contiguous in rows) unless
  // native histograms must be checked against the groups step by step. The output is the
  // same either way but for its order, which the range query's sort by labels removes (an
  // instant query has one step).
  if (has_native) {
    size_t step = 0;
    for (int64_t ts = grid.start; ts <= grid.end; ts += grid.interval, ++step) {
      ctx->CheckDone();
      native_step(step, ts);
      for (size_t g = 0; g < members.size(); ++g) {
        if (conflicted[g] != step + 1) group_step(g, step, ts);
      }
    }
  } else {
    for (size_t g = 0; g < members.size(); ++g) {
      ctx->CheckDone();
      size_t step = 0;
      for (int64_t ts = grid.start; ts <= grid.end; ts += grid.interval, ++step) {
        group_step(g, step, ts);
      }
    }
  }
  ctx->SubSamples(static_cast<int64_t>(rows ? rows->points : PointCount(m)));
  EMatrix out = col.Take();
  ctx->AddSamples(static_cast<int64_t>(PointCount(out)));  // fewer than the input's
  return out;
}

// A scalar result: one series with value(ts, step) at every step.
template <typename ValueFn>
EMatrix Filled(FunctionArgs& a, ValueFn value) {
  EMatrix m;
  m.push_back(FillSteps(a.grid, a.ctx, value));
  return m;
}

std::optional<double> DateOf(DateField field, double x) { return DatePart(field, GoInt64(x)); }

}  // namespace

EMatrix Absent(const EMatrix& present, const Expr& arg, const StepGrid& g, QueryContext* ctx) {
  std::vector<bool> found(g.NumSteps(), false);
  for (const auto& s : present) {
    for (const auto& p : s.floats) found[g.StepIndex(p.t)] = true;
    for (const auto& p : s.histograms) found[g.StepIndex(p.t)] = true;
  }
  ctx->SubSamples(static_cast<int64_t>(PointCount(present)));
  const auto missing = static_cast<int64_t>(std::count(found.begin(), found.end(), false));
  EMatrix res;
  if (missing == 0) return res;
  ctx->AddSamples(missing);
  ESeries r;
  r.drop_name = true;
  r.floats.reserve(static_cast<size_t>(missing));
  size_t i = 0;
  for (int64_t ts = g.start; ts <= g.end; ts += g.interval, ++i) {
    if (!found[i]) r.floats.push_back({ts, 1});
  }
  // Labels from the selector's equality matchers.
  if (arg.kind == NodeKind::kVectorSelector) {
    const auto& vs = static_cast<const VectorSelector&>(arg);
    model::LabelsBuilder b{model::Labels()};
    std::vector<std::string> has;
    for (const auto& mt : vs.matchers) {
      if (mt.name() == model::kMetricName) continue;
      const bool seen = std::find(has.begin(), has.end(), mt.name()) != has.end();
      if (mt.type() == model::MatchType::kEqual && !seen) {
        b.Set(mt.name(), mt.value());
        has.push_back(mt.name());
      } else {
        b.Del(mt.name());
      }
    }
    r.metric = b.Build();
  }
  res.push_back(std::move(r));
  return res;
}

EMatrix ApplyPointwise(PointKernel k, FunctionArgs& a) {
  const Call& c = a.call;
  if (c.args.empty()) {  // date functions: of every step's time
    const std::vector<std::vector<double>> none;
    return Filled(a, [&](int64_t ts, size_t i) {
      return *k(static_cast<double>(ts / 1000), PointAt{none, i, ts});
    });
  }
  std::vector<std::vector<double>> sargs(c.args.size());
  for (size_t i = 1; i < c.args.size(); ++i) sargs[i] = a.scalar(i);
  EMatrix m = a.vector(0);
  EMatrix out;
  out.reserve(m.size());
  int64_t dropped = 0;
  for (auto& s : m) {
    a.ctx->CheckDone();
    // Histogram points are dropped (Prometheus' simpleFloatFunc processes floats only).
    dropped += static_cast<int64_t>(s.histograms.size());
    std::vector<HPoint>().swap(s.histograms);
    size_t w = 0;
    for (size_t k_ = 0; k_ < s.floats.size(); ++k_) {
      const FPoint p = s.floats[k_];
      const std::optional<double> r = k(p.f, PointAt{sargs, a.grid.StepIndex(p.t), p.t});
      if (r.has_value()) s.floats[w++] = {p.t, *r};
    }
    dropped += static_cast<int64_t>(s.floats.size() - w);
    s.floats.resize(w);
    if (w == 0) continue;
    s.drop_name = true;
    out.push_back(std::move(s));
  }
  a.ctx->SubSamples(dropped);
  return out;
}

namespace instant_fn {

std::optional<double> Abs(double x, const PointAt&) { return std::fabs(x); }
std::optional<double> Ceil(double x, const PointAt&) { return std::ceil(x); }
std::optional<double> Floor(double x, const PointAt&) { return std::floor(x); }
std::optional<double> Exp(double x, const PointAt&) { return std::exp(x); }
std::optional<double> Sqrt(double x, const PointAt&) { return std::sqrt(x); }
std::optional<double> Ln(double x, const PointAt&) { return std::log(x); }
std::optional<double> Log2(double x, const PointAt&) { return std::log2(x); }
std::optional<double> Log10(double x, const PointAt&) { return std::log10(x); }
std::optional<double> Sgn(double x, const PointAt&) { return SgnOf(x); }
std::optional<double> Sin(double x, const PointAt&) { return std::sin(x); }
std::optional<double> Cos(double x, const PointAt&) { return std::cos(x); }
std::optional<double> Tan(double x, const PointAt&) { return std::tan(x); }
std::optional<double> Asin(double x, const PointAt&) { return std::asin(x); }
std::optional<double> Acos(double x, const PointAt&) { return std::acos(x); }
std::optional<double> Atan(double x, const PointAt&) { return std::atan(x); }
std::optional<double> Sinh(double x, const PointAt&) { return std::sinh(x); }
std::optional<double> Cosh(double x, const PointAt&) { return std::cosh(x); }
std::optional<double> Tanh(double x, const PointAt&) { return std::tanh(x); }
std::optional<double> Asinh(double x, const PointAt&) { return std::asinh(x); }
std::optional<double> Acosh(double x, const PointAt&) { return std::acosh(x); }
std::optional<double> Atanh(double x, const PointAt&) { return std::atanh(x); }
std::optional<double> Deg(double x, const PointAt&) { return x * 180 / M_PI; }
std::optional<double> Rad(double x, const PointAt&) { return x * M_PI / 180; }

std::optional<double> Timestamp(double, const PointAt& at) {
  return static_cast<double>(at.t) / 1000;
}

std::optional<double> Round(double x, const PointAt& at) {
  const double to_nearest = at.scalar_args.size() > 1 ? at.scalar_args[1][at.step] : 1.0;
  const double inv = 1.0 / to_nearest;
  return std::floor(x * inv + 0.5) / inv;
}

std::optional<double> Clamp(double x, const PointAt& at) {
  const double lo = at.scalar_args[1][at.step], hi = at.scalar_args[2][at.step];
  if (hi < lo) return std::nullopt;
  return GoMax(lo, GoMin(hi, x));
}

std::optional<double> ClampMin(double x, const PointAt& at) {
  return GoMax(x, at.scalar_args[1][at.step]);
}
std::optional<double> ClampMax(double x, const PointAt& at) {
  return GoMin(x, at.scalar_args[1][at.step]);
}

std::optional<double> Minute(double x, const PointAt&) { return DateOf(DateField::kMinute, x); }
std::optional<double> Hour(double x, const PointAt&) { return DateOf(DateField::kHour, x); }
std::optional<double> DayOfMonth(double x, const PointAt&) {
  return DateOf(DateField::kDayOfMonth, x);
}
std::optional<double> DayOfWeek(double x, const PointAt&) {
  return DateOf(DateField::kDayOfWeek, x);
}
std::optional<double> DayOfYear(double x, const PointAt&) {
  return DateOf(DateField::kDayOfYear, x);
}
std::optional<double> DaysInMonth(double x, const PointAt&) {
  return DateOf(DateField::kDaysInMonth, x);
}
std::optional<double> Month(double x, const PointAt&) { return DateOf(DateField::kMonth, x); }
std::optional<double> Year(double x, const PointAt&) { return DateOf(DateField::kYear, x); }

EMatrix Time(FunctionArgs& a) {
  return Filled(a, [](int64_t ts, size_t) { return static_cast<double>(ts) / 1000; });
}

EMatrix Pi(FunctionArgs& a) {
  return Filled(a, [](int64_t, size_t) { return M_PI; });
}

EMatrix Step(FunctionArgs& a) {
  const double v = static_cast<double>(a.ctx->query_step) / 1000;
  return Filled(a, [v](int64_t, size_t) { return v; });
}

EMatrix Range(FunctionArgs& a) {
  const double v = static_cast<double>(a.ctx->query_end - a.ctx->query_start) / 1000;
  return Filled(a, [v](int64_t, size_t) { return v; });
}

EMatrix Start(FunctionArgs& a) {
  const double v = static_cast<double>(a.ctx->query_start) / 1000;
  return Filled(a, [v](int64_t, size_t) { return v; });
}

EMatrix End(FunctionArgs& a) {
  const double v = static_cast<double>(a.ctx->query_end) / 1000;
  return Filled(a, [v](int64_t, size_t) { return v; });
}

EMatrix MinOf(FunctionArgs& a) {
  std::vector<std::vector<double>> v;
  for (size_t i = 0; i < a.call.args.size(); ++i) v.push_back(a.scalar(i));
  return Filled(a, [&](int64_t, size_t i) {
    double r = v.empty() ? kNaN : v[0][i];
    for (size_t k = 1; k < v.size(); ++k) r = GoMin(r, v[k][i]);
    return r;
  });
}

EMatrix MaxOf(FunctionArgs& a) {
  std::vector<std::vector<double>> v;
  for (size_t i = 0; i < a.call.args.size(); ++i) v.push_back(a.scalar(i));
  return Filled(a, [&](int64_t, size_t i) {
    double r = v.empty() ? kNaN : v[0][i];
    for (size_t k = 1; k < v.size(); ++k) r = GoMax(r, v[k][i]);
    return r;
  });
}

EMatrix Vector(FunctionArgs& a) {
  const std::vector<double> v = a.scalar(0);
  return Filled(a, [&](int64_t, size_t i) { return v[i]; });
}

EMatrix Scalar(FunctionArgs& a) {
  const size_t steps = a.grid.NumSteps();
  EMatrix m = a.vector(0);
  std::vector<double> val(steps, kNaN);
  std::vector<int> cnt(steps, 0);
  for (const auto& s : m) {
    for (const auto& p : s.floats) {
      size_t i = a.grid.StepIndex(p.t);
      val[i] = p.f;
      cnt[i]++;
    }
  }
  a.ctx->SubSamples(static_cast<int64_t>(PointCount(m)));
  return Filled(a, [&](int64_t, size_t i) { return cnt[i] == 1 ? val[i] : kNaN; });
}

EMatrix AbsentFn(FunctionArgs& a) {
  const Expr& arg = UnwrapParens(*a.call.args[0]);
  return Absent(a.vector(0), arg, a.grid, a.ctx);
}

EMatrix Sort(FunctionArgs& a) { return SortFunction(a, SortOrder::kByValue); }
EMatrix SortDesc(FunctionArgs& a) { return SortFunction(a, SortOrder::kByValueDesc); }
EMatrix SortByLabel(FunctionArgs& a) { return SortFunction(a, SortOrder::kByLabel); }
EMatrix SortByLabelDesc(FunctionArgs& a) { return SortFunction(a, SortOrder::kByLabelDesc); }
EMatrix HistogramQuantile(FunctionArgs& a) { return HistogramFunction(a, HistogramMode::kQuantile); }
EMatrix HistogramFraction(FunctionArgs& a) { return HistogramFunction(a, HistogramMode::kFraction); }
EMatrix HistogramQuantiles(FunctionArgs& a) {
  return HistogramFunction(a, HistogramMode::kQuantiles);
}

}  // namespace instant_fn

}  // namespace promlet::promql::internal
