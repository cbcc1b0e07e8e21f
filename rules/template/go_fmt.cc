#include "rules/template/go_fmt.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/go_format.h"
#include "common/utf8.h"

namespace promlet::rules::tmpl {
namespace {

struct Flags {
  bool plus = false, minus = false, sharp = false, space = false, zero = false;
  bool plus_v = false, sharp_v = false;
  bool has_width = false, has_prec = false;
  int width = 0, prec = 0;
};

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    uint32_t r;
    int len = common::DecodeRune(s, i, &r);
    i += len == 0 ? 1 : static_cast<size_t>(len);
    ++n;
  }
  return n;
}

// strconv.QuoteToASCII.
std::string QuoteAscii(std::string_view s) {
  std::string q = common::GoQuote(s), out;
  for (size_t i = 0; i < q.size();) {
    uint32_t r;
    int len = common::DecodeRune(q, i, &r);
    if (len <= 1) {
      out.push_back(q[i]);
      ++i;
      continue;
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, r < 0x10000 ? "\\u%04x" : "\\U%08x", r);
    out += buf;
    i += static_cast<size_t>(len);
  }
  return out;
}

// Go's '#' flag for floats: always a decimal point, and %g keeps its trailing zeros. `num`
// starts with its sign.
std::string SharpFloat(std::string num, uint32_t verb, int prec) {
  int digits = 0;
  if (verb == 'g' || verb == 'G' || verb == 'x') digits = prec == -1 ? 6 : prec;
  std::string tail;
  bool has_point = false, saw_nonzero = false;
  for (size_t i = 1; i < num.size(); ++i) {
    char c = num[i];
    if (c == '.') {
      has_point = true;
    } else if (c == 'p' || c == 'P' || ((c == 'e' || c == 'E') && verb != 'x' && verb != 'X')) {
      tail = num.substr(i);
      num.resize(i);
      break;
    } else {
      if (c != '0') saw_nonzero = true;
      if (saw_nonzero) --digits;
    }
  }
  if (!has_point) {
    if (num.size() == 2 && num[1] == '0') --digits;
    num.push_back('.');
  }
  if (digits > 0) num.append(static_cast<size_t>(digits), '0');
  return num + tail;
}

class Printer {
 public:
  explicit Printer(std::string* out) : out_(out) {}

  void PrintArg(const Value& v, uint32_t verb, const Flags& f, int depth);
  Flags flags;

 private:
  void Padding(int n, bool zero) {
    if (n > 0) out_->append(static_cast<size_t>(n), zero ? '0' : ' ');
  }
  void Pad(std::string_view s, const Flags& f) {
    if (!f.has_width || f.width == 0) {
      out_->append(s);
      return;
    }
    int n = f.width - static_cast<int>(RuneCount(s));
    if (!f.minus) {
      Padding(n, f.zero);
      out_->append(s);
    } else {
      out_->append(s);
      Padding(n, false);
    }
  }
  // Go's badVerb: the value printed with %v under the same width and flags.
  void BadVerb(const Value& v, uint32_t verb, const Flags& f = Flags()) {
    out_->append("%!");
    common::AppendRune(out_, verb);
    out_->push_back('(');
    if (v.valid()) {
      out_->append(v.TypeName());
      out_->push_back('=');
      Flags plain = f;
      plain.sharp_v = plain.plus_v = false;
      PrintArg(v, 'v', plain, 0);
    } else {
      out_->append("<nil>");
    }
    out_->push_back(')');
  }
  void FmtFloat(double v, uint32_t verb, const Flags& f);
  void FmtInteger(int64_t v, uint32_t verb, const Flags& f);
  void FmtString(std::string_view s, uint32_t verb, const Flags& f);
  void FmtComposite(const Value& v, uint32_t verb, const Flags& f, int depth);

  std::string* out_;
};

void Printer::FmtFloat(double v, uint32_t verb, const Flags& f) {
  int prec = -1;
  char fmt;
  switch (verb) {
    case 'v': fmt = 'g'; break;
    case 'g': case 'G': case 'x': case 'X': fmt = static_cast<char>(verb); break;
    case 'f': case 'F': case 'e': case 'E': fmt = static_cast<char>(verb); prec = 6; break;
    default: BadVerb(Value::Float(v), verb, f); return;
  }
  if (f.has_prec) prec = f.prec;
  std::string num = GoFormatFloat(v, fmt == 'F' ? 'f' : fmt, prec);
  if (num[0] != '-' && num[0] != '+') num = "+" + num;
  if (f.space && num[0] == '+' && !f.plus) num[0] = ' ';
  if (num[1] == 'I' || num[1] == 'N') {
    if (num[1] == 'N' && !f.space && !f.plus) num = num.substr(1);
    Flags nz = f;
    nz.zero = false;
    Pad(num, nz);
    return;
  }
  if (f.sharp) num = SharpFloat(num, verb, prec);
  if (f.plus || num[0] != '+') {
    if (f.zero && !f.minus && f.has_width && f.width > static_cast<int>(num.size())) {
      out_->push_back(num[0]);
      Padding(f.width - static_cast<int>(num.size()), true);
      out_->append(num, 1);
      return;
    }
    Pad(num, f);
    return;
  }
  Pad(std::string_view(num).substr(1), f);
}

void Printer::FmtInteger(int64_t v, uint32_t verb, const Flags& f) {
  int base;
  const char* digits = "0123456789abcdefx";
  switch (verb) {
    case 'v': case 'd': base = 10; break;
    case 'b': base = 2; break;
    case 'o': case 'O': base = 8; break;
    case 'x': base = 16; break;
    case 'X': base = 16; digits = "0123456789ABCDEFX"; break;
    case 'c': {
      std::string s;
      uint32_t r = (v < 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) ? 0xFFFD
                                                                          : static_cast<uint32_t>(v);
      common::AppendRune(&s, r);
      Pad(s, f);
      return;
    }
    case 'q': {
      uint32_t r = (v < 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) ? 0xFFFD
                                                                          : static_cast<uint32_t>(v);
      std::string s;
      common::AppendRune(&s, r);
      std::string q = r == '\'' ? std::string("\\'") : common::GoQuote(s);
      if (r != '\'') {
        if (q == "\"\\\"\"") q = "\"\"\"";  // a double quote needs no escape inside '...'
        q = q.substr(1, q.size() - 2);
      }
      Pad("'" + q + "'", f);
      return;
    }
    case 'U': {
      char buf[32];
      std::snprintf(buf, sizeof buf, "U+%04llX", static_cast<unsigned long long>(v));
      std::string s = buf;
      if (f.sharp && v >= 0 && v <= 0x10FFFF && common::IsPrintableRune(static_cast<uint32_t>(v))) {
        s += " '";
        common::AppendRune(&s, static_cast<uint32_t>(v));
        s += "'";
      }
      Pad(s, f);
      return;
    }
    default: BadVerb(Value::Int(v), verb, f); return;
  }
  bool negative = v < 0;
  uint64_t u = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  int prec = 0;
  if (f.has_prec) {
    prec = f.prec;
    if (prec == 0 && u == 0) {
      Padding(f.has_width ? f.width : 0, false);
      return;
    }
  } else if (f.zero && !f.minus && f.has_width) {
    prec = f.width;
    if (negative || f.plus || f.space) --prec;
  }
  // Built right to left, then reversed.
  std::string buf;
  do {
    buf.push_back(digits[u % static_cast<uint64_t>(base)]);
    u /= static_cast<uint64_t>(base);
  } while (u != 0);
  while (static_cast<int>(buf.size()) < prec) buf.push_back('0');
  if (f.sharp) {
    if (base == 2) buf += "b0";
    if (base == 8 && buf.back() != '0') buf.push_back('0');
    if (base == 16) {
      buf.push_back(digits[16]);
      buf.push_back('0');
    }
  }
  if (verb == 'O') buf += "o0";
  if (negative) {
    buf.push_back('-');
  } else if (f.plus) {
    buf.push_back('+');
  } else if (f.space) {
    buf.push_back(' ');
  }
  std::reverse(buf.begin(), buf.end());
  Flags nz = f;
  nz.zero = false;
  Pad(buf, nz);
}

std::string TruncateRunes(std::string_view s, const Flags& f) {
  if (!f.has_prec) return std::string(s);
  size_t i = 0;
  for (int n = 0; i < s.size() && n < f.prec; ++n) {
    uint32_t r;
    int len = common::DecodeRune(s, i, &r);
    i += len == 0 ? 1 : static_cast<size_t>(len);
  }
  return std::string(s.substr(0, i));
}

void Printer::FmtString(std::string_view s, uint32_t verb, const Flags& f) {
  switch (verb) {
    case 'v':
      if (f.sharp_v) {
        Pad(common::GoQuote(s), f);
        return;
      }
      [[fallthrough]];
    case 's':
      Pad(TruncateRunes(s, f), f);
      return;
    case 'x':
    case 'X': {
      const char* digits = verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
      size_t n = s.size();
      if (f.has_prec && static_cast<size_t>(f.prec) < n) n = static_cast<size_t>(f.prec);
      std::string buf;
      for (size_t i = 0; i < n; ++i) {
        if (f.space && i > 0) buf.push_back(' ');
        if (f.sharp && (f.space || i == 0)) {
          buf.push_back('0');
          buf.push_back(static_cast<char>(verb));
        }
        auto c = static_cast<unsigned char>(s[i]);
        buf.push_back(digits[c >> 4]);
        buf.push_back(digits[c & 0xF]);
      }
      Pad(buf, f);
      return;
    }
    case 'q': {
      std::string t = TruncateRunes(s, f);
      if (f.sharp && t.find('`') == std::string::npos &&
          common::GoQuote(t).find('\\') == std::string::npos) {
        Pad("`" + t + "`", f);
        return;
      }
      Pad(f.plus ? QuoteAscii(t) : common::GoQuote(t), f);
      return;
    }
    default:
      BadVerb(Value::String(std::string(s)), verb, f);
  }
}

void Printer::FmtComposite(const Value& v, uint32_t verb, const Flags& f, int depth) {
  switch (v.kind) {
    case Kind::kMap: {
      out_->append("map[");
      bool first = true;
      for (const auto& [k, e] : *v.map) {
        if (!first) out_->push_back(' ');
        first = false;
        FmtString(k, verb, f);
        out_->push_back(':');
        PrintArg(e, verb, f, depth + 1);
      }
      out_->push_back(']');
      return;
    }
    case Kind::kList: {
      out_->push_back('[');
      for (size_t i = 0; i < v.list->items.size(); ++i) {
        if (i > 0) out_->push_back(' ');
        PrintArg(v.list->items[i], verb, f, depth + 1);
      }
      out_->push_back(']');
      return;
    }
    case Kind::kStruct: {
      if (v.pointer) {
        if (depth > 0 && verb != 'v' && verb != 'p' && verb != 'b' && verb != 'o' &&
            verb != 'd' && verb != 'x' && verb != 'X') {
          Value top = v;
          out_->append("%!");
          common::AppendRune(out_, verb);
          out_->push_back('(');
          out_->append(v.TypeName());
          out_->push_back('=');
          PrintArg(top, 'v', Flags(), 0);
          out_->push_back(')');
          return;
        }
        if (depth > 0) {
          // Go prints the address of a nested pointer; there is none to print here.
          char buf[32];
          std::snprintf(buf, sizeof buf, "0xc%09llx",
                        static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(v.st.get()) &
                                                        0xFFFFFFFFFULL));
          out_->append(buf);
          return;
        }
        out_->push_back('&');
      }
      out_->push_back('{');
      bool first = true;
      for (const auto& [name, e] : v.st->fields) {
        if (!first) out_->push_back(' ');
        first = false;
        if (f.plus_v) {
          out_->append(name);
          out_->push_back(':');
        }
        if (e.valid()) {
          PrintArg(e, verb, f, depth + 1);
        } else {
          Pad("<nil>", f);
        }
      }
      out_->push_back('}');
      return;
    }
    default:
      return;
  }
}

void Printer::PrintArg(const Value& v, uint32_t verb, const Flags& f, int depth) {
  if (!v.valid()) {
    if (verb == 'T' || verb == 'v') {
      Pad("<nil>", f);
    } else {
      BadVerb(v, verb);
    }
    return;
  }
  if (verb == 'T') {
    Pad(v.TypeName(), f);
    return;
  }
  switch (v.kind) {
    case Kind::kBool:
      if (verb == 't' || verb == 'v') {
        Pad(v.b ? "true" : "false", f);
      } else {
        BadVerb(v, verb, f);
      }
      return;
    case Kind::kInt: FmtInteger(v.i, verb, f); return;
    case Kind::kFloat: FmtFloat(v.f, verb, f); return;
    case Kind::kString: FmtString(v.s, verb, f); return;
    case Kind::kTime:
    case Kind::kDuration:
      if (verb == 'v' || verb == 's' || verb == 'x' || verb == 'X' || verb == 'q') {
        FmtString(v.kind == Kind::kTime ? GoTimeString(v.i) : GoDurationString(v.i), verb, f);
      } else if (v.kind == Kind::kDuration) {
        FmtInteger(v.i, verb, f);  // a Duration is an int64 underneath
      } else {
        BadVerb(v, verb, f);
      }
      return;
    default: FmtComposite(v, verb, f, depth); return;
  }
}

// Go's parsenum: a decimal number at format[*i]; false when there is none. A number over 1e6
// is no number and consumes the rest of the format, as Go's does.
bool ParseNum(std::string_view format, size_t* i, int* n) {
  if (*i >= format.size() || format[*i] < '0' || format[*i] > '9') return false;
  int64_t x = 0;
  while (*i < format.size() && format[*i] >= '0' && format[*i] <= '9') {
    if (x > 1000000) {
      *i = format.size();
      return false;
    }
    x = x * 10 + (format[*i] - '0');
    ++*i;
  }
  *n = static_cast<int>(x);
  return true;
}

}  // namespace

std::string GoFormatFloat(double v, char fmt, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  bool upper = fmt == 'E' || fmt == 'G' || fmt == 'X';
  char lower = static_cast<char>(upper ? fmt - 'A' + 'a' : fmt);
  std::string s;
  if (lower == 'x') {
    char buf[64];
    auto r = prec < 0 ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::hex)
                      : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::hex,
                                      std::min(prec, 13));
    std::string h(buf, r.ptr);
    bool neg = !h.empty() && h[0] == '-';
    if (neg) h = h.substr(1);
    size_t p = h.find('p');
    std::string mant = h.substr(0, p), exp = h.substr(p + 1);
    char sign = '+';
    if (exp[0] == '-' || exp[0] == '+') {
      sign = exp[0];
      exp = exp.substr(1);
    }
    exp = std::string(1, sign) + (exp.size() < 2 ? "0" : "") + exp;
    s = std::string(neg ? "-" : "") + "0x" + mant + "p" + exp;
  } else if (prec < 0) {
    s = common::GoFloat(v, lower);
  } else {
    // to_chars prints the exact decimal digits for any precision, as Go does; the cap only
    // bounds the buffer (Go has none, but such outputs exceed the template output limit).
    constexpr int kMaxPrec = 4000;
    int p = lower == 'g' && prec == 0 ? 1 : std::min(prec, kMaxPrec);
    std::string buf(static_cast<size_t>(p) + 400, '\0');
    std::chars_format cf = lower == 'e'   ? std::chars_format::scientific
                           : lower == 'f' ? std::chars_format::fixed
                                          : std::chars_format::general;
    auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, cf, p);
    s.assign(buf.data(), r.ec == std::errc() ? r.ptr : buf.data());
    if (s.empty()) s.push_back('0');  // cannot happen: the buffer fits every double
  }
  if (upper) {
    for (char& c : s) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return s;
}

std::string GoSprintf(std::string_view format, const std::vector<Value>& args) {
  std::string out;
  Printer p(&out);
  size_t argn = 0;
  bool reordered = false;
  size_t i = 0;
  const size_t end = format.size();
  while (i < end) {
    size_t lasti = i;
    while (i < end && format[i] != '%') ++i;
    out.append(format.substr(lasti, i - lasti));
    if (i >= end) break;
    ++i;  // skip %
    Flags f;
    for (; i < end; ++i) {
      char c = format[i];
      if (c == '#') {
        f.sharp = true;
      } else if (c == '0') {
        f.zero = true;
      } else if (c == '+') {
        f.plus = true;
      } else if (c == '-') {
        f.minus = true;
      } else if (c == ' ') {
        f.space = true;
      } else {
        break;
      }
    }
    if (f.minus) f.zero = false;
    bool bad_index = false;
    // An explicit argument index, "[n]" (1-based), sets the next argument to use.
    auto arg_index = [&] {
      if (i >= end || format[i] != '[') return;
      reordered = true;
      size_t close = format.find(']', i);
      int n = 0;
      size_t k = i + 1;
      if (close == std::string_view::npos || !ParseNum(format, &k, &n) || k != close || n < 1 ||
          static_cast<size_t>(n) > args.size()) {
        bad_index = true;
        i = close == std::string_view::npos ? end : close + 1;
        return;
      }
      argn = static_cast<size_t>(n - 1);
      i = close + 1;
      reordered = true;
    };
    arg_index();
    // Width.
    if (i < end && format[i] == '*') {
      ++i;
      if (argn < args.size() && args[argn].kind == Kind::kInt && args[argn].i > -1000000 &&
          args[argn].i < 1000000) {
        f.has_width = true;
        f.width = static_cast<int>(args[argn].i);
        if (f.width < 0) {
          f.minus = true;
          f.zero = false;
          f.width = -f.width;
        }
      } else {
        out.append("%!(BADWIDTH)");
      }
      ++argn;
    } else {
      f.has_width = ParseNum(format, &i, &f.width);
    }
    // Precision.
    if (i + 1 <= end && i < end && format[i] == '.') {
      ++i;
      arg_index();
      if (i < end && format[i] == '*') {
        ++i;
        if (argn < args.size() && args[argn].kind == Kind::kInt && args[argn].i >= 0 &&
            args[argn].i < 1000000) {
          f.prec = static_cast<int>(args[argn].i);
          f.has_prec = true;
        } else {
          out.append("%!(BADPREC)");
        }
        ++argn;
      } else {
        f.has_prec = true;
        if (!ParseNum(format, &i, &f.prec)) f.prec = 0;
      }
    }
    arg_index();
    if (i >= end) {
      out.append("%!(NOVERB)");
      break;
    }
    uint32_t verb = static_cast<unsigned char>(format[i]);
    int len = 1;
    if (verb >= 0x80) {
      uint32_t r;
      len = common::DecodeRune(format, i, &r);
      if (len == 0) {
        len = 1;
        r = 0xFFFD;
      }
      verb = r;
    }
    i += static_cast<size_t>(len);
    if (verb == '%') {
      out.push_back('%');
      continue;
    }
    if (bad_index) {
      out.append("%!");
      common::AppendRune(&out, verb);
      out.append("(BADINDEX)");
      continue;
    }
    if (argn >= args.size()) {
      out.append("%!");
      common::AppendRune(&out, verb);
      out.append("(MISSING)");
      continue;
    }
    if (verb == 'v') {
      if (f.sharp) {
        f.sharp = false;
        f.sharp_v = true;
      }
      if (f.plus) {
        f.plus = false;
        f.plus_v = true;
      }
    }
    p.PrintArg(args[argn++], verb, f, 0);
  }
  if (!reordered && argn < args.size()) {
    out.append("%!(EXTRA ");
    for (size_t k = argn; k < args.size(); ++k) {
      if (k > argn) out.append(", ");
      if (!args[k].valid()) {
        out.append("<nil>");
      } else {
        out.append(args[k].TypeName());
        out.push_back('=');
        p.PrintArg(args[k], 'v', Flags(), 0);
      }
    }
    out.push_back(')');
  }
  return out;
}

std::string GoSprint(const std::vector<Value>& args) {
  std::string out;
  Printer p(&out);
  bool prev_string = false;
  for (size_t k = 0; k < args.size(); ++k) {
    bool is_string = args[k].kind == Kind::kString;
    if (k > 0 && !is_string && !prev_string) out.push_back(' ');
    p.PrintArg(args[k], 'v', Flags(), 0);
    prev_string = is_string;
  }
  return out;
}

std::string GoSprintln(const std::vector<Value>& args) {
  std::string out;
  Printer p(&out);
  for (size_t k = 0; k < args.size(); ++k) {
    if (k > 0) out.push_back(' ');
    p.PrintArg(args[k], 'v', Flags(), 0);
  }
  out.push_back('\n');
  return out;
}

void AppendGoValue(std::string* out, const Value& v, char verb) {
  Printer p(out);
  p.PrintArg(v, static_cast<unsigned char>(verb), Flags(), 0);
}

}  // namespace promlet::rules::tmpl
