// Prometheus' template functions (prometheus/template/template.go and
// prometheus/common/helpers/templates): query and its helpers, the humanize family, time
// conversion, string and regexp helpers, links and URLs.
#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "common/utf8.h"
#include "re2/re2.h"
#include "rules/template/funcs.h"
#include "rules/template/go_fmt.h"
#include "rules/template/template.h"
#include "rules/template/text_funcs.h"

namespace promlet::rules::tmpl {

Value MakeSample(const model::Labels& labels, double value) {
  MapData m;
  for (const auto& l : labels) m.emplace(l.name, Value::String(l.value));
  auto st = std::make_shared<StructData>();
  st->type_name = "template.sample";
  st->fields.emplace_back("Labels", Value::Map(std::move(m), false));
  st->fields.emplace_back("Value", Value::Float(value));
  Value v;
  v.kind = Kind::kStruct;
  v.pointer = true;
  v.st = std::move(st);
  return v;
}

namespace {

constexpr char kNilDeref[] = "runtime error: invalid memory address or nil pointer dereference";

// strconv.ParseFloat(s, 64) with Go's error texts.
bool GoParseFloat(const std::string& s, double* out, std::string* err) {
  auto syntax = [&] {
    *err = "strconv.ParseFloat: parsing " + common::GoQuote(s) + ": invalid syntax";
    return false;
  };
  std::string_view b = s;
  bool neg = false;
  if (!b.empty() && (b[0] == '+' || b[0] == '-')) {
    neg = b[0] == '-';
    b.remove_prefix(1);
  }
  std::string lower;
  for (char c : b) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  if (lower == "inf" || lower == "infinity") {
    *out = neg ? -HUGE_VAL : HUGE_VAL;
    return true;
  }
  if (lower == "nan") {
    if (s[0] == '+' || s[0] == '-') return syntax();
    *out = std::nan("");
    return true;
  }
  // [digits][.digits][(e|p)[sign]digits], hex needs the p exponent; underscores only after a
  // base prefix.
  bool hex = lower.size() > 1 && lower[0] == '0' && lower[1] == 'x';
  size_t i = hex ? 2 : 0;
  bool digits = false, underscores = false;
  auto is_digit = [&](char c) {
    return (c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f');
  };
  for (; i < lower.size() && (is_digit(lower[i]) || lower[i] == '_'); ++i) {
    digits = digits || lower[i] != '_';
    underscores = underscores || lower[i] == '_';
  }
  if (i < lower.size() && lower[i] == '.') {
    for (++i; i < lower.size() && (is_digit(lower[i]) || lower[i] == '_'); ++i) {
      digits = digits || lower[i] != '_';
      underscores = underscores || lower[i] == '_';
    }
  }
  if (!digits) return syntax();
  if (i < lower.size() && lower[i] == (hex ? 'p' : 'e')) {
    ++i;
    if (i < lower.size() && (lower[i] == '+' || lower[i] == '-')) ++i;
    size_t start = i;
    while (i < lower.size() && ((lower[i] >= '0' && lower[i] <= '9') || lower[i] == '_')) ++i;
    if (i == start) return syntax();
  } else if (hex) {
    return syntax();
  }
  if (i != lower.size() || (underscores && !hex)) return syntax();
  std::string clean;
  for (char c : s) {
    if (c != '_') clean.push_back(c);
  }
  errno = 0;
  double v = std::strtod(clean.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(v)) {
    *err = "strconv.ParseFloat: parsing " + common::GoQuote(s) + ": value out of range";
    return false;
  }
  *out = v;
  return true;
}

// common/helpers/templates.ConvertToFloat.
bool ConvertToFloat(const Value& v, double* out, std::string* err) {
  switch (v.kind) {
    case Kind::kFloat: *out = v.f; return true;
    case Kind::kInt: *out = static_cast<double>(v.i); return true;
    case Kind::kString:
      if (!v.html) return GoParseFloat(v.s, out, err);
      break;
    default: break;
  }
  *err = "can't convert " + v.TypeName() + " to float";
  return false;
}

std::string G4(double v) { return GoFormatFloat(v, 'g', 4); }

bool Humanize(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  double v;
  if (!ConvertToFloat(a[0], &v, err)) return false;
  if (v == 0 || std::isnan(v) || std::isinf(v)) {
    *out = Value::String(G4(v));
    return true;
  }
  std::string prefix;
  if (std::fabs(v) >= 1) {
    for (const char* p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
  } else {
    for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
      if (std::fabs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  *out = Value::String(G4(v) + prefix);
  return true;
}

bool Humanize1024(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  double v;
  if (!ConvertToFloat(a[0], &v, err)) return false;
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) {
    *out = Value::String(G4(v));
    return true;
  }
  std::string prefix;
  for (const char* p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  *out = Value::String(G4(v) + prefix);
  return true;
}

bool HumanizeDuration(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  double v;
  if (!ConvertToFloat(a[0], &v, err)) return false;
  if (std::isnan(v) || std::isinf(v)) {
    *out = Value::String(G4(v));
    return true;
  }
  if (v == 0) {
    *out = Value::String(G4(v) + "s");
    return true;
  }
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    // Go's int64(v): values beyond int64 convert to MinInt64 on amd64.
    int64_t d = v < 9223372036854775808.0 ? static_cast<int64_t>(v) : INT64_MIN;
    int64_t seconds = d % 60, minutes = (d / 60) % 60, hours = (d / 60 / 60) % 24,
            days = d / 60 / 60 / 24;
    if (days != 0) {
      *out = Value::String(absl::StrCat(sign, days, "d ", hours, "h ", minutes, "m ", seconds, "s"));
    } else if (hours != 0) {
      *out = Value::String(absl::StrCat(sign, hours, "h ", minutes, "m ", seconds, "s"));
    } else if (minutes != 0) {
      *out = Value::String(absl::StrCat(sign, minutes, "m ", seconds, "s"));
    } else {
      *out = Value::String(sign + G4(v) + "s");
    }
    return true;
  }
  std::string prefix;
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  *out = Value::String(G4(v) + prefix + "s");
  return true;
}

bool HumanizePercentage(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  double v;
  if (!ConvertToFloat(a[0], &v, err)) return false;
  *out = Value::String(G4(v * 100) + "%");
  return true;
}

// templates.FloatToTime: seconds to a UTC time with millisecond precision (model.Time).
bool FloatToTime(double v, int64_t* nanos, std::string* err, bool* nan_or_inf) {
  *nan_or_inf = false;
  if (std::isnan(v) || std::isinf(v)) {
    *nan_or_inf = true;
    *err = "value is NaN or Inf";
    return false;
  }
  double ts = v * 1e9;
  if (ts > 9223372036854775807.0 || ts < -9223372036854775808.0) {
    std::string s;
    AppendGoValue(&s, Value::Float(v));
    *err = s + " cannot be represented as a nanoseconds timestamp since it overflows int64";
    return false;
  }
  int64_t ns = ts >= 9223372036854775807.0 ? INT64_MIN : static_cast<int64_t>(ts);
  int64_t ms = ns / 1000000;
  *nanos = ms * 1000000;
  return true;
}

bool HumanizeTimestamp(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  double v;
  if (!ConvertToFloat(a[0], &v, err)) return false;
  int64_t ns;
  bool nan_or_inf;
  if (!FloatToTime(v, &ns, err, &nan_or_inf)) {
    if (!nan_or_inf) return false;
    *out = Value::String(G4(v));
    return true;
  }
  *out = Value::String(GoTimeString(ns));
  return true;
}

bool ToTime(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  double v;
  if (!ConvertToFloat(a[0], &v, err)) return false;
  int64_t ns;
  bool nan_or_inf;
  if (!FloatToTime(v, &ns, err, &nan_or_inf)) return false;
  *out = Value::Time(ns);
  return true;
}

bool ToDuration(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  double v;
  if (!ConvertToFloat(a[0], &v, err)) return false;
  double ns = v * 1e9;
  *out = Value::Duration(ns >= -9223372036854775808.0 && ns < 9223372036854775808.0
                             ? static_cast<int64_t>(ns)
                             : INT64_MIN);
  return true;
}

bool Now(const FuncContext& c, std::vector<Value>&, Value* out, std::string*) {
  *out = Value::Float(static_cast<double>(c.data->eval_time_ms) / 1000.0);
  return true;
}

bool ParseDurationFn(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  std::string_view d = a[0].s;
  bool neg = !d.empty() && d[0] == '-';
  if (neg) d.remove_prefix(1);
  absl::StatusOr<int64_t> ms = common::ParseDuration(d);
  if (!ms.ok()) {
    *err = std::string(ms.status().message());
    return false;
  }
  *out = Value::Float(static_cast<double>(neg ? -*ms : *ms) / 1000.0);
  return true;
}

bool Query(const FuncContext& c, std::vector<Value>& a, Value* out, std::string* err) {
  if (!c.data->query) {
    *err = "no query engine available to templates here";
    return false;
  }
  absl::StatusOr<std::vector<QuerySample>> r = c.data->query(a[0].s);
  if (!r.ok()) {
    *err = std::string(r.status().message());
    return false;
  }
  auto list = std::make_shared<ListData>();
  list->items.reserve(r->size());
  for (const QuerySample& s : *r) list->items.push_back(MakeSample(s.labels, s.value));
  out->kind = Kind::kList;
  out->list = std::move(list);
  return true;
}

bool First(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  if (a[0].list && !a[0].list->items.empty()) {
    *out = a[0].list->items[0];
    return true;
  }
  *err = "first() called on vector with no elements";
  return false;
}

const Value* SampleField(const Value& s, const char* name, std::string* err) {
  if (!s.st) {
    *err = kNilDeref;
    return nullptr;
  }
  return s.st->Field(name);
}

std::string LabelOf(const Value& sample, const std::string& name) {
  const Value* labels = sample.st->Field("Labels");
  auto it = labels->map->find(name);
  return it == labels->map->end() ? std::string() : it->second.s;
}

bool Label(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  if (!SampleField(a[1], "Labels", err)) return false;
  *out = Value::String(LabelOf(a[1], a[0].s));
  return true;
}

bool ValueFn(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  const Value* v = SampleField(a[0], "Value", err);
  if (v == nullptr) return false;
  *out = *v;
  return true;
}

bool StrValue(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  if (!SampleField(a[0], "Labels", err)) return false;
  *out = Value::String(LabelOf(a[0], "__value__"));
  return true;
}

bool Args(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  MapData m;
  for (size_t i = 0; i < a.size(); ++i) m.emplace(absl::StrCat("arg", i), a[i]);
  *out = Value::Map(std::move(m), true);
  return true;
}

bool SortByLabel(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  Value v = a[1];
  if (v.list) {
    for (const Value& s : v.list->items) {
      if (!s.st) {
        *err = kNilDeref;
        return false;
      }
    }
    const std::string& by = a[0].s;
    std::stable_sort(v.list->items.begin(), v.list->items.end(),
                     [&](const Value& x, const Value& y) { return LabelOf(x, by) < LabelOf(y, by); });
  }
  *out = v;
  return true;
}

// A compiled Go regexp (RE2 is Go's syntax), cached: alert templates repeat their patterns.
std::shared_ptr<const re2::RE2> Compile(const std::string& pattern) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const re2::RE2>>* cache =
      new std::map<std::string, std::shared_ptr<const re2::RE2>>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(pattern);
  if (it != cache->end()) return it->second;
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(pattern, opts);
  if (cache->size() >= 256) cache->clear();
  cache->emplace(pattern, re);
  return re;
}

bool Match(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  auto re = Compile(a[0].s);
  if (!re->ok()) {
    *err = GoRegexpError(*re);
    return false;
  }
  *out = Value::Bool(re2::RE2::PartialMatch(a[1].s, *re));
  return true;
}

bool ReReplaceAll(const FuncContext&, std::vector<Value>& a, Value* out, std::string* err) {
  auto re = Compile(a[0].s);
  if (!re->ok()) {
    std::string q = a[0].s.find('`') == std::string::npos ? "`" + a[0].s + "`"
                                                          : common::GoQuote(a[0].s);
    *err = "regexp: Compile(" + q + "): " + GoRegexpError(*re);
    return false;
  }
  *out = Value::String(GoReplaceAll(*re, a[2].s, a[1].s));
  return true;
}

bool StringFn(std::vector<Value>& a, Value* out, std::string (*f)(std::string_view)) {
  *out = Value::String(f(a[0].s));
  return true;
}
bool Title(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  return StringFn(a, out, GoTitle);
}
bool ToUpper(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  return StringFn(a, out, GoToUpper);
}
bool ToLower(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  return StringFn(a, out, GoToLower);
}
bool SafeHtml(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  *out = Value::String(a[0].s, /*html=*/true);
  return true;
}
bool GraphLink(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  *out = Value::String(GraphLinkForExpression(a[0].s));
  return true;
}
bool TableLink(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  *out = Value::String(TableLinkForExpression(a[0].s));
  return true;
}
bool UrlQueryEscape(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  *out = Value::String(GoQueryEscape(a[0].s));
  return true;
}
bool ExternalUrl(const FuncContext& c, std::vector<Value>&, Value* out, std::string*) {
  *out = Value::String(c.data->external_url);
  return true;
}
bool PathPrefix(const FuncContext& c, std::vector<Value>&, Value* out, std::string*) {
  *out = Value::String(UrlPath(c.data->external_url));
  return true;
}

bool StripPort(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  std::string host, port;
  *out = Value::String(SplitHostPort(a[0].s, &host, &port) ? host : a[0].s);
  return true;
}

bool IsIp(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool StripDomain(const FuncContext&, std::vector<Value>& a, Value* out, std::string*) {
  const std::string& hp = a[0].s;
  std::string host, port;
  if (!SplitHostPort(hp, &host, &port)) {
    host = hp;
    port.clear();
  }
  if (IsIp(host)) {
    *out = Value::String(hp);
    return true;
  }
  host = host.substr(0, host.find('.'));
  if (!port.empty()) {
    host = host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
  }
  *out = Value::String(host);
  return true;
}

}  // namespace

void AddPrometheusFuncs(FuncTable* t) {
  using P = Param;
  auto add = [t](const char* name, std::vector<Param> params, bool variadic, FuncImpl impl) {
    (*t)[name] = Func{std::move(params), variadic, false, impl};
  };
  add("query", {P::kString}, false, Query);
  add("first", {P::kQueryResult}, false, First);
  add("label", {P::kString, P::kSample}, false, Label);
  add("value", {P::kSample}, false, ValueFn);
  add("strvalue", {P::kSample}, false, StrValue);
  add("args", {P::kAny}, true, Args);
  add("reReplaceAll", {P::kString, P::kString, P::kString}, false, ReReplaceAll);
  add("safeHtml", {P::kString}, false, SafeHtml);
  add("match", {P::kString, P::kString}, false, Match);
  add("title", {P::kString}, false, Title);
  add("toUpper", {P::kString}, false, ToUpper);
  add("toLower", {P::kString}, false, ToLower);
  add("graphLink", {P::kString}, false, GraphLink);
  add("tableLink", {P::kString}, false, TableLink);
  add("sortByLabel", {P::kString, P::kQueryResult}, false, SortByLabel);
  add("stripPort", {P::kString}, false, StripPort);
  add("stripDomain", {P::kString}, false, StripDomain);
  add("humanize", {P::kAny}, false, Humanize);
  add("humanize1024", {P::kAny}, false, Humanize1024);
  add("humanizeDuration", {P::kAny}, false, HumanizeDuration);
  add("humanizePercentage", {P::kAny}, false, HumanizePercentage);
  add("humanizeTimestamp", {P::kAny}, false, HumanizeTimestamp);
  add("toTime", {P::kAny}, false, ToTime);
  add("toDuration", {P::kAny}, false, ToDuration);
  add("now", {}, false, Now);
  add("pathPrefix", {}, false, PathPrefix);
  add("externalURL", {}, false, ExternalUrl);
  add("parseDuration", {P::kString}, false, ParseDurationFn);
  add("urlQueryEscape", {P::kString}, false, UrlQueryEscape);
}

const FuncTable& TemplateFuncs() {
  static const FuncTable* table = [] {
    auto* t = new FuncTable();
    AddBuiltinFuncs(t);
    AddPrometheusFuncs(t);
    return t;
  }();
  return *table;
}

}  // namespace promlet::rules::tmpl
