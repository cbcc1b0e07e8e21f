// ByteMutator: a small, deterministic mutation engine for bounded fuzz tests run as gtests (the
// toolchain is g++, without libFuzzer). Given a seed, the same inputs always produce the same
// mutants, so a failure reproduces from the seed and iteration printed by the test.
//
// Invariants:
//  - Deterministic: std::mt19937_64 from the seed; no other source of randomness.
//  - Mutate() never returns more than `max_size` bytes.
//  - Mutations: bit flips, byte overwrites (random or "interesting" values), truncation,
//    deletion, duplication of a range, insertion of random bytes, of dictionary tokens, and of a
//    huge run of one byte (oversized fields), and splicing with another corpus entry.
#ifndef PROMLET_TESTS_FUZZ_BYTE_MUTATOR_H_
#define PROMLET_TESTS_FUZZ_BYTE_MUTATOR_H_

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promlet::fuzz {

class ByteMutator {
 public:
  // `dictionary`: tokens of the input language (e.g. "\r\n", "Content-Length: ").
  explicit ByteMutator(uint64_t seed, std::vector<std::string> dictionary = {})
      : rng_(seed), dictionary_(std::move(dictionary)) {}

  // Uniform in [0, n); 0 when n is 0.
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }
  bool OneIn(size_t n) { return Below(n) == 0; }

  // One to four stacked mutations of `input`; `other` (may be empty) is used for splicing.
  std::string Mutate(std::string_view input, size_t max_size, std::string_view other = {}) {
    std::string s(input);
    size_t rounds = 1 + Below(4);
    for (size_t i = 0; i < rounds; ++i) MutateOnce(&s, max_size, other);
    if (s.size() > max_size) s.resize(max_size);
    return s;
  }

 private:
  void MutateOnce(std::string* s, size_t max_size, std::string_view other) {
    switch (Below(10)) {
      case 0:  // flip one bit
        if (!s->empty()) (*s)[Below(s->size())] ^= static_cast<char>(1u << Below(8));
        break;
      case 1: {  // overwrite a byte with a random or an interesting value
        static constexpr char kInteresting[] = {'\0', '\r', '\n', ' ', ':', '\t', '\x7f',
                                                '\xff', '%', '?', '/', '"', ';', ','};
        if (s->empty()) break;
        (*s)[Below(s->size())] = OneIn(2) ? kInteresting[Below(sizeof kInteresting)]
                                          : static_cast<char>(Below(256));
        break;
      }
      case 2:  // truncate
        s->resize(Below(s->size() + 1));
        break;
      case 3: {  // delete a range
        if (s->empty()) break;
        size_t at = Below(s->size());
        s->erase(at, 1 + Below(std::min<size_t>(s->size() - at, 64)));
        break;
      }
      case 4: {  // duplicate a range
        if (s->empty()) break;
        size_t at = Below(s->size());
        size_t len = 1 + Below(std::min<size_t>(s->size() - at, 256));
        std::string piece = s->substr(at, len);
        size_t copies = 1 + Below(OneIn(8) ? 64 : 3);
        std::string run;
        for (size_t c = 0; c < copies && run.size() < max_size; ++c) run += piece;
        s->insert(Below(s->size() + 1), run);
        break;
      }
      case 5: {  // insert random bytes
        std::string bytes(1 + Below(16), '\0');
        for (auto& b : bytes) b = static_cast<char>(Below(256));
        s->insert(Below(s->size() + 1), bytes);
        break;
      }
      case 6:
      case 7:  // insert a dictionary token
        if (dictionary_.empty()) break;
        s->insert(Below(s->size() + 1), dictionary_[Below(dictionary_.size())]);
        break;
      case 8: {  // a huge run of one byte: oversized names, values, targets
        size_t len = std::min<size_t>(max_size, size_t{1} << (8 + Below(13)));  // 256 B .. 1 MiB
        char c = OneIn(2) ? 'a' : static_cast<char>(Below(256));
        s->insert(Below(s->size() + 1), std::string(len, c));
        break;
      }
      case 9: {  // splice: our head, the other's tail
        if (other.empty()) break;
        size_t cut = Below(s->size() + 1);
        size_t from = Below(other.size() + 1);
        s->resize(cut);
        s->append(other.substr(from));
        break;
      }
    }
  }

  std::mt19937_64 rng_;
  std::vector<std::string> dictionary_;
};

}  // namespace promlet::fuzz

#endif  // PROMLET_TESTS_FUZZ_BYTE_MUTATOR_H_
