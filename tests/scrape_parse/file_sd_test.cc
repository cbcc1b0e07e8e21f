#include "scrape/file_sd.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "common/log.h"

namespace promlet::scrape {
namespace {

using ::testing::HasSubstr;
using config::FileSdConfig;
using config::TargetGroup;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/promlet-filesd-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Writes atomically (temp + rename), as configuration tools do.
  void Write(const std::string& name, const std::string& content) const {
    std::string tmp = File("." + name + ".tmp");
    std::ofstream(tmp) << content;
    std::filesystem::rename(tmp, File(name));
  }
  // Writes in place (truncate + write), as an editor may.
  void WriteInPlace(const std::string& name, const std::string& content) const {
    std::ofstream(File(name), std::ios::trunc) << content;
  }

 private:
  std::string path_;
};

// Addresses of all targets, in order.
std::vector<std::string> Addresses(const std::vector<TargetGroup>& groups) {
  std::vector<std::string> out;
  for (const TargetGroup& g : groups) {
    for (const model::Labels& t : g.targets) out.emplace_back(t.Get("__address__"));
  }
  return out;
}

// Waits (bounded) until the discovery's generation passes `gen`.
bool WaitForChange(const FileDiscovery& d, uint64_t gen) {
  for (int i = 0; i < 500; ++i) {
    if (d.Generation() > gen) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Files change; inotify must deliver every change (the refresh interval is far away).
TEST(FileDiscovery, FollowsCreateEditRenameDeleteAndCorruption) {
  TempDir dir;
  dir.Write("a.json", R"([{"targets": ["a:1"]}])");
  FileSdConfig cfg;
  cfg.files = {dir.File("*.json"), dir.File("*.yml")};
  cfg.refresh_interval_ms = 3600 * 1000;
  // Declared before the discovery so that they outlive its thread, which calls back into them.
  std::vector<std::string> errors;
  std::mutex errors_mu;
  FileDiscovery d(cfg);
  d.Start(nullptr, [&](const std::string& f, const absl::Status& st) {
    std::lock_guard<std::mutex> l(errors_mu);
    errors.push_back(std::string(st.message()));
  });
  EXPECT_EQ(Addresses(d.Groups()), std::vector<std::string>{"a:1"});
  EXPECT_EQ(d.Groups()[0].labels.Get("__meta_filepath"), dir.File("a.json"));

  // Create a second file (YAML).
  uint64_t gen = d.Generation();
  dir.Write("b.yml", "- targets: ['b:1', 'b:2']\n  labels: {env: dev}\n");
  ASSERT_TRUE(WaitForChange(d, gen));
  EXPECT_EQ(Addresses(d.Groups()), (std::vector<std::string>{"a:1", "b:1", "b:2"}));

  // Edit in place.
  gen = d.Generation();
  dir.WriteInPlace("a.json", R"([{"targets": ["a:1", "a:2"]}])");
  ASSERT_TRUE(WaitForChange(d, gen));
  for (int i = 0; i < 100 && Addresses(d.Groups()).size() != 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Addresses(d.Groups()), (std::vector<std::string>{"a:1", "a:2", "b:1", "b:2"}));

  // Corrupt a file: its last good targets stay, the error is reported.
  dir.Write("a.json", R"([{"targets": ["a:1", )");
  // The error map is published before the callback runs: wait for both.
  auto reported = [&] {
    std::lock_guard<std::mutex> l(errors_mu);
    return !errors.empty();
  };
  for (int i = 0; i < 500 && (d.Errors().empty() || !reported()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(d.Errors().count(dir.File("a.json")), 1u);
  EXPECT_EQ(Addresses(d.Groups()), (std::vector<std::string>{"a:1", "a:2", "b:1", "b:2"}));
  {
    std::lock_guard<std::mutex> l(errors_mu);
    ASSERT_FALSE(errors.empty());
    EXPECT_THAT(errors.back(), HasSubstr("a.json"));
  }

  // Fix it again.
  gen = d.Generation();
  dir.Write("a.json", R"([{"targets": ["a:3"]}])");
  ASSERT_TRUE(WaitForChange(d, gen));
  EXPECT_EQ(Addresses(d.Groups()), (std::vector<std::string>{"a:3", "b:1", "b:2"}));
  EXPECT_TRUE(d.Errors().empty());

  // Rename b.yml to a name outside the patterns: its targets go.
  gen = d.Generation();
  std::filesystem::rename(dir.File("b.yml"), dir.File("b.yml.disabled"));
  ASSERT_TRUE(WaitForChange(d, gen));
  EXPECT_EQ(Addresses(d.Groups()), std::vector<std::string>{"a:3"});

  // Rename it back under another matching name: targets return with the new file path.
  gen = d.Generation();
  std::filesystem::rename(dir.File("b.yml.disabled"), dir.File("c.yml"));
  ASSERT_TRUE(WaitForChange(d, gen));
  ASSERT_EQ(d.Groups().size(), 2u);
  EXPECT_EQ(d.Groups()[1].labels.Get("__meta_filepath"), dir.File("c.yml"));

  // Delete: targets go.
  gen = d.Generation();
  std::filesystem::remove(dir.File("a.json"));
  ASSERT_TRUE(WaitForChange(d, gen));
  EXPECT_EQ(Addresses(d.Groups()), (std::vector<std::string>{"b:1", "b:2"}));
  d.Stop();
}

// Without inotify events (directory created later), the periodic refresh picks files up.
TEST(FileDiscovery, PeriodicRefreshAndCallback) {
  TempDir dir;
  std::string sub = dir.File("later");
  FileSdConfig cfg;
  cfg.files = {sub + "/*.yaml"};
  cfg.refresh_interval_ms = 50;
  std::mutex mu;  // both outlive the discovery's thread
  std::vector<std::vector<std::string>> updates;
  FileDiscovery d(cfg);
  d.Start([&](const std::vector<TargetGroup>& groups) {
    std::lock_guard<std::mutex> l(mu);
    updates.push_back(Addresses(groups));
  });
  {
    std::lock_guard<std::mutex> l(mu);
    ASSERT_EQ(updates.size(), 1u);  // the first read always publishes
    EXPECT_TRUE(updates[0].empty());
  }
  uint64_t gen = d.Generation();
  std::filesystem::create_directory(sub);
  std::ofstream(sub + "/t.yaml") << "- targets: ['x:1']\n";
  ASSERT_TRUE(WaitForChange(d, gen));
  EXPECT_EQ(Addresses(d.Groups()), std::vector<std::string>{"x:1"});
  // An unreadable file keeps its targets (skip as root, who can read anything).
  if (::geteuid() != 0) {
    ::chmod((sub + "/t.yaml").c_str(), 0);
    for (int i = 0; i < 500 && d.Errors().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(d.Errors().size(), 1u);
    EXPECT_EQ(Addresses(d.Groups()), std::vector<std::string>{"x:1"});
  }
  d.Stop();
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(updates.back(), std::vector<std::string>{"x:1"});
  // No update without a change: the periodic refreshes did not publish duplicates.
  EXPECT_EQ(updates.size(), 2u);
}

TEST(FileDiscovery, StopWithoutStartAndRefreshReturnsChange) {
  TempDir dir;
  FileSdConfig cfg;
  cfg.files = {dir.File("*.json")};
  FileDiscovery d(cfg);
  EXPECT_FALSE(d.Refresh());
  std::ofstream(dir.File("x.json")) << R"([{"targets": ["x:1"]}])";
  EXPECT_TRUE(d.Refresh());
  EXPECT_FALSE(d.Refresh());
  d.Stop();
}

// Issue 22 item 11: a file that turns to garbage keeps its targets and is logged with the
// file, the line and the error, once per failure (not at every refresh); its recovery too.
TEST(FileDiscovery, GarbageFileIsLoggedOncePerChangeWithFileAndLine) {
  TempDir dir;
  const std::string log_path = dir.File("log.txt");
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  ASSERT_GE(log_fd, 0);
  log::SetOutputFd(log_fd);
  auto read_log = [&] {
    std::ifstream in(log_path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  auto count = [](const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
    return n;
  };

  FileSdConfig cfg;
  cfg.files = {dir.File("*.yml")};
  FileDiscovery d(cfg, "nodes");
  dir.Write("t.yml", "- targets: ['a:1']\n");
  EXPECT_TRUE(d.Refresh());
  EXPECT_EQ(read_log(), "");

  dir.Write("t.yml", "- targets: ['a:1']\n- targets: ['b:1']\n  labels: [x]\n");
  EXPECT_FALSE(d.Refresh());
  EXPECT_EQ(Addresses(d.Groups()), std::vector<std::string>{"a:1"});  // last good kept
  std::string log = read_log();
  EXPECT_THAT(log, HasSubstr("level=error"));
  EXPECT_THAT(log, HasSubstr("job=nodes"));
  EXPECT_THAT(log, HasSubstr("file=" + dir.File("t.yml")));
  EXPECT_THAT(log, HasSubstr("line 3: labels must be a mapping"));
  EXPECT_EQ(count(log, "level=error"), 1u) << log;

  // Unchanged garbage: refreshes (periodic or spurious) log nothing more.
  EXPECT_FALSE(d.Refresh());
  EXPECT_FALSE(d.Refresh());
  EXPECT_EQ(count(read_log(), "level=error"), 1u) << read_log();

  // New garbage is a new failure.
  dir.Write("t.yml", "[{\"targets\": 1}]\n- x\n");
  EXPECT_FALSE(d.Refresh());
  EXPECT_EQ(count(read_log(), "level=error"), 2u) << read_log();

  // A JSON syntax error names its line too.
  FileSdConfig json_cfg;
  json_cfg.files = {dir.File("*.json")};
  FileDiscovery j(json_cfg, "json");
  dir.Write("t.json", "[\n  {\"targets\": [\"a:1\"]},\n  {\"targets\": [\"b:1\"}\n]\n");
  j.Refresh();
  EXPECT_THAT(read_log(), HasSubstr("line 3"));
  EXPECT_EQ(count(read_log(), "level=error"), 3u) << read_log();

  // Recovery is logged once.
  dir.Write("t.yml", "- targets: ['c:1', 'd:1']\n");
  EXPECT_TRUE(d.Refresh());
  EXPECT_FALSE(d.Refresh());
  EXPECT_EQ(count(read_log(), "file_sd file is valid again"), 1u) << read_log();
  EXPECT_THAT(read_log(), HasSubstr("targets=2"));

  log::SetOutputFd(2);
  ::close(log_fd);
}

}  // namespace
}  // namespace promlet::scrape
