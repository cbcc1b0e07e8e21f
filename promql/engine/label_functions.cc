// label_replace() and label_join(): relabel every series of their vector argument, then merge
// series whose label sets became equal.
#include <algorithm>
#include <cctype>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "promql/engine/instant_functions.h"
#include "re2/re2.h"

namespace promlet::promql::internal {

namespace {

// Expands a Go regexp template ($1, ${1}, $name, ${name}, $$) with RE2 submatches.
std::string ExpandTemplate(const re2::RE2& re, std::string_view tmpl,
                           const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& named = re.NamedCapturingGroups();
  size_t i = 0;
  while (i < tmpl.size()) {
    char ch = tmpl[i];
    if (ch != '$' || i + 1 >= tmpl.size()) {
      out.push_back(ch);
      ++i;
      continue;
    }
    ++i;
    if (tmpl[i] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    std::string name;
    bool brace = false;
    if (tmpl[i] == '{') {
      size_t close = tmpl.find('}', i + 1);
      if (close == std::string_view::npos) {
        out.push_back('$');
        continue;
      }
      name = std::string(tmpl.substr(i + 1, close - i - 1));
      brace = true;
      i = close + 1;
    } else {
      size_t j = i;
      while (j < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[j])) ||
                                 tmpl[j] == '_')) {
        ++j;
      }
      if (j == i) {
        out.push_back('$');
        continue;
      }
      name = std::string(tmpl.substr(i, j - i));
      i = j;
    }
    (void)brace;
    bool all_digits = !name.empty() &&
                      std::all_of(name.begin(), name.end(), [](char x) { return x >= '0' && x <= '9'; });
    int idx = -1;
    if (all_digits) {
      if (name.size() < 9) idx = std::stoi(name);
    } else {
      auto it = named.find(name);
      if (it != named.end()) idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < groups.size() && groups[idx].data() != nullptr) {
      out.append(groups[idx].data(), groups[idx].size());
    }
  }
  return out;
}


}  // namespace

namespace instant_fn {

EMatrix LabelReplace(FunctionArgs& a) {
  const Call& c = a.call;
  const std::string dst = StringArg(*c.args[1]);
  const std::string repl = StringArg(*c.args[2]);
  const std::string src = StringArg(*c.args[3]);
  const std::string regex = StringArg(*c.args[4]);
  re2::RE2::Options ro;
  ro.set_log_errors(false);
  re2::RE2 re("^(?s:" + regex + ")$", ro);
  if (!re.ok()) Errorf(absl::StrCat("invalid regular expression in label_replace(): ", regex));
  if (!model::IsValidLabelName(dst)) {
    Errorf(absl::StrCat("invalid destination label name in label_replace(): ", dst));
  }
  EMatrix m = a.vector(0);
  std::vector<re2::StringPiece> groups(re.NumberOfCapturingGroups() + 1);
  for (auto& s : m) {
    const std::string val(s.metric.Get(src));
    if (!re.Match(val, 0, val.size(), re2::RE2::UNANCHORED, groups.data(),
                  static_cast<int>(groups.size()))) {
      continue;
    }
    const std::string res = ExpandTemplate(re, repl, groups);
    model::LabelsBuilder b(s.metric);
    b.Set(dst, res);
    s.metric = b.Build();
    if (dst == model::kMetricName) s.drop_name = false;
  }
  MergeSameLabels(m);
  return m;
}

EMatrix LabelJoin(FunctionArgs& a) {
  const Call& c = a.call;
  const std::string dst = StringArg(*c.args[1]);
  const std::string sep = StringArg(*c.args[2]);
  std::vector<std::string> srcs;
  for (size_t i = 3; i < c.args.size(); ++i) srcs.push_back(StringArg(*c.args[i]));
  if (!model::IsValidLabelName(dst)) {
    Errorf(absl::StrCat("invalid destination label name in label_join(): ", dst));
  }
  EMatrix m = a.vector(0);
  for (auto& s : m) {
    std::string joined;
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) joined += sep;
      joined += s.metric.Get(srcs[i]);
    }
    model::LabelsBuilder b(s.metric);
    b.Set(dst, joined);
    s.metric = b.Build();
    if (dst == model::kMetricName) s.drop_name = false;
  }
  MergeSameLabels(m);
  return m;
}

}  // namespace instant_fn

}  // namespace promlet::promql::internal
