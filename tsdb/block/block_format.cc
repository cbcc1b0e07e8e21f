#include "tsdb/block/block_format.h"

#include <zstd.h>

#include "absl/strings/str_cat.h"
#include "tsdb/block/varint.h"
#include "tsdb/wlog/crc32c.h"

namespace promlet::tsdb::blockfmt {

void AppendSection(std::string_view raw, int zstd_level, std::string* out) {
  size_t bound = ZSTD_compressBound(raw.size());
  size_t start = out->size();
  out->resize(start + kSectionHeader + bound);
  char* dst = out->data() + start + kSectionHeader;
  size_t n = ZSTD_compress(dst, bound, raw.data(), raw.size(), zstd_level);
  if (ZSTD_isError(n)) n = 0;  // cannot happen with a correct bound
  uint32_t crc = Crc32c(dst, n);
  char* h = out->data() + start;
  uint32_t clen = static_cast<uint32_t>(n), rlen = static_cast<uint32_t>(raw.size());
  std::memcpy(h, &clen, 4);
  std::memcpy(h + 4, &rlen, 4);
  std::memcpy(h + 8, &crc, 4);
  out->resize(start + kSectionHeader + n);
}

absl::StatusOr<std::string> ReadSection(std::string_view data, uint64_t offset,
                                        uint64_t* consumed) {
  if (offset > data.size() || data.size() - offset < kSectionHeader) {
    return absl::DataLossError(absl::StrCat("section at ", offset, " out of bounds"));
  }
  const char* h = data.data() + offset;
  uint32_t clen = GetFixed32(h), rlen = GetFixed32(h + 4), crc = GetFixed32(h + 8);
  if (clen > data.size() - offset - kSectionHeader || rlen > (1u << 30)) {
    return absl::DataLossError(absl::StrCat("section at ", offset, ": bad length"));
  }
  const char* src = h + kSectionHeader;
  if (Crc32c(src, clen) != crc) {
    return absl::DataLossError(absl::StrCat("section at ", offset, ": checksum mismatch"));
  }
  std::string raw(rlen, '\0');
  size_t n = ZSTD_decompress(raw.data(), rlen, src, clen);
  if (ZSTD_isError(n) || n != rlen) {
    return absl::DataLossError(absl::StrCat("section at ", offset, ": bad zstd frame"));
  }
  if (consumed) *consumed = kSectionHeader + clen;
  return raw;
}

}  // namespace promlet::tsdb::blockfmt
