// TempDir for remote tests: a fresh directory under /tmp, removed at scope end.
#ifndef PROMLET_TESTS_REMOTE_TEMP_DIR_H_
#define PROMLET_TESTS_REMOTE_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace promlet::remote {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/promlet-remote-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace promlet::remote

#endif  // PROMLET_TESTS_REMOTE_TEMP_DIR_H_
