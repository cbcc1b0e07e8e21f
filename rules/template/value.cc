#include "rules/template/value.h"

#include <cstdio>

#include "common/civil_days.h"

namespace promlet::rules::tmpl {

Value Value::StringMap(const std::map<std::string, std::string>& m) {
  MapData data;
  for (const auto& [k, v] : m) data.emplace_hint(data.end(), k, Value::String(v));
  return Map(std::move(data), false);
}

std::string Value::TypeName() const {
  switch (kind) {
    case Kind::kInvalid: return "<nil>";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float64";
    case Kind::kString: return html ? "template.HTML" : "string";
    case Kind::kMap: return any_elems ? "map[string]interface {}" : "map[string]string";
    case Kind::kList: return "template.queryResult";
    case Kind::kStruct: return (pointer ? "*" : "") + (st ? st->type_name : std::string("struct {}"));
    case Kind::kTime: return "*time.Time";
    case Kind::kDuration: return "*time.Duration";
  }
  return "<nil>";
}

Value MapZero(const Value& map) {
  if (map.any_elems) {
    Value v;
    v.nil_iface = true;
    return v;
  }
  return Value::String("");
}

bool IsTrue(const Value& v, bool* ok) {
  if (ok != nullptr) *ok = true;
  switch (v.kind) {
    case Kind::kInvalid: return false;
    case Kind::kBool: return v.b;
    case Kind::kInt: return v.i != 0;
    case Kind::kFloat: return v.f != 0;
    case Kind::kString: return !v.s.empty();
    case Kind::kMap: return v.map && !v.map->empty();
    case Kind::kList: return v.list && !v.list->items.empty();
    case Kind::kStruct: return true;  // a struct is true; a non-nil pointer is true
    case Kind::kTime:
    case Kind::kDuration: return true;  // non-nil pointers
  }
  return false;
}

int64_t Length(const Value& v) {
  switch (v.kind) {
    case Kind::kString: return static_cast<int64_t>(v.s.size());
    case Kind::kMap: return v.map ? static_cast<int64_t>(v.map->size()) : 0;
    case Kind::kList: return v.list ? static_cast<int64_t>(v.list->items.size()) : 0;
    default: return -1;
  }
}

namespace {

using common::CivilFromDays;

// Go's fmtFrac: appends (to a reversed buffer) the fraction v / 10^prec without trailing zeros,
// and without the point when it is zero; returns the integer part.
uint64_t FmtFracReversed(std::string* rev, uint64_t v, int prec) {
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    auto digit = static_cast<char>(v % 10);
    print = print || digit != 0;
    if (print) rev->push_back(static_cast<char>('0' + digit));
    v /= 10;
  }
  if (print) rev->push_back('.');
  return v;
}

// Go's fmtInt into a reversed buffer.
void FmtIntReversed(std::string* rev, uint64_t v) {
  do {
    rev->push_back(static_cast<char>('0' + v % 10));
    v /= 10;
  } while (v != 0);
}

}  // namespace

std::string GoTimeString(int64_t unix_nanos) {
  int64_t secs = unix_nanos / 1000000000;
  int64_t nanos = unix_nanos % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld", static_cast<long long>(y),
                m, d, static_cast<long long>(sod / 3600), static_cast<long long>(sod / 60 % 60),
                static_cast<long long>(sod % 60));
  std::string out = buf;
  if (nanos != 0) {
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(nanos));
    std::string frac = buf;
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  out += " +0000 UTC";
  return out;
}

std::string GoDurationString(int64_t nanos) {
  if (nanos == 0) return "0s";
  bool neg = nanos < 0;
  uint64_t u = neg ? 0 - static_cast<uint64_t>(nanos) : static_cast<uint64_t>(nanos);
  std::string rev;  // built right to left, as Go does
  if (u < 1000000000ULL) {
    int prec;
    if (u < 1000ULL) {
      prec = 0;
      rev = "sn";
    } else if (u < 1000000ULL) {
      prec = 3;
      rev = "s\xB5\xC2";  // "µs" reversed byte-wise
    } else {
      prec = 6;
      rev = "sm";
    }
    u = FmtFracReversed(&rev, u, prec);
    FmtIntReversed(&rev, u);
  } else {
    rev = "s";
    u = FmtFracReversed(&rev, u, 9);
    FmtIntReversed(&rev, u % 60);
    u /= 60;
    if (u > 0) {
      rev.push_back('m');
      FmtIntReversed(&rev, u % 60);
      u /= 60;
      if (u > 0) {
        rev.push_back('h');
        FmtIntReversed(&rev, u);
      }
    }
  }
  if (neg) rev.push_back('-');
  return std::string(rev.rbegin(), rev.rend());
}

}  // namespace promlet::rules::tmpl
