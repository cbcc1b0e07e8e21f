// Storage for large response bodies, kept from one request to the next.
//
// A dashboard's range queries answer with bodies of tens of MiB. Allocated afresh for every
// answer, each page of a body is faulted in again, which on a virtual machine costs ~15 us a
// page (a 19 MiB body: ~70 ms on top of a 40 ms query), and glibc maps bodies past its 32 MiB
// mmap threshold anew every time. So the server gives each body back once it is written, and
// the API's JSON encoding and gzip take their output strings from here.
//
// Invariants: at most kKeptBodies strings are kept, each with a capacity in [kMinKeptCapacity,
// kMaxKeptCapacity]; TakeBodyBuffer returns an empty string, the kept one of largest capacity
// when there is one. Thread-safe. ReleaseBodyBuffers frees every kept string: the process'
// heap trimmer calls it once queries have stopped, so RSS falls back after a burst.
#ifndef PROMLET_NET_HTTP_BODY_BUFFERS_H_
#define PROMLET_NET_HTTP_BODY_BUFFERS_H_

#include <cstddef>
#include <string>

namespace promlet::net {

inline constexpr size_t kKeptBodies = 4;
inline constexpr size_t kMinKeptCapacity = size_t{64} << 10;
inline constexpr size_t kMaxKeptCapacity = size_t{256} << 20;

std::string TakeBodyBuffer();
void GiveBodyBuffer(std::string body);
void ReleaseBodyBuffers();
// How many strings are kept (tests).
size_t KeptBodyBuffers();

}  // namespace promlet::net

#endif  // PROMLET_NET_HTTP_BODY_BUFFERS_H_
