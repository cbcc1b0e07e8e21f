#include "tsdb/chunkenc/chunk.h"

#include <array>
#include <mutex>

#include "tsdb/chunkenc/xor.h"

namespace promlet::tsdb::chunkenc {
namespace {

struct Registry {
  std::mutex mu;
  std::array<ChunkDecoderFactory, 256> factories;
};

Registry& GetRegistry() {
  static Registry* r = new Registry();
  return *r;
}

}  // namespace

std::string_view EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kNone: return "none";
    case Encoding::kXOR: return "XOR";
    case Encoding::kHistogram: return "histogram";
    case Encoding::kFloatHistogram: return "floathistogram";
  }
  return "unknown";
}

void RegisterChunkDecoder(Encoding e, ChunkDecoderFactory factory) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> l(r.mu);
  r.factories[static_cast<uint8_t>(e)] = std::move(factory);
}

absl::StatusOr<std::unique_ptr<storage::SampleIterator>> NewChunkIterator(Encoding e,
                                                                 absl::Span<const uint8_t> bytes) {
  if (e == Encoding::kXOR) return std::make_unique<XorIterator>(bytes);
  if (e == Encoding::kHistogram || e == Encoding::kFloatHistogram) {
    return absl::InvalidArgumentError(std::string(EncodingName(e)) +
                                      " chunks hold histograms, not float samples: decode them "
                                      "with HistogramIterator / FloatHistogramIterator");
  }
  ChunkDecoderFactory f;
  {
    Registry& r = GetRegistry();
    std::lock_guard<std::mutex> l(r.mu);
    f = r.factories[static_cast<uint8_t>(e)];
  }
  if (!f) {
    return absl::InvalidArgumentError("unknown chunk encoding " +
                                      std::to_string(static_cast<int>(e)));
  }
  return f(bytes);
}

}  // namespace promlet::tsdb::chunkenc
