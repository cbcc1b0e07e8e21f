// Go's regexp.Expand: the `$1`, `${1}`, `$name`, `${name}` and `$$` templates of relabeling
// replacements, label_replace() and the templates' reReplaceAll.
//
// Exactly Go's rules: a name is the longest run of Unicode letters, digits and '_' (braced names
// must close with '}'); an all-digit name without a leading zero (and below 1e8) is a group
// number, anything else a group name; a reference to a group that does not exist or did not
// participate expands to nothing; a malformed reference leaves the '$' as literal text.
#ifndef PROMLET_MODEL_REGEXP_EXPAND_H_
#define PROMLET_MODEL_REGEXP_EXPAND_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "re2/re2.h"

namespace promlet::model {

// Appends tmpl to *dst with references replaced by groups[i] (groups[0] = whole match; a group
// with a null data() did not participate). re names the groups.
void AppendRegexpExpansion(const re2::RE2& re, std::string_view tmpl,
                           const re2::StringPiece* groups, size_t num_groups, std::string* dst);

}  // namespace promlet::model

#endif  // PROMLET_MODEL_REGEXP_EXPAND_H_
