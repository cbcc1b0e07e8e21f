#include "model/matcher.h"

#include <cstdlib>
#include <re2/re2.h>

#include "absl/strings/str_cat.h"
#include "model/labels.h"

namespace promlet::model {
namespace {

bool IsRegexMeta(char c) {
  switch (c) {
    case '\\': case '.': case '+': case '*': case '?': case '(': case ')': case '|':
    case '[': case ']': case '{': case '}': case '^': case '$':
      return true;
    default:
      return false;
  }
}

// "a|b|c" with no metacharacters -> {"a","b","c"}. Empty alternatives are allowed ("a|").
std::optional<std::vector<std::string>> LiteralAlternation(std::string_view re) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : re) {
    if (c == '|') {
      out.push_back(std::move(cur));
      cur.clear();
    } else if (IsRegexMeta(c)) {
      return std::nullopt;
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(std::move(cur));
  return out;
}

std::string LiteralPrefixOf(std::string_view re) {
  std::string p;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (IsRegexMeta(c)) {
      // A quantifier applies to the previous literal, which then is not a required prefix.
      if ((c == '*' || c == '?' || c == '{') && !p.empty()) p.pop_back();
      if (c == '|') return "";
      break;
    }
    p.push_back(c);
  }
  // An alternation further on makes the prefix unsafe ("ab|c").
  if (re.find('|') != std::string_view::npos) return "";
  return p;
}

}  // namespace

std::string_view MatchTypeString(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegexMatch: return "=~";
    case MatchType::kRegexNoMatch: return "!~";
  }
  return "?";
}

absl::StatusOr<Matcher> Matcher::Make(MatchType type, std::string_view name,
                                      std::string_view value) {
  Matcher m;
  m.type_ = type;
  m.name_ = std::string(name);
  m.value_ = std::string(value);
  if (type == MatchType::kRegexMatch || type == MatchType::kRegexNoMatch) {
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true);
    auto re = std::make_shared<const RE2>("^(?:" + std::string(value) + ")$", opts);
    if (!re->ok()) {
      return absl::InvalidArgumentError(
          "invalid regular expression \"" + std::string(value) + "\" for label \"" +
          std::string(name) + "\": " + re->error());
    }
    m.re_ = std::move(re);
    m.match_all_ = (value == ".*");
    m.set_matches_ = LiteralAlternation(value);
    m.prefix_ = m.set_matches_ ? "" : LiteralPrefixOf(value);
  }
  bool positive_empty;
  switch (type) {
    case MatchType::kEqual: positive_empty = value.empty(); break;
    case MatchType::kNotEqual: positive_empty = !value.empty(); break;
    default: positive_empty = false;
  }
  if (m.re_) {
    bool re_empty = RE2::FullMatch("", *m.re_);
    positive_empty = (type == MatchType::kRegexMatch) ? re_empty : !re_empty;
  }
  m.matches_empty_ = positive_empty;
  return m;
}

Matcher Matcher::MustMake(MatchType type, std::string_view name, std::string_view value) {
  auto m = Make(type, name, value);
  if (!m.ok()) std::abort();
  return *std::move(m);
}

bool Matcher::Matches(std::string_view v) const {
  switch (type_) {
    case MatchType::kEqual: return v == value_;
    case MatchType::kNotEqual: return v != value_;
    case MatchType::kRegexMatch:
      return match_all_ || RE2::FullMatch(v, *re_);
    case MatchType::kRegexNoMatch:
      return !match_all_ && !RE2::FullMatch(v, *re_);
  }
  return false;
}

std::string Matcher::ToString() const {
  std::string out;
  if (IsValidLegacyLabelName(name_)) {
    out = name_;
  } else {
    common::AppendGoQuoted(&out, name_);
  }
  out += MatchTypeString(type_);
  common::AppendGoQuoted(&out, value_);
  return out;
}

}  // namespace promlet::model
