#include "model/regexp_expand.h"

#include <cstdint>

#include "common/unicode_class.h"
#include "common/utf8.h"

namespace promlet::model {

namespace {

// Go's regexp.extract: the reference after a '$'; false when malformed.
bool ExtractReference(std::string_view s, std::string_view* name, int* num, size_t* consumed) {
  if (s.empty()) return false;
  const bool brace = s[0] == '{';
  const size_t start = brace ? 1 : 0;
  size_t i = start;
  while (i < s.size()) {
    uint32_t r;
    const int len = common::DecodeRune(s, i, &r);
    if (len == 0) break;
    if (!(r == '_' || common::IsGoLetter(r) || common::IsGoDigit(r))) break;
    i += static_cast<size_t>(len);
  }
  if (i == start) return false;
  *name = s.substr(start, i - start);
  if (brace) {
    if (i >= s.size() || s[i] != '}') return false;
    ++i;
  }
  *num = 0;
  for (char c : *name) {
    if (c < '0' || c > '9' || *num >= 100000000) {
      *num = -1;
      break;
    }
    *num = *num * 10 + (c - '0');
  }
  if ((*name)[0] == '0' && name->size() > 1) *num = -1;
  *consumed = i;
  return true;
}

}  // namespace

void AppendRegexpExpansion(const re2::RE2& re, std::string_view tmpl,
                           const re2::StringPiece* groups, size_t num_groups, std::string* dst) {
  while (!tmpl.empty()) {
    const size_t dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) break;
    dst->append(tmpl.substr(0, dollar));
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      dst->push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    std::string_view name;
    int num;
    size_t consumed;
    if (!ExtractReference(tmpl, &name, &num, &consumed)) {
      dst->push_back('$');
      continue;
    }
    tmpl.remove_prefix(consumed);
    int index = num;
    if (num < 0) {
      const auto& names = re.NamedCapturingGroups();
      auto it = names.find(std::string(name));
      index = it == names.end() ? -1 : it->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < num_groups &&
        groups[index].data() != nullptr) {
      dst->append(groups[index].data(), groups[index].size());
    }
  }
  dst->append(tmpl);
}

}  // namespace promlet::model
