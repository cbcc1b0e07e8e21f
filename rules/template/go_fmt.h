// Go's fmt package over template values: Sprintf (the verbs templates use: %v %+v %s %q %d %x
// %X %o %b %c %U %e %E %f %F %g %G %t %T with flags, width and precision, `*` included),
// Sprint and Sprintln, and Go's error annotations for misuse (%!d(string=x), %!s(MISSING),
// %!(EXTRA int=1), %!(NOVERB), %!(BADWIDTH), %!(BADPREC)).
//
// Invariants: never fails and never throws; floats print as Go prints them (shortest
// round-tripping digits for %v, exact rounding for an explicit precision); maps print with
// sorted keys, as fmt does.
#ifndef PROMLET_RULES_TEMPLATE_GO_FMT_H_
#define PROMLET_RULES_TEMPLATE_GO_FMT_H_

#include <string>
#include <string_view>
#include <vector>

#include "rules/template/value.h"

namespace promlet::rules::tmpl {

std::string GoSprintf(std::string_view format, const std::vector<Value>& args);
std::string GoSprint(const std::vector<Value>& args);
std::string GoSprintln(const std::vector<Value>& args);

// fmt.Sprint(v) of one operand (%v), or fmt.Sprintf("%<verb>", v).
void AppendGoValue(std::string* out, const Value& v, char verb = 'v');

// strconv.FormatFloat(v, fmt, prec, 64) for fmt in e E f F g G x X (prec -1: shortest).
std::string GoFormatFloat(double v, char fmt, int prec);

}  // namespace promlet::rules::tmpl

#endif  // PROMLET_RULES_TEMPLATE_GO_FMT_H_
