// JUnit XML results of `promlet test rules --junit FILE`, as promtool writes them (Prometheus'
// util/junitxml marshalled by Go's encoding/xml): one <testsuite> per test file, one
// <testcase> per test group run (named by the group, "unnamed#<index>" without a name), each
// failure a <failure> element, a file that could not be run an <error> on its last case (a case
// "unknown" when there is none).
//
// Invariants: Xml() is byte-identical to Go's xml.Encoder output for the same values: no
// indentation, no trailing newline, text and attributes escaped as encoding/xml escapes them
// (&#34; &#39; &amp; &lt; &gt; &#x9; &#xA; &#xD;, invalid characters as U+FFFD).
#ifndef PROMLET_RULES_JUNIT_XML_H_
#define PROMLET_RULES_JUNIT_XML_H_

#include <string>
#include <vector>

namespace promlet::rules {

class JUnitXml {
 public:
  struct Case {
    std::string name;
    std::vector<std::string> failures;
    std::string error;
  };
  struct Suite {
    std::string name;
    std::string timestamp;  // "2006-01-02T15:04:05", local time; empty until set
    int failures = 0;
    int errors = 0;
    std::vector<Case> cases;
    void AddCase(std::string case_name) { cases.push_back({std::move(case_name), {}, ""}); }
    void Fail(std::string what);
    void Abort(std::string what);

   private:
    Case& LastCase();
  };

  // A new suite (kept at a stable address until the next call).
  Suite& AddSuite(std::string name);
  std::string Xml() const;

 private:
  std::vector<Suite> suites_;
};

// Go's encoding/xml escaping of text and attribute values.
std::string GoXmlEscape(const std::string& s);

}  // namespace promlet::rules

#endif  // PROMLET_RULES_JUNIT_XML_H_
