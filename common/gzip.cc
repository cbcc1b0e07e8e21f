#include "common/gzip.h"

#include <zlib.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace promlet::common {

absl::StatusOr<std::string> GunzipWithLimit(std::string_view compressed, int64_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return absl::InternalError("inflateInit2 failed");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (true) {
    size_t old = out.size();
    size_t grow = std::max<size_t>(64 * 1024, compressed.size() * 2);
    out.resize(old + grow);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    zs.avail_out = static_cast<uInt>(grow);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(old + grow - zs.avail_out);
    if (limit > 0 && static_cast<int64_t>(out.size()) > limit) {
      inflateEnd(&zs);
      return absl::ResourceExhaustedError("body size limit exceeded");
    }
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      return absl::DataLossError("gzip: unexpected end of compressed body");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : "corrupt data";
      inflateEnd(&zs);
      return absl::DataLossError(absl::StrCat("gzip: ", msg));
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace promlet::common
