#include "tsdb/block_builder.h"

#include "absl/strings/str_cat.h"
#include "tsdb/block/block.h"
#include "tsdb/block/block_writer.h"
#include "tsdb/compact.h"

namespace promlet::tsdb {
namespace {

BlockWriterOptions WriterOptions(const BlockBuilderOptions& o) {
  BlockWriterOptions w;
  w.zstd_level = o.zstd_level;
  w.now_ms = o.now_ms;
  return w;
}

}  // namespace

BlockBuilder::BlockBuilder(std::unique_ptr<BlockWriter> w) : writer_(std::move(w)) {}
BlockBuilder::~BlockBuilder() = default;

absl::StatusOr<std::unique_ptr<BlockBuilder>> BlockBuilder::Create(const std::string& dir,
                                                                   BlockBuilderOptions opts) {
  auto w = BlockWriter::Create(dir, WriterOptions(opts));
  if (!w.ok()) return w.status();
  return std::unique_ptr<BlockBuilder>(new BlockBuilder(std::move(*w)));
}

absl::Status BlockBuilder::AddSeries(const model::Labels& labels, absl::Span<const int64_t> ts,
                                     absl::Span<const double> vs) {
  return writer_->AddSeries(labels, ts, vs);
}

absl::StatusOr<BlockMeta> BlockBuilder::Finish(int64_t min_time, int64_t max_time) {
  return writer_->Finish(min_time, max_time);
}

absl::StatusOr<BlockMeta> MergeBlocks(const std::string& dir, const std::vector<std::string>& ulids,
                                      BlockBuilderOptions opts) {
  std::vector<std::shared_ptr<Block>> blocks;
  for (const auto& ulid : ulids) {
    auto b = Block::Open(absl::StrCat(dir, "/", ulid), /*verify_chunks=*/false);
    if (!b.ok()) return b.status();
    blocks.push_back(*std::move(b));
  }
  return CompactBlocks(dir, blocks, WriterOptions(opts));
}

absl::Status DecodeSampleChunk(std::string_view chunk, std::vector<int64_t>* ts,
                               std::vector<double>* vs) {
  chunkenc::XorIterator it(
      absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()));
  size_t n0 = ts->size(), k = static_cast<size_t>(it.samples_left());
  ts->resize(n0 + k);
  vs->resize(n0 + k);
  size_t got = it.NextBatch(ts->data() + n0, vs->data() + n0, k);
  if (got != k || !it.status().ok()) {
    ts->resize(n0);
    vs->resize(n0);
    return absl::DataLossError("sample chunk does not decode");
  }
  return absl::OkStatus();
}

}  // namespace promlet::tsdb
