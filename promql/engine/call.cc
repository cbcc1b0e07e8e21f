// Function calls: range-vector functions (rate, *_over_time, ...) evaluated series by series
// over decoded samples with a sliding window, instant-vector functions applied point-wise, and
// the few that need a whole step's vector (histogram_quantile, absent, scalar, sort, ...).
#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <functional>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "promql/engine/collector.h"
#include "promql/engine/evaluator.h"
#include "promql/functions.h"
#include "re2/re2.h"

namespace promlet::promql::internal {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class RangeFn {
  kRate, kIncrease, kDelta, kIrate, kIdelta, kDeriv, kPredictLinear, kResets, kChanges,
  kAvg, kSum, kCount, kMin, kMax, kLast, kFirst, kPresent, kStddev, kStdvar, kQuantile,
  kMad, kAbsent, kTsOfMax, kTsOfMin, kTsOfLast, kTsOfFirst, kHoltWinters, kUnknown,
};

RangeFn RangeFnByName(std::string_view n) {
  static const absl::flat_hash_map<std::string_view, RangeFn> m = {
      {"rate", RangeFn::kRate}, {"increase", RangeFn::kIncrease}, {"delta", RangeFn::kDelta},
      {"irate", RangeFn::kIrate}, {"idelta", RangeFn::kIdelta}, {"deriv", RangeFn::kDeriv},
      {"predict_linear", RangeFn::kPredictLinear}, {"resets", RangeFn::kResets},
      {"changes", RangeFn::kChanges}, {"avg_over_time", RangeFn::kAvg},
      {"sum_over_time", RangeFn::kSum}, {"count_over_time", RangeFn::kCount},
      {"min_over_time", RangeFn::kMin}, {"max_over_time", RangeFn::kMax},
      {"last_over_time", RangeFn::kLast}, {"first_over_time", RangeFn::kFirst},
      {"present_over_time", RangeFn::kPresent}, {"stddev_over_time", RangeFn::kStddev},
      {"stdvar_over_time", RangeFn::kStdvar}, {"quantile_over_time", RangeFn::kQuantile},
      {"mad_over_time", RangeFn::kMad}, {"absent_over_time", RangeFn::kAbsent},
      {"ts_of_max_over_time", RangeFn::kTsOfMax}, {"ts_of_min_over_time", RangeFn::kTsOfMin},
      {"ts_of_last_over_time", RangeFn::kTsOfLast},
      {"ts_of_first_over_time", RangeFn::kTsOfFirst},
      {"double_exponential_smoothing", RangeFn::kHoltWinters},
  };
  auto it = m.find(n);
  return it == m.end() ? RangeFn::kUnknown : it->second;
}

struct Window {
  const int64_t* t;
  const double* v;
  size_t n;
};

std::optional<double> ExtrapolatedRate(const Window& w, int64_t range_start, int64_t range_end,
                                       int64_t range_ms, bool is_counter, bool is_rate,
                                       bool has_resets = true) {
  if (w.n < 2) return std::nullopt;
  const size_t last = w.n - 1;
  const int64_t first_t = w.t[0], last_t = w.t[last];
  double result = w.v[last] - w.v[0];
  if (is_counter && has_resets) {  // without a reset the loop below adds nothing
    double prev = w.v[0];
    for (size_t i = 1; i < w.n; ++i) {
      if (w.v[i] < prev) result += prev;
      prev = w.v[i];
    }
  }
  double duration_to_start = static_cast<double>(first_t - range_start) / 1000;
  double duration_to_end = static_cast<double>(range_end - last_t) / 1000;
  const double sampled_interval = static_cast<double>(last_t - first_t) / 1000;
  const double avg_between = sampled_interval / static_cast<double>(last);
  const double threshold = avg_between * 1.1;
  double extrapolate_to = sampled_interval;
  if (duration_to_start >= threshold) duration_to_start = avg_between / 2;
  if (is_counter && result > 0 && w.v[0] >= 0) {
    const double duration_to_zero = sampled_interval * (w.v[0] / result);
    if (duration_to_zero < duration_to_start) duration_to_start = duration_to_zero;
  }
  extrapolate_to += duration_to_start;
  if (duration_to_end >= threshold) duration_to_end = avg_between / 2;
  extrapolate_to += duration_to_end;
  double factor = extrapolate_to / sampled_interval;
  if (is_rate) factor /= static_cast<double>(range_ms) / 1000;
  return result * factor;
}

std::optional<double> InstantValue(const Window& w, bool is_rate) {
  if (w.n < 2) return std::nullopt;
  const double last = w.v[w.n - 1], prev = w.v[w.n - 2];
  double r;
  if (is_rate && last < prev) {
    r = last;
  } else {
    r = last - prev;
  }
  if (is_rate) {
    const int64_t sampled = w.t[w.n - 1] - w.t[w.n - 2];
    if (sampled == 0) return std::nullopt;
    r /= static_cast<double>(sampled) / 1000;
  }
  return r;
}

void LinearRegression(const Window& w, int64_t intercept_time, double* slope,
                      double* intercept) {
  double n = 0, sum_x = 0, cx = 0, sum_y = 0, cy = 0, sum_xy = 0, cxy = 0, sum_x2 = 0, cx2 = 0;
  const double init_y = w.v[0];
  bool const_y = true;
  for (size_t i = 0; i < w.n; ++i) {
    if (const_y && i > 0 && w.v[i] != init_y) const_y = false;
    n += 1;
    const double x = static_cast<double>(w.t[i] - intercept_time) / 1e3;
    KahanSumInc(x, sum_x, cx);
    KahanSumInc(w.v[i], sum_y, cy);
    KahanSumInc(x * w.v[i], sum_xy, cxy);
    KahanSumInc(x * x, sum_x2, cx2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = kNaN;
      *intercept = kNaN;
      return;
    }
    *slope = 0;
    *intercept = init_y;
    return;
  }
  sum_x += cx;
  sum_y += cy;
  sum_xy += cxy;
  sum_x2 += cx2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  *slope = cov_xy / var_x;
  *intercept = sum_y / n - *slope * sum_x / n;
}

double AvgOverTime(const Window& w) {
  double sum = w.v[0], count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < w.n; ++i) {
    const double f = w.v[i];
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double ns = sum, nc = c;
      KahanSumInc(f, ns, nc);
      if (!std::isinf(ns)) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const double q = (count - 1) / count;
    double m = q * mean, cc = q * c;
    KahanSumInc(f / count, m, cc);
    mean = m;
    c = cc;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

double StdvarOverTime(const Window& w) {
  double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
  for (size_t i = 0; i < w.n; ++i) {
    const double f = w.v[i];
    count++;
    const double delta = f - (mean + cmean);
    KahanSumInc(delta / count, mean, cmean);
    KahanSumInc(delta * (f - (mean + cmean)), aux, caux);
  }
  return (aux + caux) / count;
}

}  // namespace

EMatrix Evaluator::EvalCall(const Call& c) {
  const std::string_view name = c.func->name;
  if (name == "timestamp") {
    const Expr& arg = UnwrapParens(*c.args[0]);
    if (arg.kind == NodeKind::kVectorSelector) {
      EMatrix m = EvalVectorSelector(static_cast<const VectorSelector&>(arg), true);
      for (auto& s : m) s.drop_name = true;
      return m;
    }
  }
  if (name == "label_replace") return EvalLabelReplace(c);
  if (name == "label_join") return EvalLabelJoin(c);
  for (size_t i = 0; i < c.args.size(); ++i) {
    const Expr& a = UnwrapParens(*c.args[i]);
    if (a.kind == NodeKind::kMatrixSelector || a.kind == NodeKind::kSubquery) {
      return EvalRangeFunction(c, i);
    }
  }
  return EvalInstantFunction(c);
}

int Evaluator::StreamableRangeArg(const Call& c) {
  const std::string_view name = c.func->name;
  if (name == "timestamp" || name == "label_replace" || name == "label_join") return -1;
  for (size_t i = 0; i < c.args.size(); ++i) {
    const Expr& a = UnwrapParens(*c.args[i]);
    if (a.kind == NodeKind::kMatrixSelector || a.kind == NodeKind::kSubquery) {
      const RangeFn fn = RangeFnByName(name);
      if (fn == RangeFn::kUnknown || fn == RangeFn::kAbsent) return -1;
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool Evaluator::EvalInto(const Expr& e, const SeriesSink& sink) {
  if (end_ < start_) return false;
  if (e.kind == NodeKind::kVectorSelector) {
    ctx_->CheckDone();  // as Eval() does on entering a node
    EvalVectorSelector(static_cast<const VectorSelector&>(e), false, &sink);
    return true;
  }
  if (e.kind == NodeKind::kCall) {
    const auto& c = static_cast<const Call&>(e);
    const int mi = StreamableRangeArg(c);
    if (mi < 0) return false;
    ctx_->CheckDone();
    EvalRangeFunction(c, static_cast<size_t>(mi), &sink);
    return true;
  }
  return false;
}

EMatrix Evaluator::EvalRangeFunction(const Call& c, size_t mi, const SeriesSink* sink) {
  const std::string_view name = c.func->name;
  const RangeFn fn = RangeFnByName(name);
  if (fn == RangeFn::kUnknown) Errorf(absl::StrCat("function ", std::string(name), " not supported"));
  std::vector<std::vector<double>> scalar_args(c.args.size());
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (i != mi) scalar_args[i] = EvalScalarSteps(UnwrapParens(*c.args[i]));
  }
  const Expr& arg = UnwrapParens(*c.args[mi]);
  std::vector<Decoded> data;  // subquery input only; selector input is streamed
  const VectorSelector* selector = nullptr;
  int64_t select_lo = 0, select_hi = 0;
  int64_t range_ms, offset_ms;
  bool has_at;
  int64_t at;
  if (arg.kind == NodeKind::kMatrixSelector) {
    const auto& ms = static_cast<const MatrixSelector&>(arg);
    const auto& vs = static_cast<const VectorSelector&>(*ms.vector_selector);
    range_ms = ctx_->Dur(ms.range_ms);
    offset_ms = ctx_->Dur(vs.offset_ms);
    has_at = vs.at != AtModifier::kNone;
    at = ctx_->At(vs.at, vs.at_ms);
    const int64_t lo = (has_at ? at : start_) - offset_ms - range_ms + 1;
    const int64_t hi = (has_at ? at : end_) - offset_ms;
    selector = &vs;
    select_lo = lo;
    select_hi = hi;
  } else {
    const auto& sq = static_cast<const SubqueryExpr&>(arg);
    range_ms = ctx_->Dur(sq.range_ms);
    offset_ms = ctx_->Dur(sq.offset_ms);
    has_at = sq.at != AtModifier::kNone;
    at = ctx_->At(sq.at, sq.at_ms);
    // The subquery's points are counted by its evaluation; they are held (as `data`, each
    // series converted and freed in turn) until the function has run.
    EMatrix m = EvalSubquery(sq);
    data.reserve(m.size());
    for (auto& s : m) {
      Decoded d;
      d.labels = std::move(s.metric);
      d.t.reserve(s.floats.size());
      d.v.reserve(s.floats.size());
      for (const auto& p : s.floats) {
        d.t.push_back(p.t);
        d.v.push_back(p.f);
      }
      std::vector<FPoint>().swap(s.floats);
      data.push_back(std::move(d));
    }
  }
  int64_t held = 0;
  for (const auto& d : data) held += static_cast<int64_t>(d.t.size());

  const bool drop_name = fn != RangeFn::kLast && fn != RangeFn::kFirst;
  EMatrix out;
  out.reserve(data.size());
  const size_t nsteps = NumSteps();
  // Per-series work of the function, free of QueryContext side effects except for the
  // functions that warn or fail (quantile, double_exponential_smoothing), which are therefore
  // never computed in parallel.
  const bool parallel_ok = fn != RangeFn::kQuantile && fn != RangeFn::kHoltWinters;
  const bool counter_fn = fn == RangeFn::kRate || fn == RangeFn::kIncrease;
  bool warned_q = false;
  auto compute = [&](Decoded& d, ESeries& s) {
    std::vector<double> scratch;
    const size_t n = d.t.size();
    // Counter functions: resets_upto[i] = resets among samples [0, i]. A window without one
    // skips the per-sample reset scan, whose result would be the same.
    thread_local std::vector<uint32_t> resets_upto;
    if (counter_fn) {
      resets_upto.resize(n);
      uint32_t r = 0;
      if (n > 0) resets_upto[0] = 0;
      for (size_t i = 1; i < n; ++i) {
        if (d.v[i] < d.v[i - 1]) ++r;
        resets_upto[i] = r;
      }
    }
    // Output points are counted as they are made; slow kernels (quantile, mad: a sort per
    // step) tick by their window size so the deadline is checked every ~1,000 samples sorted.
    PointCounter counted(ctx_);
    const bool sorts = fn == RangeFn::kQuantile || fn == RangeFn::kMad;
    size_t lo = 0, hi = 0, step = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
      const int64_t ref = (has_at ? at : ts) - offset_ms;
      while (hi < n && d.t[hi] <= ref) ++hi;
      while (lo < hi && d.t[lo] <= ref - range_ms) ++lo;
      counted.Tick(s.floats.size(), sorts ? static_cast<int64_t>(hi - lo) + 1 : 1);
      if (hi <= lo) continue;
      Window w{d.t.data() + lo, d.v.data() + lo, hi - lo};
      std::optional<double> r;
      switch (fn) {
        case RangeFn::kRate:
          r = ExtrapolatedRate(w, ref - range_ms, ref, range_ms, true, true,
                               resets_upto[hi - 1] != resets_upto[lo]);
          break;
        case RangeFn::kIncrease:
          r = ExtrapolatedRate(w, ref - range_ms, ref, range_ms, true, false,
                               resets_upto[hi - 1] != resets_upto[lo]);
          break;
        case RangeFn::kDelta:
          r = ExtrapolatedRate(w, ref - range_ms, ref, range_ms, false, false);
          break;
        case RangeFn::kIrate: r = InstantValue(w, true); break;
        case RangeFn::kIdelta: r = InstantValue(w, false); break;
        case RangeFn::kDeriv:
          if (w.n >= 2) {
            double slope, icpt;
            LinearRegression(w, w.t[0], &slope, &icpt);
            r = slope;
          }
          break;
        case RangeFn::kPredictLinear:
          if (w.n >= 2) {
            double slope, icpt;
            LinearRegression(w, ts, &slope, &icpt);
            r = slope * scalar_args[1][step] + icpt;
          }
          break;
        case RangeFn::kResets: {
          double resets = 0;
          for (size_t i = 1; i < w.n; ++i) {
            if (w.v[i] < w.v[i - 1]) resets++;
          }
          r = resets;
          break;
        }
        case RangeFn::kChanges: {
          double changes = 0;
          for (size_t i = 1; i < w.n; ++i) {
            const double cur = w.v[i], prev = w.v[i - 1];
            if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) changes++;
          }
          r = changes;
          break;
        }
        case RangeFn::kAvg: r = AvgOverTime(w); break;
        case RangeFn::kSum: {
          double sum = 0, cc = 0;
          for (size_t i = 0; i < w.n; ++i) KahanSumInc(w.v[i], sum, cc);
          r = std::isinf(sum) ? sum : sum + cc;
          break;
        }
        case RangeFn::kCount: r = static_cast<double>(w.n); break;
        case RangeFn::kMin: {
          double m = w.v[0];
          for (size_t i = 0; i < w.n; ++i) {
            if (w.v[i] < m || std::isnan(m)) m = w.v[i];
          }
          r = m;
          break;
        }
        case RangeFn::kMax: {
          double m = w.v[0];
          for (size_t i = 0; i < w.n; ++i) {
            if (w.v[i] > m || std::isnan(m)) m = w.v[i];
          }
          r = m;
          break;
        }
        case RangeFn::kLast: r = w.v[w.n - 1]; break;
        case RangeFn::kFirst: r = w.v[0]; break;
        case RangeFn::kPresent: r = 1; break;
        case RangeFn::kStdvar: r = StdvarOverTime(w); break;
        case RangeFn::kStddev: r = std::sqrt(StdvarOverTime(w)); break;
        case RangeFn::kQuantile: {
          const double q = scalar_args[0][step];
          if (!warned_q && (std::isnan(q) || q < 0 || q > 1)) {
            ctx_->Warn(absl::StrCat("quantile value should be between 0 and 1, got ",
                                    FormatFloatG(q)),
                       c.args[0]->pos);
            warned_q = true;
          }
          scratch.assign(w.v, w.v + w.n);
          r = Quantile(q, scratch);
          break;
        }
        case RangeFn::kMad: {
          scratch.assign(w.v, w.v + w.n);
          if (std::any_of(scratch.begin(), scratch.end(), [](double x) { return std::isnan(x); })) {
            r = kNaN;  // a NaN sample makes the deviation undefined
            break;
          }
          const double median = Quantile(0.5, scratch);
          for (auto& x : scratch) x = std::fabs(x - median);
          r = Quantile(0.5, scratch);
          break;
        }
        case RangeFn::kTsOfMax: case RangeFn::kTsOfMin: {
          size_t best = 0;
          for (size_t i = 1; i < w.n; ++i) {
            const bool better = fn == RangeFn::kTsOfMax ? (w.v[i] >= w.v[best])
                                                        : (w.v[i] <= w.v[best]);
            if (better || std::isnan(w.v[best])) best = i;
          }
          r = static_cast<double>(w.t[best]) / 1000;
          break;
        }
        case RangeFn::kTsOfLast: r = static_cast<double>(w.t[w.n - 1]) / 1000; break;
        case RangeFn::kTsOfFirst: r = static_cast<double>(w.t[0]) / 1000; break;
        case RangeFn::kAbsent: r = 1; break;
        case RangeFn::kHoltWinters: {
          const double sf = scalar_args[1][step], tf = scalar_args[2][step];
          if (sf <= 0 || sf >= 1) {
            Errorf(absl::StrCat("invalid smoothing factor. Expected: 0 < sf < 1, got: ",
                                FormatFloatShortest(sf)));
          }
          if (tf <= 0 || tf >= 1) {
            Errorf(absl::StrCat("invalid trend factor. Expected: 0 < tf < 1, got: ",
                                FormatFloatShortest(tf)));
          }
          if (w.n < 2) break;
          double s0 = 0, s1 = w.v[0], b = w.v[1] - w.v[0];
          for (size_t i = 1; i < w.n; ++i) {
            const double x = sf * w.v[i];
            if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
            const double y = (1 - sf) * (s1 + b);
            s0 = s1;
            s1 = x + y;
          }
          r = s1;
          break;
        }
        case RangeFn::kUnknown: break;
      }
      if (r.has_value()) {
        if (s.floats.empty()) s.floats.reserve(ReserveHint(nsteps));
        s.floats.push_back({ts, *r});
      }
    }
    counted.Flush(s.floats.size());
  };
  auto consume = [&](Decoded& d, ESeries& s) {
    if ((fn == RangeFn::kRate || fn == RangeFn::kIncrease) && !s.floats.empty()) {
      const std::string_view mn = d.labels.MetricName();
      if (!mn.empty() && !mn.ends_with("_total") && !mn.ends_with("_sum") &&
          !mn.ends_with("_count") && !mn.ends_with("_bucket")) {
        ctx_->Info(absl::StrCat("metric might not be a counter, name does not end in "
                                "_total/_sum/_count/_bucket: \"",
                                std::string(mn), "\""),
                   c.args[mi]->pos);
      }
    }
    if (s.floats.empty()) return;
    s.metric = std::move(d.labels);
    s.drop_name = drop_name;
    if (sink != nullptr) {
      (*sink)(s);
      return;
    }
    ESeries r;
    r.metric = std::move(s.metric);
    r.drop_name = drop_name;
    r.floats = std::move(s.floats);
    out.push_back(std::move(r));
  };
  if (selector != nullptr) {
    // Streamed: one batch of series' raw samples is in memory at a time; the accounting is
    // the same as one series at a time, in selector order.
    SelectEachSplit(*selector, select_lo, select_hi, true, range_ms, name,
                    ctx_->options->max_samples, parallel_ok, compute,
                    [&](Decoded& d, ESeries& s) {
                      const auto n = static_cast<int64_t>(d.t.size());
                      ctx_->AddSamples(n);
                      consume(d, s);
                      ctx_->SubSamples(n);
                    });
  } else {
    ESeries s;
    for (auto& d : data) {
      ctx_->CheckDone();
      s.floats.clear();
      s.drop_name = false;
      compute(d, s);
      consume(d, s);
      ctx_->SubSamples(static_cast<int64_t>(d.t.size()));
      held -= static_cast<int64_t>(d.t.size());
      std::vector<int64_t>().swap(d.t);  // frees the points now that they are released
      std::vector<double>().swap(d.v);
    }
  }
  ctx_->SubSamples(held);

  if (fn == RangeFn::kAbsent) {
    const Expr* sel = &arg;
    if (arg.kind == NodeKind::kMatrixSelector) {
      sel = static_cast<const MatrixSelector&>(arg).vector_selector.get();
    }
    return Absent(out, *sel);
  }
  return out;
}

namespace {

// Howard Hinnant's civil_from_days.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

double DatePart(std::string_view fn, int64_t secs) {
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (fn == "minute") return static_cast<double>((rem / 60) % 60);
  if (fn == "hour") return static_cast<double>(rem / 3600);
  if (fn == "day_of_month") return d;
  if (fn == "month") return m;
  if (fn == "year") return static_cast<double>(y);
  if (fn == "day_of_week") {
    int64_t wd = (days + 4) % 7;  // 1970-01-01 was a Thursday
    if (wd < 0) wd += 7;
    return static_cast<double>(wd);
  }
  static const int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (fn == "day_of_year") return kCum[m - 1] + d + ((m > 2 && IsLeap(y)) ? 1 : 0);
  if (fn == "days_in_month") return kDays[m - 1] + ((m == 2 && IsLeap(y)) ? 1 : 0);
  return kNaN;
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

bool IsDateFn(std::string_view n) {
  return n == "minute" || n == "hour" || n == "day_of_month" || n == "month" || n == "year" ||
         n == "day_of_week" || n == "day_of_year" || n == "days_in_month";
}

// Go's int64(float64) for the values Prometheus converts to Unix seconds.
int64_t GoInt64(double f) {
  if (std::isnan(f) || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(f);
}

double Sgn(double f) {
  if (f < 0) return -1;
  if (f > 0) return 1;
  return f;  // 0, -0, NaN
}

}  // namespace

EMatrix Evaluator::Absent(const EMatrix& present, const Expr& arg) {
  std::vector<bool> found(NumSteps(), false);
  for (const auto& s : present) {
    for (const auto& p : s.floats) found[StepIndex(p.t)] = true;
  }
  ctx_->SubSamples(static_cast<int64_t>(PointCount(present)));
  const auto missing = static_cast<int64_t>(std::count(found.begin(), found.end(), false));
  EMatrix res;
  if (missing == 0) return res;
  ctx_->AddSamples(missing);
  ESeries r;
  r.drop_name = true;
  r.floats.reserve(static_cast<size_t>(missing));
  size_t i = 0;
  for (int64_t ts = start_; ts <= end_; ts += interval_, ++i) {
    if (!found[i]) r.floats.push_back({ts, 1});
  }
  // Labels from the selector's equality matchers.
  if (arg.kind == NodeKind::kVectorSelector) {
    const auto& vs = static_cast<const VectorSelector&>(arg);
    tsdb::LabelsBuilder b{tsdb::Labels()};
    std::vector<std::string> has;
    for (const auto& mt : vs.matchers) {
      if (mt.name() == tsdb::kMetricName) continue;
      const bool seen = std::find(has.begin(), has.end(), mt.name()) != has.end();
      if (mt.type() == tsdb::MatchType::kEqual && !seen) {
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

EMatrix Evaluator::EvalInstantFunction(const Call& c) {
  const std::string_view name = c.func->name;
  const size_t steps = NumSteps();
  auto scalar_series = [&](auto fn) {
    EMatrix m;
    m.push_back(FillSteps(fn));
    return m;
  };
  if (name == "time") {
    return scalar_series([](int64_t ts, size_t) { return static_cast<double>(ts) / 1000; });
  }
  if (name == "pi") return scalar_series([](int64_t, size_t) { return M_PI; });
  if (name == "min_of" || name == "max_of") {
    std::vector<std::vector<double>> a;
    for (const auto& arg : c.args) a.push_back(EvalScalarSteps(UnwrapParens(*arg)));
    const bool is_min = name == "min_of";
    return scalar_series([&](int64_t, size_t i) {
      double r = a.empty() ? kNaN : a[0][i];
      for (size_t k = 1; k < a.size(); ++k) r = is_min ? GoMin(r, a[k][i]) : GoMax(r, a[k][i]);
      return r;
    });
  }
  if (name == "step") {
    const double v = static_cast<double>(ctx_->query_step) / 1000;
    return scalar_series([v](int64_t, size_t) { return v; });
  }
  if (name == "range") {
    const double v = static_cast<double>(ctx_->query_end - ctx_->query_start) / 1000;
    return scalar_series([v](int64_t, size_t) { return v; });
  }
  if (name == "start" || name == "end") {
    const double v =
        static_cast<double>(name == "start" ? ctx_->query_start : ctx_->query_end) / 1000;
    return scalar_series([v](int64_t, size_t) { return v; });
  }
  if (name == "vector") {
    auto v = EvalScalarSteps(UnwrapParens(*c.args[0]));
    return scalar_series([&](int64_t, size_t i) { return v[i]; });
  }
  if (name == "scalar") {
    EMatrix m = Eval(UnwrapParens(*c.args[0]));
    std::vector<double> val(steps, kNaN);
    std::vector<int> cnt(steps, 0);
    for (const auto& s : m) {
      for (const auto& p : s.floats) {
        size_t i = StepIndex(p.t);
        val[i] = p.f;
        cnt[i]++;
      }
    }
    ctx_->SubSamples(static_cast<int64_t>(PointCount(m)));
    return scalar_series([&](int64_t, size_t i) { return cnt[i] == 1 ? val[i] : kNaN; });
  }
  if (IsDateFn(name) && c.args.empty()) {
    return scalar_series([&](int64_t ts, size_t) {
      return DatePart(name, ts / 1000);
    });
  }
  if (name == "absent") {
    const Expr& arg = UnwrapParens(*c.args[0]);
    return Absent(Eval(arg), arg);
  }
  if (name == "sort" || name == "sort_desc" || name == "sort_by_label" ||
      name == "sort_by_label_desc") {
    EMatrix m = Eval(UnwrapParens(*c.args[0]));
    if (start_ != end_) return m;  // results of range queries are ordered by labels anyway
    if (name == "sort") {
      std::stable_sort(m.begin(), m.end(), [](const ESeries& a, const ESeries& b) {
        const double x = a.floats[0].f, y = b.floats[0].f;
        // reverse of vectorByReverseValueHeap.Less(b, a)
        if (std::isnan(y)) return !std::isnan(x);
        if (std::isnan(x)) return false;
        return x < y;
      });
    } else if (name == "sort_desc") {
      std::stable_sort(m.begin(), m.end(), [](const ESeries& a, const ESeries& b) {
        const double x = a.floats[0].f, y = b.floats[0].f;
        if (std::isnan(y)) return !std::isnan(x);
        if (std::isnan(x)) return false;
        return x > y;
      });
    } else {
      std::vector<std::string> names;
      for (size_t i = 1; i < c.args.size(); ++i) names.push_back(StringArg(*c.args[i]));
      const bool desc = name == "sort_by_label_desc";
      std::stable_sort(m.begin(), m.end(), [&](const ESeries& a, const ESeries& b) {
        for (const auto& n : names) {
          const std::string_view x = a.metric.Get(n), y = b.metric.Get(n);
          if (x != y) return desc ? NaturalLess(y, x) : NaturalLess(x, y);
        }
        const int cmp = tsdb::Labels::Compare(a.metric, b.metric);
        return desc ? cmp > 0 : cmp < 0;
      });
    }
    return m;
  }
  if (name == "histogram_quantile" || name == "histogram_fraction") {
    const bool is_q = name == "histogram_quantile";
    std::vector<double> p1 = EvalScalarSteps(UnwrapParens(*c.args[0]));
    std::vector<double> p2;
    if (!is_q) p2 = EvalScalarSteps(UnwrapParens(*c.args[1]));
    const Expr& varg = *c.args[is_q ? 1 : 2];
    EMatrix m = Eval(UnwrapParens(varg));
    // Per series: bucket signature ordinal and upper bound (NaN when malformed).
    absl::flat_hash_map<uint64_t, int> sig_ord;
    std::vector<int> ord(m.size(), -1);
    std::vector<double> ub(m.size(), kNaN);
    std::vector<tsdb::Labels> group_labels;
    std::vector<bool> drop(m.size());
    for (size_t i = 0; i < m.size(); ++i) {
      const std::string le(m[i].metric.Get("le"));
      char* endp = nullptr;
      double u = std::strtod(le.c_str(), &endp);
      if (le.empty() || endp != le.c_str() + le.size() || std::isnan(u)) {
        if (le == "+Inf" || le == "Inf" || le == "inf" || le == "+inf") {
          u = std::numeric_limits<double>::infinity();
        } else {
          ctx_->Warn(absl::StrCat("bucket label \"le\" is missing or has a malformed value of \"",
                                  le, "\" for metric name \"",
                                  std::string(m[i].metric.MetricName()), "\""),
                     varg.pos);
          continue;
        }
      }
      ub[i] = u;
      auto [it, inserted] =
          sig_ord.try_emplace(tsdb::LabelsBuilder(m[i].metric).Del("le").Build().Hash(),
                              static_cast<int>(group_labels.size()));
      if (inserted) {
        tsdb::LabelsBuilder b(m[i].metric);
        b.Del(tsdb::kMetricName).Del("le");
        group_labels.push_back(b.Build());
      }
      ord[i] = it->second;
    }
    if (is_q) {
      bool warned = false;
      for (double q : p1) {
        if (!warned && (std::isnan(q) || q < 0 || q > 1)) {
          ctx_->Warn(absl::StrCat("quantile value should be between 0 and 1, got ",
                                  FormatFloatG(q)),
                     c.args[0]->pos);
          warned = true;
        }
      }
    }
    Collector col(start_ == end_);
    std::vector<int> out_idx(group_labels.size(), -1);
    std::vector<std::vector<Bucket>> buckets(group_labels.size());
    // The series that last gave group g a bucket at the current step: its metric name goes
    // into the monotonicity info (looked up only then, not per point).
    std::vector<size_t> last_series(group_labels.size(), 0);
    std::vector<size_t> pos(m.size(), 0);
    size_t step = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
      ctx_->CheckDone();
      for (auto& b : buckets) b.clear();
      for (size_t i = 0; i < m.size(); ++i) {
        if (ord[i] < 0) continue;
        const auto& fl = m[i].floats;
        size_t& p = pos[i];
        while (p < fl.size() && fl[p].t < ts) ++p;
        if (p >= fl.size() || fl[p].t != ts) continue;
        buckets[ord[i]].push_back({ub[i], fl[p].f});
        last_series[ord[i]] = i;
      }
      for (size_t g = 0; g < buckets.size(); ++g) {
        if (buckets[g].empty()) continue;
        double v;
        if (is_q) {
          bool forced = false;
          v = BucketQuantile(p1[step], buckets[g], &forced);
          if (forced) {
            ctx_->Info(absl::StrCat("input to histogram_quantile needed to be fixed for "
                                    "monotonicity (see https://prometheus.io/docs/prometheus/"
                                    "latest/querying/functions/#histogram_quantile) for metric "
                                    "name \"",
                                    std::string(m[last_series[g]].metric.MetricName()),
                                    "\""),
                       varg.pos);
          }
        } else {
          v = BucketFraction(p1[step], p2[step], buckets[g]);
        }
        if (out_idx[g] < 0 || start_ == end_) out_idx[g] = col.Intern(group_labels[g], true);
        col.Add(out_idx[g], ts, v);
      }
    }
    ctx_->SubSamples(static_cast<int64_t>(PointCount(m)));
    EMatrix out = col.Take();
    ctx_->AddSamples(static_cast<int64_t>(PointCount(out)));  // fewer than the input's
    return out;
  }

  // Point-wise functions over one instant vector (plus scalar parameters).
  if (c.args.empty()) Errorf(absl::StrCat("function ", std::string(name), " not supported"));
  std::vector<std::vector<double>> sargs(c.args.size());
  for (size_t i = 1; i < c.args.size(); ++i) sargs[i] = EvalScalarSteps(UnwrapParens(*c.args[i]));
  EMatrix m = Eval(UnwrapParens(*c.args[0]));
  std::function<std::optional<double>(double, size_t, int64_t)> f;
  using D = std::optional<double>;
  if (name == "abs") f = [](double x, size_t, int64_t) -> D { return std::fabs(x); };
  else if (name == "ceil") f = [](double x, size_t, int64_t) -> D { return std::ceil(x); };
  else if (name == "floor") f = [](double x, size_t, int64_t) -> D { return std::floor(x); };
  else if (name == "exp") f = [](double x, size_t, int64_t) -> D { return std::exp(x); };
  else if (name == "sqrt") f = [](double x, size_t, int64_t) -> D { return std::sqrt(x); };
  else if (name == "ln") f = [](double x, size_t, int64_t) -> D { return std::log(x); };
  else if (name == "log2") f = [](double x, size_t, int64_t) -> D { return std::log2(x); };
  else if (name == "log10") f = [](double x, size_t, int64_t) -> D { return std::log10(x); };
  else if (name == "sgn") f = [](double x, size_t, int64_t) -> D { return Sgn(x); };
  else if (name == "sin") f = [](double x, size_t, int64_t) -> D { return std::sin(x); };
  else if (name == "cos") f = [](double x, size_t, int64_t) -> D { return std::cos(x); };
  else if (name == "tan") f = [](double x, size_t, int64_t) -> D { return std::tan(x); };
  else if (name == "asin") f = [](double x, size_t, int64_t) -> D { return std::asin(x); };
  else if (name == "acos") f = [](double x, size_t, int64_t) -> D { return std::acos(x); };
  else if (name == "atan") f = [](double x, size_t, int64_t) -> D { return std::atan(x); };
  else if (name == "sinh") f = [](double x, size_t, int64_t) -> D { return std::sinh(x); };
  else if (name == "cosh") f = [](double x, size_t, int64_t) -> D { return std::cosh(x); };
  else if (name == "tanh") f = [](double x, size_t, int64_t) -> D { return std::tanh(x); };
  else if (name == "asinh") f = [](double x, size_t, int64_t) -> D { return std::asinh(x); };
  else if (name == "acosh") f = [](double x, size_t, int64_t) -> D { return std::acosh(x); };
  else if (name == "atanh") f = [](double x, size_t, int64_t) -> D { return std::atanh(x); };
  else if (name == "deg") f = [](double x, size_t, int64_t) -> D { return x * 180 / M_PI; };
  else if (name == "rad") f = [](double x, size_t, int64_t) -> D { return x * M_PI / 180; };
  else if (name == "timestamp") {
    f = [](double, size_t, int64_t ts) -> D { return static_cast<double>(ts) / 1000; };
  } else if (IsDateFn(name)) {
    f = [name](double x, size_t, int64_t) -> D { return DatePart(name, GoInt64(x)); };
  } else if (name == "round") {
    f = [&](double x, size_t i, int64_t) -> D {
      const double to_nearest = c.args.size() > 1 ? sargs[1][i] : 1.0;
      const double inv = 1.0 / to_nearest;
      return std::floor(x * inv + 0.5) / inv;
    };
  } else if (name == "clamp") {
    f = [&](double x, size_t i, int64_t) -> D {
      const double lo = sargs[1][i], hi = sargs[2][i];
      if (hi < lo) return std::nullopt;
      return GoMax(lo, GoMin(hi, x));
    };
  } else if (name == "clamp_min") {
    f = [&](double x, size_t i, int64_t) -> D { return GoMax(x, sargs[1][i]); };
  } else if (name == "clamp_max") {
    f = [&](double x, size_t i, int64_t) -> D { return GoMin(x, sargs[1][i]); };
  } else {
    Errorf(absl::StrCat("function ", std::string(name), " not supported"));
  }
  EMatrix out;
  out.reserve(m.size());
  int64_t dropped = 0;
  for (auto& s : m) {
    ctx_->CheckDone();
    size_t w = 0;
    for (size_t k = 0; k < s.floats.size(); ++k) {
      const FPoint p = s.floats[k];
      auto r = f(p.f, StepIndex(p.t), p.t);
      if (r.has_value()) s.floats[w++] = {p.t, *r};
    }
    dropped += static_cast<int64_t>(s.floats.size() - w);
    s.floats.resize(w);
    if (w == 0) continue;
    s.drop_name = true;
    out.push_back(std::move(s));
  }
  ctx_->SubSamples(dropped);
  return out;
}

namespace {

// Expands a Go regexp template ($1, ${1}, $name, ${name}, $$) with RE2 submatches.
std::string ExpandTemplate(const re2::RE2& re, std::string_view tmpl,
                           const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& named = re.NamedCapturingGroups();
  size_t i = 0;
  while (i < tmpl.size()) {
    char ch = tmpl[i];
    if (ch != '$' || i + 1 >= tmpl.size()) {
      out.push_back(ch);
      ++i;
      continue;
    }
    ++i;
    if (tmpl[i] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    std::string name;
    bool brace = false;
    if (tmpl[i] == '{') {
      size_t close = tmpl.find('}', i + 1);
      if (close == std::string_view::npos) {
        out.push_back('$');
        continue;
      }
      name = std::string(tmpl.substr(i + 1, close - i - 1));
      brace = true;
      i = close + 1;
    } else {
      size_t j = i;
      while (j < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[j])) ||
                                 tmpl[j] == '_')) {
        ++j;
      }
      if (j == i) {
        out.push_back('$');
        continue;
      }
      name = std::string(tmpl.substr(i, j - i));
      i = j;
    }
    (void)brace;
    bool all_digits = !name.empty() &&
                      std::all_of(name.begin(), name.end(), [](char x) { return x >= '0' && x <= '9'; });
    int idx = -1;
    if (all_digits) {
      if (name.size() < 9) idx = std::stoi(name);
    } else {
      auto it = named.find(name);
      if (it != named.end()) idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < groups.size() && groups[idx].data() != nullptr) {
      out.append(groups[idx].data(), groups[idx].size());
    }
  }
  return out;
}

void MergeSameLabels(EMatrix& m) {
  // Series relabelled to the same set: merge, failing on a shared timestamp.
  absl::flat_hash_map<uint64_t, std::vector<size_t>> by;
  bool dup = false;
  for (size_t i = 0; i < m.size(); ++i) {
    auto& v = by[m[i].metric.Hash()];
    for (size_t j : v) {
      if (m[j].metric == m[i].metric) dup = true;
    }
    v.push_back(i);
  }
  if (!dup) return;
  EMatrix out;
  std::vector<bool> used(m.size(), false);
  for (size_t i = 0; i < m.size(); ++i) {
    if (used[i]) continue;
    used[i] = true;
    ESeries base = std::move(m[i]);
    bool grew = false;
    for (size_t j : by[base.metric.Hash()]) {
      if (used[j] || !(m[j].metric == base.metric)) continue;
      used[j] = true;
      base.floats.insert(base.floats.end(), m[j].floats.begin(), m[j].floats.end());
      base.drop_name = base.drop_name && m[j].drop_name;
      grew = true;
    }
    if (grew) {
      std::stable_sort(base.floats.begin(), base.floats.end(),
                       [](const FPoint& a, const FPoint& b) { return a.t < b.t; });
      for (size_t k = 1; k < base.floats.size(); ++k) {
        if (base.floats[k].t == base.floats[k - 1].t) {
          Errorf("vector cannot contain metrics with the same labelset");
        }
      }
    }
    out.push_back(std::move(base));
  }
  m = std::move(out);
}

}  // namespace

EMatrix Evaluator::EvalLabelReplace(const Call& c) {
  const std::string dst = StringArg(*c.args[1]);
  const std::string repl = StringArg(*c.args[2]);
  const std::string src = StringArg(*c.args[3]);
  const std::string regex = StringArg(*c.args[4]);
  re2::RE2::Options ro;
  ro.set_log_errors(false);
  re2::RE2 re("^(?s:" + regex + ")$", ro);
  if (!re.ok()) Errorf(absl::StrCat("invalid regular expression in label_replace(): ", regex));
  if (!tsdb::IsValidLabelName(dst)) {
    Errorf(absl::StrCat("invalid destination label name in label_replace(): ", dst));
  }
  EMatrix m = Eval(UnwrapParens(*c.args[0]));
  std::vector<re2::StringPiece> groups(re.NumberOfCapturingGroups() + 1);
  for (auto& s : m) {
    const std::string val(s.metric.Get(src));
    if (!re.Match(val, 0, val.size(), re2::RE2::UNANCHORED, groups.data(),
                  static_cast<int>(groups.size()))) {
      continue;
    }
    const std::string res = ExpandTemplate(re, repl, groups);
    tsdb::LabelsBuilder b(s.metric);
    b.Set(dst, res);
    s.metric = b.Build();
    if (dst == tsdb::kMetricName) s.drop_name = false;
  }
  MergeSameLabels(m);
  return m;
}

EMatrix Evaluator::EvalLabelJoin(const Call& c) {
  const std::string dst = StringArg(*c.args[1]);
  const std::string sep = StringArg(*c.args[2]);
  std::vector<std::string> srcs;
  for (size_t i = 3; i < c.args.size(); ++i) srcs.push_back(StringArg(*c.args[i]));
  if (!tsdb::IsValidLabelName(dst)) {
    Errorf(absl::StrCat("invalid destination label name in label_join(): ", dst));
  }
  EMatrix m = Eval(UnwrapParens(*c.args[0]));
  for (auto& s : m) {
    std::string joined;
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) joined += sep;
      joined += s.metric.Get(srcs[i]);
    }
    tsdb::LabelsBuilder b(s.metric);
    b.Set(dst, joined);
    s.metric = b.Build();
    if (dst == tsdb::kMetricName) s.drop_name = false;
  }
  MergeSameLabels(m);
  return m;
}

}  // namespace promlet::promql::internal
