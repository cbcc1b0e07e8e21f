#include "rules/template/text_funcs.h"

#include <vector>

#include "common/utf8.h"
#include "common/unicode_class.h"
#include "model/regexp_expand.h"

namespace promlet::rules::tmpl {
namespace {

// Simple case mappings for the alphabets label values use (ASCII, Latin-1, Latin Extended-A,
// Greek, Cyrillic); other runes map to themselves.
// The Latin dz/lj/nj digraphs: upper, title and lower forms in a row.
uint32_t DigraphCase(uint32_t r, int want) {  // want: 0 upper, 2 lower
  for (uint32_t base : {0x1C4u, 0x1C7u, 0x1CAu, 0x1F1u}) {
    if (r >= base && r < base + 3) return base + static_cast<uint32_t>(want);
  }
  return r;
}

uint32_t UpperRune(uint32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') ? r - 32 : r;
  if (r == 0x131) return 'I';
  if ((r >= 0x1C4 && r <= 0x1CC) || (r >= 0x1F1 && r <= 0x1F3)) return DigraphCase(r, 0);
  if (r == 0xB5) return 0x39C;
  if (r >= 0xE0 && r <= 0xFE && r != 0xF7) return r - 32;
  if (r == 0xFF) return 0x178;
  if (r >= 0x100 && r <= 0x17F && r != 0x130 && r != 0x131 && r != 0x138 && r != 0x149 &&
      r != 0x17F) {
    bool odd_lower = (r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E);
    if (odd_lower) return (r % 2 == 0) ? r - 1 : r;
    return (r % 2 == 1) ? r - 1 : r;
  }
  if (r >= 0x3B1 && r <= 0x3C9 && r != 0x3C2) return r - 32;
  if (r == 0x3C2) return 0x3A3;
  if (r >= 0x430 && r <= 0x44F) return r - 32;
  if (r >= 0x450 && r <= 0x45F) return r - 80;
  return r;
}

uint32_t LowerRune(uint32_t r) {
  if (r < 0x80) return (r >= 'A' && r <= 'Z') ? r + 32 : r;
  if (r == 0x130) return 'i';
  if ((r >= 0x1C4 && r <= 0x1CC) || (r >= 0x1F1 && r <= 0x1F3)) return DigraphCase(r, 2);
  if (r >= 0xC0 && r <= 0xDE && r != 0xD7) return r + 32;
  if (r == 0x178) return 0xFF;
  if (r >= 0x100 && r <= 0x17F && r != 0x130 && r != 0x131 && r != 0x138 && r != 0x149 &&
      r != 0x17F) {
    bool odd_lower = (r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E);
    if (odd_lower) return (r % 2 == 1) ? r + 1 : r;
    return (r % 2 == 0) ? r + 1 : r;
  }
  if (r >= 0x391 && r <= 0x3A9 && r != 0x3A2) return r + 32;
  if (r >= 0x410 && r <= 0x42F) return r + 32;
  if (r >= 0x400 && r <= 0x40F) return r + 80;
  return r;
}

template <typename F>
std::string MapRunes(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(f(c)));
      ++i;
      continue;
    }
    uint32_t r;
    int len = common::DecodeRune(s, i, &r);
    if (len == 0) {
      out.append("\xEF\xBF\xBD");  // Go's strings.Map writes U+FFFD for invalid bytes
      ++i;
      continue;
    }
    common::AppendRune(&out, f(r));
    i += static_cast<size_t>(len);
  }
  return out;
}

std::string GoRegexpCode(re2::RE2::ErrorCode code) {
  switch (code) {
    case re2::RE2::ErrorMissingParen: return "missing closing )";
    case re2::RE2::ErrorMissingBracket: return "missing closing ]";
    case re2::RE2::ErrorRepeatArgument: return "missing argument to repetition operator";
    case re2::RE2::ErrorRepeatOp: return "invalid nested repetition operator";
    case re2::RE2::ErrorRepeatSize: return "invalid repeat count";
    case re2::RE2::ErrorBadEscape: return "invalid escape sequence";
    case re2::RE2::ErrorBadCharClass: return "invalid character class";
    case re2::RE2::ErrorBadCharRange: return "invalid character class range";
    case re2::RE2::ErrorTrailingBackslash: return "trailing backslash at end of expression";
    case re2::RE2::ErrorUnexpectedParen: return "unexpected )";
    case re2::RE2::ErrorBadPerlOp: return "invalid or unsupported Perl syntax";
    case re2::RE2::ErrorBadNamedCapture: return "invalid named capture";
    case re2::RE2::ErrorBadUTF8: return "invalid UTF-8";
    case re2::RE2::ErrorPatternTooLarge: return "expression too large";
    default: return "invalid regexp";
  }
}

}  // namespace

std::string GoToUpper(std::string_view s) { return MapRunes(s, UpperRune); }
std::string GoToLower(std::string_view s) { return MapRunes(s, LowerRune); }

std::string GoTitle(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    uint32_t r;
    int len = common::DecodeRune(s, i, &r);
    if (len == 0) {
      out.push_back(s[i]);
      ++i;
      in_word = false;
      continue;
    }
    bool letter = common::IsGoLetter(r);
    bool word = letter || common::IsGoDigit(r) || r == '_';
    if (letter && !in_word) {
      common::AppendRune(&out, UpperRune(r));
    } else {
      out.append(s.substr(i, static_cast<size_t>(len)));
    }
    in_word = word;
    i += static_cast<size_t>(len);
  }
  return out;
}

std::string GoReplaceAll(const re2::RE2& re, std::string_view src, std::string_view repl) {
  const int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(ngroups));
  std::string out;
  size_t last_match_end = 0, search_pos = 0;
  const re2::StringPiece text(src.data(), src.size());
  while (search_pos <= src.size()) {
    if (!re.Match(text, search_pos, src.size(), re2::RE2::UNANCHORED, groups.data(), ngroups)) {
      break;
    }
    size_t a0 = static_cast<size_t>(groups[0].data() - src.data());
    size_t a1 = a0 + groups[0].size();
    out.append(src.substr(last_match_end, a0 - last_match_end));
    if (a1 > last_match_end || a0 == 0) model::AppendRegexpExpansion(re, repl, groups.data(), groups.size(), &out);
    last_match_end = a1;
    size_t width = 0;
    if (search_pos < src.size()) {
      uint32_t r;
      int len = common::DecodeRune(src, search_pos, &r);
      width = len == 0 ? 1 : static_cast<size_t>(len);
    }
    if (search_pos + width > a1) {
      search_pos += width;
    } else if (search_pos + 1 > a1) {
      ++search_pos;
    } else {
      search_pos = a1;
    }
  }
  out.append(src.substr(last_match_end));
  return out;
}

std::string GoRegexpError(const re2::RE2& re) {
  return "error parsing regexp: " + GoRegexpCode(re.error_code()) + ": `" + re.error_arg() + "`";
}

bool SplitHostPort(std::string_view hp, std::string* host, std::string* port) {
  size_t i = hp.rfind(':');
  if (i == std::string_view::npos) return false;
  size_t j = 0, k = 0;
  if (!hp.empty() && hp[0] == '[') {
    size_t end = hp.find(']');
    if (end == std::string_view::npos) return false;
    if (end + 1 == hp.size()) return false;
    if (end + 1 != i) return false;
    *host = std::string(hp.substr(1, end - 1));
    j = 1;
    k = end + 1;
  } else {
    *host = std::string(hp.substr(0, i));
    if (host->find(':') != std::string::npos) return false;
  }
  if (hp.substr(j).find('[') != std::string_view::npos) return false;
  if (hp.substr(k).find(']') != std::string_view::npos) return false;
  *port = std::string(hp.substr(i + 1));
  return true;
}

std::string UrlPath(std::string_view url) {
  size_t end = url.find_first_of("?#");
  if (end != std::string_view::npos) url = url.substr(0, end);
  size_t scheme = url.find("://");
  std::string_view path = url;
  if (scheme != std::string_view::npos) {
    size_t slash = url.find('/', scheme + 3);
    path = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  }
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() + 0 && isxdigit(static_cast<unsigned char>(path[i + 1])) &&
        isxdigit(static_cast<unsigned char>(path[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(path.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(path[i]);
    }
  }
  return out;
}

}  // namespace promlet::rules::tmpl
