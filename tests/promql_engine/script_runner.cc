#include "model/value.h"
#include "tests/promql_engine/script_runner.h"
#include "tests/promql_engine/script_syntax.h"

#include <algorithm>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/duration.h"
#include "common/utf8.h"
#include "promql/ast.h"
#include "promql/engine/engine.h"
#include "promql/functions.h"
#include "promql/parser/parser.h"
#include "re2/re2.h"
#include "tsdb/head.h"

namespace promlet::promql::testing {

namespace {

using model::Labels;

struct Expectations {
  bool fail = false;
  std::optional<std::string> fail_msg, fail_regex;
  bool ordered = false;
  bool warn = false, no_warn = false, info = false, no_info = false;
  bool legacy_warn_any = false, legacy_info_any = false;
  std::vector<std::pair<bool, std::string>> warn_checks;  // (is_regex, text)
  std::vector<std::pair<bool, std::string>> info_checks;
  std::optional<double> scalar;
  std::optional<std::string> str;
  bool range_vector = false;
  int64_t rv_from = 0, rv_to = 0, rv_step = 0;
  std::vector<SeriesLine> series;
};

struct Command {
  int line = 0;
  std::string header;
  std::vector<std::pair<int, std::string>> body;
};

std::string LabelsStr(const Labels& l) { return l.ToString(); }

bool MatchText(const std::pair<bool, std::string>& check, const std::string& text) {
  if (check.first) return RE2::PartialMatch(text, RE2(check.second));
  return text == check.second;
}

// Checks annotations per §5.3; returns "" when fine.
std::string CheckAnnotations(const Expectations& ex, const Result& r) {
  auto check_kind = [](const char* kind, bool expect, bool expect_none, bool any_only,
                       const std::vector<std::pair<bool, std::string>>& checks,
                       const std::vector<std::string>& got) -> std::string {
    if (expect_none && !got.empty()) {
      return absl::StrCat("expected no ", kind, " annotations, got: ", absl::StrJoin(got, " | "));
    }
    if (!expect) return "";
    if (got.empty()) return absl::StrCat("expected ", kind, " annotation(s), got none");
    if (any_only || checks.empty()) return "";
    for (const auto& c : checks) {
      bool found = false;
      for (const auto& g : got) found = found || MatchText(c, g);
      if (!found) {
        return absl::StrCat("expected ", kind, " \"", c.second, "\" not found in: ",
                            absl::StrJoin(got, " | "));
      }
    }
    for (const auto& g : got) {
      bool matched = false;
      for (const auto& c : checks) matched = matched || MatchText(c, g);
      if (!matched) return absl::StrCat("unexpected ", kind, " annotation: ", g);
    }
    return "";
  };
  std::string e = check_kind("warn", ex.warn, ex.no_warn, ex.legacy_warn_any, ex.warn_checks,
                             r.warnings);
  if (!e.empty()) return e;
  return check_kind("info", ex.info, ex.no_info, ex.legacy_info_any, ex.info_checks, r.infos);
}

// Compares an instant vector against expected series lines (one value each).
std::string ValueStr(double v, const HistogramPtr& h) {
  return h ? h->TestExpression() : FormatValue(v);
}

// A result value against an expected slot (promqltest's float / histogram comparison).
bool SlotMatches(const Slot& want, double v, const HistogramPtr& h) {
  if (want.h || h) return want.h && h && HistogramsMatch(*want.h, *h, want.counter_reset_hint_set);
  return AlmostEqual(want.v, v);
}

std::string CompareVector(const Vector& got, const Expectations& ex, bool ordered) {
  std::vector<bool> used(ex.series.size(), false);
  if (got.size() != ex.series.size()) {
    std::string g;
    for (const auto& s : got) absl::StrAppend(&g, "\n    ", LabelsStr(s.labels), " ", ValueStr(s.v, s.h));
    std::string e;
    for (const auto& s : ex.series) {
      absl::StrAppend(&e, "\n    ", LabelsStr(s.labels), " ",
                      s.slots.empty() ? "?" : ValueStr(s.slots[0].v, s.slots[0].h));
    }
    return absl::StrCat("expected ", ex.series.size(), " samples, got ", got.size(),
                        "\n  expected:", e, "\n  got:", g);
  }
  for (size_t k = 0; k < got.size(); ++k) {
    const auto& s = got[k];
    int found = -1;
    for (size_t j = 0; j < ex.series.size(); ++j) {
      if (!used[j] && ex.series[j].labels == s.labels) {
        found = static_cast<int>(j);
        break;
      }
    }
    if (found < 0) return absl::StrCat("unexpected series ", LabelsStr(s.labels), " ", ValueStr(s.v, s.h));
    used[found] = true;
    if (ordered && found != static_cast<int>(k)) {
      return absl::StrCat("series ", LabelsStr(s.labels), " at position ", k + 1,
                          ", expected at ", found + 1);
    }
    const auto& exp = ex.series[found];
    if (exp.slots.size() != 1 || !exp.slots[0].present) return "bad expectation line";
    if (!SlotMatches(exp.slots[0], s.v, s.h)) {
      return absl::StrCat("for ", LabelsStr(s.labels), " expected ",
                          ValueStr(exp.slots[0].v, exp.slots[0].h), ", got ", ValueStr(s.v, s.h));
    }
  }
  return "";
}

std::string CompareMatrix(const Matrix& got, const Expectations& ex, int64_t start,
                          int64_t end, int64_t step) {
  for (size_t i = 1; i < got.size(); ++i) {
    if (!(got[i - 1].labels < got[i].labels)) return "matrix is not sorted by labels";
  }
  std::vector<bool> used(ex.series.size(), false);
  const int64_t nsteps = (end - start) / step + 1;
  for (const auto& s : got) {
    int found = -1;
    for (size_t j = 0; j < ex.series.size(); ++j) {
      if (!used[j] && ex.series[j].labels == s.labels) {
        found = static_cast<int>(j);
        break;
      }
    }
    std::string pts;
    for (const auto& p : s.points) absl::StrAppend(&pts, " ", FormatValue(p.v), "@", p.t);
    for (const auto& p : s.histograms) absl::StrAppend(&pts, " ", p.h->TestExpression(), "@", p.t);
    if (found < 0) return absl::StrCat("unexpected series ", LabelsStr(s.labels), pts);
    used[found] = true;
    const auto& exp = ex.series[found];
    if (static_cast<int64_t>(exp.slots.size()) > nsteps) return "expectation has more slots than steps";
    std::vector<std::pair<int64_t, const Slot*>> want, want_h;
    for (size_t k = 0; k < exp.slots.size(); ++k) {
      if (!exp.slots[k].present) continue;
      (exp.slots[k].h ? want_h : want).push_back({start + static_cast<int64_t>(k) * step, &exp.slots[k]});
    }
    std::string wants;
    for (const auto& w : want) absl::StrAppend(&wants, " ", FormatValue(w.second->v), "@", w.first);
    for (const auto& w : want_h) absl::StrAppend(&wants, " ", w.second->h->TestExpression(), "@", w.first);
    if (want.size() != s.points.size() || want_h.size() != s.histograms.size()) {
      return absl::StrCat("for ", LabelsStr(s.labels), " expected ", want.size(), " float and ",
                          want_h.size(), " histogram points:", wants, "\n  got ",
                          s.points.size(), " and ", s.histograms.size(), ":", pts);
    }
    for (size_t k = 0; k < want.size(); ++k) {
      if (want[k].first != s.points[k].t || !AlmostEqual(want[k].second->v, s.points[k].v)) {
        return absl::StrCat("for ", LabelsStr(s.labels), " expected:", wants, "\n  got:", pts);
      }
    }
    for (size_t k = 0; k < want_h.size(); ++k) {
      if (want_h[k].first != s.histograms[k].t ||
          !SlotMatches(*want_h[k].second, 0, s.histograms[k].h)) {
        return absl::StrCat("for ", LabelsStr(s.labels), " expected:", wants, "\n  got:", pts);
      }
    }
  }
  for (size_t j = 0; j < ex.series.size(); ++j) {
    if (!used[j]) return absl::StrCat("missing series ", LabelsStr(ex.series[j].labels));
  }
  return "";
}

class Runner {
 public:
  Runner(const std::string& file, const TierMap& tiers, const RunOptions& opts)
      : file_(file), opts_(opts) {
    auto it = tiers.find(file);
    if (it != tiers.end()) tiers_ = it->second;
    Clear();
  }

  ScriptOutcome Run(const std::string& path) {
    ScriptOutcome out;
    out.file = file_;
    std::ifstream in(path);
    if (!in) {
      out.script_error = "cannot open " + path;
      return out;
    }
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(Trim(l));
    std::vector<Command> cmds;
    for (size_t i = 0; i < lines.size();) {
      if (lines[i].empty() || lines[i][0] == '#') {
        ++i;
        continue;
      }
      Command c;
      c.line = static_cast<int>(i) + 1;
      c.header = lines[i++];
      // `clear` takes no body: a load may follow on the very next line.
      const bool is_clear = absl::AsciiStrToLower(c.header.substr(0, 5)) == "clear";
      while (!is_clear && i < lines.size() && !lines[i].empty() && lines[i][0] != '#') {
        c.body.push_back({static_cast<int>(i) + 1, lines[i]});
        ++i;
      }
      cmds.push_back(std::move(c));
    }
    for (const auto& c : cmds) {
      std::string word = absl::AsciiStrToLower(std::string(c.header.substr(0, c.header.find_first_of(" \t"))));
      if (word == "clear") {
        Clear();
      } else if (word.rfind("load", 0) == 0) {
        std::string err = Load(c);
        if (!err.empty()) {
          out.script_error = absl::StrCat("line ", c.line, ": ", err);
          return out;
        }
      } else if (word.rfind("eval", 0) == 0) {
        out.evals.push_back(Eval(c));
      } else {
        out.script_error = absl::StrCat("line ", c.line, ": unknown command ", c.header);
        return out;
      }
    }
    return out;
  }

 private:
  void Clear() {
    histograms_refused_ = false;
    head_.reset();
    tsdb::HeadOptions ho;
    ho.store_start_timestamps = true;  // the reference test storage keeps STs (§3.5)
    head_ = std::make_unique<tsdb::Head>(ho);
  }

  std::string Load(const Command& c) {
    std::vector<std::string> parts = absl::StrSplit(c.header, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (parts.size() < 2) return "load without interval";
    auto interval = ParseScriptDuration(parts[1]);
    if (!interval) return "bad load interval";
    std::vector<SeriesLine> series;
    // Per series, the start-timestamp offsets of its slots (§3.5; empty: none).
    std::vector<std::vector<std::optional<int64_t>>> st_offsets;
    std::optional<StartTimestampLine> pending_st;  // an @st line waiting for its series line
    for (const auto& [ln, body] : c.body) {
      if (IsStartTimestampLine(body)) {
        if (pending_st) return absl::StrCat("line ", ln, ": @st line follows an @st line");
        auto stl = ParseStartTimestampLine(body);
        if (!stl.ok()) return absl::StrCat("line ", ln, ": ", stl.status().message());
        pending_st = std::move(*stl);
        continue;
      }
      auto sl = ParseSeriesLine(body);
      if (!sl.ok()) return absl::StrCat("line ", ln, ": ", sl.status().message());
      std::vector<std::optional<int64_t>> offsets;
      if (pending_st) {
        if (pending_st->labels != sl->labels) {
          return absl::StrCat("line ", ln, ": the @st line before it is for ",
                              LabelsStr(pending_st->labels), ", not ", LabelsStr(sl->labels));
        }
        if (pending_st->offsets.size() != sl->slots.size()) {
          return absl::StrCat("line ", ln, ": ", sl->slots.size(), " slots but its @st line has ",
                              pending_st->offsets.size());
        }
        offsets = std::move(pending_st->offsets);
        pending_st.reset();
      }
      bool replaced = false;
      for (size_t k = 0; k < series.size(); ++k) {
        if (series[k].labels == sl->labels) {
          series[k] = std::move(*sl);
          st_offsets[k] = std::move(offsets);
          replaced = true;
          break;
        }
      }
      if (!replaced) {
        series.push_back(std::move(*sl));
        st_offsets.push_back(std::move(offsets));
      }
    }
    if (pending_st) return "an @st line without a series line after it";
    auto app = head_->NewAppender();
    for (size_t i = 0; i < series.size(); ++i) {
      const SeriesLine& s = series[i];
      storage::SeriesRef ref = 0;
      for (size_t k = 0; k < s.slots.size(); ++k) {
        if (!s.slots[k].present) continue;
        const int64_t t = static_cast<int64_t>(k) * *interval;
        const int64_t st = k < st_offsets[i].size() && st_offsets[i][k] ? t + *st_offsets[i][k] : 0;
        auto r = s.slots[k].h
                     ? app->AppendHistogramWithST(ref, s.labels, st, t, nullptr, s.slots[k].h.get())
                     : app->AppendWithST(ref, s.labels, st, t, s.slots[k].v);
        if (!r.ok() && absl::IsUnimplemented(r.status())) {  // storage without histograms
          histograms_refused_ = true;
          continue;
        }
        if (!r.ok()) return absl::StrCat("append ", LabelsStr(s.labels), ": ", r.status().message());
        ref = *r;
      }
    }
    if (absl::AsciiStrToLower(parts[0]) == "load_with_nhcb") {
      std::string err = AppendCustomBucketHistograms(series, *interval, *app);
      if (!err.empty()) return err;
    }
    auto st = app->Commit();
    if (!st.ok()) return std::string(st.message());
    return "";
  }

  // load_with_nhcb: the classic histograms among the loaded series (_bucket with le, _count,
  // _sum) are also appended as native histograms with custom buckets under the base name, per
  // timestamp (promqltest's appendCustomHistogram with util/convertnhcb's TempHistogram).
  static std::string AppendCustomBucketHistograms(const std::vector<SeriesLine>& series,
                                                  int64_t interval, storage::Appender& app) {
    struct Temp {
      std::vector<std::pair<double, double>> buckets;  // (le, cumulative count), by le
      double count = 0, sum = 0;
      bool has_count = false, bad = false;
    };
    std::map<Labels, std::map<int64_t, Temp>> by_base;
    for (const auto& s : series) {
      const std::string name(s.labels.MetricName());
      int kind = 0;
      std::string base;
      for (const auto& [suffix, k] : {std::pair<std::string, int>{"_bucket", 1}, {"_sum", 2},
                                      {"_count", 3}}) {
        if (name.size() > suffix.size() && name.ends_with(suffix)) {
          kind = k;
          base = name.substr(0, name.size() - suffix.size());
          break;
        }
      }
      if (kind == 0) continue;
      double le = 0;
      if (kind == 1) {
        const std::string les(s.labels.Get("le"));
        char* end = nullptr;
        le = std::strtod(les.c_str(), &end);
        if (les.empty() || end != les.c_str() + les.size() || std::isnan(le)) continue;
      }
      model::LabelsBuilder lb(s.labels);
      lb.Set(model::kMetricName, base).Del("le");
      auto& temps = by_base[lb.Build()];
      for (size_t k = 0; k < s.slots.size(); ++k) {
        if (!s.slots[k].present || s.slots[k].h) continue;
        Temp& t = temps[static_cast<int64_t>(k) * interval];
        const double f = s.slots[k].v;
        if (t.bad) continue;
        if (kind == 2) {
          t.sum = f;
        } else if (kind == 3) {
          if (f < 0) t.bad = true;
          t.count = f;
          t.has_count = true;
        } else {
          if (f < 0) {
            t.bad = true;
            continue;
          }
          auto it = std::lower_bound(t.buckets.begin(), t.buckets.end(), le,
                                     [](const auto& b, double x) { return b.first < x; });
          if (it != t.buckets.end() && it->first == le) continue;  // duplicate
          if ((it != t.buckets.begin() && f < std::prev(it)->second) ||
              (it != t.buckets.end() && f > it->second)) {
            t.bad = true;  // not cumulative
            continue;
          }
          t.buckets.insert(it, {le, f});
        }
      }
    }
    for (auto& [labels, temps] : by_base) {
      storage::SeriesRef ref = 0;
      for (auto& [ts, t] : temps) {
        if (t.bad) return absl::StrCat("load_with_nhcb: bad classic histogram ", LabelsStr(labels));
        if (!t.has_count && !t.buckets.empty()) t.count = t.buckets.back().second;
        if (t.buckets.empty() || !std::isinf(t.buckets.back().first)) {
          t.buckets.push_back({std::numeric_limits<double>::infinity(), t.count});
        }
        if (t.count != t.buckets.back().second) {
          return absl::StrCat("load_with_nhcb: count mismatch for ", LabelsStr(labels));
        }
        bool integral = t.count == std::round(t.count);
        for (const auto& b : t.buckets) integral = integral && b.second == std::round(b.second);
        model::histogram::FloatHistogram h;
        h.schema = model::histogram::kCustomBucketsSchema;
        h.count = t.count;
        h.sum = t.sum;
        h.positive_spans = {{0, static_cast<uint32_t>(t.buckets.size())}};
        std::vector<double> bounds;
        double prev = 0;
        for (const auto& [le, c] : t.buckets) {
          h.positive_buckets.push_back(c - prev);
          prev = c;
          if (!std::isinf(le)) bounds.push_back(le);
        }
        if (!bounds.empty()) h.custom_values = model::histogram::MakeCustomValues(std::move(bounds));
        h.Compact(integral ? 2 : 0);
        auto r = app.AppendHistogram(ref, labels, ts, nullptr, &h);
        if (!r.ok()) return absl::StrCat("append ", LabelsStr(labels), ": ", r.status().message());
        ref = *r;
      }
    }
    return "";
  }

  EvalOutcome Eval(const Command& c) {
    EvalOutcome o;
    o.line = c.line;
    auto t = tiers_.find(c.line);
    o.tier = t == tiers_.end() ? opts_.unknown_tier : t->second;
    // Header.
    static const RE2 kInstant(R"(^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(\S+))?\s+(.+)$)");
    static const RE2 kRange(R"(^eval(?:_(fail|warn|info))?\s+range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+?)\s+(.+)$)");
    std::string mod, at, expr, from, to, step;
    bool is_range = false;
    if (RE2::FullMatch(c.header, kInstant, &mod, &at, &expr)) {
    } else if (RE2::FullMatch(c.header, kRange, &mod, &from, &to, &step, &expr)) {
      is_range = true;
    } else {
      o.kind = EvalOutcome::kFailed;
      o.detail = "cannot parse eval header";
      return o;
    }
    o.expr = expr;
    if (histograms_refused_) {
      o.kind = EvalOutcome::kSkipped;
      o.detail = "the storage does not store native histograms";
      return o;
    }
    if (o.tier > opts_.max_tier || o.tier == 0) {
      o.kind = EvalOutcome::kSkipped;
      o.detail = o.tier == 0 ? "no tier entry" : absl::StrCat("tier ", o.tier);
      return o;
    }
    Expectations ex;
    if (mod == "fail") ex.fail = true;
    if (mod == "warn") ex.warn = ex.legacy_warn_any = true;
    if (mod == "info") ex.info = ex.legacy_info_any = true;
    if (mod == "ordered") ex.ordered = true;
    static const RE2 kExpect(R"(^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$)");
    static const RE2 kRangeVec(R"(^expect\s+range\s+vector\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)$)");
    for (const auto& [ln, body] : c.body) {
      std::string a, b, cc, kind, how, text;
      if (RE2::FullMatch(body, kRangeVec, &a, &b, &cc)) {
        ex.range_vector = true;
        ex.rv_from = ParseScriptDuration(a).value_or(0);
        ex.rv_to = ParseScriptDuration(b).value_or(0);
        ex.rv_step = ParseScriptDuration(cc).value_or(1);
        continue;
      }
      if (body.rfind("expect string", 0) == 0) {
        std::string rest = Trim(body.substr(13));
        size_t i = 0;
        std::string sv;
        if (!ParseString(rest, &i, &sv)) {
          o.kind = EvalOutcome::kFailed;
          o.detail = "bad expect string";
          return o;
        }
        ex.str = sv;
        continue;
      }
      if (body.substr(0, body.find_first_of(" \t")) == "expect") {
        if (!RE2::FullMatch(body, kExpect, &kind, &how, &text)) {
          o.kind = EvalOutcome::kFailed;
          o.detail = "bad expect line: " + body;
          return o;
        }
        text = Trim(text);
        const bool is_regex = how == "regex";
        if (kind == "ordered") ex.ordered = true;
        if (kind == "fail") {
          ex.fail = true;
          if (how == "msg") ex.fail_msg = text;
          if (is_regex) ex.fail_regex = text;
        }
        if (kind == "warn") {
          ex.warn = true;
          if (!how.empty()) ex.warn_checks.push_back({is_regex, text});
        }
        if (kind == "info") {
          ex.info = true;
          if (!how.empty()) ex.info_checks.push_back({is_regex, text});
        }
        if (kind == "no_warn") ex.no_warn = true;
        if (kind == "no_info") ex.no_info = true;
        continue;
      }
      if (auto v = ParseNumber(body)) {
        ex.scalar = *v;
        break;
      }
      auto sl = ParseSeriesLine(body);
      if (!sl.ok()) {
        o.kind = EvalOutcome::kFailed;
        o.detail = absl::StrCat("line ", ln, ": ", sl.status().message());
        return o;
      }
      ex.series.push_back(std::move(*sl));
    }
    std::string err;
    if (is_range) {
      auto f = ParseScriptDuration(from), tt = ParseScriptDuration(to), s = ParseScriptDuration(step);
      if (!f || !tt || !s) {
        err = "bad range times";
      } else {
        err = CheckRange(expr, *f, *tt, *s, ex);
      }
    } else {
      auto ts = ParseScriptDuration(at);
      if (!ts) {
        err = "bad eval time";
      } else {
        err = CheckInstant(expr, ex.range_vector ? ex.rv_to : *ts, ex);
      }
    }
    if (!err.empty()) {
      o.kind = EvalOutcome::kFailed;
      o.detail = err;
    }
    return o;
  }

  std::string CheckError(const absl::Status& st, const Expectations& ex) {
    if (st.ok()) return "expected error, query succeeded";
    const std::string msg(st.message());
    if (ex.fail_msg && msg != *ex.fail_msg) {
      return absl::StrCat("expected error \"", *ex.fail_msg, "\", got \"", msg, "\"");
    }
    if (ex.fail_regex && !RE2::PartialMatch(msg, RE2(*ex.fail_regex))) {
      return absl::StrCat("expected error matching \"", *ex.fail_regex, "\", got \"", msg, "\"");
    }
    return "";
  }

  std::string CheckRange(const std::string& expr, int64_t start, int64_t end, int64_t step,
                         const Expectations& ex) {
    auto r = engine_.RangeQuery(*head_, expr, start, end, step);
    if (ex.fail) return CheckError(r.status(), ex);
    if (!r.ok()) return absl::StrCat("unexpected error: ", r.status().ToString());
    std::string a = CheckAnnotations(ex, *r);
    if (!a.empty()) return a;
    if (ex.ordered) return "expect ordered on a matrix";
    if (ex.scalar) return "scalar expectation for a range query";
    return CompareMatrix(std::get<Matrix>(r->value), ex, start, end, step);
  }

  std::string CheckInstant(const std::string& expr, int64_t ts, const Expectations& ex) {
    auto parsed = ParseExpr(expr);
    if (!parsed.ok()) return absl::StrCat("parse error: ", parsed.status().message());
    const bool range_check =
        !(ex.range_vector || ex.str || ex.ordered || expr.find("start()") != std::string::npos ||
          expr.find("end()") != std::string::npos || expr.find("range()") != std::string::npos ||
          expr.find("step()") != std::string::npos);
    std::string err = CheckInstantOnce(**parsed, expr, ts, ex, true, range_check);
    if (!err.empty()) return err;
    // FORMAT.md §7.2: pinning every selector and subquery to @ ts must not change the answer
    // when evaluated at other times.
    if (CallsTimeDependentFunction(**parsed)) return "";
    std::vector<int64_t> times;
    if (ts != 0) {
      times = {-10 * ts, 0, ts / 5, ts, 10 * ts};
    } else {
      times = {-1000, 0, 1000};
    }
    for (int64_t t : times) {
      auto pinned = ParseExpr(expr);
      if (!pinned.ok()) return "reparse failed";
      PinAt(**pinned, ts);
      std::string e = CheckInstantOnce(**pinned, expr, t, ex, false, range_check);
      if (!e.empty()) return absl::StrCat("@-pinned check at ", t, "ms: ", e);
    }
    return "";
  }

  static bool CallsTimeDependentFunction(const Expr& e) {
    switch (e.kind) {
      case NodeKind::kCall: {
        const auto& c = static_cast<const Call&>(e);
        static const char* kNames[] = {"time", "timestamp", "predict_linear", "days_in_month",
                                       "day_of_month", "day_of_week", "day_of_year", "hour",
                                       "minute", "month", "year", "start", "end", "range", "step"};
        for (const char* n : kNames) {
          if (c.func->name == n) return true;
        }
        for (const auto& a : c.args) {
          if (CallsTimeDependentFunction(*a)) return true;
        }
        return false;
      }
      case NodeKind::kAggregate: {
        const auto& a = static_cast<const AggregateExpr&>(e);
        return (a.param && CallsTimeDependentFunction(*a.param)) ||
               CallsTimeDependentFunction(*a.expr);
      }
      case NodeKind::kBinary:
        return CallsTimeDependentFunction(*static_cast<const BinaryExpr&>(e).lhs) ||
               CallsTimeDependentFunction(*static_cast<const BinaryExpr&>(e).rhs);
      case NodeKind::kUnary:
        return CallsTimeDependentFunction(*static_cast<const UnaryExpr&>(e).expr);
      case NodeKind::kParen:
        return CallsTimeDependentFunction(*static_cast<const ParenExpr&>(e).expr);
      case NodeKind::kSubquery:
        return CallsTimeDependentFunction(*static_cast<const SubqueryExpr&>(e).expr);
      case NodeKind::kMatrixSelector:
        return CallsTimeDependentFunction(*static_cast<const MatrixSelector&>(e).vector_selector);
      default:
        return false;
    }
  }

  static void PinAt(Expr& e, int64_t ts) {
    switch (e.kind) {
      case NodeKind::kVectorSelector: {
        auto& vs = static_cast<VectorSelector&>(e);
        if (vs.time.at == AtModifier::kNone) {
          vs.time.at = AtModifier::kTimestamp;
          vs.time.at_ms = ts;
        }
        return;
      }
      case NodeKind::kMatrixSelector:
        PinAt(*static_cast<MatrixSelector&>(e).vector_selector, ts);
        return;
      case NodeKind::kSubquery: {
        auto& sq = static_cast<SubqueryExpr&>(e);
        if (sq.time.at == AtModifier::kNone) {
          sq.time.at = AtModifier::kTimestamp;
          sq.time.at_ms = ts;
        }
        return;  // inner selectors stay relative to the subquery
      }
      case NodeKind::kCall:
        for (auto& a : static_cast<Call&>(e).args) PinAt(*a, ts);
        return;
      case NodeKind::kAggregate: {
        auto& a = static_cast<AggregateExpr&>(e);
        if (a.param) PinAt(*a.param, ts);
        PinAt(*a.expr, ts);
        return;
      }
      case NodeKind::kBinary:
        PinAt(*static_cast<BinaryExpr&>(e).lhs, ts);
        PinAt(*static_cast<BinaryExpr&>(e).rhs, ts);
        return;
      case NodeKind::kUnary:
        PinAt(*static_cast<UnaryExpr&>(e).expr, ts);
        return;
      case NodeKind::kParen:
        PinAt(*static_cast<ParenExpr&>(e).expr, ts);
        return;
      default:
        return;
    }
  }

  // One instant evaluation and its checks; `exact_annotations` false compares only whether
  // warnings/infos are present (pinned variants print differently in Prometheus).
  std::string CheckInstantOnce(const Expr& e, const std::string& text, int64_t ts,
                               const Expectations& ex, bool exact_annotations, bool range_check) {
    auto r = engine_.InstantQuery(*head_, e, ts, {}, text);
    if (ex.fail) return CheckError(r.status(), ex);
    if (!r.ok()) return absl::StrCat("unexpected error: ", r.status().ToString());
    if (exact_annotations) {
      std::string a = CheckAnnotations(ex, *r);
      if (!a.empty()) return a;
    } else {
      if ((ex.warn && r->warnings.empty()) || (ex.no_warn && !r->warnings.empty())) {
        return "warning presence differs";
      }
      if ((ex.info && r->infos.empty()) || (ex.no_info && !r->infos.empty())) {
        return "info presence differs";
      }
    }
    std::string err = CompareInstantValue(*r, ex, ts);
    if (!err.empty()) return err;
    if (!range_check) return "";
    // FORMAT.md §7.1: the same expression as a range query around ts must agree.
    auto rr = engine_.RangeQuery(*head_, e, ts - 60000, ts + 60000, 60000, {}, text);
    if (!rr.ok()) return absl::StrCat("range-mode check: unexpected error: ", rr.status().ToString());
    const auto* m = std::get_if<Matrix>(&rr->value);
    if (m == nullptr) return "range-mode check: not a matrix";
    for (size_t i = 1; i < m->size(); ++i) {
      if (!((*m)[i - 1].labels < (*m)[i].labels)) return "range-mode check: matrix not sorted";
    }
    Vector at_ts;
    for (const auto& s : *m) {
      for (const auto& p : s.points) {
        if (p.t == ts) at_ts.push_back({s.labels, p.t, p.v});
      }
      for (const auto& p : s.histograms) {
        if (p.t == ts) at_ts.push_back({s.labels, p.t, 0, p.h});
      }
    }
    if (ex.scalar) {
      if (at_ts.size() != 1 || !at_ts[0].labels.empty() || !AlmostEqual(*ex.scalar, at_ts[0].v)) {
        return "range-mode check: scalar mismatch";
      }
      return "";
    }
    std::string c = CompareVector(at_ts, ex, false);
    if (!c.empty()) return "range-mode check: " + c;
    return "";
  }

  std::string CompareInstantValue(const Result& r, const Expectations& ex, int64_t ts) {
    if (ex.str) {
      const auto* s = std::get_if<String>(&r.value);
      if (s == nullptr) return "expected a string result";
      if (s->v != *ex.str) return absl::StrCat("expected string \"", *ex.str, "\", got \"", s->v, "\"");
      return "";
    }
    if (const auto* sc = std::get_if<Scalar>(&r.value)) {
      if (!ex.scalar) return absl::StrCat("got scalar ", FormatValue(sc->v), ", expected a vector");
      if (!AlmostEqual(*ex.scalar, sc->v)) {
        return absl::StrCat("expected scalar ", FormatValue(*ex.scalar), ", got ", FormatValue(sc->v));
      }
      return "";
    }
    if (ex.scalar) return "expected a scalar result";
    if (const auto* v = std::get_if<Vector>(&r.value)) {
      if (ex.range_vector) return "expected a range vector, got a vector";
      return CompareVector(*v, ex, ex.ordered);
    }
    if (const auto* m = std::get_if<Matrix>(&r.value)) {
      if (!ex.range_vector) return "got a matrix without `expect range vector`";
      if (ex.ordered) return "expect ordered on a matrix";
      (void)ts;
      return CompareMatrix(*m, ex, ex.rv_from, ex.rv_to, ex.rv_step);
    }
    return "unexpected result type";
  }

  std::string file_;
  RunOptions opts_;
  std::map<int, int> tiers_;
  std::unique_ptr<tsdb::Head> head_;
  // The storage refused the loaded histograms: the evals until the next `clear` are skipped.
  bool histograms_refused_ = false;
  Engine engine_{[this] {
    EngineOptions o;
    o.max_samples = 50000000;
    o.timeout = absl::Seconds(100);
    o.parallelism = opts_.parallelism;
    o.max_threads = opts_.max_threads;
    if (opts_.max_steps_per_window != 0) o.max_steps_per_window = opts_.max_steps_per_window;
    o.use_start_timestamps = true;  // as the reference test engine (FORMAT.md §3.5)
    return o;
  }()};
};

}  // namespace

absl::StatusOr<TierMap> LoadTiers(const std::string& tsv_path) {
  std::ifstream in(tsv_path);
  if (!in) return absl::NotFoundError("cannot open " + tsv_path);
  TierMap m;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() < 4) continue;
    m[f[0]][std::atoi(f[1].c_str())] = std::atoi(f[3].c_str());
  }
  return m;
}

ScriptOutcome RunScript(const std::string& path, const std::string& file, const TierMap& tiers,
                        const RunOptions& opts) {
  Runner r(file, tiers, opts);
  return r.Run(path);
}

}  // namespace promlet::promql::testing
