#include "rules/junit_xml.h"

#include "absl/strings/str_cat.h"

namespace promlet::rules {
namespace {

// Go's isInCharacterRange: the characters XML 1.0 allows.
bool InXmlCharacterRange(uint32_t r) {
  return r == 0x09 || r == 0x0A || r == 0x0D || (r >= 0x20 && r <= 0xD7FF) ||
         (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF);
}

// Decodes one UTF-8 sequence at s[i]; width 1 and 0xFFFD for an invalid one (as Go).
uint32_t DecodeRune(const std::string& s, size_t i, size_t* width) {
  const auto c = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  uint32_t r;
  size_t n;
  if (c < 0x80) {
    *width = 1;
    return c;
  } else if ((c & 0xE0) == 0xC0) {
    r = c & 0x1F;
    n = 2;
  } else if ((c & 0xF0) == 0xE0) {
    r = c & 0x0F;
    n = 3;
  } else if ((c & 0xF8) == 0xF0) {
    r = c & 0x07;
    n = 4;
  } else {
    *width = 1;
    return 0xFFFD;
  }
  for (size_t k = 1; k < n; ++k) {
    if (!cont(k)) {
      *width = 1;
      return 0xFFFD;
    }
    r = (r << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (r < kMin[n] || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
    *width = 1;
    return 0xFFFD;
  }
  *width = n;
  return r;
}

}  // namespace

std::string GoXmlEscape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t width = 1;
    const uint32_t r = DecodeRune(s, i, &width);
    const std::string_view raw(s.data() + i, width);
    i += width;
    switch (r) {
      case '"': out += "&#34;"; continue;
      case '\'': out += "&#39;"; continue;
      case '&': out += "&amp;"; continue;
      case '<': out += "&lt;"; continue;
      case '>': out += "&gt;"; continue;
      case '\t': out += "&#x9;"; continue;
      case '\n': out += "&#xA;"; continue;
      case '\r': out += "&#xD;"; continue;
      default: break;
    }
    if (!InXmlCharacterRange(r) || (r == 0xFFFD && width == 1)) {
      out += "\xEF\xBF\xBD";
      continue;
    }
    out.append(raw);
  }
  return out;
}

JUnitXml::Case& JUnitXml::Suite::LastCase() {
  if (cases.empty()) AddCase("unknown");
  return cases.back();
}

void JUnitXml::Suite::Fail(std::string what) {
  ++failures;
  LastCase().failures.push_back(std::move(what));
}

void JUnitXml::Suite::Abort(std::string what) {
  ++errors;
  LastCase().error = std::move(what);
}

JUnitXml::Suite& JUnitXml::AddSuite(std::string name) {
  suites_.push_back(Suite{});
  suites_.back().name = std::move(name);
  return suites_.back();
}

std::string JUnitXml::Xml() const {
  std::string out = "<testsuites>";
  for (const Suite& s : suites_) {
    absl::StrAppend(&out, "<testsuite name=\"", GoXmlEscape(s.name), "\" tests=\"", s.cases.size(),
                    "\" failures=\"", s.failures, "\" errors=\"", s.errors,
                    "\" skipped=\"0\" timestamp=\"", GoXmlEscape(s.timestamp), "\">");
    for (const Case& c : s.cases) {
      absl::StrAppend(&out, "<testcase name=\"", GoXmlEscape(c.name), "\">");
      for (const std::string& f : c.failures) {
        absl::StrAppend(&out, "<failure>", GoXmlEscape(f), "</failure>");
      }
      if (!c.error.empty()) absl::StrAppend(&out, "<error>", GoXmlEscape(c.error), "</error>");
      out += "</testcase>";
    }
    out += "</testsuite>";
  }
  return out + "</testsuites>";
}

}  // namespace promlet::rules
