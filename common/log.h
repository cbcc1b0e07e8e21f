// A small structured logger: one line per event, logfmt (Prometheus' default) or JSON.
//
//   PROMLET_LOG_INFO("Server is ready to receive web requests.", "address", addr);
//   -> ts=2026-11-23T04:19:14.123Z level=info caller=main.cc:120 msg="Server is ready..." address=:9090
//
// Invariants: a line is written with one write(2) call, so lines from different threads never
// interleave. Arguments after the message are key, value pairs (an odd trailing key gets the value
// "(MISSING)"). Level and format are process-wide and set once at start-up by the binary; calls
// below the level cost one relaxed atomic load. Header-only, so every module may use it without a
// link dependency on the others.
#ifndef PROMLET_COMMON_LOG_H_
#define PROMLET_COMMON_LOG_H_

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace promlet::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kLogfmt, kJson };

namespace internal {
inline std::atomic<int>& LevelVar() {
  static std::atomic<int> level{static_cast<int>(Level::kInfo)};
  return level;
}
inline std::atomic<int>& FormatVar() {
  static std::atomic<int> format{static_cast<int>(Format::kLogfmt)};
  return format;
}
inline std::atomic<int>& FdVar() {
  static std::atomic<int> fd{2};
  return fd;
}
}  // namespace internal

inline void SetLevel(Level l) { internal::LevelVar().store(static_cast<int>(l)); }
inline void SetFormat(Format f) { internal::FormatVar().store(static_cast<int>(f)); }
// Where lines go (stderr by default); tests point it at a pipe or file.
inline void SetOutputFd(int fd) { internal::FdVar().store(fd); }
inline bool Enabled(Level l) {
  return static_cast<int>(l) >= internal::LevelVar().load(std::memory_order_relaxed);
}

inline std::optional<Level> ParseLevel(std::string_view s) {
  if (s == "debug") return Level::kDebug;
  if (s == "info") return Level::kInfo;
  if (s == "warn") return Level::kWarn;
  if (s == "error") return Level::kError;
  return std::nullopt;
}
inline std::optional<Format> ParseFormat(std::string_view s) {
  if (s == "logfmt") return Format::kLogfmt;
  if (s == "json") return Format::kJson;
  return std::nullopt;
}
inline std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

namespace internal {

// Values are rendered to text first, then quoted per format.
inline void ToText(std::string& out, std::string_view v) { out.append(v); }
inline void ToText(std::string& out, const char* v) { out.append(v ? v : "<nil>"); }
inline void ToText(std::string& out, const std::string& v) { out.append(v); }
inline void ToText(std::string& out, bool v) { out.append(v ? "true" : "false"); }
inline void ToText(std::string& out, absl::string_view v) { out.append(v.data(), v.size()); }
inline void ToText(std::string& out, const absl::Status& s) { out.append(s.ToString()); }
template <typename T>
  requires std::is_arithmetic_v<T>
inline void ToText(std::string& out, T v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
template <typename Rep, typename Period>
inline void ToText(std::string& out, std::chrono::duration<Rep, Period> d) {
  ToText(out, std::chrono::duration<double>(d).count());
  out.push_back('s');
}

inline bool NeedsQuote(std::string_view s) {
  if (s.empty()) return true;
  for (unsigned char c : s) {
    if (c <= ' ' || c == '=' || c == '"' || c >= 0x7f) return true;
  }
  return false;
}

inline void AppendQuoted(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

inline void AppendField(std::string& out, bool json, std::string_view key, std::string_view val) {
  if (json) {
    out.push_back(',');
    AppendQuoted(out, key);
    out.push_back(':');
    AppendQuoted(out, val);
  } else {
    out.push_back(' ');
    out.append(key);
    out.push_back('=');
    if (NeedsQuote(val)) {
      AppendQuoted(out, val);
    } else {
      out.append(val);
    }
  }
}

inline void AppendPairs(std::string&, bool, std::string&) {}
template <typename K>
inline void AppendPairs(std::string& out, bool json, std::string& scratch, const K& key) {
  scratch.clear();
  ToText(scratch, key);
  AppendField(out, json, scratch, "(MISSING)");
}
template <typename K, typename V, typename... Rest>
inline void AppendPairs(std::string& out, bool json, std::string& scratch, const K& key,
                        const V& val, const Rest&... rest) {
  std::string k;
  ToText(k, key);
  scratch.clear();
  ToText(scratch, val);
  AppendField(out, json, k, scratch);
  AppendPairs(out, json, scratch, rest...);
}

inline std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm;
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

inline std::string_view BaseName(std::string_view file) {
  auto slash = file.rfind('/');
  return slash == std::string_view::npos ? file : file.substr(slash + 1);
}

template <typename... Args>
void Emit(Level level, std::string_view file, int line, std::string_view msg, const Args&... args) {
  bool json = FormatVar().load(std::memory_order_relaxed) == static_cast<int>(Format::kJson);
  std::string out;
  out.reserve(160);
  std::string caller(BaseName(file));
  caller.push_back(':');
  ToText(caller, line);
  if (json) {
    out.append("{\"ts\":\"").append(Timestamp()).append("\"");
  } else {
    out.append("ts=").append(Timestamp());
  }
  AppendField(out, json, "level", LevelName(level));
  AppendField(out, json, "caller", caller);
  if (json) {
    AppendField(out, json, "msg", msg);
  } else {
    out.append(" msg=");
    AppendQuoted(out, msg);
  }
  std::string scratch;
  AppendPairs(out, json, scratch, args...);
  if (json) out.push_back('}');
  out.push_back('\n');
  // One write so concurrent lines do not interleave; a short write on a pipe is not retried
  // because logging must never block the caller for long.
  ssize_t ignored = ::write(FdVar().load(std::memory_order_relaxed), out.data(), out.size());
  (void)ignored;
}

}  // namespace internal
}  // namespace promlet::log

#define PROMLET_LOG_AT(lvl, ...)                                                        \
  do {                                                                                  \
    if (::promlet::log::Enabled(lvl))                                                   \
      ::promlet::log::internal::Emit(lvl, __FILE__, __LINE__, __VA_ARGS__);             \
  } while (0)
#define PROMLET_LOG_DEBUG(...) PROMLET_LOG_AT(::promlet::log::Level::kDebug, __VA_ARGS__)
#define PROMLET_LOG_INFO(...) PROMLET_LOG_AT(::promlet::log::Level::kInfo, __VA_ARGS__)
#define PROMLET_LOG_WARN(...) PROMLET_LOG_AT(::promlet::log::Level::kWarn, __VA_ARGS__)
#define PROMLET_LOG_ERROR(...) PROMLET_LOG_AT(::promlet::log::Level::kError, __VA_ARGS__)

#endif  // PROMLET_COMMON_LOG_H_
