#include "model/target_merge.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace promlet::model {

Labels MergeTargetLabels(const Labels& sample, const Labels& target, bool honor_labels) {
  if (target.empty()) return sample;
  LabelsBuilder b(sample);
  if (honor_labels) {
    for (const auto& l : target) {
      if (!sample.Has(l.name)) b.Set(l.name, l.value);
    }
    return b.Build();
  }
  std::vector<Label> conflicts;
  for (const auto& l : target) {
    std::string_view exposed = sample.Get(l.name);
    if (!exposed.empty()) conflicts.push_back({l.name, std::string(exposed)});
    b.Set(l.name, l.value);
  }
  // Shorter names first, so exported_a cannot be taken by the renaming of another clash.
  std::stable_sort(conflicts.begin(), conflicts.end(), [](const Label& a, const Label& c) {
    return a.name.size() < c.name.size();
  });
  for (const auto& c : conflicts) {
    std::string name = c.name;
    while (true) {
      name = absl::StrCat("exported_", name);
      if (b.Get(name).empty()) {
        b.Set(name, c.value);
        break;
      }
    }
  }
  return b.Build();
}

}  // namespace promlet::model
