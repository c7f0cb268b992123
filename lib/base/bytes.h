// Fixed-width little-endian integers inside binary frames and LMDB keys.
//
// Frame integers are little-endian (the wire); LMDB keys are big-endian so that byte order is
// numeric order for cursors. All functions are pure; readers REQUIRE the span to be long enough
// (callers check sizes first: untrusted frames are size-checked in lib/transport/protocol.cc).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace mcf {

inline void PutU64Le(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline uint64_t GetU64Le(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return v;
}
inline void PutU32Le(char* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline uint32_t GetU32Le(const char* in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return v;
}
inline void PutU16Le(char* out, uint16_t v) {
  out[0] = static_cast<char>(v & 0xff);
  out[1] = static_cast<char>(v >> 8);
}
inline uint16_t GetU16Le(const char* in) {
  return static_cast<uint16_t>(static_cast<unsigned char>(in[0]) |
                               (static_cast<unsigned char>(in[1]) << 8));
}

// Big-endian u64 as an 8-byte string: LMDB keys that sort numerically.
inline std::string U64Key(uint64_t v) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[7 - i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return k;
}
inline uint64_t FromU64Key(std::string_view k) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < k.size(); ++i) v = (v << 8) | static_cast<unsigned char>(k[i]);
  return v;
}

}  // namespace mcf
