#include "net/http/body_buffers.h"

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

namespace promlet::net {
namespace {

struct Kept {
  std::mutex mu;
  std::vector<std::string> bodies;  // sorted by capacity, largest last
};

Kept& TheKept() {
  static auto* kept = new Kept();  // leaked: no destruction order to get wrong
  return *kept;
}

}  // namespace

std::string TakeBodyBuffer() {
  Kept& k = TheKept();
  std::lock_guard<std::mutex> l(k.mu);
  if (k.bodies.empty()) return std::string();
  std::string body = std::move(k.bodies.back());
  k.bodies.pop_back();
  return body;
}

void GiveBodyBuffer(std::string body) {
  if (body.capacity() < kMinKeptCapacity || body.capacity() > kMaxKeptCapacity) return;
  body.clear();
  Kept& k = TheKept();
  std::string dropped;  // freed outside the lock
  std::lock_guard<std::mutex> l(k.mu);
  auto at = std::lower_bound(
      k.bodies.begin(), k.bodies.end(), body.capacity(),
      [](const std::string& kept, size_t capacity) { return kept.capacity() < capacity; });
  k.bodies.insert(at, std::move(body));
  if (k.bodies.size() > kKeptBodies) {
    dropped = std::move(k.bodies.front());  // the smallest goes
    k.bodies.erase(k.bodies.begin());
  }
}

void ReleaseBodyBuffers() {
  std::vector<std::string> bodies;
  Kept& k = TheKept();
  {
    std::lock_guard<std::mutex> l(k.mu);
    bodies.swap(k.bodies);
  }
}

size_t KeptBodyBuffers() {
  Kept& k = TheKept();
  std::lock_guard<std::mutex> l(k.mu);
  return k.bodies.size();
}

}  // namespace promlet::net
