// Ordered keys for LMDB indexes: signed 64-bit integers (bus times, versions, totals) written so
// that LMDB's byte order is their numeric order — big-endian with the sign bit flipped, so
// negative values sort first. An index key is usually Be64(time) followed by an id, and a
// "newest first" page walks such a database backwards. Header-only pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mcf::store {

inline void PutBe64(std::string& out, int64_t v) {
  const auto u = static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u >> shift));
}

inline std::string Be64(int64_t v) {
  std::string out;
  PutBe64(out, v);
  return out;
}

// The value of the first 8 bytes of `b` (fewer bytes read as a prefix of the value).
inline int64_t FromBe64(std::string_view b) {
  uint64_t u = 0;
  for (size_t i = 0; i < 8 && i < b.size(); ++i) u = (u << 8) | static_cast<unsigned char>(b[i]);
  return static_cast<int64_t>(u ^ (uint64_t{1} << 63));
}

}  // namespace mcf::store
