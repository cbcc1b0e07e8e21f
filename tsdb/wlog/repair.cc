#include "tsdb/wlog/repair.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "tsdb/wlog/segments.h"

namespace promlet::tsdb {
namespace fs = std::filesystem;
using namespace wlog_internal;
namespace {

// A free name for `file` under <dir>/damaged/ (created if missing).
std::string DamagedPath(const std::string& dir, const std::string& file) {
  std::error_code ec;
  fs::create_directories(dir + "/damaged", ec);
  std::string name = fs::path(file).filename().string();
  std::string aside = absl::StrCat(dir, "/damaged/", name);
  for (int i = 1; fs::exists(aside, ec); ++i) aside = absl::StrCat(dir, "/damaged/", name, ".", i);
  return aside;
}

// Moves the damaged segment to <dir>/damaged/ whole and puts back its first `keep` bytes (the
// records before the damage), so they stay in the log.
absl::Status MoveSegmentAside(const std::string& dir, const std::string& path, uint64_t keep) {
  const std::string aside = DamagedPath(dir, path);
  std::error_code ec;
  fs::rename(path, aside, ec);
  if (ec) return absl::InternalError(absl::StrCat("wal: move ", path, " aside: ", ec.message()));
  std::string prefix(keep, '\0');
  {
    std::ifstream in(aside, std::ios::binary);
    if (!in.read(prefix.data(), static_cast<std::streamsize>(keep))) {
      return absl::InternalError(absl::StrCat("wal: cannot read back ", aside));
    }
  }
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return ErrnoStatus(absl::StrCat("create ", path), errno);
  bool ok = std::fwrite(prefix.data(), 1, prefix.size(), f) == prefix.size();
  ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0 && ok;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) return absl::InternalError(absl::StrCat("wal: cannot rewrite ", path));
  FsyncDir(dir);
  return absl::OkStatus();
}

}  // namespace

absl::Status RepairWal(const std::string& dir, WalReplayReport* report) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return absl::OkStatus();
  (void)LatestCheckpoint(dir, /*clean_tmp=*/true);
  for (const WalDamage& d : report->damage) {
    if (d.in_checkpoint) continue;
    if (d.torn) {
      if (::truncate(d.path.c_str(), static_cast<off_t>(d.offset)) != 0) {
        return ErrnoStatus(absl::StrCat("truncate ", d.path), errno);
      }
      report->warnings.push_back(
          absl::StrCat("wal: truncated ", d.path, " at offset ", d.offset, " (torn tail)"));
      continue;
    }
    if (auto st = MoveSegmentAside(dir, d.path, d.offset); !st.ok()) return st;
    report->warnings.push_back(absl::StrCat("wal: moved ", d.path, " to ", dir,
                                            "/damaged and kept its ", d.offset,
                                            " bytes before the damage at offset ", d.offset));
  }
  for (const std::string& path : report->after_gap) {
    fs::rename(path, DamagedPath(dir, path), ec);
  }
  if (!report->after_gap.empty()) {
    report->warnings.push_back(absl::StrCat("wal: moved ", report->after_gap.size(),
                                            " segments after a gap to ", dir, "/damaged"));
  }
  return absl::OkStatus();
}

}  // namespace promlet::tsdb
