// gzip decoding shared by every body reader (scrape responses, pushed bodies), and the one gzip
// encoder (answers of the HTTP server and the API, the UI's pages).
//
// Invariants:
//  - Decoding: the output never grows past the caller's limit; a stream that would is refused
//    (ResourceExhausted) before more memory is taken, so a small "zip bomb" cannot exhaust
//    memory.
//  - Encoding: GzipWriter writes one gzip member (RFC 1952) whose deflate data is a sequence of
//    pieces, each deflated on its own (no back-references into an earlier piece) and ended by a
//    sync flush (byte-aligned, not final), then one empty final block; the trailer's CRC-32 and
//    size are those of all the pieces' text. So pieces may be deflated on any thread, in any
//    order, and joined in order: a large answer is compressed on several cores, and decoders see
//    one ordinary gzip stream.
#ifndef PROMLET_COMMON_GZIP_H_
#define PROMLET_COMMON_GZIP_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace promlet::common {

// Inflates a gzip stream (RFC 1952), failing once the output would exceed `limit` bytes
// (0 = unlimited): ResourceExhausted "body size limit exceeded"; corrupt or truncated input:
// DataLoss "gzip: ...".
absl::StatusOr<std::string> GunzipWithLimit(std::string_view compressed, int64_t limit);

// A piece of text deflated (level 1: the answers are large and the network rarely the
// bottleneck) for GzipWriter::AppendDeflated.
struct DeflatedPiece {
  std::string bytes;  // raw deflate, ended by a sync flush
  uint32_t crc = 0;   // CRC-32 of the text
  size_t text_size = 0;
};
DeflatedPiece DeflatePiece(std::string_view text);

// Builds one gzip member in *out (appended to), from text deflated here or pieces deflated
// elsewhere, in the order given; Finish() once, after the last.
class GzipWriter {
 public:
  explicit GzipWriter(std::string* out);
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  void Append(std::string_view text);  // deflated now, on this thread
  void AppendDeflated(const DeflatedPiece& piece);
  void Finish();

 private:
  std::string* out_;
  uint32_t crc_ = 0;
  uint64_t size_ = 0;
};

}  // namespace promlet::common

#endif  // PROMLET_COMMON_GZIP_H_
