#include "lib/base/secret_token.h"

#include <sodium.h>

#include <stdexcept>

namespace mcf {

std::string NewSecretToken() {
  // sodium_init is idempotent and thread-safe; a failure means no usable random source.
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium could not initialise its random source");
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[2 * sizeof bytes + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return std::string(hex, 2 * sizeof bytes);
}

}  // namespace mcf
