// Relabeling as Prometheus' model/relabel: a list of RelabelConfig rules applied in order to a
// label set; a keep/drop rule may drop the whole set. (A scrape target's labels are built in
// scrape/target_labels.h.)
//
// Invariants: a RelabelConfig that passed Validate() has a compiled regex; Process() never
// fails, it only keeps, changes or drops. Regexes are RE2, fully anchored as "^(?s:<regex>)$".
#ifndef PROMLET_MODEL_RELABEL_H_
#define PROMLET_MODEL_RELABEL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/labels.h"

namespace re2 {
class RE2;
}

namespace promlet::model {

enum class RelabelAction {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};
std::string_view RelabelActionName(RelabelAction a);
// Case-insensitive, as Prometheus: "Replace" == "replace".
absl::StatusOr<RelabelAction> ParseRelabelAction(std::string_view s);

// A compiled, anchored regex; copyable (shares the compiled program).
class RelabelRegex {
 public:
  RelabelRegex();  // the default "(.*)"
  static absl::StatusOr<RelabelRegex> Compile(std::string_view expr);
  const std::string& expr() const { return expr_; }  // as written, unanchored
  bool Match(std::string_view s) const;
  // Matches `s`; on success expands `tmpl` ($1, ${1}, $name, ${name}, $$) as Go's
  // Regexp.ExpandString into *out and returns true.
  bool MatchAndExpand(std::string_view s, std::string_view tmpl, std::string* out) const;
  bool IsDefault() const { return expr_ == "(.*)"; }

 private:
  std::string expr_;
  std::shared_ptr<const re2::RE2> re_;
};

struct RelabelConfig {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  RelabelRegex regex;
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::kReplace;

  // Prometheus' relabel.Config.Validate() checks, with its messages.
  absl::Status Validate() const;
};

// Applies `configs` in order. nullopt: dropped by a keep/drop/keepequal/dropequal rule.
std::optional<Labels> Process(const Labels& labels,
                                    const std::vector<RelabelConfig>& configs);
// Same on a builder; returns false if dropped (the builder is then unspecified).
bool ProcessBuilder(LabelsBuilder* lb, const std::vector<RelabelConfig>& configs);

// Equal when they relabel alike (a reload keeps a job whose relabel_configs did not change).
inline bool operator==(const RelabelRegex& a, const RelabelRegex& b) {
  return a.expr() == b.expr();
}
inline bool operator==(const RelabelConfig& a, const RelabelConfig& b) {
  return a.source_labels == b.source_labels && a.separator == b.separator &&
         a.regex == b.regex && a.modulus == b.modulus && a.target_label == b.target_label &&
         a.replacement == b.replacement && a.action == b.action;
}

}  // namespace promlet::model

#endif  // PROMLET_MODEL_RELABEL_H_
