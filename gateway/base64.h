// Base64 (RFC 4648, standard alphabet) decoding of untrusted request fields such as photos, with
// a cap on the decoded size checked before anything is allocated. The codec is libsodium's; this
// header fixes the accepted dialect. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcf::gateway {

// The decoded size of `text` (padding "=" optional), or nullopt when its length cannot be
// base64 (length % 4 == 1). Does not look at the characters.
std::optional<size_t> Base64DecodedSize(std::string_view text);

// Decodes `text`: standard alphabet, "=" padding optional but, when present, only at the end
// and making the length a multiple of 4; no whitespace. nullopt when it is not base64.
std::optional<std::vector<uint8_t>> DecodeBase64(std::string_view text);

// Encodes with padding (tests and tools).
std::string EncodeBase64(const std::vector<uint8_t>& bytes);

}  // namespace mcf::gateway
