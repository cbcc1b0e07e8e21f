// String helpers behind Prometheus' template functions, each reproducing the Go function it is
// named after: case mapping (strings.ToUpper/ToLower, x/text cases.Title with NoLower), Go
// regexp replacement with $1/${name} expansion over RE2 (Go's regexp syntax), regexp error
// texts, net.SplitHostPort and url.URL.Path.
#ifndef PROMLET_RULES_TEMPLATE_TEXT_FUNCS_H_
#define PROMLET_RULES_TEMPLATE_TEXT_FUNCS_H_

#include <string>
#include <string_view>

#include "re2/re2.h"

namespace promlet::rules::tmpl {

std::string GoToUpper(std::string_view s);
std::string GoToLower(std::string_view s);
// Upper-cases the first letter of each word (letters, digits and '_' make words), leaving the
// rest as it is.
std::string GoTitle(std::string_view s);

// regexp.ReplaceAllString(src, repl): Go's empty-match rules and template expansion.
std::string GoReplaceAll(const re2::RE2& re, std::string_view src, std::string_view repl);

// Go's regexp compile error for a pattern RE2 refused:
// "error parsing regexp: missing closing ): `(`".
std::string GoRegexpError(const re2::RE2& re);

// net.SplitHostPort; false where Go returns an error.
bool SplitHostPort(std::string_view hostport, std::string* host, std::string* port);

// url.Parse(u).Path (percent-decoded), "" when there is none.
std::string UrlPath(std::string_view url);

}  // namespace promlet::rules::tmpl

#endif  // PROMLET_RULES_TEMPLATE_TEXT_FUNCS_H_
