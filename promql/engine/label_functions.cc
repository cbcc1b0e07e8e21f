// label_replace() and label_join(): relabel every series of their vector argument, then merge
// series whose label sets became equal.
#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "model/regexp_expand.h"
#include "promql/engine/instant_functions.h"
#include "re2/re2.h"

namespace promlet::promql::internal {

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
    std::string res;
    model::AppendRegexpExpansion(re, repl, groups.data(), groups.size(), &res);
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
