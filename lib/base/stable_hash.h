// StableHash: the platform's replay-stable 64-bit hash (FNV-1a of the text, mixed with a seed by
// splitmix64). Seeds every "random" choice that must come out the same when a run is replayed:
// the runtime's per-message random source and ids, matching's per-task pick. Never change it
// without regenerating captures. Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace mcf {

inline uint64_t StableHash(uint64_t seed, std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  uint64_t z = h ^ (seed + 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace mcf
