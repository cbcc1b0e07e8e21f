// Matcher: one label matcher of a selector, with Prometheus semantics.
//
// Invariants: regex matchers are fully anchored, as Prometheus anchors them ("^(?s:re)$"), and
// compiled once with RE2 (linear time). A label that is absent has the value "", so a matcher
// that matches "" also selects series that lack the label.
#ifndef PROMLET_MODEL_MATCHER_H_
#define PROMLET_MODEL_MATCHER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace re2 {
class RE2;
}

namespace promlet::model {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// "=", "!=", "=~", "!~"
std::string_view MatchTypeString(MatchType t);

class Matcher {
 public:
  // Fails with InvalidArgument naming the regex and RE2's complaint when it does not compile.
  static absl::StatusOr<Matcher> Make(MatchType type, std::string_view name,
                                      std::string_view value);
  // For literals known to be valid (tests, internal callers). Aborts on a bad regex.
  static Matcher MustMake(MatchType type, std::string_view name, std::string_view value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  bool Matches(std::string_view v) const;
  bool MatchesEmpty() const { return matches_empty_; }

  // For a regex that is a plain alternation of literals ("a|b|c", "foo"), the literals, so the
  // index can look them up exactly instead of scanning all values. nullopt otherwise.
  const std::optional<std::vector<std::string>>& SetMatches() const { return set_matches_; }
  // Literal prefix every matching value must start with ("" if none), to narrow value scans.
  const std::string& LiteralPrefix() const { return prefix_; }

  // name="value" with the value quoted as PromQL would print it.
  std::string ToString() const;

 private:
  Matcher() = default;

  MatchType type_ = MatchType::kEqual;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // set for regex types
  bool matches_empty_ = false;
  bool match_all_ = false;  // regex ".*": every value matches
  std::optional<std::vector<std::string>> set_matches_;
  std::string prefix_;
};

}  // namespace promlet::model

#endif  // PROMLET_MODEL_MATCHER_H_
