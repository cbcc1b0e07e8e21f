#include "push/grouping_path.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/utf8.h"
#include "common/views.h"
#include "model/labels.h"

namespace promlet::push {
namespace {

constexpr std::string_view kBase64Suffix = "@base64";

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64UrlDigit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

absl::StatusOr<std::string> PathUnescape(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] != '%') {
      out += escaped[i];
      continue;
    }
    bool complete = i + 2 < escaped.size();
    int hi = complete ? HexDigit(escaped[i + 1]) : -1;
    int lo = complete ? HexDigit(escaped[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      std::string_view bad = escaped.substr(i, 3);
      return absl::InvalidArgumentError(absl::StrCat("invalid URL escape ", common::GoQuote(bad)));
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

absl::StatusOr<std::string> DecodeBase64Value(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    int d = Base64UrlDigit(s[i]);
    if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat("illegal base64 data at input byte ", i));
    }
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // A lone trailing symbol (6 bits) cannot end a valid encoding; Go reports its position.
  if (s.size() % 4 == 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("illegal base64 data at input byte ", s.size() - 1));
  }
  return out;
}

absl::StatusOr<GroupingKey> ParseGroupingPath(std::string_view path) {
  constexpr std::string_view kPrefix = "/metrics/job";
  if (!path.starts_with(kPrefix)) {
    return absl::NotFoundError("not a push path");
  }
  std::string_view rest = path.substr(kPrefix.size());
  bool job_base64 = false;
  if (rest.starts_with(kBase64Suffix)) {
    job_base64 = true;
    rest.remove_prefix(kBase64Suffix.size());
  }
  if (rest.empty() || rest[0] != '/') return absl::NotFoundError("not a push path");
  rest.remove_prefix(1);
  size_t slash = rest.find('/');
  std::string job(rest.substr(0, slash));
  std::string_view labels = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (job_base64) {
    auto decoded = DecodeBase64Value(job);
    if (!decoded.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("invalid base64 encoding in job name ",
                                                     common::GoQuote(job), ": ",
                                                     decoded.status().message()));
    }
    job = *std::move(decoded);
  }
  GroupingKey key;
  if (labels.size() > 1) {
    std::vector<std::string_view> parts;
    std::string_view components = labels.substr(1);
    for (size_t start = 0;;) {
      size_t end = components.find('/', start);
      parts.push_back(components.substr(start, end - start));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    if (parts.size() % 2 != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("odd number of components in label string ", common::GoQuote(labels)));
    }
    for (size_t i = 0; i + 1 < parts.size(); i += 2) {
      std::string_view name = parts[i];
      std::string_view value = parts[i + 1];
      std::string_view trimmed = name;
      bool base64 = name.ends_with(kBase64Suffix);
      if (base64) trimmed.remove_suffix(kBase64Suffix.size());
      if (!model::IsValidLegacyLabelName(trimmed) || trimmed.starts_with("__")) {
        return absl::InvalidArgumentError(
            absl::StrCat("improper label name ", common::GoQuote(trimmed)));
      }
      if (!base64) {
        key[std::string(trimmed)] = std::string(value);
        continue;
      }
      auto decoded = DecodeBase64Value(value);
      if (!decoded.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid base64 encoding for label ", common::ToAbsl(trimmed), "=",
                         common::GoQuote(value), ": ", decoded.status().message()));
      }
      key[std::string(trimmed)] = *std::move(decoded);
    }
  }
  if (job.empty()) return absl::InvalidArgumentError("job name is required");
  key["job"] = std::move(job);
  for (const auto& [name, value] : key) {
    if (!common::IsValidUtf8(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "label ", name, " has a value that is not valid UTF-8: ", common::GoQuote(value)));
    }
  }
  return key;
}

}  // namespace promlet::push
