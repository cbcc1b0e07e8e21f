// Reads templates from stdin, one per line ("<NL>" stands for a newline), and prints for each
// what promlet puts in an alert annotation with GoldenData() (or, for a line starting with
// "CHECK ", CheckTemplate's verdict). check_with_promtool.py compares this with promtool.
#include <iostream>
#include <string>

#include "tests/rules_template/golden_data.h"

namespace {

std::string Decode(std::string s) {
  for (size_t p; (p = s.find("<NL>")) != std::string::npos;) s.replace(p, 4, "\n");
  return s;
}

std::string Encode(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '\n' ? std::string("<NL>") : std::string(1, c);
  return o;
}

}  // namespace

int main() {
  std::string line;
  for (int i = 0; std::getline(std::cin, line); ++i) {
    const std::string name = "__alert_A" + std::to_string(i);
    if (line.rfind("CHECK ", 0) == 0) {
      absl::Status st = promlet::rules::CheckTemplate(name, Decode(line.substr(6)));
      std::cout << Encode(st.ok() ? "OK" : std::string(st.message())) << "\n";
      continue;
    }
    std::cout << Encode(promlet::rules::ExpandAsAnnotation(name, Decode(line))) << "\n";
  }
}
