#include "common/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <new>

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

namespace {

// A raw-deflate stream per thread, reset between pieces: its state is ~270 KiB, and allocating
// it for every piece of ~64 KiB (fresh pages each time) cost more than the deflating.
class PieceDeflater {
 public:
  PieceDeflater() {
    ok_ = deflateInit2(&zs_, 1, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~PieceDeflater() {
    if (ok_) deflateEnd(&zs_);
  }
  PieceDeflater(const PieceDeflater&) = delete;
  PieceDeflater& operator=(const PieceDeflater&) = delete;

  // Appends text's raw deflate, ended by a sync flush, to *out.
  void Deflate(std::string_view text, std::string* out) {
    if (!ok_) throw std::bad_alloc();  // zlib's state could not be allocated on this thread
    deflateReset(&zs_);
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs_.avail_in = static_cast<uInt>(text.size());
    // The bound of a whole stream plus the sync flush's empty stored block: one call is enough;
    // the loop only guards against a bound that is not one.
    size_t room = deflateBound(&zs_, text.size()) + 16;
    while (true) {
      const size_t old = out->size();
      out->resize(old + room);
      zs_.next_out = reinterpret_cast<Bytef*>(out->data() + old);
      zs_.avail_out = static_cast<uInt>(room);
      deflate(&zs_, Z_SYNC_FLUSH);
      const size_t left = zs_.avail_out;
      out->resize(out->size() - left);
      if (left > 0) break;  // everything consumed and flushed
    }
  }

  static PieceDeflater& ForThisThread() {
    thread_local PieceDeflater d;
    return d;
  }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

void AppendLittleEndian32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

DeflatedPiece DeflatePiece(std::string_view text) {
  DeflatedPiece p;
  p.crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
  p.text_size = text.size();
  if (!text.empty()) PieceDeflater::ForThisThread().Deflate(text, &p.bytes);
  return p;
}

GzipWriter::GzipWriter(std::string* out) : out_(out) {
  // ID1 ID2, CM=8 (deflate), no flags, no mtime, XFL=4 (fastest), OS=3 (Unix).
  static constexpr char kHeader[] = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 4, 3};
  out_->append(kHeader, sizeof(kHeader));
}

void GzipWriter::Append(std::string_view text) {
  if (text.empty()) return;
  crc_ = static_cast<uint32_t>(
      crc32(crc_, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
  size_ += text.size();
  PieceDeflater::ForThisThread().Deflate(text, out_);
}

void GzipWriter::AppendDeflated(const DeflatedPiece& piece) {
  if (piece.text_size == 0) return;
  crc_ =
      static_cast<uint32_t>(crc32_combine(crc_, piece.crc, static_cast<z_off_t>(piece.text_size)));
  size_ += piece.text_size;
  out_->append(piece.bytes);
}

void GzipWriter::Finish() {
  // An empty final block (fixed Huffman codes, just the end-of-block code), then the trailer.
  out_->push_back('\x03');
  out_->push_back('\x00');
  AppendLittleEndian32(crc_, out_);
  AppendLittleEndian32(static_cast<uint32_t>(size_ & 0xffffffffu), out_);
}

}  // namespace promlet::common
