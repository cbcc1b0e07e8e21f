// TempDir: a fresh directory under /tmp for one test, removed with everything in it at scope end.
#ifndef PROMLET_TESTS_CONFIG_TEMP_DIR_H_
#define PROMLET_TESTS_CONFIG_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace promlet::config {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/promlet-config-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  void Write(const std::string& name, const std::string& content) const {
    std::ofstream(File(name)) << content;
  }

 private:
  std::string path_;
};

}  // namespace promlet::config

#endif  // PROMLET_TESTS_CONFIG_TEMP_DIR_H_
