#include "push/text_body.h"

#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/utf8.h"
#include "model/textparse.h"
#include "model/labels.h"

namespace promlet::push {
namespace {

using model::MetricType;

struct FamilyState {
  Family family;
  bool help_seen = false;
  bool type_seen = false;
};

absl::Status LineError(int line, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("text format parsing error in line ", line, ": ", what));
}

// The base name when `name` ends in `suffix`, else "".
std::string_view WithoutSuffix(std::string_view name, std::string_view suffix) {
  if (name.size() <= suffix.size() || !name.ends_with(suffix)) return {};
  return name.substr(0, name.size() - suffix.size());
}

}  // namespace

absl::StatusOr<std::vector<Family>> ParseTextBody(std::string_view body) {
  std::vector<FamilyState> families;
  std::map<std::string, size_t, std::less<>> by_name;
  auto get_or_create = [&](std::string_view name) -> FamilyState& {
    auto it = by_name.find(name);
    if (it != by_name.end()) return families[it->second];
    by_name.emplace(std::string(name), families.size());
    FamilyState& st = families.emplace_back();
    st.family.name = std::string(name);
    return st;
  };
  // The family a sample named `name` belongs to, as expfmt's setOrCreateCurrentMF decides.
  auto family_for_sample = [&](std::string_view name) -> FamilyState& {
    if (auto it = by_name.find(name); it != by_name.end()) return families[it->second];
    for (std::string_view suffix : {"_sum", "_count"}) {
      std::string_view base = WithoutSuffix(name, suffix);
      auto it = by_name.find(base);
      if (!base.empty() && it != by_name.end() &&
          families[it->second].family.type == MetricType::kSummary) {
        return families[it->second];
      }
    }
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      std::string_view base = WithoutSuffix(name, suffix);
      auto it = by_name.find(base);
      if (!base.empty() && it != by_name.end() &&
          families[it->second].family.type == MetricType::kHistogram) {
        return families[it->second];
      }
    }
    return get_or_create(name);
  };

  model::Parser parser(body, model::Format::kText004);
  for (;;) {
    auto entry = parser.Next();
    if (!entry.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("text format parsing error in ", entry.status().message()));
    }
    if (*entry == model::Entry::kEOF) break;
    switch (*entry) {
      case model::Entry::kHelp: {
        std::string_view name = parser.FamilyName();
        if (!model::IsValidLegacyMetricName(name)) {
          return LineError(parser.line(),
                           absl::StrCat("invalid metric name ", common::GoQuote(name)));
        }
        FamilyState& st = get_or_create(name);
        if (st.help_seen) {
          return LineError(parser.line(), absl::StrCat("second HELP line for metric name ",
                                                       common::GoQuote(name)));
        }
        st.help_seen = true;
        st.family.help = parser.Help();
        break;
      }
      case model::Entry::kType: {
        std::string_view name = parser.FamilyName();
        if (!model::IsValidLegacyMetricName(name)) {
          return LineError(parser.line(),
                           absl::StrCat("invalid metric name ", common::GoQuote(name)));
        }
        FamilyState& st = get_or_create(name);
        if (st.type_seen || !st.family.samples.empty()) {
          return LineError(parser.line(),
                           absl::StrCat("second TYPE line for metric name ", common::GoQuote(name),
                                        ", or TYPE reported after samples"));
        }
        st.type_seen = true;
        st.family.type = parser.Type();
        break;
      }
      case model::Entry::kSeries: {
        std::string_view name = parser.MetricName();
        if (!model::IsValidLegacyMetricName(name)) {
          return LineError(parser.line(),
                           absl::StrCat("invalid metric name ", common::GoQuote(name)));
        }
        PushedSample sample;
        if (auto st = parser.ParseLabels(&sample.labels); !st.ok()) {
          return LineError(parser.line(), st.message());
        }
        for (const auto& l : sample.labels) {
          if (l.name == model::kMetricName) continue;
          if (!model::IsValidLegacyLabelName(l.name) || l.name.starts_with("__")) {
            return LineError(parser.line(),
                             absl::StrCat("invalid label name ", common::GoQuote(l.name)));
          }
        }
        sample.value = parser.Value();
        FamilyState& st = family_for_sample(name);
        if (parser.TimestampMs().has_value()) st.family.has_timestamp = true;
        st.family.samples.push_back(std::move(sample));
        break;
      }
      default:
        break;
    }
  }
  std::vector<Family> out;
  out.reserve(families.size());
  for (auto& st : families) {
    if (st.family.samples.empty()) continue;  // expfmt drops families without metrics
    if (!st.type_seen) st.family.type = MetricType::kUntyped;
    out.push_back(std::move(st.family));
  }
  return out;
}

}  // namespace promlet::push
