#include "scrape/target.h"

#include "absl/strings/str_cat.h"

namespace promlet::scrape {

std::string_view TargetHealthName(TargetHealth h) {
  switch (h) {
    case TargetHealth::kUp: return "up";
    case TargetHealth::kDown: return "down";
    case TargetHealth::kUnknown: break;
  }
  return "unknown";
}

absl::StatusOr<ScrapeEndpoint> ParseScrapeUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid scrape URL \"", std::string(url), "\": ", std::string(why)));
  };
  ScrapeEndpoint e;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("no scheme");
  e.scheme = std::string(url.substr(0, sep));
  if (e.scheme != "http" && e.scheme != "https") return bad("scheme must be http or https");
  std::string_view rest = url.substr(sep + 3);
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  e.path_and_query = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (e.path_and_query.front() == '?') e.path_and_query.insert(e.path_and_query.begin(), '/');
  if (authority.empty()) return bad("empty host");
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed [ in IPv6 address");
    e.host = std::string(authority.substr(1, close - 1));
    std::string_view tail = authority.substr(close + 1);
    if (!tail.empty()) {
      if (tail.front() != ':') return bad("garbage after IPv6 address");
      e.port = std::string(tail.substr(1));
    }
  } else {
    size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      if (authority.find(':') != colon) return bad("IPv6 addresses need [brackets]");
      e.host = std::string(authority.substr(0, colon));
      e.port = std::string(authority.substr(colon + 1));
    } else {
      e.host = std::string(authority);
    }
  }
  if (e.host.empty()) return bad("empty host");
  for (char c : e.port) {
    if (c < '0' || c > '9') return bad("port is not a number");
  }
  return e;
}

uint64_t TargetHash(const model::Labels& labels, std::string_view url) {
  // FNV-1a over the URL mixed with the labels' stable hash.
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : url) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h ^ (labels.Hash() * 0x9E3779B97F4A7C15ULL);
}

}  // namespace promlet::scrape
