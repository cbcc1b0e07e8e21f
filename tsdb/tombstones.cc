#include "tsdb/tombstones.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/varint.h"

namespace promlet::tsdb {

namespace {
constexpr char kMagic[] = "PLTOMB01";
}

void AddInterval(Intervals* ivs, Interval iv) {
  Intervals out;
  out.reserve(ivs->size() + 1);
  bool placed = false;
  for (const auto& x : *ivs) {
    if (x.maxt < iv.mint - 1 || placed) {
      out.push_back(x);
    } else if (x.mint > iv.maxt + 1) {
      out.push_back(iv);
      out.push_back(x);
      placed = true;
    } else {
      iv.mint = std::min(iv.mint, x.mint);
      iv.maxt = std::max(iv.maxt, x.maxt);
    }
  }
  if (!placed) out.push_back(iv);
  *ivs = std::move(out);
}

bool IsDeleted(const Intervals& ivs, int64_t t) {
  for (const auto& x : ivs) {
    if (t < x.mint) return false;
    if (t <= x.maxt) return true;
  }
  return false;
}

bool CoversRange(const Intervals& ivs, int64_t mint, int64_t maxt) {
  for (const auto& x : ivs) {
    if (x.mint <= mint && x.maxt >= maxt) return true;
  }
  return false;
}

absl::StatusOr<TombstoneMap> ReadTombstones(const std::string& block_dir) {
  TombstoneMap out;
  std::string path = absl::StrCat(block_dir, "/", kTombstonesFile);
  std::ifstream f(path, std::ios::binary);
  if (!f) return out;
  std::stringstream ss;
  ss << f.rdbuf();
  std::string data = ss.str();
  // An empty file (a crash between create and write, a full disk) records no deletion.
  if (data.empty()) return out;
  if (data.size() < 12 || data.compare(0, 8, kMagic) != 0 ||
      Crc32c(data.data() + 12, data.size() - 12) != GetFixed32(data.data() + 8)) {
    return absl::DataLossError(absl::StrCat(path, ": corrupt"));
  }
  Decoder d(data.data() + 12, data.size() - 12);
  uint64_t n;
  if (!d.Uvarint(&n)) return absl::DataLossError(absl::StrCat(path, ": corrupt"));
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t ord, k;
    if (!d.Uvarint(&ord) || !d.Uvarint(&k)) return absl::DataLossError(path + ": corrupt");
    Intervals& ivs = out[static_cast<uint32_t>(ord)];
    for (uint64_t j = 0; j < k; ++j) {
      Interval iv;
      if (!d.Varint(&iv.mint) || !d.Varint(&iv.maxt)) return absl::DataLossError(path + ": corrupt");
      AddInterval(&ivs, iv);
    }
  }
  return out;
}

absl::Status WriteTombstones(const std::string& block_dir, const TombstoneMap& t) {
  std::string path = absl::StrCat(block_dir, "/", kTombstonesFile);
  std::error_code ec;
  if (t.empty()) {
    std::filesystem::remove(path, ec);
    return absl::OkStatus();
  }
  std::string body;
  PutUvarint(&body, t.size());
  for (const auto& [ord, ivs] : t) {
    PutUvarint(&body, ord);
    PutUvarint(&body, ivs.size());
    for (const auto& iv : ivs) {
      PutVarint(&body, iv.mint);
      PutVarint(&body, iv.maxt);
    }
  }
  std::string data(kMagic, 8);
  PutFixed32(&data, Crc32c(body));
  data += body;
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("create ", tmp));
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) {
    std::filesystem::remove(tmp, ec);
    return absl::UnavailableError(absl::StrCat("write ", tmp, " failed"));
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::InternalError(absl::StrCat("rename ", tmp, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace promlet::tsdb
