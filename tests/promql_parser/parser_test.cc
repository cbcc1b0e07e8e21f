// Table tests for the PromQL parser: valid queries with their canonical printed form (which
// pins the tree shape: precedence, modifiers, folding), invalid queries with the expected
// Prometheus error text and position. Cases follow Prometheus' parse_test.go/printer_test.go.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "gtest/gtest.h"
#include "promql/functions.h"
#include "promql/parser/parser.h"

namespace promlet::promql {
namespace {

struct Valid {
  const char* query;
  const char* printed;
};

const Valid kValid[] = {
    // Literals.
    {"1", "1"}, {"+1", "1"}, {"-1", "-1"}, {".5", "0.5"}, {"5.", "5"}, {"1e3", "1000"},
    {"12.34e6", "12340000"}, {"12.34e-6", "0.00001234"}, {"-0.2e-6", "-0.0000002"},
    {"0x1f", "31"}, {"0X1F", "31"}, {"010", "8"}, {"Inf", "+Inf"}, {"+inF", "+Inf"},
    {"-inf", "-Inf"}, {"NaN", "NaN"}, {"nan", "NaN"}, {"- -1", "1"}, {"1 - -1", "1 - -1"},
    {"5m", "5m"}, {"-5m", "-5m"}, {"1h30m", "1h30m"},
    {"\"foo\"", "\"foo\""}, {"'foo'", "\"foo\""}, {"`a\\nb`", "\"a\\\\nb\""},
    {"\"\\x41\\101\\u00e9\\U0001F600\\n\\t\"", "\"AAé😀\\n\\t\""}, {"'it\\'s'", "\"it's\""},
    {"\"\"", "\"\""},
    // Selectors.
    {"foo", "foo"}, {"foo:bar", "foo:bar"}, {":foo", ":foo"}, {"foo{}", "foo"},
    {"foo{a=\"b\"}", "foo{a=\"b\"}"}, {"foo{b=\"1\", a=\"2\",}", "foo{a=\"2\",b=\"1\"}"},
    {"foo{a!=\"b\",c=~\"d\",e!~\"f\"}", "foo{a!=\"b\",c=~\"d\",e!~\"f\"}"},
    {"{__name__=\"foo\"}", "{__name__=\"foo\"}"}, {"{a=\"b\"}", "{a=\"b\"}"},
    {"{a=~\".+\"}", "{a=~\".+\"}"}, {"{\"my.metric\"}", "{__name__=\"my.metric\"}"},
    {"{\"label.x\"=\"v\", a=\"b\"}", "{\"label.x\"=\"v\",a=\"b\"}"},
    {"sum", "sum"}, {"by", "by"}, {"offset", "offset"}, {"and", "and"}, {"fill", "fill"},
    {"start", "start"}, {"foo{sum=\"x\", by=\"y\", on=\"z\"}", "foo{by=\"y\",on=\"z\",sum=\"x\"}"},
    {"foo # comment", "foo"}, {"foo\n# c\n+ bar", "foo + bar"},
    // Ranges, offsets, @.
    {"foo[5m]", "foo[5m]"}, {"foo[1800]", "foo[30m]"}, {"foo[1h30m]", "foo[1h30m]"},
    {"foo[5m] offset 1m", "foo[5m] offset 1m"}, {"foo offset -1m", "foo offset -1m"},
    {"foo OFFSET 1w", "foo offset 1w"}, {"foo offset 100", "foo offset 1m40s"},
    {"foo @ 100", "foo @ 100.000"}, {"foo @ -1.5", "foo @ -1.500"},
    {"foo @ start()", "foo @ start()"}, {"foo @ end()", "foo @ end()"},
    {"foo offset 5m @ 10", "foo @ 10.000 offset 5m"}, {"foo @ 10 offset 5m", "foo @ 10.000 offset 5m"},
    {"foo[5m] @ 10 offset 1m", "foo[5m] @ 10.000 offset 1m"},
    {"foo[26m+4m]", "foo[26m + 4m]"}, {"foo[2m*(10+5)]", "foo[2m * (10 + 5)]"},
    {"foo offset (100 + 2)", "foo offset (100 + 2)"}, {"foo offset 100 + 2", "foo offset 1m40s + 2"},
    {"foo offset -2 ^ 2", "foo offset -2s ^ 2"}, {"foo offset step()", "foo offset step()"},
    {"foo offset -step()*2", "foo offset -step() * 2"},
    {"foo[min_of(step()+1,1h)]", "foo[min_of(step() + 1, 1h)]"},
    {"foo[5m] anchored", "foo[5m] anchored"}, {"foo smoothed", "foo smoothed"},
    {"foo[5m] offset 1m anchored", "foo[5m] anchored offset 1m"},
    {"foo offset 1m smoothed @ 5", "foo @ 5.000 smoothed offset 1m"},
    // Subqueries.
    {"foo[5m:1m]", "foo[5m:1m]"}, {"foo[5m:]", "foo[5m:]"},
    {"rate(foo[5m])[1h:5m] offset 1m", "rate(foo[5m])[1h:5m] offset 1m"},
    {"(foo + bar)[5m:] @ end()", "(foo + bar)[5m:] @ end()"},
    {"max_over_time(rate(foo[1m])[30m:1m] offset -1m)", "max_over_time(rate(foo[1m])[30m:1m] offset -1m)"},
    {"foo[29s+1s:20*500ms]", "foo[29s + 1s:20 * 500ms]"},
    // Binary operators and precedence.
    {"1 + 2 * 3", "1 + 2 * 3"}, {"(1 + 2) * 3", "(1 + 2) * 3"},
    {"foo + bar", "foo + bar"}, {"foo - bar - baz", "foo - bar - baz"},
    {"2 ^ 3 ^ 2", "2 ^ 3 ^ 2"}, {"-foo ^ 2", "-foo ^ 2"},
    {"foo * on(a, b) bar", "foo * on (a, b) bar"}, {"foo * ignoring(a) bar", "foo * ignoring (a) bar"},
    {"foo * on() bar", "foo * on () bar"}, {"foo * ignoring() bar", "foo * bar"},
    {"foo / on(a) group_left(b) bar", "foo / on (a) group_left (b) bar"},
    {"foo / ignoring(a) group_right bar", "foo / ignoring (a) group_right () bar"},
    {"foo > bool 1", "foo > bool 1"}, {"1 == bool 1", "1 == bool 1"},
    {"foo == bool on(a) bar", "foo == bool on (a) bar"},
    {"foo and bar or baz unless qux", "foo and bar or baz unless qux"},
    {"foo and on(a) bar", "foo and on (a) bar"}, {"foo OR bar", "foo or bar"},
    {"foo atan2 bar", "foo atan2 bar"}, {"foo ATAN2 bar", "foo atan2 bar"},
    {"foo % 2 != 1", "foo % 2 != 1"}, {"foo >= 1 <= 2", "foo >= 1 <= 2"},
    {"a + fill(0) b", "a + fill (0) b"}, {"a + fill_left(5) fill_right(7) b", "a + fill_left (5) fill_right (7) b"},
    {"a + on(x) group_left fill(-Inf) b", "a + on (x) group_left () fill (-Inf) b"},
    {"fill + fill(0) fill", "fill + fill (0) fill"},
    {"cbh </ 5", "cbh </ 5"}, {"cbh >/ -Inf", "cbh >/ -Inf"},
    // Aggregations.
    {"sum(foo)", "sum(foo)"}, {"SUM BY (group) (foo)", "sum by (group) (foo)"},
    {"sum(foo) by (a, b)", "sum by (a, b) (foo)"}, {"sum without (a) (foo)", "sum without (a) (foo)"},
    {"sum by () (foo)", "sum(foo)"}, {"sum without () (foo)", "sum without () (foo)"},
    {"sum by (a,) (foo)", "sum by (a) (foo)"}, {"sum by (\"a.b\") (foo)", "sum by (\"a.b\") (foo)"},
    {"topk(5, foo)", "topk(5, foo)"}, {"bottomk by (a) (5, foo)", "bottomk by (a) (5, foo)"},
    {"quantile(0.9, foo)", "quantile(0.9, foo)"}, {"count_values(\"v\", foo)", "count_values(\"v\", foo)"},
    {"limitk(2, foo)", "limitk(2, foo)"}, {"limit_ratio(0.5, foo)", "limit_ratio(0.5, foo)"},
    {"group(foo) by (x)", "group by (x) (foo)"}, {"stddev(foo)", "stddev(foo)"},
    {"sum by (on, by, group_left) (foo)", "sum by (on, by, group_left) (foo)"},
    // Calls.
    {"time()", "time()"}, {"rate(foo[5m])", "rate(foo[5m])"}, {"round(foo)", "round(foo)"},
    {"round(foo, 5)", "round(foo, 5)"}, {"label_join(foo, \"a\", \",\", \"b\", \"c\")", "label_join(foo, \"a\", \",\", \"b\", \"c\")"},
    {"hour()", "hour()"}, {"vector(1)", "vector(1)"}, {"scalar(foo) + 1", "scalar(foo) + 1"},
    {"histogram_quantile(0.9, rate(x_bucket[5m]))", "histogram_quantile(0.9, rate(x_bucket[5m]))"},
    {"STEP()", "step()"}, {"min_of(3, 5)", "min_of(3, 5)"},
    {"info(metric, {data=~\".*\"})", "info(metric, {data=~\".*\"})"},
    {"sort_by_label(foo, \"a\", \"b\")", "sort_by_label(foo, \"a\", \"b\")"},
    {"absent_over_time(foo[5m] @ 10)", "absent_over_time(foo[5m] @ 10.000)"},
    // Unary.
    {"-foo", "-foo"}, {"+foo", "+foo"}, {"-(foo)", "-(foo)"}, {"-sum(foo)", "-sum(foo)"},

    // --- Issue 5, item by item. ---
    // Float literals in every spelling, any case.
    {"0X1F", "31"}, {"0xff", "255"}, {"1E3", "1000"}, {"1e+3", "1000"}, {".5e-3", "0.0005"},
    {"1.5E-3", "0.0015"}, {"INF", "+Inf"}, {"iNf", "+Inf"}, {"-INF", "-Inf"}, {"NAN", "NaN"},
    {"nAn", "NaN"}, {"-NaN", "NaN"}, {"+Inf", "+Inf"}, {"00", "0"}, {"0.0", "0"},
    {"123456789012", "123456789012"}, {"1e21", "1000000000000000000000"},
    // Duration literals, and durations where Prometheus 3 takes a number.
    {"500ms", "500ms"}, {"1y", "1y"}, {"1w", "1w"}, {"1d", "1d"}, {"1d12h", "1d12h"},
    {"90s", "1m30s"}, {"1y2w3d4h5m6s7ms", "382d4h5m6s7ms"}, {"2w", "2w"}, {"14d", "2w"}, {"1w1d", "8d"},
    {"foo > 5m", "foo > 5m"}, {"time() - 1h", "time() - 1h"}, {"-1h30m", "-1h30m"},
    {"vector(5m)", "vector(5m)"}, {"foo[90]", "foo[1m30s]"}, {"foo[1.5]", "foo[1s500ms]"},
    {"foo[5m:30]", "foo[5m:30s]"}, {"foo offset 1.5", "foo offset 1s500ms"},
    {"foo @ 5m", "foo @ 300.000"}, {"foo @ 1.5e3", "foo @ 1500.000"}, {"foo @ 0x10", "foo @ 16.000"},
    {"foo @ +5", "foo @ 5.000"},
    // Strings: all Go escapes in "..." and '...', raw backticks.
    {R"("\a\b\f\v\\")", R"("\a\b\f\v\\")"},
    {R"("\r\n\t\"")", R"("\r\n\t\"")"},
    {R"('\a\'')", R"("\a'")"}, {R"('"')", R"("\"")"}, {R"("'")", R"("'")"},
    {R"("\x41\x7a\x4A")", R"("AzJ")"},
    {R"("\101\000")", R"("A\x00")"}, {R"("\377")", R"("\xff")"},
    {R"("\u00fc\u20AC")", R"("ü€")"}, {R"("\U0001f600\U00000041")", R"("😀A")"},
    {R"('\x41\u00e9\101')", R"("AéA")"},
    {R"(`raw \n \x " '`)", R"("raw \\n \\x \" '")"}, {"`a\nb`", R"("a\nb")"},
    {R"(`\`)", R"("\\")"}, {R"("ü€😀")", R"("ü€😀")"},
    // Quoted UTF-8 metric and label names.
    {R"({"my.metric", "label.x"="v"})", R"({"label.x"="v",__name__="my.metric"})"},
    {R"({"métrique.ü"})", R"({__name__="métrique.ü"})"},
    {R"({'my.metric', `le`=~'0.5'})", R"({__name__="my.metric",le=~"0.5"})"},
    {R"(foo{"a.b"!="c", "ok"="d"})", R"(foo{"a.b"!="c",ok="d"})"},
    {R"({"foo"}[5m])", R"({__name__="foo"}[5m])"},
    {R"(sum by ("ü", "a b") (foo))", R"(sum by ("ü", "a b") (foo))"},
    {R"(foo / on ("x.y") group_left ("z.w") bar)", R"(foo / on ("x.y") group_left ("z.w") bar)"},
    // @ start()/end() and offset in either order, on selectors, ranges and subqueries.
    {"foo @ start() offset 1m", "foo @ start() offset 1m"},
    {"foo offset 1m @ end()", "foo @ end() offset 1m"},
    {"foo offset -1m @ start()", "foo @ start() offset -1m"},
    {"foo[5m] offset 1m @ start()", "foo[5m] @ start() offset 1m"},
    {"foo[5m] @ end() offset -1m", "foo[5m] @ end() offset -1m"},
    {"rate(x[1m])[5m:1m] offset 1m @ start()", "rate(x[1m])[5m:1m] @ start() offset 1m"},
    {"rate(x[1m])[5m:] @ end() offset 1m", "rate(x[1m])[5m:] @ end() offset 1m"},
    {"foo @ START()", "foo @ start()"}, {"foo @ End()", "foo @ end()"},
    {"foo @ 100 offset 50s", "foo @ 100.000 offset 50s"},
    // limitk / limit_ratio, grouping before or after.
    {"limitk by (a) (2, foo)", "limitk by (a) (2, foo)"},
    {"limitk(2, foo) without (a)", "limitk without (a) (2, foo)"},
    {"limit_ratio(0.5, foo) by (a)", "limit_ratio by (a) (0.5, foo)"},
    {"limit_ratio(-0.25, foo)", "limit_ratio(-0.25, foo)"},
    {"LIMITK(1, foo)", "limitk(1, foo)"},
    {"quantile without (a) (0.9, foo)", "quantile without (a) (0.9, foo)"},
    {R"(count_values without () ("v", foo))", R"(count_values without () ("v", foo))"},
    // Printer: a unary plus disappears inside duration expressions only (printer.go).
    {"foo offset +step()", "foo offset step()"}, {"foo offset -step()", "foo offset -step()"},
    {"foo[+(1m + 2m)]", "foo[(1m + 2m)]"}, {"foo[step() + +range()]", "foo[step() + range()]"},
    {"foo[5m:+step()]", "foo[5m:step()]"}, {"foo offset -(1 + 2)", "foo offset -(1 + 2)"},
    {"+foo + +bar", "+foo + +bar"}, {"foo[+5m]", "foo[5m]"},
    {"foo[min_of(+step(), 1h)]", "foo[min_of(step(), 1h)]"},
    // Printer: fill values in Go's %v style; fill(v) stays one modifier, two sides stay two.
    {"a + fill(1e6) b", "a + fill (1e+06) b"}, {"a + fill(123456) b", "a + fill (123456) b"},
    {"a + fill(1234567) b", "a + fill (1.234567e+06) b"},
    {"a + fill(0.0001) b", "a + fill (0.0001) b"}, {"a + fill(0.00001) b", "a + fill (1e-05) b"},
    {"a + fill(-1.5e-7) b", "a + fill (-1.5e-07) b"}, {"a + fill(0x10) b", "a + fill (16) b"},
    {"a + fill(+Inf) b", "a + fill (+Inf) b"}, {"a + fill(NaN) b", "a + fill (NaN) b"},
    {"a + fill(1e100) b", "a + fill (1e+100) b"},
    {"a + fill_left(5) fill_right(5) b", "a + fill_left (5) fill_right (5) b"},
    {"a + fill_right(5) fill_left(3) b", "a + fill_left (3) fill_right (5) b"},
    {"a + fill_right(2.5) b", "a + fill_right (2.5) b"},
    {"a == bool on(x) group_right(y) fill(0) b", "a == bool on (x) group_right (y) fill (0) b"},
    {"a + FILL(1) b", "a + fill (1) b"},
    // +Inf as the left operand of ^ prints as "Inf": "+Inf ^ x" would reparse as +(Inf ^ x).
    {"Inf ^ x", "Inf ^ x"}, {"+Inf ^ x", "+Inf ^ x"}, {"-Inf ^ 2", "-Inf ^ 2"},
    {"x + Inf ^ 2", "x + Inf ^ 2"}, {"2 ^ Inf", "2 ^ +Inf"}, {"Inf * x", "+Inf * x"},
};

TEST(ParserTest, ValidQueriesPrintCanonically) {
  for (const Valid& c : kValid) {
    auto e = ParseExpr(c.query);
    ASSERT_TRUE(e.ok()) << c.query << ": " << e.status();
    EXPECT_EQ(Print(**e), c.printed) << c.query;
    auto again = ParseExpr(Print(**e));
    ASSERT_TRUE(again.ok()) << c.printed << ": " << again.status();
    EXPECT_EQ(Print(**again), c.printed);
  }
}

struct Invalid {
  const char* query;
  const char* error;  // the full message, "line:col: parse error: ..."
};

const Invalid kInvalid[] = {
    {"", "1:1: parse error: no expression found in input"},
    {"1 +", "1:4: parse error: unexpected end of input"},
    {"1 + *", "1:5: parse error: unexpected <op:*>"},
    {"foo and", "1:8: parse error: unexpected end of input"},
    {"foo unless or bar", "1:15: parse error: unexpected identifier \"bar\""},  // `or` is a metric name here
    {"foo offset and", "1:12: parse error: unexpected <op:and> in offset, expected duration"},
    {"(1", "1:3: parse error: unclosed left parenthesis"},
    {"1)", "1:3: parse error: unexpected right parenthesis ')'"},
    {"foo{a=\"b\"", "1:10: parse error: unexpected end of input inside braces"},
    {"foo[5m", "1:7: parse error: unclosed left bracket"},
    {"foo]", "1:4: parse error: unexpected right bracket ']'"},
    {"$", "1:1: parse error: unexpected character: '$'"},
    {"\"foo", "1:1: parse error: unterminated quoted string"},
    {"foo{a=\"\\q\"}", "1:7: parse error: unknown escape sequence U+0071 'q'"},
    {"1.5m", "1:1: parse error: bad number or duration syntax: \"1.5m\""},
    {"{}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {"{a=\"\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {"{a=~\".*\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {"foo{__name__=\"bar\"}", "1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\""},
    {"foo{a=~\"(\"}", ""},
    {"rate(foo)", "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector"},
    {"abs(foo[5m])", "1:5: parse error: expected type instant vector in call to function \"abs\", got range vector"},
    {"foo(bar)", "1:1: parse error: unknown function with name \"foo\""},
    {"TIME()", "1:1: parse error: unknown function with name \"TIME\""},
    {"time(1)", "1:1: parse error: expected 0 argument(s) in call to \"time\", got 1"},
    {"round()", "1:1: parse error: expected at least 1 argument(s) in call to \"round\", got 0"},
    {"round(foo, 1, 2)", "1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3"},
    {"label_join(foo)", "1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 1"},
    {"rate(foo[5m],)", "1:13: parse error: trailing commas not allowed in function call args"},
    {"sum()", "1:1: parse error: no arguments for aggregate expression provided"},
    {"topk(foo)", "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1"},
    {"sum(1, foo)", "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 1, got 2"},
    {"topk(\"a\", foo)", "1:6: parse error: expected type scalar in aggregation parameter, got string"},
    {"count_values(1, foo)", "1:14: parse error: expected type string in aggregation parameter, got scalar"},
    {"sum(foo[5m])", "1:5: parse error: expected type instant vector in aggregation expression, got range vector"},
    {"1 and 1", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
    {"foo and 1", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
    {"foo + bool bar", "1:5: parse error: bool modifier can only be used on comparison operators"},
    {"1 == 1", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
    {"foo and on(a) group_left bar", "1:1: parse error: no grouping allowed for \"and\" operation"},
    {"1 + on(a) foo", "1:1: parse error: vector matching only allowed between instant vectors"},
    {"foo * on(a) group_left(a) bar", "1:5: parse error: label \"a\" must not occur in ON and GROUP clause at once"},
    {"foo + group_left bar", "1:7: parse error: unexpected <group_left>"},
    {"foo[5m] + 1", "1:1: parse error: binary expression must contain only scalar and instant vector types"},
    {"\"a\" + 1", "1:1: parse error: binary expression must contain only scalar and instant vector types"},
    {"(foo)[5m]", "1:6: parse error: ranges only allowed for vector selectors"},
    {"rate(foo[5m])[5m]", "1:14: parse error: ranges only allowed for vector selectors"},
    {"foo offset 5m[5m]", "1:14: parse error: no offset modifiers allowed before range"},
    {"foo @ 1 [5m]", "1:9: parse error: no @ modifiers allowed before range"},
    {"foo offset 1m offset 2m", "1:15: parse error: offset may not be set multiple times"},
    {"foo @ 1 @ 2", "1:9: parse error: @ <timestamp> may not be set multiple times"},
    {"sum(foo) offset 5m", "1:10: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery"},
    {"1 @ 5", "1:3: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery"},
    {"foo @ Inf", "1:1: parse error: timestamp out of bounds for @ modifier: +Inf"},
    {"foo[5m][10m:]", "1:1: parse error: subquery is only allowed on instant vector, got matrix instead"},
    {"-\"a\"", "1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"string\""},
    {"-foo[5m]", "1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"range vector\""},
    {"foo[5x]", ""},
    {"foo[1m30]", ""},
    {"foo[5m30h]", ""},
    {"foo[bar]", ""},
    {"foo{a}", ""},
    {"foo{a=b}", ""},
    {"foo bar", ""},
    {"sum by (a.b) (foo)", ""},
    {"sum(foo) by", ""},
    {"foo !", ""},
    {"foo !x", "1:5: parse error: unexpected character after '!': 'x'"},
    {"{a=\"b\" $}", "1:8: parse error: unexpected character inside braces: '$'"},
    {"foo[5m[1m]]", "1:7: parse error: unexpected left bracket '['"},
    {"foo{a=\"b\"}}", "1:11: parse error: unexpected character: '}'"},
    {"foo{a(=\"b\"}", "1:6: parse error: unexpected character inside braces: '('"},
    {"foo{1=\"b\"}", "1:5: parse error: unexpected character inside braces: '1'"},
    {"min_of(1)", "1:1: parse error: expected 2 argument(s) in call to \"min_of\", got 1"},

    // --- Issue 5, item by item. ---
    // Ranges and subquery ranges/steps must be positive (Prometheus 2.42 and 3 agree).
    {"foo[0s]", "1:5: parse error: duration must be greater than 0"},
    {"foo[0]", "1:5: parse error: duration must be greater than 0"},
    {"foo[-5m]", "1:5: parse error: duration must be greater than 0"},
    {"foo[(0)]", "1:6: parse error: duration must be greater than 0"},
    {"foo[5m:0s]", "1:8: parse error: duration must be greater than 0"},
    {"foo[0s:1m]", "1:5: parse error: duration must be greater than 0"},
    // Bad escapes, as Prometheus' lexer words them (position: the string's start).
    {R"("it\'s")", R"(1:1: parse error: unknown escape sequence U+0027 ''')"},
    {R"('it\"s')", R"(1:1: parse error: unknown escape sequence U+0022 '"')"},
    {R"("\q")", R"(1:1: parse error: unknown escape sequence U+0071 'q')"},
    {R"("\x4")", R"(1:1: parse error: illegal character U+0022 '"' in escape sequence)"},
    {R"("\xg0")", R"(1:1: parse error: illegal character U+0067 'g' in escape sequence)"},
    {R"("\u12")", R"(1:1: parse error: illegal character U+0022 '"' in escape sequence)"},
    {R"("\400")", "1:1: parse error: escape sequence is an invalid Unicode code point"},
    {R"("\ud800")", "1:1: parse error: escape sequence is an invalid Unicode code point"},
    {R"("\U00110000")", "1:1: parse error: escape sequence is an invalid Unicode code point"},
    {"foo + 'bar", "1:7: parse error: unterminated quoted string"},
    {"`abc", "1:1: parse error: unterminated quoted string"},
    {"\"a\nb\"", "1:1: parse error: unterminated quoted string"},
    // Characters named in lexer errors as Go's %q names a rune (whole UTF-8 runes, escapes).
    {"foo !é", "1:5: parse error: unexpected character after '!': 'é'"},
    {"foo !\tx", R"(1:5: parse error: unexpected character after '!': '\t')"},
    {"foo{a=\"b\" é}", "1:11: parse error: unexpected character inside braces: 'é'"},
    {"foo \x01", R"(1:5: parse error: unexpected character: '\x01')"},
    {"1 + 😀", "1:5: parse error: unexpected character: '😀'"},
    {"foo \\", R"(1:5: parse error: unexpected character: '\\')"},
    // Numbers and durations.
    {"0x", "1:1: parse error: bad number or duration syntax: \"0x\""},
    {"1e", "1:1: parse error: bad number or duration syntax: \"1e\""},
    {"1m1h", "1:1: parse error: not a valid duration string: \"1m1h\""},
    {"foo @ NaN", "1:1: parse error: timestamp out of bounds for @ modifier: NaN"},
    {"foo @ -Inf", "1:1: parse error: timestamp out of bounds for @ modifier: -Inf"},
    // Names.
    {R"(foo{"a"})", R"(1:1: parse error: metric name must not be set twice: "foo" or "a")"},
    {R"({"a.b"=~".*"})", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    // @ and offset placement.
    {"(foo) @ 1", "1:7: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery"},
    {"foo offset 1m @ 1 offset 2m", "1:19: parse error: offset may not be set multiple times"},
    {"foo @ start() @ end()", "1:15: parse error: @ <timestamp> may not be set multiple times"},
    {"foo @ bar()", "1:7: parse error: unexpected identifier \"bar\" in @, expected timestamp"},
    {"foo @ start", "1:12: parse error: unexpected end of input in @, expected timestamp"},
    // limitk / limit_ratio arity and types.
    {"limitk(foo)", "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1"},
    {R"(limit_ratio("x", foo))", "1:13: parse error: expected type scalar in aggregation parameter, got string"},
    {"limitk(1, foo[5m])", "1:11: parse error: expected type instant vector in aggregation expression, got range vector"},
    // fill: one per side, numbers only (Prometheus' fill_modifiers / fill_value rules).
    {"a + fill(1) fill(2) b", ""},
    {"a + fill_left(1) fill_left(2) b", ""},
    {"a + fill(5m) b", "1:10: parse error: unexpected duration \"5m\""},
    {"a + fill() b", ""},
    {"a + fill(x) b", ""},
    // bool and grouping only where they belong.
    {"a + bool b", "1:3: parse error: bool modifier can only be used on comparison operators"},
    {"a </ bool b", "1:3: parse error: bool modifier can only be used on comparison operators"},
    {"a * group_left b", "1:5: parse error: unexpected <group_left>"},
};

TEST(ParserTest, InvalidQueriesFailWithPrometheusWording) {
  for (const Invalid& c : kInvalid) {
    auto e = ParseExpr(c.query);
    ASSERT_FALSE(e.ok()) << c.query << " parsed as " << Print(**e);
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    if (*c.error != '\0') {
      EXPECT_EQ(std::string(e.status().message()), std::string(c.error)) << c.query;
    } else {
      EXPECT_NE(e.status().message().find("parse error"), std::string_view::npos) << c.query;
    }
  }
}

TEST(ParserTest, MultiLinePositions) {
  auto e = ParseExpr("foo +\n  rate(bar)");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(),
            "2:8: parse error: expected type range vector in call to function \"rate\", got instant vector");
}

TEST(ParserTest, TreeShape) {
  auto e = ParseExpr("-foo ^ 2 * bar");
  ASSERT_TRUE(e.ok());
  ASSERT_EQ((*e)->kind, NodeKind::kBinary);
  const auto& mul = static_cast<const BinaryExpr&>(**e);
  EXPECT_EQ(mul.op, BinaryOp::kMul);
  ASSERT_EQ(mul.lhs->kind, NodeKind::kUnary);  // unary minus binds looser than ^
  EXPECT_EQ(static_cast<const UnaryExpr&>(*mul.lhs).expr->kind, NodeKind::kBinary);
  ASSERT_TRUE(mul.matching.has_value());
  EXPECT_EQ(mul.matching->card, Cardinality::kOneToOne);

  auto set = ParseExpr("foo and bar");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(static_cast<const BinaryExpr&>(**set).matching->card, Cardinality::kManyToMany);
  auto scalar = ParseExpr("foo * 2");
  ASSERT_TRUE(scalar.ok());
  EXPECT_FALSE(static_cast<const BinaryExpr&>(**scalar).matching.has_value());
  EXPECT_EQ((*scalar)->type(), ValueType::kVector);

  auto pow = ParseExpr("2 ^ 3 ^ 2");
  ASSERT_TRUE(pow.ok());
  EXPECT_EQ(static_cast<const BinaryExpr&>(**pow).rhs->kind, NodeKind::kBinary);  // right-assoc

  auto sel = ParseExpr("foo{a=\"b\"}[5m] offset -1m @ 10");
  ASSERT_TRUE(sel.ok());
  ASSERT_EQ((*sel)->kind, NodeKind::kMatrixSelector);
  const auto& ms = static_cast<const MatrixSelector&>(**sel);
  EXPECT_EQ(ms.range_ms, 300000);
  const auto& vs = static_cast<const VectorSelector&>(*ms.vector_selector);
  EXPECT_EQ(vs.name, "foo");
  EXPECT_EQ(vs.time.offset_ms, -60000);
  EXPECT_EQ(vs.time.at, AtModifier::kTimestamp);
  EXPECT_EQ(vs.time.at_ms, 10000);
  ASSERT_EQ(vs.matchers.size(), 2u);
  EXPECT_EQ(vs.matchers.back().name(), "__name__");

  auto sq = ParseExpr("rate(foo[1m])[1h:]");
  ASSERT_TRUE(sq.ok());
  const auto& s = static_cast<const SubqueryExpr&>(**sq);
  EXPECT_EQ(s.range_ms, 3600000);
  EXPECT_EQ(s.step_ms, 0);

  auto dyn = ParseExpr("foo[step()*2]");
  ASSERT_TRUE(dyn.ok());
  const auto& dm = static_cast<const MatrixSelector&>(**dyn);
  ASSERT_TRUE(dm.range_expr.has_value());
  EXPECT_TRUE(dm.range_expr->depends_on_query);
  auto v = EvalDurationExpr(*dm.range_expr->expr, DurationContext{15000, 60000});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 30000);

  auto folded = ParseExpr("foo[1h30m % 1h] offset (2 * 3)");
  ASSERT_TRUE(folded.ok());
  const auto& fm = static_cast<const MatrixSelector&>(**folded);
  EXPECT_EQ(fm.range_ms, 1800000);
  EXPECT_FALSE(fm.range_expr->depends_on_query);
  EXPECT_EQ(static_cast<const VectorSelector&>(*fm.vector_selector).time.offset_ms, 6000);

  auto agg = ParseExpr("topk by (a) (3, foo)");
  ASSERT_TRUE(agg.ok());
  const auto& a = static_cast<const AggregateExpr&>(**agg);
  EXPECT_EQ(a.op, AggregateOp::kTopk);
  ASSERT_NE(a.param, nullptr);
  EXPECT_EQ(a.grouping, std::vector<std::string>{"a"});

  auto fill = ParseExpr("a + fill_left(1) b");
  ASSERT_TRUE(fill.ok());
  const auto& fb = static_cast<const BinaryExpr&>(**fill);
  EXPECT_EQ(fb.matching->fill_lhs, 1.0);
  EXPECT_FALSE(fb.matching->fill_rhs.has_value());
}

TEST(ParserTest, MetricSelector) {
  auto m = ParseMetricSelector("up{job=\"x\"}");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 2u);
  auto all = ParseMetricSelector("{__name__=~\".+\"}");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
  EXPECT_FALSE(ParseMetricSelector("rate(up[5m])").ok());
  auto empty = ParseMetricSelector("{job=~\".*\"}");  // the caller applies the non-empty rule
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->size(), 1u);
  EXPECT_FALSE(ParseMetricSelector("{job=~\"(\"}").ok());
  EXPECT_FALSE(ParseMetricSelector("up{").ok());
  EXPECT_FALSE(ParseMetricSelector("up offset 5m").ok());
}

// Duration syntax itself is tested in tests/common/duration_test.cc.
TEST(ParserTest, Numbers) {
  EXPECT_EQ(*ParseNumber("0x10"), 16);
  EXPECT_EQ(*ParseNumber("1e2"), 100);
  EXPECT_TRUE(std::isnan(*ParseNumber("NaN")));
  EXPECT_FALSE(ParseNumber("abc").ok());
  // Printed with Go's 'f' (common::GoFloat), so a canonical query keeps no exponent.
  EXPECT_EQ(Print(**ParseExpr("1e21")), "1000000000000000000000");
  EXPECT_EQ(Print(**ParseExpr("2^63")), "2 ^ 63");
  EXPECT_EQ(Print(**ParseExpr("9223372036854775808")), "9223372036854776000");
}

// Every aggregation operator, with its parameter when it takes one, `by`/`without` written
// before or after the arguments, keywords in any case.
TEST(ParserTest, EveryAggregationWithGroupingBeforeAndAfter) {
  struct Agg {
    const char* name;
    const char* param;  // nullptr: no parameter
  };
  const Agg kAggs[] = {{"sum", nullptr},     {"avg", nullptr},    {"count", nullptr},
                       {"min", nullptr},     {"max", nullptr},    {"group", nullptr},
                       {"stddev", nullptr},  {"stdvar", nullptr}, {"topk", "3"},
                       {"bottomk", "3"},     {"quantile", "0.9"}, {"count_values", "\"v\""},
                       {"limitk", "2"},      {"limit_ratio", "0.5"}};
  for (const Agg& a : kAggs) {
    std::string args = a.param ? std::string("(") + a.param + ", foo)" : std::string("(foo)");
    for (const char* kw : {"by", "without"}) {
      std::string want = std::string(a.name) + " " + kw + " (x, y) " + args;
      for (const std::string& q : {std::string(a.name) + " " + kw + " (x, y) " + args,
                                   std::string(a.name) + args + " " + kw + " (x, y)",
                                   absl::AsciiStrToUpper(a.name) + args + " " +
                                       absl::AsciiStrToUpper(kw) + " (x, y,)"}) {
        auto e = ParseExpr(q);
        ASSERT_TRUE(e.ok()) << q << ": " << e.status();
        EXPECT_EQ(Print(**e), want) << q;
        EXPECT_EQ((*e)->type(), ValueType::kVector) << q;
      }
    }
    // Missing or extra parameter.
    std::string wrong = a.param ? std::string(a.name) + "(foo)" : std::string(a.name) + "(1, foo)";
    EXPECT_FALSE(ParseExpr(wrong).ok()) << wrong;
  }
}

// Every function of the table accepts arguments of its declared types (all of them, and only
// the required ones when some are optional), returns its declared type, and rejects one
// argument too many unless it is variadic without bound.
TEST(FunctionsTest, EveryFunctionTypeChecksAgainstTheTable) {
  auto arg_for = [](ValueType t) -> std::string {
    switch (t) {
      case ValueType::kScalar: return "1";
      case ValueType::kVector: return "foo";
      case ValueType::kMatrix: return "foo[5m]";
      case ValueType::kString: return "\"a\"";
      default: return "?";
    }
  };
  int checked = 0;
  for (const FunctionInfo& f : AllFunctions()) {
    std::vector<std::string> args;
    for (ValueType t : f.arg_types) args.push_back(arg_for(t));
    std::vector<size_t> counts = {args.size()};
    if (f.variadic != 0 && !args.empty()) counts.push_back(args.size() - 1);
    for (size_t n : counts) {
      std::string q = std::string(f.name) + "(";
      for (size_t i = 0; i < n; ++i) q += (i ? ", " : "") + args[i];
      q += ")";
      auto e = ParseExpr(q);
      ASSERT_TRUE(e.ok()) << q << ": " << e.status();
      EXPECT_EQ((*e)->type(), f.return_type) << q;
      EXPECT_EQ(Print(**e), q);
      ++checked;
    }
    if (f.variadic >= 0) {
      // Prometheus: at most len(arg_types) - 1 + variadic arguments when variadic > 0.
      size_t max = f.variadic == 0 ? args.size() : args.size() - 1 + f.variadic;
      std::string q = std::string(f.name) + "(";
      for (size_t i = 0; i <= max; ++i) {
        q += (i ? ", " : "") + (args.empty() ? std::string("1") : args[std::min(i, args.size() - 1)]);
      }
      q += ")";
      auto e = ParseExpr(q);
      ASSERT_FALSE(e.ok()) << q;
      EXPECT_NE(e.status().message().find("argument(s) in call to"), std::string_view::npos)
          << q << ": " << e.status();
    }
  }
  EXPECT_GT(checked, 90);
}

TEST(FunctionsTest, TableMatchesPrometheus) {
  EXPECT_GE(AllFunctions().size(), 90u);
  const FunctionInfo* rate = LookupFunction("rate");
  ASSERT_NE(rate, nullptr);
  EXPECT_EQ(rate->arg_types, std::vector<ValueType>{ValueType::kMatrix});
  EXPECT_EQ(rate->return_type, ValueType::kVector);
  const FunctionInfo* lj = LookupFunction("label_join");
  ASSERT_NE(lj, nullptr);
  EXPECT_EQ(lj->variadic, -1);
  EXPECT_EQ(LookupFunction("scalar")->return_type, ValueType::kScalar);
  EXPECT_TRUE(LookupFunction("limitk") == nullptr);  // an aggregation, not a function
  EXPECT_TRUE(LookupFunction("holt_winters") == nullptr);  // removed in Prometheus 3
  EXPECT_TRUE(LookupFunction("double_exponential_smoothing")->experimental);
  EXPECT_FALSE(LookupFunction("histogram_quantile")->experimental);
}

}  // namespace
}  // namespace promlet::promql
