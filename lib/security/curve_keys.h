// CurveKeys: a bus peer's CurveZMQ key pair (RFC 26) as libzmq hands it out — 40-character Z85
// text for the public and the secret key — and the files that keep them. A key file holds one
// pair ("public <z85>\nsecret <z85>\n") and is written mode 0600 (temporary file, then rename,
// so a reader never sees half a key); reading refuses a file that group or others may read, so a
// secret copied carelessly is noticed rather than used. A public key file holds the public key
// alone and may be shared. KeyId is the short, non-secret name logs and captures use for a key.
// Pure functions over files; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "lib/base/status.h"

namespace mcf::security {

inline constexpr size_t kZ85KeyChars = 40;

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters
};

// A fresh pair from libzmq (libsodium's random source). unavailable when libzmq lacks CURVE.
Result<CurveKeyPair> GenerateCurveKeyPair();

// True for 40 characters of the Z85 alphabet that decode to a 32-byte key.
bool IsZ85Key(std::string_view key);

// The public key that belongs to `secret_key` (libzmq's curve25519 derivation); invalid for a
// string that is not a Z85 key.
Result<std::string> PublicKeyOf(std::string_view secret_key);

// Writes `pair` to `path` (mode 0600, replacing any file there). A pair whose public key is not
// the secret key's is refused before anything is written.
Status WriteKeyFile(const std::string& path, const CurveKeyPair& pair);
// Reads a key file; an error names the path and what is wrong (missing, readable by others, a
// bad line, a public key that does not match the secret).
Result<CurveKeyPair> ReadKeyFile(const std::string& path);

// A public key alone (mode 0644: it is meant to be copied to other hosts).
Status WritePublicKeyFile(const std::string& path, std::string_view public_key);
Result<std::string> ReadPublicKeyFile(const std::string& path);

// "k:" and the first 12 hex digits of a stable hash of the public key: enough to tell keys apart
// in a log or a capture, nothing to rebuild the key from.
std::string KeyId(std::string_view public_key);

}  // namespace mcf::security
