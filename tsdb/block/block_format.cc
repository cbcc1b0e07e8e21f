#include "tsdb/block/block_format.h"

#include <zstd.h>

#include "absl/strings/str_cat.h"
#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/varint.h"

namespace promlet::tsdb::blockfmt {
namespace {

// One decompression context per thread: ZSTD_decompress would allocate and set up a new one
// (~100 KiB) for every section.
ZSTD_DCtx* ThreadDCtx() {
  struct Owned {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~Owned() { ZSTD_freeDCtx(ctx); }
  };
  thread_local Owned owned;
  return owned.ctx;
}

}  // namespace

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

SectionHeader ParseSectionHeader(const char* h) {
  return SectionHeader{GetFixed32(h), GetFixed32(h + 4), GetFixed32(h + 8)};
}

absl::StatusOr<std::string> DecompressSection(const SectionHeader& h, const char* compressed,
                                              uint64_t offset) {
  if (h.raw_len > (1u << 30)) {
    return absl::DataLossError(absl::StrCat("section at ", offset, ": bad length"));
  }
  if (Crc32c(compressed, h.compressed_len) != h.crc) {
    return absl::DataLossError(absl::StrCat("section at ", offset, ": checksum mismatch"));
  }
  std::string raw(h.raw_len, '\0');
  ZSTD_DCtx* ctx = ThreadDCtx();
  size_t n = ctx != nullptr
                 ? ZSTD_decompressDCtx(ctx, raw.data(), h.raw_len, compressed, h.compressed_len)
                 : ZSTD_decompress(raw.data(), h.raw_len, compressed, h.compressed_len);
  if (ZSTD_isError(n) || n != h.raw_len) {
    return absl::DataLossError(absl::StrCat("section at ", offset, ": bad zstd frame"));
  }
  return raw;
}

absl::StatusOr<std::string> ReadSection(std::string_view data, uint64_t offset,
                                        uint64_t* consumed) {
  if (offset > data.size() || data.size() - offset < kSectionHeader) {
    return absl::DataLossError(absl::StrCat("section at ", offset, " out of bounds"));
  }
  const SectionHeader h = ParseSectionHeader(data.data() + offset);
  if (h.compressed_len > data.size() - offset - kSectionHeader) {
    return absl::DataLossError(absl::StrCat("section at ", offset, ": bad length"));
  }
  auto raw = DecompressSection(h, data.data() + offset + kSectionHeader, offset);
  if (raw.ok() && consumed) *consumed = kSectionHeader + h.compressed_len;
  return raw;
}

}  // namespace promlet::tsdb::blockfmt
