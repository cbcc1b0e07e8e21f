// A small deterministic mutation fuzzer for gtest (the project builds with g++, without
// libFuzzer): each fuzz test feeds a parser a bounded number of inputs derived from a seed
// corpus by a seeded PRNG, so a run is reproducible from (seed, iteration) and its cost is
// bounded by the iteration count, not by time.
//
// Invariants:
//  - The same seed, corpus and iteration count produce the same inputs on every machine
//    (std::mt19937_64 and integer arithmetic only; no std::*_distribution, whose output the
//    standard leaves to the library).
//  - Inputs stay under max_len bytes, so a mutation chain cannot grow without bound.
//  - Mutations: bit flips, byte set/insert/delete, "interesting" bytes and integers (0, -1,
//    0x7f, 0x80, 0xff, INT_MIN/MAX in 1, 2, 4, 8 bytes), chunk duplication, chunk erasure,
//    splicing with another corpus entry, and insertion of a dictionary token (format
//    keywords, so mutants still reach deep parser states).
// Failures: a failed expectation names the seed and iteration (rebuild the input with
// Mutator::Input(i)); a sanitizer report writes the input to ./fuzz-crash-input.
#ifndef PROMLET_TESTS_FUZZ_MUTATOR_H_
#define PROMLET_TESTS_FUZZ_MUTATOR_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

// The death callback exists only in sanitizer runtimes (the header is installed regardless).
#if defined(__SANITIZE_ADDRESS__) && defined(__has_include)
#if __has_include(<sanitizer/common_interface_defs.h>)
#include <sanitizer/common_interface_defs.h>
#define PROMLET_FUZZ_HAVE_DEATH_CALLBACK 1
#endif
#endif

namespace promlet::fuzz {

// The input being run, written to ./fuzz-crash-input when a sanitizer reports (so a crash
// found in CI can be added to the corpus as its regression input).
inline const std::string*& CurrentInput() {
  static const std::string* input = nullptr;
  return input;
}

inline void DumpCurrentInput() {
  if (CurrentInput() == nullptr) return;
  std::ofstream out("fuzz-crash-input", std::ios::binary);
  out.write(CurrentInput()->data(), static_cast<std::streamsize>(CurrentInput()->size()));
}

class Mutator {
 public:
  Mutator(std::vector<std::string> corpus, std::vector<std::string> dictionary, uint64_t seed,
          size_t max_len = 64 * 1024)
      : corpus_(std::move(corpus)), dict_(std::move(dictionary)), seed_(seed), max_len_(max_len) {
    if (corpus_.empty()) corpus_.push_back("");
  }

  // The i-th input: a corpus entry (the first corpus.size() inputs are the entries themselves),
  // then 1-8 stacked mutations of a corpus entry chosen by the PRNG.
  std::string Input(uint64_t i) {
    if (i < corpus_.size()) return corpus_[i];
    rng_.seed(seed_ ^ (i * 0x9E3779B97F4A7C15ULL));
    std::string s = corpus_[Below(corpus_.size())];
    int rounds = 1 + static_cast<int>(Below(8));
    for (int r = 0; r < rounds; ++r) MutateOnce(&s);
    if (s.size() > max_len_) s.resize(max_len_);
    return s;
  }

 private:
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }

  void MutateOnce(std::string* s) {
    static constexpr int64_t kInteresting[] = {0,   -1,    1,     0x7f,   0x80,   0xff,
                                               0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
                                               INT64_C(0x80000000), INT64_C(0x7fffffffffffffff),
                                               INT64_MIN};
    switch (Below(10)) {
      case 0:  // bit flip
        if (!s->empty()) (*s)[Below(s->size())] ^= static_cast<char>(1u << Below(8));
        break;
      case 1:  // random byte
        if (!s->empty()) (*s)[Below(s->size())] = static_cast<char>(Below(256));
        break;
      case 2:  // insert bytes
        s->insert(Below(s->size() + 1), std::string(1 + Below(4), static_cast<char>(Below(256))));
        break;
      case 3: {  // delete a chunk
        if (s->empty()) break;
        size_t at = Below(s->size());
        s->erase(at, 1 + Below(std::min<size_t>(s->size() - at, 16)));
        break;
      }
      case 4: {  // duplicate a chunk
        if (s->empty()) break;
        size_t at = Below(s->size());
        size_t n = 1 + Below(std::min<size_t>(s->size() - at, 64));
        std::string chunk = s->substr(at, n);
        s->insert(Below(s->size() + 1), chunk);
        break;
      }
      case 5: {  // interesting integer, little-endian, 1/2/4/8 bytes
        int64_t v = kInteresting[Below(std::size(kInteresting))];
        size_t width = size_t{1} << Below(4);
        if (s->size() < width) break;
        size_t at = Below(s->size() - width + 1);
        for (size_t k = 0; k < width; ++k) (*s)[at + k] = static_cast<char>((v >> (8 * k)) & 0xff);
        break;
      }
      case 6: {  // splice with another corpus entry
        const std::string& other = corpus_[Below(corpus_.size())];
        size_t cut = Below(s->size() + 1);
        size_t from = Below(other.size() + 1);
        *s = s->substr(0, cut) + other.substr(from);
        break;
      }
      case 7:  // dictionary token
        if (!dict_.empty()) s->insert(Below(s->size() + 1), dict_[Below(dict_.size())]);
        break;
      case 8: {  // interesting decimal number as text
        static constexpr const char* kNumbers[] = {
            "0", "-0", "1e308", "1e-324", "NaN", "+Inf", "-Inf", "9223372036854775807",
            "-9223372036854775808", "18446744073709551616", "0x7fffffffffffffff", "1e+999",
            "4294967296", "-1", "0.0000001", "99999999999999999999999"};
        s->insert(Below(s->size() + 1), kNumbers[Below(std::size(kNumbers))]);
        break;
      }
      default: {  // truncate
        if (!s->empty()) s->resize(Below(s->size()));
        break;
      }
    }
  }

  std::vector<std::string> corpus_;
  std::vector<std::string> dict_;
  uint64_t seed_;
  size_t max_len_;
  std::mt19937_64 rng_;
};

// Reads a corpus file: entries separated by a line "----8<----" (so multi-line inputs such as
// expositions and YAML documents fit in one file). Missing file: no entries (the test fails
// on its own seed check).
inline std::vector<std::string> ReadCorpusFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  std::vector<std::string> out;
  const std::string sep = "\n----8<----\n";
  size_t start = 0;
  while (start <= all.size()) {
    size_t at = all.find(sep, start);
    if (at == std::string::npos) {
      if (start < all.size()) out.push_back(all.substr(start));
      break;
    }
    out.push_back(all.substr(start, at - start));
    start = at + sep.size();
  }
  return out;
}

// The corpus directory (tests/fuzz/corpus), from the build's compile definition.
inline std::string CorpusPath(std::string_view file) {
  return std::string(PROMLET_FUZZ_CORPUS_DIR) + "/" + std::string(file);
}

// Iterations per test: PROMLET_FUZZ_ITERATIONS overrides the test's own default (CI keeps the
// default; a developer hunting bugs raises it).
inline uint64_t Iterations(uint64_t dflt) {
  const char* env = std::getenv("PROMLET_FUZZ_ITERATIONS");
  if (env == nullptr || *env == '\0') return dflt;
  return std::strtoull(env, nullptr, 10);
}

inline uint64_t Seed(uint64_t dflt) {
  const char* env = std::getenv("PROMLET_FUZZ_SEED");
  if (env == nullptr || *env == '\0') return dflt;
  return std::strtoull(env, nullptr, 10);
}

// Every error a parser returns must say what is wrong.
#define PROMLET_EXPECT_ERROR_HAS_MESSAGE(status)                                   \
  do {                                                                             \
    const absl::Status& promlet_fuzz_st = (status);                                \
    if (!promlet_fuzz_st.ok()) {                                                   \
      EXPECT_FALSE(promlet_fuzz_st.message().empty()) << promlet_fuzz_st.code();   \
    }                                                                              \
  } while (0)

// Runs `one` on `iterations` inputs of a Mutator over `corpus`. A failing expectation names
// the iteration and the seed (rebuild the input with Mutator(corpus, dict, seed).Input(i)).
inline void RunFuzz(std::vector<std::string> corpus, std::vector<std::string> dictionary,
                    uint64_t default_iterations, const std::function<void(const std::string&)>& one,
                    size_t max_len = 64 * 1024) {
  ASSERT_FALSE(corpus.empty()) << "empty seed corpus";
  uint64_t seed = Seed(0x5EED);
  uint64_t n = Iterations(default_iterations);
#ifdef PROMLET_FUZZ_HAVE_DEATH_CALLBACK
  __sanitizer_set_death_callback(&DumpCurrentInput);
#endif
  const bool verbose = std::getenv("PROMLET_FUZZ_VERBOSE") != nullptr;
  Mutator m(std::move(corpus), std::move(dictionary), seed, max_len);
  for (uint64_t i = 0; i < n; ++i) {
    std::string input = m.Input(i);
    CurrentInput() = &input;
    if (verbose) std::fprintf(stderr, "fuzz iteration %llu\n", static_cast<unsigned long long>(i));
    SCOPED_TRACE(testing::Message() << "fuzz seed " << seed << " iteration " << i);
    one(input);
    CurrentInput() = nullptr;
    if (testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace promlet::fuzz

#endif  // PROMLET_TESTS_FUZZ_MUTATOR_H_
