#include "web/api/v1/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "common/go_format.h"

namespace promlet::web {

namespace {

inline char* WriteUint(char* p, uint64_t v) {
  return std::to_chars(p, p + 20, v).ptr;  // 20 digits: the longest uint64
}

// Characters that need escaping in a JSON string as Go writes it (HTML-safe).
struct EscapeTable {
  bool t[256];
  constexpr EscapeTable() : t() {
    for (int i = 0; i < 0x20; ++i) t[i] = true;
    t[static_cast<unsigned char>('"')] = true;
    t[static_cast<unsigned char>('\\')] = true;
    t[static_cast<unsigned char>('<')] = true;
    t[static_cast<unsigned char>('>')] = true;
    t[static_cast<unsigned char>('&')] = true;
    for (int i = 0x80; i < 0x100; ++i) t[i] = true;  // checked for validity
  }
};
constexpr EscapeTable kEscape;

// Length of the valid UTF-8 sequence at s[i], or 0 if invalid.
size_t Utf8Len(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
    if (c == 0xED && c1 >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c == 0xF0 && c1 < 0x90) return 0;
    if (c == 0xF4 && c1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

size_t FormatSampleValue(double v, char* buf) {
  double a = std::fabs(v);
  // Fast path: integers (counters, gauges of counts) print as themselves.
  if (a < 1e15 && v == static_cast<double>(static_cast<int64_t>(v)) && !(v == 0 && std::signbit(v))) {
    char* p = buf;
    int64_t i = static_cast<int64_t>(v);
    if (i < 0) {
      *p++ = '-';
      i = -i;
    }
    return static_cast<size_t>(WriteUint(p, static_cast<uint64_t>(i)) - buf);
  }
  // jsonutil.MarshalFloat: 'e' when 0 < |v| < 1e-6 or |v| >= 1e21 (NaN and infinities print
  // the same in both formats), else 'f'.
  char fmt = (a != 0 && (a < 1e-6 || a >= 1e21)) ? 'e' : 'f';
  return common::FormatGoFloat(v, fmt, buf);
}

std::string SampleValueString(double v) {
  char buf[kSampleValueMaxLen];
  return std::string(buf, FormatSampleValue(v, buf));
}

size_t FormatJsonNumber(double v, char* buf) {
  // encoding/json's floatEncoder: the same cut-offs as MarshalFloat, then "e-07" becomes "e-7".
  size_t n = FormatSampleValue(v, buf);
  if (n >= 4 && buf[n - 4] == 'e' && buf[n - 3] == '-' && buf[n - 2] == '0') {
    buf[n - 2] = buf[n - 1];
    --n;
  }
  return n;
}

size_t FormatTimestamp(int64_t ms, char* buf) {
  char* p = buf;
  uint64_t u;
  if (ms < 0) {
    *p++ = '-';
    u = static_cast<uint64_t>(-(ms + 1)) + 1;
  } else {
    u = static_cast<uint64_t>(ms);
  }
  p = WriteUint(p, u / 1000);
  uint64_t frac = u % 1000;
  if (frac != 0) {
    *p++ = '.';
    *p++ = static_cast<char>('0' + frac / 100);
    *p++ = static_cast<char>('0' + frac / 10 % 10);
    *p++ = static_cast<char>('0' + frac % 10);
  }
  return static_cast<size_t>(p - buf);
}

TimestampTexts::TimestampTexts(int64_t start, int64_t step, size_t count)
    : start_(start), step_(step > 0 ? step : 1), count_(step > 0 ? count : 0), texts_(count_) {
  for (size_t k = 0; k < count_; ++k) {
    char text[32];
    const size_t n = FormatTimestamp(start_ + static_cast<int64_t>(k) * step_, text);
    std::memcpy(texts_[k].data(), text, n);
    texts_[k][kSlot - 1] = static_cast<char>(n);
  }
}

char* TimestampTexts::Write(int64_t t, char* p) const {
  // Unsigned: a t before start_ (or far past it) wraps to an index beyond count_.
  const uint64_t offset = static_cast<uint64_t>(t) - static_cast<uint64_t>(start_);
  const uint64_t k = offset / static_cast<uint64_t>(step_);
  if (k < count_ && offset % static_cast<uint64_t>(step_) == 0) {
    const std::array<char, kSlot>& slot = texts_[k];
    std::memcpy(p, slot.data(), kSlot);
    return p + static_cast<unsigned char>(slot[kSlot - 1]);
  }
  return p + FormatTimestamp(t, p);
}

void JsonWriter::Open(char c) {
  if (after_key_) {
    after_key_ = false;
  } else {
    Separate();
  }
  out_->push_back(c);
  need_comma_ = false;
  ++depth_;
}

void JsonWriter::Close(char c) {
  out_->push_back(c);
  need_comma_ = true;
  --depth_;
}

void JsonWriter::Key(std::string_view k) {
  Separate();
  out_->push_back('"');
  AppendEscaped(k);
  out_->append("\":", 2);
  after_key_ = true;
}

#define PROMLET_JSON_VALUE_PREFIX() \
  do {                              \
    if (after_key_) {               \
      after_key_ = false;           \
      need_comma_ = true;           \
    } else {                        \
      Separate();                   \
    }                               \
  } while (0)

void JsonWriter::String(std::string_view s) {
  PROMLET_JSON_VALUE_PREFIX();
  out_->push_back('"');
  AppendEscaped(s);
  out_->push_back('"');
}

void JsonWriter::Int(int64_t v) {
  PROMLET_JSON_VALUE_PREFIX();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, r.ptr);
}

void JsonWriter::Uint(uint64_t v) {
  PROMLET_JSON_VALUE_PREFIX();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, r.ptr);
}

void JsonWriter::Double(double v) {
  PROMLET_JSON_VALUE_PREFIX();
  if (!std::isfinite(v)) {
    out_->append("null");
    return;
  }
  char buf[kSampleValueMaxLen];
  out_->append(buf, FormatJsonNumber(v, buf));
}

void JsonWriter::Bool(bool b) {
  PROMLET_JSON_VALUE_PREFIX();
  out_->append(b ? "true" : "false");
}

void JsonWriter::Null() {
  PROMLET_JSON_VALUE_PREFIX();
  out_->append("null");
}

void JsonWriter::Raw(std::string_view json) {
  PROMLET_JSON_VALUE_PREFIX();
  out_->append(json);
}

void JsonWriter::RawDeflated(const common::DeflatedPiece& json) {
  PROMLET_JSON_VALUE_PREFIX();
  gzip_->Append(*out_);
  out_->clear();
  gzip_->AppendDeflated(json);
  compressed_ = true;
}

void JsonWriter::SampleValue(double v) {
  PROMLET_JSON_VALUE_PREFIX();
  char buf[kSampleValueMaxLen + 2];
  buf[0] = '"';
  size_t n = FormatSampleValue(v, buf + 1);
  buf[n + 1] = '"';
  out_->append(buf, n + 2);
}

void JsonWriter::Timestamp(int64_t ms) {
  PROMLET_JSON_VALUE_PREFIX();
  char buf[32];
  out_->append(buf, FormatTimestamp(ms, buf));
}

void JsonWriter::Point(int64_t t, double v) {
  static const TimestampTexts kNoGrid;
  Point(t, v, kNoGrid);
}

void JsonWriter::Point(int64_t t, double v, const TimestampTexts& texts) {
  PROMLET_JSON_VALUE_PREFIX();
  char buf[kSampleValueMaxLen + 64];
  char* p = buf;
  *p++ = '[';
  p = texts.Write(t, p);
  *p++ = ',';
  *p++ = '"';
  p += FormatSampleValue(v, p);
  *p++ = '"';
  *p++ = ']';
  out_->append(buf, static_cast<size_t>(p - buf));
}

void JsonWriter::ScalarPoint(int64_t t, double v) {
  BeginArray();
  Double(static_cast<double>(t) / 1000);
  PROMLET_JSON_VALUE_PREFIX();
  out_->push_back('"');
  common::AppendGoFloat(out_, v, 'f');
  out_->push_back('"');
  EndArray();
}

void JsonWriter::LabelSet(const model::Labels& labels) {
  BeginObject();
  for (const auto& l : labels) {
    Key(l.name);
    String(l.value);
  }
  EndObject();
}

void JsonWriter::AppendEscaped(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  size_t start = 0;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!kEscape.t[c]) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t n = Utf8Len(s, i);
      if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
          (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
           static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
        out_->append(s.data() + start, i - start);
        out_->append(static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
        i += 3;
        start = i;
        continue;
      }
      if (n != 0) {
        i += n;
        continue;
      }
      out_->append(s.data() + start, i - start);
      out_->append("\\ufffd");
      ++i;
      start = i;
      continue;
    }
    out_->append(s.data() + start, i - start);
    switch (c) {
      case '"': out_->append("\\\""); break;
      case '\\': out_->append("\\\\"); break;
      case '\n': out_->append("\\n"); break;
      case '\r': out_->append("\\r"); break;
      case '\t': out_->append("\\t"); break;
      default: {
        char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out_->append(u, 6);
      }
    }
    ++i;
    start = i;
  }
  out_->append(s.data() + start, s.size() - start);
}

}  // namespace promlet::web
