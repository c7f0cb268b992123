#include "lib/base/secret_token.h"

#include <random>

namespace mcf {

std::string NewSecretToken() {
  std::random_device source;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (int i = 0; i < 32; ++i) {
    const unsigned v = source() & 0xffu;
    out.push_back(kHex[v >> 4]);
    out.push_back(kHex[v & 0xfu]);
  }
  return out;
}

}  // namespace mcf
