#include "model/relabel.h"

#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "model/regexp_expand.h"

namespace promlet::model {
namespace {

std::shared_ptr<const re2::RE2> CompileAnchored(std::string_view expr, std::string* err) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<re2::RE2>(absl::StrCat("^(?s:", std::string(expr), ")$"), opts);
  if (!re->ok()) {
    *err = re->error();
    return nullptr;
  }
  return re;
}

bool VarInTemplate(std::string_view t) { return t.find('$') != std::string_view::npos; }

}  // namespace

std::string_view RelabelActionName(RelabelAction a) {
  switch (a) {
    case RelabelAction::kReplace: return "replace";
    case RelabelAction::kKeep: return "keep";
    case RelabelAction::kDrop: return "drop";
    case RelabelAction::kKeepEqual: return "keepequal";
    case RelabelAction::kDropEqual: return "dropequal";
    case RelabelAction::kHashMod: return "hashmod";
    case RelabelAction::kLabelMap: return "labelmap";
    case RelabelAction::kLabelDrop: return "labeldrop";
    case RelabelAction::kLabelKeep: return "labelkeep";
    case RelabelAction::kLowercase: return "lowercase";
    case RelabelAction::kUppercase: return "uppercase";
  }
  return "";
}

absl::StatusOr<RelabelAction> ParseRelabelAction(std::string_view s) {
  std::string lower = absl::AsciiStrToLower(absl::string_view(s.data(), s.size()));
  for (int i = 0; i <= static_cast<int>(RelabelAction::kUppercase); ++i) {
    auto a = static_cast<RelabelAction>(i);
    if (RelabelActionName(a) == lower) return a;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown relabel action \"", std::string(s), "\""));
}

RelabelRegex::RelabelRegex() : expr_("(.*)") {
  static const std::shared_ptr<const re2::RE2> kDefault = [] {
    std::string err;
    return CompileAnchored("(.*)", &err);
  }();
  re_ = kDefault;
}

absl::StatusOr<RelabelRegex> RelabelRegex::Compile(std::string_view expr) {
  RelabelRegex r;
  if (expr == "(.*)") return r;
  std::string err;
  auto re = CompileAnchored(expr, &err);
  if (!re) {
    return absl::InvalidArgumentError(
        absl::StrCat("error parsing regexp \"", std::string(expr), "\": ", err));
  }
  r.expr_ = std::string(expr);
  r.re_ = std::move(re);
  return r;
}

bool RelabelRegex::Match(std::string_view s) const {
  return re2::RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *re_);
}

bool RelabelRegex::MatchAndExpand(std::string_view s, std::string_view tmpl,
                                  std::string* out) const {
  int n = re_->NumberOfCapturingGroups() + 1;
  re2::StringPiece groups[32];
  std::vector<re2::StringPiece> big;
  re2::StringPiece* g = groups;
  if (n > 32) {
    big.resize(n);
    g = big.data();
  }
  if (!re_->Match(re2::StringPiece(s.data(), s.size()), 0, s.size(), re2::RE2::ANCHOR_BOTH, g,
                  n)) {
    return false;
  }
  out->clear();
  AppendRegexpExpansion(*re_, tmpl, g, static_cast<size_t>(n), out);
  return true;
}

absl::Status RelabelConfig::Validate() const {
  const std::string act(RelabelActionName(action));
  const RelabelConfig def;
  auto err = [](auto&&... parts) { return absl::InvalidArgumentError(absl::StrCat(parts...)); };
  if (action == RelabelAction::kHashMod && modulus == 0) {
    return err("relabel configuration for hashmod requires non-zero modulus");
  }
  bool needs_target = action == RelabelAction::kReplace || action == RelabelAction::kHashMod ||
                      action == RelabelAction::kLowercase || action == RelabelAction::kUppercase ||
                      action == RelabelAction::kKeepEqual || action == RelabelAction::kDropEqual;
  if (needs_target && target_label.empty()) {
    return err("relabel configuration for ", act, " action requires 'target_label' value");
  }
  if (action == RelabelAction::kReplace && VarInTemplate(target_label)) {
    // Prometheus' relabelTarget: ^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$
    static const re2::RE2 kTemplate(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
    if (!re2::RE2::FullMatch(target_label, kTemplate)) {
      return err("\"", target_label, "\" is invalid 'target_label' for ", act, " action");
    }
  } else if (needs_target && !IsValidLabelName(target_label)) {
    return err("\"", target_label, "\" is invalid 'target_label' for ", act, " action");
  }
  if ((action == RelabelAction::kLowercase || action == RelabelAction::kUppercase ||
       action == RelabelAction::kKeepEqual || action == RelabelAction::kDropEqual) &&
      VarInTemplate(target_label)) {
    return err("\"", target_label, "\" is invalid 'target_label' for ", act, " action");
  }
  if ((action == RelabelAction::kLowercase || action == RelabelAction::kUppercase) &&
      replacement != def.replacement) {
    return err("'replacement' can not be set for ", act, " action");
  }
  if (action == RelabelAction::kLabelMap && !VarInTemplate(replacement) &&
      !IsValidLabelName(replacement)) {
    return err("\"", replacement, "\" is invalid 'replacement' for ", act, " action");
  }
  if ((action == RelabelAction::kKeepEqual || action == RelabelAction::kDropEqual) &&
      (!regex.IsDefault() || modulus != def.modulus || separator != def.separator ||
       replacement != def.replacement)) {
    return err(act, " action requires only 'source_labels' and `target_label`, and no other fields");
  }
  if ((action == RelabelAction::kLabelDrop || action == RelabelAction::kLabelKeep) &&
      (!source_labels.empty() || !target_label.empty() || modulus != def.modulus ||
       separator != def.separator || replacement != def.replacement)) {
    return err(act, " action requires only 'regex', and no other fields");
  }
  for (const std::string& s : source_labels) {
    if (!IsValidLabelName(s)) return err("\"", s, "\" is not a valid label name");
  }
  return absl::OkStatus();
}

namespace {

bool Apply(const RelabelConfig& cfg, LabelsBuilder* lb) {
  std::string val;
  for (size_t i = 0; i < cfg.source_labels.size(); ++i) {
    if (i > 0) val += cfg.separator;
    val += lb->Get(cfg.source_labels[i]);
  }
  switch (cfg.action) {
    case RelabelAction::kDrop:
      if (cfg.regex.Match(val)) return false;
      break;
    case RelabelAction::kKeep:
      if (!cfg.regex.Match(val)) return false;
      break;
    case RelabelAction::kDropEqual:
      if (lb->Get(cfg.target_label) == val) return false;
      break;
    case RelabelAction::kKeepEqual:
      if (lb->Get(cfg.target_label) != val) return false;
      break;
    case RelabelAction::kReplace: {
      // Fast path to add or delete a label pair, as Prometheus.
      if (val.empty() && cfg.regex.IsDefault() && !VarInTemplate(cfg.target_label) &&
          !VarInTemplate(cfg.replacement)) {
        lb->Set(cfg.target_label, cfg.replacement);
        break;
      }
      std::string target, res;
      if (!cfg.regex.MatchAndExpand(val, cfg.target_label, &target)) break;
      if (!IsValidLabelName(target)) break;
      cfg.regex.MatchAndExpand(val, cfg.replacement, &res);
      if (res.empty()) {
        lb->Del(target);
      } else {
        lb->Set(target, res);
      }
      break;
    }
    case RelabelAction::kLowercase:
      lb->Set(cfg.target_label, absl::AsciiStrToLower(val));
      break;
    case RelabelAction::kUppercase:
      lb->Set(cfg.target_label, absl::AsciiStrToUpper(val));
      break;
    case RelabelAction::kHashMod: {
      unsigned char md[EVP_MAX_MD_SIZE];
      unsigned int len = 0;
      EVP_Digest(val.data(), val.size(), md, &len, EVP_md5(), nullptr);
      // Prometheus uses the last 8 bytes of the md5, big endian.
      uint64_t h = 0;
      for (int i = 8; i < 16; ++i) h = (h << 8) | md[i];
      lb->Set(cfg.target_label, std::to_string(h % cfg.modulus));
      break;
    }
    case RelabelAction::kLabelMap: {
      Labels snapshot = lb->Build();
      std::string res;
      for (const Label& l : snapshot) {
        if (cfg.regex.MatchAndExpand(l.name, cfg.replacement, &res)) lb->Set(res, l.value);
      }
      break;
    }
    case RelabelAction::kLabelDrop:
    case RelabelAction::kLabelKeep: {
      Labels snapshot = lb->Build();
      bool drop_on_match = cfg.action == RelabelAction::kLabelDrop;
      for (const Label& l : snapshot) {
        if (cfg.regex.Match(l.name) == drop_on_match) lb->Del(l.name);
      }
      break;
    }
  }
  return true;
}

}  // namespace

bool ProcessBuilder(LabelsBuilder* lb, const std::vector<RelabelConfig>& configs) {
  for (const RelabelConfig& c : configs) {
    if (!Apply(c, lb)) return false;
  }
  return true;
}

std::optional<Labels> Process(const Labels& labels,
                                    const std::vector<RelabelConfig>& configs) {
  if (configs.empty()) return labels;
  LabelsBuilder lb(labels);
  if (!ProcessBuilder(&lb, configs)) return std::nullopt;
  return lb.Build();
}

}  // namespace promlet::model
