#include "tsdb/block/block_meta.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace promlet::tsdb {

std::string BlockMetaToJson(const BlockMeta& m) {
  nlohmann::json j;
  j["ulid"] = m.ulid;
  j["minTime"] = m.min_time;
  j["maxTime"] = m.max_time;
  j["stats"] = {{"numSamples", m.stats.num_samples},
                {"numSeries", m.stats.num_series},
                {"numChunks", m.stats.num_chunks},
                {"numTombstones", m.stats.num_tombstones}};
  nlohmann::json parents = nlohmann::json::array();
  for (const auto& p : m.parents) parents.push_back({{"ulid", p}});
  j["compaction"] = {{"level", m.compaction_level}, {"sources", m.sources}, {"parents", parents}};
  j["version"] = m.version;
  if (!m.files.empty()) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : m.files) files.push_back({{"relPath", f.rel_path}, {"sizeBytes", f.size_bytes}});
    j["files"] = files;
  }
  return j.dump(1, '\t') + "\n";
}

absl::StatusOr<BlockMeta> BlockMetaFromJson(const std::string& json) {
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return absl::DataLossError("meta.json: not JSON");
  BlockMeta m;
  try {
    m.ulid = j.at("ulid").get<std::string>();
    m.min_time = j.at("minTime").get<int64_t>();
    m.max_time = j.at("maxTime").get<int64_t>();
    const auto& s = j.at("stats");
    m.stats.num_samples = s.value("numSamples", uint64_t{0});
    m.stats.num_series = s.value("numSeries", uint64_t{0});
    m.stats.num_chunks = s.value("numChunks", uint64_t{0});
    m.stats.num_tombstones = s.value("numTombstones", uint64_t{0});
    const auto& c = j.at("compaction");
    m.compaction_level = c.value("level", 1);
    if (c.contains("sources")) m.sources = c.at("sources").get<std::vector<std::string>>();
    if (c.contains("parents")) {
      for (const auto& p : c.at("parents")) m.parents.push_back(p.at("ulid").get<std::string>());
    }
    m.version = j.value("version", 1);
    if (j.contains("files")) {
      for (const auto& f : j.at("files")) {
        m.files.push_back(BlockFileInfo{f.at("relPath").get<std::string>(),
                                        f.at("sizeBytes").get<uint64_t>()});
      }
    }
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("meta.json: ", e.what()));
  }
  if (!IsUlid(m.ulid)) return absl::DataLossError("meta.json: bad ulid");
  if (m.max_time < m.min_time) return absl::DataLossError("meta.json: maxTime < minTime");
  return m;
}

absl::StatusOr<BlockMeta> ReadBlockMeta(const std::string& block_dir) {
  std::ifstream f(block_dir + "/meta.json");
  if (!f) return absl::NotFoundError(absl::StrCat(block_dir, "/meta.json: cannot open"));
  std::stringstream ss;
  ss << f.rdbuf();
  auto m = BlockMetaFromJson(ss.str());
  if (!m.ok()) return absl::DataLossError(absl::StrCat(block_dir, ": ", m.status().message()));
  return m;
}

absl::Status WriteBlockMeta(const std::string& block_dir, const BlockMeta& m) {
  std::string path = block_dir + "/meta.json";
  std::string data = BlockMetaToJson(m);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("create ", path));
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return absl::UnavailableError(absl::StrCat("write ", path, " failed"));
  return absl::OkStatus();
}

namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}

std::string NewUlid(int64_t now_ms) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::string s(26, '0');
  uint64_t t = static_cast<uint64_t>(now_ms) & ((1ull << 48) - 1);
  for (int i = 9; i >= 0; --i) {
    s[i] = kCrockford[t & 31];
    t >>= 5;
  }
  uint64_t a = rng(), b = rng();
  for (int i = 10; i < 26; ++i) {
    uint64_t& src = i < 18 ? a : b;
    s[i] = kCrockford[src & 31];
    src >>= 5;
  }
  return s;
}

bool IsUlid(const std::string& s) {
  if (s.size() != 26) return false;
  for (char c : s) {
    bool ok = false;
    for (const char* p = kCrockford; *p; ++p) ok |= (*p == c);
    if (!ok) return false;
  }
  return true;
}

}  // namespace promlet::tsdb
