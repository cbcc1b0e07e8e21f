// On-disk layout of a block directory <data>/<ULID>/:
//   meta.json   see block_meta.h
//   chunks      "PLCHUNK2", then groups. A group is a compressed section (below) holding many
//               chunks in columns: uvarint count, per chunk uvarint ts_len and val_len, then all
//               timestamp streams, then all value streams (chunk_codec.h). Chunks of series that
//               sort next to each other (same metric, other instance, other bucket) share a
//               group: a chunk's values may be predicted from an earlier chunk of its group
//               (ValueEncoder), and zstd finds what repeats across chunks (timestamps,
//               constants). A chunk ref is (group file offset << 16) | index in group.
//               "PLCHUNK1" (zstd'ed byte planes, no references) is not read any more: such a
//               block is refused at open with an error naming the version.
//   index       "PLINDEX1", symbols section, series pages, postings lists, postings table,
//               page table, then a fixed footer (see below).
//   tombstones  optional: deleted intervals per series ordinal (tombstones.h).
//   start_timestamps  optional, only when some sample has a start timestamp (st-storage):
//               "PLSTAMP1", then one compressed section: uvarint series count, per series
//               uvarint ordinal (increasing), uvarint entry count, per sample that has an ST
//               (increasing t): varint t delta (from the previous entry, the first from 0),
//               varint t - st. A block without STs has no such file (byte-identical to one
//               written before STs existed).
//
// A compressed section: u32 compressed length, u32 raw length, u32 CRC32C of the compressed
// bytes, zstd frame. Series are numbered 0..n-1 in Labels::Compare order (their "ordinal");
// postings are sorted ordinals. Series page p holds ordinals [p*kSeriesPerPage, ...): per
// series uvarint label count, (name sym, value sym) pairs, uvarint chunk count, per chunk:
// varint mint delta (from the previous chunk's maxt, the first from 0), uvarint maxt - mint,
// varint ref delta.
// Footer (48 bytes): u64 symbols offset, u64 postings table offset, u64 page table offset,
// u64 series count, u32 CRC32C of the previous 32 bytes, u32 zero, "PLIXEND1".
#ifndef PROMLET_TSDB_BLOCK_BLOCK_FORMAT_H_
#define PROMLET_TSDB_BLOCK_BLOCK_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace promlet::tsdb::blockfmt {

inline constexpr char kChunksMagic[] = "PLCHUNK2";
// The magic without its version digit: a file that starts with it but has another version
// is a block format this build does not read (named in the error), not random garbage.
inline constexpr char kChunksMagicPrefix[] = "PLCHUNK";
inline constexpr char kIndexMagic[] = "PLINDEX1";
inline constexpr char kStartTimestampsMagic[] = "PLSTAMP1";
inline constexpr char kStartTimestampsFile[] = "start_timestamps";
inline constexpr char kIndexEndMagic[] = "PLIXEND1";
inline constexpr size_t kMagicLen = 8;
inline constexpr size_t kFooterLen = 48;
inline constexpr size_t kSeriesPerPage = 64;
inline constexpr size_t kSectionHeader = 12;
inline constexpr size_t kMaxChunkSamples = 2048;
// Raw bytes per chunk group: reading one chunk decompresses its group and walks its length
// table, so smaller groups read faster; 64 KiB costs +0.5% disk against 256 KiB (entropy-coded
// values gain little from zstd's window) and reads ~1.5x faster.
inline constexpr size_t kGroupTargetBytes = 64 * 1024;

inline uint64_t MakeChunkRef(uint64_t group_offset, uint32_t index) {
  return (group_offset << 16) | index;
}
inline uint64_t ChunkRefGroup(uint64_t ref) { return ref >> 16; }
inline uint32_t ChunkRefIndex(uint64_t ref) { return static_cast<uint32_t>(ref & 0xffff); }

// Appends header + zstd(raw) to *out.
void AppendSection(std::string_view raw, int zstd_level, std::string* out);
// A section's 12-byte header.
struct SectionHeader {
  uint32_t compressed_len, raw_len, crc;
};
SectionHeader ParseSectionHeader(const char* h);
// Verifies the checksum of a section's compressed bytes and decompresses them; `offset` only
// names the section in errors.
absl::StatusOr<std::string> DecompressSection(const SectionHeader& h, const char* compressed,
                                              uint64_t offset);
// Reads and verifies the section at data[offset...]; *consumed = bytes it spans.
absl::StatusOr<std::string> ReadSection(std::string_view data, uint64_t offset,
                                        uint64_t* consumed = nullptr);

}  // namespace promlet::tsdb::blockfmt

#endif  // PROMLET_TSDB_BLOCK_BLOCK_FORMAT_H_
