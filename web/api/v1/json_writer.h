// JsonWriter: a streaming JSON encoder that appends to a std::string, writing what Prometheus'
// API writes (jsoniter in Go's standard-library-compatible mode).
//
// Invariants:
//  - Commas are placed by the writer: callers only open/close containers, write keys and values.
//  - Strings are escaped as Go's encoding/json does: '"' '\\' and control characters, HTML
//    characters < > & as \u003c \u003e \u0026, U+2028/U+2029, invalid UTF-8 as U+FFFD.
//  - Sample values are JSON strings formatted like Prometheus' jsonutil.MarshalFloat: Go
//    strconv 'f' format, shortest round-trip digits, except 'e' format when |v| < 1e-6 or
//    |v| >= 1e21; "NaN", "+Inf", "-Inf". All Go formatting is common::FormatGoFloat.
//  - Timestamps (int64 ms) of samples are JSON numbers in seconds: "<ms/1000>[.<3 digits>]",
//    as jsonutil.MarshalTimestamp (a fraction is always written with 3 digits: 1.500).
//  - Scalars and strings are written as promql.Scalar/String.MarshalJSON do: the time is the
//    float64 ms/1000 as encoding/json writes it (1700000000.5) and a scalar's value is Go's
//    'f' format at any magnitude ("0.0000001", "1000000000000000000000").
//  - Double() is encoding/json's float64: MarshalFloat's cut-offs with the exponent's leading
//    zero dropped ("1e-7", "1e+21").
// No allocation beyond growing the output string; nesting depth is bounded (kMaxDepth).
#ifndef PROMLET_WEB_API_V1_JSON_WRITER_H_
#define PROMLET_WEB_API_V1_JSON_WRITER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/gzip.h"
#include "model/labels.h"

namespace promlet::web {

// Longest sample value: MarshalFloat never writes more than 26 bytes ('f' only between 1e-6
// and 1e21).
inline constexpr size_t kSampleValueMaxLen = 32;

// Writes the Prometheus string form of a sample value (without quotes) into buf (at least
// kSampleValueMaxLen bytes); returns the length.
size_t FormatSampleValue(double v, char* buf);
std::string SampleValueString(double v);
// Writes v (finite) as encoding/json writes a float64 into buf (at least kSampleValueMaxLen
// bytes); returns the length.
size_t FormatJsonNumber(double v, char* buf);
// Writes the timestamp form described above into buf (>= 32 bytes); returns the length.
size_t FormatTimestamp(int64_t ms, char* buf);

// The texts of the timestamps start + k * step (k < count), formatted once for an answer whose
// series share them, as a range query's do: copying a text is cheaper than formatting it again
// for every series. A timestamp off that grid is formatted as usual.
class TimestampTexts {
 public:
  TimestampTexts() = default;  // no grid: every timestamp is formatted
  TimestampTexts(int64_t start, int64_t step, size_t count);
  // Writes t's text (FormatTimestamp's) at p, which has room for 32 bytes; returns its end.
  char* Write(int64_t t, char* p) const;

  static constexpr size_t kSlot = 24;  // the longest text (21 bytes), then its length

 private:
  int64_t start_ = 0;
  int64_t step_ = 1;
  size_t count_ = 0;
  std::vector<std::array<char, kSlot>> texts_;  // byte kSlot - 1: the text's length
};

class JsonWriter {
 public:
  static constexpr int kMaxDepth = 64;

  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view k);
  void String(std::string_view s);
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Double(double v);  // a JSON number (finite); non-finite become null
  void Bool(bool b);
  void Null();
  // Already-encoded JSON.
  void Raw(std::string_view json);
  // Prometheus sample value: a quoted string.
  void SampleValue(double v);
  void Timestamp(int64_t ms);
  // {"name":"value",...} in the label set's (sorted) order.
  void LabelSet(const model::Labels& labels);
  // [<timestamp>,"<value>"]
  void Point(int64_t t, double v);
  void Point(int64_t t, double v, const TimestampTexts& texts);
  // A promql.Scalar: [<ms/1000 as a JSON number>,"<value, Go 'f'>"].
  void ScalarPoint(int64_t t, double v);

  std::string* out() { return out_; }

  // Lets large parts of the answer arrive already deflated (RawDeflated): what the writer has
  // written so far and those parts then go to `gzip`, and the caller ends the answer by
  // appending what is left in *out() to it. Without a RawDeflated call nothing goes there.
  void CompressInto(common::GzipWriter* gzip) { gzip_ = gzip; }
  bool may_compress() const { return gzip_ != nullptr; }
  bool compressed() const { return compressed_; }
  // Raw(json) for json given as its DeflatePiece; only when may_compress().
  void RawDeflated(const common::DeflatedPiece& json);

 private:
  void Open(char c);
  void Close(char c);
  void Separate() {
    if (need_comma_) out_->push_back(',');
    need_comma_ = true;
  }
  void AppendEscaped(std::string_view s);

  std::string* out_;
  common::GzipWriter* gzip_ = nullptr;
  bool compressed_ = false;
  bool need_comma_ = false;
  bool after_key_ = false;
  int depth_ = 0;
};

}  // namespace promlet::web

#endif  // PROMLET_WEB_API_V1_JSON_WRITER_H_
